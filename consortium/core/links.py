"""The addresses of the pages a person opens from a message or a calendar event.

Mail and calendar events carry links a person can open in a browser (consortium.pages serves
them), never a JSON API path. Every such address and fragment is built here, so the pages and
the messages that point at them cannot drift apart; all are absolute, on PUBLIC_BASE_URL.
"""

from __future__ import annotations

import uuid

from flask import current_app

# Fragments of the pages' sections (the pages' templates use the same names).
SESSIONS = "sessions"  # a pairing page's list of sessions
RUNS = "runs"  # a programme page's matching runs
PROPOSALS = "proposals"  # a programme page's proposals awaiting a coordinator
CONSENT = "consent"  # a programme page's proposals awaiting the mentor's organisation


def public_url(path: str) -> str:
    """`path` on this service's public base URL."""
    return current_app.config["SETTINGS"].public_base_url.rstrip("/") + path


def home() -> str:
    """The landing page: who is signed in and where to go (the sign-in page for nobody)."""
    return public_url("/")


def pairing_page(match_id: uuid.UUID, fragment: str | None = None) -> str:
    return public_url(f"/pairings/{match_id}" + (f"#{fragment}" if fragment else ""))


def programme_page(programme_id: uuid.UUID, fragment: str | None = None) -> str:
    return public_url(f"/programmes/{programme_id}" + (f"#{fragment}" if fragment else ""))


def time_approval_page(approval_id: uuid.UUID) -> str:
    """A request to a line manager to approve a report's protected time."""
    return public_url(f"/time-approvals/{approval_id}")


def session_anchor(session_id: uuid.UUID) -> str:
    """The fragment of one session on its pairing's page."""
    return f"session-{session_id}"


def run_anchor(run_id: uuid.UUID) -> str:
    """The fragment of one matching run on its programme's page."""
    return f"run-{run_id}"


def session_page(match_id: uuid.UUID, session_id: uuid.UUID) -> str:
    return pairing_page(match_id, session_anchor(session_id))
