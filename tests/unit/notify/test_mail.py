"""The one mailer, against a minimal SMTP server on loopback (a real SMTP conversation)."""

from __future__ import annotations

import dataclasses
import email
import email.policy
import socketserver
import threading
from collections.abc import Iterator

import pytest
import structlog

from mirrormanager.errors import ConfigError
from mirrormanager.notify.mail import send_mail
from mirrormanager.settings import Settings


class _SMTPHandler(socketserver.StreamRequestHandler):
    """Just enough of RFC 5321 for smtplib: EHLO, MAIL, RCPT, DATA, QUIT."""

    def handle(self) -> None:
        inbox: list[bytes] = self.server.inbox  # type: ignore[attr-defined]
        self.wfile.write(b"220 test ESMTP\r\n")
        while line := self.rfile.readline():
            verb = line[:4].upper()
            if verb == b"EHLO":
                self.wfile.write(b"250 test\r\n")
            elif verb == b"DATA":
                self.wfile.write(b"354 go on\r\n")
                data = b""
                while (chunk := self.rfile.readline()) != b".\r\n":
                    data += chunk
                inbox.append(data)
                self.wfile.write(b"250 queued\r\n")
            elif verb == b"QUIT":
                self.wfile.write(b"221 bye\r\n")
                return
            else:
                self.wfile.write(b"250 ok\r\n")


@pytest.fixture
def smtp_server() -> Iterator[tuple[str, list[bytes]]]:
    server = socketserver.ThreadingTCPServer(("127.0.0.1", 0), _SMTPHandler)
    server.inbox = []  # type: ignore[attr-defined]
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"127.0.0.1:{server.server_address[1]}", server.inbox  # type: ignore[attr-defined]
    finally:
        server.shutdown()
        server.server_close()


def test_a_mail_goes_out_through_the_configured_server(
    smtp_server: tuple[str, list[bytes]],
) -> None:
    address, inbox = smtp_server
    settings = Settings(smtp_server=address, email_from="mm@example.org")
    assert send_mail(settings, "alice@example.org", "Hello", "Körper\n") is True
    assert send_mail(settings, ["a@example.org", "b@example.org"], "Two", "x\n") is True
    first, second = (email.message_from_bytes(raw, policy=email.policy.default) for raw in inbox)
    assert first["To"] == "alice@example.org" and first["From"] == "mm@example.org"
    assert first["Subject"] == "Hello" and "Körper" in first.get_content()
    assert second["To"] == "a@example.org, b@example.org"


def test_without_a_server_the_mail_is_logged_not_sent() -> None:
    with structlog.testing.capture_logs() as logs:
        assert send_mail(Settings(), "bob@example.org", "Link", "http://x/confirm\n") is False
    assert logs[0]["to"] == ["bob@example.org"] and "http://x/confirm" in logs[0]["body"]


def test_a_bad_server_setting_names_the_setting() -> None:
    settings = dataclasses.replace(Settings(), smtp_server="mail:smtp")
    with pytest.raises(ConfigError, match="smtp_server"):
        send_mail(settings, "bob@example.org", "s", "b")
