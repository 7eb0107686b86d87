"""The shipped roles, synced from what each desk app declares (`DeskApp.role_permissions`).

Admin holds every permission of every desk app; the other roles hold what the apps grant them.
`roles_sync` runs after every migrate, so the groups always match the declarations.
"""

from typing import Any

from django.contrib.auth.models import Group, Permission

from clientdesk import audit
from clientdesk.accounts.events import AccountEvent
from clientdesk.core.contract import Role, desk_apps


def declared() -> dict[Role, set[str]]:
    """Every shipped role and the permissions ("app_label.codename") the apps give it."""
    wanted: dict[Role, set[str]] = {role: set() for role in Role}
    for app in desk_apps():
        for role, codenames in app.role_permissions.items():
            wanted[Role(role)] |= {f"{app.label}.{codename}" for codename in codenames}
    return wanted


def _permissions(names: set[str]) -> list[Permission]:
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


def _held(group: Group) -> list[str]:
    return sorted(f"{p.content_type.app_label}.{p.codename}" for p in group.permissions.select_related("content_type"))


@audit.action(AccountEvent.ROLES_SYNC)
def roles_sync(*, actor: audit.Actor = None) -> None:
    """Create or update the shipped groups so they hold exactly their declared permissions (all or nothing)."""
    labels = [app.label for app in desk_apps()]
    wanted: dict[Role, list[Permission]] = {
        role: _permissions(names) for role, names in declared().items() if role is not Role.ADMIN
    }
    wanted[Role.ADMIN] = list(Permission.objects.filter(content_type__app_label__in=labels))
    changes: dict[str, list[Any]] = {}
    for role in Role:
        group, created = Group.objects.get_or_create(name=role.value)
        before = [] if created else _held(group)
        group.permissions.set(wanted[role])
        after = _held(group)
        if created or before != after:
            changes[role.value] = [before if not created else None, after]
    if changes:
        audit.record(actor=actor, action=AccountEvent.ROLES_SYNC, changes=changes)
    else:
        audit.nothing_changed()


def roles_exist() -> bool:
    """True once every shipped role has its group (a flushed test database has none)."""
    return Group.objects.filter(name__in=[role.value for role in Role]).count() == len(Role)


def sync_roles_after_migrate(sender: Any, app_config: Any = None, **kwargs: Any) -> None:
    """post_migrate hook: sync once, after the accounts app (every app's permissions made first)."""
    if app_config is None or app_config.label != "accounts":
        return
    # Each app's permissions are created by its own post_migrate, in INSTALLED_APPS order; make
    # sure every desk app has them before the roles name them.
    from django.contrib.auth.management import create_permissions

    for app in desk_apps():
        create_permissions(app, verbosity=0, using=kwargs.get("using", "default"))
    roles_sync(actor=None)
