"""Where the current request came from, for audit events written deep inside actions."""

from contextvars import ContextVar

current_ip: ContextVar[str | None] = ContextVar("clientdesk_audit_ip", default=None)
