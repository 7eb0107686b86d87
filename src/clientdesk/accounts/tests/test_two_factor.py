"""Two-factor sign-in: enrolment on the security page, the code step at sign-in, recovery codes, switching it off."""

import base64
import re
import threading
import time
from xml.etree import ElementTree

import pytest
from django.db import connections
from django.test import Client as WebClient
from django.urls import reverse
from django_otp.oath import totp
from django_otp.plugins.otp_totp.models import TOTPDevice

from clientdesk.accounts import actions, throttle
from clientdesk.accounts.models import RecoveryCode
from clientdesk.accounts.views import PENDING
from clientdesk.audit.models import AuditEvent
from clientdesk.core.testing import PASSWORD

pytestmark = pytest.mark.django_db

CODE_PATTERN = re.compile(r"<li>([2-9a-z]{5}-[2-9a-z]{5})</li>")


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
    """Two-factor on, through the real actions; the device carries the recovery codes shown (`.recovery`)."""
    device = actions.totp_device_start(actor=user)
    codes = actions.totp_device_confirm(actor=user, device=device, token=fresh_code(device))
    assert codes
    device.refresh_from_db()
    device.recovery = codes
    return device


def codes_on(response):
    return CODE_PATTERN.findall(response.content.decode())


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
    assert right.status_code == 200
    assert "Two-factor sign-in is on" in right.content.decode()
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


def test_the_qr_code_is_a_standalone_svg_image_with_its_namespace(login_as, admin):
    page = security(login_as(admin), step="start").content.decode()
    (payload,) = re.findall(r'src="data:image/svg\+xml;base64,([^"]+)"', page)
    svg = base64.b64decode(payload).decode()
    assert 'xmlns="http://www.w3.org/2000/svg"' in svg
    root = ElementTree.fromstring(svg)  # noqa: S314 (our own page's image, not untrusted input)
    assert root.tag == "{http://www.w3.org/2000/svg}svg"
    assert root.find("{http://www.w3.org/2000/svg}path") is not None


def test_turning_two_factor_on_shows_ten_recovery_codes_once(login_as, admin):
    web = login_as(admin)
    security(web, step="start")
    device = TOTPDevice.objects.get(user=admin)
    response = security(web, step="confirm", token=fresh_code(device))

    codes = codes_on(response)
    assert len(set(codes)) == 10
    assert "They are shown only now." in response.content.decode()
    assert response["Cache-Control"].count("no-store") == 1
    later = web.get(reverse("accounts:security")).content.decode()
    assert codes_on(web.get(reverse("accounts:security"))) == []
    assert "10 of 10 recovery codes left." in later


def test_recovery_codes_are_stored_hashed_and_never_reach_the_audit_log(admin):
    device = enrol(admin)
    stored = list(RecoveryCode.objects.filter(user=admin).values_list("code_hash", flat=True))
    assert len(stored) == 10
    log = str(list(AuditEvent.objects.values_list("changes", flat=True)))
    for code in device.recovery:
        assert code not in stored
        assert RecoveryCode.normalize(code) not in stored
        assert code not in log
        assert RecoveryCode.normalize(code) not in log
    for digest in stored:
        assert digest not in log
    event = AuditEvent.objects.get(action="auth.two_factor_enable")
    assert event.changes == {"recovery_codes": [0, 10]}


def test_a_recovery_code_signs_in_instead_of_an_app_code_and_is_spent(client, admin):
    device = enrol(admin)
    password_step(client, admin)
    response = code_step(client, device.recovery[3], REMOTE_ADDR="198.51.100.32")
    assert response.status_code == 302
    assert client.session["_auth_user_id"] == str(admin.pk)
    assert "You signed in with a recovery code; 9 left." in client.get(reverse("clients:client_list")).content.decode()
    event = AuditEvent.objects.get(action="auth.recovery_code_use")
    assert event.actor_user == admin
    assert event.changes == {"recovery_codes": [10, 9]}
    assert "9 of 10 recovery codes left." in client.get(reverse("accounts:security")).content.decode()

    client.post(reverse("accounts:sign_out"))
    password_step(client, admin)
    again = code_step(client, device.recovery[3])
    assert again.status_code == 400
    assert "That recovery code is not right, or it was used already." in again.content.decode()
    assert not is_signed_in(client)


def test_a_recovery_code_is_accepted_with_spaces_and_capitals(client, admin):
    device = enrol(admin)
    password_step(client, admin)
    typed = " ".join(device.recovery[0].replace("-", "").upper())
    assert code_step(client, typed).status_code == 302


def test_another_members_recovery_code_is_refused_and_counted(client, admin, billing):
    enrol(admin)
    theirs = enrol(billing)
    password_step(client, admin)
    response = code_step(client, theirs.recovery[0])
    assert response.status_code == 400
    assert not is_signed_in(client)
    assert AuditEvent.objects.get(action="auth.sign_in_failed").changes == {
        "email": admin.email,
        "step": "recovery code",
    }
    assert RecoveryCode.objects.filter(used_at__isnull=False).count() == 0


def test_wrong_recovery_codes_lock_the_code_step(client, admin):
    device = enrol(admin)
    password_step(client, admin)
    for n in range(10):
        assert code_step(client, f"wrong-{n:05d}").status_code == 400
    response = code_step(client, device.recovery[0])
    assert "Too many failed sign-ins" in response.content.decode()
    assert not is_signed_in(client)
    assert RecoveryCode.objects.filter(used_at__isnull=False).count() == 0


def test_new_recovery_codes_need_the_password(login_as, admin):
    device = enrol(admin)
    web = login_as(admin)
    response = security(web, step="regenerate", **{"regenerate-password": "not my password"})
    assert response.status_code == 400
    assert "That is not your password." in response.content.decode()
    assert codes_on(response) == []
    assert not AuditEvent.objects.filter(action="auth.recovery_codes_create").exists()
    assert AuditEvent.objects.get(action="auth.sign_in_failed").changes == {
        "email": admin.email,
        "step": "password re-entry",
    }
    assert actions.recovery_code_use(actor=admin, code=device.recovery[0])


def test_new_recovery_codes_replace_the_old_ones(login_as, admin, client):
    device = enrol(admin)
    actions.recovery_code_use(actor=admin, code=device.recovery[0])
    web = login_as(admin)
    response = security(web, step="regenerate", **{"regenerate-password": PASSWORD})
    assert response.status_code == 200
    fresh = codes_on(response)
    assert len(set(fresh)) == 10
    assert not set(fresh) & set(device.recovery)
    assert "10 of 10 recovery codes left." in response.content.decode()
    assert AuditEvent.objects.get(action="auth.recovery_codes_create").changes == {"recovery_codes": [9, 10]}
    assert not actions.recovery_code_use(actor=admin, code=device.recovery[1])
    assert actions.recovery_code_use(actor=admin, code=fresh[0])


def test_switching_two_factor_off_deletes_the_recovery_codes(login_as, admin):
    enrol(admin)
    security(login_as(admin), step="disable", password=PASSWORD)
    assert not RecoveryCode.objects.filter(user=admin).exists()


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
    assert event.changes == {"email": admin.email, "step": "code"}
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
    assert "Too many failed sign-ins. Try again in 30 minutes." in response.content.decode()
    assert not is_signed_in(client)


def test_a_correct_code_right_after_a_wrong_one_is_accepted(client, admin):
    device = enrol(admin)
    password_step(client, admin)
    assert code_step(client, wrong_code(device)).status_code == 400
    assert code_step(client, fresh_code(device)).status_code == 302
    assert is_signed_in(client)


def test_the_code_used_to_turn_two_factor_on_also_signs_in_within_its_time_step(admin, client):
    device = actions.totp_device_start(actor=admin)
    code = fresh_code(device)
    assert actions.totp_device_confirm(actor=admin, device=device, token=code)

    password_step(client, admin)
    assert code_step(client, code).status_code == 302
    assert is_signed_in(client)
    # Accepted once more, not forever: the step is used now.
    client.post(reverse("accounts:sign_out"))
    password_step(client, admin)
    assert code_step(client, code).status_code == 400


@pytest.mark.django_db(transaction=True)
def test_thirty_simultaneous_wrong_codes_are_checked_at_most_ten_times(make_staff, monkeypatch):
    member = make_staff("lock@probe.test")
    device = enrol(member)
    browsers = [WebClient() for _ in range(30)]
    for browser in browsers:
        assert password_step(browser, member).status_code == 302
    calls = {"n": 0}
    lock = threading.Lock()
    verify = TOTPDevice.verify_token

    def counting(self, token):
        with lock:
            calls["n"] += 1
        return verify(self, token)

    monkeypatch.setattr(TOTPDevice, "verify_token", counting)
    barrier = threading.Barrier(30)
    statuses = []

    def run(browser):
        try:
            barrier.wait()
            statuses.append(code_step(browser, wrong_code(device)).status_code)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run, args=(b,)) for b in browsers]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert statuses == [400] * 30
    assert calls["n"] == 10
    assert throttle.account_locked_until(member) is not None


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_the_qr_code_is_drawn_by_the_browser(page, sign_in, admin):
    sign_in(admin)
    page.goto(reverse("accounts:security"))
    page.get_by_role("button", name="Set up an authenticator app").click()
    image = page.get_by_role("img", name="QR code for your authenticator app")
    image.wait_for()
    assert image.evaluate("img => img.complete && img.naturalWidth") > 0


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
