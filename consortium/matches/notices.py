"""Telling the people concerned about a pairing's progress, by mail after the change commits.

Who hears what:
- a proposal that needs the home organisation's consent: the mentor's organisation's admins;
- approved: the mentor and the mentee, asked to accept;
- one acceptance: the other person;
- active: both, now with each other's email;
- declined or closed: the other person (if they had been told of it, i.e. past proposed) and
  the consortium's coordinators;
- rejected: under two-key approval the mentor's organisation's admins (and the coordinators,
  when that organisation rejected it).
Nobody is told about what they did themselves. A reason is passed on unless it is the other
person's (a decline's reasons are for the coordinators and the audit trail).

Each message is queued as the recipient's organisation (the outbox job is theirs); the caller
must have flushed its own changes first.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from consortium.core import links, mail, tenancy
from consortium.identity import roles

if TYPE_CHECKING:
    from consortium.matches.service import Pairing, Party

SIGN_OFF = "\n\nThis message was sent by Consortium on behalf of {consortium}."


@dataclass(frozen=True)
class Recipient:
    person_id: uuid.UUID | None
    email: str
    organisation_id: uuid.UUID


def _person(party: Party) -> list[Recipient]:
    if not party.email:
        return []
    return [Recipient(party.person_id, party.email, party.organisation_id)]


def coordinators(consortium_id: uuid.UUID) -> list[Recipient]:
    """The consortium's active coordinators (they work for any member organisation)."""
    with tenancy.all_tenants():
        people = roles.list_coordinators(consortium_id=consortium_id)
    return [Recipient(p.id, p.email, p.organisation_id) for p in people]


def admins(organisation_id: uuid.UUID) -> list[Recipient]:
    """The organisation's active admins."""
    people = roles.admins_of(organisation_id=organisation_id)
    return [Recipient(p.id, p.email, p.organisation_id) for p in people]


def _send(
    recipients: Iterable[Recipient],
    *,
    subject: str,
    body: str,
    consortium: str,
    to_actor: bool = False,
) -> None:
    """Queue one message per address, skipping the person who caused it (unless `to_actor`)."""
    actor = None if to_actor else tenancy.current().person_id
    seen: set[str] = set()
    for r in recipients:
        if (actor is not None and r.person_id == actor) or r.email in seen:
            continue
        seen.add(r.email)
        with tenancy.acting_for(r.organisation_id, name="match notices"):
            mail.queue(
                to=r.email,
                subject=subject,
                body=body + SIGN_OFF.format(consortium=consortium),
                organisation_id=r.organisation_id,
            )


def _who(party: Party) -> str:
    title = f", {party.job_title}" if party.job_title else ""
    return f"{party.display_name}{title} ({party.organisation_name})"


def _link(p: Pairing) -> str:
    """The pairing's page: what it is, who is in it, and what the reader may do next."""
    return links.pairing_page(p.match.id)


# --- the notices ---------------------------------------------------------------------------


def proposed(p: Pairing) -> None:
    """A new proposal: under two-key approval the mentor's organisation is asked to consent."""
    if not p.two_key:
        return
    _send(
        admins(p.mentor.organisation_id),
        subject=f"Your consent is needed: {p.mentor.display_name} as a mentor in "
        f"{p.programme_name}",
        body=(
            f"{p.consortium_name} proposes that {_who(p.mentor)} mentors {_who(p.mentee)} in "
            f"{p.programme_name}. The consortium asks the mentor's organisation to consent to "
            f"each pairing as well as its coordinator.\n\n"
            f"The pairing, and how to approve or reject it: {_link(p)}"
        ),
        consortium=p.consortium_name,
    )


def approved(p: Pairing) -> None:
    """Approved: each person is asked to accept."""
    for me, other, role in ((p.mentor, p.mentee, "mentor"), (p.mentee, p.mentor, "mentee")):
        _send(
            _person(me),
            subject=f"Your mentoring pairing in {p.programme_name}: please accept or decline",
            body=(
                f"You have been paired as the {role} of {_who(other)} in {p.programme_name}.\n\n"
                f"The pairing, and how to accept or decline it: {_link(p)}\n\nOnce you have both "
                "accepted, you will each be sent the other's email address."
            ),
            consortium=p.consortium_name,
        )


def accepted(p: Pairing, *, by_mentor: bool) -> None:
    """One person accepted: the other is told it now rests with them."""
    me, other = (p.mentor, p.mentee) if by_mentor else (p.mentee, p.mentor)
    _send(
        _person(other),
        subject=f"{me.display_name} accepted your pairing in {p.programme_name}",
        body=(
            f"{_who(me)} has accepted your pairing in {p.programme_name}. It becomes active "
            f"once you accept too. The pairing, and how to accept or decline it: {_link(p)}"
        ),
        consortium=p.consortium_name,
    )


def activated(p: Pairing) -> None:
    """Both accepted: each is sent the other's email address (the one who accepted last too)."""
    for me, other in ((p.mentor, p.mentee), (p.mentee, p.mentor)):
        _send(
            _person(me),
            subject=f"Your mentoring pairing in {p.programme_name} has started",
            body=(
                f"You and {_who(other)} have both accepted: your pairing in "
                f"{p.programme_name} is active.\n\nYou can reach {other.display_name} at "
                f"{other.email}. Arrange your first session together; the mentor's free times "
                f"and how to book: {links.pairing_page(p.match.id, links.SESSIONS)}"
            ),
            consortium=p.consortium_name,
            to_actor=True,
        )


def ended(p: Pairing, *, action: str, reason: str, people_told: bool) -> None:
    """Declined or closed: the people who knew of it, and the coordinators."""
    actor = tenancy.current()
    by = actor.name or "Someone"
    pair = f"{p.mentor.display_name} and {p.mentee.display_name}"
    if people_told:
        # A person's own reasons for saying no are not passed to the other; a coordinator's
        # or an admin's are.
        by_a_party = actor.person_id is not None and actor.person_id in (
            p.mentor.person_id,
            p.mentee.person_id,
        )
        why = "" if by_a_party else f'\n\nThe reason given: "{reason}"'
        _send(
            _person(p.mentor) + _person(p.mentee),
            subject=f"Your mentoring pairing in {p.programme_name} was {action}",
            body=f"{by} {action} your pairing ({pair}) in {p.programme_name}.{why}",
            consortium=p.consortium_name,
        )
    _send(
        coordinators(p.match.consortium_id),
        subject=f"A pairing in {p.programme_name} was {action}",
        body=(
            f"{by} {action} the pairing of {_who(p.mentor)} (mentor) and {_who(p.mentee)} "
            f'(mentee) in {p.programme_name}.\n\nThe reason given: "{reason}"\n\n'
            f"The mentee has no live pairing in the programme now, so the next matching run "
            f"considers them again. The pairing: {_link(p)}"
        ),
        consortium=p.consortium_name,
    )


def rejected(p: Pairing, *, reason: str, by_home_organisation: bool) -> None:
    """Rejected: under two-key approval, the mentor's organisation's admins; the coordinators
    too when that organisation rejected it."""
    if not p.two_key:
        return
    by = tenancy.current().name or "Someone"
    body = (
        f"{by} rejected the proposal that {_who(p.mentor)} mentors {_who(p.mentee)} in "
        f'{p.programme_name}.\n\nThe reason given: "{reason}"\n\nThe pairing: {_link(p)}'
    )
    subject = f"A proposed pairing in {p.programme_name} was rejected"
    recipients = admins(p.mentor.organisation_id)
    if by_home_organisation:
        recipients += coordinators(p.match.consortium_id)
    _send(recipients, subject=subject, body=body, consortium=p.consortium_name)


def ended_no_fault(p: Pairing, *, reason: str | None, people_told: bool) -> None:
    """Ended with no fault: the two people (but the one who ended it) hear only that it ended;
    the coordinators (not either of the two) hear who, and the private reason if one was given."""
    by = tenancy.current().name or "Someone"
    pair = f"{p.mentor.display_name} and {p.mentee.display_name}"
    if people_told:
        _send(
            _person(p.mentor) + _person(p.mentee),
            subject=f"Your mentoring pairing in {p.programme_name} has ended",
            body=(
                f"Your pairing ({pair}) in {p.programme_name} has ended. Endings like this are "
                "no-fault: no reason is shared. Any upcoming sessions are cancelled."
            ),
            consortium=p.consortium_name,
        )
    why = f'\n\nThe reason given, for the coordinators only: "{reason}"' if reason else ""
    _send(
        coordinators_outside(p),
        subject=f"A pairing in {p.programme_name} ended (no fault)",
        body=(
            f"{by} ended the pairing of {_who(p.mentor)} (mentor) and {_who(p.mentee)} "
            f"(mentee) in {p.programme_name}, with no fault.{why}\n\n"
            f"The mentee has no live pairing in the programme now, so the next matching run "
            f"considers them again (not with the same mentor). The pairing: {_link(p)}"
        ),
        consortium=p.consortium_name,
    )


def coordinators_outside(p: Pairing) -> list[Recipient]:
    """The consortium's coordinators who are neither of the pairing's two people."""
    pair = {p.mentor.person_id, p.mentee.person_id}
    return [r for r in coordinators(p.match.consortium_id) if r.person_id not in pair]
