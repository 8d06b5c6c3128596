"""The pages' routes: HTML for people, outside the API (and its OpenAPI document).

Signed out, a page sends the browser to the landing page's sign-in, which brings it back
(`next`) once signed in. What a page may show is the services' decision, as in the API.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from typing import Any

from flask import Blueprint, current_app, g, redirect, render_template, request, url_for
from werkzeug.wrappers import Response

from consortium.calendar.invitations import when
from consortium.core import links, tenancy
from consortium.core.errors import DomainError, Forbidden, Invalid, NotFound
from consortium.extensions import db
from consortium.identity import authentication, sessions, sso
from consortium.pages import actions, evidence, service
from consortium.people import importing

blp = Blueprint(
    "pages",
    __name__,
    template_folder="templates",
    static_folder="static",
    static_url_path="/console/static",
)
# The console's forms send the session's CSRF token as a field (they cannot set a header).
authentication.accepts_form_token(blp.name)


@blp.context_processor
def _helpers() -> dict[str, Any]:
    active = g.get("login_session")
    return {
        "links": links,
        "when": when,
        "csrf_token": active.csrf_token if active is not None else "",
        "done": actions.DONE.get(request.args.get("done", "")),
    }


def _html(template: str, status: int = 200, **context: Any) -> Response:
    response = Response(render_template(template, **context), status=status, mimetype="text/html")
    # Pages show personal data: never kept by a shared cache or the browser's back-forward one.
    response.headers["Cache-Control"] = "no-store"
    return response


def _signed_in() -> bool:
    return tenancy.current().kind != "anonymous"


def _to_sign_in() -> Response:
    """Signed out: the landing page's sign-in, coming back here afterwards."""
    return redirect(url_for("pages.home", next=request.full_path.rstrip("?")), code=302)


def _next_path() -> str | None:
    """The `next` the landing page was given, if it is a path on this site (else none)."""
    try:
        given = request.args.get("next")
        return sso.safe_next(given) if given else None
    except Invalid:
        return None


def _signed_out(*, status: int = 200, problem: str | None = None) -> Response:
    next_path = _next_path()
    # Listing the organisations would tell anyone who the tenants are: development only.
    choices = sso.sign_in_choices() if current_app.config["ENV_NAME"] == "development" else []
    return _html(
        "pages/signed_out.html",
        status=status,
        choices=choices,
        next_path=next_path,
        problem=problem,
    )


@blp.get("/")
def home() -> Response:
    """Who is signed in and where to go; for nobody, how to sign in."""
    if not _signed_in():
        return _signed_out()
    return _html("pages/home.html", **service.landing())


@blp.get("/sign-in")
def sign_in() -> Response:
    """The sign-in form's target: on to the named organisation's identity provider."""
    slug = request.args.get("organisation", "").strip().lower()
    if not slug:
        return redirect(url_for("pages.home"), code=302)
    if not sso.offers_sign_in(slug):
        return _signed_out(
            status=404,
            problem=f"No organisation called “{slug}” offers sign-in here. Check the sign-in "
            "name your organisation gave you.",
        )
    return redirect(url_for("auth.Login", org_slug=slug, next=_next_path()), code=302)


@blp.post("/sign-out")
def sign_out() -> Response:
    """The console's sign-out button: what POST /auth/logout does, then the landing page."""
    active = g.get("login_session")
    if active is not None:
        sessions.end_session(active.session)
    response = redirect(url_for("pages.home"), code=303)
    sessions.clear_cookie(response)
    return response


@blp.get("/pairings/<uuid:match_id>")
def pairing(match_id: uuid.UUID) -> Response:
    """A pairing, its sessions and what the reader may do next."""
    if not _signed_in():
        return _to_sign_in()
    try:
        return _html("pages/pairing.html", **service.pairing(match_id=match_id))
    except (NotFound, Forbidden) as exc:
        return _refused(exc)


@blp.get("/programmes/<uuid:programme_id>")
def programme(programme_id: uuid.UUID) -> Response:
    """A programme; its runs and proposals for the people who act on them."""
    if not _signed_in():
        return _to_sign_in()
    try:
        return _html("pages/programme.html", **service.programme(programme_id=programme_id))
    except (NotFound, Forbidden) as exc:
        return _refused(exc)


@blp.get("/programmes/<uuid:programme_id>/runs/<uuid:run_id>")
def run(programme_id: uuid.UUID, run_id: uuid.UUID) -> Response:
    """A matching run: its progress (updated in place while it runs) and, once finished, why
    each mentee left unmatched was."""
    if not _signed_in():
        return _to_sign_in()
    try:
        return _html("pages/run.html", **service.run(programme_id=programme_id, run_id=run_id))
    except (NotFound, Forbidden) as exc:
        return _refused(exc)


@blp.get("/time-approvals/<uuid:time_approval_id>")
def time_approval(time_approval_id: uuid.UUID) -> Response:
    """A request to approve a report's protected time, for the person asked."""
    if not _signed_in():
        return _to_sign_in()
    try:
        return _html(
            "pages/time_approval.html", request=service.time_approval(approval_id=time_approval_id)
        )
    except (NotFound, Forbidden) as exc:
        return _refused(exc)


@blp.get("/staff")
def staff() -> Response:
    """An org admin's staff: search their records, release and vet their mentors."""
    if not _signed_in():
        return _to_sign_in()
    try:
        return _html("pages/staff.html", **service.staff(search=request.args.get("search")))
    except (NotFound, Forbidden) as exc:
        return _refused(exc)


# --- the console's forms ------------------------------------------------------------------


def _submit(
    change: Callable[[], str],
    then: Callable[[str], Response],
    again: Callable[[], Response],
) -> Response:
    """Make the change; on success `then(key)`, else the page `again` with the refusal."""
    if not _signed_in():
        return _to_sign_in()
    try:
        key = change()
    except DomainError as exc:
        # Nothing of the refused change stays; the page is read afresh, saying why.
        db.session.rollback()
        if isinstance(exc, NotFound):  # not there for this caller: as its GET would say
            return _refused(exc)
        g.problem = exc
        try:
            page = again()
        except (NotFound, Forbidden) as shown:  # a page the caller may not see: as its GET
            return _refused(shown)
        page.status_code = actions.refusal_status(exc)
        return page
    return then(key)


def _programme_page(programme_id: uuid.UUID) -> Callable[[], Response]:
    return lambda: _html(
        "pages/programme.html",
        problem=g.get("problem"),
        **service.programme(programme_id=programme_id),
    )


def _pairing_page(match_id: uuid.UUID) -> Callable[[], Response]:
    return lambda: _html(
        "pages/pairing.html", problem=g.get("problem"), **service.pairing(match_id=match_id)
    )


@blp.post("/programmes/<uuid:programme_id>/status")
def programme_status(programme_id: uuid.UUID) -> Response:
    """Open or close the programme's application window (PATCH of its status)."""
    return _submit(
        lambda: actions.set_programme_status(programme_id),
        lambda key: actions.done(key, "pages.programme", programme_id=programme_id),
        _programme_page(programme_id),
    )


@blp.post("/programmes/<uuid:programme_id>/runs")
def start_run(programme_id: uuid.UUID) -> Response:
    """Start a matching run and go to its page, which follows its progress."""
    started: list[uuid.UUID] = []

    def change() -> str:
        started.append(actions.start_run(programme_id))
        return "run"

    return _submit(
        change,
        lambda key: actions.done(key, "pages.run", programme_id=programme_id, run_id=started[0]),
        _programme_page(programme_id),
    )


@blp.post("/programmes/<uuid:programme_id>/applications")
def apply(programme_id: uuid.UUID) -> Response:
    """Apply to the programme with goals (the signed-in person)."""
    return _submit(
        lambda: actions.apply(programme_id),
        lambda key: actions.done(key, "pages.programme", programme_id=programme_id),
        _programme_page(programme_id),
    )


@blp.post("/programmes/<uuid:programme_id>/proposals")
def propose(programme_id: uuid.UUID) -> Response:
    """A hand-made proposal: an open application and a mentor of the pool."""
    return _submit(
        lambda: actions.propose(programme_id),
        lambda key: actions.done(key, "pages.programme", programme_id=programme_id),
        _programme_page(programme_id),
    )


@blp.post("/pairings/<uuid:match_id>/sessions")
def book(match_id: uuid.UUID) -> Response:
    """Book a session in one of the mentor's free times."""
    return _submit(
        lambda: actions.book_session(match_id),
        lambda key: actions.done(key, "pages.pairing", match_id=match_id),
        _pairing_page(match_id),
    )


@blp.post("/pairings/<uuid:match_id>/<action>")
def act(match_id: uuid.UUID, action: str) -> Response:
    """Approve, reject, accept or decline a pairing; back to the page it was done from."""
    back = request.form.get("back", "")
    programme_id = _uuid(back)

    def then(key: str) -> Response:
        if programme_id is not None:
            return actions.done(key, "pages.programme", programme_id=programme_id)
        return actions.done(key, "pages.pairing", match_id=match_id)

    again = _programme_page(programme_id) if programme_id else _pairing_page(match_id)
    return _submit(lambda: actions.act_on_pairing(match_id, action), then, again)


def _uuid(value: str) -> uuid.UUID | None:
    try:
        return uuid.UUID(value)
    except ValueError:
        return None


def _refused(exc: NotFound | Forbidden) -> Response:
    status = 404 if isinstance(exc, NotFound) else 403
    return _html("pages/refused.html", status=status, status_code=status, detail=exc.detail)


def _staff_page() -> Response:
    return _html("pages/staff.html", problem=g.get("problem"), **service.staff(search=None))


@blp.post("/mentor-profiles/<uuid:profile_id>/release")
def release(profile_id: uuid.UUID) -> Response:
    """Release a mentor of the admin's organisation to the shared pool."""
    return _submit(
        lambda: actions.release_profile(profile_id),
        lambda key: actions.done(key, "pages.staff"),
        _staff_page,
    )


@blp.post("/mentor-profiles/<uuid:profile_id>/vetting")
def vetting(profile_id: uuid.UUID) -> Response:
    """Record a vetting decision on a mentor profile."""
    return _submit(
        lambda: actions.decide_vetting(profile_id),
        lambda key: actions.done(key, "pages.staff"),
        _staff_page,
    )


# --- an org admin's organisation -----------------------------------------------------------

# The upload's form around the file: multipart headers and the CSRF field.
UPLOAD_OVERHEAD = 64 * 1024


@blp.url_value_preprocessor
def _upload_limit(endpoint: str | None, values: dict[str, Any] | None) -> None:
    """The import form takes a file as large as the API's import does (the app's limit is
    smaller). Run before authentication, which reads the form for its CSRF field."""
    if endpoint == "pages.import_staff":
        request.max_content_length = importing.MAX_BYTES + UPLOAD_OVERHEAD


@blp.get("/staff/import")
def staff_import() -> Response:
    """The form to import staff records from a CSV file."""
    if not _signed_in():
        return _to_sign_in()
    try:
        return _html("pages/import.html", **service.staff_import())
    except (NotFound, Forbidden) as exc:
        return _refused(exc)


@blp.post("/staff/import")
def import_staff() -> Response:
    """Upload the CSV; the import runs as a job, whose page shows each row's outcome."""
    started: list[uuid.UUID] = []

    def change() -> str:
        started.append(actions.import_staff())
        return "imported"

    return _submit(
        change,
        lambda key: actions.done(key, "pages.staff_import_job", import_id=started[0]),
        lambda: _html("pages/import.html", problem=g.get("problem"), **service.staff_import()),
    )


@blp.get("/staff/imports/<uuid:import_id>")
def staff_import_job(import_id: uuid.UUID) -> Response:
    """An import's outcome: its counts and each refused row with the field and why."""
    if not _signed_in():
        return _to_sign_in()
    try:
        return _html("pages/import.html", **service.staff_import(job_id=import_id))
    except (NotFound, Forbidden) as exc:
        return _refused(exc)


def _organisation_page(organisation_id: uuid.UUID, **extra: Any) -> Callable[[], Response]:
    return lambda: _html(
        "pages/organisation.html",
        problem=g.get("problem"),
        **service.organisation(organisation_id=organisation_id, **extra),
    )


@blp.get("/organisations/<uuid:organisation_id>")
def organisation(organisation_id: uuid.UUID) -> Response:
    """An org admin's organisation: its admins, API clients and sign-in settings."""
    if not _signed_in():
        return _to_sign_in()
    try:
        return _organisation_page(organisation_id)()
    except (NotFound, Forbidden) as exc:
        return _refused(exc)


def _back_to_organisation(organisation_id: uuid.UUID) -> Callable[[str], Response]:
    return lambda key: actions.done(key, "pages.organisation", organisation_id=organisation_id)


@blp.post("/organisations/<uuid:organisation_id>/admins")
def add_admin(organisation_id: uuid.UUID) -> Response:
    """Make a person of the organisation one of its admins."""
    return _submit(
        lambda: actions.add_admin(organisation_id),
        _back_to_organisation(organisation_id),
        _organisation_page(organisation_id),
    )


@blp.post("/organisations/<uuid:organisation_id>/admins/<uuid:person_id>/remove")
def remove_admin(organisation_id: uuid.UUID, person_id: uuid.UUID) -> Response:
    """Take the admin role away from a person of the organisation."""
    return _submit(
        lambda: actions.remove_admin(organisation_id, person_id),
        _back_to_organisation(organisation_id),
        _organisation_page(organisation_id),
    )


@blp.post("/organisations/<uuid:organisation_id>/api-clients")
def create_client(organisation_id: uuid.UUID) -> Response:
    """Create an API client: the page again, showing its secret this once (never stored in a
    URL or shown after; the page is not cached)."""
    issued: list[Any] = []

    def change() -> str:
        issued.append(actions.create_client(organisation_id))
        return "client-created"

    def then(key: str) -> Response:
        # The page is the response (200): the request's commit keeps the client.
        return _organisation_page(organisation_id, issued=issued[0])()

    return _submit(change, then, _organisation_page(organisation_id))


@blp.post("/organisations/<uuid:organisation_id>/api-clients/<uuid:api_client_id>/revoke")
def revoke_client(organisation_id: uuid.UUID, api_client_id: uuid.UUID) -> Response:
    """Revoke an API client of the organisation."""
    return _submit(
        lambda: actions.revoke_client(organisation_id, api_client_id),
        _back_to_organisation(organisation_id),
        _organisation_page(organisation_id),
    )


@blp.post("/organisations/<uuid:organisation_id>/sso")
def configure_sso(organisation_id: uuid.UUID) -> Response:
    """Save the organisation's OpenID Connect provider."""
    return _submit(
        lambda: actions.configure_sso(organisation_id),
        _back_to_organisation(organisation_id),
        _organisation_page(organisation_id),
    )


# --- a person's own: mentor profile, calendar feed, session notes --------------------------


def _my_profile_page() -> Response:
    return _html("pages/my_profile.html", problem=g.get("problem"), **service.my_profiles())


@blp.get("/me/mentor-profile")
def my_profile() -> Response:
    """The signed-in person's own mentor profile, to read and change."""
    if not _signed_in():
        return _to_sign_in()
    try:
        return _my_profile_page()
    except (NotFound, Forbidden) as exc:
        return _refused(exc)


@blp.post("/mentor-profiles/<uuid:profile_id>")
def update_profile(profile_id: uuid.UUID) -> Response:
    """Change a mentor profile (the mentor's own, or as their organisation's admin)."""
    return _submit(
        lambda: actions.update_profile(profile_id),
        lambda key: actions.done(key, "pages.my_profile"),
        _my_profile_page,
    )


def _my_calendar_page() -> Response:
    return _html("pages/my_calendar.html", problem=g.get("problem"), **service.my_calendar())


@blp.get("/me/calendar")
def my_calendar() -> Response:
    """The signed-in person's calendar feed: its address, and a new one if it leaked."""
    if not _signed_in():
        return _to_sign_in()
    try:
        return _my_calendar_page()
    except (NotFound, Forbidden) as exc:
        return _refused(exc)


@blp.post("/me/calendar/rotate")
def rotate_calendar() -> Response:
    """Give the calendar feed a new address; the old one stops working."""
    return _submit(
        actions.rotate_calendar,
        lambda key: actions.done(key, "pages.my_calendar"),
        _my_calendar_page,
    )


def _notes_page(match_id: uuid.UUID, session_id: uuid.UUID) -> Callable[[], Response]:
    return lambda: _html(
        "pages/notes.html",
        problem=g.get("problem"),
        **service.session_notes(match_id=match_id, session_id=session_id),
    )


@blp.get("/pairings/<uuid:match_id>/sessions/<uuid:session_id>/notes")
def session_notes(match_id: uuid.UUID, session_id: uuid.UUID) -> Response:
    """A session's notes the reader may see (the pair's only)."""
    if not _signed_in():
        return _to_sign_in()
    try:
        return _notes_page(match_id, session_id)()
    except (NotFound, Forbidden) as exc:
        return _refused(exc)


@blp.post("/pairings/<uuid:match_id>/sessions/<uuid:session_id>/notes")
def add_note(match_id: uuid.UUID, session_id: uuid.UUID) -> Response:
    """Write a note on a session: prep, shared or private."""
    return _submit(
        lambda: actions.add_note(match_id, session_id),
        lambda key: actions.done(
            key, "pages.session_notes", match_id=match_id, session_id=session_id
        ),
        _notes_page(match_id, session_id),
    )


# --- a consortium's evidence reports --------------------------------------------------------


@blp.get("/consortia/<uuid:consortium_id>")
def consortium(consortium_id: uuid.UUID) -> Response:
    """A consortium's evidence: its reports as charts with their figures, and downloads."""
    if not _signed_in():
        return _to_sign_in()
    try:
        return _html(
            "pages/consortium.html", **service.consortium_page(consortium_id=consortium_id)
        )
    except (NotFound, Forbidden) as exc:
        return _refused(exc)


@blp.get("/consortia/<uuid:consortium_id>/reports/<kind>.<any(csv, png, svg):fmt>")
def consortium_report(consortium_id: uuid.UUID, kind: str, fmt: str) -> Response:
    """A consortium report as CSV or a chart: what the API answers for that Accept."""
    if not _signed_in():
        return _to_sign_in()
    try:
        return evidence.consortium_report(consortium_id=consortium_id, name=kind).represent(fmt)
    except (NotFound, Forbidden) as exc:
        return _refused(exc)


@blp.get("/programmes/<uuid:programme_id>/evaluation-report.<any(csv, png, svg):fmt>")
def evaluation_report(programme_id: uuid.UUID, fmt: str) -> Response:
    """A programme's evaluation report as CSV or a chart."""
    if not _signed_in():
        return _to_sign_in()
    try:
        return evidence.programme_report(programme_id=programme_id).represent(fmt)
    except (NotFound, Forbidden) as exc:
        return _refused(exc)
