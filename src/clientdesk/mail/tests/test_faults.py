"""The outbox under faults: an SMTP server dropping connections at each moment that matters, a worker killed mid-batch.

Over 1,000 emails with 10 % of SMTP transactions broken: none is lost, none is left `sending` once its
lease expired, an email arrives twice only when the server dropped the connection after the final
dot (the sender cannot tell it was received), and then with the same Message-ID; every failed or
unknown email is in the mail log with its reason.
"""

import random
import signal
import time
from collections import Counter
from datetime import timedelta

import pytest
from django.db import transaction
from django.utils import timezone

from clientdesk.mail import delivery, outbox, queries
from clientdesk.mail.models import MailStatus, OutboundEmail
from clientdesk.mail.tests.factories import Fault, clientdesk, clientdesk_env, wait_for

EMAILS = 1000
FAULT_RATE = 0.10
LEASE = 2  # seconds, for the worker that is killed
HOLD_AT = 100  # the message the server holds (received, unanswered) while the worker is killed
FINAL = {MailStatus.SENT, MailStatus.FAILED, MailStatus.UNKNOWN}


def queue_emails(count: int, per_transaction: int = 50) -> None:
    for start in range(0, count, per_transaction):
        with transaction.atomic():
            for n in range(start, min(count, start + per_transaction)):
                outbox.queue(
                    to=[f"client{n}@example.test"],
                    cc=[f"copy{n}@example.test"] if n % 7 == 0 else [],
                    subject=f"Fault test {n:04}",
                    text_body=f"Message {n}",
                    html_body=f"<p>Message {n}</p>",
                    from_email="desk@desk.example",
                )


def settle() -> None:
    """Sweep until every email is sent, failed or unknown: retries made due at once, expired leases recovered."""
    deadline = time.monotonic() + 90
    while OutboundEmail.objects.exclude(status__in=FINAL).exists():
        assert time.monotonic() < deadline, "the outbox did not settle"
        OutboundEmail.objects.filter(status=MailStatus.QUEUED).update(
            next_attempt_at=timezone.now() - timedelta(seconds=1)
        )
        delivery.sweep()
        if OutboundEmail.objects.filter(status=MailStatus.SENDING).exists():
            time.sleep(0.2)  # the killed worker's lease runs out


@pytest.mark.django_db(transaction=True)  # the worker is another process: it sees committed rows only
def test_a_thousand_emails_through_dropped_connections_and_a_killed_worker(smtp_server, settings, tmp_path):
    settings.CLIENTDESK_MAIL_MAX_ATTEMPTS = 3  # a few emails meet three faults in a row and fail
    chance = random.Random(1500)
    smtp_server.faults = lambda: chance.choice(list(Fault)) if chance.random() < FAULT_RATE else None
    smtp_server.hold_at = HOLD_AT
    queue_emails(EMAILS)
    emails = {e.message_id: e for e in OutboundEmail.objects.all()}
    assert len(emails) == EMAILS

    # A worker (the real command, its queue and its sweep) is killed while the server holds a message.
    env = clientdesk_env(smtp_server, CLIENTDESK_MAIL_LEASE=str(LEASE))
    worker = clientdesk("worker", "--sweep", "0.2", env=env, log=tmp_path / "worker.log")
    try:
        wait_for(lambda: smtp_server.holding.is_set() or worker.poll() is not None, timeout=120, what="the hold")
        assert worker.poll() is None, (tmp_path / "worker.log").read_text()
        worker.send_signal(signal.SIGKILL)
        worker.wait(timeout=10)
    finally:
        if worker.poll() is None:
            worker.kill()
            worker.wait()
        smtp_server.release.set()
    held = smtp_server.received[HOLD_AT - 1].message["Message-ID"]
    assert OutboundEmail.objects.get(message_id=held).status == MailStatus.SENDING

    settle()

    rows = {e.message_id: e for e in OutboundEmail.objects.all()}
    statuses = Counter(e.status for e in rows.values())
    assert set(statuses) <= FINAL  # none lost in `queued`, none stuck in `sending`
    assert sum(statuses.values()) == EMAILS
    assert set(smtp_server.faults_played) == set(Fault)  # each fault was played
    transactions = (
        len(smtp_server.received)
        + sum(smtp_server.faults_played.values())
        - sum(smtp_server.dropped_after_dot.values())
    )
    assert 0.05 < sum(smtp_server.faults_played.values()) / transactions < 0.15

    copies = smtp_server.message_ids()
    assert set(copies) <= set(rows)  # nothing arrives that the outbox did not hold
    for received in smtp_server.received:
        row = rows[received.message["Message-ID"]]
        assert received.message["Subject"] == row.subject  # the same email under the same Message-ID
        assert received.message["Date"].datetime == row.queued_at.replace(microsecond=0)
    for message_id, row in rows.items():
        got = copies[message_id]
        dropped_after_dot = smtp_server.dropped_after_dot[message_id]
        # Sent: it arrived. Arrived more than once: only by a drop after the final dot, each drop one copy more.
        if row.status == MailStatus.SENT:
            assert 1 <= got <= 1 + dropped_after_dot, row.subject
        elif row.status == MailStatus.UNKNOWN:
            assert got <= 1 + dropped_after_dot, row.subject
        else:
            assert got <= dropped_after_dot, row.subject
    assert any(copies[m] > 1 for m in rows)  # the after-dot window did play

    # The killed worker held one email per thread (its queue's and its sweep's) at most.
    unknown = [e for e in rows.values() if e.status == MailStatus.UNKNOWN]
    assert 1 <= len(unknown) <= 2
    assert held in {e.message_id for e in unknown}
    assert copies[held] >= 1  # received while the worker died: "it may have gone out"

    # Every failed and unknown email is in the mail log, with its reason.
    for status in (MailStatus.FAILED, MailStatus.UNKNOWN):
        logged = {e.message_id: e for e in queries.mail_log(status=status)}
        assert logged.keys() == {m for m, e in rows.items() if e.status == status}
        assert all(e.last_error for e in logged.values())
    assert all(e.last_error == delivery.UNKNOWN_ERROR for e in unknown)
    failed = [e for e in rows.values() if e.status == MailStatus.FAILED]
    assert all(e.last_error.startswith("Gave up after ") for e in failed)  # 3 here, 6 in the killed worker
