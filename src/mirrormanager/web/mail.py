"""Send an e-mail through `smtp_server`, or log it when none is configured."""

from __future__ import annotations

import smtplib
from email.message import EmailMessage
from typing import Any

from mirrormanager.logging import get_logger

log = get_logger(__name__)


def send_mail(settings: Any, to: str, subject: str, body: str) -> None:
    if not settings.smtp_server:
        # No mail server: the operator reads the link from the log (and so do tests).
        log.info("web.mail_not_sent", to=to, subject=subject, body=body)
        return
    message = EmailMessage()
    message["From"] = settings.email_from
    message["To"] = to
    message["Subject"] = subject
    message.set_content(body)
    host, _, port = str(settings.smtp_server).partition(":")
    with smtplib.SMTP(host, int(port or 25), timeout=30) as smtp:
        if settings.smtp_username:
            smtp.starttls()
            smtp.login(settings.smtp_username, settings.smtp_password)
        smtp.send_message(message)
