"""Audit codes of staff accounts, sign-in and roles."""

from clientdesk.audit.codes import AuditCode


class AccountEvent(AuditCode):
    """What happens to staff accounts."""

    SIGN_IN = "auth.sign_in", "Signed in"
    SIGN_IN_FAILED = "auth.sign_in_failed", "Sign-in failed"
    LOCKOUT = "auth.lockout", "Sign-in locked"
    SIGN_OUT = "auth.sign_out", "Signed out"
    PASSWORD_CHANGE = "auth.password_change", "Password changed"
    PASSWORD_SET = "auth.password_reset", "Password set"
    TWO_FACTOR_START = "auth.two_factor_start", "Two-factor enrolment started"
    TWO_FACTOR_ENABLE = "auth.two_factor_enable", "Two-factor sign-in on"
    TWO_FACTOR_DISABLE = "auth.two_factor_disable", "Two-factor sign-in off"
    # sign-in and two-factor
    RECOVERY_CODES_CREATE = "auth.recovery_codes_create", "Recovery codes issued"
    RECOVERY_CODE_USE = "auth.recovery_code_use", "Recovery code used"
    USER_CREATE = "user.create", "Staff member added"
    USER_ROLES = "user.roles", "Roles changed"
    ROLES_SYNC = "role.sync", "Shipped roles updated"
    # staff management
    USER_DEACTIVATE = "user.deactivate", "Staff member deactivated"
    USER_REACTIVATE = "user.reactivate", "Staff member reactivated"
    USER_TWO_FACTOR_RESET = "user.two_factor_reset", "Two-factor sign-in reset"
    USER_LOCK_CLEAR = "user.lock_clear", "Sign-in lock cleared"
    USER_PASSWORD_LINK = "user.password_link", "Set-password link issued"
    USER_PASSWORD_LINK_USED = "user.password_link_used", "Password set from a link"
    # password reset by email, asked for on the sign-in page
    PASSWORD_RESET_REQUEST = "auth.password_reset_request", "Password reset asked for"
    PASSWORD_RESET_LINK_USED = "auth.password_reset_link_used", "Password reset from an emailed link"
