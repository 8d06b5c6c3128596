"""Time the CSV staff import end to end (HTTP → job → database) on a scratch PostgreSQL database.

    .venv/bin/python bench/people_import.py [--rows 2000]

Prints seconds for a first import (every row created, managers linked) and for re-importing the
same file (every row unchanged). Needs PostgreSQL at TEST_DATABASE_URL (as for `make test`).
"""

from __future__ import annotations

import sys
from pathlib import Path

# Drop this script's folder from the path: bench/http.py would stand in for the standard
# library's `http`, which nearly everything imports.
HERE = Path(__file__).resolve().parent
sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != HERE]
sys.path.insert(0, str(HERE.parent))

import argparse  # noqa: E402
import base64  # noqa: E402
import os  # noqa: E402
import time  # noqa: E402

from sqlalchemy import create_engine, make_url, text  # noqa: E402

from consortium import create_app  # noqa: E402
from consortium.cli import alembic_config, grant_runtime_role  # noqa: E402
from consortium.config import Settings  # noqa: E402
from consortium.core import tenancy  # noqa: E402
from consortium.extensions import db  # noqa: E402
from consortium.identity import service  # noqa: E402

ADMIN_URL = os.environ.get("TEST_DATABASE_URL", "postgresql://postgres@127.0.0.1:5432/postgres")
DATABASE = "consortium_bench"
ROLE = "consortium_app"


def scratch_database() -> tuple[str, str]:
    from alembic import command

    admin = create_engine(ADMIN_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as c:
        c.execute(text(f'DROP DATABASE IF EXISTS "{DATABASE}" WITH (FORCE)'))
        c.execute(text(f'CREATE DATABASE "{DATABASE}"'))
        if not c.execute(text("SELECT 1 FROM pg_roles WHERE rolname = :r"), {"r": ROLE}).first():
            c.execute(text(f"CREATE ROLE {ROLE} LOGIN NOSUPERUSER NOBYPASSRLS"))
    owner = make_url(ADMIN_URL).set(database=DATABASE).render_as_string(hide_password=False)
    runtime = make_url(owner).set(username=ROLE, password=None).render_as_string(hide_password=False)
    command.upgrade(alembic_config(owner), "head")
    grant_runtime_role(migration_url=owner, runtime_url=runtime)
    return owner, runtime


def token(client, client_id: str, secret: str) -> str:  # type: ignore[no-untyped-def]
    basic = base64.b64encode(f"{client_id}:{secret}".encode()).decode()
    response = client.post("/oauth/token", data={"grant_type": "client_credentials"}, headers={"Authorization": f"Basic {basic}"})
    return str(response.get_json()["access_token"])


def csv_of(rows: int) -> str:
    lines = ["given_name,family_name,email,job_title,profession,seniority,line_manager_email,external_id"]
    for i in range(rows):
        manager = f"p{(i - 1) // 10}@bench.example.org" if i else ""  # ten reports per manager
        lines.append(f"Given{i},Family{i},p{i}@bench.example.org,Nurse,nursing,{1 + i % 9},{manager},ESR-{i}")
    return "\n".join(lines) + "\n"


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, default=2000)
    rows = parser.parse_args().rows
    _, runtime = scratch_database()
    app = create_app(Settings.from_env({}, env="test", database_url=runtime, jobs_inline=True, log_level="WARNING", secret_key="bench-secret-key-that-is-long-enough-123"))
    client = app.test_client()
    with app.app_context(), tenancy.all_tenants():
        issued = service.create_client(name="bench", scopes=["platform:admin"], organisation_id=None)
        db.session.commit()
        platform_id, platform_secret = issued.client.client_id, issued.client_secret
    platform = {"Authorization": f"Bearer {token(client, platform_id, platform_secret)}"}
    org = client.post("/api/v1/organisations", json={"name": "Bench Trust", "slug": "bench", "sector": "health", "email_domains": ["bench.example.org"]}, headers=platform).get_json()
    issued_org = client.post(f"/api/v1/organisations/{org['id']}/api-clients", json={"name": "hr", "scopes": ["people:write", "people:read", "jobs:read"]}, headers=platform).get_json()
    headers = {"Authorization": f"Bearer {token(client, issued_org['client_id'], issued_org['client_secret'])}", "Content-Type": "text/csv"}
    body = csv_of(rows)
    for label in ("first import", "re-import (unchanged)"):
        started = time.perf_counter()
        job = client.post("/api/v1/people/import", data=body, headers=headers).get_json()
        result = client.get(f"/api/v1/jobs/{job['id']}", headers=headers).get_json()
        elapsed = time.perf_counter() - started
        counts = {k: result["result"][k] for k in ("created", "updated", "unchanged", "failed")}
        print(f"{label:24} {rows:6d} rows  {elapsed:7.2f} s  {rows / elapsed:7.0f} rows/s  {counts}")


if __name__ == "__main__":
    main()
