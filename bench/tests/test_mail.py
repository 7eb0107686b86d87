import json
from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.db import transaction
from django_tasks_db.models import DBTaskResult

from bench.mail import percentile
from clientdesk.mail import outbox
from clientdesk.mail.models import OutboundEmail


@pytest.mark.django_db(transaction=True)  # the worker is another process: it sees committed rows only
def test_mail_sends_every_email_through_a_worker_prints_the_table_and_leaves_nothing_behind(tmp_path):
    path = tmp_path / "results.json"
    out = StringIO()
    call_command(
        "bench",
        *("mail", "--emails", "30", "--batch", "7", "--rate", "20", "--seconds", "0.5", "--json", str(path)),
        stdout=out,
    )
    text = out.getvalue()
    assert "one worker (DatabaseBackend), 30 emails in transactions of 7" in text
    assert "backlog: 30 queued at once" in text
    assert "steady: 20/s, one per action" in text

    report = json.loads(path.read_text())["mail"]
    assert (report["queue"], report["cpus"] > 0) == ("DatabaseBackend", True)
    backlog, steady = report["runs"]
    assert (backlog["emails"], steady["emails"]) == (30, 10)
    for run in (backlog, steady):
        assert run["messages_per_second"] > 0
        assert 0 <= run["p50_seconds"] <= run["p95_seconds"] <= run["max_seconds"] <= run["seconds"]
    assert not OutboundEmail.objects.exists()
    assert not DBTaskResult.objects.exists()


@pytest.mark.django_db
def test_mail_refuses_a_database_holding_email_still_to_send():
    with transaction.atomic():
        outbox.queue(to=["client@example.test"], subject="Real", text_body="Not for the sink")
    with pytest.raises(CommandError, match="holds 1 email"):
        call_command("bench", "mail", "--emails", "5", stdout=StringIO())
    assert OutboundEmail.objects.get().subject == "Real"


def test_percentiles_are_nearest_rank():
    values = [float(n) for n in range(1, 101)]
    assert (percentile(values, 50), percentile(values, 95), percentile([], 95)) == (50.0, 95.0, 0.0)
