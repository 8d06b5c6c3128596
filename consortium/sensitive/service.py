"""A person's own special-category data: their declared attributes and their consents.

Everything here runs as the person it describes. The ORM criteria (and PostgreSQL's RLS policy)
show a person only their own rows; the functions below also refuse any other kind of caller, so
an organisation admin, a coordinator, an API client or the platform never reads a value.
Attribute values are never logged.
"""

from __future__ import annotations

import json
import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Select, select

from consortium.audit import service as audit
from consortium.consortia import service as consortia
from consortium.core import tenancy
from consortium.core.db import add_once, utcnow
from consortium.core.errors import Conflict, Forbidden, Invalid, NotFound
from consortium.core.security import decrypt, encrypt
from consortium.extensions import db
from consortium.people.attributes import ATTRIBUTES, LABELS, is_allowed
from consortium.programmes import service as programmes
from consortium.programmes.models import Programme
from consortium.sensitive.models import Consent, SensitiveAttributes

POSITIVE_ACTION_ELIGIBILITY = "positive_action_eligibility"
ONLY_THE_PERSON = "Special-category data is visible only to the person it describes."


def consented_attributes(*, person_id: uuid.UUID, programme_id: uuid.UUID) -> dict[str, Any] | None:
    """The person's declared attributes, if they have a valid (not withdrawn) consent to use them
    for this programme; else None.

    Runs as the applying person (their own rows only). Only what the consent covers is
    returned: the attribute the programme's positive-action rule reads, and only while the
    statement the person agreed to names it (a rule changed to another attribute after consent
    is not covered). None when there is no such valid consent or that attribute is undeclared.
    """
    try:
        programme = get_programme(programme_id=programme_id)
    except NotFound:
        return None
    attribute = _positive_action_attribute(programme)
    if attribute is None:
        return None
    consented = db.session.scalar(
        select(Consent.id).where(
            Consent.person_id == person_id,
            Consent.programme_id == programme_id,
            Consent.purpose == POSITIVE_ACTION_ELIGIBILITY,
            Consent.attribute == attribute,
            Consent.withdrawn_at.is_(None),
        )
    )
    if consented is None:
        return None
    declared = _declared(person_id=person_id)
    return {attribute: declared[attribute]} if attribute in declared else None


def _positive_action_attribute(programme: Programme) -> str | None:
    rule = (programme.eligibility or {}).get("positive_action")
    attribute = rule.get("attribute") if isinstance(rule, dict) else None
    return attribute if isinstance(attribute, str) and attribute in ATTRIBUTES else None


# --- attributes -------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Me:
    person_id: uuid.UUID
    organisation_id: uuid.UUID


def _me() -> _Me:
    """The signed-in person the data describes; anyone else (a client, the platform) is refused."""
    principal = tenancy.current()
    if (
        principal.kind != "person"
        or principal.person_id is None
        or principal.organisation_id is None
    ):
        raise Forbidden(ONLY_THE_PERSON)
    return _Me(person_id=principal.person_id, organisation_id=principal.organisation_id)


def _row(*, person_id: uuid.UUID) -> SensitiveAttributes | None:
    return db.session.scalar(
        select(SensitiveAttributes).where(SensitiveAttributes.person_id == person_id)
    )


def _declared(*, person_id: uuid.UUID) -> dict[str, Any]:
    row = _row(person_id=person_id)
    if row is None:
        return {}
    values = json.loads(decrypt(row.ciphertext))
    return {name: values[name] for name in ATTRIBUTES if values.get(name) is not None}


def get_my_attributes() -> dict[str, Any]:
    """The signed-in person's declared attributes (None for each undeclared one) and updated_at."""
    me = _me()
    row = _row(person_id=me.person_id)
    values = json.loads(decrypt(row.ciphertext)) if row is not None else {}
    return {
        **{name: values.get(name) for name in ATTRIBUTES},
        "updated_at": row.updated_at if row is not None else None,
    }


def replace_my_attributes(*, attributes: dict[str, Any]) -> dict[str, Any]:
    """Replace the signed-in person's declared attributes; return them as get_my_attributes."""
    me = _me()
    unknown = sorted(set(attributes) - set(ATTRIBUTES))
    if unknown:
        raise Invalid(f"Unknown attribute '{unknown[0]}'.", field=unknown[0])
    for name, value in attributes.items():
        if value is not None and not is_allowed(name, value):
            raise Invalid(
                f"Must be one of: {', '.join(json.dumps(a) for a in ATTRIBUTES[name])}.",
                field=name,
            )
    values = {name: attributes.get(name) for name in ATTRIBUTES}
    ciphertext = encrypt(json.dumps(values, sort_keys=True))
    row = _row(person_id=me.person_id)
    if row is None:
        row = SensitiveAttributes(
            organisation_id=me.organisation_id,
            person_id=me.person_id,
            ciphertext=ciphertext,
        )
        db.session.add(row)
    else:
        row.ciphertext = ciphertext
    db.session.flush()
    return {**values, "updated_at": row.updated_at}


def erase_my_attributes() -> None:
    """Erase the signed-in person's declared attributes (nothing to erase is not an error)."""
    me = _me()
    row = _row(person_id=me.person_id)
    if row is not None:
        db.session.delete(row)
        db.session.flush()


# --- consents ---------------------------------------------------------------------------------


def list_my_consents() -> Select[Consent]:
    """The signed-in person's consents, newest first."""
    me = _me()
    return (
        select(Consent)
        .where(Consent.person_id == me.person_id)
        .order_by(Consent.given_at.desc(), Consent.id.desc())
    )


def get_my_consent(*, consent_id: uuid.UUID, for_update: bool = False) -> Consent:
    """One of the signed-in person's consents; 404 for anyone else's."""
    me = _me()
    statement = select(Consent).where(Consent.id == consent_id, Consent.person_id == me.person_id)
    consent = db.session.scalar(statement.with_for_update() if for_update else statement)
    if consent is None:
        raise NotFound(f"No consent {consent_id}.")
    return consent


def consent_statement(*, consortium_name: str, programme_name: str, attribute: str) -> str:
    """The words a person agrees to when consenting to positive-action eligibility."""
    label = LABELS[attribute]
    return (
        f"I agree that {consortium_name} may use my declared {label} to decide whether I am "
        f"eligible for {programme_name}. I can withdraw this consent at any time, and it then "
        "stops being used at once."
    )


def give_consent(*, programme_id: uuid.UUID) -> tuple[Consent, bool]:
    """Record consent to use the person's attributes for a programme's positive action.

    Returns (consent, created): while a valid consent covering the programme's current rule
    exists it is returned unchanged; if the rule now reads another attribute, a new consent
    (naming it) is recorded.
    """
    me = _me()
    programme = get_programme(programme_id=programme_id, field="programme_id")
    attribute = _positive_action_attribute(programme)
    if attribute is None:
        raise Invalid(
            f"The programme '{programme.name}' has no positive-action rule, so there is nothing "
            "to consent to.",
            field="programme_id",
        )
    valid = select(Consent).where(
        Consent.person_id == me.person_id,
        Consent.programme_id == programme.id,
        Consent.purpose == POSITIVE_ACTION_ELIGIBILITY,
        Consent.attribute == attribute,
        Consent.withdrawn_at.is_(None),
    )
    existing = db.session.scalar(valid)
    if existing is not None:
        return existing, False
    consent = Consent(
        organisation_id=me.organisation_id,
        person_id=me.person_id,
        programme_id=programme.id,
        purpose=POSITIVE_ACTION_ELIGIBILITY,
        attribute=attribute,
        statement=consent_statement(
            consortium_name=_consortium_name(consortium_id=programme.consortium_id),
            programme_name=programme.name,
            attribute=attribute,
        ),
        given_at=utcnow(),
    )
    # A concurrent identical request may win the index: then its consent is the one.
    consent, created = add_once(db.session, consent, lambda: db.session.scalar(valid))
    if created:
        _audit_consent("consent.given", consent)
    return consent, created


def withdraw_consent(*, consent_id: uuid.UUID) -> Consent:
    """Withdraw one of the person's consents; it stops being used at once. 409 if withdrawn."""
    # Locked, so two withdrawals at once cannot both succeed.
    consent = get_my_consent(consent_id=consent_id, for_update=True)
    if consent.withdrawn_at is not None:
        raise Conflict(f"This consent was already withdrawn on {consent.withdrawn_at.isoformat()}.")
    consent.withdrawn_at = _now_after(consent.given_at)
    db.session.flush()
    _audit_consent("consent.withdrawn", consent)
    # The programme stops relying on it: e.g. an application admitted on it is withdrawn.
    programmes.withdraw_for_consent(
        person_id=consent.person_id,
        programme_id=consent.programme_id,
        attribute=consent.attribute,
    )
    return consent


def _audit_consent(action: str, consent: Consent) -> None:
    """Consent given or withdrawn, for the platform's data protection officer only: no
    organisation or consortium on the event, so no admin or coordinator reads it (that a
    person consented to a positive-action rule says something about them), and never the
    attribute, only the programme."""
    by = tenancy.current()
    with tenancy.all_tenants():
        audit.record(
            action=action,
            subject_type="consent",
            subject_id=consent.id,
            data={"programme_id": consent.programme_id, "purpose": consent.purpose},
            by=by,
        )


def _now_after(moment: datetime) -> datetime:
    now = utcnow()
    return now if now >= moment else moment


def get_programme(*, programme_id: uuid.UUID, field: str | None = None) -> Programme:
    """A programme the caller can see (through the programmes service); 404 naming `field`."""
    try:
        return programmes.get_programme(programme_id=programme_id)
    except NotFound as exc:
        raise NotFound(exc.detail, field=field) from exc


def _consortium_name(*, consortium_id: uuid.UUID) -> str:
    try:
        return consortia.get_consortium(consortium_id=consortium_id).name
    except NotFound:
        return "the consortium running this programme"
