"""Writes a staff member makes to their own account: sign-in bookkeeping, password, two-factor enrolment."""

from django_otp.plugins.otp_totp.models import TOTPDevice

from clientdesk import audit
from clientdesk.accounts import throttle
from clientdesk.accounts.events import AccountEvent
from clientdesk.accounts.models import User


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
