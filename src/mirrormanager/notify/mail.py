"""The one mailer: send through `smtp_server`, or log the message when none is configured.

`smtp_server` is ``host`` or ``host:port`` (port 25), parsed by the same parser as every
listening address. With `smtp_username` set the connection is upgraded with STARTTLS
before logging in, so a password never crosses the network in clear.
"""

from __future__ import annotations

import smtplib
from collections.abc import Sequence
from email.message import EmailMessage

from mirrormanager.core.hostport import parse_host_port
from mirrormanager.errors import ConfigError
from mirrormanager.logging import get_logger
from mirrormanager.settings import Settings

log = get_logger(__name__)

SMTP_TIMEOUT = 30.0


def build_message(
    settings: Settings, to: str | Sequence[str], subject: str, body: str
) -> EmailMessage:
    message = EmailMessage()
    message["From"] = settings.email_from
    message["To"] = ", ".join(_recipients(to))
    message["Subject"] = subject
    message.set_content(body)
    return message


def _recipients(to: str | Sequence[str]) -> list[str]:
    # A lone address is a str, and a str is a Sequence[str] of its letters.
    return [to] if isinstance(to, str) else list(to)


def send_mail(settings: Settings, to: str | Sequence[str], subject: str, body: str) -> bool:
    """Send one message; False (and an info log line with the text) when no server is set.

    SMTP and network failures raise (``smtplib.SMTPException`` or ``OSError``): the caller
    decides whether a lost mail matters.
    """
    if not settings.smtp_server:
        # The operator (and the tests) read e.g. a confirmation link from the log.
        log.info("mail not sent: no smtp_server", to=_recipients(to), subject=subject, body=body)
        return False
    try:
        server = parse_host_port(settings.smtp_server, default_port=25)
    except ValueError as exc:
        raise ConfigError(f"setting 'smtp_server': {exc}", setting="smtp_server") from None
    message = build_message(settings, to, subject, body)
    with smtplib.SMTP(server.host, server.port, timeout=SMTP_TIMEOUT) as smtp:
        if settings.smtp_username:
            smtp.starttls()
            smtp.login(settings.smtp_username, settings.smtp_password)
        smtp.send_message(message)
    return True
