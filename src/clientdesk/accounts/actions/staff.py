"""Writes to staff accounts made by others: adding staff, roles, deactivation, two-factor reset,
sign-in locks, and the single-use links through which a member sets their own password (emailed to
them, in the same transaction, and shown once to the Admin who issued it).

**The last active Admin.** An Admin cannot be deactivated, or lose the role, when no other active
member holds it. Who holds a role lives in the user-group join table, which `SELECT … FOR UPDATE`
on the users does not guard (two admins taking the role from each other could each still count the
other). So every action that can take an Admin away first locks the Admin group's row, then counts
the active Admins: PostgreSQL reads each statement from what is committed by then, and on SQLite
every transaction begins IMMEDIATE (see settings), one writer at a time.
"""

from collections.abc import Collection, Mapping
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from enum import StrEnum

from django.contrib.auth import password_validation
from django.contrib.auth.models import Group
from django.contrib.auth.tokens import PasswordResetTokenGenerator
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone
from django.utils.crypto import constant_time_compare
from django.utils.encoding import force_bytes
from django.utils.http import base36_to_int, urlsafe_base64_encode
from django_otp.plugins.otp_totp.models import TOTPDevice

from clientdesk import audit
from clientdesk.accounts import emails, throttle
from clientdesk.accounts.events import AccountEvent
from clientdesk.accounts.models import User
from clientdesk.core.contract import Role

SET_PASSWORD_LINK_DAYS = 3
ROLE_REQUIRED = "Choose at least one role: without one a member can sign in but sees nothing."


class LinkState(StrEnum):
    """What a set-password link is worth now."""

    VALID = "valid"
    EXPIRED = "expired"
    INVALID = "invalid"  # used, replaced by a newer link, for a deactivated member, or never issued


LINK_REFUSED = {
    LinkState.EXPIRED: (
        f"This link has expired: set-password links work for {SET_PASSWORD_LINK_DAYS} days. Ask an Admin for a new one."
    ),
    LinkState.INVALID: (
        "This link no longer works: it has been used, or a newer link replaced it. If you have set your "
        "password, sign in with it; otherwise ask an Admin for a new link."
    ),
}


class SetPasswordTokens(PasswordResetTokenGenerator):
    """Tokens of set-password links: single-use, expiring after SET_PASSWORD_LINK_DAYS.

    Django's generator hashes the member's password hash and last sign-in, so setting a password,
    issuing a new link (which replaces the password hash) or signing in spends every earlier token.
    Its own salt keeps these tokens apart from Django's password-reset ones; whether the member is
    active is hashed too, so a deactivated member's link stops working.
    """

    key_salt = "clientdesk.accounts.set_password_link"
    timeout = SET_PASSWORD_LINK_DAYS * 24 * 60 * 60

    def _make_hash_value(self, user: User, timestamp: int) -> str:
        return f"{super()._make_hash_value(user, timestamp)}{user.is_active}"

    def state(self, user: User, token: str) -> LinkState:
        """Whether `token` sets `user`'s password now, has expired, or is spent (or never was)."""
        ts_b36, _, _ = (token or "").partition("-")
        try:
            issued = base36_to_int(ts_b36)
        except ValueError:
            return LinkState.INVALID
        if not any(
            constant_time_compare(self._make_token_with_timestamp(user, issued, secret), token)
            for secret in [self.secret, *self.secret_fallbacks]
        ):
            return LinkState.INVALID
        if self._num_seconds(self._now()) - issued > self.timeout:
            return LinkState.EXPIRED
        return LinkState.VALID

    def check_token(self, user: User | None, token: str | None) -> bool:
        return user is not None and self.state(user, token or "") is LinkState.VALID


set_password_tokens = SetPasswordTokens()


@dataclass(frozen=True)
class SetPasswordLink:
    """A member's set-password link: the page `accounts:password_set` with these parts, until `expires_at`;
    `emailed_to` the address its invitation email was queued to ("" when that email is switched off)."""

    uid: str
    token: str
    expires_at: datetime
    emailed_to: str = ""

    @property
    def path(self) -> str:
        """The link's path; the page or command adds the scheme and host."""
        return reverse("accounts:password_set", args=[self.uid, self.token])


class RolesChangedError(ValidationError):
    """Someone else changed the member's roles after the form was loaded (the page answers 409)."""


def _groups(roles: Collection[Role | str]) -> list[Group]:
    names = sorted({str(role) for role in roles})
    unknown = sorted(set(names) - {role.value for role in Role})
    if unknown:
        raise ValidationError({"roles": f"Unknown role: {', '.join(unknown)}."})
    groups = list(Group.objects.filter(name__in=names))
    if len(groups) != len(names):
        raise ValidationError({"roles": "The shipped roles are missing: run `clientdesk migrate`."})
    return groups


def _lock(user: User) -> User:
    """The member's row, locked for the rest of the action and read afresh."""
    return User.objects.select_for_update().get(pk=user.pk)


def _active_admin_pks() -> set[int]:
    """Lock the Admin group's row, then read who holds the role and is active (see the module's docstring)."""
    list(Group.objects.select_for_update().filter(name=Role.ADMIN.value))
    return set(User.objects.filter(is_active=True, groups__name=Role.ADMIN.value).values_list("pk", flat=True))


def _is_last_admin(user: User, admins: set[int]) -> bool:
    return admins == {user.pk}


def _refuse_own_account(actor: audit.Actor, user: User, message: str) -> None:
    """A member's own password, two-factor and activation are theirs to change on their own pages."""
    acting = actor if isinstance(actor, User) else getattr(actor, "user", None)
    if acting is not None and acting.pk == user.pk:
        raise ValidationError(message, code="own_account")


def _create(
    *,
    actor: audit.Actor,
    email: str,
    full_name: str,
    password: str | None,
    roles: Collection[Role | str],
    role_required: bool = False,
) -> User:
    """Add the member, refusing every problem of the input at once (not one per attempt)."""
    user = User(email=User.objects.normalize_email(email).strip().lower(), full_name=" ".join(full_name.split()))
    user.set_password(password)
    errors: dict[str, list[str]] = {}
    try:
        user.full_clean(exclude=["password"])
    except ValidationError as exc:
        errors.update(exc.message_dict)
    groups: list[Group] = []
    try:
        groups = _groups(roles)
    except ValidationError as exc:
        errors.update(exc.message_dict)  # "roles": no field of the model
    if role_required and not roles:
        errors["roles"] = [ROLE_REQUIRED]
    if errors:
        raise ValidationError(errors)
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


def _link(user: User) -> SetPasswordLink:
    return SetPasswordLink(
        uid=urlsafe_base64_encode(force_bytes(user.pk)),
        token=set_password_tokens.make_token(user),
        expires_at=timezone.now() + timedelta(seconds=set_password_tokens.timeout),
    )


def _issue_link(*, actor: audit.Actor, user: User) -> SetPasswordLink:
    """Replace the member's password hash with an unusable one (spending every earlier link), then link
    and queue the invitation email carrying the link."""
    if not user.is_active:
        raise ValidationError(f"{user} is deactivated: reactivate them before issuing a link.", code="inactive")
    had_password = user.has_usable_password()
    user.set_unusable_password()
    user.save(update_fields=["password"])
    audit.record(
        actor=actor,
        action=AccountEvent.USER_PASSWORD_LINK,
        target=user,
        changes={"usable_password": [had_password, False]},
    )
    link = _link(user)
    emailed = emails.send_link(
        emails.STAFF_INVITATION, user=user, path=link.path, expires_at=link.expires_at, actor=actor
    )
    return replace(link, emailed_to=user.email if emailed else "")


@audit.action(AccountEvent.USER_CREATE)
def user_create(
    *, actor: audit.Actor, email: str, full_name: str, password: str | None, roles: Collection[Role | str] = ()
) -> User:
    """Add a staff member with the given roles (no password: one must be set before signing in)."""
    return _create(actor=actor, email=email, full_name=full_name, password=password, roles=roles)


@audit.action(AccountEvent.USER_CREATE, AccountEvent.USER_PASSWORD_LINK)
def user_invite(
    *, actor: audit.Actor, email: str, full_name: str, roles: Collection[Role | str]
) -> tuple[User, SetPasswordLink]:
    """Add a staff member with at least one role and no password, and the link through which they set one
    (also emailed to them)."""
    user = _create(actor=actor, email=email, full_name=full_name, password=None, roles=roles, role_required=True)
    return user, _issue_link(actor=actor, user=user)


@audit.action(AccountEvent.USER_PASSWORD_LINK)
def user_password_link_issue(*, actor: audit.Actor, user: User) -> SetPasswordLink:
    """A new set-password link for a member (emailed to them): their current password, if any, and every
    earlier link stop working."""
    locked = _lock(user)
    _refuse_own_account(actor, locked, "Your own password is changed under Change password, not with a link.")
    return _issue_link(actor=actor, user=locked)


def spend_link(
    user: User, *, token: str, password: str, tokens: SetPasswordTokens, refused: Mapping[LinkState, str]
) -> User:
    """Set the member's password from a link's `token` (refused with `refused[state]` unless valid), spending it."""
    locked = _lock(user)  # two submissions of one link: the second waits here, then finds it spent
    state = tokens.state(locked, token)
    if state is not LinkState.VALID:
        raise ValidationError(refused[state], code=state.value)
    password_validation.validate_password(password, locked)
    locked.set_password(password)
    locked.save(update_fields=["password"])
    return locked


@audit.action(AccountEvent.USER_PASSWORD_LINK_USED)
def user_password_set_by_link(*, actor: audit.Actor, user: User, token: str, password: str) -> User:
    """Set a member's password from their link, which is then spent (refused when spent, replaced or expired)."""
    locked = spend_link(user, token=token, password=password, tokens=set_password_tokens, refused=LINK_REFUSED)
    audit.record(
        actor=actor, action=AccountEvent.USER_PASSWORD_LINK_USED, target=locked, changes={"password": ["", ""]}
    )
    return locked


@audit.action(AccountEvent.USER_ROLES)
def user_roles_set(
    *, actor: audit.Actor, user: User, roles: Collection[Role | str], base: Collection[str] | None = None
) -> User:
    """Give a staff member exactly these roles; `base`, the roles the form showed, refuses a change made meanwhile."""
    admins = _active_admin_pks()
    locked = _lock(user)
    groups = _groups(roles)
    before = sorted(locked.groups.values_list("name", flat=True))
    after = sorted(g.name for g in groups)
    if base is not None and sorted(base) != before:
        shown = ", ".join(before) or "no role"
        raise RolesChangedError(
            {
                "roles": f"Someone else changed the roles to “{shown}” after you opened this page: save again to "
                "replace them."
            },
            code="conflict",
        )
    if before == after:
        audit.nothing_changed()
        return locked
    if Role.ADMIN.value not in after and _is_last_admin(locked, admins):
        raise ValidationError(
            {"roles": f"{locked} is the last active Admin: give the Admin role to another active member first."},
            code="last_admin",
        )
    locked.groups.set(groups)
    audit.record(actor=actor, action=AccountEvent.USER_ROLES, target=locked, changes={"roles": [before, after]})
    return locked


@audit.action(AccountEvent.USER_DEACTIVATE)
def user_deactivate(*, actor: audit.Actor, user: User) -> User:
    """Deactivate a staff member: they cannot sign in, and each open session of theirs ends at its next request."""
    admins = _active_admin_pks()
    locked = _lock(user)
    if not locked.is_active:
        audit.nothing_changed()
        return locked
    _refuse_own_account(actor, locked, "You cannot deactivate your own account: another Admin can.")
    if _is_last_admin(locked, admins):
        raise ValidationError(
            f"{locked} is the last active Admin: give the Admin role to another active member first.",
            code="last_admin",
        )
    locked.is_active = False
    locked.save(update_fields=["is_active"])
    audit.record(actor=actor, action=AccountEvent.USER_DEACTIVATE, target=locked, changes={"is_active": [True, False]})
    return locked


@audit.action(AccountEvent.USER_REACTIVATE)
def user_reactivate(*, actor: audit.Actor, user: User) -> User:
    """Let a deactivated staff member sign in again (with the password they had, or a new link)."""
    locked = _lock(user)
    if locked.is_active:
        audit.nothing_changed()
        return locked
    locked.is_active = True
    locked.save(update_fields=["is_active"])
    audit.record(actor=actor, action=AccountEvent.USER_REACTIVATE, target=locked, changes={"is_active": [False, True]})
    return locked


@audit.action(AccountEvent.USER_TWO_FACTOR_RESET)
def user_two_factor_reset(*, actor: audit.Actor, user: User) -> User:
    """Switch a member's two-factor sign-in off (a lost phone): their authenticator devices and recovery codes go."""
    locked = _lock(user)
    _refuse_own_account(actor, locked, "Your own two-factor sign-in is switched off under Two-factor sign-in.")
    was_on = TOTPDevice.objects.filter(user=locked, confirmed=True).exists()
    devices, _ = TOTPDevice.objects.filter(user=locked).delete()
    codes, _ = locked.recovery_codes.all().delete()
    if not (devices or codes):
        audit.nothing_changed()
        return locked
    audit.record(
        actor=actor,
        action=AccountEvent.USER_TWO_FACTOR_RESET,
        target=locked,
        changes={"two_factor": [was_on, False], "recovery_codes": [codes, 0]},
    )
    return locked


@audit.action(AccountEvent.USER_LOCK_CLEAR)
def user_lock_clear(*, actor: audit.Actor, user: User) -> int:
    """Clear a member's sign-in lock and failure counts (not an address's own lock); how many records went."""
    locked = _lock(user)
    until = throttle.account_locked_until(locked)
    cleared = throttle.clear_account(locked)
    if not cleared:
        audit.nothing_changed()
        return 0
    changes = {"locked_until": [until, None]} if until else {}
    audit.record(actor=actor, action=AccountEvent.USER_LOCK_CLEAR, target=locked, changes=changes)
    return cleared


@audit.action(AccountEvent.PASSWORD_SET)
def user_password_set(*, actor: audit.Actor, user: User, password: str) -> User:
    """Set a staff member's password for them (the demo's admin)."""
    user.set_password(password)
    user.save(update_fields=["password"])
    audit.record(actor=actor, action=AccountEvent.PASSWORD_SET, target=user, changes={"password": ["", ""]})
    return user
