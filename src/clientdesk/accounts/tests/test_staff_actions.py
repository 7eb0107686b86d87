"""Staff management actions: adding with a set-password link, the link itself, roles, deactivation,
two-factor reset and sign-in locks; every rule, and bad input that writes nothing."""

from datetime import datetime, timedelta

import pytest
from django.contrib.auth.models import Group
from django.core.exceptions import ValidationError
from django_otp.plugins.otp_totp.models import TOTPDevice

from clientdesk.accounts import actions, throttle
from clientdesk.accounts.actions.staff import (
    LINK_REFUSED,
    SET_PASSWORD_LINK_DAYS,
    LinkState,
    RolesChangedError,
    set_password_tokens,
)
from clientdesk.accounts.events import AccountEvent
from clientdesk.accounts.models import LoginThrottle, RecoveryCode, User
from clientdesk.audit.models import AuditEvent
from clientdesk.core.contract import Role

pytestmark = pytest.mark.django_db

NEW_PASSWORD = "a brand new passphrase 2026"


def snapshot():
    """What a refused action must leave as it was: members, their roles and state, and the audit log."""
    return (
        list(User.objects.order_by("pk").values_list("pk", "email", "password", "is_active")),
        sorted(Group.objects.filter(user__isnull=False).values_list("user__pk", "name")),
        TOTPDevice.objects.count(),
        RecoveryCode.objects.count(),
        LoginThrottle.objects.count(),
        AuditEvent.objects.count(),
    )


def last_event(code):
    return AuditEvent.objects.filter(action=code).latest("id")


def lockout_ip(member):
    """An address of the member's own, so no address's own lock (across accounts) stops their count first."""
    return f"2001:db8::{member.pk:x}"


def lock_out(member):
    """Fail sign-ins as `member` from `lockout_ip(member)` until the throttle locks their account there."""
    ip = lockout_ip(member)
    for _ in range(1000):
        if throttle.account_locked_until(member):
            return
        throttle.attempt(member, ip, lambda: False)
    raise AssertionError("the throttle never locked the account")


def enrol_two_factor(member, codes=3):
    """A confirmed authenticator device, an unconfirmed one, and `codes` recovery codes."""
    TOTPDevice.objects.create(user=member, name="Authenticator app", confirmed=True)
    TOTPDevice.objects.create(user=member, name="Half set up", confirmed=False)
    for i in range(codes):
        RecoveryCode.objects.create(user=member, code_hash=f"{i:064d}")


@pytest.fixture
def second_admin(make_staff):
    return make_staff("grace@staff.test", Role.ADMIN)


# --- Adding a member, with a set-password link ------------------------------------------------


def test_user_invite_adds_a_member_without_a_password_and_returns_their_link(admin):
    member, link = actions.user_invite(
        actor=admin, email=" Lin@Example.TEST ", full_name=" Lin  Wu ", roles=[Role.BILLING, Role.SUPPORT]
    )
    assert (member.email, member.full_name, member.role_names) == ("lin@example.test", "Lin Wu", ["Billing", "Support"])
    assert not member.has_usable_password()
    assert set_password_tokens.state(member, link.token) is LinkState.VALID
    assert link.path == f"/accounts/set-password/{link.uid}/{link.token}/"
    assert timedelta(days=SET_PASSWORD_LINK_DAYS - 1) < link.expires_at - member.date_joined
    created = last_event(AccountEvent.USER_CREATE)
    assert (created.actor_user, created.target_pk) == (admin, str(member.pk))
    assert created.changes["roles"] == [None, ["Billing", "Support"]]
    issued = last_event(AccountEvent.USER_PASSWORD_LINK)
    assert issued.changes == {"usable_password": [False, False]}
    assert link.token not in str(issued.changes)


@pytest.mark.parametrize(
    ("email", "roles", "message"),
    [
        ("lin@example.test", [], "Choose at least one role"),
        ("lin@example.test", ["Superhero"], "Unknown role: Superhero."),
        ("not-an-email", [Role.BILLING], "Enter a valid email address."),
        ("ADA@staff.test", [Role.BILLING], "already exists"),
    ],
)
def test_user_invite_refuses_bad_input_and_writes_nothing(admin, email, roles, message):
    before = snapshot()
    with pytest.raises(ValidationError, match=message):
        actions.user_invite(actor=admin, email=email, full_name="Lin Wu", roles=roles)
    assert snapshot() == before


def test_user_invite_names_every_problem_at_once(admin):
    with pytest.raises(ValidationError) as refused:
        actions.user_invite(actor=admin, email="ADA@staff.test", full_name="x" * 151, roles=[])
    assert sorted(refused.value.message_dict) == ["email", "full_name", "roles"]


# --- The link: single use, expiring, replaced by a newer one ------------------------------------


@pytest.fixture
def invited(admin):
    return actions.user_invite(actor=admin, email="lin@example.test", full_name="Lin Wu", roles=[Role.BILLING])


def test_a_link_sets_the_password_once_and_is_spent(invited):
    member, link = invited
    actions.user_password_set_by_link(actor=member, user=member, token=link.token, password=NEW_PASSWORD)
    member.refresh_from_db()
    assert member.check_password(NEW_PASSWORD)
    event = last_event(AccountEvent.USER_PASSWORD_LINK_USED)
    assert (event.actor_user, event.target_pk, event.changes) == (member, str(member.pk), {"password": "[redacted]"})

    before = snapshot()
    with pytest.raises(ValidationError, match="it has been used"):
        actions.user_password_set_by_link(actor=member, user=member, token=link.token, password="another one 2026!")
    assert snapshot() == before


def test_a_new_link_replaces_the_earlier_one_and_the_password(invited, admin):
    member, first = invited
    actions.user_password_set_by_link(actor=member, user=member, token=first.token, password=NEW_PASSWORD)
    member.refresh_from_db()
    second = actions.user_password_link_issue(actor=admin, user=member)
    member.refresh_from_db()
    assert not member.has_usable_password(), "the password it replaces stops working"
    assert last_event(AccountEvent.USER_PASSWORD_LINK).changes == {"usable_password": [True, False]}
    third = actions.user_password_link_issue(actor=admin, user=member)
    member.refresh_from_db()
    assert set_password_tokens.state(member, second.token) is LinkState.INVALID
    assert set_password_tokens.state(member, third.token) is LinkState.VALID


def test_signing_in_spends_an_unused_link(invited):
    member, link = invited
    member.last_login = member.date_joined + timedelta(hours=1)
    member.save(update_fields=["last_login"])
    assert set_password_tokens.state(member, link.token) is LinkState.INVALID


def test_a_link_expires_after_three_days(invited, monkeypatch):
    member, link = invited
    later = datetime.now() + timedelta(days=SET_PASSWORD_LINK_DAYS, minutes=1)
    monkeypatch.setattr(set_password_tokens, "_now", lambda: later)
    before = snapshot()
    with pytest.raises(ValidationError) as refused:
        actions.user_password_set_by_link(actor=member, user=member, token=link.token, password=NEW_PASSWORD)
    assert refused.value.messages == [LINK_REFUSED[LinkState.EXPIRED]]
    assert snapshot() == before
    monkeypatch.setattr(set_password_tokens, "_now", lambda: later - timedelta(minutes=2))
    assert set_password_tokens.state(member, link.token) is LinkState.VALID


@pytest.mark.parametrize("token", ["", "garbage", "zz-zz", "!!!-abc"])
def test_a_malformed_token_is_refused(invited, token):
    member, _ = invited
    assert set_password_tokens.state(member, token) is LinkState.INVALID
    assert not set_password_tokens.check_token(member, token)


def test_a_link_is_for_its_member_only(invited, make_staff, admin):
    member, link = invited
    other, other_link = actions.user_invite(
        actor=admin, email="kim@example.test", full_name="Kim", roles=[Role.SUPPORT]
    )
    assert set_password_tokens.state(other, link.token) is LinkState.INVALID
    assert set_password_tokens.state(member, other_link.token) is LinkState.INVALID


def test_a_deactivated_members_link_stops_working(invited, admin):
    member, link = invited
    actions.user_deactivate(actor=admin, user=member)
    member.refresh_from_db()
    with pytest.raises(ValidationError, match="no longer works"):
        actions.user_password_set_by_link(actor=member, user=member, token=link.token, password=NEW_PASSWORD)
    with pytest.raises(ValidationError, match="reactivate them before issuing a link"):
        actions.user_password_link_issue(actor=admin, user=member)


def test_the_password_from_a_link_must_pass_djangos_validators(invited):
    member, link = invited
    before = snapshot()
    with pytest.raises(ValidationError, match=r"too common|too short"):
        actions.user_password_set_by_link(actor=member, user=member, token=link.token, password="password")
    assert snapshot() == before


def test_an_admin_does_not_issue_a_link_for_themselves(admin):
    before = snapshot()
    with pytest.raises(ValidationError, match="Change password"):
        actions.user_password_link_issue(actor=admin, user=admin)
    assert snapshot() == before


# --- Roles: the last active Admin keeps the role; a change made meanwhile is not overwritten -----


def test_the_last_active_admin_cannot_lose_the_admin_role(admin, billing):
    before = snapshot()
    with pytest.raises(ValidationError, match="Ada is the last active Admin"):
        actions.user_roles_set(actor=admin, user=admin, roles=[Role.BILLING])
    assert snapshot() == before


def test_an_admin_can_lose_the_role_while_another_active_admin_has_it(admin, second_admin):
    actions.user_roles_set(actor=admin, user=admin, roles=[Role.SUPPORT])
    assert admin.role_names == ["Support"]
    assert last_event(AccountEvent.USER_ROLES).changes == {"roles": [["Admin"], ["Support"]]}


def test_a_deactivated_admin_does_not_count_as_another_admin(admin, second_admin):
    actions.user_deactivate(actor=admin, user=second_admin)
    with pytest.raises(ValidationError, match="last active Admin"):
        actions.user_roles_set(actor=admin, user=admin, roles=[])


def test_roles_changed_since_the_form_was_loaded_are_not_overwritten(admin, support):
    actions.user_roles_set(actor=admin, user=support, roles=[Role.SUPPORT, Role.BILLING])
    before = snapshot()
    with pytest.raises(RolesChangedError, match="“Billing, Support” after you opened this page"):
        actions.user_roles_set(actor=admin, user=support, roles=[Role.READ_ONLY], base=["Support"])
    assert snapshot() == before
    actions.user_roles_set(actor=admin, user=support, roles=[Role.READ_ONLY], base=["Billing", "Support"])
    assert support.role_names == ["Read-only"]


def test_roles_set_refuses_an_unknown_role_and_writes_nothing(admin, support):
    before = snapshot()
    with pytest.raises(ValidationError, match="Unknown role: Janitor"):
        actions.user_roles_set(actor=admin, user=support, roles=["Janitor"])
    assert snapshot() == before


# --- Deactivate / reactivate --------------------------------------------------------------------


def test_deactivate_and_reactivate_are_recorded(admin, billing):
    actions.user_deactivate(actor=admin, user=billing)
    billing.refresh_from_db()
    assert not billing.is_active
    assert last_event(AccountEvent.USER_DEACTIVATE).changes == {"is_active": [True, False]}
    actions.user_reactivate(actor=admin, user=billing)
    billing.refresh_from_db()
    assert billing.is_active
    assert billing.check_password("correct horse battery staple"), "their password is kept"
    assert last_event(AccountEvent.USER_REACTIVATE).changes == {"is_active": [False, True]}


def test_deactivating_twice_or_reactivating_an_active_member_records_nothing(admin, billing):
    actions.user_deactivate(actor=admin, user=billing)
    before = snapshot()
    actions.user_deactivate(actor=admin, user=billing)
    actions.user_reactivate(actor=admin, user=admin)
    assert snapshot() == before


def test_the_last_active_admin_cannot_be_deactivated(admin, make_staff):
    other = make_staff("other@staff.test", Role.ADMIN)
    actions.user_deactivate(actor=admin, user=other)
    before = snapshot()
    with pytest.raises(ValidationError, match="Ada is the last active Admin"):
        actions.user_deactivate(actor=None, user=admin)
    assert snapshot() == before


def test_an_admin_cannot_deactivate_themselves(admin, second_admin):
    before = snapshot()
    with pytest.raises(ValidationError, match="You cannot deactivate your own account"):
        actions.user_deactivate(actor=admin, user=admin)
    assert snapshot() == before


# --- Two-factor reset ---------------------------------------------------------------------------


def test_two_factor_reset_deletes_devices_and_recovery_codes(admin, billing, support):
    enrol_two_factor(billing, codes=3)
    enrol_two_factor(support, codes=2)
    actions.user_two_factor_reset(actor=admin, user=billing)
    assert not TOTPDevice.objects.filter(user=billing).exists()
    assert not billing.recovery_codes.exists()
    assert TOTPDevice.objects.filter(user=support).count() == 2, "no one else's"
    assert support.recovery_codes.count() == 2
    assert last_event(AccountEvent.USER_TWO_FACTOR_RESET).changes == {
        "two_factor": [True, False],
        "recovery_codes": [3, 0],
    }


def test_two_factor_reset_of_a_member_without_it_records_nothing(admin, billing):
    before = snapshot()
    actions.user_two_factor_reset(actor=admin, user=billing)
    assert snapshot() == before


def test_an_admin_resets_their_own_two_factor_on_their_own_page(admin):
    enrol_two_factor(admin)
    before = snapshot()
    with pytest.raises(ValidationError, match="under Two-factor sign-in"):
        actions.user_two_factor_reset(actor=admin, user=admin)
    assert snapshot() == before


# --- Sign-in lock -------------------------------------------------------------------------------


def test_lock_clear_clears_the_members_lock_through_the_throttle(admin, billing, support):
    lock_out(billing)
    lock_out(support)
    until = throttle.account_locked_until(billing)
    assert until is not None
    assert actions.user_lock_clear(actor=admin, user=billing) > 0
    assert throttle.account_locked_until(billing) is None
    assert throttle.account_locked_until(support) is not None, "no one else's"
    assert last_event(AccountEvent.USER_LOCK_CLEAR).changes == {"locked_until": [until.isoformat(), None]}


def test_lock_clear_with_nothing_to_clear_records_nothing(admin, billing):
    before = snapshot()
    assert actions.user_lock_clear(actor=admin, user=billing) == 0
    assert snapshot() == before
