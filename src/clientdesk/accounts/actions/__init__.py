"""Writes to staff accounts. Each is an action: one transaction, validated, audited."""

from clientdesk.accounts.actions.auth import (
    totp_device_confirm,
    totp_device_start,
    totp_disable,
    user_password_change,
    user_sign_in_failed,
    user_signed_in,
    user_signed_out,
)
from clientdesk.accounts.actions.staff import user_create, user_password_set, user_roles_set

__all__ = [
    "totp_device_confirm",
    "totp_device_start",
    "totp_disable",
    "user_create",
    "user_password_change",
    "user_password_set",
    "user_roles_set",
    "user_sign_in_failed",
    "user_signed_in",
    "user_signed_out",
]
