"""`clientdesk mailsink`: a local SMTP server that keeps every message it receives as a file.

For the demo and for trying the desk out: `make demo` starts it on 127.0.0.1:8025 (the default
EMAIL_URL), and each message lands in `var/mail/` as `<time>-<n>.eml`, readable with any mail
program or `cat`, with the envelope on top as a mail server delivering it would write it
(`Return-Path`, and a `Delivered-To` per recipient: how BCC recipients show). It accepts everything
and relays nothing.
"""

import itertools
import logging
import os
import signal
import threading
import time
from pathlib import Path
from types import FrameType
from typing import Any

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import SMTP, Envelope, Session
from django.conf import settings
from django.core.management.base import BaseCommand, CommandParser

logger = logging.getLogger("clientdesk.mail.sink")


class KeepToFolder:
    """An aiosmtpd handler that writes each message it is given to a folder."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self.counter = itertools.count(1)

    def envelope_lines(self, envelope: Envelope) -> bytes:
        """`Return-Path` and `Delivered-To` lines for the envelope's sender and recipients."""
        lines = [f"Return-Path: <{envelope.mail_from or ''}>"]
        lines += [f"Delivered-To: {rcpt}" for rcpt in envelope.rcpt_tos]
        return "".join(f"{line}\r\n" for line in lines).encode("utf-8", "replace")

    async def handle_DATA(self, server: SMTP, session: Session, envelope: Envelope) -> str:  # noqa: N802
        content = envelope.original_content or b""
        while True:  # never overwrite: another sink, or this one restarted, may have used the name
            name = f"{time.strftime('%Y%m%d-%H%M%S')}-{os.getpid()}-{next(self.counter):05d}.eml"
            try:
                with (self.folder / name).open("xb") as file:
                    file.write(self.envelope_lines(envelope) + content)
            except FileExistsError:
                continue
            logger.info("Kept %s (to %s)", name, ", ".join(envelope.rcpt_tos))
            return "250 Message accepted for delivery"


class Command(BaseCommand):
    """The `mailsink` command."""

    help = "Run a local SMTP server that keeps every message under var/mail/ (for the demo)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--host", default="127.0.0.1")
        parser.add_argument("--port", type=int, default=8025)
        parser.add_argument("--folder", type=Path, default=None, help="Where messages go (default var/mail/).")

    def handle(self, *args: Any, host: str, port: int, folder: Path | None, **options: Any) -> None:
        folder = folder or Path(settings.CLIENTDESK_MAIL_SINK_DIR)
        folder.mkdir(parents=True, exist_ok=True)
        logging.getLogger("mail.log").setLevel(logging.WARNING)  # aiosmtpd's own: a line per SMTP command
        controller = Controller(KeepToFolder(folder), hostname=host, port=port)
        controller.start()
        stopped = threading.Event()

        def stop(signum: int, frame: FrameType | None) -> None:
            stopped.set()

        signal.signal(signal.SIGTERM, stop)
        self.stdout.write(f"Mail sink on smtp://{host}:{port}/, keeping messages in {folder}/ (Ctrl+C stops it).")
        self.stdout.flush()
        try:
            stopped.wait()
        except KeyboardInterrupt:
            pass
        finally:
            controller.stop()
