"""The welcome email: Add client's "Send a welcome email" box (unticked by default) queues the Welcome
template to the primary contact, in the client's Mail Log, in the same transaction as the client."""

import pytest
from django.urls import reverse

from clientdesk.clients.actions import ClientData, ContactData, DuplicateClientError, client_create
from clientdesk.clients.actions import clients as client_actions
from clientdesk.clients.models import Client
from clientdesk.clients.tests.test_views import form_data
from clientdesk.mail.catalog import SPECS, default_html
from clientdesk.mail.models import EmailTemplate, MailStatus, OutboundEmail, TemplateAction
from clientdesk.mail.queries import client_mail_log

pytestmark = pytest.mark.django_db

WELCOME = TemplateAction.ACCOUNT_WELCOME
CHECKBOX = 'type="checkbox" name="send_welcome"'


@pytest.fixture(autouse=True)
def _templates():
    """The default templates, as migrating installs them (a flushed test database has none)."""
    for action, spec in SPECS.items():
        EmailTemplate.objects.get_or_create(
            action=str(action), defaults={"subject": spec.subject, "text": spec.text, "html": default_html(action)}
        )


def create(actor=None, *, send_welcome, email="grace@navy.example", allow_duplicate=False):
    return client_create(
        actor=actor,
        data=ClientData(),
        contact=ContactData(first_name="Grace", last_name="Hopper", email=email, country="US"),
        send_welcome=send_welcome,
        allow_duplicate=allow_duplicate,
    )


def welcomes():
    return list(OutboundEmail.objects.filter(template_action=WELCOME).order_by("id"))


# --- The action -------------------------------------------------------------------------------


def test_the_template_name_is_the_mail_apps():
    assert client_actions.ACCOUNT_WELCOME == WELCOME


def test_send_welcome_queues_the_welcome_email_to_the_primary_contact_in_the_clients_mail_log(
    billing, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks() as callbacks:
        client = create(billing, send_welcome=True)
    [email] = welcomes()
    assert (email.to, email.client_id, email.sent_by, email.status) == (
        ["grace@navy.example"],
        client.pk,
        billing,
        MailStatus.QUEUED,
    )
    assert email.subject == "Welcome to Clientdesk"
    assert "Hello Grace," in email.text_body
    assert f"Your client ID is {client.id_code}" in email.text_body
    assert list(client_mail_log(client)) == [email]
    assert len(callbacks) == 1, "delivery is asked for once the client is committed"


def test_without_send_welcome_no_email_is_queued(billing):
    create(billing, send_welcome=False)
    client_create(
        actor=billing,
        data=ClientData(),
        contact=ContactData(first_name="Ada", last_name="King", email="ada@example.test", country="GB"),
    )
    assert OutboundEmail.objects.count() == 0


def test_a_refused_client_sends_no_welcome(billing):
    create(billing, send_welcome=False)
    with pytest.raises(DuplicateClientError):
        create(billing, send_welcome=True)
    with pytest.raises(Exception, match="valid email"):
        create(billing, send_welcome=True, email="not-an-address")
    assert Client.objects.count() == 1
    assert welcomes() == []


def test_a_create_rolled_back_after_queueing_the_welcome_sends_nothing(billing, monkeypatch):
    real = client_actions.contract.send_template_mail

    def queue_then_fail(*args, **kwargs):
        assert real(*args, **kwargs)
        raise RuntimeError("the database went away")

    monkeypatch.setattr(client_actions.contract, "send_template_mail", queue_then_fail)
    with pytest.raises(RuntimeError):
        create(billing, send_welcome=True)
    assert Client.objects.count() == 0
    assert OutboundEmail.objects.count() == 0


def test_with_the_welcome_template_switched_off_the_client_is_created_without_email(billing):
    EmailTemplate.objects.filter(action=WELCOME).update(active=False)
    create(billing, send_welcome=True)
    assert Client.objects.count() == 1
    assert welcomes() == []


def test_the_welcome_email_reaches_an_smtp_server(
    billing, smtp_server, deliver_outbox, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        client = create(billing, send_welcome=True)
    assert deliver_outbox().sent == 1
    [message] = smtp_server.messages()
    assert (message["To"], message["Subject"]) == ("grace@navy.example", "Welcome to Clientdesk")
    assert f"Your client ID is {client.id_code}" in message.get_body(preferencelist=("plain",)).get_content()
    assert welcomes()[0].status == MailStatus.SENT


# --- The Add client form ----------------------------------------------------------------------


def test_add_client_offers_the_box_unticked_and_edit_client_does_not(login_as, billing, make_client):
    web = login_as(billing)
    add = web.get(reverse("clients:client_add")).content.decode()
    assert f'<input {CHECKBOX} class="form-check-input" aria-describedby="id_send_welcome_helptext" id' in add
    assert "checked" not in add.split(CHECKBOX)[1].split(">")[0]
    assert '<label class="form-check-label" for="id_send_welcome">Send a welcome email</label>' in add
    assert 'id="id_send_welcome_helptext">To the primary contact' in add
    edit = web.get(reverse("clients:client_edit", args=[make_client().pk])).content.decode()
    assert CHECKBOX not in edit


def test_add_client_runs_the_same_queries_with_the_box(login_as, billing, django_assert_num_queries):
    web = login_as(billing)
    web.get(reverse("clients:client_add"))
    with django_assert_num_queries(5):
        assert web.get(reverse("clients:client_add")).status_code == 200


def test_ticked_the_new_client_gets_one_welcome_email(login_as, billing):
    response = login_as(billing).post(reverse("clients:client_add"), form_data(send_welcome="on"))
    client = Client.objects.get()
    assert response.status_code == 302
    [email] = welcomes()
    assert (email.to, email.client_id, email.sent_by) == (["grace@navy.example"], client.pk, billing)


def test_unticked_no_email_is_sent(login_as, billing):
    assert login_as(billing).post(reverse("clients:client_add"), form_data()).status_code == 302
    assert Client.objects.count() == 1
    assert OutboundEmail.objects.count() == 0


def test_bad_input_keeps_the_box_ticked_and_sends_nothing(login_as, billing):
    response = login_as(billing).post(reverse("clients:client_add"), form_data(email="nope", send_welcome="on"))
    assert response.status_code == 422
    assert "Enter a valid email address." in response.context["form"].errors["email"][0]
    assert response.context["form"]["send_welcome"].value() is True
    assert Client.objects.count() == 0
    assert OutboundEmail.objects.count() == 0


def test_a_duplicate_asks_first_then_create_anyway_sends_one_welcome(login_as, billing, make_client):
    make_client(email="grace@navy.example")
    web = login_as(billing)
    asked = web.post(reverse("clients:client_add"), form_data(send_welcome="on"))
    assert asked.status_code == 409
    assert welcomes() == []
    assert asked.context["form"]["send_welcome"].value() is True
    anyway = web.post(reverse("clients:client_add"), form_data(send_welcome="on", create_anyway="1"))
    assert anyway.status_code == 302
    assert [email.client_id for email in welcomes()] == [Client.objects.latest("id").pk]


def test_anonymous_is_sent_to_sign_in_and_nothing_is_sent(client):
    response = client.post(reverse("clients:client_add"), form_data(send_welcome="on"))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("accounts:sign_in"))
    assert OutboundEmail.objects.count() == 0


@pytest.mark.parametrize("persona", ["outsider", "support", "readonly"])
def test_a_role_that_may_not_add_clients_gets_403_and_nothing_is_sent(request, login_as, persona):
    web = login_as(request.getfixturevalue(persona))
    assert web.post(reverse("clients:client_add"), form_data(send_welcome="on")).status_code == 403
    assert Client.objects.count() == 0
    assert OutboundEmail.objects.count() == 0
