"""/auth: signing staff in through their organisation's identity provider, and their session."""

from __future__ import annotations

import logging
from datetime import timedelta
from typing import Any

from flask import current_app, g, redirect, request
from flask.views import MethodView
from werkzeug.wrappers import Response

from consortium.core import tenancy
from consortium.core.api import Blueprint, problem
from consortium.core.errors import DomainError, Unauthenticated
from consortium.identity import roles, sessions, sso
from consortium.identity.schemas import LoginQuerySchema, SessionSchema
from consortium.organisations import service as organisations
from consortium.people import service as people

log = logging.getLogger(__name__)

blp = Blueprint(
    "auth",
    __name__,
    url_prefix="/auth",
    description="Staff sign-in through their employer's OpenID Connect provider; sessions.",
)

LOGIN_COOKIE = "consortium_sso"


def _login_cookie_path(slug: str) -> str:
    return f"/auth/sso/{slug}/"


@blp.route("/sso/<string:org_slug>/login")
class Login(MethodView):
    @blp.arguments(LoginQuerySchema, location="query")
    @blp.alt_response(302, description="To the organisation's identity provider.")
    @blp.errors(404, 422, 502)
    def get(self, query: dict[str, Any], org_slug: str) -> Response:
        """Start signing in: redirect to the organisation's identity provider."""
        started = sso.begin_login(slug=org_slug, next_path=query.get("next"))
        response = redirect(started.authorization_url, code=302)
        response.set_cookie(
            LOGIN_COOKIE,
            started.state_cookie,
            max_age=sso.LOGIN_STATE_TTL,
            path=_login_cookie_path(org_slug),
            secure=current_app.config["SECURE_COOKIES"],
            httponly=True,
            samesite="Lax",  # sent on the provider's top-level redirect back, not on embeds
        )
        response.headers["Cache-Control"] = "no-store"
        return response


@blp.route("/sso/<string:org_slug>/callback")
class Callback(MethodView):
    @blp.alt_response(302, description="Signed in: to `next`, with the session cookie set.")
    @blp.errors(400, 401, 403, 404, 502)
    def get(self, org_slug: str) -> Response:
        """Finish signing in: check the provider's answer and start a session."""
        try:
            result = sso.complete_login(
                slug=org_slug,
                params=request.args.to_dict(),
                state_cookie=request.cookies.get(LOGIN_COOKIE),
            )
        except DomainError as exc:
            log.warning(
                "sso login failed",
                extra={
                    "org_slug": org_slug,
                    "reason": getattr(exc, "reason", type(exc).__name__),
                    "detail": exc.detail,
                },
            )
            failed = problem(exc.status, exc.detail, title=exc.title)
            _forget_login(failed, org_slug)
            return failed
        if g.login_session is not None:  # rotation: whoever was signed in here is signed out
            sessions.end_session(g.login_session.session)
        _, token = sessions.start_session(
            person_id=result.person.id, organisation_id=result.person.organisation_id
        )
        log.info("sso login", extra={"org_slug": org_slug, "person_id": str(result.person.id)})
        response = redirect(result.next, code=302)
        sessions.set_cookie(response, token)
        _forget_login(response, org_slug)
        response.headers["Cache-Control"] = "no-store"
        return response


def _forget_login(response: Response, slug: str) -> None:
    response.delete_cookie(
        LOGIN_COOKIE,
        path=_login_cookie_path(slug),
        secure=current_app.config["SECURE_COOKIES"],
        httponly=True,
        samesite="Lax",
    )


@blp.route("/session")
class Session(MethodView):
    @blp.doc(security=[{"session": []}])
    @blp.response(200, SessionSchema)
    @blp.errors(401)
    def get(self) -> dict[str, Any]:
        """Show who is signed in, their roles, and the CSRF token for unsafe requests."""
        active: sessions.ActiveSession | None = g.get("login_session")
        if active is None:
            raise Unauthenticated("Nobody is signed in; start at /auth/sso/{org_slug}/login.")
        principal = tenancy.current()
        idle = timedelta(seconds=current_app.config["SESSION_IDLE_TIMEOUT"])
        return {
            "person": people.get_person(person_id=active.session.person_id),
            "organisation": organisations.get_organisation(
                organisation_id=active.session.organisation_id
            ),
            "roles": roles.role_summary(principal),
            "scopes": sorted(principal.scopes),
            "csrf_token": active.csrf_token,
            "expires_at": active.session.expires_at,
            "idle_expires_at": min(active.session.last_seen_at + idle, active.session.expires_at),
        }


@blp.route("/logout")
class Logout(MethodView):
    @blp.response(204)
    @blp.errors(403)
    def post(self) -> Response:
        """Sign out: end the session (send X-CSRF-Token) and clear its cookie."""
        active: sessions.ActiveSession | None = g.get("login_session")
        if active is not None:
            sessions.end_session(active.session)
        response = Response(status=204)
        sessions.clear_cookie(response)
        return response
