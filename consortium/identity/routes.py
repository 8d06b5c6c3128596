"""OAuth token endpoint, JWKS, /me; an organisation's API clients, SSO and admins; coordinators."""

from __future__ import annotations

import uuid
from typing import Any

from flask import Response
from flask.views import MethodView

from consortium.core.api import Blueprint
from consortium.identity import keys, me, roles, service, sso
from consortium.identity.models import SsoConfiguration
from consortium.identity.schemas import (
    ApiClientCreateSchema,
    ApiClientSchema,
    IssuedClientSchema,
    MeSchema,
    OAuthErrorSchema,
    RoleHolderCreateSchema,
    RoleHolderSchema,
    SsoConfigurationSchema,
    TokenRequestSchema,
    TokenSchema,
)
from consortium.identity.tokens import authorization_server
from consortium.organisations import service as organisations
from consortium.people.models import Person

oauth = Blueprint(
    "oauth", __name__, description="OAuth 2.0 client credentials for machine clients."
)
api = Blueprint(
    "identity",
    __name__,
    url_prefix="/api/v1",
    description="Who is calling; API clients, single sign-on, admins and coordinators.",
)


@oauth.route("/oauth/token")
class Token(MethodView):
    @oauth.doc(
        security=[{"clientBasic": []}],
        requestBody={
            "required": True,
            "content": {"application/x-www-form-urlencoded": {"schema": TokenRequestSchema}},
        },
    )
    @oauth.response(200, TokenSchema)
    @oauth.alt_response(
        400,
        schema=OAuthErrorSchema,
        content_type="application/json",
        description="Refused: invalid_request, unsupported_grant_type, unauthorized_client, "
        "or invalid_scope (a scope the client does not hold).",
        example={
            "error": "invalid_scope",
            "error_description": "This client does not hold platform:admin; it may ask for: "
            "people:read people:write.",
        },
    )
    @oauth.alt_response(
        401,
        schema=OAuthErrorSchema,
        content_type="application/json",
        description="invalid_client: unknown, wrong or missing client credentials, or a "
        "revoked client or suspended organisation.",
        example={"error": "invalid_client"},
    )
    def post(self) -> Response:
        """Exchange client credentials (HTTP Basic) for an access token.

        Ask for some of the client's scopes with `scope` (space-separated), or for all of them
        by leaving it out; a scope the client does not hold is refused with `invalid_scope`.
        Errors are RFC 6749's `{"error", "error_description"}` as `application/json`, which
        OAuth client libraries expect, not problem+json.
        """
        response: Response = authorization_server().create_token_response()
        return response


@oauth.route("/.well-known/jwks.json")
class Jwks(MethodView):
    @oauth.response(200, description="The public keys access tokens are signed with (RFC 7517).")
    @oauth.errors(404)
    def get(self) -> dict[str, Any]:
        """List the public keys that verify this service's access tokens."""
        return keys.public_jwks()


@api.route("/me")
class Me(MethodView):
    @api.auth()
    @api.response(200, MeSchema)
    def get(self) -> dict[str, Any]:
        """Describe the caller: who they are, their organisation, roles, scopes and records.

        A signed-in person also gets their staff record's details and `links` to their own
        staff record, mentor profiles and applications; an API client gets `client`.
        """
        caller = me.describe_caller()
        return {**caller, "links": me.own_links(caller) if caller["person"] else None}


@api.route("/organisations/<uuid:organisation_id>/api-clients")
class ApiClients(MethodView):
    @api.auth("organisation:admin")
    @api.response(200, ApiClientSchema(many=True))
    @api.paginate_sql()
    @api.errors(404)
    def get(self, organisation_id: uuid.UUID) -> Any:
        """List an organisation's API clients (never their secrets)."""
        return service.list_clients(organisation_id=organisation_id)

    @api.auth("organisation:admin")
    @api.idempotent
    @api.arguments(ApiClientCreateSchema)
    @api.response(201, IssuedClientSchema)
    @api.errors(404, 409)
    def post(self, data: dict[str, Any], organisation_id: uuid.UUID) -> service.IssuedClient:
        """Create an API client for an organisation; its secret is shown only in this response."""
        return service.create_client(organisation_id=organisation_id, **data)


@api.route("/organisations/<uuid:organisation_id>/api-clients/<uuid:api_client_id>/revoke")
class ApiClientRevocation(MethodView):
    @api.auth("organisation:admin")
    @api.response(200, ApiClientSchema)
    @api.errors(404, 409)
    def post(self, organisation_id: uuid.UUID, api_client_id: uuid.UUID) -> Any:
        """Revoke an API client (a leaked secret, a retired integration).

        Its access tokens stop working at once (401) and the token endpoint refuses it; it
        stays listed, as revoked. Revocation cannot be undone: create a new client instead.
        """
        return service.revoke_client(organisation_id=organisation_id, api_client_id=api_client_id)


@api.route("/organisations/<uuid:organisation_id>/sso")
class OrganisationSso(MethodView):
    @api.auth("organisation:admin")
    @api.response(200, SsoConfigurationSchema)
    @api.errors(404)
    def get(self, organisation_id: uuid.UUID) -> dict[str, Any]:
        """Show the organisation's single sign-on settings (never the client secret)."""
        return _sso_view(sso.get_sso(organisation_id=organisation_id))

    @api.auth("organisation:admin")
    @api.arguments(SsoConfigurationSchema)
    @api.response(200, SsoConfigurationSchema)
    @api.errors(404)
    def put(self, data: dict[str, Any], organisation_id: uuid.UUID) -> dict[str, Any]:
        """Set the organisation's OpenID Connect provider; its discovery document is checked."""
        return _sso_view(sso.configure_sso(organisation_id=organisation_id, **data))


def _sso_view(config: SsoConfiguration) -> dict[str, Any]:
    slug = organisations.get_organisation(organisation_id=config.organisation_id).slug
    return {
        "organisation_id": config.organisation_id,
        "issuer": config.issuer,
        "client_id": config.client_id,
        "email_domains": config.email_domains,
        "version": config.version,
        "redirect_uri": sso.callback_url(slug),
        "discovered_at": config.discovered_at,
        "updated_at": config.updated_at,
    }


@api.route("/organisations/<uuid:organisation_id>/admins")
class OrganisationAdmins(MethodView):
    @api.auth("organisation:admin")
    @api.response(200, RoleHolderSchema(many=True))
    @api.errors(404)
    def get(self, organisation_id: uuid.UUID) -> list[Person]:
        """List the organisation's admins."""
        return roles.list_admins(organisation_id=organisation_id)

    @api.auth("organisation:admin")
    @api.arguments(RoleHolderCreateSchema)
    @api.response(201, RoleHolderSchema)
    @api.errors(404)
    def post(self, data: dict[str, Any], organisation_id: uuid.UUID) -> Person:
        """Make a person of the organisation one of its admins."""
        return roles.add_admin(organisation_id=organisation_id, **data)

    @api.auth("organisation:admin")
    @api.arguments(RoleHolderCreateSchema)
    @api.response(204)
    @api.errors(404)
    def delete(self, data: dict[str, Any], organisation_id: uuid.UUID) -> None:
        """Take the admin role away from a person of the organisation."""
        roles.remove_admin(organisation_id=organisation_id, **data)


@api.route("/consortia/<uuid:consortium_id>/coordinators")
class ConsortiumCoordinators(MethodView):
    @api.auth()
    @api.response(200, RoleHolderSchema(many=True))
    @api.errors(404)
    def get(self, consortium_id: uuid.UUID) -> list[Person]:
        """List the consortium's coordinators (visible to its member organisations)."""
        return roles.list_coordinators(consortium_id=consortium_id)

    @api.auth("consortium:coordinate")
    @api.arguments(RoleHolderCreateSchema)
    @api.response(201, RoleHolderSchema)
    @api.errors(404)
    def post(self, data: dict[str, Any], consortium_id: uuid.UUID) -> Person:
        """Make a person of a member organisation a coordinator of the consortium."""
        return roles.add_coordinator(consortium_id=consortium_id, **data)

    @api.auth("consortium:coordinate")
    @api.arguments(RoleHolderCreateSchema)
    @api.response(204)
    @api.errors(404)
    def delete(self, data: dict[str, Any], consortium_id: uuid.UUID) -> None:
        """Take the coordinator role of this consortium away from a person."""
        roles.remove_coordinator(consortium_id=consortium_id, **data)
