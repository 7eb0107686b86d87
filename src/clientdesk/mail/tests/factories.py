"""Mail factories, for every app's tests: a real SMTP server on loopback, and emails made by the real actions.

The `smtp_server` fixture is an aiosmtpd server that keeps what it receives. A test can make it
misbehave: refuse a message or a recipient with a reply of its choice, or drop the connection at the
three moments that matter to a sender (`Fault`), or hold a message (received, not yet answered)
until the test lets it go.
"""

import asyncio
import enum
import logging
import os
import socket
import subprocess
import sys
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from email import message_from_bytes, policy
from email.message import EmailMessage
from pathlib import Path
from typing import Any
from urllib.parse import quote, urlsplit

import pytest


class Fault(enum.StrEnum):
    """Where the SMTP server drops the connection."""

    BEFORE_DATA = "before DATA"  # at the first RCPT: the client never gets to send the message
    AFTER_DATA = "after DATA"  # once the client said DATA (354 sent): the message is never read
    AFTER_DOT = "after the final dot"  # the message is received and kept, then no reply is sent


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
    # Given each recipient address: a reply refusing it ("550 no such user"), or None to accept it.
    rcpt_reply: Callable[[str], str | None] | None = None
    # Called once per message (at its first RCPT): the fault to play on it, or None.
    faults: Callable[[], Fault | None] | None = None
    # How often each fault was played; the Message-IDs received and then dropped after the final dot.
    faults_played: Counter[Fault] = field(default_factory=Counter)
    dropped_after_dot: Counter[str] = field(default_factory=Counter)
    # Hold the message that makes `received` this long (kept, not answered) until `release` is set.
    hold_at: int | None = None
    holding: threading.Event = field(default_factory=threading.Event)
    release: threading.Event = field(default_factory=threading.Event)

    def messages(self) -> list[EmailMessage]:
        """The messages received so far, parsed."""
        with self.lock:
            return [r.message for r in self.received]

    def message_ids(self) -> Counter[str]:
        """How many copies of each Message-ID were received."""
        with self.lock:
            return Counter(str(r.message["Message-ID"]) for r in self.received)


def _drop(smtp: Any) -> None:
    """Close the client's connection at once, without a reply."""
    if smtp.transport is not None:
        smtp.transport.abort()


class _Handler:
    def __init__(self, server: SMTPServer) -> None:
        self.server = server

    async def handle_RCPT(  # noqa: N802
        self, smtp: Any, session: Any, envelope: Any, address: str, rcpt_options: list[str]
    ) -> str:
        if not envelope.rcpt_tos and self.server.faults is not None:
            envelope.fault = self.server.faults()
            if envelope.fault is not None:
                with self.server.lock:
                    self.server.faults_played[envelope.fault] += 1
        if getattr(envelope, "fault", None) is Fault.BEFORE_DATA:
            _drop(smtp)
            return "250 OK"  # never sent: the connection is gone
        if self.server.rcpt_reply is not None and (answer := self.server.rcpt_reply(address)):
            return answer
        envelope.rcpt_tos.append(address)
        envelope.rcpt_options.extend(rcpt_options)
        return "250 OK"

    async def handle_DATA(self, smtp: Any, session: Any, envelope: Any) -> str:  # noqa: N802
        raw: bytes = envelope.original_content or b""
        if self.server.reply is not None and (answer := self.server.reply(raw)):
            return answer
        parsed = message_from_bytes(raw, policy=policy.default)
        assert isinstance(parsed, EmailMessage)
        with self.server.lock:
            self.server.received.append(Received(envelope.mail_from, list(envelope.rcpt_tos), raw, parsed))
            count = len(self.server.received)
            if getattr(envelope, "fault", None) is Fault.AFTER_DOT:
                self.server.dropped_after_dot[str(parsed["Message-ID"])] += 1
        if count == self.server.hold_at:
            self.server.holding.set()
            while not self.server.release.is_set():
                await asyncio.sleep(0.01)
        if getattr(envelope, "fault", None) is Fault.AFTER_DOT:
            _drop(smtp)
        return "250 OK"


def _smtp_class() -> type:
    from aiosmtpd.smtp import SMTP

    class FaultySMTP(SMTP):
        """aiosmtpd's server, able to drop the connection once the client said DATA."""

        async def smtp_DATA(self, arg: str) -> None:  # noqa: N802
            if getattr(self.envelope, "fault", None) is Fault.AFTER_DATA:
                await self.push("354 End data with <CR><LF>.<CR><LF>")
                _drop(self)
                return
            await super().smtp_DATA(arg)

    return FaultySMTP


def free_port() -> int:
    """A loopback port nothing listens on (aiosmtpd checks it started by connecting: it needs the port up front)."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


@pytest.fixture
def smtp_server(settings: Any) -> Iterator[SMTPServer]:
    """A real SMTP server on a free loopback port; the desk's default mailer sends to it."""
    from aiosmtpd.controller import Controller

    server = SMTPServer(host="127.0.0.1", port=free_port())
    smtp_class = _smtp_class()
    aiosmtpd_log = logging.getLogger("mail.log")  # aiosmtpd's: a line per SMTP command at INFO
    level, aiosmtpd_log.level = aiosmtpd_log.level, logging.WARNING

    class FaultyController(Controller):
        def factory(self) -> Any:
            return smtp_class(self.handler, **self.SMTP_kwargs)

    controller = FaultyController(_Handler(server), hostname="127.0.0.1", port=server.port)
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
        server.release.set()
        controller.stop()
        aiosmtpd_log.setLevel(level)


@pytest.fixture
def queue_email(db: Any) -> Callable[..., Any]:
    """Factory: one email put in the outbox by `outbox.queue` in its own transaction (delivered after it)."""
    from django.db import transaction

    from clientdesk.mail import outbox

    counter = iter(range(1, 1_000_000))

    def make(**fields: Any) -> Any:
        n = next(counter)
        values = {
            "to": [f"client{n}@example.test"],
            "subject": f"Message {n}",
            "text_body": f"Hello {n}.",
            "from_name": "Clientdesk",
            "from_email": "desk@desk.example",
        } | fields
        with transaction.atomic():
            return outbox.queue(**values)

    return make


@pytest.fixture
def deliver_outbox(db: Any) -> Callable[[], Any]:
    """Run the worker's delivery once, as `clientdesk worker --burst` would: returns its report."""
    from clientdesk.mail import delivery

    return delivery.sweep


def database_url() -> str:
    """DATABASE_URL naming the database this process uses (the test database under pytest), for a subprocess."""
    from django.conf import settings
    from django.db import connection

    parts = urlsplit(settings.DATABASE_URL)
    name = str(connection.settings_dict["NAME"])
    query = f"?{parts.query}" if parts.query else ""
    return f"{parts.scheme}://{parts.netloc}/{quote(name, safe='/')}{query}"  # urlunsplit drops sqlite's "////"


def clientdesk_env(smtp: SMTPServer | None = None, **extra: str) -> dict[str, str]:
    """The environment of a `clientdesk` subprocess: this test's database (and SMTP server), plus `extra`."""
    env = dict(os.environ) | {"DATABASE_URL": database_url(), "DJANGO_SETTINGS_MODULE": "clientdesk.settings"}
    env.pop("TASKS_URL", None)
    if smtp is not None:
        env["EMAIL_URL"] = f"smtp://{smtp.host}:{smtp.port}?timeout=5"
    return env | extra


def clientdesk(*args: str, env: dict[str, str], log: Path, **kwargs: Any) -> "subprocess.Popen[bytes]":
    """Start `clientdesk …` (this virtualenv's) with its output going to `log`."""
    command = [str(Path(sys.executable).with_name("clientdesk")), *args]
    with log.open("ab") as output:
        return subprocess.Popen(command, env=env, stdout=output, stderr=subprocess.STDOUT, **kwargs)  # noqa: S603


def wait_for(condition: Callable[[], object], *, timeout: float, what: str, every: float = 0.02) -> None:
    """Wait until `condition()` is true, failing the test after `timeout` seconds."""
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            pytest.fail(f"Timed out after {timeout} s waiting for {what}.")
        time.sleep(every)
