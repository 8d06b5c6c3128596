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
    # shared with the mentee's organisation, an inactive mentor, vetting, eligibility, a pair
    # refused before.
    overridable: bool
    # Whose records it speaks of: "mentor", "mentee" or "pair" (see candidates.Stage).
    about: str


def check_pair(
    *,
    programme: Programme,
    application: Application,
    profile: MentorProfile,
    holding_place: bool = False,
) -> list[Violation]:
    """Every hard constraint the pair breaks (empty: the engine could have proposed it).

    `holding_place`: the pair's pairing exists and holds one of the mentor's places (it is
    being re-checked), so that place does not count against the mentor's capacity.
    """
    problem = load(
        programme,
        application_ids=[application.id],
        profile_ids=[profile.id],
        places_held={profile.id: 1} if holding_place else None,
    )
    if problem.mentors.count == 0:
        return [
            Violation(
                "shared",
                "mentor_profile_id",
                "the mentor's organisation is not a member of this programme's consortium",
                False,
                "mentor",
            )
        ]
    if problem.mentees.count == 0:
        return [
            Violation(
                "application", "application_id", "the application is not open", False, "mentee"
            )
        ]
    out = []
    ineligible = problem.mentees.ineligible[0]
    if ineligible is not None:
        out.append(
            Violation(
                "eligibility",
                "application_id",
                f"the mentee is no longer eligible for this programme: {ineligible}",
                False,
                "mentee",
            )
        )
    waiting = problem.mentees.waiting[0]
    if waiting is not None:
        out.append(Violation("protected_time", "application_id", waiting, False, "mentee"))
    for stage in violations(problem, 0, 0):
        out.append(
            Violation(
                stage.code,
                stage.field,
                violation_message(problem, stage.code),
                stage.overridable,
                stage.about,
            )
        )
    return out
