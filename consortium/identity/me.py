"""What /api/v1/me shows: who the caller is, their organisation and roles, and for a person
where their own staff record, mentor profiles and applications are."""

from __future__ import annotations

from typing import Any

from flask import url_for
from sqlalchemy import select

from consortium.core import tenancy
from consortium.extensions import db
from consortium.identity import roles
from consortium.identity.models import ApiClient
from consortium.organisations import service as organisations
from consortium.people import service as people
from consortium.pool import service as pool
from consortium.programmes import service as programmes


def describe_caller() -> dict[str, Any]:
    """The current principal as /me shows it; `person` or `client` is filled for its kind."""
    principal = tenancy.current()
    organisation = (
        organisations.get_organisation(organisation_id=principal.organisation_id)
        if principal.organisation_id
        else None
    )
    view: dict[str, Any] = {
        "kind": principal.kind,
        "id": principal.id,
        "name": principal.name,
        "organisation_id": principal.organisation_id,
        "organisation": organisation,
        "consortium_ids": sorted(principal.consortium_ids),
        "scopes": sorted(principal.scopes),
        "roles": roles.role_summary(principal),
        "person": None,
        "client": None,
        "mentor_profiles": [],
        "applications": [],
    }
    if principal.person_id is not None:
        view["person"] = people.get_person(person_id=principal.person_id)
        view["mentor_profiles"] = list(
            db.session.scalars(pool.list_profiles(person_id=principal.person_id))
        )
        view["applications"] = programmes.applications_of(person_id=principal.person_id)
    elif principal.kind == "client":
        view["client"] = db.session.scalar(select(ApiClient).where(ApiClient.id == principal.id))
    return view


def own_links(caller: dict[str, Any]) -> dict[str, Any]:
    """The API paths of a person's own records (url_for: only routes that exist)."""
    return {
        "staff_record": url_for("people.PersonItem", person_id=caller["person"].id),
        "mentor_profiles": [
            url_for("pool.MentorProfileItem", profile_id=profile.id)
            for profile in caller["mentor_profiles"]
        ],
        "applications": [
            url_for(
                "programmes.ApplicationItem",
                programme_id=application.programme_id,
                application_id=application.id,
            )
            for application in caller["applications"]
        ],
    }
