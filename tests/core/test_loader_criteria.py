"""The ORM tenancy hook puts criteria only on the tenant tables a statement reads, so it must
find every one of them: in joins, subqueries, EXISTS, CTEs, aliases, unions and the WHERE of
an UPDATE. On SQLite the hook is the only filter (no row-level security), so a table it missed
would show another tenant's rows: each statement shape below is run there, as one tenant's
client, against rows of two tenants.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from typing import Any

import pytest
from sqlalchemy import create_engine, exists, func, select, union_all, update
from sqlalchemy.orm import Session, aliased

from consortium.core import tenancy
from consortium.core.tenancy import Principal, _tables_read
from consortium.organisations.models import Organisation
from consortium.people.models import Person

ORG_A, ORG_B = uuid.uuid4(), uuid.uuid4()
CLIENT_A = Principal(kind="client", id=uuid.uuid4(), organisation_id=ORG_A, name="client of A")


@pytest.fixture(scope="module")
def session() -> Iterator[Session]:
    engine = create_engine("sqlite://")
    tables = [Organisation.__table__, Person.__table__]
    Organisation.metadata.create_all(engine, tables=tables)
    with Session(engine) as s, tenancy.all_tenants():
        for k, org in enumerate((ORG_A, ORG_B)):
            s.add(Organisation(id=org, name=f"Org {k}", slug=f"org-{k}", sector="health"))
            s.flush()
            for j in range(3 + k):  # A has 3 people, B 4
                s.add(
                    Person(
                        organisation_id=org,
                        given_name="P",
                        family_name=f"{k}-{j}",
                        email=f"p{j}@org{k}.example.org",
                    )
                )
        s.commit()
    with Session(engine) as s:
        yield s
    engine.dispose()


def _as_client_of_a(session: Session, statement: Any) -> list[Any]:
    with tenancy.acting_as(CLIENT_A):
        rows = list(session.execute(statement).all())
    session.rollback()
    return rows


def test_the_whole_table_as_everyone_and_as_one_tenant(session: Session) -> None:
    with tenancy.all_tenants():
        assert session.scalar(select(func.count()).select_from(Person)) == 7
    assert _as_client_of_a(session, select(func.count()).select_from(Person)) == [(3,)]


def test_a_tenant_table_read_only_in_a_subquery_is_filtered(session: Session) -> None:
    statement = select(func.count()).where(Person.organisation_id.in_(select(Organisation.id)))
    assert _as_client_of_a(session, statement) == [(3,)]
    # Organisations in a subquery only: B's is not seen, so none of B's people are named.
    people_of_seen = select(Person.family_name).where(
        Person.organisation_id.in_(select(Organisation.id))
    )
    with tenancy.all_tenants():
        organisations_seen_by_a = _as_client_of_a(session, select(Organisation.id))
    assert organisations_seen_by_a == [(ORG_A,)]
    assert sorted(r[0] for r in _as_client_of_a(session, people_of_seen)) == [
        "0-0",
        "0-1",
        "0-2",
    ]


@pytest.mark.parametrize(
    "shape",
    ["join", "exists", "cte", "alias", "union", "scalar subquery", "subquery in FROM"],
)
def test_every_statement_shape_sees_only_the_tenant(session: Session, shape: str) -> None:
    manager = aliased(Person)
    cte = select(Person.id, Person.organisation_id).cte("staff")
    inner = select(Person.organisation_id).subquery()
    statements = {
        "join": select(Person.organisation_id).join(
            Organisation, Organisation.id == Person.organisation_id
        ),
        "exists": select(Organisation.id).where(
            exists().where(Person.organisation_id == Organisation.id)
        ),
        "cte": select(cte.c.organisation_id),
        "alias": select(manager.organisation_id),
        "union": union_all(select(Person.organisation_id), select(Organisation.id)),
        "scalar subquery": select(select(func.count()).select_from(Person).scalar_subquery()),
        "subquery in FROM": select(inner.c.organisation_id),
    }
    rows = _as_client_of_a(session, statements[shape])
    assert rows, shape
    values = [r[0] for r in rows]
    if shape == "scalar subquery":
        assert values == [3]
    else:
        assert set(values) == {ORG_A}, shape


def test_an_update_reaches_only_the_tenant_rows_even_through_a_subquery(
    session: Session,
) -> None:
    with tenancy.acting_as(CLIENT_A):
        session.execute(
            update(Person)
            .where(Person.organisation_id.in_(select(Organisation.id)))
            .values(job_title="updated")
            .execution_options(synchronize_session=False)
        )
        with tenancy.all_tenants():
            titles = dict(
                session.execute(
                    select(Person.organisation_id, func.count())
                    .where(Person.job_title == "updated")
                    .group_by(Person.organisation_id)
                ).all()
            )
    session.rollback()
    assert titles == {ORG_A: 3}


def test_the_tables_a_statement_reads() -> None:
    from consortium.matches.models import Match
    from consortium.pool.models import MentorProfile

    staff = select(Match.mentee_id).cte("staff")
    assert _tables_read(select(Person.id).join(staff, staff.c.mentee_id == Person.id)) == {
        "people",
        "matches",
    }
    assert _tables_read(
        select(Person).where(exists().where(MentorProfile.person_id == Person.id))
    ) == {"people", "mentor_profiles"}
    assert _tables_read(select(aliased(Organisation).id)) == {"organisations"}
