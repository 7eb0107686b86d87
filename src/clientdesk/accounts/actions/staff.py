"""Writes to staff accounts made by others: adding staff, their roles, passwords set for them."""

from collections.abc import Collection

from django.contrib.auth.models import Group
from django.core.exceptions import ValidationError

from clientdesk import audit
from clientdesk.accounts.events import AccountEvent
from clientdesk.accounts.models import User
from clientdesk.core.contract import Role


def _groups(roles: Collection[Role | str]) -> list[Group]:
    names = sorted({str(role) for role in roles})
    unknown = sorted(set(names) - {role.value for role in Role})
    if unknown:
        raise ValidationError({"roles": f"Unknown role: {', '.join(unknown)}."})
    groups = list(Group.objects.filter(name__in=names))
    if len(groups) != len(names):
        raise ValidationError({"roles": "The shipped roles are missing: run `clientdesk migrate`."})
    return groups


@audit.action(AccountEvent.USER_CREATE)
def user_create(
    *, actor: audit.Actor, email: str, full_name: str, password: str | None, roles: Collection[Role | str] = ()
) -> User:
    """Add a staff member with the given roles (no password: one must be set before signing in)."""
    user = User(email=User.objects.normalize_email(email).strip().lower(), full_name=" ".join(full_name.split()))
    user.set_password(password)
    user.full_clean(exclude=["password"])
    groups = _groups(roles)
    user.save()
    user.groups.set(groups)
    audit.record(
        actor=actor,
        action=AccountEvent.USER_CREATE,
        target=user,
        changes=audit.diff(
            {}, {**audit.snapshot(user, ["email", "full_name"]), "roles": sorted(g.name for g in groups)}
        ),
    )
    return user


@audit.action(AccountEvent.USER_ROLES)
def user_roles_set(*, actor: audit.Actor, user: User, roles: Collection[Role | str]) -> User:
    """Give a staff member exactly these roles."""
    locked = User.objects.select_for_update().get(pk=user.pk)
    groups = _groups(roles)
    before = sorted(locked.groups.values_list("name", flat=True))
    after = sorted(g.name for g in groups)
    if before == after:
        audit.nothing_changed()
        return user
    locked.groups.set(groups)
    audit.record(actor=actor, action=AccountEvent.USER_ROLES, target=locked, changes={"roles": [before, after]})
    return user


@audit.action(AccountEvent.PASSWORD_SET)
def user_password_set(*, actor: audit.Actor, user: User, password: str) -> User:
    """Set a staff member's password for them (the demo's admin; later, invitations and resets)."""
    user.set_password(password)
    user.save(update_fields=["password"])
    audit.record(actor=actor, action=AccountEvent.PASSWORD_SET, target=user, changes={"password": ["", ""]})
    return user
