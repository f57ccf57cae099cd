"""Tell people that the crawler disabled a host: always a log line, mail when configured."""

from __future__ import annotations

import smtplib
from collections.abc import Sequence
from functools import partial

from mirrormanager.crawler.model import DisabledNotifier
from mirrormanager.logging import get_logger
from mirrormanager.notify.mail import send_mail
from mirrormanager.settings import Settings

log = get_logger(__name__)


def disabled_text(host_name: str, site_name: str, host_id: int, reason: str) -> tuple[str, str]:
    """(subject, body) of the mail that tells a host's contacts it was disabled."""
    subject = f"MirrorManager: mirror {host_name} disabled by the crawler"
    body = (
        f"The mirror {host_name} (site {site_name}, host id {host_id}) was disabled.\n\n"
        f"Reason: {reason}\n\n"
        "It is re-enabled automatically after its next successful crawl. The crawl log is\n"
        f"on the host's page (crawler log {host_id}).\n"
    )
    return subject, body


def notify_disabled(
    settings: Settings,
    *,
    host_name: str,
    site_name: str,
    host_id: int,
    reason: str,
    recipients: Sequence[str] = (),
) -> bool:
    """Log the event; mail the host's contacts and the admin address when SMTP is set.

    Returns True when a mail went out. Mail trouble is logged, never raised: the database
    already records the disabling, which is what matters.
    """
    log.warning("host disabled by crawler", host=host_name, host_id=host_id, reason=reason)
    to = sorted({r for r in (*recipients, settings.admin_email) if r})
    if not settings.smtp_server or not to:
        return False
    subject, body = disabled_text(host_name, site_name, host_id, reason)
    try:
        return send_mail(settings, to, subject, body)
    except (OSError, smtplib.SMTPException) as exc:
        log.error("notification mail failed", host=host_name, error=str(exc))
        return False


def mail_notifier(settings: Settings) -> DisabledNotifier:
    """The crawler's notifier: a log line, and mail when the settings configure SMTP."""
    return partial(notify_disabled, settings)


def log_only(
    *, host_name: str, site_name: str, host_id: int, reason: str, recipients: Sequence[str] = ()
) -> bool:
    """The notifier of crawls that send no mail (tests, the demo, propagation runs)."""
    log.warning("host disabled by crawler", host=host_name, host_id=host_id, reason=reason)
    return False
