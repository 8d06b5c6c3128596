"""Coach care: a mentor's load, recent sessions and fatigue (consortium.pool.care).

Pairings and sessions are written through the ORM as the matching engine and booking would;
`care.recount_load` keeps `active_load` (proposed, approved and active pairings); the profile
then shows the figures, `capacity_left`, and answers the `has_capacity` filter.
"""

from __future__ import annotations

import uuid
from datetime import date, timedelta
from typing import Any

import pytest
from flask import Flask

from consortium.pool.care import Limits, assess
from tests.pool.conftest import (
    Load,
    Person,
    PoolWorld,
    create_profile,
    get_ok,
    give_load,
    listed_ids,
    set_limits,
    url,
)

# --- care.assess: the pure rule ------------------------------------------------------------

TODAY = date(2026, 6, 15)
LIMITS = Limits(max_active_load=3, max_sessions_90_days=10, supervision_interval_days=30)


def _assess(**kw: Any) -> Any:
    values: dict[str, Any] = {
        "active_load": 0,
        "sessions_last_90_days": 0,
        "last_supervision_on": TODAY,
        "limits": LIMITS,
        "today": TODAY,
    }
    values.update(kw)
    return assess(**values)


@pytest.mark.parametrize(
    ("active_load", "sessions", "fatigued", "reasons"),
    [
        (0, 0, False, 0),
        (3, 10, False, 0),  # equal to the limits: not fatigued
        (4, 10, True, 1),  # one pairing more
        (3, 11, True, 1),  # one session more
        (4, 11, True, 2),
        (50, 0, True, 1),
    ],
)
def test_assess_flags_fatigue_only_past_the_limits(
    active_load: int, sessions: int, fatigued: bool, reasons: int
) -> None:
    result = _assess(active_load=active_load, sessions_last_90_days=sessions)
    assert result.fatigued is fatigued
    assert len(result.fatigue_reasons) == reasons
    assert (result.active_load, result.sessions_last_90_days) == (active_load, sessions)
    assert result.limits == LIMITS


def test_assess_says_why() -> None:
    result = _assess(active_load=4, sessions_last_90_days=11)
    load_reason, session_reason = result.fatigue_reasons
    assert "4" in load_reason and "3" in load_reason and "pairings" in load_reason
    assert "11" in session_reason and "10" in session_reason and "90 days" in session_reason


@pytest.mark.parametrize(
    ("last", "due"),
    [
        (None, True),  # never supervised
        (TODAY, False),
        (TODAY - timedelta(days=29), False),
        (TODAY - timedelta(days=31), True),
        (TODAY - timedelta(days=365), True),
    ],
)
def test_assess_supervision_due(last: date | None, due: bool) -> None:
    result = _assess(last_supervision_on=last)
    assert result.supervision_due is due
    assert result.last_supervision_on == last
    assert result.supervision_due_on == (last + timedelta(days=30) if last else None)


def test_assess_supervision_falls_due_exactly_one_interval_after_the_last() -> None:
    """Documented: due this many days after the last logged supervision."""
    assert _assess(last_supervision_on=TODAY - timedelta(days=29)).supervision_due is False
    result = _assess(last_supervision_on=TODAY - timedelta(days=30))
    assert result.supervision_due is True
    assert result.supervision_due_on == TODAY


def test_default_limits() -> None:
    assert Limits() == Limits(6, 24, 90)


# --- through the API -----------------------------------------------------------------------


def _load(pool: PoolWorld, profile: dict[str, Any], load: Load) -> None:
    give_load(
        pool.app,
        profile,
        consortium_id=pool.network_id,
        mentee=pool.gamma.person,
        mentee_organisation_id=pool.gamma.id,
        load=load,
    )


def test_a_new_profile_carries_no_load(mentor: Person) -> None:
    profile = create_profile(mentor, capacity=3)
    care = profile["care"]
    assert (care["active_load"], care["sessions_last_90_days"]) == (0, 0)
    assert (care["fatigued"], care["fatigue_reasons"]) == (False, [])
    assert care["limits"] == {
        "max_active_load": 6,
        "max_sessions_90_days": 24,
        "supervision_interval_days": 90,
    }
    assert profile["capacity_left"] == 3


def test_load_past_the_consortiums_limit_flags_fatigue(
    pool: PoolWorld, mentor: Person, admin_a: Person, gamma_staff: Person
) -> None:
    set_limits(pool.platform, pool.network_id, max_active_load=2)
    profile = create_profile(mentor, capacity=4, sharing={"scope": "consortium"})
    admin_a.post(url(profile, "/release"))

    # Two places held (one active, one proposed); finished pairings hold none.
    _load(pool, profile, Load(matches=["active", "proposed", "completed", "declined", "closed"]))
    shown = get_ok(mentor, url(profile))
    assert shown["care"]["active_load"] == 2
    assert shown["care"]["fatigued"] is False  # equal to the limit
    assert shown["capacity_left"] == 2
    assert get_ok(gamma_staff, url(profile))["capacity_left"] == 2

    _load(pool, profile, Load(matches=["approved"]))
    shown = get_ok(mentor, url(profile))
    assert shown["care"]["active_load"] == 3
    assert shown["care"]["fatigued"] is True
    assert len(shown["care"]["fatigue_reasons"]) == 1
    assert "pairings" in shown["care"]["fatigue_reasons"][0]
    assert shown["capacity_left"] == 1

    # Full: capacity_left 0 (never negative), and has_capacity sorts it.
    _load(pool, profile, Load(matches=["active", "active"]))
    shown = get_ok(mentor, url(profile))
    assert shown["care"]["active_load"] == 5
    assert shown["capacity_left"] == 0
    roomy = create_profile(pool.sign_in(pool.a, "Rhi", "Roomy"), capacity=1)
    for viewer in (mentor, pool.platform):
        assert listed_ids(viewer, has_capacity="false") == {profile["id"]}
        assert listed_ids(viewer, has_capacity="true") == {roomy["id"]}
    assert listed_ids(gamma_staff, has_capacity="false") == {profile["id"]}
    assert listed_ids(gamma_staff, has_capacity="true") == set()


def test_recent_held_sessions_past_the_limit_flag_fatigue(pool: PoolWorld, mentor: Person) -> None:
    set_limits(pool.platform, pool.network_id, max_sessions_90_days=3)
    profile = create_profile(mentor)
    # Only held sessions that started within the last 90 days count.
    _load(
        pool,
        profile,
        Load(
            sessions=[
                ("held", 1),
                ("held", 45),
                ("held", 89),
                ("held", 91),  # too old
                ("held", 200),  # too old
                ("scheduled", 2),
                ("cancelled", 3),
                ("no_show", 4),
                ("held", -2),  # in the future: not held yet, whatever its status says
            ]
        ),
    )
    care = get_ok(mentor, url(profile))["care"]
    assert care["sessions_last_90_days"] == 3
    assert care["fatigued"] is False  # equal to the limit
    assert care["active_load"] == 0  # the sessions' pairing is completed

    _load(pool, profile, Load(sessions=[("held", 10)]))
    care = get_ok(mentor, url(profile))["care"]
    assert care["sessions_last_90_days"] == 4
    assert care["fatigued"] is True
    assert len(care["fatigue_reasons"]) == 1
    assert "sessions" in care["fatigue_reasons"][0]
    assert get_ok(mentor, url(profile))["capacity_left"] == 2  # sessions hold no places


def test_an_organisation_in_two_consortia_gets_the_strictest_limits(
    pool: PoolWorld, mentor: Person
) -> None:
    set_limits(
        pool.platform,
        pool.network_id,
        max_active_load=5,
        max_sessions_90_days=4,
        supervision_interval_days=60,
    )
    second = pool.consortium("second-network", pool.a, pool.delta)
    set_limits(
        pool.platform,
        second["id"],
        max_active_load=1,
        max_sessions_90_days=40,
        supervision_interval_days=120,
    )
    profile = create_profile(mentor, capacity=5)
    care = get_ok(mentor, url(profile))["care"]
    assert care["limits"] == {
        "max_active_load": 1,
        "max_sessions_90_days": 4,
        "supervision_interval_days": 60,
    }
    _load(pool, profile, Load(matches=["active", "active"]))
    care = get_ok(mentor, url(profile))["care"]
    assert care["fatigued"] is True  # 2 > 1 from the second network, though 2 <= 5 in the first

    # gamma is only in the first network: its mentors get the first network's limits.
    gamma_mentor = pool.sign_in(pool.gamma, "Gwen", "Gammamentor")
    gamma_profile = create_profile(gamma_mentor)
    assert get_ok(gamma_mentor, url(gamma_profile))["care"]["limits"]["max_active_load"] == 5
    # tenant_b is in no consortium: the defaults.
    outsider = pool.sign_in(pool.b, "Otto", "Outsider")
    b_profile = create_profile(outsider)
    assert get_ok(outsider, url(b_profile))["care"]["limits"] == {
        "max_active_load": 6,
        "max_sessions_90_days": 24,
        "supervision_interval_days": 90,
    }


def test_care_figures_are_only_in_the_full_view(
    pool: PoolWorld, mentor: Person, admin_a: Person, gamma_staff: Person
) -> None:
    profile = create_profile(mentor, sharing={"scope": "consortium"})
    admin_a.post(url(profile, "/release"))
    _load(pool, profile, Load(matches=["active"], sessions=[("held", 3)]))
    public = get_ok(gamma_staff, url(profile))
    assert "care" not in public
    assert public["capacity_left"] == 1


def test_recount_load_counts_across_tenants(app: Flask, pool: PoolWorld, mentor: Person) -> None:
    """The pairing rows belong to the pair (tenant_a and gamma); the recount sees them all and
    ignores other mentors' pairings."""
    profile = create_profile(mentor, capacity=3)
    other = create_profile(pool.sign_in(pool.a, "Olu", "Other"), capacity=3)
    _load(pool, other, Load(matches=["active", "active"]))
    _load(pool, profile, Load(matches=["active"]))
    assert get_ok(mentor, url(profile))["care"]["active_load"] == 1
    assert get_ok(pool.platform, url(other))["care"]["active_load"] == 2

    from consortium.core import tenancy
    from consortium.extensions import db
    from consortium.pool import care

    # Recounting with nothing changed, or for no profiles, changes nothing.
    with app.app_context(), tenancy.all_tenants():
        care.recount_load(profile_ids=[])
        care.recount_load(profile_ids=[uuid.UUID(profile["id"])])
        db.session.commit()
    assert get_ok(mentor, url(profile))["care"]["active_load"] == 1
