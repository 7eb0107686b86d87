"""Sign-in throttling: each attempt is counted before its secret is checked.

Three scopes count failures, each within CLIENTDESK_LOGIN_WINDOW seconds of its first one:

- the (account, IP) pair: CLIENTDESK_LOGIN_PAIR_LIMIT, so one member's typos behind an office NAT
  lock only that member from that address, never the team;
- the account, from any address: CLIENTDESK_LOGIN_ACCOUNT_LIMIT (a guesser spread over many IPs);
- the IP, across accounts: CLIENTDESK_LOGIN_IP_LIMIT (one address trying many accounts, or emails
  that name no account — those count against the IP only).

At its limit a scope is locked for CLIENTDESK_LOGIN_LOCKOUT seconds; once the lock ends its count
starts again. Accounts are keyed on their primary key, never on the typed email, so no spelling of
an address escapes its account's count.

**Reserve, then check.** `attempt()` counts the attempt as a failure first, in a short transaction
of its own that locks the scope rows (`SELECT … FOR UPDATE` on PostgreSQL; on SQLite every
transaction begins IMMEDIATE — see settings — so writers queue one at a time), and refuses when a
scope is locked. Only a reserved attempt reaches the password hasher (or the code check), so
simultaneous attempts cannot all be checked: at most the limit are. A correct secret then releases
its reservation. The same applies to the two-factor code step and to password re-entry.

**Password-reset requests** (`reset_request`) are counted in the same table under two scopes of
their own: the email address asked for (keyed on a keyed digest of its normalised form, so an
address that is no member's counts just the same) and the IP, each allowed
CLIENTDESK_PASSWORD_RESET_MAIL_LIMIT / _IP_LIMIT requests per CLIENTDESK_PASSWORD_RESET_WINDOW
seconds. Every request counts, not only failures; those rows have no `user` and never lock, so
they are no sign-in lock of anyone's.

The rows are bookkeeping like a session, not records of the desk: the outcome of each attempt is
written to the audit log by the actions in `accounts/actions/auth.py` (a refused attempt records
nothing, so a flood cannot fill the log).
"""

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.crypto import salted_hmac

from clientdesk.accounts.models import LoginThrottle, User

Scope = LoginThrottle.Scope

# Password-reset requests allowed per address and per IP within the window (see the module docstring).
RESET_DEFAULTS = {
    "CLIENTDESK_PASSWORD_RESET_MAIL_LIMIT": 3,
    "CLIENTDESK_PASSWORD_RESET_IP_LIMIT": 20,
    "CLIENTDESK_PASSWORD_RESET_WINDOW": 60 * 60,
}


def _limit(scope: str) -> int:
    return {
        Scope.PAIR: settings.CLIENTDESK_LOGIN_PAIR_LIMIT,
        Scope.ACCOUNT: settings.CLIENTDESK_LOGIN_ACCOUNT_LIMIT,
        Scope.IP: settings.CLIENTDESK_LOGIN_IP_LIMIT,
    }[Scope(scope)]


def _rows_for(user: User | None, ip: str | None) -> list[LoginThrottle]:
    """Unsaved rows of the scopes an attempt counts against, in key order (the order rows are locked in)."""
    where = ip or "unknown"  # no address known (a misconfigured proxy): those attempts share one count
    rows = [LoginThrottle(key=f"ip:{where}", scope=Scope.IP, ip=ip)]
    if user is not None:
        rows += [
            LoginThrottle(key=f"account:{user.pk}", scope=Scope.ACCOUNT, user=user),
            LoginThrottle(key=f"pair:{user.pk}:{where}", scope=Scope.PAIR, user=user, ip=ip),
        ]
    return sorted(rows, key=lambda row: row.key)


def _start_again_if_over(row: LoginThrottle, now: datetime) -> None:
    """A lock that ended, or a window that passed, starts the count again."""
    window = timedelta(seconds=settings.CLIENTDESK_LOGIN_WINDOW)
    lock_over = row.locked_until is not None and row.locked_until <= now
    window_over = row.window_started_at is not None and now - row.window_started_at >= window
    if lock_over or (window_over and row.locked_until is None):
        row.failures, row.window_started_at, row.locked_until = 0, None, None


@dataclass(frozen=True)
class Outcome:
    """What became of one attempt: refused unchecked (locked), or checked and right or wrong."""

    ok: bool
    refused_until: datetime | None = None
    locked: bool = False  # this (wrong) attempt locked a scope

    @property
    def refused(self) -> bool:
        """True when a lock refused the attempt before its secret was checked."""
        return self.refused_until is not None


def _reserve(user: User | None, ip: str | None) -> tuple[list[str], list[str]] | datetime:
    """Count one failure against every scope, or say until when a locked scope refuses."""
    now = timezone.now()
    wanted = _rows_for(user, ip)
    keys = [row.key for row in wanted]
    with transaction.atomic():
        LoginThrottle.objects.bulk_create(wanted, ignore_conflicts=True)
        rows = list(LoginThrottle.objects.select_for_update().filter(key__in=keys).order_by("key"))
        for row in rows:
            _start_again_if_over(row, now)
        refused = [row.locked_until for row in rows if row.locked_until is not None]
        if refused:
            return max(refused)
        locked = []
        for row in rows:
            row.failures += 1
            row.window_started_at = row.window_started_at or now
            row.last_failure_at = now
            if row.failures >= _limit(row.scope):
                row.locked_until = now + timedelta(seconds=settings.CLIENTDESK_LOGIN_LOCKOUT)
                locked.append(row.key)
            row.save(update_fields=["failures", "window_started_at", "last_failure_at", "locked_until"])
    return keys, locked


def _release(keys: list[str], locked: list[str]) -> None:
    """Take back a reservation whose secret was right: its count, and any lock it placed."""
    with transaction.atomic():
        for row in LoginThrottle.objects.select_for_update().filter(key__in=keys).order_by("key"):
            row.failures = max(0, row.failures - 1)
            if row.key in locked:
                row.locked_until = None
            row.save(update_fields=["failures", "locked_until"])


def attempt(user: User | None, ip: str | None, check: Callable[[], bool]) -> Outcome:
    """Reserve an attempt for `user` (None: an email naming no account) from `ip`, then run `check`.

    `check` (the password hash, the code check) runs only when no scope is locked; call this outside
    any transaction, so the reservation is committed, and seen by every other attempt, before it runs.
    """
    reserved = _reserve(user, ip)
    if isinstance(reserved, datetime):
        return Outcome(ok=False, refused_until=reserved)
    keys, locked = reserved
    if check():
        _release(keys, locked)
        return Outcome(ok=True)
    return Outcome(ok=False, locked=bool(locked))


def forgive_pair(user: User, ip: str | None) -> None:
    """A completed sign-in forgets the member's earlier failures from this address (not the others)."""
    LoginThrottle.objects.filter(key=f"pair:{user.pk}:{ip or 'unknown'}").delete()


def clear_account(user: User) -> int:
    """Delete every throttle record about this account (account-wide and account+IP pairs); how many."""
    deleted, _ = LoginThrottle.objects.filter(user=user).delete()
    return deleted


def active_locks() -> QuerySet[LoginThrottle]:
    """The throttle records locked now, the latest-ending first (an account's are those with its `user`)."""
    return LoginThrottle.objects.filter(locked_until__gt=timezone.now()).order_by("-locked_until")


def account_locked_until(user: User) -> datetime | None:
    """When the account's own lock, or the latest of its pair locks, ends; None when not locked."""
    return active_locks().filter(user=user).values_list("locked_until", flat=True).first()


def _reset_setting(name: str) -> int:
    return int(getattr(settings, name, RESET_DEFAULTS[name]))


def _reset_rows(email: str, ip: str | None) -> list[LoginThrottle]:
    """Unsaved rows of the two scopes a reset request counts against, in key order."""
    digest = salted_hmac("clientdesk.accounts.reset_throttle", email, algorithm="sha256").hexdigest()
    rows = [
        LoginThrottle(key=f"reset-ip:{ip or 'unknown'}", scope=Scope.RESET_IP, ip=ip),
        LoginThrottle(key=f"reset-mail:{digest}", scope=Scope.RESET_MAIL),
    ]
    return sorted(rows, key=lambda row: row.key)


def reset_request(email: str, ip: str | None) -> bool:
    """Count a password-reset request for `email` (normalised) from `ip`; False, counting nothing, when the
    address or the IP has had its limit within the window. Call it outside any transaction."""
    now = timezone.now()
    window = timedelta(seconds=_reset_setting("CLIENTDESK_PASSWORD_RESET_WINDOW"))
    limits = {
        Scope.RESET_MAIL: _reset_setting("CLIENTDESK_PASSWORD_RESET_MAIL_LIMIT"),
        Scope.RESET_IP: _reset_setting("CLIENTDESK_PASSWORD_RESET_IP_LIMIT"),
    }
    wanted = _reset_rows(email, ip)
    with transaction.atomic():
        LoginThrottle.objects.bulk_create(wanted, ignore_conflicts=True)
        rows = list(
            LoginThrottle.objects.select_for_update().filter(key__in=[row.key for row in wanted]).order_by("key")
        )
        for row in rows:
            if row.window_started_at is None or now - row.window_started_at >= window:
                row.failures, row.window_started_at = 0, now
        allowed = all(row.failures < limits[Scope(row.scope)] for row in rows)
        for row in rows:
            if allowed:
                row.failures += 1
                row.last_failure_at = now
            row.save(update_fields=["failures", "window_started_at", "last_failure_at"])
    return allowed
