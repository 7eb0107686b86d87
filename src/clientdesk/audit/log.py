"""`record()`: the one function that writes audit events."""

import datetime
import decimal
import uuid
from collections.abc import Mapping
from typing import Any, Protocol

from django.db import models

from clientdesk.audit.context import current_ip
from clientdesk.audit.models import ActorType, AuditEvent

# Field names whose values never reach the audit log, whatever the model.
REDACTED_FIELDS = frozenset({"password", "number", "card_number", "cvv", "security_code", "account_number"})
REDACTED = "[redacted]"
EMPTY: tuple[Any, ...] = (None, "", [], {})


class AuditClient(Protocol):
    pk: Any
    id_code: str
    name: str


def _plain(value: Any) -> Any:
    """A JSON-safe form of a field value."""
    if isinstance(value, models.Model):
        return f"{value} (#{value.pk})"  # readable in the History view, and still identifies the row
    if isinstance(value, datetime.datetime | datetime.date | datetime.time):
        return value.isoformat()
    if isinstance(value, decimal.Decimal | uuid.UUID):
        return str(value)
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    return value


def diff(before: Mapping[str, Any], after: Mapping[str, Any], *, skip_empty: bool = False) -> dict[str, list[Any]]:
    """The fields whose value differs, as {field: [before, after]}; `skip_empty` drops blank→blank."""
    keys = [*before, *(k for k in after if k not in before)]
    # Compare the values themselves (Decimal("100") == Decimal("100.00")), then make them JSON-safe.
    return {
        key: [_plain(before.get(key)), _plain(after.get(key))]
        for key in keys
        if before.get(key) != after.get(key)
        and not (skip_empty and before.get(key) in EMPTY and after.get(key) in EMPTY)
    }


def _actor(actor: Any) -> tuple[str, Any, str]:
    if actor is None:
        return ActorType.SYSTEM, None, "system"
    if getattr(actor, "is_audit_token", False):
        return ActorType.TOKEN, getattr(actor, "user", None), str(actor)
    return ActorType.USER, actor, getattr(actor, "email", str(actor))


def record(
    *,
    actor: Any,
    action: str,
    client: AuditClient | None = None,
    target: models.Model | None = None,
    changes: Mapping[str, Any] | None = None,
    ip: str | None = None,
) -> AuditEvent:
    """Write one audit event. `actor` is a staff user, an API token, or None for the system."""
    actor_type, user, label = _actor(actor)
    safe_changes = {
        key: REDACTED if key in REDACTED_FIELDS else _plain(value) for key, value in (changes or {}).items()
    }
    return AuditEvent.objects.create(
        actor_type=actor_type,
        actor_user=user if user is not None and getattr(user, "pk", None) else None,
        actor_label=label[:255],
        action=action,
        client_pk=client.pk if client is not None else None,
        client_code=client.id_code if client is not None else "",
        client_name=client.name[:300] if client is not None else "",
        target_model=target._meta.label_lower if target is not None else "",
        target_pk=str(target.pk) if target is not None and target.pk is not None else "",
        changes=safe_changes,
        ip=ip if ip is not None else current_ip.get(),
    )


def snapshot(instance: models.Model, fields: list[str] | tuple[str, ...]) -> dict[str, Any]:
    """The current values of `fields` on `instance`, for a before/after diff."""
    return {name: _plain(getattr(instance, name)) for name in fields}
