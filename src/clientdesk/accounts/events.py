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
    USER_CREATE = "user.create", "Staff member added"
    USER_ROLES = "user.roles", "Roles changed"
    ROLES_SYNC = "role.sync", "Shipped roles updated"
