"""The invitation email: queued with the member's set-password link in the same transaction as adding
them (or issuing a new link), delivered over real SMTP, and its link works; a rolled-back action
queues nothing."""

import re
from io import StringIO

import pytest
from django.core.management import call_command
from django.test import Client as WebClient
from django.urls import reverse

from clientdesk.accounts import actions, emails
from clientdesk.accounts.actions.staff import LinkState, set_password_tokens
from clientdesk.accounts.models import User
from clientdesk.accounts.tests.mail_helpers import INVITATION, install_templates, link_in, outbox, switch_off, text_of
from clientdesk.accounts.tests.test_staff_actions import NEW_PASSWORD
from clientdesk.core.contract import Role
from clientdesk.mail.models import MailStatus

pytestmark = pytest.mark.django_db

BASE = "https://desk.example.test"


@pytest.fixture(autouse=True)
def _desk(settings):
    settings.CLIENTDESK_BASE_URL = BASE
    install_templates()


def invite(actor, email="lin@example.test"):
    return actions.user_invite(actor=actor, email=email, full_name="Lin Wu", roles=[Role.BILLING])


def test_the_template_names_are_the_mail_apps():
    assert emails.STAFF_INVITATION == INVITATION
    assert emails.STAFF_PASSWORD_RESET == "staff_password_reset"


def test_user_invite_queues_the_invitation_with_the_link_to_the_member(admin, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks() as callbacks:
        member, link = invite(admin)
    [email] = outbox()
    assert (email.template_action, email.to, email.client_id) == (INVITATION, [member.email], None)
    assert email.sent_by == admin
    assert email.status == MailStatus.QUEUED
    assert email.subject == "Your Clientdesk staff account"
    assert link_in(email.text_body, BASE) == link.path
    assert "Hello Lin Wu," in email.text_body
    assert link.emailed_to == "lin@example.test"
    assert len(callbacks) == 1, "the worker is woken once the action has committed"


def test_a_new_link_is_emailed_and_the_emailed_link_before_it_stops_working(admin, billing):
    first = actions.user_password_link_issue(actor=admin, user=billing)
    second = actions.user_password_link_issue(actor=admin, user=billing)
    emailed = [link_in(email.text_body, BASE) for email in outbox(INVITATION)]
    assert emailed == [first.path, second.path]
    assert second.emailed_to == billing.email
    billing.refresh_from_db()
    assert set_password_tokens.state(billing, first.token) is LinkState.INVALID
    assert set_password_tokens.state(billing, second.token) is LinkState.VALID


def test_an_invite_rolled_back_after_queueing_its_email_sends_nothing(admin, monkeypatch):
    queued = []

    def send_then_fail(*args, **kwargs):
        queued.append(real(*args, **kwargs))
        raise RuntimeError("the database went away")

    real = emails.send_link
    monkeypatch.setattr(emails, "send_link", send_then_fail)
    with pytest.raises(RuntimeError):
        invite(admin)
    assert queued == [True], "the email was queued inside the action"
    assert outbox() == []
    assert not User.objects.filter(email="lin@example.test").exists()


def test_a_refused_invite_or_link_queues_nothing(admin, billing):
    with pytest.raises(Exception, match="already exists"):
        invite(admin, email=billing.email)
    actions.user_deactivate(actor=admin, user=billing)
    with pytest.raises(Exception, match="deactivated"):
        actions.user_password_link_issue(actor=admin, user=billing)
    assert outbox() == []


def test_with_the_invitation_switched_off_the_link_is_still_made_but_not_emailed(admin):
    switch_off(INVITATION)
    member, link = invite(admin)
    assert outbox() == []
    assert link.emailed_to == ""
    assert set_password_tokens.state(member, link.token) is LinkState.VALID


def test_the_invitation_reaches_an_smtp_server_and_its_link_sets_the_password(
    admin, smtp_server, deliver_outbox, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        member, _ = invite(admin)
    assert deliver_outbox().sent == 1
    [message] = smtp_server.messages()
    assert message["To"] == "lin@example.test"
    assert message["Subject"] == "Your Clientdesk staff account"
    path = link_in(text_of(message), BASE)

    web = WebClient()
    page = web.get(path)
    assert page.status_code == 200
    assert "Set your password" in page.content.decode()
    assert web.post(path, {"new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD}).status_code == 302
    assert web.post(reverse("accounts:sign_in"), {"email": member.email, "password": NEW_PASSWORD}).status_code == 302
    assert web.get(path).status_code == 410, "the link works once"


def test_the_member_added_page_says_where_the_invitation_went_and_still_shows_the_link(login_as, admin):
    response = login_as(admin).post(
        reverse("accounts:staff_add"), {"full_name": "Lin Wu", "email": "Lin@Example.test", "roles": [Role.BILLING]}
    )
    body = response.content.decode()
    assert response.status_code == 200
    assert "The invitation was emailed to lin@example.test." in body
    assert "This link is shown only now" in body
    [email] = outbox(INVITATION)
    shown = re.search(r'id="set-password-link" type="text" value="http://testserver([^"]+)"', body)
    assert shown
    assert link_in(email.text_body, BASE) == shown.group(1), "the page shows the emailed link"


def test_the_new_link_page_says_it_was_emailed(login_as, admin, billing):
    web = login_as(admin)
    assert "emailed to them" in web.get(reverse("accounts:staff_link", args=[billing.pk])).content.decode()
    body = web.post(reverse("accounts:staff_link", args=[billing.pk])).content.decode()
    assert f"The new link was emailed to {billing.email}." in body


def test_the_member_added_page_does_not_claim_an_email_when_the_template_is_off(login_as, admin):
    switch_off(INVITATION)
    body = (
        login_as(admin)
        .post(reverse("accounts:staff_add"), {"full_name": "Lin", "email": "lin@example.test", "roles": ["Billing"]})
        .content.decode()
    )
    assert "emailed" not in body
    assert "This link is shown only now. Copy it and pass it on" in body


def test_the_staff_command_says_the_link_is_emailed_too_on_the_desks_address():
    out = StringIO()
    call_command("staff", "add", "ada@example.com", "--role", "Admin", stdout=out)
    assert f"  {BASE}/accounts/set-password/" in out.getvalue(), "the printed link uses CLIENTDESK_BASE_URL"
    assert "The link is emailed to ada@example.com too" in out.getvalue()
    [email] = outbox(INVITATION)
    assert email.sent_by is None
    assert link_in(email.text_body, BASE) in out.getvalue()
