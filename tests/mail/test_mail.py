"""Mail leaves through the job queue: to the log by default, or to a real SMTP server."""

from __future__ import annotations

import logging
import socket
from collections.abc import Iterator
from typing import Any

import pytest
from aiosmtpd.controller import Controller
from flask import Flask

from consortium.core import mail, tenancy
from consortium.extensions import db
from tests.conftest import make_settings


class _Inbox:
    def __init__(self) -> None:
        self.messages: list[Any] = []

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        self.messages.append(envelope)
        return "250 OK"


@pytest.fixture
def smtp_server() -> Iterator[tuple[_Inbox, int]]:
    inbox = _Inbox()
    with socket.socket() as probe:  # a free port (aiosmtpd's own start-up check needs a real one)
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    controller = Controller(inbox, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        yield inbox, port
    finally:
        controller.stop()


def _send(app: Flask) -> None:
    with app.app_context(), tenancy.all_tenants():
        mail.queue(to="sam@example.org", subject="Hello", body="Line one.", organisation_id=None)
        db.session.commit()  # the job runs inline after commit


def test_without_a_mail_url_the_message_is_logged(
    app: Flask, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.INFO, logger="consortium.core.mail"):
        _send(app)
    logged = [r.getMessage() for r in caplog.records if r.name == "consortium.core.mail"]
    assert logged and "sam@example.org" in logged[0] and "Line one." in logged[0]


def test_with_a_mail_url_the_message_goes_to_the_smtp_server(
    runtime_url: str, smtp_server: tuple[_Inbox, int]
) -> None:
    from consortium import create_app

    inbox, port = smtp_server
    app = create_app(make_settings(runtime_url, mail_url=f"smtp://127.0.0.1:{port}"))
    _send(app)
    assert len(inbox.messages) == 1
    message = inbox.messages[0]
    assert message.rcpt_tos == ["sam@example.org"]
    content = message.content.decode()
    assert "Subject: Hello" in content and "Line one." in content


def test_nothing_is_sent_when_the_transaction_rolls_back(
    runtime_url: str, smtp_server: tuple[_Inbox, int]
) -> None:
    from consortium import create_app

    inbox, port = smtp_server
    app = create_app(make_settings(runtime_url, mail_url=f"smtp://127.0.0.1:{port}"))
    with app.app_context(), tenancy.all_tenants():
        mail.queue(to="sam@example.org", subject="Never", body="x", organisation_id=None)
        db.session.rollback()
    assert inbox.messages == []


def test_attachments_reach_the_smtp_server_with_their_parameters(
    runtime_url: str, smtp_server: tuple[_Inbox, int]
) -> None:
    from email import message_from_bytes, policy

    from consortium import create_app

    inbox, port = smtp_server
    app = create_app(make_settings(runtime_url, mail_url=f"smtp://127.0.0.1:{port}"))
    invitation = "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nMETHOD:REQUEST\r\nEND:VCALENDAR\r\n"
    with app.app_context(), tenancy.all_tenants():
        mail.queue(
            to="sam@example.org",
            subject="Invitation",
            body="See the attachment.",
            organisation_id=None,
            attachments=[
                {
                    "filename": "session.ics",
                    "content_type": "text/calendar; method=REQUEST",
                    "content": invitation,
                }
            ],
        )
        db.session.commit()
    (envelope,) = inbox.messages
    message = message_from_bytes(envelope.content, policy=policy.default)
    assert message.get_body(("plain",)).get_content().strip() == "See the attachment."
    (part,) = list(message.iter_attachments())
    assert part.get_content_type() == "text/calendar"
    assert part.get_param("method") == "REQUEST"
    assert part.get_filename() == "session.ics"
    assert part.get_content() == invitation


def test_a_logged_message_names_its_attachments(
    app: Flask, caplog: pytest.LogCaptureFixture
) -> None:
    attachment: mail.Attachment = {
        "filename": "a.ics",
        "content_type": "text/calendar",
        "content": "x",
    }
    with (
        caplog.at_level(logging.INFO, logger="consortium.core.mail"),
        app.app_context(),
        tenancy.all_tenants(),
    ):
        mail.queue(
            to="sam@example.org",
            subject="Hello",
            body="Line one.",
            organisation_id=None,
            attachments=[attachment],
        )
        db.session.commit()
    logged = [r.getMessage() for r in caplog.records if r.name == "consortium.core.mail"]
    assert logged and "[attached: a.ics]" in logged[0]
