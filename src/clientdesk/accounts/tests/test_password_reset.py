"""Password reset by email: the "Forgot your password?" link, one answer for every address, the emailed
link (delivered over real SMTP) that works once, expires and is refused for a deactivated member,
and two-factor sign-in still asked for afterwards."""

import re
import time
from datetime import datetime, timedelta

import pytest
from django.contrib.auth.hashers import MD5PasswordHasher
from django.test import Client as WebClient
from django.urls import reverse
from django.utils.html import escape

from clientdesk.accounts import actions
from clientdesk.accounts.actions.reset import RESET_LINK_REFUSED, password_reset_tokens, reset_link
from clientdesk.accounts.actions.staff import LINK_REFUSED, LinkState, set_password_tokens
from clientdesk.accounts.events import AccountEvent
from clientdesk.accounts.models import LoginThrottle
from clientdesk.accounts.tests.mail_helpers import RESET, install_templates, link_in, outbox, switch_off, text_of
from clientdesk.accounts.tests.test_staff_actions import NEW_PASSWORD, snapshot
from clientdesk.accounts.tests.test_two_factor import enrol, is_signed_in
from clientdesk.audit.models import ActorType, AuditEvent
from clientdesk.core.contract import Role
from clientdesk.core.testing import PASSWORD
from clientdesk.mail.models import OutboundEmail

pytestmark = pytest.mark.django_db

BASE = "https://desk.example.test"
PER_RESPONSE = re.compile(r'"X-CSRFToken": "[^"]*"|nonce="[^"]*"')  # what differs between any two responses


@pytest.fixture(autouse=True)
def _desk(settings):
    settings.CLIENTDESK_BASE_URL = BASE
    settings.CLIENTDESK_PASSWORD_RESET_ANSWER_SECONDS = 0  # one test below holds the answer back
    install_templates()


@pytest.fixture
def deactivated(admin, make_staff):
    member = make_staff("gone@staff.test", Role.SUPPORT)
    actions.user_deactivate(actor=admin, user=member)
    return member


def forgot():
    return reverse("accounts:password_reset")


def ask(email, ip="192.0.2.10"):
    """Ask for a reset link from a browser of its own, as a visitor would."""
    return WebClient(REMOTE_ADDR=ip).post(forgot(), {"email": email})


def html(response):
    return response.content.decode()


def asked_link(member):
    """Ask for the member's reset link; the path of the link their email carries."""
    assert ask(member.email).status_code == 302
    return link_in(outbox(RESET)[-1].text_body, BASE)


def set_new(web, path, first=NEW_PASSWORD, second=NEW_PASSWORD):
    return web.post(path, {"new_password1": first, "new_password2": second})


def signs_in(email, password):
    web = WebClient()
    response = web.post(reverse("accounts:sign_in"), {"email": email, "password": password})
    return response.status_code == 302 and is_signed_in(web)


# --- The request: the sign-in page's link, the form, one answer for every address --------------


def test_the_sign_in_page_links_to_forgot_your_password(client):
    assert f'<a href="{forgot()}">Forgot your password?</a>' in html(client.get(reverse("accounts:sign_in")))


def test_the_forgot_page_needs_no_sign_in_and_reads_nothing(client, django_assert_num_queries):
    with django_assert_num_queries(0):
        response = client.get(forgot())
    assert response.status_code == 200
    assert "no-store" in response["Cache-Control"]
    assert 'type="email" name="email"' in html(response)
    assert client.head(forgot()).status_code == 200
    assert client.put(forgot()).status_code == 405


def test_a_signed_in_member_may_ask_too(login_as, billing):
    web = login_as(billing)
    assert web.get(forgot()).status_code == 200
    assert web.post(forgot(), {"email": billing.email}).status_code == 302
    assert len(outbox(RESET)) == 1


def test_every_address_gets_the_same_answer_and_only_an_active_member_an_email(billing, deactivated):
    answers = [ask(email) for email in (billing.email, "nobody@staff.test", deactivated.email, " BILL@Staff.TEST ")]
    assert {(a.status_code, a["Location"]) for a in answers} == {(302, reverse("accounts:password_reset_sent"))}
    sent_pages = {PER_RESPONSE.sub("", html(WebClient().get(a["Location"]))) for a in answers}
    assert len(sent_pages) == 1
    assert "If that address belongs to an active staff account, we've sent it a link" in sent_pages.pop()
    emails = outbox(RESET)
    assert [email.to for email in emails] == [[billing.email], [billing.email]]
    assert {(email.client_id, email.sent_by) for email in emails} == {(None, None)}
    assert emails[0].subject == "Reset your Clientdesk password"
    assert "Hello Bill," in emails[0].text_body


def test_the_answer_page_is_the_same_for_anyone(client, django_assert_num_queries):
    with django_assert_num_queries(0):
        response = client.get(reverse("accounts:password_reset_sent"))
    assert response.status_code == 200
    assert "works once, for 1 hour." in html(response)
    assert f'href="{forgot()}">ask for a new link</a>' in html(response)


def test_each_request_is_audited_as_the_system_naming_the_member_only_when_there_is_one(billing, deactivated):
    for email in (billing.email, "nobody@staff.test", deactivated.email):
        ask(email, ip="198.51.100.7")
    events = list(AuditEvent.objects.filter(action=AccountEvent.PASSWORD_RESET_REQUEST).order_by("id"))
    assert [(e.actor_type, e.actor_user, e.target_pk, e.changes, e.ip) for e in events] == [
        (ActorType.SYSTEM, None, str(billing.pk), {"email": billing.email}, "198.51.100.7"),
        (ActorType.SYSTEM, None, "", {"email": "nobody@staff.test"}, "198.51.100.7"),
        (ActorType.SYSTEM, None, str(deactivated.pk), {"email": deactivated.email}, "198.51.100.7"),
    ]


@pytest.mark.parametrize(
    ("email", "message"),
    [
        ("", "This field is required."),
        ("bill", "Enter a valid email address."),
        ("bill@", "Enter a valid email address."),
        ("b" * 250 + "@staff.test", "Ensure this value has at most 255 characters"),
    ],
)
def test_a_malformed_address_is_refused_with_a_clear_error_and_nothing_written(email, message, billing):
    before = snapshot()
    response = ask(email)
    assert response.status_code == 422
    assert message in response.context["form"].errors["email"][0]
    assert snapshot() == before
    assert OutboundEmail.objects.count() == 0


def test_every_answer_waits_for_the_same_set_time(billing, deactivated, settings):
    settings.CLIENTDESK_PASSWORD_RESET_ANSWER_SECONDS = 0.3
    for email in (billing.email, "nobody@staff.test", deactivated.email):
        started = time.monotonic()
        assert ask(email).status_code == 302
        assert time.monotonic() - started >= 0.3


def test_no_password_is_hashed_whatever_the_address(billing, deactivated, monkeypatch):
    def refuse(*args, **kwargs):
        raise AssertionError("a reset request hashed a password")

    monkeypatch.setattr(MD5PasswordHasher, "encode", refuse)
    monkeypatch.setattr(MD5PasswordHasher, "verify", refuse)
    for email in (billing.email, "nobody@staff.test", deactivated.email):
        assert ask(email).status_code == 302


def test_the_action_says_whether_it_queued_and_queues_nothing_when_the_template_is_off(billing, deactivated):
    assert actions.user_password_reset_request(actor=None, email=billing.email) is True
    assert actions.user_password_reset_request(actor=None, email="nobody@staff.test") is False
    assert actions.user_password_reset_request(actor=None, email=deactivated.email) is False
    switch_off(RESET)
    assert actions.user_password_reset_request(actor=None, email=billing.email) is False
    assert len(outbox(RESET)) == 1
    assert AuditEvent.objects.filter(action=AccountEvent.PASSWORD_RESET_REQUEST).count() == 4


# --- The link: delivered, works once, expires, refused when deactivated --------------------------


def test_the_emailed_link_reaches_an_smtp_server_and_resets_the_password_once(
    billing, smtp_server, deliver_outbox, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        assert ask(billing.email).status_code == 302
    assert deliver_outbox().sent == 1
    [message] = smtp_server.messages()
    assert (message["To"], message["Subject"]) == (billing.email, "Reset your Clientdesk password")
    path = link_in(text_of(message), BASE)
    assert path.startswith("/accounts/password/reset/")

    web = WebClient()
    page = web.get(path)
    assert page.status_code == 200
    assert "no-store" in page["Cache-Control"]
    assert "Choose a new password" in html(page)
    assert escape(billing.email) in html(page)
    done = set_new(web, path)
    assert (done.status_code, done["Location"]) == (302, reverse("accounts:sign_in"))
    assert not is_signed_in(web), "resetting signs no one in"
    signin = web.get(done["Location"])
    assert "Your password is reset. Sign in with your email address and your new password." in html(signin)
    assert signs_in(billing.email, NEW_PASSWORD)
    assert not signs_in(billing.email, PASSWORD)

    again = WebClient().get(path)
    assert again.status_code == 410
    assert escape(RESET_LINK_REFUSED[LinkState.INVALID]) in html(again)
    assert f'href="{forgot()}">Ask for a new link</a>' in html(again)
    event = AuditEvent.objects.get(action=AccountEvent.PASSWORD_RESET_LINK_USED)
    assert (event.actor_user, event.target_pk, event.changes) == (billing, str(billing.pk), {"password": "[redacted]"})


def test_signing_in_spends_the_link(billing):
    path = asked_link(billing)
    assert signs_in(billing.email, PASSWORD)
    assert WebClient().get(path).status_code == 410


def test_the_link_expires_after_an_hour(client, billing, monkeypatch):
    path = asked_link(billing)
    monkeypatch.setattr(password_reset_tokens, "_now", lambda: datetime.now() + timedelta(minutes=59))
    assert client.get(path).status_code == 200
    monkeypatch.setattr(password_reset_tokens, "_now", lambda: datetime.now() + timedelta(minutes=61))
    before = snapshot()
    for response in (client.get(path), set_new(client, path)):
        assert response.status_code == 410
        assert escape(RESET_LINK_REFUSED[LinkState.EXPIRED]) in html(response)
        assert f'href="{forgot()}">Ask for a new link</a>' in html(response)
    assert snapshot() == before


def test_a_member_deactivated_after_asking_cannot_use_the_link(client, admin, billing):
    path = asked_link(billing)
    actions.user_deactivate(actor=admin, user=billing)
    before = snapshot()
    assert client.get(path).status_code == 410
    assert set_new(client, path).status_code == 410
    assert snapshot() == before
    actions.user_reactivate(actor=admin, user=billing)
    assert client.get(path).status_code == 200, "reactivated, the same member may use it again"


def test_the_action_refuses_a_spent_link(billing):
    link = reset_link(billing)
    actions.user_password_reset_by_link(actor=billing, user=billing, token=link.token, password=NEW_PASSWORD)
    with pytest.raises(Exception, match="no longer works"):
        actions.user_password_reset_by_link(actor=billing, user=billing, token=link.token, password="another one 2026")
    billing.refresh_from_db()
    assert billing.check_password(NEW_PASSWORD)


@pytest.mark.parametrize(
    ("first", "second", "field", "message"),
    [
        (NEW_PASSWORD, "something else entirely", "new_password2", "The two password fields didn\u2019t match."),
        ("short", "short", "new_password2", "This password is too short."),
        ("password123", "password123", "new_password2", "This password is too common."),
        ("", "", "new_password1", "This field is required."),
    ],
)
def test_a_bad_new_password_is_refused_and_the_link_still_works(client, billing, first, second, field, message):
    path = asked_link(billing)
    before = snapshot()
    response = set_new(client, path, first, second)
    assert response.status_code == 422
    assert any(message in error for error in response.context["form"].errors[field])
    assert snapshot() == before
    assert client.get(path).status_code == 200


def test_reset_links_and_set_password_links_are_not_interchangeable(client, admin, billing):
    reset = reset_link(billing)
    invitation = actions.user_password_link_issue(actor=admin, user=billing)
    billing.refresh_from_db()
    assert password_reset_tokens.state(billing, invitation.token) is LinkState.INVALID
    assert set_password_tokens.state(billing, reset_link(billing).token) is LinkState.INVALID
    swapped = reverse("accounts:password_set", args=[reset.uid, reset_link(billing).token])
    assert client.get(swapped).status_code == 410
    assert escape(LINK_REFUSED[LinkState.INVALID]) in html(client.get(swapped))
    other = reverse("accounts:password_reset_confirm", args=[invitation.uid, invitation.token])
    assert client.get(other).status_code == 410


@pytest.mark.parametrize("uid", ["x", "MTIzNDU2Nzg5", "bm90LWEtbnVtYmVy", "OTk5OTk5OTk5OTk5OTk5OTk5OTk5"])
def test_a_link_naming_no_member_is_404_with_a_way_to_ask_again(client, billing, uid):
    response = client.get(reverse("accounts:password_reset_confirm", args=[uid, reset_link(billing).token]))
    assert response.status_code == 404
    assert f'href="{forgot()}">Ask for a new link</a>' in html(response)


def test_the_reset_page_reads_the_member_once(client, billing, django_assert_num_queries):
    path = asked_link(billing)
    with django_assert_num_queries(1):
        assert client.get(path).status_code == 200


def test_a_reset_ends_the_members_other_sessions(client, billing):
    elsewhere = WebClient()
    elsewhere.force_login(billing)
    assert elsewhere.get(reverse("clients:client_list")).status_code == 200
    set_new(client, asked_link(billing))
    assert elsewhere.get(reverse("clients:client_list")).status_code == 302


# --- Two-factor: a reset password is not a way round the code ------------------------------------


def test_after_a_reset_two_factor_sign_in_still_asks_for_the_code(client, billing):
    enrol(billing)
    done = set_new(client, asked_link(billing))
    assert "your new password and the code from your authenticator app" in html(client.get(done["Location"]))
    web = WebClient()
    response = web.post(reverse("accounts:sign_in"), {"email": billing.email, "password": NEW_PASSWORD})
    assert (response.status_code, response["Location"]) == (302, reverse("accounts:sign_in_verify"))
    assert not is_signed_in(web)
    assert web.get(reverse("clients:client_list")).status_code == 302
    assert LoginThrottle.objects.filter(scope=LoginThrottle.Scope.RESET_MAIL).count() == 1


def test_an_invited_member_whose_link_ran_out_can_email_themselves_one(client, admin, monkeypatch):
    member, invitation = actions.user_invite(actor=admin, email="lin@example.test", full_name="Lin", roles=["Billing"])
    monkeypatch.setattr(set_password_tokens, "_now", lambda: datetime.now() + timedelta(days=4))
    expired = client.get(invitation.path)
    assert expired.status_code == 410
    assert f'href="{forgot()}">Email me a link to choose a password</a>' in html(expired)
    assert set_new(client, asked_link(member)).status_code == 302
    assert signs_in(member.email, NEW_PASSWORD)


def test_no_other_member_can_read_a_reset_link_in_the_desks_mail_log(login_as, admin, readonly):
    ask(admin.email)  # asked by anyone, a Read-only member among them
    [email] = outbox(RESET)
    token = link_in(email.text_body, BASE).split("/")[-2]
    web = login_as(readonly)
    for name, args in (("mail:mail_log", []), ("mail:mail_log_detail", [email.pk]), ("mail:mail_log_html", [email.pk])):
        response = web.get(reverse(name, args=args))
        assert response.status_code in (200, 404)
        assert token not in html(response)
