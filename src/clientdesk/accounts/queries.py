"""Reads of staff accounts shared by the Settings → Staff pages and the `staff` command."""

from django.contrib.auth.models import Group
from django.db.models import Exists, OuterRef, Prefetch, QuerySet, Subquery
from django.utils.encoding import force_str
from django.utils.http import urlsafe_base64_decode
from django_otp.plugins.otp_totp.models import TOTPDevice

from clientdesk.accounts.models import User
from clientdesk.accounts.throttle import active_locks
from clientdesk.core.contract import Role

# The largest primary key a link may name (a bigint); anything longer is not a member.
_MAX_PK_DIGITS = 18


def staff_members() -> QuerySet[User]:
    """Every staff member, active first, with their roles, two-factor state and sign-in lock (two queries a page).

    `two_factor` is True when a confirmed authenticator device exists; `locked_until` is when the
    account's own lock (or the latest of its account-and-address locks) ends, read from the same
    `throttle.active_locks()` as `throttle.account_locked_until`, or None.
    """
    lock = active_locks().filter(user=OuterRef("pk")).values("locked_until")[:1]
    return (
        User.objects.annotate(
            two_factor=Exists(TOTPDevice.objects.filter(user=OuterRef("pk"), confirmed=True)),
            locked_until=Subquery(lock),
        )
        .prefetch_related(Prefetch("groups", queryset=Group.objects.order_by("name").only("id", "name")))
        .order_by("-is_active", "email")
    )


def staff_member_by_email(email: str) -> User | None:
    """The staff member signing in with `email` (however it is spelt), or None."""
    try:
        return User.objects.get_by_natural_key(email)
    except User.DoesNotExist:
        return None


def user_from_link(uid: str) -> User | None:
    """The staff member a set-password link's `uid` part names, or None for one that names nobody."""
    try:
        pk = force_str(urlsafe_base64_decode(uid))
    except (ValueError, UnicodeDecodeError):
        return None
    if not pk.isdigit() or len(pk) > _MAX_PK_DIGITS:
        return None
    return User.objects.filter(pk=int(pk)).first()


def roles_of(user: User) -> list[str]:
    """The member's roles by name, in order (from the prefetched groups when there are any)."""
    return sorted(group.name for group in user.groups.all())


def role_names() -> list[str]:
    """Every shipped role, in the order the desk lists them."""
    return [role.value for role in Role]
