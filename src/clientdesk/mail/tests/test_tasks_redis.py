"""The outbox on Redis (TASKS_URL=redis://…: django-tasks-rq), against a real Redis on 127.0.0.1:6379.

CI starts one (.ci/run); without it these tests fail, they are never skipped. Each pytest worker
uses a Redis database of its own (15, 14, …), emptied before and after each test.
"""

import signal
import zlib
from collections.abc import Iterator
from io import StringIO
from typing import Any

import django_rq
import pytest
import redis
from django.core.management import call_command
from django.db import transaction
from rq import Queue
from rq.job import JobStatus

from clientdesk.mail import outbox
from clientdesk.mail.models import MailStatus, OutboundEmail
from clientdesk.mail.tasks import deliver_outbox
from clientdesk.mail.tests.factories import clientdesk, clientdesk_env, wait_for

pytestmark = pytest.mark.django_db(transaction=True)  # tasks are enqueued after a real commit

RQ_BACKEND = {"default": {"BACKEND": "django_tasks_rq.RQBackend", "QUEUES": ["default"]}}


class ActionFailedError(Exception):
    pass


@pytest.fixture
def redis_url(worker_id: str) -> Iterator[str]:
    """A Redis database of this pytest worker's own, empty; the test fails when Redis is not running."""
    number = 0 if worker_id == "master" else int(worker_id.removeprefix("gw"))
    url = f"redis://127.0.0.1:6379/{15 - number % 16}"
    client = redis.Redis.from_url(url, socket_connect_timeout=2)
    try:
        client.ping()
    except redis.ConnectionError as exc:
        pytest.fail(f"Redis is not running on 127.0.0.1:6379 ({exc}); start it with `redis-server --daemonize yes`.")
    client.flushdb()
    try:
        yield url
    finally:
        client.flushdb()
        client.close()


@pytest.fixture
def rq(settings: Any, redis_url: str) -> Iterator[Queue]:
    """The task queue on Redis (as TASKS_URL=redis://… configures it): its RQ queue."""
    settings.RQ_QUEUES = {"default": {"URL": redis_url, "DEFAULT_TIMEOUT": 600}}
    settings.TASKS = RQ_BACKEND
    handlers = {sig: signal.getsignal(sig) for sig in (signal.SIGINT, signal.SIGTERM)}
    try:
        yield django_rq.get_queue("default")
    finally:
        for sig, handler in handlers.items():  # an RQ worker run in this process installs its own
            signal.signal(sig, handler)


def queue_one(n: int = 1) -> OutboundEmail:
    with transaction.atomic():
        return outbox.queue(to=[f"grace{n}@client.example"], subject=f"Over Redis {n}", text_body="Secret body")


def burst() -> str:
    out = StringIO()
    call_command("worker", "--burst", stdout=out)
    return out.getvalue()


def test_the_commit_puts_a_job_in_the_rq_queue_carrying_only_the_ids(rq):
    with transaction.atomic():
        email = outbox.queue(to=["grace@client.example"], subject="Over Redis", text_body="Secret body")
        assert rq.count == 0
    [job] = rq.get_jobs()
    assert job.func_name == "clientdesk.mail.tasks.deliver_outbox"
    assert (list(job.args), job.kwargs) == ([[email.pk]], {})
    stored = zlib.decompress(rq.connection.hget(job.key, "data"))
    for secret in (b"grace", b"client.example", b"Secret", b"Over Redis"):
        assert secret not in stored


def test_a_rolled_back_action_puts_no_job_in_the_queue(rq):
    def failing_action() -> None:
        with transaction.atomic():
            queue_one()
            raise ActionFailedError

    with pytest.raises(ActionFailedError):
        failing_action()
    assert rq.count == 0
    assert not OutboundEmail.objects.exists()


def test_worker_burst_runs_the_job_which_sends_the_email(rq, smtp_server):
    email = queue_one()
    [job] = rq.get_jobs()
    out = burst()
    job.refresh()
    assert (job.get_status(), job.return_value()) == (JobStatus.FINISHED, 1)  # the job sent it, not the sweep
    assert "(0 sent" in out
    assert OutboundEmail.objects.get().status == MailStatus.SENT
    assert smtp_server.message_ids() == {email.message_id: 1}


def test_a_lost_task_message_is_still_delivered_by_the_sweep(rq, smtp_server):
    email = queue_one()
    rq.empty()  # the job is lost
    assert rq.count == 0
    out = burst()
    assert "(1 sent" in out
    assert OutboundEmail.objects.get().status == MailStatus.SENT
    assert smtp_server.message_ids() == {email.message_id: 1}


def test_a_duplicated_task_message_sends_the_email_once(rq, smtp_server):
    email = queue_one()
    for _ in range(2):  # the same message delivered twice more by the queue
        deliver_outbox.enqueue([email.pk])
    jobs = rq.get_jobs()
    assert len(jobs) == 3
    burst()
    for job in jobs:
        job.refresh()
    assert [job.get_status() for job in jobs] == [JobStatus.FINISHED] * 3
    assert sorted(job.return_value() for job in jobs) == [0, 0, 1]
    assert OutboundEmail.objects.get().attempts == 1
    assert smtp_server.message_ids() == {email.message_id: 1}


def test_a_running_rq_worker_delivers_and_stops_cleanly_on_sigterm(rq, redis_url, smtp_server, tmp_path):
    log = tmp_path / "worker.log"
    env = clientdesk_env(smtp_server, TASKS_URL=redis_url)
    worker = clientdesk("worker", "--sweep", "60", env=env, log=log)
    try:
        wait_for(lambda: "Worker started (RQBackend)" in log.read_text(), timeout=120, what="the worker")
        emails = [queue_one(n) for n in range(3)]
        wait_for(
            lambda: set(OutboundEmail.objects.values_list("status", flat=True)) == {MailStatus.SENT},
            timeout=30,
            what="the emails",
        )
        wait_for(lambda: rq.finished_job_registry.count == 3, timeout=30, what="the jobs")
        worker.send_signal(signal.SIGTERM)
        assert worker.wait(timeout=60) == 0, log.read_text()
    finally:
        if worker.poll() is None:
            worker.kill()
            worker.wait()
    assert smtp_server.message_ids() == {e.message_id: 1 for e in emails}
