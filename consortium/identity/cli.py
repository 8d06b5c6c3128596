"""`flask platform ...`: operator commands run on the server."""

from __future__ import annotations

import json

import click
from flask.cli import AppGroup

from consortium.core import tenancy
from consortium.core.errors import DomainError
from consortium.extensions import db
from consortium.identity import service

platform = AppGroup("platform", help="Operate the platform: clients and tenants.")


@platform.command("create-client")
@click.option("--name", required=True, help="Who the client is for, e.g. 'ops team'.")
@click.option("--scope", "scopes", multiple=True, required=True, help="A scope; repeat for more.")
def create_client(name: str, scopes: tuple[str, ...]) -> None:
    """Create a platform API client and print its id and secret as JSON."""
    with tenancy.all_tenants():
        try:
            issued = service.create_client(name=name, scopes=list(scopes), organisation_id=None)
        except DomainError as exc:
            raise click.ClickException(exc.detail) from exc
        db.session.commit()
    click.echo(
        json.dumps({"client_id": issued.client.client_id, "client_secret": issued.client_secret})
    )
