"""Checking one hand-made pair against the engine's hard constraints (the same masks)."""

from __future__ import annotations

from dataclasses import dataclass

from consortium.matching.candidates import violations
from consortium.matching.load import load
from consortium.matching.reasons import violation_message
from consortium.pool.models import MentorProfile
from consortium.programmes.models import Application, Programme


@dataclass(frozen=True)
class Violation:
    code: str
    field: str
    message: str
    # A coordinator may override it with a recorded reason; never: oneself, a profile not
    # shared with the mentee's organisation, vetting, eligibility, a pair refused before.
    overridable: bool


def check_pair(
    *, programme: Programme, application: Application, profile: MentorProfile
) -> list[Violation]:
    """Every hard constraint the pair breaks (empty: the engine could have proposed it)."""
    problem = load(programme, application_ids=[application.id], profile_ids=[profile.id])
    if problem.mentors.count == 0:
        return [
            Violation(
                "shared",
                "mentor_profile_id",
                "the mentor's organisation is not a member of this programme's consortium",
                False,
            )
        ]
    if problem.mentees.count == 0:
        return [Violation("application", "application_id", "the application is not open", False)]
    out = []
    ineligible = problem.mentees.ineligible[0]
    if ineligible is not None:
        out.append(
            Violation(
                "eligibility",
                "application_id",
                f"the mentee is no longer eligible for this programme: {ineligible}",
                False,
            )
        )
    for stage in violations(problem, 0, 0):
        out.append(
            Violation(
                stage.code, stage.field, violation_message(problem, stage.code), stage.overridable
            )
        )
    return out
