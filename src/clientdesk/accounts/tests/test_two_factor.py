"""Two-factor sign-in: enrolment on the security page, the code step at sign-in, switching it off."""

import time

import pytest
from django.urls import reverse
from django_otp.oath import totp
from django_otp.plugins.otp_totp.models import TOTPDevice

from clientdesk.accounts import actions
from clientdesk.accounts.views import PENDING
from clientdesk.audit.models import AuditEvent
from clientdesk.core.testing import PASSWORD

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _no_otp_backoff(settings):
    # django-otp makes a device wait 1 s, 2 s, 4 s… after each wrong code; these tests type the right
    # code straight after a wrong one, as no human could. Our own sign-in throttle stays on.
    settings.OTP_TOTP_THROTTLE_FACTOR = 0


def fresh_code(device):
    """The code the app shows now; or the next one when this time step was already used (TOTP refuses reuse)."""
    device.refresh_from_db()
    step_now = (int(time.time()) - device.t0) // device.step + device.drift
    ahead = max(0, device.last_t + 1 - step_now)
    code = totp(device.bin_key, step=device.step, t0=device.t0, digits=device.digits, drift=device.drift + ahead)
    return f"{code:0{device.digits}d}"


def wrong_code(device):
    """A well-formed code that matches no time step the device would accept."""
    device.refresh_from_db()
    near = {
        f"{totp(device.bin_key, step=device.step, t0=device.t0, digits=device.digits, drift=device.drift + d):06d}"
        for d in range(-3, 4)
    }
    return next(code for code in ("000000", "111111", "123456", "654321") if code not in near)


def enrol(user):
    """Two-factor on, through the real actions."""
    device = actions.totp_device_start(actor=user)
    assert actions.totp_device_confirm(actor=user, device=device, token=fresh_code(device))
    device.refresh_from_db()
    return device


def security(client, **data):
    return client.post(reverse("accounts:security"), data)


def password_step(client, user, **query):
    return client.post(
        reverse("accounts:sign_in"), {"email": user.email, "password": PASSWORD}, query_params=query or None
    )


def code_step(client, code, **extra):
    return client.post(reverse("accounts:sign_in_verify"), {"token": code}, **extra)


def is_signed_in(client):
    return client.session.get("_auth_user_id") is not None


def age_code_step(client, seconds):
    session = client.session
    pending = session[PENDING]
    pending["at"] -= seconds
    session[PENDING] = pending
    session.save()


# --- Enrolment ----------------------------------------------------------------------------


def test_security_page_offers_to_set_up_an_authenticator(login_as, admin):
    page = login_as(admin).get(reverse("accounts:security")).content.decode()
    assert "Set up an authenticator app" in page
    assert not TOTPDevice.objects.exists()


def test_starting_enrolment_shows_a_qr_code_and_key_but_leaves_two_factor_off(login_as, admin):
    response = security(login_as(admin), step="start")
    assert response.status_code == 200
    device = TOTPDevice.objects.get(user=admin)
    assert device.confirmed is False
    page = response.content.decode()
    assert 'src="data:image/svg+xml;base64,' in page
    assert 'id="totp-secret"' in page
    assert AuditEvent.objects.filter(action="auth.two_factor_start", actor_user=admin).count() == 1


def test_enrolment_refuses_a_wrong_code_then_accepts_the_right_one(login_as, admin):
    web = login_as(admin)
    security(web, step="start")
    device = TOTPDevice.objects.get(user=admin)

    wrong = security(web, step="confirm", token=wrong_code(device))
    assert wrong.status_code == 400
    assert "That code does not match" in wrong.content.decode()
    device.refresh_from_db()
    assert device.confirmed is False
    assert not AuditEvent.objects.filter(action="auth.two_factor_enable").exists()

    right = security(web, step="confirm", token=fresh_code(device))
    assert right.status_code == 302
    assert right["Location"] == reverse("accounts:security")
    device.refresh_from_db()
    assert device.confirmed is True
    event = AuditEvent.objects.get(action="auth.two_factor_enable")
    assert event.actor_user == admin
    assert "Every sign-in asks for a code" in web.get(reverse("accounts:security")).content.decode()


def test_enrolment_refuses_a_code_that_is_not_six_digits(login_as, admin):
    web = login_as(admin)
    security(web, step="start")
    response = security(web, step="confirm", token="12ab56")
    assert response.status_code == 400
    assert "Enter the 6-digit code" in response.content.decode()
    assert not TOTPDevice.objects.filter(confirmed=True).exists()


def test_starting_again_replaces_the_unconfirmed_device(login_as, admin):
    web = login_as(admin)
    security(web, step="start")
    first = TOTPDevice.objects.get(user=admin)
    security(web, step="start")
    second = TOTPDevice.objects.get(user=admin)
    assert second.pk != first.pk
    assert second.key != first.key


def test_starting_enrolment_while_two_factor_is_on_is_refused(login_as, admin):
    device = enrol(admin)
    response = security(login_as(admin), step="start")
    assert response.status_code == 400
    assert list(TOTPDevice.objects.filter(user=admin)) == [device]


# --- The code step at sign-in -------------------------------------------------------------


def test_sign_in_asks_for_the_code_before_signing_in(client, admin):
    enrol(admin)
    response = password_step(client, admin)
    assert response.status_code == 302
    assert response["Location"] == reverse("accounts:sign_in_verify")
    assert not is_signed_in(client)
    assert client.get(reverse("clients:client_list"))["Location"].startswith(reverse("accounts:sign_in"))
    assert client.get(reverse("accounts:sign_in_verify")).status_code == 200
    assert not AuditEvent.objects.filter(action="auth.sign_in").exists()


def test_a_wrong_code_at_sign_in_is_refused_and_audited(client, admin):
    device = enrol(admin)
    password_step(client, admin)
    response = code_step(client, wrong_code(device), REMOTE_ADDR="198.51.100.30")
    assert response.status_code == 400
    assert "That code is not right" in response.content.decode()
    assert not is_signed_in(client)
    event = AuditEvent.objects.get(action="auth.sign_in_failed")
    assert event.changes == {"email": admin.email}
    assert event.ip == "198.51.100.30"


def test_the_right_code_signs_in_and_goes_where_sign_in_was_asked_to(client, admin):
    device = enrol(admin)
    password_step(client, admin, next="/clients/?status=inactive")
    code_step(client, wrong_code(device))
    response = code_step(client, fresh_code(device), REMOTE_ADDR="198.51.100.31")
    assert response.status_code == 302
    assert response["Location"] == "/clients/?status=inactive"
    assert client.session["_auth_user_id"] == str(admin.pk)
    assert PENDING not in client.session
    assert client.get(reverse("clients:client_list")).status_code == 200
    event = AuditEvent.objects.get(action="auth.sign_in")
    assert event.actor_user == admin
    assert event.ip == "198.51.100.31"


def test_the_code_step_is_still_open_just_before_five_minutes(client, admin):
    device = enrol(admin)
    password_step(client, admin)
    age_code_step(client, 280)
    assert code_step(client, fresh_code(device)).status_code == 302
    assert is_signed_in(client)


def test_the_code_step_expires_after_five_minutes(client, admin):
    device = enrol(admin)
    password_step(client, admin)
    age_code_step(client, 301)
    response = code_step(client, fresh_code(device))
    assert response.status_code == 302
    assert response["Location"] == reverse("accounts:sign_in")
    assert not is_signed_in(client)
    assert PENDING not in client.session
    assert "the code step timed out" in client.get(reverse("accounts:sign_in")).content.decode()


def test_the_code_page_without_the_password_step_sends_back_to_sign_in(client, admin):
    device = enrol(admin)
    response = code_step(client, fresh_code(device))
    assert response.status_code == 302
    assert response["Location"] == reverse("accounts:sign_in")
    assert not is_signed_in(client)


def test_a_member_deactivated_during_the_code_step_is_not_signed_in(client, admin):
    device = enrol(admin)
    password_step(client, admin)
    admin.is_active = False
    admin.save(update_fields=["is_active"])
    response = code_step(client, fresh_code(device))
    assert response["Location"] == reverse("accounts:sign_in")
    assert not is_signed_in(client)


def test_wrong_codes_lock_the_code_step_like_wrong_passwords(client, admin):
    device = enrol(admin)
    password_step(client, admin)
    for _ in range(10):
        assert code_step(client, wrong_code(device)).status_code == 400
    assert AuditEvent.objects.filter(action="auth.lockout").count() == 1

    response = code_step(client, fresh_code(device))
    assert response.status_code == 400
    assert "Too many failed attempts" in response.content.decode()
    assert not is_signed_in(client)


# --- Switching it off ---------------------------------------------------------------------


def test_switching_two_factor_off_with_a_wrong_password_is_refused(login_as, admin):
    device = enrol(admin)
    response = security(login_as(admin), step="disable", password="not my password")
    assert response.status_code == 400
    assert "That is not your password." in response.content.decode()
    device.refresh_from_db()
    assert device.confirmed is True
    assert not AuditEvent.objects.filter(action="auth.two_factor_disable").exists()


def test_switching_two_factor_off_with_the_password_removes_the_device(login_as, admin, client):
    enrol(admin)
    response = security(login_as(admin), step="disable", password=PASSWORD)
    assert response.status_code == 302
    assert not TOTPDevice.objects.filter(user=admin).exists()
    assert AuditEvent.objects.get(action="auth.two_factor_disable").actor_user == admin

    client.post(reverse("accounts:sign_out"))
    assert password_step(client, admin)["Location"] == reverse("clients:client_list")
