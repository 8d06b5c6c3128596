"""Outgoing mail, sent by a job so a message follows only a committed change.

`queue()` writes the job in the caller's transaction (the outbox); the job sends through SMTP
when MAIL_URL is set, and otherwise writes the message to the log (development and tests).
"""

from __future__ import annotations

import logging
import smtplib
import uuid
from email.message import EmailMessage
from typing import Any
from urllib.parse import unquote, urlsplit

from flask import current_app

from consortium.core.jobs import Job, enqueue, job

log = logging.getLogger(__name__)


def queue(*, to: str, subject: str, body: str, organisation_id: uuid.UUID | None) -> Job:
    """Send a plain-text message once the current transaction commits."""
    from consortium.extensions import db

    return enqueue(
        db.session, "mail.send", tenant_id=organisation_id, to=to, subject=subject, body=body
    )


@job("mail.send", result_scope="people:read")
def send(*, to: str, subject: str, body: str) -> dict[str, Any]:
    message = EmailMessage()
    message["From"] = current_app.config["MAIL_FROM"]
    message["To"] = to
    message["Subject"] = subject
    message.set_content(body)
    url = current_app.config["MAIL_URL"]
    if not url:
        log.info("mail to %s: %s\n%s", to, subject, body, extra={"mail_to": to})
        return {"to": to, "delivered": "log"}
    _smtp_send(url, message)
    return {"to": to, "delivered": "smtp"}


def _smtp_send(url: str, message: EmailMessage) -> None:
    parts = urlsplit(url)
    secure = parts.scheme == "smtps"
    host, port = parts.hostname or "localhost", parts.port or (465 if secure else 25)
    smtp_class = smtplib.SMTP_SSL if secure else smtplib.SMTP
    with smtp_class(host, port, timeout=30) as smtp:
        if not secure and parts.scheme == "smtp+starttls":
            smtp.starttls()
        if parts.username:
            smtp.login(unquote(parts.username), unquote(parts.password or ""))
        smtp.send_message(message)
