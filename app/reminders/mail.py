"""Sending e-mail: over SMTP when ``SOPIMUS_SMTP_URL`` is set, else into the log.

``smtp://host:587`` speaks STARTTLS when the server offers it, ``smtps://host:465`` TLS from the
start, user and password in the URL log in. A *transport* is anything with smtplib.SMTP's
``send_message`` and ``quit``: the tests give a stub of their own (``connect`` is a parameter of
app.reminders.service.send_digests).
"""

import logging
import smtplib
from collections.abc import Callable
from email.message import EmailMessage
from typing import Any, Protocol
from urllib.parse import unquote, urlsplit

from app.core.settings import get_settings

log = logging.getLogger(__name__)


class Transport(Protocol):
    def send_message(self, msg: EmailMessage) -> Any: ...

    def quit(self) -> Any: ...


Connect = Callable[[], Transport]


class LogTransport:
    """No SMTP server configured: what would be sent is logged."""

    def send_message(self, msg: EmailMessage) -> None:
        log.info("e-mail not sent (SOPIMUS_SMTP_URL is not set): to %s: %s\n%s",
                 msg["To"], msg["Subject"], msg.get_content())

    def quit(self) -> None:
        return None


def connect() -> Transport:
    """A connection to the configured SMTP server (or the log)."""
    url = get_settings().smtp_url
    if not url:
        return LogTransport()
    parts = urlsplit(url)
    host = parts.hostname or "localhost"
    smtp: smtplib.SMTP
    if parts.scheme == "smtps":
        smtp = smtplib.SMTP_SSL(host, parts.port or 465, timeout=30)
    else:
        smtp = smtplib.SMTP(host, parts.port or 25, timeout=30)
        smtp.ehlo()
        if smtp.has_extn("starttls"):
            smtp.starttls()
            smtp.ehlo()
    if parts.username:
        smtp.login(unquote(parts.username), unquote(parts.password or ""))
    return smtp
