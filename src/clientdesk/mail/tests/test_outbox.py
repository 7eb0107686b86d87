import json
import re

import pytest
from django.db import transaction
from django_tasks_db.models import DBTaskResult

from clientdesk.mail import delivery, outbox
from clientdesk.mail.models import EmailTemplate, MailStatus, OutboundEmail, TemplateAction
from clientdesk.mail.tasks import deliver_outbox
from clientdesk.mail.tests.factories import free_port

ADDRESSES = {"to": ["grace@client.example"], "cc": ["cc@client.example"], "bcc": ["hidden@client.example"]}


def queue_one():
    return outbox.queue(
        to=ADDRESSES["to"],
        cc=ADDRESSES["cc"],
        bcc=ADDRESSES["bcc"],
        subject="Secret subject",
        text_body="Secret body",
        html_body="<p>Secret html</p>",
        from_email="ada@desk.example",
    )


class ActionFailedError(Exception):
    pass


def failing_action(check=lambda: None):
    """An action that queues an email and then fails: its transaction rolls back."""
    with transaction.atomic():
        queue_one()
        check()
        raise ActionFailedError


# --- Rows in the caller's transaction; the task after its commit -------------------------------


@pytest.mark.django_db(transaction=True)
def test_queue_refuses_to_run_outside_a_transaction():
    with pytest.raises(RuntimeError, match="inside the transaction"):
        queue_one()
    assert not OutboundEmail.objects.exists()


@pytest.mark.django_db(transaction=True)
def test_a_rolled_back_action_leaves_no_email_and_enqueues_no_task():
    def the_row_is_written_in_the_transaction():
        assert OutboundEmail.objects.count() == 1

    with pytest.raises(ActionFailedError):
        failing_action(the_row_is_written_in_the_transaction)
    assert not OutboundEmail.objects.exists()
    assert not DBTaskResult.objects.exists()


@pytest.mark.django_db(transaction=True)
def test_the_task_is_enqueued_only_after_the_commit_and_carries_only_the_ids():
    with transaction.atomic():
        email = queue_one()
        assert not DBTaskResult.objects.exists()
    task = DBTaskResult.objects.get()
    assert task.task_path == "clientdesk.mail.tasks.deliver_outbox"
    assert task.args_kwargs == {"args": [[email.pk]], "kwargs": {}}
    serialized = json.dumps(task.args_kwargs)
    for secret in ("@", "Secret", "grace", "hidden", "desk.example"):
        assert secret not in serialized
    assert OutboundEmail.objects.get().status == MailStatus.QUEUED


@pytest.mark.django_db(transaction=True)
def test_emails_of_an_action_rolled_back_to_a_savepoint_are_gone_and_the_others_are_sent():
    with transaction.atomic():
        kept = queue_one()
        with pytest.raises(ActionFailedError):
            failing_action()
    assert list(OutboundEmail.objects.values_list("pk", flat=True)) == [kept.pk]
    assert [t.args_kwargs["args"] for t in DBTaskResult.objects.all()] == [[[kept.pk]]]


@pytest.mark.django_db(transaction=True)
def test_one_task_names_every_email_its_transaction_queued():
    with transaction.atomic():
        emails = [queue_one() for _ in range(3)]
    assert [t.args_kwargs["args"] for t in DBTaskResult.objects.all()] == [[[e.pk for e in emails]]]


@pytest.mark.django_db(transaction=True)
def test_emails_of_a_savepoint_rolled_back_first_are_not_named_by_the_task():
    with transaction.atomic():
        with pytest.raises(ActionFailedError):
            failing_action()  # queues the transaction's first email, in a savepoint that rolls back
        kept = queue_one()
    assert [t.args_kwargs["args"] for t in DBTaskResult.objects.all()] == [[[kept.pk]]]


@pytest.mark.django_db(transaction=True)
def test_emails_of_a_rolled_back_transaction_are_not_named_by_the_next_one():
    with pytest.raises(ActionFailedError):
        failing_action()
    with transaction.atomic():
        kept = queue_one()
    assert [t.args_kwargs["args"] for t in DBTaskResult.objects.all()] == [[[kept.pk]]]


@pytest.mark.django_db(transaction=True)
def test_an_email_logged_as_failed_enqueues_no_task():
    with transaction.atomic():
        outbox.queue(to=["a@client.example"], subject="x", text_body="", status=MailStatus.FAILED, last_error="No.")
    assert not DBTaskResult.objects.exists()


@pytest.mark.django_db(transaction=True)
def test_a_task_queue_that_cannot_be_reached_costs_the_action_nothing_and_the_sweep_sends_it(
    smtp_server, settings, caplog
):
    # Redis is down: nothing listens on the queue's port.
    settings.RQ_QUEUES = {"default": {"URL": f"redis://127.0.0.1:{free_port()}/0"}}
    settings.TASKS = {"default": {"BACKEND": "django_tasks_rq.RQBackend", "QUEUES": ["default"]}}
    with transaction.atomic():
        email = queue_one()
    assert "the worker's sweep will send" in caplog.text
    assert OutboundEmail.objects.get().status == MailStatus.QUEUED
    assert delivery.sweep().ids == [email.pk]
    assert smtp_server.message_ids() == {email.message_id: 1}


@pytest.mark.django_db
def test_the_task_sends_the_emails_it_names(smtp_server, queue_email):
    email = queue_email()
    assert deliver_outbox.call([email.pk]) == 1
    email.refresh_from_db()
    assert email.status == MailStatus.SENT
    assert deliver_outbox.call([email.pk]) == 0  # a second message for the same email sends nothing


# --- What a queued row holds ------------------------------------------------------------------


@pytest.mark.django_db
def test_each_email_gets_its_own_message_id_at_the_sender_domain(queue_email):
    first = queue_email(from_email="ada@desk.example")
    second = queue_email(from_email="ada@desk.example")
    assert re.fullmatch(r"<[0-9a-f]{32}@desk\.example>", first.message_id)
    assert first.message_id != second.message_id


@pytest.mark.django_db
def test_the_message_id_of_a_sender_beyond_ascii_is_at_its_idna_domain(queue_email):
    assert queue_email(from_email="desk@bücher.example").message_id.endswith("@xn--bcher-kva.example>")


@pytest.mark.django_db
def test_automatic_email_comes_from_the_configured_sender(settings, queue_email):
    settings.CLIENTDESK_MAIL_FROM = "Acme Billing <billing@acme.example>"
    email = queue_email(from_name="", from_email="")
    assert (email.from_name, email.from_email, email.from_header) == (
        "Acme Billing",
        "billing@acme.example",
        "Acme Billing <billing@acme.example>",
    )
    assert email.message_id.endswith("@acme.example>")


# --- Template mail ----------------------------------------------------------------------------


WELCOME_CONTEXT = {"client": {"id_code": "1500", "name": "Acme"}, "contact": {"first_name": "Grace"}}


@pytest.mark.django_db
def test_template_mail_is_queued_rendered_with_its_template_and_client(make_client, admin):
    client = make_client()
    with transaction.atomic():
        [pk] = outbox.send_template_mail(
            TemplateAction.ACCOUNT_WELCOME, to=["grace@client.example"], context=WELCOME_CONTEXT, client_id=client.pk
        )
    email = OutboundEmail.objects.get(pk=pk)
    assert (email.status, email.template_action, email.client, email.to) == (
        MailStatus.QUEUED,
        TemplateAction.ACCOUNT_WELCOME,
        client,
        ["grace@client.example"],
    )
    assert "Hello Grace," in email.text_body
    assert "1500" in email.text_body


@pytest.mark.django_db
def test_a_switched_off_template_sends_nothing():
    EmailTemplate.objects.filter(action=TemplateAction.ACCOUNT_WELCOME).update(active=False)
    with transaction.atomic():
        ids = outbox.send_template_mail(TemplateAction.ACCOUNT_WELCOME, to=["a@client.example"], context={})
    assert ids == []
    assert not OutboundEmail.objects.exists()


@pytest.mark.django_db
def test_template_mail_to_nobody_queues_nothing():
    with transaction.atomic():
        assert outbox.send_template_mail(TemplateAction.ACCOUNT_WELCOME, to=[], context=WELCOME_CONTEXT) == []
    assert not OutboundEmail.objects.exists()


@pytest.mark.django_db
def test_an_unknown_template_is_a_programming_error():
    with pytest.raises(ValueError, match="No email template 'nope'"):
        outbox.send_template_mail("nope", to=["a@client.example"], context={})


@pytest.mark.django_db
def test_a_template_that_cannot_render_logs_a_failed_email_with_the_reason_instead_of_raising():
    with transaction.atomic():
        [pk] = outbox.send_template_mail(TemplateAction.ACCOUNT_WELCOME, to=["a@client.example"], context={})
    email = OutboundEmail.objects.get(pk=pk)
    assert email.status == MailStatus.FAILED
    assert email.subject == "(Welcome email: template error)"
    assert email.last_error.startswith("The template could not be rendered:")
