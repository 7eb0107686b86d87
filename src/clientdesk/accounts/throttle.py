"""Sign-in throttling, checked before any password is hashed.

Failures are counted per account and per IP; a pause of CLIENTDESK_LOGIN_LOCKOUT seconds without
a failure starts the count again. At CLIENTDESK_LOGIN_MAX_FAILURES failures the key is locked for
CLIENTDESK_LOGIN_LOCKOUT seconds: further attempts are refused without looking at the password.
Password re-entry on the staff member's own pages (password change, two-factor off) counts too.
"""

from datetime import datetime, timedelta

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from clientdesk.accounts.models import LoginThrottle


def keys_for(email: str, ip: str | None) -> list[str]:
    """The throttle keys a sign-in attempt counts against: the account, and the IP when known."""
    keys = [f"user:{email.strip().lower()[:250]}"]
    if ip:
        keys.append(f"ip:{ip}")
    return keys


def locked_until(email: str, ip: str | None) -> datetime | None:
    """When the lock on this account or IP ends, or None when sign-in may be tried."""
    now = timezone.now()
    return (
        LoginThrottle.objects.filter(key__in=keys_for(email, ip), locked_until__gt=now)
        .order_by("-locked_until")
        .values_list("locked_until", flat=True)
        .first()
    )


def register_failure(email: str, ip: str | None) -> bool:
    """Count a failed attempt against the account and the IP; True when that locked either."""
    now = timezone.now()
    window = timedelta(seconds=settings.CLIENTDESK_LOGIN_LOCKOUT)
    locked = False
    with transaction.atomic():
        for key in keys_for(email, ip):
            row, _ = LoginThrottle.objects.select_for_update().get_or_create(key=key)
            if row.last_failure_at is None or now - row.last_failure_at > window:
                row.failures = 0
            row.failures += 1
            row.last_failure_at = now
            if row.failures >= settings.CLIENTDESK_LOGIN_MAX_FAILURES:
                row.locked_until = now + window
                locked = True
            row.save()
    return locked


def register_success(email: str) -> None:
    """A correct sign-in clears the account's count (the IP's count stays)."""
    LoginThrottle.objects.filter(key__in=keys_for(email, None)).delete()
