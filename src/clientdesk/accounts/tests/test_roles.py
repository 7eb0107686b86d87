"""The shipped roles: created by migrate, kept exactly in step with accounts/roles.py."""

import pytest
from django.contrib.auth.models import Group, Permission

from clientdesk.accounts import roles
from clientdesk.accounts.roles import ADMIN, BILLING, OUR_APPS, READ_ONLY, ROLES, SUPPORT, sync_roles

pytestmark = pytest.mark.django_db


def held(group_name):
    group = Group.objects.get(name=group_name)
    return {f"{p.content_type.app_label}.{p.codename}" for p in group.permissions.select_related("content_type")}


def every_permission_of_our_apps():
    return {
        f"{p.content_type.app_label}.{p.codename}"
        for p in Permission.objects.filter(content_type__app_label__in=OUR_APPS).select_related("content_type")
    }


def all_groups():
    return {name: held(name) for name in Group.objects.values_list("name", flat=True)}


def test_migrate_creates_the_shipped_roles():
    assert set(Group.objects.values_list("name", flat=True)) == {ADMIN, BILLING, SUPPORT, READ_ONLY}


@pytest.mark.parametrize("name", sorted(ROLES))
def test_each_role_holds_exactly_its_listed_permissions(name):
    assert held(name) == set(ROLES[name])


def test_admin_holds_every_permission_of_our_apps_and_nothing_else():
    permissions = held(ADMIN)
    assert permissions == every_permission_of_our_apps()
    assert {"clients.change_client_status", "audit.view_auditevent", "accounts.add_user"} <= permissions
    assert not any(name.startswith(("auth.", "sessions.", "otp_totp.")) for name in permissions)


def test_read_only_may_look_but_not_change():
    assert held(READ_ONLY) == {"clients.view_client", "audit.view_auditevent"}


def test_sync_roles_is_idempotent():
    before = all_groups()
    sync_roles()
    sync_roles()
    assert all_groups() == before
    assert Group.objects.count() == 4


def test_sync_roles_puts_back_a_role_that_drifted():
    billing = Group.objects.get(name=BILLING)
    billing.permissions.remove(Permission.objects.get(codename="change_client_status"))
    billing.permissions.add(Permission.objects.get(codename="delete_client"))
    Group.objects.get(name=ADMIN).permissions.clear()

    sync_roles()

    assert held(BILLING) == set(ROLES[BILLING])
    assert held(ADMIN) == every_permission_of_our_apps()


def test_sync_roles_refuses_a_permission_that_does_not_exist(monkeypatch):
    monkeypatch.setitem(roles.ROLES, BILLING, [*ROLES[BILLING], "clients.teleport_client"])
    with pytest.raises(LookupError, match="teleport_client"):
        sync_roles()


def test_sync_roles_refuses_a_permission_of_another_app_with_the_same_codename(monkeypatch):
    monkeypatch.setitem(roles.ROLES, SUPPORT, ["audit.view_client"])
    with pytest.raises(LookupError, match="view_client"):
        sync_roles()


def test_sync_roles_refuses_a_permission_name_without_its_app_with_a_lookup_error(monkeypatch):
    monkeypatch.setitem(roles.ROLES, SUPPORT, ["view_client"])
    with pytest.raises(LookupError, match="view_client"):
        sync_roles()


def test_sync_roles_with_an_unknown_permission_leaves_every_group_as_it_was(monkeypatch):
    before = all_groups()
    monkeypatch.setitem(roles.ROLES, "Auditor", ["audit.no_such_permission"])
    with pytest.raises(LookupError):
        sync_roles()
    assert all_groups() == before
