"""Erasing a person: their personal data removed, or replaced by a pseudonym that cannot be
turned back, in every table, while what the service counts (pairings held, hours on the
reciprocity ledger, sessions in reports) keeps its numbers under the same, now anonymous, id.

Three passes, all in the caller's transaction:
1. what is only about the person is deleted (identities, login sessions, calendar feeds,
   availability, consents, declared attributes, their notes, their idempotency records, their
   unpublished reverse mentoring feedback) and their free text cleared (profile, goals, CPD
   log, actions, session feedback, evaluations) and their profiles paused, so
   matching never proposes someone who is gone;
2. their staff record becomes "Erased Person" with an address no one can hold;
3. every other text and JSON column of every table is scrubbed of their email and name
   (who approved what, mail waiting in the outbox, webhook payloads, replayable responses).
Concerns they raised keep their text (scrubbed of names, as everywhere): a safeguarding
record is kept under a legal obligation, which erasure does not override (UK GDPR 17(3)(b)).
Audit events are append-only in the database; their names and emails are pseudonymised by
the owner's `app_pseudonymise_audit`, which refuses anyone not erased first (migration
a7c2e9d4f1b3).
"""

from __future__ import annotations

import json
import re
import uuid
from dataclasses import dataclass
from typing import Any

from sqlalchemy import JSON, String, Table, delete, func, or_, select, text, update

from consortium.core import tenancy
from consortium.core.db import Base, utcnow
from consortium.core.security import ENCRYPTED
from consortium.extensions import db

ERASED = "[erased]"
# Deleted outright: they are about the person alone and mean nothing once they are gone.
DELETED = (
    "person_identities",
    "login_sessions",
    "calendar_feeds",
    "consents",
    "sensitive_attributes",
    "personal_exports",
    "role_assignments",
)
PROFILE_DELETED = ("busy_blocks", "busy_feeds", "availability_exceptions", "availability_rules")
# Scrubbed by their own pass (people) or by the owner's function (audit_events).
NOT_SCRUBBED = {"people", "audit_events", *DELETED}


def pseudonymous_email(person_id: uuid.UUID) -> str:
    """The address an erased person's record carries: unique, and no one's."""
    return f"erased-{person_id.hex}@erased.invalid"


@dataclass(frozen=True)
class Traces:
    """What identifies the person in text: searched for, case-insensitively, everywhere."""

    person_id: uuid.UUID
    email: str
    given_name: str
    family_name: str

    @property
    def needles(self) -> list[str]:
        """Strings that mark a text as about this person (prefilter, lower-cased)."""
        full = f"{self.given_name} {self.family_name}"
        return sorted({str(self.person_id), self.email.lower(), full.lower()})

    @property
    def pattern(self) -> str:
        """Their email, full name, and each name as a word (in a text already about them)."""
        words = [
            re.escape(self.email),
            re.escape(f"{self.given_name} {self.family_name}"),
            *(rf"\b{re.escape(n)}\b" for n in (self.given_name, self.family_name) if n),
        ]
        return "|".join(words)

    def scrub(self, value: str) -> str:
        return re.sub(self.pattern, ERASED, value, flags=re.IGNORECASE)

    def scrub_json(self, value: Any) -> Any:
        """Every string (and key) in a JSON value scrubbed; its shape kept. Never the JSON
        text itself: a one-letter name would cut into its escapes (\\n, \\u00e9)."""
        if isinstance(value, str):
            return self.scrub(value)
        if isinstance(value, list):
            return [self.scrub_json(v) for v in value]
        if isinstance(value, dict):
            return {self.scrub(k): self.scrub_json(v) for k, v in value.items()}
        return value


def _table(name: str) -> Table:
    return Base.metadata.tables[name]


def _delete_own_rows(person_id: uuid.UUID, key: str) -> dict[str, int]:
    counts: dict[str, int] = {}
    session = db.session
    profiles = _table("mentor_profiles")
    own_profiles = select(profiles.c.id).where(profiles.c.person_id == person_id)
    for name in PROFILE_DELETED:
        table = _table(name)
        result = session.execute(delete(table).where(table.c.profile_id.in_(own_profiles)))
        counts[name] = int(result.rowcount or 0)  # type: ignore[attr-defined]
    for name in DELETED:
        table = _table(name)
        result = session.execute(delete(table).where(table.c.person_id == person_id))
        counts[name] = int(result.rowcount or 0)  # type: ignore[attr-defined]
    notes = _table("session_notes")
    result = session.execute(delete(notes).where(notes.c.author_person_id == person_id))
    counts["session_notes"] = int(result.rowcount or 0)  # type: ignore[attr-defined]
    keys = _table("idempotency_keys")
    result = session.execute(delete(keys).where(keys.c.principal_key == key))
    counts["idempotency_keys"] = int(result.rowcount or 0)  # type: ignore[attr-defined]
    # Reverse mentoring feedback not yet published (published groups name no author).
    entries = _table("insight_entries")
    result = session.execute(delete(entries).where(entries.c.author_person_id == person_id))
    counts["insight_entries"] = int(result.rowcount or 0)  # type: ignore[attr-defined]
    return counts


def _clear_free_text(person_id: uuid.UUID) -> None:
    session = db.session
    profiles = _table("mentor_profiles")
    session.execute(
        update(profiles)
        .where(profiles.c.person_id == person_id)
        .values(bio="", vetting_note=None, status="paused", paused_reason="erased")
    )
    own_profiles = select(profiles.c.id).where(profiles.c.person_id == person_id)
    # A CPD entry's note is required (it stays, as "[erased]": the hours still count).
    for name, cleared in (("cpd_entries", ERASED), ("vetting_decisions", None)):
        table = _table(name)
        session.execute(
            update(table).where(table.c.profile_id.in_(own_profiles)).values(note=cleared)
        )
    applications = _table("applications")
    session.execute(
        update(applications)
        .where(applications.c.person_id == person_id)
        .values(goals=[], preferences={})
    )
    goals = _table("match_goals")
    session.execute(
        update(goals)
        .where(goals.c.mentee_id == person_id)
        .values(description=ERASED, measure=ERASED)
    )
    reviews = _table("goal_reviews")  # ratings of their goals: the numbers stay
    session.execute(update(reviews).where(reviews.c.mentee_id == person_id).values(comment=""))
    actions = _table("session_actions")
    session.execute(
        update(actions).where(actions.c.owner_person_id == person_id).values(description=ERASED)
    )
    # What they wrote of their sessions and pairings: the ratings still count, the words go.
    feedback = _table("session_feedback")
    session.execute(
        update(feedback).where(feedback.c.author_person_id == person_id).values(comment=ERASED)
    )
    evaluations = _table("pairing_evaluations")
    session.execute(
        update(evaluations)
        .where(evaluations.c.author_person_id == person_id)
        .values(what_changed=ERASED)
    )
    # Their goals as a mentee, copied into both people's evaluations of the pairing.
    matches = _table("matches")
    as_mentee = select(matches.c.id).where(matches.c.mentee_id == person_id)
    for row in session.execute(
        select(evaluations.c.id, evaluations.c.goals).where(evaluations.c.match_id.in_(as_mentee))
    ):
        rated = [{**goal, "description": ERASED} for goal in row.goals]
        session.execute(update(evaluations).where(evaluations.c.id == row.id).values(goals=rated))


def _pseudonymise_record(person_id: uuid.UUID) -> None:
    people = _table("people")
    db.session.execute(
        update(people)
        .where(people.c.id == person_id)
        .values(
            given_name="Erased",
            family_name="Person",
            email=pseudonymous_email(person_id),
            job_title=None,
            profession=None,
            external_id=None,
            line_manager_id=None,
            status="inactive",
            deprovisioned_at=utcnow(),
            updated_at=utcnow(),
        )
    )


def _text_columns(table: Table) -> list[Any]:
    return [
        c
        for c in table.columns
        if isinstance(c.type, String | JSON) and not c.info.get(ENCRYPTED) and not c.primary_key
    ]


def _scrub_everywhere(traces: Traces) -> int:
    """Replace their email and names in every other text or JSON value that is about them."""
    session = db.session
    changed = 0
    for table in Base.metadata.sorted_tables:
        if table.name in NOT_SCRUBBED:
            continue
        for column in _text_columns(table):
            as_text = func.lower(column.cast(String) if isinstance(column.type, JSON) else column)
            hits = session.execute(
                select(table.c.id, column).where(
                    or_(*(as_text.contains(needle, autoescape=True) for needle in traces.needles))
                )
            ).all()
            for row_id, value in hits:
                scrub = traces.scrub_json if isinstance(column.type, JSON) else traces.scrub
                new = scrub(value)
                length = getattr(column.type, "length", None)
                if isinstance(new, str) and length and len(new) > length:
                    new = new[:length]  # "[erased]" is longer than a short name
                if new != value:
                    session.execute(update(table).where(table.c.id == row_id).values({column: new}))
                    changed += 1
    return changed


def _scrub_audit(traces: Traces) -> None:
    """Pseudonymise audit events through the owner's function (the app cannot update them)."""
    bind = db.session.get_bind()
    if bind.dialect.name != "postgresql":
        # No row-level security off PostgreSQL (the development database): a plain update.
        events = _table("audit_events")
        rows = db.session.execute(
            select(events.c.id, events.c.actor_name, events.c.reason, events.c.data)
        ).all()
        for row_id, actor_name, reason, data in rows:
            blob = json.dumps([actor_name, reason, data], ensure_ascii=False)
            if not any(n in blob.lower() for n in traces.needles):
                continue
            actor_name, reason, data = traces.scrub_json([actor_name, reason, data])
            db.session.execute(
                update(events)
                .where(events.c.id == row_id)
                .values(actor_name=actor_name, reason=reason, data=data)
            )
        return
    db.session.execute(
        text("SELECT app_pseudonymise_audit(:person_id, :needles, :pattern)"),
        {
            "person_id": traces.person_id,
            "needles": traces.needles,
            # PostgreSQL's regular expressions spell word boundaries \m and \M.
            "pattern": _postgres_pattern(traces),
        },
    )


def _postgres_pattern(traces: Traces) -> str:
    words = [
        re.escape(traces.email),
        re.escape(f"{traces.given_name} {traces.family_name}"),
        *(rf"\m{re.escape(n)}\M" for n in (traces.given_name, traces.family_name) if n),
    ]
    return "|".join(words)


def erase(*, person_id: uuid.UUID, email: str, given_name: str, family_name: str) -> dict[str, int]:
    """Erase the person everywhere (across tenants: their pairings live with two employers);
    return how many rows each step removed or changed (no personal data)."""
    traces = Traces(person_id, email, given_name, family_name)
    key = tenancy.Principal(kind="person", id=person_id).key

    with tenancy.all_tenants():
        counts = _delete_own_rows(person_id, key)
        _clear_free_text(person_id)
        _pseudonymise_record(person_id)
        counts["scrubbed_values"] = _scrub_everywhere(traces)
        _scrub_audit(traces)
        db.session.flush()
    return counts
