"""Single sign-on: each organisation's OpenID Connect provider, and signing its staff in.

The login's state (state, nonce, PKCE verifier, where to go next, which configuration version)
travels in a short-lived encrypted cookie scoped to the callback path, so nothing is stored
for an abandoned login and a callback can only complete the login its own browser started.
People are found by (issuer, subject), never by email alone: a provider's users can often set
their own email claim. An existing staff record is linked on first login only when the
provider vouches for the email (`email_verified`) and no other account holds it.
"""

from __future__ import annotations

import http
import json
import logging
import uuid
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

from authlib.common.errors import AuthlibBaseError
from cryptography.fernet import InvalidToken, MultiFernet
from flask import current_app
from joserfc.errors import JoseError
from sqlalchemy import select

from consortium.audit import service as audit
from consortium.core import events, tenancy
from consortium.core.db import unstorable, utcnow
from consortium.core.errors import BadGateway, Invalid, NotFound, Unauthenticated
from consortium.core.security import decrypt, encrypt, fernet
from consortium.extensions import db
from consortium.identity import oidc
from consortium.identity.models import PersonIdentity, SsoConfiguration
from consortium.identity.roles import require_admin_of
from consortium.organisations.models import Organisation
from consortium.people import service as people
from consortium.people.models import Person

log = logging.getLogger(__name__)

LOGIN_STATE_TTL = 600  # seconds a person has to finish signing in at their provider
MAX_NEXT = 2000


# --- configuration -----------------------------------------------------------------------


def configure_sso(
    *,
    organisation_id: uuid.UUID,
    issuer: str,
    client_id: str,
    client_secret: str,
    email_domains: list[str] | None = None,
) -> SsoConfiguration:
    """Save (create or replace) the organisation's SSO; the provider is discovered first."""
    require_admin_of(organisation_id)
    if current_app.config["SETTINGS"].is_production and urlsplit(issuer).scheme != "https":
        raise Invalid("The issuer must be an https URL.", field="issuer")
    try:
        metadata = oidc.discover(issuer)
    except oidc.DiscoveryError as exc:
        raise Invalid(
            f"The issuer's discovery document was refused: {exc}", field="issuer"
        ) from exc
    configuration = store_configuration(
        organisation_id=organisation_id,
        issuer=issuer,
        client_id=client_id,
        client_secret=client_secret,
        email_domains=email_domains or [],
        metadata=metadata,
    )
    # Never the secret: who changed the sign-in, to which provider and client.
    audit.record(
        action="sso.configured",
        subject_type="organisation",
        subject_id=organisation_id,
        organisation_id=organisation_id,
        data={"issuer": issuer, "client_id": client_id, "email_domains": email_domains or []},
    )
    return configuration


def store_configuration(
    *,
    organisation_id: uuid.UUID,
    issuer: str,
    client_id: str,
    client_secret: str,
    email_domains: list[str],
    metadata: dict[str, Any],
) -> SsoConfiguration:
    """Save an already discovered configuration (the demo seed's provider is not up yet)."""
    domains = sorted({d.strip().lower() for d in email_domains})
    with tenancy.acting_for(organisation_id, name="sso"):
        config = _configuration(organisation_id)
        if config is None:
            config = SsoConfiguration(organisation_id=organisation_id, version=0)
            db.session.add(config)
        config.issuer = issuer
        config.client_id = client_id
        config.client_secret_encrypted = encrypt(client_secret)
        config.email_domains = domains
        config.provider_metadata = metadata
        config.discovered_at = utcnow()
        # A new version: logins started under the old one fail, and the old client is dropped.
        config.version += 1
        db.session.flush()
    return config


def store_configuration_if_changed(
    *,
    organisation_id: uuid.UUID,
    issuer: str,
    client_id: str,
    client_secret: str,
    email_domains: list[str],
    metadata: dict[str, Any],
) -> bool:
    """Store the configuration unless the saved one already says exactly this; returns
    whether it was stored (a re-run seed whose base URL or SECRET_KEY moved stores anew)."""
    with tenancy.acting_for(organisation_id, name="sso"):
        config = _configuration(organisation_id)
        if config is not None and _says(
            config,
            issuer=issuer,
            client_id=client_id,
            client_secret=client_secret,
            email_domains=email_domains,
            metadata=metadata,
        ):
            return False
    store_configuration(
        organisation_id=organisation_id,
        issuer=issuer,
        client_id=client_id,
        client_secret=client_secret,
        email_domains=email_domains,
        metadata=metadata,
    )
    return True


def _says(
    config: SsoConfiguration,
    *,
    issuer: str,
    client_id: str,
    client_secret: str,
    email_domains: list[str],
    metadata: dict[str, Any],
) -> bool:
    try:
        secret = decrypt(config.client_secret_encrypted)
    except RuntimeError:  # stored under another SECRET_KEY: it must be stored again
        return False
    return (
        config.issuer == issuer
        and config.client_id == client_id
        and secret == client_secret
        and list(config.email_domains) == sorted({d.strip().lower() for d in email_domains})
        and dict(config.provider_metadata) == metadata
    )


def sign_in_choices() -> list[tuple[str, str]]:
    """(name, slug) of every active organisation whose staff can sign in here, by name.

    Lists tenants to anyone: for the development sign-in page only, never in production."""
    with tenancy.all_tenants():
        rows = db.session.execute(
            select(Organisation.name, Organisation.slug)
            .join(SsoConfiguration, SsoConfiguration.organisation_id == Organisation.id)
            .where(Organisation.status == "active")
            .order_by(Organisation.name)
        )
        return [(name, slug) for name, slug in rows]


def offers_sign_in(slug: str) -> bool:
    """Whether an active organisation with this slug has SSO configured here."""
    try:
        _organisation_and_configuration(slug)
    except NotFound:
        return False
    return True


def get_sso(*, organisation_id: uuid.UUID) -> SsoConfiguration:
    """The organisation's SSO configuration (its secret is never shown)."""
    require_admin_of(organisation_id)
    with tenancy.acting_for(organisation_id, name="sso"):
        config = _configuration(organisation_id)
    if config is None:
        raise NotFound("This organisation has no SSO configured.")
    return config


def _configuration(organisation_id: uuid.UUID) -> SsoConfiguration | None:
    return db.session.scalar(
        select(SsoConfiguration).where(SsoConfiguration.organisation_id == organisation_id)
    )


# --- login -------------------------------------------------------------------------------


@dataclass(frozen=True)
class LoginStart:
    authorization_url: str
    state_cookie: str


@dataclass(frozen=True)
class LoginResult:
    person: Person
    next: str


class LoginFailed(Unauthenticated):
    """A sign-in that must not start a session; `reason` is a short code for the logs."""

    def __init__(self, detail: str, *, reason: str, status: int = 401) -> None:
        super().__init__(detail)
        self.reason = reason
        self.status = status
        self.title = http.HTTPStatus(status).phrase


def safe_next(value: str | None) -> str:
    """`next` as a local path; anything that could leave this site is refused."""
    if not value:
        return "/"
    parts = urlsplit(value)
    local = (
        value.startswith("/")
        and not value.startswith(("//", "/\\"))
        and not parts.scheme
        and not parts.netloc
        and "\\" not in value
        and value.isprintable()
        and len(value) <= MAX_NEXT
    )
    if not local:
        raise Invalid("next must be a path on this site, such as /programmes.", field="next")
    return value


def callback_url(slug: str) -> str:
    return f"{current_app.config['ISSUER']}/auth/sso/{slug}/callback"


def begin_login(*, slug: str, next_path: str | None) -> LoginStart:
    """The provider's authorization URL (code flow, PKCE S256, state, nonce) and our state."""
    target = safe_next(next_path)
    organisation, config = _organisation_and_configuration(slug)
    client = _client(config)
    try:
        started = client.create_authorization_url(callback_url(slug))
    except (AuthlibBaseError, OSError, ValueError) as exc:  # includes requests' errors
        raise BadGateway(f"The identity provider could not be reached: {exc}") from exc
    state = {
        "state": started["state"],
        "nonce": started["nonce"],
        "code_verifier": started["code_verifier"],
        "next": target,
        "organisation_id": str(organisation.id),
        "version": config.version,
    }
    return LoginStart(
        authorization_url=started["url"],
        state_cookie=_login_cipher().encrypt(json.dumps(state).encode()).decode(),
    )


def complete_login(*, slug: str, params: dict[str, str], state_cookie: str | None) -> LoginResult:
    """Check everything the provider sent back and find or create the person it names."""
    saved = _saved_state(state_cookie)
    if not params.get("state") or params.get("state") != saved["state"]:
        raise LoginFailed(
            "The sign-in response does not belong to this browser's sign-in; start again.",
            reason="state_mismatch",
            status=400,
        )
    if "error" in params:
        raise LoginFailed(
            f"The identity provider refused the sign-in: {params.get('error_description') or params['error']}.",
            reason="provider_error",
        )
    if not params.get("code"):
        raise LoginFailed(
            "The identity provider sent no authorization code.", reason="no_code", status=400
        )
    organisation, config = _organisation_and_configuration(slug)
    if str(organisation.id) != saved["organisation_id"] or config.version != saved["version"]:
        raise LoginFailed(
            "The organisation's sign-in settings changed during the sign-in; start again.",
            reason="configuration_changed",
            status=400,
        )
    client = _client(config)
    try:
        token = client.fetch_access_token(
            redirect_uri=callback_url(slug),
            code=params["code"],
            code_verifier=saved["code_verifier"],
        )
    except AuthlibBaseError as exc:
        raise LoginFailed(
            f"The identity provider refused the code: {exc.description or exc.error}.",
            reason="token_refused",
        ) from exc
    except (OSError, ValueError) as exc:
        raise BadGateway(
            f"The identity provider's token endpoint failed: {type(exc).__name__}."
        ) from exc
    if not isinstance(token, dict) or not token.get("access_token"):
        raise LoginFailed(
            "The identity provider's token endpoint returned no token.", reason="token_refused"
        )
    claims = _verified_claims(client, token, nonce=saved["nonce"])
    with tenancy.acting_for(organisation.id, name="sso"):
        person = _person_for(organisation=organisation, config=config, claims=claims)
    return LoginResult(person=person, next=saved["next"])


def _verified_claims(
    client: oidc.OidcClient, token: dict[str, Any], *, nonce: str
) -> dict[str, Any]:
    if not token.get("id_token"):
        raise LoginFailed("The identity provider sent no ID token.", reason="no_id_token")
    try:
        claims = client.parse_id_token(
            token,
            nonce=nonce,
            claims_options={
                "iss": {"essential": True, "values": [client.server_metadata["issuer"]]},
                "sub": {"essential": True},
                "aud": {"essential": True},
                "exp": {"essential": True},
                "iat": {"essential": True},
            },
            leeway=60,
        )
    except (JoseError, AuthlibBaseError, ValueError) as exc:
        raise LoginFailed(f"The ID token was refused: {exc}", reason="id_token_invalid") from exc
    except OSError as exc:  # the provider's JWKS could not be fetched
        raise BadGateway("The identity provider's signing keys could not be fetched.") from exc
    result = dict(claims)
    if not result.get("email"):
        # OpenID Connect Core §5.3: userinfo may carry what the ID token leaves out.
        if not client.server_metadata.get("userinfo_endpoint"):
            raise LoginFailed(
                "The identity provider shared no email address.", reason="no_email", status=403
            )
        try:
            info = client.userinfo(token=token)
        except (AuthlibBaseError, OSError, ValueError) as exc:
            raise BadGateway("The identity provider's userinfo endpoint failed.") from exc
        if info.get("sub") != result["sub"]:  # §5.3.2: otherwise the response must not be used
            raise LoginFailed(
                "The userinfo response is for another subject.", reason="userinfo_sub_mismatch"
            )
        for key in ("email", "email_verified", "given_name", "family_name", "name"):
            if key in info and key not in result:
                result[key] = info[key]
    if not isinstance(result.get("email"), str) or "@" not in result["email"]:
        raise LoginFailed(
            "The identity provider shared no email address.", reason="no_email", status=403
        )
    return result


def _person_for(
    *, organisation: Organisation, config: SsoConfiguration, claims: dict[str, Any]
) -> Person:
    _check_identifiers(claims)
    email = claims["email"].strip().lower()
    domains = config.email_domains or organisation.email_domains
    if email.rpartition("@")[2] not in domains:
        raise LoginFailed(
            f"{email} is not an address of {organisation.name} ({', '.join(domains) or 'no domains set'}).",
            reason="email_domain",
            status=403,
        )
    # (issuer, subject) is unique across organisations (several may share one issuer): look
    # in all of them, so another organisation's account is refused rather than duplicated.
    with tenancy.all_tenants():
        identity = db.session.scalar(
            select(PersonIdentity).where(
                PersonIdentity.issuer == config.issuer,
                PersonIdentity.subject == str(claims["sub"]),
            )
        )
    if identity is not None:
        person = db.session.get(Person, identity.person_id)
    else:
        person = _link_or_create(
            organisation=organisation, config=config, email=email, claims=claims
        )
        identity = PersonIdentity(
            organisation_id=organisation.id,
            person_id=person.id,
            issuer=config.issuer,
            subject=str(claims["sub"]),
        )
        db.session.add(identity)
    if person is None or person.organisation_id != organisation.id:
        raise LoginFailed(
            "This account belongs to another organisation.", reason="wrong_organisation", status=403
        )
    if person.status != "active":
        raise LoginFailed(
            "This staff record is deactivated; ask your organisation's admin.",
            reason="deactivated",
            status=403,
        )
    identity.last_login_at = utcnow()
    db.session.flush()
    return person


def _link_or_create(
    *, organisation: Organisation, config: SsoConfiguration, email: str, claims: dict[str, Any]
) -> Person:
    existing = db.session.scalar(select(Person).where(Person.email == email))
    if existing is None:
        given, family = _names(claims, email)
        person = Person(
            organisation_id=organisation.id, given_name=given, family_name=family, email=email
        )
        db.session.add(person)
        db.session.flush()
        # A staff record made just in time is provisioned as one made by the API is.
        events.publish(people.PERSON_CHANGED, person=person, change="provisioned")
        return person
    linked = db.session.scalar(
        select(PersonIdentity.id).where(
            PersonIdentity.person_id == existing.id, PersonIdentity.issuer == config.issuer
        )
    )
    if linked is not None:
        raise LoginFailed(
            f"{email} already belongs to another account at this identity provider.",
            reason="email_taken",
            status=403,
        )
    if claims.get("email_verified") is not True:
        raise LoginFailed(
            f"A staff record for {email} exists, but the identity provider has not verified this email.",
            reason="email_unverified",
            status=403,
        )
    return existing


def _check_identifiers(claims: dict[str, Any]) -> None:
    """The subject and email must fit their columns: a provider sending more is misbehaving."""
    sub, email = str(claims.get("sub") or ""), str(claims["email"])
    if not 0 < len(sub) <= 255 or len(email) > 254 or unstorable(sub) or unstorable(email):
        raise LoginFailed(
            "The identity provider sent a subject or email this service cannot store.",
            reason="bad_claims",
            status=502,
        )


def _claim_text(claims: dict[str, Any], name: str) -> str:
    """A name claim, trimmed to the column; text the database cannot store counts as absent."""
    value = str(claims.get(name) or "")
    return "" if unstorable(value) else value.strip()


def _names(claims: dict[str, Any], email: str) -> tuple[str, str]:
    given = _claim_text(claims, "given_name")[:100]
    family = _claim_text(claims, "family_name")[:100]
    if not (given and family) and _claim_text(claims, "name"):
        first, _, rest = _claim_text(claims, "name").partition(" ")
        given, family = given or first[:100], family or rest.strip()[:100]
    local = email.partition("@")[0]
    return given or local[:100], family or "-"


def _organisation_and_configuration(slug: str) -> tuple[Organisation, SsoConfiguration]:
    # Nobody is signed in yet: finding the organisation by its public slug is the first step.
    if unstorable(slug):  # no slug holds such text, and the database would refuse the query
        raise NotFound(f"No organisation {slug!r} offers single sign-on here.")
    with tenancy.all_tenants():
        organisation = db.session.scalar(select(Organisation).where(Organisation.slug == slug))
        config = _configuration(organisation.id) if organisation else None
    if organisation is None or organisation.status != "active" or config is None:
        raise NotFound(f"No organisation {slug!r} offers single sign-on here.")
    return organisation, config


def _client(config: SsoConfiguration) -> oidc.OidcClient:
    return oidc.client_for(
        organisation_id=config.organisation_id,
        version=config.version,
        client_id=config.client_id,
        client_secret=decrypt(config.client_secret_encrypted),
        metadata=dict(config.provider_metadata),
    )


def _login_cipher() -> MultiFernet:
    return fernet(b"consortium sso login state v1")


def _saved_state(cookie: str | None) -> dict[str, Any]:
    if not cookie:
        raise LoginFailed(
            "This browser has no sign-in in progress (or cookies are blocked); start again.",
            reason="no_login_state",
            status=400,
        )
    try:
        saved: dict[str, Any] = json.loads(
            _login_cipher().decrypt(cookie.encode(), ttl=LOGIN_STATE_TTL)
        )
    except (InvalidToken, ValueError) as exc:
        raise LoginFailed(
            "The sign-in took too long or its state was altered; start again.",
            reason="login_state_invalid",
            status=400,
        ) from exc
    return saved
