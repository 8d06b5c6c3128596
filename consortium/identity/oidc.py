"""OpenID Connect relying party: discovery, one authlib client per SSO configuration version.

authlib does the protocol (authorization URL with PKCE S256, state and nonce; the code
exchange; ID token signature, `iss`, `aud`, `exp`, `nonce` checks; a JWKS re-fetch when the
provider rotates its keys). This module decides what we trust: the issuer named in the
discovery document must be the configured one, and only asymmetric signature algorithms count.
The discovery document and the keys are fetched under the service's outbound guard
(core.outbound: public addresses only unless SSO_ALLOW_PRIVATE_NETWORKS, every redirect vetted,
size and time limits).
"""

from __future__ import annotations

import json
import threading
import uuid
from typing import Any

from authlib.integrations.base_client import BaseApp, OAuth2Mixin, OpenIDMixin
from authlib.integrations.requests_client import OAuth2Session
from flask import current_app

from consortium.core import outbound

SCOPE = "openid email profile"
HTTP_TIMEOUT = 10  # seconds; the provider is on the login's critical path
# Asymmetric only: `none` is unsigned, and HS* would make the client secret a signing key.
SIGNING_ALGORITHMS = (
    "RS256", "RS384", "RS512", "PS256", "PS384", "PS512", "ES256", "ES384", "ES512", "EdDSA",
)  # fmt: skip
REQUIRED_METADATA = ("issuer", "authorization_endpoint", "token_endpoint", "jwks_uri")
MAX_DOCUMENT_BYTES = 512 * 1024


class DiscoveryError(Exception):
    """The issuer's discovery document could not be fetched or is not acceptable."""


def discover(issuer: str) -> dict[str, Any]:
    """Fetch and check `{issuer}/.well-known/openid-configuration` (OpenID Discovery 1.0)."""
    url = issuer.rstrip("/") + "/.well-known/openid-configuration"
    try:
        body = outbound.fetch(url, _limits(), what=url, accept="application/json")
    except outbound.OutboundError as exc:
        raise DiscoveryError(str(exc)) from exc
    try:
        metadata = json.loads(body)
    except ValueError as exc:
        raise DiscoveryError(f"{url} did not return a JSON discovery document.") from exc
    if not isinstance(metadata, dict):
        raise DiscoveryError(f"{url} did not return a JSON object.")
    missing = [key for key in REQUIRED_METADATA if not isinstance(metadata.get(key), str)]
    if missing:
        raise DiscoveryError(f"The discovery document lacks {', '.join(missing)}.")
    # OpenID Discovery §4.3: the issuer in the document must be exactly the one configured.
    if metadata["issuer"] != issuer:
        raise DiscoveryError(
            f"The discovery document names the issuer {metadata['issuer']!r}, not {issuer!r}."
        )
    if "code" not in metadata.get("response_types_supported", ["code"]):
        raise DiscoveryError("The provider does not support the authorization code flow.")
    methods = metadata.get("code_challenge_methods_supported")
    if isinstance(methods, list) and "S256" not in methods:
        raise DiscoveryError("The provider does not support PKCE with S256.")
    offered = metadata.get("id_token_signing_alg_values_supported") or ["RS256"]
    algorithms = [a for a in offered if a in SIGNING_ALGORITHMS]
    if not algorithms:
        raise DiscoveryError("The provider signs ID tokens with no algorithm we accept.")
    metadata["id_token_signing_alg_values_supported"] = algorithms
    metadata.pop("jwks", None)  # keys come from jwks_uri only, fetched by the client
    return metadata


def _limits() -> outbound.Limits:
    settings = current_app.config["SETTINGS"]
    return outbound.Limits(
        timeout=HTTP_TIMEOUT,
        max_bytes=MAX_DOCUMENT_BYTES,
        allow_private_networks=settings.sso_allow_private_networks,
        # As for the issuer (sso.configure_sso): plain http only outside production.
        https_only=settings.is_production,
    )


class OidcClient(OAuth2Mixin, OpenIDMixin, BaseApp):
    """authlib's OAuth 2 + OpenID client, without its framework session (we keep the state)."""

    client_cls = OAuth2Session

    def fetch_jwk_set(self, force: bool = False) -> Any:
        """The provider's keys (cached; fetched again when forced, as on an unknown key id),
        fetched under the outbound guard rather than by authlib's own session."""
        jwk_set = self.server_metadata.get("jwks")
        if jwk_set and not force:
            return jwk_set
        uri = self.server_metadata["jwks_uri"]
        try:
            jwk_set = json.loads(
                outbound.fetch(uri, _limits(), what=uri, accept="application/json")
            )
        except outbound.OutboundError as exc:
            raise OSError(str(exc)) from exc  # sso maps OSError to a 502, as before
        except ValueError:
            jwk_set = None
        if not isinstance(jwk_set, dict) or not isinstance(jwk_set.get("keys"), list):
            raise OSError(f"{uri} did not return a JSON Web Key Set.")
        self.server_metadata["jwks"] = jwk_set
        return jwk_set


_clients: dict[tuple[uuid.UUID, int], OidcClient] = {}
_lock = threading.Lock()


def client_for(
    *,
    organisation_id: uuid.UUID,
    version: int,
    client_id: str,
    client_secret: str,
    metadata: dict[str, Any],
) -> OidcClient:
    """The client of one SSO configuration version: a changed configuration gets a new one."""
    key = (organisation_id, version)
    with _lock:
        client = _clients.get(key)
        if client is None:
            # Drop older versions of this organisation's client, with their cached keys.
            for stale in [k for k in _clients if k[0] == organisation_id]:
                del _clients[stale]
            client = OidcClient(
                None,
                name=f"org-{organisation_id}-v{version}",
                client_id=client_id,
                client_secret=client_secret,
                client_kwargs={
                    "scope": SCOPE,
                    "code_challenge_method": "S256",
                    "token_endpoint_auth_method": _auth_method(metadata),
                    "default_timeout": HTTP_TIMEOUT,
                },
                user_agent=f"Consortium ({current_app.config['ISSUER']})",
                **metadata,
            )
            _clients[key] = client
    return client


def _auth_method(metadata: dict[str, Any]) -> str:
    offered = metadata.get("token_endpoint_auth_methods_supported") or ["client_secret_basic"]
    return "client_secret_basic" if "client_secret_basic" in offered else "client_secret_post"
