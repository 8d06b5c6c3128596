"""SCIM filters (RFC 7644 §3.4.2.2), parsed by scim2-models, turned into SQL over people.

Supported: `eq` on userName, externalId and id, joined with `and`/`or`: what IdPs send to find
a user before provisioning it. Anything else is refused with scimType invalidFilter.
"""

from __future__ import annotations

import uuid
from typing import Any

from scim2_models import InvalidFilterException, ScimFilter
from scim2_models.path import (
    CompareOperator,
    Comparison,
    FilterVisitor,
    LogicalExpr,
    LogicalOperator,
    Not,
    Present,
    ValuePath,
)
from sqlalchemy import and_, false, or_
from sqlalchemy.sql.elements import ColumnElement

from consortium.core.db import unstorable
from consortium.people.models import Person

SUPPORTED = 'userName eq "…", externalId eq "…" or id eq "…", joined with and/or'


def _unsupported(what: str) -> InvalidFilterException:
    return InvalidFilterException(
        detail=f"This service does not support {what} in filters; it supports {SUPPORTED}."
    )


class PersonCriteria(FilterVisitor[ColumnElement[bool]]):
    """Translate a filter bound to our User model into SQLAlchemy criteria on Person."""

    def __init__(self, scim_filter: ScimFilter[Any]) -> None:
        self.scim_filter = scim_filter

    def visit_comparison(self, node: Comparison) -> ColumnElement[bool]:
        if node.op != CompareOperator.eq:
            raise _unsupported(f"the operator '{node.op.value}'")
        binding = self.scim_filter.resolve_comparison(node.attr_path)
        field = binding.field_name if binding and not binding.sub_field_name else None
        if not isinstance(node.value, str) or unstorable(node.value):
            raise InvalidFilterException(detail=f"Compare {node.attr_path} with a string.")
        if field == "user_name":
            return Person.email == node.value.strip().lower()
        if field == "external_id":
            return Person.external_id == node.value
        if field == "id":
            try:
                return Person.id == uuid.UUID(node.value)
            except ValueError:
                return false()  # not one of our ids: matches nothing
        raise _unsupported(f"the attribute '{node.attr_path}'")

    def visit_logical_expr(self, node: LogicalExpr) -> ColumnElement[bool]:
        terms = [self.visit(term) for term in node.terms]
        return and_(*terms) if node.op == LogicalOperator.and_ else or_(*terms)

    def visit_not(self, node: Not) -> ColumnElement[bool]:
        raise _unsupported("'not'")

    def visit_present(self, node: Present) -> ColumnElement[bool]:
        raise _unsupported("the operator 'pr'")

    def visit_value_path(self, node: ValuePath) -> ColumnElement[bool]:
        raise _unsupported("value paths ([…])")


def person_criteria(scim_filter: ScimFilter[Any]) -> ColumnElement[bool]:
    """SQL criteria selecting the people `scim_filter` matches."""
    return PersonCriteria(scim_filter).visit(scim_filter.ast)
