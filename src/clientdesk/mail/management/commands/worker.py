"""`clientdesk worker`: run background tasks (email delivery) from the configured queue.

With the database queue (the default) it runs django-tasks-db's worker loop; with `TASKS_URL=redis://…`
an RQ worker of django-tasks-rq. Run as many as wanted, on as many machines: each email is claimed by
one worker (see `clientdesk.mail.delivery`). Beside the queue, a sweep every few seconds recovers
emails a stopped worker left `sending` and sends whatever is due (retries after a backoff, and
emails whose task message was lost), so no email depends on the queue alone.
"""

import logging
import os
import socket
import threading
from typing import Any

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandParser
from django.db import close_old_connections, connections

from clientdesk.mail import delivery

logger = logging.getLogger("clientdesk.mail.worker")


def _sweep_forever(every: float, stop: threading.Event) -> None:
    while not stop.wait(every):
        try:
            close_old_connections()
            delivery.sweep()
        except Exception:  # a failed sweep is logged and tried again at the next tick
            logger.exception("The outbox sweep failed")
        finally:
            connections.close_all()


class Command(BaseCommand):
    """The `worker` command."""

    help = "Run the background worker: deliver queued email (and any other task), until stopped."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--burst", action="store_true", help="Work until nothing is due, then exit (for scripts and tests)."
        )
        parser.add_argument(
            "--interval", type=float, default=0.5, help="Seconds between looks at an empty database queue."
        )
        parser.add_argument(
            "--sweep", type=float, default=5.0, help="Seconds between sweeps of the outbox (default 5)."
        )

    def handle(self, *args: Any, burst: bool, interval: float, sweep: float, **options: Any) -> None:
        backend = settings.TASKS["default"]["BACKEND"]
        logging.getLogger("clientdesk").setLevel(logging.INFO)
        delivery.sweep()
        if burst:
            self._run_queue(backend, burst=True, interval=interval)
            report = delivery.sweep()
            self.stdout.write(f"Worker finished: nothing due ({report.sent} sent in the last sweep).")
            return
        stop = threading.Event()
        sweeper = threading.Thread(target=_sweep_forever, args=(sweep, stop), name="outbox-sweep", daemon=True)
        sweeper.start()
        self.stdout.write(f"Worker started ({backend.rpartition('.')[2]}); Ctrl+C stops it.")
        try:
            self._run_queue(backend, burst=False, interval=interval)
        finally:
            stop.set()

    def _run_queue(self, backend: str, *, burst: bool, interval: float) -> None:
        if backend == "django_tasks_rq.RQBackend":
            call_command("rqworker", "default", job_class="django_tasks_rq.Job", with_scheduler=not burst, burst=burst)
            return
        from django_tasks_db.management.commands.db_worker import Worker

        worker = Worker(
            queue_names=["default"],
            interval=interval,
            batch=burst,
            backend_name="default",
            startup_delay=not burst,
            max_tasks=None,
            worker_id=f"{socket.gethostname()}-{os.getpid()}"[:64],
            excluded_queue_names=[],
        )
        if not burst:
            worker.configure_signals()
        worker.run()
