"""Audit log. Writes go through actions (`@audit.action`) and `audit.record`, the only writer of AuditEvent."""

from clientdesk.audit.codes import AuditCode
from clientdesk.audit.log import (
    REDACTED,
    Actor,
    MissingAuditEventError,
    action,
    after_commit,
    diff,
    nothing_changed,
    record,
    snapshot,
)

__all__ = [
    "REDACTED",
    "Actor",
    "AuditCode",
    "MissingAuditEventError",
    "action",
    "after_commit",
    "diff",
    "nothing_changed",
    "record",
    "snapshot",
]
