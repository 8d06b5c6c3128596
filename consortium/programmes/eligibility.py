"""Who may apply to a programme: its eligibility rules checked against one person.

A pure function of the programme, the person's staff record and (for positive action) the
attributes the person declared and consented to this programme using. Each refusal names the
rule (`field`) and says in plain words why, and how to become eligible where that is possible.

Declared attributes are special-category data: no refusal ever repeats the person's values.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any

from consortium.people.attributes import LABELS, is_one_of
from consortium.people.models import Person
from consortium.programmes.models import Programme

DECLARE_AT = "/api/v1/me/sensitive-attributes"
CONSENT_AT = "/api/v1/me/consents"
ASK_ADMIN = "(if that is out of date, ask your organisation's admin to correct it)"


@dataclass(frozen=True)
class Refusal:
    """One rule the person does not meet."""

    code: str
    field: str
    reason: str


def refusals(
    *,
    programme: Programme,
    person: Person,
    declared: Mapping[str, Any] | None = None,
    today: date | None = None,
) -> list[Refusal]:
    """Every eligibility rule of `programme` that `person` fails, in the order they are checked.

    `declared` is what the person declared and consented to this programme using (None when
    there is no valid consent or nothing is declared); it is read only for positive action.
    """
    rules: Mapping[str, Any] = programme.eligibility or {}
    out: list[Refusal] = []
    if person.status != "active":
        out.append(Refusal("inactive", "status", "your staff record is deactivated " + ASK_ADMIN))
    organisation_ids = {str(o) for o in rules.get("organisation_ids") or []}
    if organisation_ids and str(person.organisation_id) not in organisation_ids:
        out.append(
            Refusal(
                "organisation",
                "organisation_ids",
                "it is open only to staff of some of the consortium's member organisations, "
                "and yours is not one of them",
            )
        )
    out.extend(_profession(rules, person))
    out.extend(_seniority(rules, person))
    today = today or datetime.now(UTC).date()
    out.extend(_started(rules, person, today))
    out.extend(_returning(rules, person, today))
    rule = rules.get("positive_action")
    if isinstance(rule, Mapping) and rule.get("attribute"):
        out.extend(_positive_action(rule, declared))
    return out


def _profession(rules: Mapping[str, Any], person: Person) -> list[Refusal]:
    professions = [str(p) for p in rules.get("professions") or []]
    if not professions:
        return []
    wanted = ", ".join(professions)
    if not person.profession:
        return [
            Refusal(
                "profession_unknown",
                "professions",
                f"it is open to these professions: {wanted}, and your staff record has no "
                "profession (ask your organisation's admin to add it)",
            )
        ]
    if _fold(person.profession) in {_fold(p) for p in professions}:
        return []
    return [
        Refusal(
            "profession",
            "professions",
            f"it is open to these professions: {wanted}, and your staff record gives yours as "
            f"'{person.profession}' {ASK_ADMIN}",
        )
    ]


def _seniority(rules: Mapping[str, Any], person: Person) -> list[Refusal]:
    low, high = rules.get("seniority_min"), rules.get("seniority_max")
    if low is None and high is None:
        return []
    wanted = _seniority_range(low, high)
    if person.seniority is None:
        field = "seniority_min" if low is not None else "seniority_max"
        return [
            Refusal(
                "seniority_unknown",
                field,
                f"it is for staff of seniority {wanted}, and your staff record has no seniority "
                "recorded (ask your organisation's admin to add it)",
            )
        ]
    if low is not None and person.seniority < low:
        return [
            Refusal(
                "seniority_min",
                "seniority_min",
                f"it is for staff of seniority {wanted}, and your staff record gives yours as "
                f"{person.seniority} {ASK_ADMIN}",
            )
        ]
    if high is not None and person.seniority > high:
        return [
            Refusal(
                "seniority_max",
                "seniority_max",
                f"it is for staff of seniority {wanted}, and your staff record gives yours as "
                f"{person.seniority} {ASK_ADMIN}",
            )
        ]
    return []


def _started(rules: Mapping[str, Any], person: Person, today: date) -> list[Refusal]:
    """Graduate / new-starter: started within the last `started_within_months` months (a start
    date still to come counts: a joiner may be paired before their first day)."""
    months = rules.get("started_within_months")
    if months is None:
        return []
    wanted = f"it is for staff who started within the last {_months(months)}"
    if person.started_on is None:
        return [
            Refusal(
                "started_on_unknown",
                "started_within_months",
                f"{wanted}, and your staff record has no start date (ask your organisation's "
                "admin to add it)",
            )
        ]
    earliest = months_before(today, months)
    if person.started_on >= earliest:
        return []
    return [
        Refusal(
            "started_on",
            "started_within_months",
            f"{wanted} (on or after {earliest.isoformat()}), and your staff record gives your "
            f"start date as {person.started_on.isoformat()} {ASK_ADMIN}",
        )
    ]


def _returning(rules: Mapping[str, Any], person: Person, today: date) -> list[Refusal]:
    """Return to work: from `days_before` days before the person's return date up to
    `days_after` days after it."""
    window = rules.get("return_window")
    if not isinstance(window, Mapping):
        return []
    before, after = int(window["days_before"]), int(window["days_after"])
    wanted = (
        f"it is for staff returning to work, from {before} days before their return date to "
        f"{after} days after it"
    )
    if person.returns_on is None:
        return [
            Refusal(
                "returns_on_unknown",
                "return_window",
                f"{wanted}, and your staff record has no return date (ask your organisation's "
                "admin to add it)",
            )
        ]
    opens = person.returns_on - timedelta(days=before)
    closes = person.returns_on + timedelta(days=after)
    if opens <= today <= closes:
        return []
    when = f"opens on {opens.isoformat()}" if today < opens else f"closed on {closes.isoformat()}"
    return [
        Refusal(
            "returns_on",
            "return_window",
            f"{wanted}; your staff record gives your return date as "
            f"{person.returns_on.isoformat()}, so your window {when} {ASK_ADMIN}",
        )
    ]


def months_before(day: date, months: int) -> date:
    """The same day `months` calendar months earlier (the month's last day if it is shorter)."""
    index = day.year * 12 + day.month - 1 - months
    year, month = divmod(index, 12)
    month += 1
    following = date(year + month // 12, month % 12 + 1, 1)
    last = (following - date.resolution).day
    return date(year, month, min(day.day, last))


def _months(n: int) -> str:
    return "month" if n == 1 else f"{n} months"


def _seniority_range(low: int | None, high: int | None) -> str:
    if low is not None and high is not None:
        return f"{low} to {high}" if low != high else str(low)
    if low is not None:
        return f"{low} or above"
    return f"{high} or below"


def _positive_action(rule: Mapping[str, Any], declared: Mapping[str, Any] | None) -> list[Refusal]:
    attribute = str(rule["attribute"])
    label = LABELS.get(attribute, attribute.replace("_", " "))
    values = list(rule.get("values") or [])
    how = (
        f"declare your {label} at {DECLARE_AT} and consent to its use for this programme at "
        f"{CONSENT_AT}"
    )
    if declared is None or attribute not in declared:
        return [
            Refusal(
                "positive_action_undeclared",
                "positive_action",
                f"it is a positive-action programme that uses self-declared {label}, so to be "
                f"considered, {how}",
            )
        ]
    value = declared[attribute]
    if is_one_of(value, values):
        return []
    # Never repeat the declared value: say only that it is not among those the programme is for.
    return [
        Refusal(
            "positive_action",
            "positive_action",
            f"it is a positive-action programme, and your self-declared {label} is not one it "
            f"is for (if your declaration is out of date, update it at {DECLARE_AT})",
        )
    ]


def _fold(text: str) -> str:
    return " ".join(text.split()).casefold()


def refusal_detail(*, programme_name: str, found: list[Refusal]) -> str:
    """The sentence a refused applicant reads: every reason, joined by semicolons."""
    return f"You are not eligible for {programme_name}: {'; '.join(r.reason for r in found)}."
