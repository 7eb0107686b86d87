"""`clientdesk mailsink`: a local SMTP server that keeps every message it receives as a file.

For the demo and for trying the desk out: `make demo` starts it on 127.0.0.1:8025 (the default
EMAIL_URL), and each message lands in `var/mail/` as `<time>-<n>.eml`, readable with any mail
program or `cat`. It accepts everything and relays nothing.
"""

import itertools
import time
from pathlib import Path
from typing import Any

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import SMTP, Envelope, Session
from django.conf import settings
from django.core.management.base import BaseCommand, CommandParser


class KeepToFolder:
    """An aiosmtpd handler that writes each message it is given to a folder."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self.counter = itertools.count(1)

    async def handle_DATA(self, server: SMTP, session: Session, envelope: Envelope) -> str:  # noqa: N802
        content = envelope.original_content or b""
        name = f"{time.strftime('%Y%m%d-%H%M%S')}-{next(self.counter):05d}.eml"
        path = self.folder / name
        path.write_bytes(content)
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
        controller = Controller(KeepToFolder(folder), hostname=host, port=port)
        controller.start()
        self.stdout.write(f"Mail sink on smtp://{host}:{port}/, keeping messages in {folder}/ (Ctrl+C stops it).")
        try:
            while True:
                time.sleep(3600)
        except KeyboardInterrupt:
            pass
        finally:
            controller.stop()
