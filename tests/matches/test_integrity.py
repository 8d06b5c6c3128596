"""What the database itself holds a pairing to: the copies row-level security reads agree with
their source rows, and the audit trail outlives what it records."""

from __future__ import annotations

import pytest
from sqlalchemy import text
from sqlalchemy.engine import Engine
from sqlalchemy.exc import IntegrityError

from tests.identity.role_support import make_consortium
from tests.matches.conftest import MatchWorld, audit_rows


def _as_owner(owner_engine: Engine, statement: str, **parameters: object) -> None:
    with owner_engine.begin() as c:
        c.execute(text("SELECT set_config('app.all_tenants', 'on', true)"))
        c.execute(text(statement), parameters)


@pytest.mark.parametrize(
    ("column", "value_of"),
    [
        # Another organisation than the profile's: the pairing would show in the wrong tenant.
        ("mentor_organisation_id", lambda w: w.pool.gamma.id),
        ("mentor_person_id", lambda w: w.mentee.id),
        ("consortium_id", lambda w: make_consortium(w.platform, "other-net", w.pool.a.id)["id"]),
    ],
)
def test_a_pairings_copies_must_agree_with_the_profile_and_the_programme(
    world: MatchWorld, owner_engine: Engine, column: str, value_of: object
) -> None:
    match = world.proposal()
    value = value_of(world)  # type: ignore[operator]
    with pytest.raises(IntegrityError, match="fk_matches_"):
        _as_owner(
            owner_engine,
            f"UPDATE matches SET {column} = :v WHERE id = :i",
            v=value,
            i=match["id"],
        )


def test_removing_an_organisation_keeps_the_audit_trail_of_its_pairings(
    world: MatchWorld, owner_engine: Engine
) -> None:
    match = world.proposal()
    assert [e["action"] for e in audit_rows(owner_engine, match["id"])] == ["match.proposed"]
    _as_owner(owner_engine, "DELETE FROM organisations WHERE id = :o", o=world.pool.gamma.id)
    with owner_engine.begin() as c:
        c.execute(text("SELECT set_config('app.all_tenants', 'on', true)"))
        left = c.execute(text("SELECT count(*) FROM matches WHERE id = :i"), {"i": match["id"]})
        assert left.scalar_one() == 0  # the pairing went with the mentee's organisation
    [event] = audit_rows(owner_engine, match["id"])
    assert event["action"] == "match.proposed"
    assert str(event["other_organisation_id"]) == world.pool.gamma.id
