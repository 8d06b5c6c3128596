"""Webhook tests: a receiving server on a loopback port, and the app allowed to reach it.

The private-network allowance (WEBHOOK_ALLOW_PRIVATE_NETWORKS, a test-only setting) is off
unless a test asks for `receiving`; the retry schedule is shortened to no waits so retries are
due at once.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace
from typing import Any

import pytest
from flask import Flask
from standardwebhooks import Webhook

from tests.jobs.conftest import _rq_app, rq_app, shared_redis  # noqa: F401 - fixtures
from tests.matches.conftest import world  # noqa: F401 - the pairing tests' world
from tests.pool.conftest import delta, gamma, pool  # noqa: F401 - what the world needs
from tests.webhooks.receiver import Received, Receiver, serve


def webhooks_url(organisation_id: str, *rest: str) -> str:
    return "/".join([f"/api/v1/organisations/{organisation_id}/webhooks", *rest])


@pytest.fixture(scope="session")
def _receiver() -> Iterator[Receiver]:
    yield from serve()


@pytest.fixture
def receiver(_receiver: Receiver) -> Receiver:
    _receiver.reset()
    return _receiver


def allow(app: Flask, monkeypatch: pytest.MonkeyPatch, **settings: Any) -> None:
    changed = replace(app.config["SETTINGS"], **settings)
    monkeypatch.setitem(app.config, "SETTINGS", changed)


@pytest.fixture
def receiving(app: Flask, receiver: Receiver, monkeypatch: pytest.MonkeyPatch) -> Receiver:
    """The app allowed to deliver to the loopback receiver; two retries, due at once."""
    allow(app, monkeypatch, webhook_allow_private_networks=True, webhook_retry_schedule=(0, 0))
    return receiver


def create_endpoint(caller: Any, organisation_id: str, url: str, *events: str) -> dict[str, Any]:
    response = caller.post(
        webhooks_url(organisation_id), json={"url": url, "event_types": list(events)}
    )
    assert response.status_code == 201, response.get_json()
    return dict(response.get_json())


def verified(received: Received, secret: str) -> dict[str, Any]:
    """The delivery's payload, verified as a receiver does with the standardwebhooks library."""
    payload: dict[str, Any] = Webhook(secret).verify(received.body, received.headers)
    return payload


def deliveries(caller: Any, organisation_id: str, endpoint_id: str) -> list[dict[str, Any]]:
    response = caller.get(webhooks_url(organisation_id, endpoint_id, "deliveries"))
    assert response.status_code == 200, response.get_json()
    return list(response.get_json())
