"""Telling a consortium's coordinators that a concern was raised: a link, and nothing else.

The message names no person, pairing, programme or kind: mail is read on shared screens and
forwarded, and a concern is for the coordinators' eyes only (they read it in the queue).
A coordinator who is one of the pairing's two people is not told.
"""

from __future__ import annotations

from consortium.concerns.models import Concern
from consortium.core import links, mail, tenancy
from consortium.matches import notices as match_notices
from consortium.matches.notices import Recipient


def coordinators_of(concern: Concern) -> list[Recipient]:
    pair = {concern.mentor_person_id, concern.mentee_id}
    return [r for r in match_notices.coordinators(concern.consortium_id) if r.person_id not in pair]


def concern_link(concern: Concern) -> str:
    """The concern in the coordinators' queue (the API's address until the console has a page
    for it: there is no HTML page of concerns yet)."""
    return links.public_url(f"/api/v1/consortia/{concern.consortium_id}/concerns/{concern.id}")


def raised(concern: Concern, *, recipients: list[Recipient]) -> None:
    body = (
        "A concern was raised about a pairing you coordinate. Read it, signed in, in your "
        f"consortium's queue of concerns:\n\n{concern_link(concern)}\n\n"
        "This message was sent by Consortium."
    )
    seen: set[str] = set()
    for r in recipients:
        if r.email in seen:
            continue
        seen.add(r.email)
        with tenancy.acting_for(r.organisation_id, name="concern notices"):
            mail.queue(
                to=r.email,
                subject="A concern needs your attention",
                body=body,
                organisation_id=r.organisation_id,
            )
