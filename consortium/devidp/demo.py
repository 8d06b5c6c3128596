"""The development provider as `make run` mounts it: every active organisation is a client.

Client ids are `dev-{org slug}`, secrets are derived from SECRET_KEY, and the people who may
sign in are that organisation's active staff records (subject `dev|{person id}`).
"""

from __future__ import annotations

import hashlib
import hmac
from typing import Any

from flask import Flask, current_app
from sqlalchemy import select

from consortium.core import tenancy
from consortium.devidp.provider import Client, Provider, blueprint
from consortium.extensions import db
from consortium.identity import authentication
from consortium.organisations.models import Organisation
from consortium.people.models import Person

URL_PREFIX = "/dev-idp"
CLIENT_PREFIX = "dev-"


def issuer() -> str:
    return current_app.config["ISSUER"] + URL_PREFIX


def client_secret(client_id: str) -> str:
    key = current_app.config["SECRET_KEY"].encode()
    return hmac.new(key, b"consortium dev idp " + client_id.encode(), hashlib.sha256).hexdigest()


class DemoProvider(Provider):
    def find_client(self, client_id: str) -> Client | None:
        slug = client_id.removeprefix(CLIENT_PREFIX)
        if not client_id.startswith(CLIENT_PREFIX) or _organisation(slug) is None:
            return None
        return Client(
            client_id=client_id,
            client_secret=client_secret(client_id),
            redirect_uris=[f"{current_app.config['ISSUER']}/auth/sso/{slug}/callback"],
        )


def _organisation(slug: str) -> Organisation | None:
    with tenancy.all_tenants():
        return db.session.scalar(
            select(Organisation).where(Organisation.slug == slug, Organisation.status == "active")
        )


def _people(client_id: str) -> list[dict[str, Any]]:
    organisation = _organisation(client_id.removeprefix(CLIENT_PREFIX))
    if organisation is None:
        return []
    with tenancy.acting_for(organisation.id, name="dev-idp"):
        staff = db.session.scalars(
            select(Person)
            .where(Person.status == "active")
            .order_by(Person.family_name, Person.given_name)
        )
        return [
            {
                "sub": f"dev|{p.id}",
                "email": p.email,
                "email_verified": True,
                "given_name": p.given_name,
                "family_name": p.family_name,
            }
            for p in staff
        ]


def mount(app: Flask) -> DemoProvider:
    provider = DemoProvider(app.config["ISSUER"] + URL_PREFIX, _people)
    app.register_blueprint(blueprint(provider, url_prefix=URL_PREFIX))
    authentication.exempt("devidp")  # its token endpoint takes HTTP Basic client credentials
    app.extensions["consortium.devidp"] = provider
    return provider
