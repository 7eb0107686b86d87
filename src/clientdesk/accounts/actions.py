"""Writes to staff accounts: sign-in bookkeeping, password change, two-factor enrolment."""

from typing import Any

from django.contrib.auth import update_session_auth_hash
from django.db import transaction
from django.http import HttpRequest
from django_otp.plugins.otp_totp.models import TOTPDevice

from clientdesk import audit
from clientdesk.accounts.models import User


def user_signed_in(*, user: User) -> None:
    """Record a successful sign-in."""
    audit.record(actor=user, action="auth.sign_in", target=user)


def user_sign_in_failed(*, email: str, locked: bool) -> None:
    """Record a failed sign-in (and the lock it caused, if any)."""
    audit.record(actor=None, action="auth.lockout" if locked else "auth.sign_in_failed", changes={"email": email})


def user_signed_out(*, user: Any) -> None:
    """Record a sign-out."""
    if getattr(user, "is_authenticated", False):
        audit.record(actor=user, action="auth.sign_out", target=user)


def user_password_change(*, actor: User, request: HttpRequest, new_password: str) -> None:
    """Set a new password; the current session stays signed in, others are signed out."""
    with transaction.atomic():
        actor.set_password(new_password)
        actor.save(update_fields=["password"])
        audit.record(actor=actor, action="auth.password_change", target=actor, changes={"password": ["", ""]})
    update_session_auth_hash(request, actor)


def totp_device_start(*, actor: User) -> TOTPDevice:
    """Begin enrolment: a fresh unconfirmed authenticator device (replacing any unconfirmed one)."""
    with transaction.atomic():
        TOTPDevice.objects.filter(user=actor, confirmed=False).delete()
        device = TOTPDevice.objects.create(user=actor, name="Authenticator app", confirmed=False)
        audit.record(actor=actor, action="auth.two_factor_start", target=actor)
    return device


def totp_device_confirm(*, actor: User, device: TOTPDevice, token: str) -> bool:
    """Confirm enrolment with a code from the app; False when the code is wrong."""
    if not device.verify_token(token):
        return False
    with transaction.atomic():
        TOTPDevice.objects.filter(user=actor).exclude(pk=device.pk).delete()
        device.confirmed = True
        device.save(update_fields=["confirmed"])
        audit.record(actor=actor, action="auth.two_factor_enable", target=actor)
    return True


def totp_disable(*, actor: User) -> None:
    """Switch two-factor sign-in off for the staff member."""
    with transaction.atomic():
        TOTPDevice.objects.filter(user=actor).delete()
        audit.record(actor=actor, action="auth.two_factor_disable", target=actor)
