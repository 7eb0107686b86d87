"""The shipped roles: created by migrate, synced from what the desk apps declare."""

import pytest
from django.apps import apps
from django.contrib.auth.models import Group, Permission

from clientdesk.accounts.events import AccountEvent
from clientdesk.accounts.roles import declared, roles_sync
from clientdesk.audit.models import AuditEvent
from clientdesk.core.contract import DeskApp, Role, desk_apps

pytestmark = pytest.mark.django_db


def held(role):
    group = Group.objects.get(name=role)
    return {f"{p.content_type.app_label}.{p.codename}" for p in group.permissions.select_related("content_type")}


def every_permission_of_the_desk_apps():
    labels = [app.label for app in desk_apps()]
    return {
        f"{p.content_type.app_label}.{p.codename}"
        for p in Permission.objects.filter(content_type__app_label__in=labels).select_related("content_type")
    }


def all_groups():
    return {name: held(name) for name in Group.objects.values_list("name", flat=True)}


def test_migrate_creates_the_shipped_roles():
    assert set(Group.objects.values_list("name", flat=True)) == {role.value for role in Role}


def of_clients(role):
    """What the role holds of the client aggregate and the audit log (later apps add their own)."""
    return {p for p in held(role) if p.startswith(("clients.", "audit."))}


def test_the_roles_hold_what_the_apps_declare():
    assert of_clients(Role.BILLING) == {
        "clients.view_client",
        "clients.add_client",
        "clients.change_client",
        "clients.change_client_status",
        "clients.change_client_billing",
        "clients.add_contact",
        "clients.change_contact",
        "clients.delete_contact",
        "clients.view_customcontacttype",
        "audit.view_auditevent",
    }
    assert of_clients(Role.SUPPORT) == {
        "clients.view_client",
        "clients.change_client",
        "clients.add_contact",
        "clients.change_contact",
        "clients.view_customcontacttype",
        "audit.view_auditevent",
    }


@pytest.mark.parametrize("role", [Role.BILLING, Role.SUPPORT, Role.READ_ONLY])
def test_each_role_holds_exactly_its_declared_permissions(role):
    assert held(role) == declared()[role]


def test_admin_holds_every_permission_of_the_desk_apps_and_nothing_else():
    permissions = held(Role.ADMIN)
    assert permissions == every_permission_of_the_desk_apps()
    assert {"clients.change_client_status", "audit.view_auditevent", "accounts.add_user"} <= permissions
    assert not any(name.startswith(("auth.", "sessions.", "otp_totp.")) for name in permissions)


def test_read_only_may_look_but_not_change():
    assert of_clients(Role.READ_ONLY) == {
        "clients.view_client",
        "clients.view_customcontacttype",
        "audit.view_auditevent",
    }
    assert not any(p.split(".", 1)[1].startswith(("add_", "change_", "delete_")) for p in held(Role.READ_ONLY))


def test_roles_sync_is_idempotent_and_records_nothing_when_nothing_changed():
    before = all_groups()
    events = AuditEvent.objects.count()
    roles_sync(actor=None)
    roles_sync(actor=None)
    assert all_groups() == before
    assert Group.objects.count() == len(Role)
    assert AuditEvent.objects.count() == events


def test_roles_sync_puts_back_a_role_that_drifted_and_records_what_it_changed():
    billing = Group.objects.get(name=Role.BILLING)
    billing.permissions.remove(Permission.objects.get(codename="change_client_status"))
    billing.permissions.add(Permission.objects.get(codename="delete_client"))
    Group.objects.get(name=Role.ADMIN).permissions.clear()

    roles_sync(actor=None)

    assert held(Role.BILLING) == declared()[Role.BILLING]
    assert held(Role.ADMIN) == every_permission_of_the_desk_apps()
    event = AuditEvent.objects.filter(action=AccountEvent.ROLES_SYNC).latest("id")
    assert set(event.changes) == {Role.BILLING.value, Role.ADMIN.value}
    before, after = event.changes[Role.BILLING.value]
    assert "clients.delete_client" in before
    assert "clients.change_client_status" in after


def declare(monkeypatch, role, codenames, app="clients"):
    config = apps.get_app_config(app)
    assert isinstance(config, DeskApp)
    monkeypatch.setattr(type(config), "role_permissions", {**config.role_permissions, role: codenames})


def test_roles_sync_refuses_a_permission_that_does_not_exist(monkeypatch):
    declare(monkeypatch, Role.BILLING, ["teleport_client"])
    with pytest.raises(LookupError, match="teleport_client"):
        roles_sync(actor=None)


def test_an_app_can_grant_only_its_own_permissions(monkeypatch):
    declare(monkeypatch, Role.SUPPORT, ["view_client"], app="audit")
    with pytest.raises(LookupError, match="audit', 'view_client"):
        roles_sync(actor=None)


def test_roles_sync_with_an_unknown_permission_leaves_every_group_as_it_was(monkeypatch):
    before = all_groups()
    declare(monkeypatch, Role.READ_ONLY, ["no_such_permission"])
    with pytest.raises(LookupError):
        roles_sync(actor=None)
    assert all_groups() == before
