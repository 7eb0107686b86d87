"""Password-reset requests are throttled per address and per IP: past a limit the answer is the same
and nothing is queued or audited; the window passing lets requests through again; none of it is a
sign-in lock."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from clientdesk.accounts import throttle
from clientdesk.accounts.events import AccountEvent
from clientdesk.accounts.models import LoginThrottle
from clientdesk.accounts.queries import staff_members
from clientdesk.accounts.tests.mail_helpers import RESET, install_templates, outbox
from clientdesk.accounts.tests.test_password_reset import ask
from clientdesk.audit.models import AuditEvent

pytestmark = pytest.mark.django_db

Scope = LoginThrottle.Scope


@pytest.fixture(autouse=True)
def _limits(settings):
    settings.CLIENTDESK_PASSWORD_RESET_MAIL_LIMIT = 3
    settings.CLIENTDESK_PASSWORD_RESET_IP_LIMIT = 5
    settings.CLIENTDESK_PASSWORD_RESET_WINDOW = 3600
    settings.CLIENTDESK_PASSWORD_RESET_ANSWER_SECONDS = 0
    install_templates()


def requests_audited():
    return AuditEvent.objects.filter(action=AccountEvent.PASSWORD_RESET_REQUEST).count()


def pass_the_window():
    LoginThrottle.objects.update(window_started_at=timezone.now() - timedelta(seconds=3601))


def test_an_address_gets_its_limit_of_emails_then_the_same_answer_and_nothing_more(billing):
    answers = [ask(billing.email, ip=f"192.0.2.{n}") for n in range(1, 7)]  # from six addresses
    assert {(a.status_code, a["Location"]) for a in answers} == {(302, reverse("accounts:password_reset_sent"))}
    assert len(outbox(RESET)) == 3
    assert requests_audited() == 3, "a refused request records nothing, so a flood cannot fill the log"


def test_every_spelling_of_an_address_counts_as_one(billing):
    for spelling in ("bill@staff.test", "BILL@staff.test", "Bill@Staff.Test", "bill@STAFF.TEST"):
        ask(spelling)
    assert len(outbox(RESET)) == 3


def test_an_ip_gets_its_limit_of_requests_across_addresses(billing, support):
    for n in range(5):
        ask(f"nobody{n}@staff.test", ip="198.51.100.9")
    ask(billing.email, ip="198.51.100.9")
    assert outbox(RESET) == []
    ask(support.email, ip="198.51.100.10")
    assert [email.to for email in outbox(RESET)] == [[support.email]], "another IP is not held back"


def test_unknown_addresses_are_counted_like_known_ones():
    for _ in range(4):
        ask("nobody@staff.test", ip="192.0.2.1")
    rows = {row.scope: row.failures for row in LoginThrottle.objects.all()}
    assert rows == {Scope.RESET_MAIL: 3, Scope.RESET_IP: 3}
    assert requests_audited() == 3


def test_once_the_window_has_passed_an_address_may_ask_again(billing):
    for _ in range(4):
        ask(billing.email)
    assert len(outbox(RESET)) == 3
    pass_the_window()
    ask(billing.email)
    assert len(outbox(RESET)) == 4


def test_reset_counts_are_no_sign_in_lock_and_keep_no_address_in_clear(billing):
    for _ in range(10):
        ask(billing.email, ip="192.0.2.77")
    assert throttle.account_locked_until(billing) is None
    assert throttle.active_locks().count() == 0
    assert staff_members().get(pk=billing.pk).locked_until is None  # type: ignore[attr-defined]  # annotated
    keys = sorted(LoginThrottle.objects.values_list("key", flat=True))
    assert keys[0] == "reset-ip:192.0.2.77"
    assert keys[1].startswith("reset-mail:")
    assert "bill" not in keys[1]
    assert LoginThrottle.objects.filter(user__isnull=False).count() == 0


def test_reset_request_counts_and_refuses_without_counting(settings):
    settings.CLIENTDESK_PASSWORD_RESET_MAIL_LIMIT = 2
    assert [throttle.reset_request("a@staff.test", "192.0.2.1") for _ in range(3)] == [True, True, False]
    assert throttle.reset_request("b@staff.test", "192.0.2.1") is True
    assert throttle.reset_request("a@staff.test", None) is False, "the address is held back from any IP"
    mail = LoginThrottle.objects.filter(scope=Scope.RESET_MAIL).order_by("failures")
    assert [row.failures for row in mail] == [1, 2]
