import signal
import threading
import time
from collections import Counter
from datetime import timedelta
from io import StringIO

import pytest
from django.core.management import call_command
from django.db import connection, transaction
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from clientdesk.mail import delivery, outbox
from clientdesk.mail.models import MailStatus, OutboundEmail
from clientdesk.mail.tests.factories import clientdesk, clientdesk_env, wait_for

pytestmark = pytest.mark.django_db(transaction=True)  # workers in other threads and processes see commits only


def queue_many(count: int, per_transaction: int = 50) -> list[OutboundEmail]:
    emails = []
    for start in range(0, count, per_transaction):
        with transaction.atomic():
            emails += [
                outbox.queue(to=[f"client{n}@example.test"], subject=f"Backlog {n}", text_body=f"Email {n}")
                for n in range(start, min(count, start + per_transaction))
            ]
    return emails


def statuses() -> Counter[str]:
    return Counter(OutboundEmail.objects.values_list("status", flat=True))


# --- `clientdesk worker` ----------------------------------------------------------------------


def test_worker_burst_delivers_queued_email_end_to_end_through_the_database_queue(smtp_server):
    emails = queue_many(3, per_transaction=1)
    assert DBTaskResult.objects.count() == 3
    out = StringIO()
    call_command("worker", "--burst", stdout=out)

    assert statuses() == {MailStatus.SENT: 3}
    assert smtp_server.message_ids() == {e.message_id: 1 for e in emails}
    assert set(DBTaskResult.objects.values_list("status", flat=True)) == {"SUCCESSFUL"}
    sent_by_tasks = sum(sent or 0 for sent in DBTaskResult.objects.values_list("return_value", flat=True))
    assert sent_by_tasks == 3
    assert "Worker finished: nothing due (0 sent" in out.getvalue()


def test_worker_burst_in_process_sends_what_no_task_asked_for_and_recovers_expired_leases(smtp_server, monkeypatch):
    monkeypatch.setattr(outbox, "wake", lambda ids: None)  # the task messages were lost
    stalled, waiting = queue_many(2, per_transaction=1)
    delivery.claim([stalled.pk])
    OutboundEmail.objects.filter(pk=stalled.pk).update(lease_expires_at=timezone.now() - timedelta(seconds=1))
    out = StringIO()
    call_command("worker", "--burst", stdout=out)

    assert OutboundEmail.objects.get(pk=stalled.pk).status == MailStatus.UNKNOWN
    assert OutboundEmail.objects.get(pk=waiting.pk).status == MailStatus.SENT
    assert smtp_server.message_ids() == {waiting.message_id: 1}
    assert out.getvalue().strip() == (
        "Worker finished: nothing due (1 sent, 0 to retry, 0 failed by the last sweep; "
        "1 left sending by a stopped worker marked unknown)."
    )


# --- Several workers, one backlog -------------------------------------------------------------


def sweep_in_threads(count: int) -> list[delivery.Report]:
    """Sweep the outbox from `count` threads at once (each its own database connection); their reports."""
    reports: list[delivery.Report] = []
    errors: list[BaseException] = []

    def work() -> None:
        try:
            reports.append(delivery.sweep())
        except BaseException as exc:  # reported by the test, not lost in the thread
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=work) for _ in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert errors == []
    return reports


def test_a_row_another_worker_is_claiming_is_skipped_on_postgresql_and_waited_for_on_sqlite():
    first, second = queue_many(2, per_transaction=1)
    locked, release = threading.Event(), threading.Event()

    def other_worker() -> None:
        try:
            with transaction.atomic():  # SQLite: BEGIN IMMEDIATE, the write lock; PostgreSQL: the row's lock
                OutboundEmail.objects.select_for_update().filter(pk=first.pk).update(last_error="")
                locked.set()
                release.wait(timeout=30)
        finally:
            connection.close()

    thread = threading.Thread(target=other_worker)
    thread.start()
    try:
        assert locked.wait(timeout=30)
        if connection.vendor == "postgresql":
            claimed = delivery.claim()
            assert claimed is not None
            assert claimed[0].pk == second.pk  # SKIP LOCKED: at once, the next row
        else:
            threading.Timer(0.5, release.set).start()
            started = time.monotonic()
            claimed = delivery.claim()  # waits for the other writer, then finds the first row still queued
            assert claimed is not None
            assert (claimed[0].pk, time.monotonic() - started >= 0.4) == (first.pk, True)
    finally:
        release.set()
        thread.join(timeout=30)


def test_worker_threads_delivering_one_backlog_send_each_email_exactly_once(smtp_server):
    emails = queue_many(200)
    reports = sweep_in_threads(4)
    assert statuses() == {MailStatus.SENT: 200}
    assert set(OutboundEmail.objects.values_list("attempts", flat=True)) == {1}  # each claimed once
    assert smtp_server.message_ids() == {e.message_id: 1 for e in emails}
    assert sum(r.sent for r in reports) == 200
    assert sum(1 for r in reports if r.sent) >= 2  # the backlog was shared


def test_a_worker_process_and_worker_threads_share_a_backlog_each_email_once_then_sigterm_stops_it(
    smtp_server, tmp_path
):
    emails = queue_many(300)
    log = tmp_path / "worker.log"
    worker = clientdesk("worker", "--interval", "0.1", "--sweep", "0.5", env=clientdesk_env(smtp_server), log=log)
    try:
        wait_for(lambda: smtp_server.received, timeout=120, what="the worker to start sending")
        reports = sweep_in_threads(2)  # two more workers, in this process
        wait_for(lambda: statuses() == {MailStatus.SENT: 300}, timeout=120, what="the backlog to be sent")
        later = queue_many(1)  # sent by the running worker alone
        wait_for(lambda: statuses() == {MailStatus.SENT: 301}, timeout=30, what="the email queued later")
        worker.send_signal(signal.SIGTERM)
        assert worker.wait(timeout=60) == 0, log.read_text()
    finally:
        if worker.poll() is None:
            worker.kill()
            worker.wait()
    assert "Worker started (DatabaseBackend)" in log.read_text()
    assert set(OutboundEmail.objects.values_list("attempts", flat=True)) == {1}  # each claimed once
    assert smtp_server.message_ids() == {e.message_id: 1 for e in emails + later}
    assert sum(r.sent for r in reports) < 300  # the worker process sent its share
