"""Outbound webhooks through the API, delivered to a real HTTP server and verified with the
standardwebhooks library, as a partner's receiver would."""

from __future__ import annotations

import itertools
import json
import socket
import uuid
from typing import Any

import pytest
from flask import Flask
from sqlalchemy import text
from sqlalchemy.engine import Engine
from standardwebhooks import Webhook
from standardwebhooks.webhooks import WebhookVerificationError

from tests.api.helpers import assert_problem
from tests.conftest import ApiClient
from tests.factories import Tenant, create_person, organisation_client
from tests.matches.conftest import MatchWorld
from tests.pool.conftest import mail_jobs
from tests.webhooks.conftest import allow, create_endpoint, deliveries, verified, webhooks_url
from tests.webhooks.receiver import Receiver


def retry_due(app: Flask) -> int:
    """What the scheduler does every 30 s: queue the retries that are due (run inline here)."""
    from consortium.webhooks.jobs import queue_due_deliveries_now

    with app.app_context():
        return queue_due_deliveries_now()


def endpoint_of(caller: Any, organisation_id: str, endpoint_id: str) -> dict[str, Any]:
    response = caller.get(webhooks_url(organisation_id, endpoint_id))
    assert response.status_code == 200, response.get_json()
    return dict(response.get_json())


# --- delivery, signature, isolation -----------------------------------------------------------


def test_a_delivery_is_signed_per_standard_webhooks_and_reaches_only_its_tenant(
    receiving: Receiver, tenant_a: Tenant, tenant_b: Tenant
) -> None:
    a = create_endpoint(tenant_a.api, tenant_a.id, receiving.url("/a"), "person.provisioned")
    b = create_endpoint(tenant_b.api, tenant_b.id, receiving.url("/b"), "person.provisioned")

    person = create_person(tenant_a.api, "new.starter@alpha-trust.example.org")

    (got,) = receiving.at("/a")
    assert receiving.at("/b") == []  # org B never hears of org A's staff
    payload = verified(got, a["secret"])
    assert payload["type"] == "person.provisioned"
    assert payload["data"] == {
        "organisation_id": tenant_a.id,
        "person_id": person["id"],
        "status": "active",
        "external_id": None,
    }
    assert got.headers["webhook-id"].startswith("msg_")
    # Another endpoint's secret does not verify it: the signature is the endpoint's own.
    with pytest.raises(WebhookVerificationError):
        Webhook(b["secret"]).verify(got.body, got.headers)
    (delivery,) = deliveries(tenant_a.api, tenant_a.id, a["id"])
    assert delivery["status"] == "succeeded"
    assert (delivery["attempts"], delivery["response_status"]) == (1, 200)
    assert delivery["message_id"] == got.headers["webhook-id"]
    assert delivery["delivered_at"] and delivery["next_attempt_at"] is None
    assert deliveries(tenant_b.api, tenant_b.id, b["id"]) == []


def test_an_endpoint_gets_only_the_event_types_it_subscribed_to(
    receiving: Receiver, tenant_a: Tenant
) -> None:
    create_endpoint(tenant_a.api, tenant_a.id, receiving.url("/left"), "person.deprovisioned")
    person = create_person(tenant_a.api, "leaver@alpha-trust.example.org")
    assert receiving.received == []
    url = f"/api/v1/people/{person['id']}"
    etag = tenant_a.api.get(url).headers["ETag"]
    response = tenant_a.api.patch(url, json={"status": "inactive"}, headers={"If-Match": etag})
    assert response.status_code == 200, response.get_json()
    (got,) = receiving.at("/left")
    assert json.loads(got.body)["type"] == "person.deprovisioned"


def test_a_pairing_across_two_organisations_tells_each_only_its_own_side(
    receiving: Receiver, world: MatchWorld
) -> None:
    a, g, d = world.pool.a, world.pool.gamma, world.pool.delta
    events = ("match.proposed", "match.approved")
    mentor_side = create_endpoint(a.api, a.id, receiving.url("/mentor-org"), *events)
    mentee_side = create_endpoint(g.api, g.id, receiving.url("/mentee-org"), *events)
    create_endpoint(d.api, d.id, receiving.url("/coordinator-org"), *events)

    match = world.proposal()

    (to_mentor_org,) = receiving.at("/mentor-org")
    (to_mentee_org,) = receiving.at("/mentee-org")
    # The coordinator's organisation is party to neither side of the pairing.
    assert receiving.at("/coordinator-org") == []
    mentor_view = verified(to_mentor_org, mentor_side["secret"])["data"]
    mentee_view = verified(to_mentee_org, mentee_side["secret"])["data"]
    shared = {
        "match_id": match["id"],
        "status": "proposed",
        "programme_id": world.programme["id"],
        "mentor_organisation_id": a.id,
        "mentee_organisation_id": g.id,
    }
    assert shared.items() <= mentor_view.items() and shared.items() <= mentee_view.items()
    assert mentor_view["mentor_person_id"] == world.mentor.id
    assert "mentee_person_id" not in mentor_view  # the other organisation's person
    assert mentee_view["mentee_person_id"] == world.mentee.id
    assert "mentor_person_id" not in mentee_view
    assert mentor_view["organisation_id"] == a.id and mentee_view["organisation_id"] == g.id
    # Two organisations, two messages.
    assert to_mentor_org.headers["webhook-id"] != to_mentee_org.headers["webhook-id"]


# --- retries, disabling, re-delivery -------------------------------------------------------------


def test_a_failed_delivery_is_retried_with_the_same_id_until_it_succeeds(
    receiving: Receiver, tenant_a: Tenant
) -> None:
    endpoint = create_endpoint(
        tenant_a.api, tenant_a.id, receiving.url("/flaky"), "person.provisioned"
    )
    receiving.answers["/flaky"] = [500]

    create_person(tenant_a.api, "retry.me@alpha-trust.example.org")

    (delivery,) = deliveries(tenant_a.api, tenant_a.id, endpoint["id"])
    assert (delivery["status"], delivery["attempts"], delivery["response_status"]) == (
        "retrying",
        1,
        500,
    )
    assert delivery["error"] == "The webhook endpoint answered HTTP 500."
    assert delivery["next_attempt_at"]

    assert retry_due(receiving_app(tenant_a)) == 1

    (delivery,) = deliveries(tenant_a.api, tenant_a.id, endpoint["id"])
    assert (delivery["status"], delivery["attempts"], delivery["response_status"]) == (
        "succeeded",
        2,
        200,
    )
    first, second = receiving.at("/flaky")
    assert first.headers["webhook-id"] == second.headers["webhook-id"] == delivery["message_id"]
    assert verified(first, endpoint["secret"]) == verified(second, endpoint["secret"])
    assert retry_due(receiving_app(tenant_a)) == 0  # nothing left to retry


def receiving_app(tenant: Tenant) -> Flask:
    app: Flask = tenant.api.client.application
    return app


def test_when_the_retries_run_out_the_endpoint_is_disabled_the_admins_told_and_redelivery_works(
    receiving: Receiver,
    tenant_a: Tenant,
    platform: ApiClient,
    owner_engine: Engine,
) -> None:
    admin = tenant_a.person  # made the organisation's admin, to be told
    response = platform.post(
        f"/api/v1/organisations/{tenant_a.id}/admins", json={"person_id": admin["id"]}
    )
    assert response.status_code == 201, response.get_json()
    endpoint = create_endpoint(
        tenant_a.api, tenant_a.id, receiving.url("/down"), "person.provisioned"
    )
    receiving.answers["/down"] = [503, 503, 503]

    create_person(tenant_a.api, "first@alpha-trust.example.org")
    app = receiving_app(tenant_a)
    assert retry_due(app) == 1
    assert retry_due(app) == 1  # the schedule (0, 0): three attempts in all

    (delivery,) = deliveries(tenant_a.api, tenant_a.id, endpoint["id"])
    assert (delivery["status"], delivery["attempts"]) == ("failed", 3)
    shown = endpoint_of(tenant_a.api, tenant_a.id, endpoint["id"])
    assert shown["enabled"] is False and shown["disabled_at"]
    assert "failed 3 times" in shown["disabled_reason"] and "HTTP 503" in shown["disabled_reason"]
    (told,) = mail_jobs(owner_engine, admin["email"])
    assert told["arguments"]["subject"] == f"Webhook endpoint disabled: {receiving.url('/down')}"
    assert "enabled" in told["arguments"]["body"]

    # Disabled: new events are not delivered, and re-delivery waits for it to be enabled.
    create_person(tenant_a.api, "second@alpha-trust.example.org")
    assert len(receiving.at("/down")) == 3
    redeliver = webhooks_url(tenant_a.id, endpoint["id"], "deliveries", delivery["id"], "redeliver")
    assert_problem(tenant_a.api.post(redeliver), 409)

    url = webhooks_url(tenant_a.id, endpoint["id"])
    etag = tenant_a.api.get(url).headers["ETag"]
    response = tenant_a.api.patch(url, json={"enabled": True}, headers={"If-Match": etag})
    assert response.status_code == 200, response.get_json()
    assert response.get_json()["disabled_reason"] is None

    response = tenant_a.api.post(redeliver)
    assert response.status_code == 202, response.get_json()
    again = response.get_json()
    assert (
        again["redelivery_of"] == delivery["id"] and again["message_id"] == delivery["message_id"]
    )
    fourth = receiving.at("/down")[-1]
    assert fourth.headers["webhook-id"] == delivery["message_id"]
    assert verified(fourth, endpoint["secret"])["type"] == "person.provisioned"
    shown = tenant_a.api.get(webhooks_url(tenant_a.id, endpoint["id"], "deliveries", again["id"]))
    assert (shown.get_json()["status"], shown.get_json()["attempts"]) == ("succeeded", 1)


# --- the outbound guard ---------------------------------------------------------------------------


def test_private_addresses_are_refused_without_the_allowance(
    app: Flask, receiver: Receiver, tenant_a: Tenant, monkeypatch: pytest.MonkeyPatch
) -> None:
    assert not app.config["SETTINGS"].webhook_allow_private_networks
    for url in (
        receiver.url("/x"),
        "https://localhost/hooks",
        "https://169.254.169.254/latest/meta-data/",
        "https://[::1]/hooks",
    ):
        response = tenant_a.api.post(
            webhooks_url(tenant_a.id), json={"url": url, "event_types": ["person.provisioned"]}
        )
        assert_problem(response, 422)
        assert [e["field"] for e in response.get_json()["errors"]] == ["url"], url

    # A name is resolved at each delivery: one that resolves to the loopback receiver is
    # refused then, and nothing connects to it.
    real = socket.getaddrinfo

    def resolving(host: str, port: Any, *args: Any, **kw: Any) -> Any:
        if host == "hooks.partner.example.org":
            return [(socket.AF_INET, socket.SOCK_STREAM, 6, "", ("127.0.0.1", port))]
        return real(host, port, *args, **kw)

    monkeypatch.setattr(socket, "getaddrinfo", resolving)
    sneaky = f"http://hooks.partner.example.org:{receiver.port}/x"
    endpoint = create_endpoint(tenant_a.api, tenant_a.id, sneaky, "person.provisioned")
    create_person(tenant_a.api, "probe@alpha-trust.example.org")
    (delivery,) = deliveries(tenant_a.api, tenant_a.id, endpoint["id"])
    assert delivery["status"] == "retrying" and delivery["response_status"] is None
    assert "private or reserved network" in delivery["error"]
    assert receiver.received == []


def test_private_networks_cannot_be_allowed_in_production() -> None:
    from consortium.config import ConfigError, Settings

    production = {"CONSORTIUM_ENV": "production", "SECRET_KEY": "s" * 40}
    settings = Settings.from_env(production)
    assert not settings.webhook_allow_private_networks and not settings.sso_allow_private_networks
    for name in ("WEBHOOK_ALLOW_PRIVATE_NETWORKS", "SSO_ALLOW_PRIVATE_NETWORKS"):
        with pytest.raises(ConfigError, match=name):
            Settings.from_env({**production, name: "true"})
    assert Settings.from_env({"CONSORTIUM_ENV": "development"}).sso_allow_private_networks
    assert not Settings.from_env({"CONSORTIUM_ENV": "test"}).sso_allow_private_networks
    custom = Settings.from_env({"WEBHOOK_RETRY_SCHEDULE": "1,2,3"})
    assert custom.webhook_retry_schedule == (1, 2, 3)
    with pytest.raises(ConfigError, match="WEBHOOK_RETRY_SCHEDULE"):
        Settings.from_env({"WEBHOOK_RETRY_SCHEDULE": "soon"})
    # The default waits back off exponentially and end within a day.
    default = Settings.from_env({}).webhook_retry_schedule
    assert all(later > earlier for earlier, later in itertools.pairwise(default))
    assert sum(default) <= 24 * 3600


# --- the API: secrets, input, who may --------------------------------------------------------------


def test_the_secret_is_shown_once_and_stored_encrypted(
    receiving: Receiver, tenant_a: Tenant, owner_engine: Engine
) -> None:
    body = {"url": receiving.url("/once"), "event_types": ["person.provisioned"]}
    key = {"Idempotency-Key": str(uuid.uuid4())}
    response = tenant_a.api.post(webhooks_url(tenant_a.id), json=body, headers=key)
    assert response.status_code == 201, response.get_json()
    created = response.get_json()
    secret = created["secret"]
    assert secret.startswith("whsec_")
    Webhook(secret)  # a secret the library accepts
    assert "secret" not in endpoint_of(tenant_a.api, tenant_a.id, created["id"])
    listed = tenant_a.api.get(webhooks_url(tenant_a.id)).get_json()
    assert [e["id"] for e in listed] == [created["id"]] and "secret" not in listed[0]
    with owner_engine.connect() as c:
        stored = c.execute(text("SELECT secret_encrypted FROM webhook_endpoints")).scalar_one()
        replays = c.execute(text("SELECT response_body FROM idempotency_keys")).scalars().all()
    assert secret not in stored and secret.removeprefix("whsec_") not in stored
    assert all(secret not in (r or "") for r in replays)
    # The repeat is refused rather than replayed without the secret.
    repeat = tenant_a.api.post(webhooks_url(tenant_a.id), json=body, headers=key)
    assert_problem(repeat, 422)
    assert created["id"] in repeat.get_json()["detail"]


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"url": "https://hooks.example.org/x", "event_types": ["match.exploded"]}, "event_types"),
        ({"url": "https://hooks.example.org/x", "event_types": []}, "event_types"),
        ({"url": "https://hooks.example.org/x"}, "event_types"),
        ({"url": "ftp://hooks.example.org/x", "event_types": ["match.active"]}, "url"),
        ({"url": "https://me:pw@hooks.example.org/x", "event_types": ["match.active"]}, "url"),
        ({"event_types": ["match.active"]}, "url"),
        (
            {
                "url": "https://hooks.example.org/x",
                "event_types": ["match.active"],
                "secret": "mine",
            },
            "secret",
        ),
    ],
)
def test_bad_input_is_a_problem_naming_the_field(
    tenant_a: Tenant, body: dict[str, Any], field: str
) -> None:
    response = tenant_a.api.post(webhooks_url(tenant_a.id), json=body)
    assert_problem(response, 422)
    named = [e["field"].split(".")[0] for e in response.get_json()["errors"]]
    assert field in named, response.get_json()


def test_a_bad_change_is_a_problem_naming_the_field(tenant_a: Tenant) -> None:
    endpoint = create_endpoint(
        tenant_a.api, tenant_a.id, "https://hooks.example.org/x", "match.active"
    )
    url = webhooks_url(tenant_a.id, endpoint["id"])
    etag = tenant_a.api.get(url).headers["ETag"]
    for change, field in (
        ({"event_types": ["nope"]}, "event_types.0"),
        ({"url": "https://127.0.0.1/x"}, "url"),
        ({"enabled": "sometimes"}, "enabled"),
    ):
        response = tenant_a.api.patch(url, json=change, headers={"If-Match": etag})
        assert_problem(response, 422)
        assert [e["field"] for e in response.get_json()["errors"]] == [field]
    assert_problem(tenant_a.api.patch(url, json={"enabled": False}), 428)
    assert tenant_a.api.get(url).headers["ETag"] == etag  # unchanged


def test_only_the_organisations_admins_and_its_clients_with_the_scope_manage_its_webhooks(
    tenant_a: Tenant, tenant_b: Tenant, platform: ApiClient
) -> None:
    endpoint = create_endpoint(
        tenant_a.api, tenant_a.id, "https://hooks.example.org/a", "match.active"
    )
    own = webhooks_url(tenant_a.id, endpoint["id"])
    # Another organisation's endpoint is 404 to its client, under either organisation's path.
    assert_problem(tenant_b.api.get(own), 404)
    assert_problem(tenant_b.api.get(webhooks_url(tenant_a.id)), 404)
    assert_problem(tenant_b.api.get(webhooks_url(tenant_b.id, endpoint["id"])), 404)
    # A client of the organisation without webhooks:manage may not.
    reader = organisation_client(platform, tenant_a.id, scopes=["people:read"])
    assert_problem(reader.get(webhooks_url(tenant_a.id)), 403)
    # Deleting takes If-Match; then it is gone.
    etag = tenant_a.api.get(own).headers["ETag"]
    assert tenant_a.api.delete(own, headers={"If-Match": etag}).status_code == 204
    assert_problem(tenant_a.api.get(own), 404)


# --- through a real worker --------------------------------------------------------------------------


@pytest.mark.slow
def test_a_delivery_goes_through_redis_and_a_real_worker(
    rq_app: Flask,
    shared_redis: Any,
    runtime_url: str,
    tenant_a: Tenant,
    receiver: Receiver,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from tests.jobs.conftest import api_on
    from tests.jobs.support import run_burst_worker, worker_env

    allow(rq_app, monkeypatch, webhook_allow_private_networks=True)
    api = api_on(rq_app, tenant_a)
    endpoint = create_endpoint(api, tenant_a.id, receiver.url("/worker"), "person.provisioned")
    person = create_person(api, "via.worker@alpha-trust.example.org")
    (waiting,) = deliveries(api, tenant_a.id, endpoint["id"])
    assert (waiting["status"], waiting["attempts"]) == ("pending", 0)
    assert receiver.received == []  # queued in Redis, not sent by the web process

    env = worker_env(runtime_url, shared_redis.url)
    env["WEBHOOK_ALLOW_PRIVATE_NETWORKS"] = "1"  # the receiver is on a loopback port
    run_burst_worker(env)

    (got,) = receiver.at("/worker")
    assert verified(got, endpoint["secret"])["data"]["person_id"] == person["id"]
    (delivery,) = deliveries(api, tenant_a.id, endpoint["id"])
    assert (delivery["status"], delivery["attempts"], delivery["response_status"]) == (
        "succeeded",
        1,
        200,
    )


def test_an_application_made_and_withdrawn_is_told_to_the_applicants_organisation_only(
    receiving: Receiver, world: MatchWorld
) -> None:
    g, a = world.pool.gamma, world.pool.a
    events = ("application.status_changed",)
    endpoint = create_endpoint(g.api, g.id, receiving.url("/applicants"), *events)
    create_endpoint(a.api, a.id, receiving.url("/mentors"), *events)
    programme, application = world.programme["id"], world.application["id"]
    url = f"/api/v1/programmes/{programme}/applications/{application}/withdraw"
    response = world.mentee.post(url)
    assert response.status_code == 200, response.get_json()

    (got,) = receiving.at("/applicants")
    assert receiving.at("/mentors") == []
    payload = verified(got, endpoint["secret"])
    assert payload["type"] == "application.status_changed"
    assert payload["data"] == {
        "organisation_id": g.id,
        "application_id": application,
        "programme_id": programme,
        "person_id": world.mentee.id,
        "status": "withdrawn",
        "previous_status": "open",
    }
