"""The concerns table's policy alone: connected as the runtime role, with no ORM hook, only
the person who raised a concern and the consortium's coordinators (but the pairing's two
people) read it; an organisation's admin, its clients and the other person read nothing."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import Engine

from tests.concerns.conftest import active, raise_concern
from tests.matches.conftest import MatchWorld

SETTINGS = ("app.organisation_id", "app.coordinated_ids", "app.person_id", "app.all_tenants")


@pytest.fixture
def runtime_engine(runtime_url: str) -> Iterator[Engine]:
    engine = create_engine(runtime_url)
    yield engine
    engine.dispose()


def _seen(engine: Engine, **settings: str) -> list[str]:
    with engine.begin() as c:
        for name in SETTINGS:
            c.execute(
                text("SELECT set_config(:n, :v, true)"),
                {"n": name, "v": settings.get(name.removeprefix("app."), "")},
            )
        return [str(r[0]) for r in c.execute(text("SELECT id FROM concerns"))]


def test_only_the_raiser_and_the_coordinators_but_the_pair_read_a_concern(
    world: MatchWorld, runtime_engine: Engine
) -> None:
    concern = raise_concern(world.mentee, active(world))
    pool = world.pool
    network = world.network_id
    mine = [concern["id"]]
    # The raiser, and a coordinator of the consortium.
    assert _seen(runtime_engine, organisation_id=pool.gamma.id, person_id=world.mentee.id) == mine
    assert (
        _seen(
            runtime_engine,
            organisation_id=pool.delta.id,
            person_id=world.coordinator.id,
            coordinated_ids=network,
        )
        == mine
    )
    # The other person, even coordinating the consortium; the mentee's organisation as a
    # whole (an admin, a client: no person); the raiser's id claimed from another organisation.
    for settings in (
        {"organisation_id": pool.a.id, "person_id": world.mentor.id},
        {"organisation_id": pool.a.id, "person_id": world.mentor.id, "coordinated_ids": network},
        {"organisation_id": pool.gamma.id},
        {"organisation_id": pool.gamma.id, "coordinated_ids": network},
        {"organisation_id": pool.a.id, "person_id": world.mentee.id},
        {},
    ):
        assert _seen(runtime_engine, **settings) == [], settings
    assert _seen(runtime_engine, all_tenants="on") == mine
