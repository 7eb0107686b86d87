"""Sign-in throttling: per account and per IP, checked before any password is hashed."""

from datetime import timedelta
from types import SimpleNamespace
from unittest import mock

import pytest
from django.contrib.auth.hashers import MD5PasswordHasher, get_hasher
from django.db.models import F
from django.urls import reverse
from django.utils import timezone

from clientdesk.accounts.models import LoginThrottle
from clientdesk.audit.models import AuditEvent
from clientdesk.core.testing import PASSWORD

pytestmark = pytest.mark.django_db

WRONG = "not the password at all"
LOCKED = "Too many failed sign-ins"
HOME_IP = "203.0.113.10"
OTHER_IP = "203.0.113.99"
LOCKOUT = timedelta(minutes=30)


def attempt(client, email, password=WRONG, *, ip=HOME_IP, **extra):
    return client.post(reverse("accounts:sign_in"), {"email": email, "password": password}, REMOTE_ADDR=ip, **extra)


def fail(client, email, *, times, ip=HOME_IP):
    """`times` wrong passwords, each answered with the ordinary "do not match" error."""
    for _ in range(times):
        response = attempt(client, email, ip=ip)
        assert response.status_code == 400
        assert LOCKED not in response.content.decode()


def move_clock_forward(delta):
    """Age every throttle row by `delta`, as if that much time had passed since the failures."""
    LoginThrottle.objects.update(
        last_failure_at=F("last_failure_at") - delta,
        locked_until=F("locked_until") - delta,
    )


def account_row(email):
    return LoginThrottle.objects.get(key=f"user:{email}")


@pytest.fixture
def hasher():
    """The active password hasher's verify and encode, wrapped so calls can be counted."""
    assert isinstance(get_hasher(), MD5PasswordHasher)
    with (
        mock.patch.object(MD5PasswordHasher, "verify", autospec=True, side_effect=MD5PasswordHasher.verify) as verify,
        mock.patch.object(MD5PasswordHasher, "encode", autospec=True, side_effect=MD5PasswordHasher.encode) as encode,
    ):
        yield SimpleNamespace(verify=verify, encode=encode)


def test_eleventh_attempt_is_refused_without_hashing(client, admin, hasher):
    fail(client, admin.email, times=10)
    assert hasher.verify.call_count == 10
    hasher.verify.reset_mock()
    hasher.encode.reset_mock()

    response = attempt(client, admin.email)

    assert response.status_code == 400
    assert LOCKED in response.content.decode()
    assert hasher.verify.call_count == 0
    assert hasher.encode.call_count == 0


def test_the_right_password_is_refused_while_locked_without_hashing(client, admin, hasher):
    fail(client, admin.email, times=10)
    hasher.verify.reset_mock()
    hasher.encode.reset_mock()

    response = attempt(client, admin.email, PASSWORD)

    assert response.status_code == 400
    assert LOCKED in response.content.decode()
    assert client.session.get("_auth_user_id") is None
    assert hasher.verify.call_count == 0
    assert hasher.encode.call_count == 0


def test_an_unknown_email_is_locked_without_hashing_too(client, hasher):
    fail(client, "nobody@staff.test", times=10)
    assert hasher.encode.call_count >= 10  # Django hashes anyway for unknown users, to hide who exists
    hasher.encode.reset_mock()
    hasher.verify.reset_mock()
    response = attempt(client, "nobody@staff.test", ip=OTHER_IP)
    assert LOCKED in response.content.decode()
    assert hasher.encode.call_count == 0
    assert hasher.verify.call_count == 0


def test_the_tenth_failure_locks_the_account_and_records_a_lockout(client, admin):
    fail(client, admin.email, times=10)
    assert AuditEvent.objects.filter(action="auth.sign_in_failed").count() == 9
    lockout = AuditEvent.objects.get(action="auth.lockout")
    assert lockout.changes == {"email": admin.email}
    assert lockout.ip == HOME_IP
    row = account_row(admin.email)
    assert row.failures == 10
    assert abs(row.locked_until - (timezone.now() + LOCKOUT)) < timedelta(minutes=1)


def test_the_lock_message_says_how_long_to_wait(client, admin):
    fail(client, admin.email, times=10)
    assert "Try again in 30 minutes." in attempt(client, admin.email).content.decode()


def test_nine_failures_do_not_lock(client, admin):
    fail(client, admin.email, times=9)
    assert attempt(client, admin.email, PASSWORD).status_code == 302
    assert not AuditEvent.objects.filter(action="auth.lockout").exists()


def test_a_refused_attempt_neither_counts_nor_extends_the_lock(client, admin):
    fail(client, admin.email, times=10)
    before = account_row(admin.email)
    attempt(client, admin.email)
    attempt(client, admin.email, PASSWORD)
    after = account_row(admin.email)
    assert (after.failures, after.locked_until) == (before.failures, before.locked_until)
    assert AuditEvent.objects.filter(action__in=["auth.sign_in_failed", "auth.lockout"]).count() == 10


def test_the_account_lock_holds_from_another_address(client, admin):
    fail(client, admin.email, times=10, ip=HOME_IP)
    response = attempt(client, admin.email, PASSWORD, ip=OTHER_IP)
    assert response.status_code == 400
    assert LOCKED in response.content.decode()


def test_failures_typed_in_different_case_count_against_one_account(client, admin):
    fail(client, admin.email.upper(), times=5)
    fail(client, admin.email, times=5)
    response = attempt(client, "Ada@Staff.Test", PASSWORD, ip=OTHER_IP)
    assert LOCKED in response.content.decode()


def test_ten_failures_from_one_address_lock_that_address_for_any_account(client, admin):
    for n in range(10):
        assert attempt(client, f"guess{n}@staff.test", ip=HOME_IP).status_code == 400
    assert AuditEvent.objects.filter(action="auth.lockout").count() == 1

    refused = attempt(client, admin.email, PASSWORD, ip=HOME_IP)
    assert refused.status_code == 400
    assert LOCKED in refused.content.decode()

    assert attempt(client, admin.email, PASSWORD, ip=OTHER_IP).status_code == 302


def test_a_forged_forwarded_for_header_does_not_escape_an_address_lock(client, admin):
    for n in range(10):
        attempt(client, f"guess{n}@staff.test", ip=HOME_IP, HTTP_X_FORWARDED_FOR=f"192.0.2.{n}")
    response = attempt(client, admin.email, PASSWORD, ip=HOME_IP, HTTP_X_FORWARDED_FOR="192.0.2.200")
    assert LOCKED in response.content.decode()


def test_the_lock_still_holds_just_before_thirty_minutes(client, admin):
    fail(client, admin.email, times=10)
    move_clock_forward(LOCKOUT - timedelta(seconds=30))
    assert LOCKED in attempt(client, admin.email, PASSWORD).content.decode()


def test_the_lock_ends_after_thirty_minutes(client, admin):
    fail(client, admin.email, times=10)
    move_clock_forward(LOCKOUT + timedelta(seconds=1))
    response = attempt(client, admin.email, PASSWORD)
    assert response.status_code == 302
    assert client.session["_auth_user_id"] == str(admin.pk)


def test_after_the_lock_ends_one_more_failure_does_not_lock_again(client, admin):
    fail(client, "nobody@staff.test", times=10)
    move_clock_forward(LOCKOUT + timedelta(seconds=1))
    fail(client, "nobody@staff.test", times=1)
    assert account_row("nobody@staff.test").failures == 1
    assert AuditEvent.objects.filter(action="auth.lockout").count() == 1


def test_failures_older_than_the_window_do_not_count(client, admin):
    fail(client, admin.email, times=9)
    move_clock_forward(LOCKOUT + timedelta(seconds=1))
    fail(client, admin.email, times=1)
    assert account_row(admin.email).failures == 1
    assert not AuditEvent.objects.filter(action="auth.lockout").exists()
    assert attempt(client, admin.email, PASSWORD).status_code == 302


def test_a_successful_sign_in_clears_the_account_count(client, admin):
    fail(client, admin.email, times=9, ip=HOME_IP)
    assert attempt(client, admin.email, PASSWORD, ip=HOME_IP).status_code == 302
    assert not LoginThrottle.objects.filter(key=f"user:{admin.email}").exists()

    client.post(reverse("accounts:sign_out"))
    fail(client, admin.email, times=1, ip=OTHER_IP)
    assert account_row(admin.email).failures == 1
    assert not AuditEvent.objects.filter(action="auth.lockout").exists()


def test_a_successful_sign_in_leaves_the_address_count(client, admin):
    fail(client, "nobody@staff.test", times=9, ip=HOME_IP)
    assert attempt(client, admin.email, PASSWORD, ip=HOME_IP).status_code == 302
    assert LoginThrottle.objects.get(key=f"ip:{HOME_IP}").failures == 9
