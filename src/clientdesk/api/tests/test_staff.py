"""/api/v1/staff/: Settings → Staff through the same actions, with the same rules, audited as the token."""

from datetime import timedelta

import pytest
from django.contrib.auth.models import Permission
from django.test import Client as WebClient
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from django_otp.plugins.otp_totp.models import TOTPDevice

from clientdesk.accounts import actions, throttle
from clientdesk.accounts.actions.staff import SET_PASSWORD_LINK_DAYS, set_password_tokens
from clientdesk.accounts.events import AccountEvent
from clientdesk.accounts.models import User
from clientdesk.accounts.tests.test_staff_actions import NEW_PASSWORD, enrol_two_factor, lock_out, snapshot
from clientdesk.api.models import IdempotencyKey
from clientdesk.api.views import staff_schema
from clientdesk.audit.models import ActorType, AuditEvent
from clientdesk.core.contract import Role

pytestmark = pytest.mark.django_db

STAFF = "/api/v1/staff/"
NEW_MEMBER = {"email": "Lin@Example.test", "full_name": "Lin Wu", "roles": ["Billing", "Support"]}


def url(member, step=""):
    return f"{STAFF}{member.pk}/{step}{'/' if step else ''}"


@pytest.fixture
def api(api_as, admin):
    """An Admin's token; the admin's full name is Ada Lovelace."""
    User.objects.filter(pk=admin.pk).update(full_name="Ada Lovelace")
    admin.refresh_from_db()
    return api_as(admin)


@pytest.fixture
def keeper(make_staff):
    """A member who may change staff without being an Admin (the permission given to them alone)."""
    member = make_staff("kim@staff.test")
    member.user_permissions.add(Permission.objects.get(codename="change_user", content_type__app_label="accounts"))
    return member


def assert_by_token(api, code, target):
    """The last event `code` was made by the API token, in its name and its owner's."""
    event = AuditEvent.objects.filter(action=code).latest("id")
    assert event.target_pk == str(target.pk)
    assert event.actor_type == ActorType.TOKEN
    assert event.actor_label == f"API token '{api.token.name}' of Ada Lovelace"
    assert event.actor_user == api.token.owner


# --- Add a member ------------------------------------------------------------------------------


def test_admin_adds_a_member_and_the_link_returned_sets_their_password(api, admin):
    before = timezone.now()
    response = api.post(STAFF, NEW_MEMBER, HTTP_IDEMPOTENCY_KEY="add-lin")
    assert response.status_code == 201, response.json()
    body = response.json()
    member = User.objects.get(email="lin@example.test")
    assert response["Location"] == f"http://testserver{url(member)}"
    assert {k: body[k] for k in ("id", "email", "full_name", "roles", "is_active", "two_factor")} == {
        "id": member.pk,
        "email": "lin@example.test",
        "full_name": "Lin Wu",
        "roles": ["Billing", "Support"],
        "is_active": True,
        "two_factor": False,
    }
    assert not member.has_usable_password()
    expires = parse_datetime(body["set_password_link_expires_at"])
    assert expires is not None
    assert timedelta(0) < expires - before - timedelta(days=SET_PASSWORD_LINK_DAYS) < timedelta(minutes=1)
    assert body["set_password_link"].startswith("http://testserver/accounts/set-password/")
    for code in (AccountEvent.USER_CREATE, AccountEvent.USER_PASSWORD_LINK):
        assert_by_token(api, code, member)

    path = body["set_password_link"].removeprefix("http://testserver")
    browser = WebClient()
    page = browser.get(path)
    assert page.status_code == 200
    assert "lin@example.test" in page.content.decode()
    done = browser.post(path, {"new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD})
    assert done.status_code == 302
    member.refresh_from_db()
    assert member.check_password(NEW_PASSWORD)


def test_a_replayed_add_writes_nothing_again_and_never_kept_the_link(api):
    first = api.post(STAFF, NEW_MEMBER, HTTP_IDEMPOTENCY_KEY="add-lin")
    before = snapshot()
    retry = api.post(STAFF, NEW_MEMBER, HTTP_IDEMPOTENCY_KEY="add-lin")
    assert retry.status_code == 201
    assert retry["Idempotent-Replayed"] == "true"
    assert retry.json() == {**first.json(), "set_password_link": "[not stored]"}
    assert first.json()["set_password_link"].rsplit("/", 2)[-2] not in str(IdempotencyKey.objects.get().response)
    assert snapshot() == before


def test_adding_a_taken_email_is_refused_by_email_and_writes_nothing(api):
    before = snapshot()
    response = api.post(STAFF, {**NEW_MEMBER, "email": "ADA@staff.test"})
    assert response.status_code == 422
    assert response.json() == staff_schema.ADD_422[1][0].value
    assert snapshot() == before


def test_adding_without_a_role_or_with_an_unknown_one_is_refused_by_roles(api):
    before = snapshot()
    assert api.post(STAFF, {**NEW_MEMBER, "roles": []}).json() == staff_schema.ADD_422[1][1].value
    unknown = api.post(STAFF, {**NEW_MEMBER, "roles": ["Janitor"]})
    assert unknown.status_code == 422
    assert unknown.json()["errors"] == {"roles": [staff_schema.UNKNOWN_ROLE]}
    assert snapshot() == before


# --- Roles -------------------------------------------------------------------------------------


@pytest.mark.parametrize("method", ["put", "post"])
def test_roles_are_replaced_by_those_sent(api, support, method):
    response = getattr(api, method)(url(support, "roles"), {"roles": ["Support", "Billing"], "base": ["Support"]})
    assert response.status_code == 200, response.json()
    assert response.json()["roles"] == ["Billing", "Support"]
    assert support.role_names == ["Billing", "Support"]
    assert_by_token(api, AccountEvent.USER_ROLES, support)
    assert api.put(url(support, "roles"), {"roles": []}).json()["roles"] == []


def test_roles_changed_since_the_base_sent_are_named_and_kept(api, admin, support):
    actions.user_roles_set(actor=admin, user=support, roles=[Role.READ_ONLY])
    before = snapshot()
    response = api.put(url(support, "roles"), {"roles": ["Billing"], "base": ["Support"]})
    assert response.status_code == 409
    assert response.json() == staff_schema.ROLES_409[1][0].value
    assert snapshot() == before
    again = api.put(url(support, "roles"), {"roles": ["Billing"], "base": response.json()["current"]["roles"]})
    assert again.status_code == 200
    assert support.role_names == ["Billing"]


def test_an_unknown_role_is_refused_by_roles_and_writes_nothing(api, support):
    before = snapshot()
    response = api.put(url(support, "roles"), {"roles": ["Support", "Janitor"]})
    assert response.status_code == 422
    assert response.json() == staff_schema.ROLES_422[1][0].value
    assert snapshot() == before


def test_the_last_active_admin_keeps_the_role_with_a_clear_message(api, admin, billing):
    before = snapshot()
    response = api.put(url(admin, "roles"), {"roles": ["Billing"]})
    assert response.status_code == 409
    assert response.json() == staff_schema.ROLES_409[1][1].value
    assert snapshot() == before


def test_an_admin_may_lose_the_role_while_another_active_admin_holds_it(api, admin, make_staff):
    make_staff("grace@staff.test", Role.ADMIN)
    response = api.put(url(admin, "roles"), {"roles": ["Support"]})
    assert response.status_code == 200
    assert admin.role_names == ["Support"]


# --- Deactivate, reactivate ---------------------------------------------------------------------


def test_deactivate_and_reactivate_a_member(api, billing):
    response = api.post(url(billing, "deactivate"))
    assert response.status_code == 200
    assert response.json()["is_active"] is False
    assert_by_token(api, AccountEvent.USER_DEACTIVATE, billing)
    before = snapshot()
    assert api.post(url(billing, "deactivate")).json()["is_active"] is False
    assert snapshot() == before, "deactivating twice changes nothing"

    response = api.post(url(billing, "reactivate"), {})
    assert response.status_code == 200
    assert response.json()["is_active"] is True
    assert_by_token(api, AccountEvent.USER_REACTIVATE, billing)


def test_deactivating_ones_own_account_is_refused(api, admin, make_staff):
    make_staff("grace@staff.test", Role.ADMIN)
    before = snapshot()
    response = api.post(url(admin, "deactivate"))
    assert response.status_code == 409
    assert response.json() == staff_schema.DEACTIVATE_409[1][0].value
    assert snapshot() == before


def test_the_last_active_admin_cannot_be_deactivated_nor_lose_the_role(api_as, api, admin, keeper):
    keeps = api_as(keeper)
    before = snapshot()
    response = keeps.post(url(admin, "deactivate"))
    assert response.status_code == 409
    assert response.json() == staff_schema.DEACTIVATE_409[1][1].value
    assert keeps.put(url(admin, "roles"), {"roles": []}).json() == staff_schema.ROLES_409[1][1].value
    assert snapshot() == before


def test_a_body_naming_a_field_is_refused(api, billing):
    before = snapshot()
    response = api.post(url(billing, "deactivate"), {"notify": True})
    assert response.status_code == 422
    assert response.json() == staff_schema.NO_INPUT_422[1][0].value
    assert snapshot() == before


# --- Two-factor, sign-in lock, set-password link -------------------------------------------------


def test_two_factor_reset_switches_it_off(api, billing):
    enrol_two_factor(billing)
    assert api.get(url(billing)).json()["two_factor"] is True
    response = api.post(url(billing, "two-factor-reset"))
    assert response.status_code == 200
    assert response.json()["two_factor"] is False
    assert not TOTPDevice.objects.filter(user=billing).exists()
    assert_by_token(api, AccountEvent.USER_TWO_FACTOR_RESET, billing)


def test_ones_own_two_factor_is_not_reset_here(api, admin):
    enrol_two_factor(admin)
    before = snapshot()
    response = api.post(url(admin, "two-factor-reset"))
    assert response.status_code == 409
    assert response.json() == staff_schema.TWO_FACTOR_409[1][0].value
    assert snapshot() == before


def test_lock_clear_lets_the_member_sign_in_again(api, billing):
    lock_out(billing)
    assert api.get(url(billing)).json()["locked_until"] is not None
    response = api.post(url(billing, "lock-clear"))
    assert response.status_code == 200
    assert response.json()["locked_until"] is None
    assert throttle.account_locked_until(billing) is None
    assert_by_token(api, AccountEvent.USER_LOCK_CLEAR, billing)
    before = snapshot()
    assert api.post(url(billing, "lock-clear")).status_code == 200
    assert snapshot() == before, "nothing left to clear"


def test_a_new_link_replaces_the_password_and_works(api, billing):
    response = api.post(url(billing, "password-link"), {})
    assert response.status_code == 200
    body = response.json()
    assert body["id"] == billing.pk
    billing.refresh_from_db()
    assert not billing.has_usable_password()
    assert_by_token(api, AccountEvent.USER_PASSWORD_LINK, billing)
    path = body["set_password_link"].removeprefix("http://testserver")
    assert set_password_tokens.state(billing, path.rstrip("/").rsplit("/", 1)[-1]).value == "valid"
    assert WebClient().get(path).status_code == 200


def test_no_link_for_ones_own_account_nor_a_deactivated_member(api, admin, make_staff):
    lin = make_staff("lin@example.test")
    User.objects.filter(pk=lin.pk).update(full_name="Lin Wu")
    actions.user_deactivate(actor=admin, user=lin)
    before = snapshot()
    own = api.post(url(admin, "password-link"))
    assert own.status_code == 409
    assert own.json() == staff_schema.LINK_409[1][0].value
    deactivated = api.post(url(lin, "password-link"))
    assert deactivated.status_code == 409
    assert deactivated.json() == staff_schema.LINK_409[1][1].value
    assert snapshot() == before


# --- Who may ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("method", "step", "body"),
    [
        ("put", "roles", {"roles": ["Admin"]}),
        ("post", "deactivate", None),
        ("post", "reactivate", None),
        ("post", "two-factor-reset", None),
        ("post", "lock-clear", None),
        ("post", "password-link", None),
    ],
)
def test_a_member_is_looked_up_only_for_those_who_may_change_staff(api_as, api, billing, method, step, body):
    path = f"{STAFF}{billing.pk + 1000}/{step}/"
    refused = getattr(api_as(billing), method)(path, body)
    assert refused.status_code == 403
    assert refused.json()["detail"] == "You need the “Can change user” permission (Admin role) to do this."
    assert getattr(api, method)(path, body).status_code == 404
