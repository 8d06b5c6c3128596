"""The console's forms: each POST parses its fields, calls the service function the API route
calls (in the same order, with the same checks), then sends the browser back to the page with
what happened, or shows the page again with the service's refusal as an error message.

No rule lives here. The scope each action needs is the one its API route declares (`needs`),
checked the way the API's `requires` does; what the caller may do to which row is the
service's decision, so tenancy and roles are exactly the API's (another tenant's row: 404).
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from datetime import datetime
from typing import Any

from flask import redirect, request, url_for
from marshmallow import Schema, ValidationError
from werkzeug.wrappers import Response

from consortium.calendar import service as calendar
from consortium.core import tenancy
from consortium.core.errors import Conflict, DomainError, Forbidden, Invalid, NotFound
from consortium.identity import roles, sso
from consortium.identity import service as identity
from consortium.identity.schemas import (
    ApiClientCreateSchema,
    RoleHolderCreateSchema,
    SsoConfigurationSchema,
)
from consortium.matches import service as matches
from consortium.matches.schemas import CloseSchema, MatchCreateSchema, ReasonSchema
from consortium.matching import service as matching
from consortium.people import importing
from consortium.pool import service as pool
from consortium.pool.schemas import MentorProfileUpdateSchema, VettingDecisionSchema
from consortium.programmes import service as programmes
from consortium.programmes.schemas import ApplicationSchema, ProgrammeUpdateSchema
from consortium.sessions import service as sessions
from consortium.sessions.schemas import MentoringSessionCreateSchema, SessionNoteSchema


def needs(*scopes: str) -> None:
    """The API route's @blp.auth(*scopes), as a refusal the page shows."""
    principal = tenancy.current()
    if not any(principal.has_scope(s) for s in scopes):
        raise Forbidden(f"This needs the scope {' or '.join(scopes)}.")


def parsed(schema: Schema, values: dict[str, Any]) -> dict[str, Any]:
    """The form's fields through the API operation's own schema: the same rules, and its
    first complaint as the error (naming the field)."""
    try:
        return dict(schema.load(values))
    except ValidationError as exc:
        field, messages = next(iter(_flat(exc.normalized_messages())))
        raise Invalid(f"{field}: {messages[0]}", field=field) from None


def _flat(messages: Any, prefix: str = "") -> Any:
    for key, value in messages.items():
        if isinstance(value, dict):
            yield from _flat(value, f"{prefix}{key}.")
        else:
            yield f"{prefix}{key}", list(value)


def _reason(schema: Schema) -> str | None:
    """The form's reason through the API operation's schema (required or not, as there)."""
    reason = parsed(schema, {"reason": request.form.get("reason", "")})["reason"]
    return None if reason is None else str(reason)


def set_programme_status(programme_id: uuid.UUID) -> str:
    """PATCH /api/v1/programmes/{id} with {"status": …}: open or close the window."""
    needs("consortium:coordinate")
    # Found first, as the API's lookups are: another tenant's programme is 404 whatever the form.
    programme = programmes.get_programme_to_run(programme_id=programme_id)
    changes = parsed(ProgrammeUpdateSchema(), {"status": request.form.get("status", "")})
    _require_version(programme.updated_at, "programme")  # the API's PATCH needs If-Match
    programmes.update_programme(programme=programme, changes=changes)
    return f"status-{programme.status}"


def start_run(programme_id: uuid.UUID) -> uuid.UUID:
    """POST /api/v1/programmes/{id}/matching-runs; returns the run's id."""
    needs("consortium:coordinate")
    return matching.start_run(programme_id=programme_id).id


ACTIONS: dict[str, tuple[tuple[str, ...], Callable[..., Any], type[Schema] | None]] = {
    # action: (the API route's scopes, the service function, the schema of its reason if any)
    "approve": (("consortium:coordinate", "organisation:admin"), matches.approve, None),
    "reject": (("consortium:coordinate", "organisation:admin"), matches.reject, ReasonSchema),
    "accept": (("pool:write",), matches.accept, None),
    "decline": (("pool:write",), matches.decline, ReasonSchema),
    # Optional, as in the API: the two people's ending is no-fault; the service asks a
    # coordinator or an admin for one.
    "close": (
        ("pool:write", "consortium:coordinate", "organisation:admin"),
        matches.close,
        CloseSchema,
    ),
}

# What the page says after a change, by the key the action returns (never text from the URL).
DONE = {
    "approve": "Your approval is recorded.",
    "reject": "The proposal is rejected.",
    "accept": "You accepted the pairing.",
    "decline": "You declined the pairing.",
    "close": "The pairing is closed.",
    "booked": "The session is booked; you and the other person are sent an invitation.",
    "run": "The matching run has started.",
    "applied": "Your application is in; you will hear when a pairing is proposed.",
    "proposed": "The proposal is made; it waits for approval like the engine's.",
    "released": "The mentor is released to the shared pool.",
    "vetted": "The vetting decision is recorded; the mentor is told by email.",
    "imported": "The file is read and its import has started; each row's outcome shows here.",
    "profile-saved": "Your mentor profile is saved.",
    "calendar-rotated": "Your calendar feed has a new address; the old one no longer works.",
    "note-added": "Your note is added.",
    "admin-added": "They are now an admin of the organisation.",
    "admin-removed": "They are no longer an admin of the organisation.",
    "client-revoked": "The API client is revoked; its tokens stop working at once.",
    "sso-saved": "The sign-in settings are saved; the provider's discovery document was read.",
    **{f"status-{s}": f"The programme is now {s}." for s in programmes.NEXT_STATUSES},
}


def act_on_pairing(match_id: uuid.UUID, action: str) -> str:
    """POST /api/v1/matches/{id}/{action}, as its route does it (the form's `version` is the
    pairing's updated_at it was shown at, in place of If-Match)."""
    if action not in ACTIONS:
        raise NotFound("No such action.")
    scopes, change, reason_schema = ACTIONS[action]
    needs(*scopes)
    match = matches.get_match(match_id=match_id, for_update=True)
    matches.require_part(match, action)
    kw = {"reason": _reason(reason_schema())} if reason_schema else {}
    _require_version(match.updated_at)
    change(match=match, **kw)
    return action


def _require_version(updated_at: datetime, what: str = "pairing") -> None:
    """The page's copy is still the current one (the console's If-Match)."""
    shown = request.form.get("version", "")
    if shown != updated_at.isoformat():
        raise Conflict(
            f"The {what} changed since this page was shown; look at it again and retry.",
            field="version",
        )


def book_session(match_id: uuid.UUID) -> str:
    """POST /api/v1/matches/{id}/sessions: a slot from the mentor's free times."""
    needs("pool:write")
    sessions.get_match(match_id=match_id)  # another tenant's pairing: 404 whatever the form
    slot = request.form.get("slot", "")
    start, _, end = slot.partition("/")
    values = {
        "start": start,
        "end": end,
        "mode": request.form.get("mode", ""),
        **({"location": loc} if (loc := request.form.get("location", "").strip()) else {}),
    }
    data = parsed(MentoringSessionCreateSchema(), values)
    data.setdefault("location", None)
    sessions.book(match_id=match_id, **data)
    return "booked"


GOALS_OFFERED = 2  # goal rows on the form (the API takes up to MAX_GOALS)


def apply(programme_id: uuid.UUID) -> str:
    """POST /api/v1/programmes/{id}/applications, with the API's ApplicationSchema."""
    needs("pool:write")
    programmes.get_programme(programme_id=programme_id)  # first: another tenant's is 404
    goals = []
    for n in range(1, GOALS_OFFERED + 1):
        statement = request.form.get(f"goal-{n}", "").strip()
        measure = request.form.get(f"measure-{n}", "").strip()
        if n == 1 or statement or measure:  # the first is required; blank extra rows are not
            goals.append({"statement": statement, "success_measure": measure})
    topics = [t.strip() for t in request.form.get("topics", "").split(",") if t.strip()]
    data = parsed(ApplicationSchema(), {"goals": goals, "topics": topics})
    programmes.create_application(programme_id=programme_id, **data)
    return "applied"


def release_profile(profile_id: uuid.UUID) -> str:
    """POST /api/v1/mentor-profiles/{id}/release."""
    profile = pool.get_profile(profile_id=profile_id)  # first: another tenant's is 404
    needs("organisation:admin")
    pool.release(profile=profile)
    return "released"


def decide_vetting(profile_id: uuid.UUID) -> str:
    """POST /api/v1/mentor-profiles/{id}/vetting, with the API's schema."""
    profile = pool.get_profile(profile_id=profile_id)  # first: another tenant's is 404
    needs("organisation:admin", "consortium:coordinate")
    fields = {"status": request.form.get("status", "")}
    for name in ("expires_on", "note"):
        if value := request.form.get(name, "").strip():
            fields[name] = value
    pool.decide_vetting(profile=profile, **parsed(VettingDecisionSchema(), fields))
    return "vetted"


def done(key: str, endpoint: str, **values: Any) -> Response:
    """After a change: the page again by GET (303: no resubmission), saying what was done."""
    return redirect(url_for(endpoint, done=key, **values), code=303)


def refusal_status(exc: DomainError) -> int:
    """The status the API answers the same refusal with."""
    if isinstance(exc, matches.ConstraintsNowBroken):
        return 409
    for kind, status in ((NotFound, 404), (Forbidden, 403), (Conflict, 409), (Invalid, 422)):
        if isinstance(exc, kind):
            return status
    return 400


def propose(programme_id: uuid.UUID) -> str:
    """POST /api/v1/matches: a hand-made proposal in this programme, with the API's schema."""
    needs("consortium:coordinate")
    programmes.get_programme_to_run(programme_id=programme_id)  # first: another's is 404
    fields = {
        "application_id": request.form.get("application_id", ""),
        "mentor_profile_id": request.form.get("mentor_profile_id", ""),
    }
    if reason := request.form.get("override_reason", "").strip():
        fields["override_reason"] = reason
    matches.propose(**parsed(MatchCreateSchema(), fields))
    return "proposed"


# --- an org admin's organisation -----------------------------------------------------------


def import_staff() -> uuid.UUID:
    """POST /api/v1/people/import with the uploaded file as its body; returns the job's id."""
    needs("people:write")
    upload = request.files.get("file")
    if upload is None or not upload.filename:
        raise Invalid("file: choose a CSV file to import.", field="file")
    data = upload.read(importing.MAX_BYTES + 1)
    if len(data) > importing.MAX_BYTES:
        raise Invalid(
            f"file: the file is larger than {importing.MAX_BYTES // 2**20} MiB.", field="file"
        )
    try:
        return importing.start_import(data=data).id
    except Invalid as exc:  # the API names the body; here the body is the file field
        raise Invalid(f"file: {exc.detail}", field="file") from None


def add_admin(organisation_id: uuid.UUID) -> str:
    """POST /api/v1/organisations/{id}/admins, with the API's RoleHolderCreateSchema."""
    roles.require_admin_of(organisation_id)  # first: another organisation's is 404
    needs("organisation:admin")
    data = parsed(RoleHolderCreateSchema(), {"person_id": request.form.get("person_id", "")})
    roles.add_admin(organisation_id=organisation_id, **data)
    return "admin-added"


def remove_admin(organisation_id: uuid.UUID, person_id: uuid.UUID) -> str:
    """DELETE /api/v1/organisations/{id}/admins with {"person_id": …}."""
    roles.require_admin_of(organisation_id)  # first: another organisation's is 404
    needs("organisation:admin")
    data = parsed(RoleHolderCreateSchema(), {"person_id": str(person_id)})
    roles.remove_admin(organisation_id=organisation_id, **data)
    return "admin-removed"


def create_client(organisation_id: uuid.UUID) -> identity.IssuedClient:
    """POST /api/v1/organisations/{id}/api-clients, with the API's ApiClientCreateSchema;
    returns the client with its one-time secret."""
    roles.require_admin_of(organisation_id)  # first: another organisation's is 404
    needs("organisation:admin")
    values = {
        "name": request.form.get("name", "").strip(),
        "scopes": request.form.getlist("scopes"),
    }
    return identity.create_client(
        organisation_id=organisation_id, **parsed(ApiClientCreateSchema(), values)
    )


def revoke_client(organisation_id: uuid.UUID, api_client_id: uuid.UUID) -> str:
    """POST /api/v1/organisations/{id}/api-clients/{client}/revoke."""
    roles.require_admin_of(organisation_id)  # first: another organisation's is 404
    needs("organisation:admin")
    identity.revoke_client(organisation_id=organisation_id, api_client_id=api_client_id)
    return "client-revoked"


def configure_sso(organisation_id: uuid.UUID) -> str:
    """PUT /api/v1/organisations/{id}/sso, with the API's SsoConfigurationSchema (the
    provider's discovery document is checked there, as through the API)."""
    roles.require_admin_of(organisation_id)  # first: another organisation's is 404
    needs("organisation:admin")
    domains = request.form.get("email_domains", "").replace(",", " ").split()
    values = {
        "issuer": request.form.get("issuer", "").strip(),
        "client_id": request.form.get("client_id", "").strip(),
        "client_secret": request.form.get("client_secret", ""),
        "email_domains": domains,
    }
    sso.configure_sso(organisation_id=organisation_id, **parsed(SsoConfigurationSchema(), values))
    return "sso-saved"


# --- a person's own ------------------------------------------------------------------------


def update_profile(profile_id: uuid.UUID) -> str:
    """PATCH /api/v1/mentor-profiles/{id}, with the API's MentorProfileUpdateSchema (the
    form's `version` is the profile's updated_at it was shown at, in place of If-Match)."""
    profile = pool.get_profile(profile_id=profile_id)  # first: another tenant's is 404
    needs("pool:write", "platform:admin")
    pool.require_editor(profile)  # before the version, as the API's before the ETag
    _require_version(profile.updated_at, "profile")
    topics = [t.strip() for t in request.form.get("topics", "").split(",") if t.strip()]
    values: dict[str, Any] = {
        "bio": request.form.get("bio", ""),
        "topics": topics,
        "modalities": request.form.getlist("modalities"),
        "status": request.form.get("status", ""),
    }
    if capacity := request.form.get("capacity", "").strip():
        values["capacity"] = int(capacity) if capacity.isdigit() else capacity
    pool.update_profile(profile=profile, changes=parsed(MentorProfileUpdateSchema(), values))
    return "profile-saved"


def rotate_calendar() -> str:
    """POST /api/v1/me/calendar/rotate."""
    calendar.rotate_my_feed()
    return "calendar-rotated"


def add_note(match_id: uuid.UUID, session_id: uuid.UUID) -> str:
    """POST /api/v1/matches/{id}/sessions/{id}/notes, with the API's SessionNoteSchema."""
    _, session, side = sessions.pair_session(match_id=match_id, session_id=session_id)
    needs("pool:write")
    values = {"kind": request.form.get("kind", ""), "body": request.form.get("body", "")}
    sessions.add_note(session=session, side=side, **parsed(SessionNoteSchema(), values))
    return "note-added"
