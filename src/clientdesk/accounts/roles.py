"""The roles shipped with Clientdesk, as groups of permissions (one permission per account action).

Apps add their action permissions here as they add actions; `sync_roles` runs after every
migrate so the groups always match this table.
"""

from typing import Any

from django.contrib.auth.models import Group, Permission
from django.db import transaction

ADMIN = "Admin"
BILLING = "Billing"
SUPPORT = "Support"
READ_ONLY = "Read-only"

# Every permission of these apps belongs to Admin.
OUR_APPS = ("accounts", "audit", "clients", "contacts")

VIEW = ["clients.view_client", "audit.view_auditevent"]

ROLES: dict[str, list[str]] = {
    BILLING: [*VIEW, "clients.add_client", "clients.change_client", "clients.change_client_status"],
    SUPPORT: [*VIEW, "clients.change_client"],
    READ_ONLY: VIEW,
}


def _permissions(names: list[str]) -> list[Permission]:
    malformed = [name for name in names if name.count(".") != 1]
    if malformed:
        raise LookupError(f"Permissions must be named 'app_label.codename': {malformed}")
    wanted = {tuple(name.split(".", 1)) for name in names}
    found = [
        p
        for p in Permission.objects.select_related("content_type").filter(codename__in=[c for _, c in wanted])
        if (p.content_type.app_label, p.codename) in wanted
    ]
    missing = wanted - {(p.content_type.app_label, p.codename) for p in found}
    if missing:
        raise LookupError(f"Roles name permissions that do not exist: {sorted(missing)}")
    return found


def sync_roles() -> None:
    """Create or update the shipped groups so they hold exactly their permissions (all or nothing)."""
    wanted = {name: _permissions(perms) for name, perms in ROLES.items()}
    with transaction.atomic():
        admin, _ = Group.objects.get_or_create(name=ADMIN)
        admin.permissions.set(Permission.objects.filter(content_type__app_label__in=OUR_APPS))
        for name, perms in wanted.items():
            group, _ = Group.objects.get_or_create(name=name)
            group.permissions.set(perms)


def sync_roles_after_migrate(sender: Any, app_config: Any = None, **kwargs: Any) -> None:
    """post_migrate hook: sync once, after the last of our apps has its permissions."""
    if app_config is None or app_config.label != "accounts":
        return
    # Permissions of every app exist once each app's post_migrate ran; ours run in INSTALLED_APPS
    # order, so make sure the others exist first.
    from django.apps import apps
    from django.contrib.auth.management import create_permissions

    for label in OUR_APPS:
        create_permissions(apps.get_app_config(label), verbosity=0, using=kwargs.get("using", "default"))
    sync_roles()
