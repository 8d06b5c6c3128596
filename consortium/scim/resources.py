"""The SCIM resources this service publishes: a User narrowed to what a Person stores.

Only attributes that round-trip through a Person are declared, so `/Schemas` tells an HR system
exactly what it can provision and nothing it sends is silently lost.
"""

from __future__ import annotations

from typing import Annotated, Any

from scim2_models import (
    URN,
    AuthenticationScheme,
    Bulk,
    ChangePassword,
    ComplexAttribute,
    ETag,
    External,
    Filter,
    Mutability,
    Patch,
    Reference,
    Required,
    Resource,
    ResourceType,
    Returned,
    ScimPolicy,
    ScimProvider,
    ServiceProviderConfig,
    Sort,
    Uniqueness,
)

USER_SCHEMA = "urn:ietf:params:scim:schemas:core:2.0:User"
MAX_RESULTS = 100  # the largest page a list or search returns (RFC 7644 §3.4.2.4 `count`)


class Name(ComplexAttribute):
    """The components of the person's name; a staff record always has both."""

    given_name: Annotated[str | None, Required.true] = None
    """The given name, or first name (Person.given_name, at most 100 characters)."""

    family_name: Annotated[str | None, Required.true] = None
    """The family name, or last name (Person.family_name, at most 100 characters)."""


class Email(ComplexAttribute):
    """The person's work email: the same address as userName, so it is read-only here."""

    value: Annotated[str | None, Mutability.read_only] = None
    """The work email address (equal to userName)."""

    type: Annotated[str | None, Mutability.read_only] = None
    """Always 'work'."""

    primary: Annotated[bool | None, Mutability.read_only] = None
    """Always true: a staff record has one email address."""


class User(Resource[Any]):
    """A member of staff of the caller's organisation (a Person)."""

    __schema__ = URN(USER_SCHEMA)

    user_name: Annotated[str | None, Uniqueness.server, Required.true] = None
    """The person's work email address, unique within the organisation (case-insensitive)."""

    name: Annotated[Name | None, Required.true] = None
    """The person's name."""

    display_name: Annotated[str | None, Mutability.read_only] = None
    """Given and family name, for display."""

    title: str | None = None
    """The person's job title (Person.job_title, at most 200 characters)."""

    active: Annotated[bool | None, Required.true, Returned.always] = None
    """Whether the person is active; false deactivates the staff record (true if left out)."""

    emails: Annotated[list[Email] | None, Mutability.read_only] = None
    """The work email address, derived from userName."""


USER_RESOURCE_TYPE = ResourceType.from_resource(User)

CONFIG = ServiceProviderConfig(
    documentation_uri=Reference[External]("https://datatracker.ietf.org/doc/html/rfc7644"),
    patch=Patch(supported=True),
    bulk=Bulk(supported=False, max_operations=0, max_payload_size=0),
    filter=Filter(supported=True, max_results=MAX_RESULTS),
    change_password=ChangePassword(supported=False),
    sort=Sort(supported=False),
    etag=ETag(supported=True),
    authentication_schemes=[
        AuthenticationScheme(
            type=AuthenticationScheme.Type.oauthbearertoken,
            name="OAuth Bearer Token",
            description=(
                "An access token from POST /oauth/token (client credentials) for an "
                "organisation's API client holding the scope 'scim'."
            ),
            spec_uri=Reference[External]("https://datatracker.ietf.org/doc/html/rfc6750"),
            primary=True,
        )
    ],
)

# Tolerate what real IdPs send: Entra's PATCH 'remove' with a value, and filters on entries to
# create; attributes this service does not store are dropped rather than refused.
POLICY = ScimPolicy(
    unknown=ScimPolicy.Unknown.ignore,
    remove_value_as_filter=ScimPolicy.RemoveValue.apply,
    unmatched_path_filter=ScimPolicy.UnmatchedPathFilter.create,
)

PROVIDER = ScimProvider(
    models=[User], resource_types=[USER_RESOURCE_TYPE], config=CONFIG, policy=POLICY
)
