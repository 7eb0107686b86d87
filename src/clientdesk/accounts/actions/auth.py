"""Writes a staff member makes to their own account: sign-in bookkeeping, password, two-factor, recovery codes."""

from django.utils import timezone
from django_otp.plugins.otp_totp.models import TOTPDevice

from clientdesk import audit
from clientdesk.accounts import throttle
from clientdesk.accounts.events import AccountEvent
from clientdesk.accounts.models import RecoveryCode, User

RECOVERY_CODE_COUNT = 10


@audit.action(AccountEvent.SIGN_IN)
def user_signed_in(*, actor: User, ip: str | None = None) -> None:
    """Record a completed sign-in; the member's earlier failures from this address are forgotten."""
    throttle.forgive_pair(actor, ip)
    audit.record(actor=actor, action=AccountEvent.SIGN_IN, target=actor)


@audit.action(AccountEvent.SIGN_IN_FAILED, AccountEvent.LOCKOUT)
def user_sign_in_failed(
    *, actor: audit.Actor = None, account: User | None, email: str, step: str = "password", locked: bool = False
) -> None:
    """Record a failed sign-in step (or password re-entry), already counted by the throttle; `locked` when it locked."""
    audit.record(
        actor=actor,
        action=AccountEvent.LOCKOUT if locked else AccountEvent.SIGN_IN_FAILED,
        target=account,
        changes={"email": email, "step": step},
    )


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


def _issue_recovery_codes(user: User) -> list[str]:
    """Replace the member's recovery codes with fresh ones; the codes themselves are returned, never stored."""
    user.recovery_codes.all().delete()
    codes = [RecoveryCode.new_code() for _ in range(RECOVERY_CODE_COUNT)]
    RecoveryCode.objects.bulk_create(RecoveryCode(user=user, code_hash=RecoveryCode.digests(c)[0]) for c in codes)
    return codes


@audit.action(AccountEvent.TWO_FACTOR_ENABLE)
def totp_device_confirm(*, actor: User, device: TOTPDevice, token: str) -> list[str] | None:
    """Confirm enrolment with a code from the app: two-factor is on and the member's recovery codes are
    returned (to be shown once); None (nothing written) when the code is wrong."""
    if not device.verify_token(token):
        # verify_token saved the device's throttling counters; that is django-otp's own bookkeeping.
        audit.nothing_changed()
        return None
    TOTPDevice.objects.filter(user=actor).exclude(pk=device.pk).delete()
    device.confirmed = True
    # verify_token marked this code's time step used, so the same code would be refused at a sign-in
    # within its 30 seconds ("that code is not right" minutes after it was right). The member typed
    # it in their own signed-in session; accepting it once more at sign-in (which still needs the
    # password) costs nothing, so its step stays open for one more use.
    device.last_t -= 1
    device.save(update_fields=["confirmed", "last_t"])
    codes = _issue_recovery_codes(actor)
    audit.record(
        actor=actor, action=AccountEvent.TWO_FACTOR_ENABLE, target=actor, changes={"recovery_codes": [0, len(codes)]}
    )
    return codes


@audit.action(AccountEvent.RECOVERY_CODES_CREATE)
def recovery_codes_regenerate(*, actor: User) -> list[str]:
    """Replace the member's recovery codes with ten new ones (returned to be shown once; the old stop working)."""
    before = actor.recovery_codes.filter(used_at__isnull=True).count()
    codes = _issue_recovery_codes(actor)
    audit.record(
        actor=actor,
        action=AccountEvent.RECOVERY_CODES_CREATE,
        target=actor,
        changes={"recovery_codes": [before, len(codes)]},
    )
    return codes


@audit.action(AccountEvent.RECOVERY_CODE_USE)
def recovery_code_use(*, actor: User, code: str) -> bool:
    """Spend one of the member's unused recovery codes at the code step; False (nothing written) when none matches."""
    found = (
        RecoveryCode.objects.select_for_update()
        .filter(user=actor, used_at__isnull=True, code_hash__in=RecoveryCode.digests(code))
        .first()
    )
    if found is None:
        audit.nothing_changed()
        return False
    found.used_at = timezone.now()
    found.save(update_fields=["used_at"])
    remaining = actor.recovery_codes.filter(used_at__isnull=True).count()
    audit.record(
        actor=actor,
        action=AccountEvent.RECOVERY_CODE_USE,
        target=actor,
        changes={"recovery_codes": [remaining + 1, remaining]},
    )
    return True


@audit.action(AccountEvent.TWO_FACTOR_DISABLE)
def totp_disable(*, actor: User) -> None:
    """Switch two-factor sign-in off for the staff member (their recovery codes go with it)."""
    TOTPDevice.objects.filter(user=actor).delete()
    actor.recovery_codes.all().delete()
    audit.record(actor=actor, action=AccountEvent.TWO_FACTOR_DISABLE, target=actor)
