"""Email delivery: messages per second of one worker, and seconds from an action's commit to delivery.

`bench mail` starts one `clientdesk worker` (the real command: its task queue, DB or Redis as
configured, and its sweep) against an SMTP sink on loopback (aiosmtpd, in this process, keeping
only what it needs to check), then:

- **backlog**: queues N emails through `outbox.queue` in transactions of `--batch` as fast as it
  can, and waits until the worker has sent them all: the worker's rate once it is going (emails
  between the first and the last `sent_at`), and each email's `queued_at → sent_at`, which here
  is mostly time spent waiting behind the others.
- **steady**: queues emails one per transaction (as actions do) at `--rate` per second for
  `--seconds`, under the worker's rate: `queued_at → sent_at` is then the delivery delay itself
  (the queue's pick-up, the claim, the SMTP exchange).

Every email must reach the sink once, under its own Message-ID. The emails and task results the
run made are deleted afterwards (`--keep` keeps them). It refuses a database holding email still
to send: the worker would send it to the sink.
"""

import math
import os
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from django.conf import settings
from django.db import connection, transaction
from django.utils import timezone

from bench.measure import update_json
from bench.throughput import database_url, free_port
from clientdesk.mail import outbox
from clientdesk.mail.models import MailStatus, OutboundEmail

BENCH_FROM = "bench@bench.example"
WAIT_SECONDS = 300


class MailBenchError(RuntimeError):
    """The run cannot go on (or its emails did not all arrive): the message says why."""


@dataclass
class Sink:
    """The Message-IDs an aiosmtpd server on loopback received."""

    port: int
    received: Counter[str] = field(default_factory=Counter)
    lock: threading.Lock = field(default_factory=threading.Lock)

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:  # noqa: N802
        content: bytes = envelope.original_content or b""
        start = content.find(b"\nMessage-ID: ") + len(b"\nMessage-ID: ")
        message_id = content[start : content.find(b"\r\n", start)].decode()
        with self.lock:
            self.received[message_id] += 1
        return "250 OK"

    def count(self) -> int:
        with self.lock:
            return sum(self.received.values())


@contextmanager
def sink() -> Iterator[Sink]:
    """An SMTP sink on a free loopback port, for the time of the `with`."""
    import logging

    from aiosmtpd.controller import Controller

    logging.getLogger("mail.log").setLevel(logging.WARNING)  # aiosmtpd's: a line per command otherwise
    server = Sink(port=free_port())
    controller = Controller(server, hostname="127.0.0.1", port=server.port)
    controller.start()
    try:
        yield server
    finally:
        controller.stop()


@contextmanager
def worker(port: int, log: Path) -> Iterator[subprocess.Popen[bytes]]:
    """`clientdesk worker` on this database, sending to the sink on `port`; stopped (SIGTERM) on exit."""
    env = {key: value for key, value in os.environ.items() if key != "DJANGO_SETTINGS_MODULE"}
    env |= {
        "DATABASE_URL": database_url(),
        "EMAIL_URL": f"smtp://127.0.0.1:{port}",
        "DJANGO_SETTINGS_MODULE": "clientdesk.settings",
    }
    with log.open("wb") as output:
        process = subprocess.Popen(
            [sys.executable, "-m", "clientdesk", "worker"], env=env, stdout=output, stderr=subprocess.STDOUT
        )
    try:
        deadline = time.monotonic() + 60
        while b"Worker started" not in log.read_bytes():
            if process.poll() is not None or time.monotonic() > deadline:
                raise MailBenchError(f"`clientdesk worker` did not start:\n{log.read_text(errors='replace')}")
            time.sleep(0.05)
        yield process
    finally:
        process.terminate()
        try:
            process.wait(timeout=60)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def queue_emails(count: int, per_transaction: int, run: str, rate: float = 0.0) -> list[int]:
    """Queue `count` emails through the outbox, `per_transaction` at a time; at `rate` per second when given."""
    ids: list[int] = []
    started = time.monotonic()
    for start in range(0, count, per_transaction):
        if rate:
            time.sleep(max(0.0, started + start / rate - time.monotonic()))
        with transaction.atomic():
            for n in range(start, min(count, start + per_transaction)):
                email = outbox.queue(
                    to=[f"client{n}@bench.example"],
                    subject=f"Bench {run} {n}",
                    text_body=f"Hello,\n\nthis is email {n} of the {run} run.\n",
                    html_body=f"<p>Hello,</p><p>this is email <strong>{n}</strong> of the {run} run.</p>",
                    from_name="Bench",
                    from_email=BENCH_FROM,
                )
                ids.append(email.pk)
    return ids


def cpu_seconds(pid: int) -> float | None:
    """User and system CPU seconds a process has used so far (Linux's /proc; None elsewhere)."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rpartition(")")[2].split()
    except OSError:
        return None
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def percentile(values: list[float], p: float) -> float:
    """Nearest-rank percentile."""
    ordered = sorted(values)
    return ordered[max(0, math.ceil(p / 100 * len(ordered)) - 1)] if ordered else 0.0


def wait_until_sent(ids: list[int], server: Sink, process: subprocess.Popen[bytes], log: Path) -> None:
    """Until every email of `ids` is sent (and none failed), or a clear error."""
    deadline = time.monotonic() + WAIT_SECONDS
    while True:
        statuses = Counter(OutboundEmail.objects.filter(pk__in=ids).values_list("status", flat=True))
        if statuses[MailStatus.SENT] == len(ids):
            return
        others = {status: n for status, n in statuses.items() if status not in {MailStatus.QUEUED, MailStatus.SENT}}
        if others.get(MailStatus.FAILED) or others.get(MailStatus.UNKNOWN) or time.monotonic() > deadline:
            raise MailBenchError(f"Emails not sent: {dict(statuses)}; the worker's log:\n{_tail(log)}")
        if process.poll() is not None:
            raise MailBenchError(f"The worker exited with {process.returncode}:\n{_tail(log)}")
        time.sleep(0.05)


def figures(name: str, ids: list[int], server: Sink, cpu: float | None) -> dict[str, Any]:
    """A run's rate and latencies from its rows; checks each email reached the sink once."""
    rows = [
        (message_id, queued, sent)
        for message_id, queued, sent in OutboundEmail.objects.filter(pk__in=ids).values_list(
            "message_id", "queued_at", "sent_at"
        )
        if sent is not None  # every one: wait_until_sent saw them all sent
    ]
    missing = [m for m, _, _ in rows if server.received[m] != 1]
    if missing:
        raise MailBenchError(f"{len(missing)} emails did not reach the sink exactly once (e.g. {missing[0]}).")
    latencies = [(sent - queued).total_seconds() for _, queued, sent in rows]
    first_queued = min(queued for _, queued, _ in rows)
    first_sent, last_sent = min(sent for _, _, sent in rows), max(sent for _, _, sent in rows)
    sending = (last_sent - first_sent).total_seconds()
    return {
        "scenario": name,
        "emails": len(rows),
        "seconds": round((last_sent - first_queued).total_seconds(), 2),
        "messages_per_second": round((len(rows) - 1) / sending, 1) if sending else 0.0,
        "p50_seconds": round(percentile(latencies, 50), 3),
        "p95_seconds": round(percentile(latencies, 95), 3),
        "max_seconds": round(max(latencies), 3),
        "worker_cpu_ms_per_email": round(cpu * 1000 / len(rows), 2) if cpu is not None else None,
    }


def _delta(before: float | None, after: float | None) -> float | None:
    return None if before is None or after is None else after - before


def _tail(log: Path, lines: int = 30) -> str:
    return "\n".join(log.read_text(errors="replace").splitlines()[-lines:]) if log.exists() else ""


def run(
    *,
    emails: int = 2000,
    batch: int = 100,
    rate: float = 100.0,
    seconds: float = 5.0,
    keep: bool = False,
    json_path: str | None = None,
    say: Callable[[str], None] = print,
) -> dict[str, Any]:
    """Measure one worker on a backlog of `emails` and on a steady `rate`; print a table, return the figures."""
    waiting = OutboundEmail.objects.filter(status__in=[MailStatus.QUEUED, MailStatus.SENDING]).count()
    if waiting:
        raise MailBenchError(
            f"Refusing to run: this database holds {waiting} email(s) still to send, which the benchmark's worker "
            "would send to its sink. Use the benchmark's own database (see bench/README.md)."
        )
    queue = settings.TASKS["default"]["BACKEND"].rpartition(".")[2]
    say(f"Email delivery on {connection.vendor}, one worker ({queue}), {emails:,} emails in transactions of {batch}…")
    started_at = timezone.now()
    ids: list[int] = []
    try:
        with sink() as server, tempfile.TemporaryDirectory(prefix="clientdesk-bench-mail-") as tmp:
            log = Path(tmp) / "worker.log"
            with worker(server.port, log) as process:
                cpu_before = cpu_seconds(process.pid)
                backlog = queue_emails(emails, batch, "backlog")
                ids += backlog
                wait_until_sent(backlog, server, process, log)
                cpu_backlog = cpu_seconds(process.pid)
                steady_count = max(1, round(rate * seconds))
                steady = queue_emails(steady_count, 1, "steady", rate=rate)
                ids += steady
                wait_until_sent(steady, server, process, log)
                cpu_steady = cpu_seconds(process.pid)
            rows = [
                figures(f"backlog: {emails} queued at once", backlog, server, _delta(cpu_before, cpu_backlog)),
                figures(f"steady: {rate:g}/s, one per action", steady, server, _delta(cpu_backlog, cpu_steady)),
            ]
    finally:
        if not keep:
            _clean_up(ids, started_at)
    report = {
        "database": connection.vendor,
        "queue": queue,
        "cpus": os.cpu_count(),
        "load_average": [round(x, 2) for x in os.getloadavg()],
        "runs": rows,
    }
    for line in table(report):
        say(line)
    if json_path:
        update_json(json_path, {"mail": report})
        say(f"Wrote {json_path}")
    return report


def _clean_up(ids: list[int], started_at: Any) -> None:
    """Delete the emails of the run, and the task results their commits enqueued on the database queue."""
    OutboundEmail.objects.filter(pk__in=ids, from_email=BENCH_FROM).delete()
    if settings.TASKS["default"]["BACKEND"] == "django_tasks_db.DatabaseBackend":
        from django_tasks_db.models import DBTaskResult

        DBTaskResult.objects.filter(
            task_path="clientdesk.mail.tasks.deliver_outbox", enqueued_at__gte=started_at
        ).delete()


def table(report: dict[str, Any]) -> list[str]:
    """The report as a plain-text table."""
    lines = [
        "",
        f"{'scenario':<36}{'emails':>8}{'seconds':>9}{'msg/s':>9}{'p50 s':>9}{'p95 s':>9}{'max s':>9}"
        f"{'CPU ms/email':>14}",
    ]
    for row in report["runs"]:
        cpu = "" if row["worker_cpu_ms_per_email"] is None else f"{row['worker_cpu_ms_per_email']:.2f}"
        lines.append(
            f"{row['scenario']:<36}{row['emails']:>8}{row['seconds']:>9.2f}{row['messages_per_second']:>9.1f}"
            f"{row['p50_seconds']:>9.3f}{row['p95_seconds']:>9.3f}{row['max_seconds']:>9.3f}{cpu:>14}"
        )
    load = " ".join(f"{x:.2f}" for x in report["load_average"])
    lines += [
        "",
        f"{report['cpus']} CPUs (load average {load} after); one `clientdesk worker` ({report['queue']} queue and "
        "its sweep) sending to an aiosmtpd sink in the benchmark's process.",
        "msg/s: emails between the first and the last sent_at; seconds: first queued_at to last sent_at; "
        "p50/p95/max: queued_at to sent_at; CPU: the worker process's, per email.",
    ]
    return lines
