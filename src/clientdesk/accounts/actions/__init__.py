"""Writes to staff accounts. Each is an action: one transaction, validated, audited."""

from clientdesk.accounts.actions.auth import (
    recovery_code_use,
    recovery_codes_regenerate,
    totp_device_confirm,
    totp_device_start,
    totp_disable,
    user_password_change,
    user_sign_in_failed,
    user_signed_in,
    user_signed_out,
)
from clientdesk.accounts.actions.reset import user_password_reset_by_link, user_password_reset_request
from clientdesk.accounts.actions.staff import (
    user_create,
    user_deactivate,
    user_invite,
    user_lock_clear,
    user_password_link_issue,
    user_password_set,
    user_password_set_by_link,
    user_reactivate,
    user_roles_set,
    user_two_factor_reset,
)

__all__ = [
    "recovery_code_use",
    "recovery_codes_regenerate",
    "totp_device_confirm",
    "totp_device_start",
    "totp_disable",
    "user_create",
    "user_deactivate",
    "user_invite",
    "user_lock_clear",
    "user_password_change",
    "user_password_link_issue",
    "user_password_reset_by_link",
    "user_password_reset_request",
    "user_password_set",
    "user_password_set_by_link",
    "user_reactivate",
    "user_roles_set",
    "user_sign_in_failed",
    "user_signed_in",
    "user_signed_out",
    "user_two_factor_reset",
]
