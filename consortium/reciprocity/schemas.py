"""The reciprocity ledger as the API shows it, and the period it is asked for."""

from __future__ import annotations

from typing import Any

import marshmallow as ma

from consortium.core.api import Schema

EXAMPLE_ORG = "8d2f1c3e-4b5a-4f6e-9a7b-2c1d0e9f8a7b"


class LedgerQuerySchema(Schema):
    start = ma.fields.Date(
        data_key="from",
        metadata={
            "description": "The first day of the period (default: 364 days before `to`).",
            "example": "2026-01-01",
        },
    )
    end = ma.fields.Date(
        data_key="to",
        metadata={
            "description": "The last day of the period, included (default: today, UTC).",
            "example": "2026-12-31",
        },
    )

    @ma.validates_schema
    def _in_order(self, data: dict[str, Any], **_: Any) -> None:
        if data.get("start") and data.get("end") and data["start"] > data["end"]:
            raise ma.ValidationError("to must be on or after from.", field_name="to")


class LedgerOrganisationSchema(Schema):
    id = ma.fields.UUID(metadata={"example": EXAMPLE_ORG})
    name = ma.fields.String(metadata={"example": "Riverside NHS Foundation Trust"})


class FiguresSchema(Schema):
    organisation = ma.fields.Nested(LedgerOrganisationSchema)
    hours_given = ma.fields.Float(
        metadata={
            "description": "Hours its staff mentored other employers' staff.",
            "example": 42.5,
        }
    )
    hours_received = ma.fields.Float(
        metadata={"description": "Hours its staff were mentored by others'.", "example": 30.0}
    )
    balance = ma.fields.Float(
        metadata={"description": "Given minus received: above 0, it gave more.", "example": 12.5}
    )


class LedgerLineSchema(FiguresSchema):
    member = ma.fields.Boolean(
        metadata={"description": "Still a member (one that left keeps its hours here)."}
    )
    counterparts = ma.fields.List(
        ma.fields.Nested(FiguresSchema),
        allow_none=True,
        metadata={
            "description": "The line by counterpart organisation: hours given to and received "
            "from each. Shown for your own organisation's line (coordinators: every line); "
            "null for the others', which show totals only."
        },
    )


class LedgerSchema(Schema):
    """Mentoring hours each organisation gave and received in the consortium over a period,
    booked from held sessions (the mentor's employer gives to the mentee's)."""

    consortium_id = ma.fields.UUID()
    start = ma.fields.Date(data_key="from", metadata={"example": "2026-01-01"})
    end = ma.fields.Date(data_key="to", metadata={"example": "2026-12-31"})
    total_hours = ma.fields.Float(metadata={"example": 72.5})
    organisations = ma.fields.List(ma.fields.Nested(LedgerLineSchema))
