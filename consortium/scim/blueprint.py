"""The SCIM flavour of our Blueprint: errors documented (and answered) as SCIM Error documents."""

from __future__ import annotations

import http
from collections.abc import Callable
from typing import Any

import marshmallow as ma

from consortium.core.api import Blueprint, Schema
from consortium.scim.errors import SCIM_MEDIA_TYPE

RFC_7644 = "https://datatracker.ietf.org/doc/html/rfc7644"


class ScimErrorSchema(Schema):
    """A SCIM Error (RFC 7644 §3.12)."""

    schemas = ma.fields.List(
        ma.fields.String(),
        metadata={"example": ["urn:ietf:params:scim:api:messages:2.0:Error"]},
    )
    status = ma.fields.String(metadata={"example": "409", "description": "The HTTP status."})
    scimType = ma.fields.String(
        metadata={"example": "uniqueness", "description": "The RFC 7644 error keyword, if any."}
    )
    detail = ma.fields.String(
        metadata={"example": "A user with the userName amara.okafor@nhs.net already exists."}
    )


def scim_content(description: str) -> dict[str, Any]:
    """An OpenAPI content entry for a SCIM document described in words (RFC 7643/7644)."""
    return {
        SCIM_MEDIA_TYPE: {
            "schema": {"type": "object", "description": f"{description} See {RFC_7644}."}
        }
    }


class ScimBlueprint(Blueprint):
    """Our Blueprint, documenting errors as application/scim+json SCIM Errors."""

    def errors(
        self, *statuses: int, examples: dict[int, dict[str, Any]] | None = None
    ) -> Callable[[Any], Any]:
        def decorator(func: Any) -> Any:
            for status in statuses:
                func = self.alt_response(
                    status,
                    schema=ScimErrorSchema,
                    description=http.HTTPStatus(status).phrase,
                    content_type=SCIM_MEDIA_TYPE,
                    examples=(examples or {}).get(status),
                )(func)
            return func

        return decorator

    def auth(self, *scopes: str) -> Callable[[Any], Any]:
        """Our auth check; any error not listed (a 500, say) is a SCIM Error too."""
        default = {
            "description": "Any other error, as a SCIM Error.",
            "content": {SCIM_MEDIA_TYPE: {"schema": ScimErrorSchema}},
        }

        def decorator(func: Any) -> Any:
            return self.doc(responses={"default": default})(
                super(ScimBlueprint, self).auth(*scopes)(func)
            )

        return decorator

    def returns(self, status: int, description: str) -> Callable[[Any], Any]:
        """Document the SCIM document a successful call answers with."""
        return self.doc(
            responses={
                str(status): {"description": description, "content": scim_content(description)}
            }
        )

    def takes(self, description: str) -> Callable[[Any], Any]:
        """Document the SCIM document a call reads from its body."""
        return self.doc(requestBody={"required": True, "content": scim_content(description)})
