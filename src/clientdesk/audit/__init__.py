"""Audit log. `audit.record(...)` is the only writer of AuditEvent (see audit/log.py)."""

from typing import Any


def __getattr__(name: str) -> Any:
    # Lazy, so `from clientdesk import audit` works before the app registry is ready.
    if name in {"record", "diff", "snapshot"}:
        from clientdesk.audit import log

        return getattr(log, name)
    raise AttributeError(name)
