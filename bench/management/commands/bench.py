"""`clientdesk bench seed --clients N` adds clients in bulk; `bench search` and `bench throughput` measure the pages;
`bench mail` measures email delivery.

Installed only by the bench settings: `DJANGO_SETTINGS_MODULE=bench.settings PYTHONPATH=. clientdesk bench …`.
"""

import os
import time
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser


class Command(BaseCommand):
    """`bench seed`, `bench search`, `bench throughput` and `bench mail`."""

    help = (
        "Benchmarks: `seed` adds clients in bulk, `search` measures the search, list and profile pages, "
        "`throughput` their requests/s on the production server, `mail` email delivery by one worker."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        actions = parser.add_subparsers(dest="action", required=True)
        seed = actions.add_parser("seed", help="Add N clients with two contacts and one or two numbers each.")
        seed.add_argument("--clients", type=int, required=True)
        seed.add_argument("--batch", type=int, default=10_000, help="Clients per transaction (default 10000).")
        seed.add_argument("--seed", type=int, default=1500, help="Random seed.")
        seed.add_argument(
            "--heavy-notes",
            type=int,
            default=0,
            help="Give the first client of this run that many notes more (the notes widget case of `bench search`).",
        )
        seed.add_argument("--json", dest="json_path", default=None, help="Add the timings to this JSON file.")
        seed.add_argument(
            "--force",
            action="store_true",
            help="Seed even a database holding data the benchmark did not make (other clients, staff accounts).",
        )
        search = actions.add_parser("search", help="Measure search, list and profile pages; print a table.")
        search.add_argument("--iterations", type=int, default=50)
        search.add_argument(
            "--naive-iterations", type=int, default=5, help="Runs of each naive scan (slow at scale; default 5)."
        )
        search.add_argument("--json", dest="json_path", default=None, help="Write every figure to this JSON file.")
        search.add_argument("--seed", type=int, default=1500, help="Random seed for picking query terms.")
        throughput = actions.add_parser(
            "throughput",
            help="Requests/s and p95 of the list, profile and search on `clientdesk serve`, beside a bare view.",
        )
        throughput.add_argument("--seconds", type=float, default=10.0, help="Measured seconds per page (default 10).")
        throughput.add_argument("--warmup", type=float, default=2.0, help="Unmeasured seconds first (default 2).")
        throughput.add_argument("--concurrency", type=int, default=8, help="Concurrent clients (default 8).")
        throughput.add_argument(
            "--workers", type=int, default=None, help="Gunicorn workers (default: what `clientdesk serve` computes)."
        )
        throughput.add_argument("--json", dest="json_path", default=None, help="Add the figures to this JSON file.")
        throughput.add_argument("--seed", type=int, default=1500, help="Random seed for picking clients.")
        mail = actions.add_parser(
            "mail",
            help="Messages/s of one `clientdesk worker` and seconds from commit to delivery, to a local SMTP sink.",
        )
        mail.add_argument("--emails", type=int, default=2000, help="Emails of the backlog run (default 2000).")
        mail.add_argument("--batch", type=int, default=100, help="Emails per transaction when queuing (default 100).")
        mail.add_argument("--rate", type=float, default=100.0, help="Emails/s of the steady run (default 100).")
        mail.add_argument("--seconds", type=float, default=5.0, help="Seconds of the steady run (default 5).")
        mail.add_argument("--keep", action="store_true", help="Keep the emails afterwards (deleted by default).")
        mail.add_argument("--json", dest="json_path", default=None, help="Add the figures to this JSON file.")

    def handle(self, *args: Any, action: str, **options: Any) -> None:
        if action == "seed":
            self._seed(
                options["clients"],
                options["batch"],
                options["seed"],
                options["json_path"],
                options["force"],
                options["heavy_notes"],
            )
        elif action == "throughput":
            self._throughput(options)
        elif action == "mail":
            self._mail(options)
        else:
            self._search(options["iterations"], options["naive_iterations"], options["json_path"], options["seed"])

    def _say(self, line: str) -> None:
        self.stdout.write(line)
        self.stdout.flush()

    def _seed(
        self, clients: int, batch: int, seed: int, json_path: str | None, force: bool, heavy_notes: int = 0
    ) -> None:
        from django.db import connection

        from bench.guard import SeedRefusedError
        from bench.measure import update_json
        from bench.seed import seed as run_seed

        self._say(f"Seeding {clients:,} clients on {connection.vendor} in batches of {batch:,}…")
        started = time.perf_counter()
        try:
            timings = run_seed(
                clients=clients, batch_size=batch, seed=seed, force=force, heavy_notes=heavy_notes, progress=self._say
            )
        except SeedRefusedError as refusal:
            raise CommandError(str(refusal)) from refusal
        elapsed = time.perf_counter() - started
        stages = ", ".join(f"{name} {seconds:.1f} s" for name, seconds in timings.items() if name != "total")
        self._say(self.style.SUCCESS(f"Seeded {clients:,} clients in {elapsed:.1f} s ({stages})."))
        if json_path:
            figures = {
                "database": connection.vendor,
                "clients": clients,
                "batch": batch,
                "cpus": os.cpu_count(),
                "seconds": {name: round(value, 2) for name, value in timings.items()},
            }
            update_json(json_path, {"seed": figures})
            self._say(f"Wrote {json_path}")

    def _search(self, iterations: int, naive_iterations: int, json_path: str | None, seed: int) -> None:
        from bench.measure import run

        run(iterations=iterations, naive_iterations=naive_iterations, json_path=json_path, seed=seed, say=self._say)

    def _throughput(self, options: dict[str, Any]) -> None:
        from bench.throughput import run

        try:
            run(
                seconds=options["seconds"],
                warmup=options["warmup"],
                concurrency=options["concurrency"],
                workers=options["workers"],
                json_path=options["json_path"],
                seed=options["seed"],
                say=self._say,
            )
        except RuntimeError as failure:
            raise CommandError(str(failure)) from failure

    def _mail(self, options: dict[str, Any]) -> None:
        from bench.mail import MailBenchError, run

        try:
            run(
                emails=options["emails"],
                batch=options["batch"],
                rate=options["rate"],
                seconds=options["seconds"],
                keep=options["keep"],
                json_path=options["json_path"],
                say=self._say,
            )
        except MailBenchError as failure:
            raise CommandError(str(failure)) from failure
