"""Mail factories, for every app's tests: a real SMTP server on loopback, and emails made by the real actions."""

import socket
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from email import message_from_bytes, policy
from email.message import EmailMessage
from typing import Any

import pytest


@dataclass
class Received:
    """One message an SMTP server took: its envelope and the parsed message."""

    mail_from: str
    rcpt_tos: list[str]
    raw: bytes
    message: EmailMessage


@dataclass
class SMTPServer:
    """An aiosmtpd server on 127.0.0.1 that keeps what it receives (and the default mailer points at it)."""

    host: str
    port: int
    received: list[Received] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)
    # Set by a test to misbehave: a callable given the DATA content that returns an SMTP reply (e.g.
    # "451 try later") to refuse it, or None to accept it.
    reply: Callable[[bytes], str | None] | None = None

    def messages(self) -> list[EmailMessage]:
        """The messages received so far, parsed."""
        with self.lock:
            return [r.message for r in self.received]


class _Handler:
    def __init__(self, server: SMTPServer) -> None:
        self.server = server

    async def handle_DATA(self, smtp: Any, session: Any, envelope: Any) -> str:  # noqa: N802
        raw: bytes = envelope.original_content or b""
        if self.server.reply is not None and (answer := self.server.reply(raw)):
            return answer
        parsed = message_from_bytes(raw, policy=policy.default)
        assert isinstance(parsed, EmailMessage)
        with self.server.lock:
            self.server.received.append(Received(envelope.mail_from, list(envelope.rcpt_tos), raw, parsed))
        return "250 OK"


@pytest.fixture
def smtp_server(settings: Any) -> Iterator[SMTPServer]:
    """A real SMTP server on a free loopback port; the desk's default mailer sends to it."""
    from aiosmtpd.controller import Controller

    with socket.socket() as probe:  # aiosmtpd checks it started by connecting: it needs the port up front
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    server = SMTPServer(host="127.0.0.1", port=port)
    controller = Controller(_Handler(server), hostname="127.0.0.1", port=port)
    controller.start()
    settings.MAILERS = {
        "default": {
            "BACKEND": "django.core.mail.backends.smtp.EmailBackend",
            "OPTIONS": {"host": "127.0.0.1", "port": server.port, "timeout": 5},
        }
    }
    try:
        yield server
    finally:
        controller.stop()


@pytest.fixture
def deliver_outbox(db: Any) -> Callable[[], Any]:
    """Run the worker's delivery once, as `clientdesk worker --burst` would: returns its report."""
    from clientdesk.mail import delivery

    return delivery.sweep
