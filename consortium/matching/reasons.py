"""Plain words: why a pair was proposed, and why a mentee was left unmatched.

Loops here run over proposals and unmatched mentees only, never over all pairs.
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np

from consortium.availability.recurrence import DEFAULT_TIMEZONE
from consortium.availability.week import cell_name
from consortium.matching.candidates import STAGE_CODES, Candidates
from consortium.matching.problem import Problem
from consortium.matching.scoring import shared_hours

TOP_REASONS = 3
TOP_TIMES = 2  # shared times named in a reason, the most hours first


def ordinal(n: int) -> str:
    suffix = "th" if 10 <= n % 100 <= 20 else {1: "st", 2: "nd", 3: "rd"}.get(n % 10, "th")
    return f"{n}{suffix}"


def _words(tag: str) -> str:
    return tag.replace("-", " ")


def _listing(items: list[str]) -> str:
    return items[0] if len(items) == 1 else ", ".join(items[:-1]) + " and " + items[-1]


def pair_reasons(
    problem: Problem, row: int, column: int, terms: Mapping[str, float], rank: int
) -> tuple[list[str], dict[str, float]]:
    """The top reasons for one pair, best first, and each term's weighted contribution."""
    weights = problem.weights
    parts = {term: round(weights[term] * value, 6) for term, value in terms.items()}
    mentees, mentors = problem.mentees, problem.mentors
    said: list[tuple[float, str]] = []
    if parts["topic"] > 0:
        shared = [t for t in mentees.topics[row] if t in set(mentors.topics[column])]
        said.append(
            (
                parts["topic"],
                f"shares your interest in {_listing([_words(t) for t in shared[:3]])}"
                if shared
                else "their experience matches the goals you set out",
            )
        )
    if parts["shortlist"] > 0 and rank > 0:
        said.append((parts["shortlist"], f"you ranked them {ordinal(rank)} on your shortlist"))
    if parts["sector"] > 0:
        mentor_sector = _name(problem.sector_names, mentors.sector[column])
        mentee_sector = _name(problem.sector_names, mentees.sector[row])
        asked = bool(mentees.preferred_sectors[row].any())
        said.append(
            (
                parts["sector"],
                f"works in {_words(mentor_sector)}, a sector you asked for"
                if asked
                else f"brings a view from {_words(mentor_sector)} "
                f"(you work in {_words(mentee_sector)})",
            )
        )
    if parts["profession"] > 0:
        said.append(
            (
                parts["profession"],
                f"a different profession: {_name(problem.profession_names, mentors.profession[column])} "
                f"(yours: {_name(problem.profession_names, mentees.profession[row])})",
            )
        )
    times = _shared_times(problem, row, column)
    if parts["availability"] > 0 and times:
        said.append((parts["availability"], f"both free {times}"))
    if parts["load"] > 0:
        load, capacity = int(mentors.active_load[column]), int(mentors.capacity[column])
        said.append((parts["load"], f"has time for you: {load} of {capacity} places in use"))
    lender, borrower = int(mentors.organisation[column]), int(mentees.organisation[row])
    owed = round(float(problem.lent[borrower, lender] - problem.lent[lender, borrower]))
    if owed > 0 and parts["balance"] > 0:
        said.append(
            (
                parts["balance"],
                f"evens out time given: {_name(problem.organisation_names, lender)} has "
                f"received {owed} h more from {_name(problem.organisation_names, borrower)} "
                "than it gave",
            )
        )
    said.sort(key=lambda item: -item[0])
    return [text for _, text in said[:TOP_REASONS]], parts


def _shared_times(problem: Problem, row: int, column: int) -> str:
    """ "Tuesday mornings and Thursday afternoons": the cells the mentee stated where the mentor
    is most free, in week order ("" when there are none, or either side said nothing)."""
    mentees = problem.mentees
    if not (mentees.preferred_cells[row].any() and problem.mentors.published[column]):
        return ""
    hours = shared_hours(problem, np.array([row]), np.array([column]))[0]
    best = sorted(map(int, np.flatnonzero(hours > 0)), key=lambda k: (-hours[k], k))[:TOP_TIMES]
    if not best:
        return ""
    names = [f"{day.capitalize()} {part}s" for day, part in map(cell_name, sorted(best))]
    timezone = mentees.zones[int(mentees.zone[row])]
    return _listing(names) + ("" if timezone == DEFAULT_TIMEZONE else f" ({timezone} time)")


def unmatched_reason(problem: Problem, graph: Candidates, row: int, mode: str) -> str:
    """Why mentee `row` got no proposal, from their funnel through the hard constraints."""
    ineligible = problem.mentees.ineligible[row]
    if ineligible is not None:
        return f"you are no longer eligible for this programme: {ineligible}"
    waiting = problem.mentees.waiting[row]
    if waiting is not None:
        return waiting
    remaining = graph.remaining[row]
    left = int(remaining[-1])
    if left > 0:
        if mode == "stable":
            return (
                f"{_all(left, 'eligible')} filled their places with mentees who suited them better"
            )
        return (
            f"{_all(left, 'eligible')} {_verb(left, 'were', 'was')} needed for other pairings that fit better "
            "overall"
        )
    stage = int(np.argmax(remaining == 0))
    before = int(remaining[stage - 1]) if stage > 0 else problem.mentors.count
    return _stage_reason(problem, STAGE_CODES[stage], before)


def _stage_reason(problem: Problem, code: str, before: int) -> str:
    rules = problem.rules
    outside = " outside your organisation" if rules.cross_organisation_required else ""
    offering = f" offering {rules.modality_label}"
    if code == "shared":
        return "no mentor's profile in this programme's pool is shared with your organisation"
    if code == "self":
        return "the only mentor shared with you is yourself"
    if code == "other_organisation":
        return (
            f"{_all(before, 'shared')} {_verb(before, 'work', 'works')} in your own organisation, and "
            "this programme pairs across organisations"
        )
    if code == "modality":
        return f"no mentor{outside} offers {rules.modality_label}"
    if code == "accreditation":
        return (
            f"no mentor{outside}{offering} holds accreditation at "
            f"{rules.min_accreditation_label} level or above"
        )
    if code == "active":
        return (
            f"no mentor{outside}{offering} is taking mentees now (their profiles are paused, or "
            "their staff records or organisations are not active)"
        )
    if code == "vetting":
        return f"no mentor{outside}{offering} has current vetting"
    if code == "capacity":
        return f"no mentor{outside} offers {rules.modality_label} with capacity left"
    if code == "avoided":
        return f"{_all(before, 'eligible')} {_verb(before, 'work', 'works')} for organisations you asked to avoid"
    if code == "seniority":
        relation = "more junior" if rules.seniority_direction == "mentor_junior" else "more senior"
        return (
            f"{_none_of(before)} {relation} than you, as this "
            "programme needs (or a seniority is not recorded)"
        )
    if code == "seniority_floor":
        return (
            f"{_none_of(before)} of seniority {rules.mentor_seniority_min} or above, as this "
            "programme needs of its mentors (or a seniority is not recorded)"
        )
    if code == "discipline":
        return (
            f"{_none_of(before)} of a different profession from yours, as this programme needs "
            "(or a profession is not recorded)"
        )
    if code == "outside_system":
        return (
            f"{_none_of(before)} from outside your immediate system (another organisation in "
            "another sector), as this programme needs"
        )
    if code == "line_management":
        return (
            f"{_all(before, 'eligible')} {_verb(before, 'are', 'is')} in your line-management chain"
        )
    if code == "supervision":
        return (
            f"{_all(before, 'eligible')} {_verb(before, 'are', 'is')} your preceptor or clinical "
            "supervisor (or you are theirs)"
        )
    if code == "refused_before":
        return (
            f"{_all(before, 'eligible')} {_verb(before, 'were', 'was')} declined or rejected as your pairing "
            "before"
        )
    raise ValueError(code)


def _all(count: int, qualifier: str) -> str:
    """ "all 4 eligible mentors", or "the only eligible mentor"."""
    return f"all {count} {qualifier} mentors" if count != 1 else f"the only {qualifier} mentor"


def _none_of(count: int) -> str:
    return (
        f"none of the {count} eligible mentors is"
        if count != 1
        else "the only eligible mentor is not"
    )


def _verb(count: int, plural: str, singular: str) -> str:
    return plural if count != 1 else singular


def _name(names: list[str], code: int) -> str:
    return names[code] if 0 <= code < len(names) else "unknown"


def violation_message(problem: Problem, code: str) -> str:
    """One hard constraint a hand-made pair breaks, for the coordinator proposing it."""
    rules = problem.rules
    relation = "more junior" if rules.seniority_direction == "mentor_junior" else "more senior"
    messages = {
        "shared": "the mentor's profile is not shared with the mentee's organisation",
        "self": "the mentor and the mentee are the same person",
        "other_organisation": "the mentor and the mentee work for the same organisation, and "
        "this programme pairs across organisations",
        "modality": f"the mentor does not offer {rules.modality_label}",
        "accreditation": "the mentor's accreditation is below "
        f"{rules.min_accreditation_label} level",
        "active": "the mentor's profile is paused, or their staff record or their organisation "
        "is not active",
        "vetting": "the mentor's vetting is not approved and current (it is pending, suspended "
        "or expired)",
        "capacity": "the mentor has no capacity left, or is flagged as fatigued",
        "avoided": "the mentee asked to avoid the mentor's organisation",
        "seniority": f"the mentor is not {relation} than the mentee, as this programme needs "
        "(or a seniority is not recorded)",
        "seniority_floor": "the mentor's seniority is below "
        f"{rules.mentor_seniority_min}, the least this programme needs of its mentors (or it is "
        "not recorded)",
        "discipline": "the mentor and the mentee share a profession, and this programme needs "
        "a different discipline (or a profession is not recorded)",
        "outside_system": "the mentor works within the mentee's immediate system (the same "
        "organisation or the same sector), and this programme needs someone from outside it",
        "line_management": "one of them manages the other (directly or further up the line)",
        "supervision": "one of them is the other's preceptor or clinical supervisor",
        "refused_before": "this pair was declined or rejected before",
    }
    return messages[code]
