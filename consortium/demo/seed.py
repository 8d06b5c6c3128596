"""The demo consortium `make run` serves: two consortia, five employers, their staff.

Idempotent: found by slug, email or client id, anything already there is left as it is,
except the organisations' SSO settings, which follow PUBLIC_BASE_URL and SECRET_KEY (the
development identity provider's issuer, redirect URIs and client secrets derive from them).
"""

from __future__ import annotations

import hashlib
import hmac
from typing import Any

from flask import current_app
from sqlalchemy import select

from consortium.consortia import service as consortia
from consortium.consortia.models import Consortium
from consortium.core import tenancy
from consortium.core.security import hash_secret, secret_matches
from consortium.demo.evaluation import PROGRAMME as PAST_PROGRAMME
from consortium.demo.evaluation import seed_evaluation
from consortium.demo.ledger import seed_ledger
from consortium.demo.pool import seed_pool
from consortium.extensions import db
from consortium.identity import sso
from consortium.identity.models import ApiClient, RoleAssignment
from consortium.organisations import service as organisations
from consortium.organisations.models import Organisation
from consortium.people import service as people
from consortium.people.models import Person

DEV_CLIENT_ID = "dev-platform"

CONSORTIA = [
    ("West Yorkshire ICS Coaching and Mentoring Network", "west-yorkshire-ics", "coordinator"),
    ("Humber Blue Light Mentoring Partnership", "humber-blue-light", "coordinator_and_home_org"),
]
ORGANISATIONS: list[dict[str, Any]] = [
    {
        "name": "Leeds Teaching Hospitals NHS Trust",
        "slug": "leeds-teaching-hospitals",
        "sector": "health",
        "ods_code": "RR8",
        "email_domains": ["nhs.net"],
        "consortia": ["west-yorkshire-ics"],
    },
    {
        "name": "West Yorkshire Police",
        "slug": "west-yorkshire-police",
        "sector": "police",
        "email_domains": ["westyorkshire.police.uk"],
        "consortia": ["west-yorkshire-ics", "humber-blue-light"],
    },
    {
        "name": "West Yorkshire Fire and Rescue Service",
        "slug": "west-yorkshire-fire",
        "sector": "fire",
        "email_domains": ["westyorksfire.gov.uk"],
        "consortia": ["west-yorkshire-ics", "humber-blue-light"],
    },
    {
        "name": "Bradford Metropolitan District Council",
        "slug": "bradford-council",
        "sector": "local_authority",
        "email_domains": ["bradford.gov.uk"],
        "consortia": ["west-yorkshire-ics"],
    },
    {
        "name": "Hull Collegiate Academy Trust",
        "slug": "hull-collegiate",
        "sector": "education",
        "email_domains": ["hullcollegiate.org.uk"],
        "consortia": ["humber-blue-light"],
    },
]
# (given, family, job title, profession, seniority) per organisation; the first manages the rest.
STAFF: dict[str, list[tuple[str, str, str, str, int]]] = {
    "leeds-teaching-hospitals": [
        ("Amara", "Okafor", "Director of Nursing", "nursing", 9),
        ("Tom", "Hughes", "Ward Manager", "nursing", 7),
        ("Priya", "Shah", "Staff Nurse", "nursing", 5),
    ],
    "west-yorkshire-police": [
        ("Helen", "Barker", "Chief Superintendent", "policing", 8),
        ("Daniel", "Reid", "Sergeant", "policing", 5),
        ("Kofi", "Mensah", "Police Constable", "policing", 3),
    ],
    "west-yorkshire-fire": [
        ("Sarah", "Lindqvist", "Group Manager", "firefighting", 7),
        ("Ravi", "Patel", "Crew Manager", "firefighting", 4),
    ],
    "bradford-council": [
        ("Nadia", "Hussain", "Head of Children's Services", "social_work", 8),
        ("Ben", "Walsh", "Social Worker", "social_work", 5),
    ],
    "hull-collegiate": [
        ("Grace", "Adeyemi", "Headteacher", "teaching", 8),
        ("Liam", "Foster", "Teacher", "teaching", 4),
    ],
}


def dev_client_secret() -> str:
    """A development-only secret derived from SECRET_KEY, so `make run` can print it each time."""
    key = current_app.config["SECRET_KEY"].encode()
    return hmac.new(key, b"consortium dev platform client", hashlib.sha256).hexdigest()


def seed() -> str:
    with tenancy.all_tenants():
        by_slug = {c.slug: c for c in db.session.scalars(select(Consortium))}
        for name, slug, policy in CONSORTIA:
            if slug not in by_slug:
                by_slug[slug] = consortia.create_consortium(
                    name=name, slug=slug, approval_policy=policy
                )
        for spec in ORGANISATIONS:
            spec = dict(spec)
            memberships = spec.pop("consortia")
            org = db.session.scalar(select(Organisation).where(Organisation.slug == spec["slug"]))
            if org is None:
                org = organisations.create_organisation(**spec)
            member_of = consortia.consortium_ids_of(org.id)
            for slug in memberships:
                if by_slug[slug].id not in member_of:
                    consortia.add_member(consortium_id=by_slug[slug].id, organisation_id=org.id)
            _seed_staff(org)
            if current_app.config["ENV_NAME"] == "development":
                _seed_sso(org)
        _seed_roles(by_slug)
        pool = seed_pool(by_slug["west-yorkshire-ics"])
        ledger = seed_ledger(by_slug["west-yorkshire-ics"])
        evaluated = seed_evaluation(by_slug["west-yorkshire-ics"])
        client = db.session.scalar(select(ApiClient).where(ApiClient.client_id == DEV_CLIENT_ID))
        if client is None:
            db.session.add(
                ApiClient(
                    organisation_id=None,
                    name="Development platform admin",
                    client_id=DEV_CLIENT_ID,
                    secret_hash=hash_secret(dev_client_secret()),
                    scopes=["platform:admin"],
                )
            )
        elif not secret_matches(dev_client_secret(), client.secret_hash):
            client.secret_hash = hash_secret(dev_client_secret())  # SECRET_KEY changed
        db.session.commit()
        counts = {
            "consortia": len(by_slug),
            "organisations": len(db.session.scalars(select(Organisation)).all()),
            "people": len(db.session.scalars(select(Person)).all()),
        }
    return (
        f"Demo data: {counts['consortia']} consortia, {counts['organisations']} organisations, "
        f"{counts['people']} people, {pool['profiles']} mentor profiles, "
        f"{pool['programmes']} programmes, {pool['applications']} applications, "
        f"{ledger} hours on the reciprocity ledger, "
        f"{evaluated} evaluated pairings in {PAST_PROGRAMME['name']}.\n"
        f"Sign in as any demo person at {current_app.config['ISSUER']}/ (or go straight to "
        f"{current_app.config['ISSUER']}/auth/sso/{ORGANISATIONS[0]['slug']}/login).\n"
        f"Development platform client (paste into /docs → Authorize):\n"
        f"  client_id:     {DEV_CLIENT_ID}\n  client_secret: {dev_client_secret()}"
    )


def _seed_sso(org: Organisation) -> None:
    """Point the organisation at the development identity provider (mounted by `make run`).

    Stored again whenever what it should say changed (PUBLIC_BASE_URL, hence the issuer and
    redirect URI, or SECRET_KEY, hence the client secret), so `make run PORT=5300` after a
    run on another port signs in on the new one."""
    from consortium.devidp import demo
    from consortium.devidp.provider import Provider

    client_id = demo.CLIENT_PREFIX + org.slug
    sso.store_configuration_if_changed(
        organisation_id=org.id,
        issuer=demo.issuer(),
        client_id=client_id,
        client_secret=demo.client_secret(client_id),
        email_domains=[],
        metadata=Provider(demo.issuer(), lambda _: []).metadata(),
    )


def _seed_roles(consortia_by_slug: dict[str, Consortium]) -> None:
    """Each organisation's first person is its admin; each consortium's first member's, its coordinator."""
    existing = {
        (r.person_id, r.role, r.consortium_id) for r in db.session.scalars(select(RoleAssignment))
    }

    def first_person(organisation_id: Any) -> Person | None:
        return db.session.scalar(
            select(Person)
            .where(Person.organisation_id == organisation_id)
            .order_by(Person.created_at, Person.id)
            .limit(1)
        )

    for org in db.session.scalars(select(Organisation).order_by(Organisation.name)):
        admin = first_person(org.id)
        if admin and (admin.id, "org_admin", None) not in existing:
            db.session.add(
                RoleAssignment(organisation_id=org.id, person_id=admin.id, role="org_admin")
            )
    for consortium in consortia_by_slug.values():
        members = consortia.list_members(consortium_id=consortium.id)
        if not members:
            continue
        coordinator = first_person(members[0]["organisation"].id)
        if coordinator and (coordinator.id, "coordinator", consortium.id) not in existing:
            db.session.add(
                RoleAssignment(
                    organisation_id=coordinator.organisation_id,
                    person_id=coordinator.id,
                    role="coordinator",
                    consortium_id=consortium.id,
                )
            )
    db.session.flush()


def _seed_staff(org: Organisation) -> None:
    manager_id = None
    domain = org.email_domains[0]
    for given, family, title, profession, seniority in STAFF[org.slug]:
        email = f"{given}.{family}@{domain}".lower()
        with tenancy.acting_for(org.id, name="seed"):
            person = db.session.scalar(select(Person).where(Person.email == email))
            if person is None:
                person = people.create_person(
                    given_name=given,
                    family_name=family,
                    email=email,
                    job_title=title,
                    profession=profession,
                    seniority=seniority,
                    line_manager_id=manager_id,
                )
        manager_id = manager_id or person.id
