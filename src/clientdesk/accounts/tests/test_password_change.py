"""Changing one's own password: old password required, validators enforced, audited without secrets."""

import json

import pytest
from django.test import Client as WebClient
from django.urls import reverse

from clientdesk.audit.models import AuditEvent
from clientdesk.core.testing import PASSWORD

pytestmark = pytest.mark.django_db

NEW_PASSWORD = "a quite different passphrase"


def change(client, old=PASSWORD, new=NEW_PASSWORD, repeat=None):
    data = {"old_password": old, "new_password1": new, "new_password2": new if repeat is None else repeat}
    return client.post(reverse("accounts:password_change"), data)


def test_password_change_page_shows_the_form(login_as, admin):
    page = login_as(admin).get(reverse("accounts:password_change")).content.decode()
    assert 'name="old_password"' in page
    assert 'name="new_password1"' in page


def test_password_change_requires_the_old_password(login_as, admin):
    response = change(login_as(admin), old="not my password")
    assert response.status_code == 400
    assert "Your old password was entered incorrectly" in response.content.decode()
    admin.refresh_from_db()
    assert admin.check_password(PASSWORD)
    assert not AuditEvent.objects.filter(action="auth.password_change").exists()


@pytest.mark.parametrize(
    ("new", "message"),
    [
        ("Sh0rt!pw", "This password is too short. It must contain at least 10 characters."),
        ("password1234", "This password is too common."),
        ("20250101987654", "This password is entirely numeric."),
        ("ada@staff.test", "The password is too similar to the email address."),
    ],
)
def test_a_weak_new_password_is_refused_and_nothing_changes(login_as, admin, new, message):
    response = change(login_as(admin), new=new)
    assert response.status_code == 400
    assert message in response.content.decode()
    admin.refresh_from_db()
    assert admin.check_password(PASSWORD)
    assert not AuditEvent.objects.filter(action="auth.password_change").exists()


def test_the_new_password_must_be_typed_twice_the_same(login_as, admin):
    response = change(login_as(admin), repeat=NEW_PASSWORD + "!")
    assert response.status_code == 400
    admin.refresh_from_db()
    assert admin.check_password(PASSWORD)


def test_password_change_keeps_this_session_signed_in_and_audits_without_the_password(login_as, admin):
    web = login_as(admin)
    response = change(web)
    assert response.status_code == 302
    assert response["Location"] == reverse("accounts:security")
    admin.refresh_from_db()
    assert admin.check_password(NEW_PASSWORD)
    assert not admin.check_password(PASSWORD)
    assert web.get(reverse("clients:client_list")).status_code == 200

    event = AuditEvent.objects.get(action="auth.password_change")
    assert event.actor_user == admin
    assert event.target_pk == str(admin.pk)
    stored = json.dumps(event.changes)
    assert NEW_PASSWORD not in stored
    assert PASSWORD not in stored
    assert admin.password not in stored
    assert event.changes == {"password": "[redacted]"}


def test_password_change_signs_out_the_members_other_sessions(login_as, admin):
    other_browser = WebClient()
    other_browser.force_login(admin)
    assert other_browser.get(reverse("clients:client_list")).status_code == 200

    change(login_as(admin))

    response = other_browser.get(reverse("clients:client_list"))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("accounts:sign_in"))


def test_the_new_password_signs_in_and_the_old_one_does_not(login_as, admin, client):
    change(login_as(admin))
    client.post(reverse("accounts:sign_out"))
    sign_in = reverse("accounts:sign_in")
    assert client.post(sign_in, {"email": admin.email, "password": PASSWORD}).status_code == 400
    assert client.post(sign_in, {"email": admin.email, "password": NEW_PASSWORD}).status_code == 302
