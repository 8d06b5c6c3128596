"""Outgoing mail, sent by a job so a message follows only a committed change.

`queue()` writes the job in the caller's transaction (the outbox); the job sends through SMTP
when MAIL_URL is set, and otherwise writes the message to the log (development and tests), naming
any attachments (text, e.g. a calendar invitation, kept in the job's arguments).
"""

from __future__ import annotations

import logging
import smtplib
import uuid
from email.message import EmailMessage
from typing import Any, TypedDict
from urllib.parse import unquote, urlsplit

from flask import current_app

from consortium.core.jobs import Job, enqueue, job

log = logging.getLogger(__name__)


class Attachment(TypedDict):
    """A file sent with a message. `content_type` may carry parameters, e.g.
    "text/calendar; method=REQUEST" for a calendar invitation."""

    filename: str
    content_type: str
    content: str


def queue(
    *,
    to: str,
    subject: str,
    body: str,
    organisation_id: uuid.UUID | None,
    attachments: list[Attachment] | None = None,
) -> Job:
    """Send a plain-text message (with any attachments) once the current transaction commits."""
    from consortium.extensions import db

    extra: dict[str, Any] = {"attachments": list(attachments)} if attachments else {}
    return enqueue(
        db.session,
        "mail.send",
        tenant_id=organisation_id,
        to=to,
        subject=subject,
        body=body,
        **extra,
    )


@job("mail.send", result_scope="people:read")
def send(
    *, to: str, subject: str, body: str, attachments: list[Attachment] | None = None
) -> dict[str, Any]:
    message = EmailMessage()
    message["From"] = current_app.config["MAIL_FROM"]
    message["To"] = to
    message["Subject"] = subject
    message.set_content(body)
    for attachment in attachments or []:
        _attach(message, attachment)
    names = [a["filename"] for a in attachments or []]
    url = current_app.config["MAIL_URL"]
    if not url:
        attached = f"\n[attached: {', '.join(names)}]" if names else ""
        log.info("mail to %s: %s\n%s%s", to, subject, body, attached, extra={"mail_to": to})
        return {"to": to, "delivered": "log", **({"attachments": names} if names else {})}
    _smtp_send(url, message)
    return {"to": to, "delivered": "smtp", **({"attachments": names} if names else {})}


def _attach(message: EmailMessage, attachment: Attachment) -> None:
    """Attach a file; a text type keeps its parameters (a calendar's method=REQUEST|CANCEL,
    which mail clients read to offer the invitation)."""
    kind, *raw = (part.strip() for part in attachment["content_type"].split(";"))
    maintype, _, subtype = kind.partition("/")
    params = dict(p.split("=", 1) for p in raw if "=" in p)
    if maintype == "text":
        message.add_attachment(
            attachment["content"],
            subtype=subtype or "plain",
            filename=attachment["filename"],
            params=params,
        )
    else:
        message.add_attachment(
            attachment["content"].encode(),
            maintype=maintype or "application",
            subtype=subtype or "octet-stream",
            filename=attachment["filename"],
            params=params,
        )


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
