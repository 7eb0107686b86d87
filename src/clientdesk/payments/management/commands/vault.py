"""`clientdesk vault rotate|status`: the vault's key pairs from the shell.

    clientdesk vault rotate [--batch 500]
    clientdesk vault status

`rotate` re-seals every locally stored number under a new key pair, a batch per transaction. Stopped
half-way (a crash, Ctrl+C), it loses at most the batch in flight: run it again and it goes on where
it stopped. With a company passphrase set it reads it from CLIENTDESK_VAULT_PASSPHRASE, or asks for
it when run in a terminal. The command acts as the system (the audit log says so).
"""

import argparse
import getpass
import os
import sys
from datetime import UTC
from typing import Any

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError, CommandParser

from clientdesk.payments import actions, crypto
from clientdesk.payments.models import KeyWrapping

PASSPHRASE_VARIABLE = "CLIENTDESK_VAULT_PASSPHRASE"  # noqa: S105  # the variable's name, not a secret


def stdin_is_tty() -> bool:
    """Whether someone at a terminal can be asked for the passphrase."""
    return sys.stdin.isatty()


def ask_passphrase() -> str:
    """The passphrase, typed without echo."""
    return getpass.getpass("Company passphrase: ")


def _positive(value: str) -> int:
    try:
        number = int(value)
    except ValueError:
        number = 0
    if number < 1:
        raise argparse.ArgumentTypeError(f"a whole number of 1 or more, not {value!r}")
    return number


class Command(BaseCommand):
    """`clientdesk vault rotate [--batch N]`, `clientdesk vault status`."""

    help = "Rotate the vault's key pair (re-sealing every stored number), or show the vault's state."

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="command", required=True, metavar="{rotate,status}")
        rotate = sub.add_parser(
            "rotate", help="Re-seal every stored number under a new key pair; run again, it resumes."
        )
        rotate.add_argument(
            "--batch", type=_positive, default=500, metavar="N", help="Numbers re-sealed per transaction (500)."
        )
        sub.add_parser("status", help="The key pairs, how they are wrapped, and how many numbers are stored.")

    def handle(self, *args: Any, command: str, **options: Any) -> None:
        if command == "rotate":
            self._rotate(options["batch"])
        else:
            self._status()

    def _passphrase(self) -> str | None:
        if not actions.vault_status().passphrase_set:
            return None
        given = os.environ.get(PASSPHRASE_VARIABLE)
        if given:
            return given
        if stdin_is_tty():
            return ask_passphrase()
        raise CommandError(
            f"A company passphrase is set: put it in {PASSPHRASE_VARIABLE}, or run this in a terminal to be asked."
        )

    def _rotate(self, batch: int) -> None:
        passphrase = self._passphrase()
        before = actions.vault_status()
        total = before.to_reseal if before.rotation_unfinished else before.stored
        if before.rotation_unfinished:
            self.stdout.write(
                f"Resuming the unfinished rotation: {total:,} number{'s' if total != 1 else ''} still to re-seal."
            )

        def progress(done: int) -> None:
            self.stdout.write(f"Re-sealed {done:,} of {max(total, done):,} numbers")
            self.stdout.flush()

        try:
            report = actions.vault_rotate(actor=None, passphrase=passphrase, batch=batch, on_batch=progress)
        except ValidationError as exc:
            raise CommandError(" ".join(exc.messages)) from None
        except crypto.VaultError as exc:
            raise CommandError(f"The vault cannot be opened: {exc}") from None
        retired = ", ".join(report.retired) or "none"
        self.stdout.write(
            self.style.SUCCESS(
                f"Rotation finished: {report.resealed:,} re-sealed; every stored number is sealed to key pair "
                f"{report.key_id}. Retired key pairs: {retired}."
            )
        )

    def _status(self) -> None:
        status = actions.vault_status()
        if not status.keys:
            self.stdout.write("Key pairs: none yet (one is made when the first number is stored).")
        for key in status.keys:
            role = "current" if key.current else "retiring"
            wrapping = "the company passphrase" if key.wrapping == KeyWrapping.PASSPHRASE else "the vault key"
            created = f"{key.created_at.astimezone(UTC):%Y-%m-%d %H:%M} UTC"
            self.stdout.write(f"Key pair {key.key_id} ({role}), created {created}, wrapped by {wrapping}")
        if status.key_size:
            self.stdout.write(f"Key size: RSA-{status.key_size}")
        self.stdout.write(f"Passphrase: {'set' if status.passphrase_set else 'not set'}")
        self.stdout.write(f"Numbers stored locally: {status.stored:,}")
        if status.rotation_unfinished:
            self.stdout.write(
                self.style.WARNING(
                    f"A rotation is unfinished: {status.to_reseal:,} still sealed to an older key pair. "
                    "Run `clientdesk vault rotate` to finish it."
                )
            )
