"""The pages' routes: HTML for people, outside the API (and its OpenAPI document).

Signed out, a page sends the browser to the landing page's sign-in, which brings it back
(`next`) once signed in. What a page may show is the services' decision, as in the API.
"""

from __future__ import annotations

import uuid
from typing import Any

from flask import Blueprint, current_app, redirect, render_template, request, url_for
from werkzeug.wrappers import Response

from consortium.calendar.invitations import when
from consortium.core import links, tenancy
from consortium.core.errors import Forbidden, Invalid, NotFound
from consortium.identity import sso
from consortium.pages import service

blp = Blueprint("pages", __name__, template_folder="templates")


@blp.context_processor
def _helpers() -> dict[str, Any]:
    return {"links": links, "when": when}


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


def _refused(exc: NotFound | Forbidden) -> Response:
    status = 404 if isinstance(exc, NotFound) else 403
    return _html("pages/refused.html", status=status, status_code=status, detail=exc.detail)
