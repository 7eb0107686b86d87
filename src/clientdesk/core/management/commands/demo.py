"""`clientdesk demo`: every desk app's demo data, in dependency order; a second run keeps what is there."""

import os
import random
from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from clientdesk.core.contract import DemoContext, run_demo_seeders


class Command(BaseCommand):
    """`clientdesk demo [--size N] [--seed S]`."""

    help = "Load the demo data of every desk app (a sign-in and clients to look at), unless it is there."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--size", type=int, default=60, help="How many records (clients…) each seeder makes on an empty desk."
        )
        parser.add_argument("--seed", type=int, default=1500, help="Random seed, so every demo looks the same.")

    def handle(self, *args: Any, size: int, seed: int, **options: Any) -> None:
        demo = DemoContext(size=size, rng=random.Random(seed), say=self.stdout.write)
        run_demo_seeders(demo)
        port = os.environ.get("PORT") or "8000"
        message = f"\n  Demo ready: `make demo` serves it on http://127.0.0.1:{port}/"
        if demo.login:
            email, password = demo.login
            message += f"\n  Sign in as {email}\n  Password: {password}"
        self.stdout.write(self.style.SUCCESS(message + "\n"))
