"""Sign-in throttling: per (account, IP) pair, per account and per IP, decided before any password is hashed."""

import threading
from datetime import timedelta
from types import SimpleNamespace
from unittest import mock

import pytest
from django.contrib.auth.hashers import MD5PasswordHasher, get_hasher
from django.db import connections
from django.db.models import F
from django.test import Client as WebClient
from django.urls import reverse
from django.utils import timezone

from clientdesk.accounts import throttle
from clientdesk.accounts.models import LoginThrottle
from clientdesk.audit.models import AuditEvent
from clientdesk.core.testing import PASSWORD

WRONG = "not the password at all"
LOCKED = "Too many failed sign-ins"
NO_MATCH = "That email and password do not match an active staff account."
HOME_IP = "203.0.113.10"
OTHER_IP = "203.0.113.99"
LOCKOUT = timedelta(minutes=30)
WINDOW = timedelta(hours=1)


def attempt(client, email, password=WRONG, *, ip=HOME_IP, **extra):
    return client.post(reverse("accounts:sign_in"), {"email": email, "password": password}, REMOTE_ADDR=ip, **extra)


def fail(client, email, *, times, ip=HOME_IP):
    """`times` wrong passwords, each answered with the ordinary "do not match" error."""
    for _ in range(times):
        response = attempt(client, email, ip=ip)
        assert response.status_code == 400
        assert NO_MATCH in response.content.decode()


def is_locked_out(response):
    return response.status_code == 400 and LOCKED in response.content.decode()


def move_clock_forward(delta):
    """Age every throttle row by `delta`, as if that much time had passed since the failures."""
    LoginThrottle.objects.update(
        window_started_at=F("window_started_at") - delta,
        last_failure_at=F("last_failure_at") - delta,
        locked_until=F("locked_until") - delta,
    )


def pair_row(user, ip=HOME_IP):
    return LoginThrottle.objects.get(key=f"pair:{user.pk}:{ip}")


def account_row(user):
    return LoginThrottle.objects.get(key=f"account:{user.pk}")


def ip_row(ip=HOME_IP):
    return LoginThrottle.objects.get(key=f"ip:{ip}")


@pytest.fixture
def hasher():
    """The active password hasher's verify and encode, wrapped so calls can be counted."""
    assert isinstance(get_hasher(), MD5PasswordHasher)
    with (
        mock.patch.object(MD5PasswordHasher, "verify", autospec=True, side_effect=MD5PasswordHasher.verify) as verify,
        mock.patch.object(MD5PasswordHasher, "encode", autospec=True, side_effect=MD5PasswordHasher.encode) as encode,
    ):
        yield SimpleNamespace(verify=verify, encode=encode)


# --- The (account, IP) pair ----------------------------------------------------------------


@pytest.mark.django_db
def test_the_eleventh_attempt_from_the_same_address_is_refused_without_hashing(client, admin, hasher):
    fail(client, admin.email, times=10)
    assert hasher.verify.call_count == 10
    hasher.verify.reset_mock()
    hasher.encode.reset_mock()

    assert is_locked_out(attempt(client, admin.email, PASSWORD))
    assert client.session.get("_auth_user_id") is None
    assert hasher.verify.call_count == 0
    assert hasher.encode.call_count == 0


@pytest.mark.django_db
def test_ten_wrong_passwords_by_one_member_do_not_lock_out_another_member_at_the_same_address(client, admin, billing):
    fail(client, billing.email, times=10, ip=HOME_IP)
    assert is_locked_out(attempt(client, billing.email, PASSWORD, ip=HOME_IP))

    response = attempt(client, admin.email, PASSWORD, ip=HOME_IP)
    assert response.status_code == 302
    assert client.session["_auth_user_id"] == str(admin.pk)


@pytest.mark.django_db
def test_the_pair_lock_does_not_hold_the_member_at_another_address(client, admin):
    fail(client, admin.email, times=10, ip=HOME_IP)
    assert attempt(client, admin.email, PASSWORD, ip=OTHER_IP).status_code == 302


@pytest.mark.django_db
def test_the_tenth_failure_locks_the_pair_and_records_a_lockout(client, admin):
    fail(client, admin.email, times=10)
    assert AuditEvent.objects.filter(action="auth.sign_in_failed").count() == 9
    lockout = AuditEvent.objects.get(action="auth.lockout")
    assert lockout.changes == {"email": admin.email, "step": "password"}
    assert lockout.target_pk == str(admin.pk)
    assert lockout.ip == HOME_IP
    row = pair_row(admin)
    assert row.failures == 10
    assert abs(row.locked_until - (timezone.now() + LOCKOUT)) < timedelta(minutes=1)
    assert account_row(admin).locked_until is None
    assert ip_row().locked_until is None


@pytest.mark.django_db
def test_nine_failures_do_not_lock(client, admin):
    fail(client, admin.email, times=9)
    assert attempt(client, admin.email, PASSWORD).status_code == 302
    assert not AuditEvent.objects.filter(action="auth.lockout").exists()


@pytest.mark.django_db
def test_a_refused_attempt_neither_counts_nor_extends_the_lock(client, admin):
    fail(client, admin.email, times=10)
    before = pair_row(admin)
    attempt(client, admin.email)
    attempt(client, admin.email, PASSWORD)
    after = pair_row(admin)
    assert (after.failures, after.locked_until) == (before.failures, before.locked_until)
    assert AuditEvent.objects.filter(action__in=["auth.sign_in_failed", "auth.lockout"]).count() == 10


# --- The account, from any address ---------------------------------------------------------


@pytest.mark.django_db
def test_fifty_failures_from_many_addresses_lock_the_account_everywhere(client, admin, hasher):
    for n in range(10):
        fail(client, admin.email, times=5, ip=f"198.51.100.{n}")
    assert account_row(admin).locked_until is not None
    hasher.verify.reset_mock()

    assert is_locked_out(attempt(client, admin.email, PASSWORD, ip="192.0.2.77"))
    assert hasher.verify.call_count == 0
    assert AuditEvent.objects.filter(action="auth.lockout").count() == 1


@pytest.mark.django_db
def test_forty_nine_failures_from_many_addresses_do_not_lock_the_account(client, admin):
    for n in range(7):
        fail(client, admin.email, times=7, ip=f"198.51.100.{n}")
    assert attempt(client, admin.email, PASSWORD, ip="192.0.2.77").status_code == 302


# --- The address, across accounts ----------------------------------------------------------


@pytest.mark.django_db
def test_a_hundred_failures_across_accounts_lock_the_address(client, admin, hasher):
    for n in range(100):
        assert attempt(client, f"guess{n}@staff.test", ip=HOME_IP).status_code == 400
    assert ip_row().locked_until is not None
    assert AuditEvent.objects.filter(action="auth.lockout").count() == 1
    hasher.verify.reset_mock()
    hasher.encode.reset_mock()

    assert is_locked_out(attempt(client, admin.email, PASSWORD, ip=HOME_IP))
    assert (hasher.verify.call_count, hasher.encode.call_count) == (0, 0)
    assert attempt(client, admin.email, PASSWORD, ip=OTHER_IP).status_code == 302


@pytest.mark.django_db
def test_an_unknown_email_counts_against_the_address_only(client):
    fail(client, "nobody@staff.test", times=12)
    assert ip_row().failures == 12
    assert list(LoginThrottle.objects.values_list("key", flat=True)) == [f"ip:{HOME_IP}"]


@pytest.mark.django_db
def test_an_unknown_email_costs_a_hash_like_a_known_one(client, admin, hasher):
    # Django's backend hashes a dummy password when the email names nobody, so the answer takes as
    # long as for a member and does not tell which emails exist; the throttle keeps that.
    # (The MD5 test hasher's verify hashes through encode: one encode is one hash either way.)
    attempt(client, "nobody@staff.test")
    assert (hasher.encode.call_count, hasher.verify.call_count) == (1, 0)
    hasher.encode.reset_mock()
    attempt(client, admin.email)
    assert (hasher.encode.call_count, hasher.verify.call_count) == (1, 1)


@pytest.mark.django_db
def test_a_forged_forwarded_for_header_does_not_escape_a_lock(client, admin):
    for n in range(10):
        attempt(client, admin.email, ip=HOME_IP, HTTP_X_FORWARDED_FOR=f"192.0.2.{n}")
    assert is_locked_out(attempt(client, admin.email, PASSWORD, ip=HOME_IP, HTTP_X_FORWARDED_FOR="192.0.2.200"))


# --- How long, and when it ends ------------------------------------------------------------


@pytest.mark.django_db
def test_the_sign_in_page_says_how_long_the_lock_has_left(client, admin):
    fail(client, admin.email, times=10)
    assert "Try again in 30 minutes." in attempt(client, admin.email).content.decode()
    move_clock_forward(timedelta(minutes=18))
    assert "Try again in 12 minutes." in attempt(client, admin.email).content.decode()
    move_clock_forward(timedelta(minutes=11, seconds=30))
    assert "Try again in 1 minute." in attempt(client, admin.email).content.decode()


@pytest.mark.django_db
def test_the_lock_still_holds_just_before_thirty_minutes(client, admin):
    fail(client, admin.email, times=10)
    move_clock_forward(LOCKOUT - timedelta(seconds=30))
    assert is_locked_out(attempt(client, admin.email, PASSWORD))


@pytest.mark.django_db
def test_the_lock_ends_after_thirty_minutes(client, admin):
    fail(client, admin.email, times=10)
    move_clock_forward(LOCKOUT + timedelta(seconds=1))
    response = attempt(client, admin.email, PASSWORD)
    assert response.status_code == 302
    assert client.session["_auth_user_id"] == str(admin.pk)


@pytest.mark.django_db
def test_after_the_lock_ends_the_count_starts_again(client, admin):
    fail(client, admin.email, times=10)
    move_clock_forward(LOCKOUT + timedelta(seconds=1))
    fail(client, admin.email, times=1)
    assert pair_row(admin).failures == 1
    assert AuditEvent.objects.filter(action="auth.lockout").count() == 1


@pytest.mark.django_db
def test_failures_older_than_the_window_do_not_count(client, admin):
    fail(client, admin.email, times=9)
    move_clock_forward(WINDOW + timedelta(seconds=1))
    fail(client, admin.email, times=1)
    assert pair_row(admin).failures == 1
    assert not AuditEvent.objects.filter(action="auth.lockout").exists()


# --- A correct password ---------------------------------------------------------------------


@pytest.mark.django_db
def test_signing_in_forgets_the_members_failures_from_that_address_only(client, admin):
    fail(client, admin.email, times=9, ip=HOME_IP)
    fail(client, admin.email, times=3, ip=OTHER_IP)
    assert attempt(client, admin.email, PASSWORD, ip=HOME_IP).status_code == 302
    assert not LoginThrottle.objects.filter(key=f"pair:{admin.pk}:{HOME_IP}").exists()
    assert pair_row(admin, OTHER_IP).failures == 3
    # Failures spread over addresses keep counting towards the account's limit.
    assert account_row(admin).failures == 12


@pytest.mark.django_db
def test_a_correct_password_takes_back_its_own_reservation_only(client, admin):
    fail(client, "nobody@staff.test", times=9, ip=HOME_IP)
    assert attempt(client, admin.email, PASSWORD, ip=HOME_IP).status_code == 302
    assert ip_row().failures == 9


@pytest.mark.django_db
def test_the_tenth_attempt_that_is_correct_signs_in_and_leaves_no_lock(client, admin):
    fail(client, admin.email, times=9)
    assert attempt(client, admin.email, PASSWORD).status_code == 302
    assert throttle.account_locked_until(admin) is None
    assert not AuditEvent.objects.filter(action="auth.lockout").exists()


# --- What staff management uses ------------------------------------------------------------


@pytest.mark.django_db
def test_account_locked_until_names_the_latest_lock_of_the_account(client, admin, billing):
    assert throttle.account_locked_until(admin) is None
    fail(client, admin.email, times=10, ip=HOME_IP)
    move_clock_forward(timedelta(minutes=5))
    fail(client, admin.email, times=10, ip=OTHER_IP)
    fail(client, billing.email, times=10, ip="192.0.2.5")
    assert throttle.account_locked_until(admin) == pair_row(admin, OTHER_IP).locked_until


@pytest.mark.django_db
def test_clear_account_deletes_the_accounts_records_and_leaves_the_others(client, admin, billing):
    fail(client, admin.email, times=10, ip=HOME_IP)
    fail(client, admin.email, times=2, ip=OTHER_IP)
    fail(client, billing.email, times=3, ip=HOME_IP)

    assert throttle.clear_account(admin) == 3  # the account row and its two pairs
    assert throttle.account_locked_until(admin) is None
    assert attempt(client, admin.email, PASSWORD, ip=HOME_IP).status_code == 302
    assert pair_row(billing).failures == 3
    assert ip_row(HOME_IP).failures == 13  # the address keeps its count


# --- At the same moment ----------------------------------------------------------------------


def at_once(count, request):
    """Run `request(n)` in `count` threads released together, each with its own database connection."""
    barrier = threading.Barrier(count)
    results = [None] * count

    def run(n):
        try:
            barrier.wait()
            results[n] = request(n)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run, args=(n,)) for n in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return results


@pytest.fixture
def counting_verify(monkeypatch):
    """MD5PasswordHasher.verify wrapped with a thread-safe call counter."""
    calls = {"n": 0}
    lock = threading.Lock()
    original = MD5PasswordHasher.verify

    def verify(self, password, encoded):
        with lock:
            calls["n"] += 1
        return original(self, password, encoded)

    monkeypatch.setattr(MD5PasswordHasher, "verify", verify)
    return calls


@pytest.mark.django_db(transaction=True)
def test_thirty_simultaneous_wrong_passwords_reach_the_hasher_at_most_ten_times(make_staff, counting_verify):
    member = make_staff("lock@probe.test")
    url = reverse("accounts:sign_in")

    responses = at_once(
        30, lambda n: WebClient().post(url, {"email": member.email, "password": WRONG}, REMOTE_ADDR=HOME_IP)
    )

    assert [r.status_code for r in responses] == [400] * 30
    assert counting_verify["n"] == 10  # the ten reserved attempts; the other twenty were refused unhashed
    assert sum(LOCKED in r.content.decode() for r in responses) >= 20
    assert pair_row(member).failures == 10
    assert throttle.account_locked_until(member) is not None


@pytest.mark.django_db(transaction=True)
def test_thirty_simultaneous_wrong_password_re_entries_reach_the_hasher_at_most_ten_times(make_staff, counting_verify):
    member = make_staff("lock@probe.test")
    browsers = [WebClient() for _ in range(30)]
    for browser in browsers:
        browser.force_login(member)
    url = reverse("accounts:password_change")
    data = {"old_password": WRONG, "new_password1": "a quite different passphrase"}
    data["new_password2"] = data["new_password1"]
    counting_verify["n"] = 0

    responses = at_once(30, lambda n: browsers[n].post(url, data, REMOTE_ADDR=HOME_IP))

    assert [r.status_code for r in responses] == [400] * 30
    assert counting_verify["n"] == 10
    assert throttle.account_locked_until(member) is not None
