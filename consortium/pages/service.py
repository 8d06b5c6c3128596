"""What each page shows, gathered through the domains' services as the caller may see it."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from flask import url_for

from consortium.availability import service as availability
from consortium.calendar import service as calendar
from consortium.consortia import service as consortia
from consortium.core import tenancy
from consortium.core.db import utcnow
from consortium.core.errors import Forbidden, NotFound
from consortium.core.security import ORGANISATION_SCOPES
from consortium.extensions import db
from consortium.identity import me, roles, sso
from consortium.identity import service as identity
from consortium.jobs import service as jobs
from consortium.matches import service as matches
from consortium.matches.service import Pairing
from consortium.matching import service as matching
from consortium.organisations import service as organisations
from consortium.pages import actions, evidence
from consortium.people import importing
from consortium.people import service as people
from consortium.pool import service as pool
from consortium.pool.models import MODALITIES, PROFILE_STATUSES, VETTING_STATUSES
from consortium.programmes import service as programmes
from consortium.programmes.models import Application, Programme
from consortium.protected_time import service as protected_time
from consortium.sessions import service as sessions
from consortium.sessions.models import NOTE_KINDS, MentoringSession

# The pages read what the API's GETs of the same things need.
READ_SCOPE = "pool:read"
LISTED = 50  # proposals listed on a programme's page; the rest are counted
RUNS_LISTED = 10
SLOTS_AHEAD = timedelta(days=14)
SLOTS_LISTED = 10
STATUS_VERBS = {
    "open": "Open the application window",
    "closed": "Close the programme",
    "matching": "Close applications for matching",
    "running": "Start the programme",
}
ROLE_NAMES = {"staff": "Staff", "org_admin": "Organisation admin", "coordinator": "Coordinator"}


@dataclass(frozen=True)
class Role:
    name: str
    of: str  # the organisation or consortium it is held for


def _require_reader() -> None:
    if not tenancy.current().has_scope(READ_SCOPE):
        raise Forbidden(f"This page needs the scope {READ_SCOPE}.")


def landing() -> dict[str, Any]:
    """The signed-in caller, their roles by name, their pairings and coordinated programmes."""
    caller = me.describe_caller()
    principal = tenancy.current()
    organisation = caller["organisation"]
    roles = []
    for role in caller["roles"]:
        if role["consortium_id"] is not None:
            of = consortia.get_consortium(consortium_id=role["consortium_id"]).name
        else:
            of = organisation.name if organisation else ""
        roles.append(Role(ROLE_NAMES.get(role["role"], role["role"]), of))
    view: dict[str, Any] = {
        **caller,
        "role_names": roles,
        "own_links": me.own_links(caller) if caller["person"] else None,
        "pairings": [],
        "coordinated": [],
        "administers": principal.organisation_id is not None
        and principal.administers(principal.organisation_id),
    }
    if principal.person_id is not None and principal.has_scope(READ_SCOPE):
        found = db.session.scalars(matches.list_matches(person_id=principal.person_id))
        view["pairings"] = [
            (p, "mentor" if p.match.mentor_person_id == principal.person_id else "mentee")
            for p in matches.pairings(found)
        ]
    for consortium_id in sorted(principal.coordinated_consortium_ids):
        consortium = consortia.get_consortium(consortium_id=consortium_id)
        listed = db.session.scalars(programmes.list_programmes(consortium_id=consortium_id))
        view["coordinated"].append((consortium, list(listed)))
    return view


def pairing(*, match_id: uuid.UUID) -> dict[str, Any]:
    """A pairing the caller may see, its sessions, what the caller may do, and (for its two
    people, while it is active) the mentor's next free times; 404 for anyone else."""
    _require_reader()
    match = matches.get_match(match_id=match_id)
    p = matches.pairing(match)
    side = sessions.side_of(match)
    found: list[MentoringSession] = list(db.session.scalars(sessions.list_sessions(match=match)))
    free = []
    if side is not None and match.status == "active":
        now = utcnow()
        free = availability.profile_slots(
            profile_id=match.mentor_profile_id, start=now, end=now + SLOTS_AHEAD
        )[:SLOTS_LISTED]
    return {
        "pairing": p,
        "shown": matches.present_one(match),
        "side": side,
        "actions": matches.actions_for_caller(p),
        "sessions": found,
        "free_slots": free,
    }


def programme(*, programme_id: uuid.UUID) -> dict[str, Any]:
    """A programme the caller may see; for its coordinators its runs and the proposals
    awaiting them, for the mentors' organisations' admins those awaiting their consent."""
    _require_reader()
    found: Programme = programmes.get_programme(programme_id=programme_id)
    principal = tenancy.current()
    coordinates = principal.coordinates(found.consortium_id)
    view: dict[str, Any] = {
        "programme": found,
        "consortium": consortia.get_consortium(consortium_id=found.consortium_id),
        "coordinates": coordinates,
        "counts": matches.count_by_status(programme_id=found.id),
        # Where the programme's status may go next, as the service allows (its buttons).
        "next_statuses": programmes.NEXT_STATUSES[found.status] if coordinates else (),
        # A run starts in the states the matching service runs in (it refuses others, 409).
        "may_start_run": coordinates and found.status in matching.RUNNABLE,
        "STATUS_VERBS": STATUS_VERBS,
        "runs": [],
        "proposals": [],
        "consent": [],
        "hand_made": None,
        "own_application": None,
        "may_apply": False,
        "goals_offered": range(1, 3),
    }
    if coordinates:
        runs = db.session.scalars(matching.list_runs(programme_id=found.id).limit(RUNS_LISTED))
        view["runs"] = matching.present(list(runs))
        view["proposals"] = [(p, matches.actions_for_caller(p)) for p in _proposed(found.id)]
        view["hand_made"] = _hand_made_choices(found)
    # A person may apply while it is open (the service refuses a second application, 409).
    if principal.person_id is not None and found.status == "open":
        own = db.session.scalars(
            programmes.list_applications(programme_id=found.id, status="open").where(
                Application.person_id == principal.person_id
            )
        ).first()
        view["own_application"] = own
        view["may_apply"] = own is None and principal.has_scope("pool:write")
        # Two-key approval: the proposals lending the admin's organisation's staff, not yet
    # consented to.
    view["asks_consent"] = (
        view["consortium"].approval_policy == matches.TWO_KEY
        and principal.organisation_id is not None
        and principal.administers(principal.organisation_id)
    )
    if view["asks_consent"]:
        # The service says whose key is still to give (actions_for_caller), not the page.
        view["consent"] = [
            (p, actions)
            for p in _proposed(found.id, organisation_id=principal.organisation_id)
            if p.match.mentor_organisation_id == principal.organisation_id
            and "approve" in (actions := matches.actions_for_caller(p))
        ]
    return view


def _proposed(
    programme_id: uuid.UUID, *, organisation_id: uuid.UUID | None = None
) -> list[Pairing]:
    statement = matches.list_matches(
        programme_id=programme_id, status="proposed", organisation_id=organisation_id
    )
    return matches.pairings(db.session.scalars(statement.limit(LISTED)))


def run(*, programme_id: uuid.UUID, run_id: uuid.UUID) -> dict[str, Any]:
    """A run of a programme the caller coordinates, as the API shows it (403/404 as there)."""
    found = matching.get_run(programme_id=programme_id, run_id=run_id)
    shown = matching.present_one(found)
    # The unmatched by name: the mentees' display names, as a coordinator may know them.
    mentee_ids = [uuid.UUID(u["mentee_id"]) for u in shown["unmatched"] or []]
    names = people.public_details(person_ids=mentee_ids) if mentee_ids else {}
    shown["unmatched"] = [
        {**u, "name": names.get(uuid.UUID(u["mentee_id"]), {}).get("display_name")}
        for u in shown["unmatched"] or []
    ]
    return {
        "programme": programmes.get_programme(programme_id=programme_id),
        "run": shown,
        "finished": shown["status"] in FINISHED,
        "api_url": f"/api/v1/programmes/{programme_id}/matching-runs/{run_id}",
    }


FINISHED = frozenset({"succeeded", "failed"})


STAFF_LISTED = 50


def staff(*, search: str | None) -> dict[str, Any]:
    """An org admin's staff page: their organisation's staff records matching `search` (as
    GET /api/v1/people?search= lists them) and its mentor profiles, with release and vetting
    as the pool presents them. Needs what those API routes need."""
    principal = tenancy.current()
    if principal.organisation_id is None or not principal.administers(principal.organisation_id):
        raise Forbidden("The staff page is for your organisation's admins.")
    if not principal.has_scope("people:read"):
        raise Forbidden("This page needs the scope people:read.")
    found = db.session.scalars(people.list_people(search=search or None).limit(STAFF_LISTED + 1))
    listed = list(found)
    profiles = db.session.scalars(
        pool.list_profiles(organisation_id=principal.organisation_id).limit(STAFF_LISTED)
    )
    return {
        "search": search or "",
        "people": listed[:STAFF_LISTED],
        "more": len(listed) > STAFF_LISTED,
        "profiles": pool.present(list(profiles)),
        "vetting_statuses": VETTING_STATUSES,
    }


def _hand_made_choices(found: Programme) -> dict[str, Any]:
    """For a hand-made proposal: the programme's open applications (by the mentee's name) and
    the mentors of the consortium's pool, as their GETs list them for the coordinator."""
    applications = list(
        db.session.scalars(
            programmes.list_applications(programme_id=found.id, status="open").limit(LISTED)
        )
    )
    names = people.public_details(person_ids=[a.person_id for a in applications])
    profiles = pool.present(
        list(
            db.session.scalars(pool.list_profiles(consortium_id=found.consortium_id).limit(LISTED))
        )
    )
    return {
        "applications": [
            (a.id, names.get(a.person_id, {}).get("display_name", "A mentee")) for a in applications
        ],
        "mentors": [
            (
                p["id"],
                f"{p['person'].get('display_name', 'A mentor')} ({p['organisation']['name']})",
            )
            for p in profiles
        ],
    }


def time_approval(*, approval_id: uuid.UUID) -> protected_time.Request:
    """A protected-time request addressed to the caller (as the API shows it); else 404."""
    _require_reader()
    return protected_time.described([protected_time.get_request(approval_id=approval_id)])[0]


# --- an org admin's organisation: imports, admins, API clients, SSO ------------------------

IMPORT_JOB = "people.import"


def _require_admin_page(organisation_id: uuid.UUID) -> None:
    """As the identity services decide: another organisation's is not there (404)."""
    roles.require_admin_of(organisation_id)


def organisation(*, organisation_id: uuid.UUID, issued: Any = None) -> dict[str, Any]:
    """An org admin's organisation page: its admins, API clients and SSO settings, read
    through the services the API's GETs of them call (another organisation's: 404)."""
    _require_admin_page(organisation_id)
    actions.needs("people:read")  # the staff it offers as admins: GET /api/v1/people's scope
    found = organisations.get_organisation(organisation_id=organisation_id)
    admins = roles.list_admins(organisation_id=organisation_id)
    admin_ids = {a.id for a in admins}
    staff_listed = db.session.scalars(people.list_people(search=None).limit(STAFF_LISTED))
    try:
        config = sso.get_sso(organisation_id=organisation_id)
    except NotFound:
        config = None
    return {
        "organisation": found,
        "admins": admins,
        "candidates": [p for p in staff_listed if p.id not in admin_ids and p.status == "active"],
        "clients": list(db.session.scalars(identity.list_clients(organisation_id=organisation_id))),
        "client_scopes": ORGANISATION_SCOPES,
        "issued": issued,
        "sso": config,
        "redirect_uri": sso.callback_url(found.slug),
        "test_sign_in": url_for("auth.Login", org_slug=found.slug, next="/"),
        "caller_id": tenancy.current().person_id,
    }


def staff_import(*, job_id: uuid.UUID | None = None) -> dict[str, Any]:
    """The import form, and an import job's per-row outcome as GET /api/v1/jobs/{id} shows
    it (the result only to those who may read staff records, as there)."""
    principal = tenancy.current()
    if principal.organisation_id is None or not principal.has_scope("people:write"):
        raise Forbidden("Importing staff records needs the scope people:write.")
    view: dict[str, Any] = {
        "job": None,
        "columns": importing.COLUMNS,
        "required": importing.REQUIRED_COLUMNS,
        "max_rows": importing.MAX_ROWS,
    }
    if job_id is not None:
        job = jobs.get_job(job_id=job_id)
        if job.name != IMPORT_JOB:
            raise NotFound(f"No import {job_id}.")
        view["job"] = job
    return view


# --- a person's own: mentor profile, calendar feed, session notes --------------------------


def my_profiles() -> dict[str, Any]:
    """The signed-in person's own mentor profiles, as GET /api/v1/mentor-profiles?person_id=
    lists them for the caller, with what the edit form offers."""
    _require_reader()
    principal = tenancy.current()
    if principal.person_id is None:
        raise Forbidden("Only a signed-in person has a mentor profile.")
    found = db.session.scalars(pool.list_profiles(person_id=principal.person_id))
    return {
        "profiles": pool.present(list(found)),
        "modalities": MODALITIES,
        "profile_statuses": PROFILE_STATUSES,
    }


def my_calendar() -> dict[str, Any]:
    """The signed-in person's calendar feed, as GET /api/v1/me/calendar shows it (set up the
    first time, as there; 403 for anyone but a person)."""
    return {"feed": calendar.present(calendar.get_my_feed())}


def session_notes(*, match_id: uuid.UUID, session_id: uuid.UUID) -> dict[str, Any]:
    """A session's notes the caller may read, as GET …/sessions/{id}/notes lists them (the
    pair only: anyone else, admins and coordinators too, gets 404)."""
    _require_reader()
    match, found, side = sessions.pair_session(match_id=match_id, session_id=session_id)
    notes = sessions.present_notes(db.session.scalars(sessions.list_notes(session=found)))
    return {
        "pairing": matches.pairing(match),
        "session": found,
        "side": side,
        "notes": notes,
        "note_kinds": NOTE_KINDS,
    }


# --- a consortium's evidence reports --------------------------------------------------------


def consortium_page(*, consortium_id: uuid.UUID) -> dict[str, Any]:
    """A consortium's page: its evidence reports, each as a chart with its figures as a table
    (the chart's text alternative), CSV and chart downloads, and its programmes' evaluation
    reports; read as the reports' services decide (403/404 as from the API)."""
    found = consortia.get_consortium(consortium_id=consortium_id)
    shown = [
        evidence.consortium_report(consortium_id=consortium_id, name=name)
        for name in evidence.names()
    ]
    listed = db.session.scalars(programmes.list_programmes(consortium_id=consortium_id))
    return {"consortium": found, "reports": shown, "programmes": list(listed)}
