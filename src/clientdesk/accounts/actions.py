"""Writes to staff accounts: creation and roles, sign-in bookkeeping, passwords, two-factor enrolment."""

from collections.abc import Collection

from django.contrib.auth.models import Group
from django.core.exceptions import ValidationError
from django_otp.plugins.otp_totp.models import TOTPDevice

from clientdesk import audit
from clientdesk.accounts import throttle
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


@audit.action(AccountEvent.SIGN_IN)
def user_signed_in(*, actor: User) -> None:
    """Record a successful sign-in; the account's failure count starts again."""
    throttle.register_success(actor.email)
    audit.record(actor=actor, action=AccountEvent.SIGN_IN, target=actor)


@audit.action(AccountEvent.SIGN_IN_FAILED, AccountEvent.LOCKOUT)
def user_sign_in_failed(*, actor: audit.Actor = None, email: str, ip: str | None) -> bool:
    """Count a failed sign-in (or password re-entry) against the account and IP; True when that locked one."""
    locked = throttle.register_failure(email, ip)
    code = AccountEvent.LOCKOUT if locked else AccountEvent.SIGN_IN_FAILED
    audit.record(actor=actor, action=code, changes={"email": email})
    return locked


@audit.action(AccountEvent.SIGN_OUT)
def user_signed_out(*, actor: User) -> None:
    """Record a sign-out."""
    audit.record(actor=actor, action=AccountEvent.SIGN_OUT, target=actor)


@audit.action(AccountEvent.PASSWORD_CHANGE)
def user_password_change(*, actor: User, new_password: str) -> None:
    """Set the staff member's own new password (the view keeps the current session signed in)."""
    actor.set_password(new_password)
    actor.save(update_fields=["password"])
    audit.record(actor=actor, action=AccountEvent.PASSWORD_CHANGE, target=actor, changes={"password": ["", ""]})


@audit.action(AccountEvent.TWO_FACTOR_START)
def totp_device_start(*, actor: User) -> TOTPDevice:
    """Begin enrolment: a fresh unconfirmed authenticator device (replacing any unconfirmed one)."""
    TOTPDevice.objects.filter(user=actor, confirmed=False).delete()
    device = TOTPDevice.objects.create(user=actor, name="Authenticator app", confirmed=False)
    audit.record(actor=actor, action=AccountEvent.TWO_FACTOR_START, target=actor)
    return device


@audit.action(AccountEvent.TWO_FACTOR_ENABLE)
def totp_device_confirm(*, actor: User, device: TOTPDevice, token: str) -> bool:
    """Confirm enrolment with a code from the app; False (nothing written) when the code is wrong."""
    if not device.verify_token(token):
        # verify_token saved the device's throttling counters; that is django-otp's own bookkeeping.
        audit.nothing_changed()
        return False
    TOTPDevice.objects.filter(user=actor).exclude(pk=device.pk).delete()
    device.confirmed = True
    device.save(update_fields=["confirmed"])
    audit.record(actor=actor, action=AccountEvent.TWO_FACTOR_ENABLE, target=actor)
    return True


@audit.action(AccountEvent.TWO_FACTOR_DISABLE)
def totp_disable(*, actor: User) -> None:
    """Switch two-factor sign-in off for the staff member."""
    TOTPDevice.objects.filter(user=actor).delete()
    audit.record(actor=actor, action=AccountEvent.TWO_FACTOR_DISABLE, target=actor)
