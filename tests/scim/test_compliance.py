"""scim2-tester's RFC 7643/7644 compliance checks, run against the app in-process."""

from __future__ import annotations

from typing import Any

from flask import Flask
from scim2_client.engines.wsgi import WSGISCIMClient
from scim2_tester import Status, check_server

FAILED = {Status.ERROR, Status.CRITICAL}


def test_scim2_tester_finds_no_failure(app: Flask, scim_a: Any) -> None:
    client = WSGISCIMClient(
        app,
        base_url="http://localhost/scim/v2",
        headers={"Authorization": f"Bearer {scim_a.token}"},
    )
    results = check_server(client)

    assert len(results) > 30, results  # discovery, CRUD and every PATCH path actually ran
    failures = [
        f"{r.status.name} {r.resource_type or ''} {r.title}: {r.reason}"
        for r in results
        if r.status in FAILED
    ]
    assert not failures, "\n".join(failures)
    ran = {r.title for r in results if r.status == Status.SUCCESS}
    for check in (
        "object_creation",
        "object_query",
        "object_replacement",
        "object_deletion",
        "check_add_attribute",
        "check_replace_attribute",
        "check_remove_attribute",
        "random_url",
    ):
        assert check in ran, f"{check} did not succeed: {sorted(ran)}"
