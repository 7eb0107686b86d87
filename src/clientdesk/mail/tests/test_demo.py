import random

import pytest

from clientdesk.audit.models import AuditEvent
from clientdesk.core.contract import DemoContext, demo_order
from clientdesk.mail import delivery, demo
from clientdesk.mail.models import MailStatus, OutboundEmail

pytestmark = pytest.mark.django_db


def context(size, said):
    return DemoContext(size=size, rng=random.Random(1500), say=said.append, login=("ada@staff.test", "x"))


def test_the_mail_seeder_runs_after_the_clients_seeder():
    labels = [app.label for app in demo_order()]
    assert labels.index("clients") < labels.index("mail")


def test_the_demo_gives_clients_a_mail_log_through_the_real_actions_once(make_client, admin):
    clients = [make_client() for _ in range(8)]
    said: list[str] = []
    demo.seed(context(8, said))
    emails = OutboundEmail.objects.all()
    assert emails.filter(client__in=clients).count() == emails.count() > 8
    # Written by staff (audited, from the demo admin) and automatic (rendered from the templates).
    manual = emails.filter(template_action="")
    assert manual.exists()
    assert set(manual.values_list("sent_by", flat=True)) == {admin.pk}
    assert AuditEvent.objects.filter(action__in=["mail.send", "mail.resend"]).count() == manual.count()
    assert emails.exclude(template_action="").exists()
    assert all(e.html_body and e.text_body for e in manual)
    # Mostly sent, spread over the past; a failure with the server's error, resent; an unknown one.
    assert emails.filter(status=MailStatus.SENT).count() == emails.count() - 2
    failed = emails.get(status=MailStatus.FAILED)
    assert failed.client == clients[0]
    assert failed.last_error.startswith("550 5.1.1 <old.")
    assert failed.resends.get().status == MailStatus.SENT
    unknown = emails.get(status=MailStatus.UNKNOWN)
    assert unknown.last_error == delivery.UNKNOWN_ERROR
    assert len({e.queued_at.date() for e in emails}) > 5
    assert not emails.filter(status=MailStatus.QUEUED).exists()  # nothing left for the worker to send again
    assert said[-1] == f"Created {emails.count()} demo emails in the mail log."

    demo.seed(context(8, said))
    assert OutboundEmail.objects.count() == emails.count()
    assert said[-1] == f"Keeping the {manual.count()} emails staff have already written."
