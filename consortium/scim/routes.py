"""/scim/v2: SCIM 2.0 (RFC 7643/7644) provisioning of an organisation's staff."""

from __future__ import annotations

from consortium.core.api import Blueprint

blp = Blueprint(
    "scim",
    __name__,
    url_prefix="/scim/v2",
    description="SCIM 2.0 provisioning of staff records by an organisation's HR system.",
)
