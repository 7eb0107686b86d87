"""`clientdesk worker`: run background tasks (email delivery) from the configured queue.

With the database queue (the default) it runs django-tasks-db's worker loop; with `TASKS_URL=redis://…`
an RQ worker of django-tasks-rq (jobs run in the worker's own process, beside the sweep's thread; no
RQ scheduler: no task of the desk is deferred, retries are the sweep's).
Run as many as wanted, on as many machines: each email is claimed by one worker (see
`clientdesk.mail.delivery`). Beside the queue, a sweep (at start, then every few seconds) recovers
emails a stopped worker left `sending` and sends whatever is due (retries after a backoff, and
emails whose task message was lost), so no email depends on the queue alone.

Stopping (Ctrl+C, SIGTERM) lets the email being sent finish and be marked; a second signal stops at
once (an email then being sent is marked `unknown` once its lease expires).
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

RQ_BACKEND = "django_tasks_rq.RQBackend"


def sweep_until(stop: threading.Event, every: float) -> None:
    """Sweep the outbox now and then every `every` seconds, until `stop` is set (finishing the email being sent)."""
    while not stop.is_set():
        try:
            close_old_connections()
            delivery.sweep(stop=stop.is_set)
        except Exception:  # a failed sweep is logged and tried again at the next tick
            logger.exception("The outbox sweep failed")
        finally:
            connections.close_all()
        stop.wait(every)


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
        if burst:
            # The queue first (what it holds is due now), then the sweep for what it did not hold.
            recovered = delivery.recover_expired()
            self._run_queue(backend, burst=True, interval=interval)
            report = delivery.sweep()
            self.stdout.write(
                f"Worker finished: nothing due ({report.sent} sent, {report.retried} to retry, {report.failed} failed "
                f"by the last sweep; {recovered} left sending by a stopped worker marked unknown)."
            )
            return
        stop = threading.Event()
        sweeper = threading.Thread(target=sweep_until, args=(stop, sweep), name="outbox-sweep", daemon=True)
        sweeper.start()
        self.stdout.write(f"Worker started ({backend.rpartition('.')[2]}); Ctrl+C stops it.")
        self.stdout.flush()
        try:
            self._run_queue(backend, burst=False, interval=interval)
        finally:
            stop.set()
            # The sweep finishes the email it is sending; past its lease, that email is `unknown` anyway.
            sweeper.join(timeout=settings.CLIENTDESK_MAIL_LEASE)

    def _run_queue(self, backend: str, *, burst: bool, interval: float) -> None:
        if backend == RQ_BACKEND:
            # SimpleWorker runs each job in this process: no fork() beside the sweep's thread.
            call_command(
                "rqworker",
                "default",
                job_class="django_tasks_rq.Job",
                worker_class="rq.worker.SimpleWorker",
                burst=burst,
                verbosity=1 if not burst else 0,
            )
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
