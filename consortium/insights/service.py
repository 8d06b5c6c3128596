"""Writing feedback as a junior mentor, publishing it in rounds, and reading it back collated.

Who may do what: the junior mentor of an active or ended pairing in a reverse mentoring
programme writes, changes and withdraws their own entries until a round takes them; nobody
else reads an entry (its author's admins, the coordinators and the platform included: 404 for a
person, 403 for an API client, whatever the id). A coordinator of the programme's consortium
(or a platform admin) publishes a round and reads every group; an org admin of a mentee
organisation — its sponsor — reads the groups about that organisation only. See
consortium/insights/__init__.py for why the collation cannot be used to single anyone out.
"""

from __future__ import annotations

import uuid
from collections import defaultdict
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from sqlalchemy import delete, func, select
from sqlalchemy.exc import IntegrityError

from consortium.audit import service as audit
from consortium.core import tenancy
from consortium.core.errors import Conflict, Forbidden, NotFound
from consortium.extensions import db
from consortium.insights.models import THEMES, InsightEntry, InsightGroup, InsightRound, K
from consortium.matches import service as matches
from consortium.organisations.models import Organisation
from consortium.programmes import service as programmes
from consortium.programmes.models import Programme

REVERSE = "reverse_mentoring"
# Pairings whose mentor may write: running, or ended after having run.
WRITABLE_STATUSES = ("active", "completed", "closed")


def now() -> datetime:
    return datetime.now(UTC)


# --- the author's own entries ----------------------------------------------------------------


def _author() -> uuid.UUID:
    """The signed-in person writing or reading their own entries; clients are refused."""
    person_id = tenancy.current().person_id
    if person_id is None:
        raise Forbidden(
            "Feedback entries are their authors' alone: a signed-in person reads their own; "
            "no API client (the platform's included) reads or writes them."
        )
    return person_id


def list_entries(*, programme_id: uuid.UUID | None = None) -> list[InsightEntry]:
    """The caller's own pending entries (theme order); others' are never listed."""
    author = _author()
    statement = select(InsightEntry).where(InsightEntry.author_person_id == author)
    if programme_id is not None:
        statement = statement.where(InsightEntry.programme_id == programme_id)
    return list(
        db.session.scalars(
            statement.order_by(
                InsightEntry.programme_id,
                InsightEntry.mentee_organisation_id,
                InsightEntry.theme,
                InsightEntry.id,
            )
        )
    )


def get_entry(*, entry_id: uuid.UUID) -> InsightEntry:
    """One of the caller's own pending entries; 404 for any other id (published, withdrawn,
    someone else's or none: the answer is the same)."""
    author = _author()
    entry = db.session.scalar(
        select(InsightEntry).where(
            InsightEntry.id == entry_id, InsightEntry.author_person_id == author
        )
    )
    if entry is None:
        raise NotFound(f"No feedback entry {entry_id} of yours is waiting to be published.")
    return entry


def add_entry(*, match_id: uuid.UUID, theme: str, sentiment: int, comment: str) -> InsightEntry:
    """Write feedback about the mentee's organisation as the pairing's (junior) mentor."""
    author = _author()
    try:
        match = matches.get_match(match_id=match_id)
    except NotFound:
        raise NotFound(f"No pairing {match_id}.", field="match_id") from None
    if match.mentor_person_id != author:
        raise Forbidden(
            "Only the pairing's mentor writes feedback about the mentee's organisation.",
            field="match_id",
        )
    programme = programmes.get_programme(programme_id=match.programme_id)
    if programme.type != REVERSE:
        raise Conflict(
            f"{programme.name} is not a reverse mentoring programme; only reverse mentoring "
            "collects mentors' feedback about their mentees' organisations.",
            field="match_id",
        )
    if match.status not in WRITABLE_STATUSES:
        raise Conflict(
            f"This pairing is {match.status}; feedback is written once a pairing is active.",
            field="match_id",
        )
    existing = db.session.scalar(
        select(InsightEntry.id).where(
            InsightEntry.author_person_id == author,
            InsightEntry.programme_id == programme.id,
            InsightEntry.mentee_organisation_id == match.mentee_organisation_id,
            InsightEntry.theme == theme,
        )
    )
    if existing is not None:
        raise _one_voice(theme, existing)
    entry = InsightEntry(
        id=uuid.uuid4(),
        consortium_id=programme.consortium_id,
        programme_id=programme.id,
        organisation_id=match.mentor_organisation_id,
        author_person_id=author,
        mentee_organisation_id=match.mentee_organisation_id,
        theme=theme,
        sentiment=sentiment,
        comment=comment,
    )
    try:
        with db.session.begin_nested():
            db.session.add(entry)
    except IntegrityError:
        # The same entry written twice at once (a retried request): one voice per group.
        found = db.session.scalar(
            select(InsightEntry.id).where(
                InsightEntry.author_person_id == author,
                InsightEntry.programme_id == programme.id,
                InsightEntry.mentee_organisation_id == match.mentee_organisation_id,
                InsightEntry.theme == theme,
            )
        )
        if found is None:
            raise
        raise _one_voice(theme, found) from None
    return entry


def _one_voice(theme: str, existing: uuid.UUID) -> Conflict:
    return Conflict(
        f"You have already written about {theme} at this organisation for the next round "
        f"(entry {existing}); change that entry instead.",
        field="theme",
    )


def update_entry(*, entry: InsightEntry, changes: dict[str, Any]) -> InsightEntry:
    """Change the sentiment or comment of one's own pending entry."""
    for name in ("sentiment", "comment"):
        if name in changes:
            setattr(entry, name, changes[name])
    db.session.flush()
    return entry


def withdraw_entry(*, entry: InsightEntry) -> None:
    """Withdraw one's own pending entry: it is deleted, and no round will hold it."""
    db.session.delete(entry)
    db.session.flush()


def present_entry(entry: InsightEntry) -> dict[str, Any]:
    names = _names({entry.mentee_organisation_id})
    return {
        "id": entry.id,
        "programme_id": entry.programme_id,
        "mentee_organisation": {
            "id": entry.mentee_organisation_id,
            "name": names.get(entry.mentee_organisation_id, ""),
        },
        "theme": entry.theme,
        "sentiment": entry.sentiment,
        "comment": entry.comment,
    }


def present_entries(entries: list[InsightEntry]) -> list[dict[str, Any]]:
    return [present_entry(e) for e in entries]


# --- rounds ----------------------------------------------------------------------------------


def publish_round(*, programme_id: uuid.UUID) -> dict[str, Any]:
    """Publish the programme's next round (its coordinators): every group of pending entries
    with at least K distinct authors, frozen; the rest wait for the next round. Returns it."""
    principal = tenancy.current()
    programme: Programme = programmes.get_programme(programme_id=programme_id)
    if not principal.coordinates(programme.consortium_id):
        raise Forbidden(
            f"Only coordinators of the consortium that runs {programme.name} publish its "
            "feedback rounds."
        )
    if programme.type != REVERSE:
        raise Conflict(
            f"{programme.name} is not a reverse mentoring programme; it has no feedback to publish."
        )
    with tenancy.all_tenants():
        # Locked, so an entry changed or withdrawn meanwhile waits for the publication.
        pending = list(
            db.session.scalars(
                select(InsightEntry)
                .where(InsightEntry.programme_id == programme.id)
                .with_for_update()
            )
        )
        groups: dict[tuple[uuid.UUID, str], list[InsightEntry]] = defaultdict(list)
        for entry in pending:
            groups[(entry.mentee_organisation_id, entry.theme)].append(entry)
        ready = {
            key: entries
            for key, entries in groups.items()
            if len({e.author_person_id for e in entries}) >= K
        }
        if not ready:
            # Says nothing about how many wait, or where: the same whatever is pending.
            raise Conflict(
                f"No group has feedback from {K} people who are not yet in a published round, "
                "so there is nothing to publish yet."
            )
        number = (
            db.session.scalar(
                select(func.max(InsightRound.number)).where(
                    InsightRound.programme_id == programme.id
                )
            )
            or 0
        ) + 1
        published_at = now()
        round_ = InsightRound(
            id=uuid.uuid4(),
            consortium_id=programme.consortium_id,
            programme_id=programme.id,
            number=number,
            published_by=principal.display,
            published_at=published_at,
            created_at=published_at,
            updated_at=published_at,
        )
        try:
            with db.session.begin_nested():
                db.session.add(round_)
        except IntegrityError:
            raise Conflict(
                f"Round {number} of {programme.name} was published by someone else just now."
            ) from None
        for (organisation_id, theme), entries in sorted(ready.items(), key=lambda i: str(i[0])):
            db.session.add(
                InsightGroup(
                    id=uuid.uuid4(),
                    round_id=round_.id,
                    consortium_id=programme.consortium_id,
                    programme_id=programme.id,
                    mentee_organisation_id=organisation_id,
                    theme=theme,
                    contributors=len({e.author_person_id for e in entries}),
                    sentiments=_sentiments(entries),
                    comments=canonical([e.comment for e in entries]),
                    # Every group of a round carries the round's time, never its entries'.
                    created_at=published_at,
                    updated_at=published_at,
                )
            )
        # What was published is no longer linked to anyone: the entries go.
        db.session.execute(
            delete(InsightEntry).where(
                InsightEntry.id.in_([e.id for entries in ready.values() for e in entries])
            ),
            execution_options={"synchronize_session": False},
        )
        for entries in ready.values():
            for e in entries:
                db.session.expunge(e)
        audit.record(
            action="insight_round.published",
            subject_type="insight_round",
            subject_id=round_.id,
            consortium_id=programme.consortium_id,
            data={"programme_id": programme.id, "number": number, "groups": len(ready)},
            by=principal,
        )
        db.session.flush()
    return {
        "id": round_.id,
        "programme_id": programme.id,
        "number": number,
        "published_on": published_at.date(),
        "groups": len(ready),
    }


def canonical(comments: list[str]) -> list[str]:
    """Comments in an order that says nothing of who wrote first: by their text."""
    return sorted((c.strip() for c in comments), key=lambda c: (c.casefold(), c))


def _sentiments(entries: list[InsightEntry]) -> dict[str, int]:
    counts = {str(n): 0 for n in range(1, 6)}
    for e in entries:
        counts[str(e.sentiment)] += 1
    return counts


# --- the collated report ---------------------------------------------------------------------


def report(
    *,
    programme_id: uuid.UUID,
    round_number: int | None = None,
    theme: str | None = None,
    mentee_organisation_id: uuid.UUID | None = None,
    start: date | None = None,
    end: date | None = None,
) -> dict[str, Any]:
    """The programme's published groups the caller may read, each whole.

    Filters choose whole rounds (by number or by the day they were published) and whole
    groups (by theme or organisation); none reaches inside a group. Coordinators (and platform
    admins) see every group; an org admin of a member organisation sees the groups about it.
    """
    principal = tenancy.current()
    programme = programmes.get_programme(programme_id=programme_id)
    sponsor_of: uuid.UUID | None = None
    if not principal.coordinates(programme.consortium_id):
        # Only people reach here (the route asks organisation:admin or coordinate).
        if principal.organisation_id is None or "org_admin" not in principal.roles:
            raise Forbidden(
                "Reverse mentoring feedback is for the consortium's coordinators and the "
                "mentee organisations' admins."
            )
        sponsor_of = principal.organisation_id
    conditions = [InsightGroup.programme_id == programme.id]
    rounds_conditions = [InsightRound.programme_id == programme.id]
    if round_number is not None:
        rounds_conditions.append(InsightRound.number == round_number)
    if start is not None:
        rounds_conditions.append(
            InsightRound.published_at >= datetime.combine(start, time.min, UTC)
        )
    if end is not None:
        rounds_conditions.append(
            InsightRound.published_at < datetime.combine(end + timedelta(days=1), time.min, UTC)
        )
    if theme is not None:
        conditions.append(InsightGroup.theme == theme)
    if mentee_organisation_id is not None:
        conditions.append(InsightGroup.mentee_organisation_id == mentee_organisation_id)
    if sponsor_of is not None:
        conditions.append(InsightGroup.mentee_organisation_id == sponsor_of)
    with tenancy.all_tenants():
        rounds = list(
            db.session.scalars(
                select(InsightRound).where(*rounds_conditions).order_by(InsightRound.number)
            )
        )
        by_id = {r.id: r for r in rounds}
        groups = list(
            db.session.scalars(
                select(InsightGroup).where(*conditions, InsightGroup.round_id.in_(list(by_id)))
            )
        )
        names = _names({g.mentee_organisation_id for g in groups})
    presented = [
        _present_group(g, by_id[g.round_id], names.get(g.mentee_organisation_id, ""))
        for g in groups
    ]
    presented.sort(
        key=lambda g: (
            g["round"],
            g["mentee_organisation"]["name"],
            str(g["mentee_organisation"]["id"]),
            THEMES.index(g["theme"]),
        )
    )
    return {
        "programme_id": programme.id,
        "programme": programme.name,
        "k": K,
        "rounds": [{"number": r.number, "published_on": r.published_at.date()} for r in rounds],
        "groups": presented,
    }


def _present_group(group: InsightGroup, round_: InsightRound, name: str) -> dict[str, Any]:
    counts = {n: int(group.sentiments.get(n, 0)) for n in ("1", "2", "3", "4", "5")}
    total = sum(counts.values())
    mean = sum(int(n) * c for n, c in counts.items()) / total if total else None
    return {
        "round": round_.number,
        "published_on": round_.published_at.date(),
        "mentee_organisation": {"id": group.mentee_organisation_id, "name": name},
        "theme": group.theme,
        "contributors": group.contributors,
        "sentiment": {"mean": round(mean, 1) if mean is not None else None, "counts": counts},
        # Already canonical; sorted again in case an older row was not.
        "comments": canonical(list(group.comments)),
    }


def _names(organisation_ids: set[uuid.UUID]) -> dict[uuid.UUID, str]:
    if not organisation_ids:
        return {}
    with tenancy.all_tenants():
        return dict(
            db.session.execute(
                select(Organisation.id, Organisation.name).where(
                    Organisation.id.in_(organisation_ids)
                )
            ).all()
        )
