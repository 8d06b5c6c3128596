"""Who a request or job runs as, and the two places that enforce it.

1. An ORM hook adds each tenant-aware model's criteria to every SELECT, UPDATE and DELETE, and a
   flush hook refuses to write a row the principal does not own.
2. On PostgreSQL, every transaction starts with `set_config(..., is_local => true)` (SET LOCAL)
   so row-level security policies filter the same rows even if (1) is bypassed: every
   setting in one statement, sent again only when a change of principal changes them.

Code that must see across tenants (the token endpoint, the job sweeper, platform admins) runs
under `all_tenants()`, which is explicit in the code and in the RLS setting `app.all_tenants`.
"""

from __future__ import annotations

import functools
import uuid
from collections.abc import Iterator
from contextlib import AbstractContextManager, contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, field
from typing import Any, Literal

from sqlalchemy import ForeignKey, Table, event, false, text
from sqlalchemy.engine import Connection
from sqlalchemy.orm import (
    Mapped,
    ORMExecuteState,
    Session,
    SessionTransaction,
    declared_attr,
    mapped_column,
    with_loader_criteria,
)
from sqlalchemy.sql.elements import ColumnElement
from sqlalchemy.sql.util import find_tables

PrincipalKind = Literal["anonymous", "client", "person", "system"]


@dataclass(frozen=True)
class Principal:
    """The caller: an API client, a signed-in person, the system itself, or nobody."""

    kind: PrincipalKind
    id: uuid.UUID | None = None
    organisation_id: uuid.UUID | None = None
    consortium_ids: frozenset[uuid.UUID] = field(default_factory=frozenset)
    scopes: frozenset[str] = field(default_factory=frozenset)
    roles: frozenset[str] = field(default_factory=frozenset)
    all_tenants: bool = False
    name: str = ""

    @property
    def key(self) -> str:
        """A stable string naming this principal (idempotency keys, audit, job owner)."""
        return f"{self.kind}:{self.id}" if self.id else self.kind

    @property
    def display(self) -> str:
        """Who did something, as people read it in a record's *_by column (at most 200
        characters): the person's or client's name, else the key."""
        return (self.name or self.key)[:200]

    @property
    def is_platform_admin(self) -> bool:
        return "platform:admin" in self.scopes

    def has_scope(self, scope: str) -> bool:
        return scope in self.scopes or self.is_platform_admin

    def administers(self, organisation_id: uuid.UUID) -> bool:
        """Whether this principal is an org admin of `organisation_id` (or a platform admin)."""
        return self.is_platform_admin or (
            "org_admin" in self.roles and self.organisation_id == organisation_id
        )

    def coordinates(self, consortium_id: uuid.UUID) -> bool:
        """Whether this principal coordinates `consortium_id` (or is a platform admin)."""
        return self.is_platform_admin or f"coordinator:{consortium_id}" in self.roles

    @property
    def sees_whole_organisation(self) -> bool:
        """Org admins, the organisation's clients and the system acting for it see all of its
        rows of person-level things (pairings, audit events); other staff see their own."""
        return self.kind in ("client", "system") or "org_admin" in self.roles

    @property
    def coordinated_consortium_ids(self) -> frozenset[uuid.UUID]:
        """The consortia this principal coordinates (from its roles)."""
        return frozenset(
            uuid.UUID(role.partition(":")[2])
            for role in self.roles
            if role.startswith("coordinator:")
        )

    @property
    def person_id(self) -> uuid.UUID | None:
        """The signed-in person's id; None for clients, the system and nobody."""
        return self.id if self.kind == "person" else None


ANONYMOUS = Principal(kind="anonymous")
SYSTEM = Principal(kind="system", all_tenants=True, name="system")

_current: ContextVar[Principal] = ContextVar("consortium_principal", default=ANONYMOUS)


def current() -> Principal:
    return _current.get()


class TenantAware:
    """A model whose rows belong to tenants. Subclasses say which rows a principal may touch.

    The defaults fail closed: a model that forgets to override them shows nobody anything and
    lets nobody write (except under `all_tenants()`).
    """

    @classmethod
    def tenant_criteria(cls, principal: Principal) -> ColumnElement[bool]:
        """SQL criteria for the rows `principal` may see (mirrored by the RLS policy)."""
        return false()

    @classmethod
    def write_criteria(cls, principal: Principal) -> ColumnElement[bool]:
        """SQL criteria for the rows a bulk UPDATE or DELETE by `principal` may touch (the
        policy's write clause); by default the rows it sees. Models whose rows are seen more
        widely than they are written (shared on purpose) narrow this."""
        return cls.tenant_criteria(principal)

    def owned_by(self, principal: Principal) -> bool:
        """Whether `principal` may write this row (mirrored by the policy's WITH CHECK)."""
        return False


class OrganisationOwned(TenantAware):
    """Rows carrying `organisation_id`: visible to that organisation only."""

    @declared_attr
    def organisation_id(cls) -> Mapped[uuid.UUID]:
        return mapped_column(ForeignKey("organisations.id", ondelete="CASCADE"), index=True)

    @classmethod
    def tenant_criteria(cls, principal: Principal) -> ColumnElement[bool]:
        if principal.organisation_id is None:
            return false()
        return cls.organisation_id == principal.organisation_id

    def owned_by(self, principal: Principal) -> bool:
        return principal.organisation_id is not None and (
            self.organisation_id == principal.organisation_id
        )


@contextmanager
def acting_as(principal: Principal) -> Iterator[Principal]:
    """Run the block as `principal`; an open transaction gets the new RLS settings at once."""
    token = _current.set(principal)
    _reapply()
    try:
        yield principal
    finally:
        _current.reset(token)
        _reapply()


def acting_for(organisation_id: uuid.UUID, *, name: str) -> AbstractContextManager[Principal]:
    """Run the block as the system acting for one organisation (its writes are tenancy-checked).

    For work no caller is signed in for yet (a login, a seed) or done on a caller's behalf.
    """
    return acting_as(Principal(kind="system", organisation_id=organisation_id, name=name))


def all_tenants() -> AbstractContextManager[Principal]:
    """Explicitly see every tenant's rows: for the system itself, never for a client's request."""
    return acting_as(SYSTEM)


def set_principal(principal: Principal) -> None:
    """Make `principal` current for the rest of this context (a request or a job)."""
    _current.set(principal)
    _reapply()


def rls_settings(principal: Principal) -> dict[str, str]:
    """The transaction-local settings the PostgreSQL policies read."""
    return {
        "app.organisation_id": str(principal.organisation_id or ""),
        "app.consortium_ids": ",".join(sorted(str(c) for c in principal.consortium_ids)),
        "app.coordinated_ids": ",".join(
            sorted(str(c) for c in principal.coordinated_consortium_ids)
        ),
        "app.person_id": str(principal.person_id or ""),
        "app.all_tenants": "on" if principal.all_tenants else "",
    }


_SET_LOCAL = text(
    "SELECT set_config('app.organisation_id', :org, true),"
    " set_config('app.consortium_ids', :consortia, true),"
    " set_config('app.coordinated_ids', :coordinated, true),"
    " set_config('app.person_id', :person, true),"
    " set_config('app.all_tenants', :all, true)"
)


# The settings a session's transaction last received (Session.info): a switch of principal
# that leaves them as they were sends nothing. Dropped whenever a transaction or savepoint
# ends, since a rolled-back savepoint takes its settings with it.
_APPLIED = "consortium.rls_settings"


def apply_rls(connection: Connection, principal: Principal) -> None:
    """Send `principal`'s settings to the open transaction on `connection`, in one statement."""
    if connection.dialect.name != "postgresql":
        return
    values = rls_settings(principal)
    connection.execute(
        _SET_LOCAL,
        {
            "org": values["app.organisation_id"],
            "consortia": values["app.consortium_ids"],
            "coordinated": values["app.coordinated_ids"],
            "person": values["app.person_id"],
            "all": values["app.all_tenants"],
        },
    )


def _apply_if_changed(session: Session, connection: Connection, principal: Principal) -> None:
    values = rls_settings(principal)
    if session.info.get(_APPLIED) == values:
        return
    apply_rls(connection, principal)
    session.info[_APPLIED] = values


def _reapply() -> None:
    from flask import has_app_context

    if not has_app_context():
        return
    from consortium.extensions import db

    session = db.session()
    transaction = session.get_transaction()
    # A transaction a failed flush left for rollback takes no statements; the next begins
    # with the settings anyway (after_begin). One not yet connected gets them when it
    # connects (after_begin again), so asking for its connection sends them once.
    if transaction is not None and transaction.is_active:
        _apply_if_changed(session, session.connection(), current())


def _tenant_tables() -> dict[str, type[TenantAware]]:
    """Each tenant-aware model by the name of its table."""
    from consortium.core.db import Base

    return {
        table.name: m.class_
        for m in Base.registry.mappers
        if issubclass(m.class_, TenantAware)
        for table in m.tables
    }


@functools.lru_cache(maxsize=4096)
def _criteria_options(
    principal: Principal, target: str | None, tables: frozenset[str], model_count: int
) -> tuple[Any, ...]:
    """The loader criteria for one principal and the tenant tables a statement reads;
    `target` (an UPDATE's or DELETE's model) gets the write criteria. Cached: building them
    for every statement cost more than the query. (`model_count` keys the cache to the models
    mapped so far.)"""
    models = _tenant_tables()
    return tuple(
        with_loader_criteria(
            model,
            (model.write_criteria if model.__name__ == target else model.tenant_criteria)(
                principal
            ),
            include_aliases=True,
        )
        for model in dict.fromkeys(models[name] for name in sorted(tables) if name in models)
    )


def _tables_read(statement: Any) -> frozenset[str]:
    """The tables anywhere in a statement: its FROMs and joins, the tables of its columns,
    subqueries, CTEs and aliases. Only their models' criteria go on it: a criteria for an
    absent model changes nothing, but every one of them is coerced and keyed per statement
    (with all 33 models that was a third of a list request's CPU)."""
    return frozenset(
        t.name
        for t in find_tables(
            statement,
            check_columns=True,
            include_aliases=True,
            include_joins=True,
            include_selects=True,
            include_crud=True,
        )
        if isinstance(t, Table)
    )


@event.listens_for(Session, "after_begin")
def _set_local_on_begin(
    session: Session, transaction: SessionTransaction, connection: Connection
) -> None:
    # A new transaction starts with no settings; a savepoint inherits its transaction's.
    if not transaction.nested:
        session.info.pop(_APPLIED, None)
    _apply_if_changed(session, connection, current())


@event.listens_for(Session, "after_transaction_end")
def _forget_settings(session: Session, transaction: SessionTransaction) -> None:
    session.info.pop(_APPLIED, None)


@event.listens_for(Session, "do_orm_execute")
def _filter_by_tenant(state: ORMExecuteState) -> None:
    principal = current()
    if principal.all_tenants or state.is_column_load:
        return
    if not (state.is_select or state.is_update or state.is_delete):
        return
    from consortium.core.db import Base

    mapper = state.bind_mapper if (state.is_update or state.is_delete) else None
    target = mapper.class_.__name__ if mapper is not None else None
    tables = _tables_read(state.statement)
    options = _criteria_options(principal, target, tables, len(Base.registry.mappers))
    if options:
        state.statement = state.statement.options(*options)


class TenancyViolation(RuntimeError):
    """Code tried to write a row that the current principal does not own."""


@event.listens_for(Session, "before_flush")
def _refuse_foreign_writes(session: Session, _ctx: Any, _instances: Any) -> None:
    principal = current()
    if principal.all_tenants:
        return
    for obj in list(session.new) + list(session.dirty) + list(session.deleted):
        if isinstance(obj, TenantAware) and not obj.owned_by(principal):
            raise TenancyViolation(
                f"{principal.key} may not write {type(obj).__name__} {getattr(obj, 'id', '')}"
            )
