"""The one way to write: `@action(...)` actions, and `record()`, the only writer of audit events.

An action is a function of keyword-only arguments with a typed `actor`, decorated with the audit
codes it may record:

    @audit.action(ClientEvent.UPDATE)
    def client_update(*, actor: Actor, client: Client, ...) -> Client:
        ...
        audit.record(actor=actor, action=ClientEvent.UPDATE, client=client, changes=changes)

The decorator runs the body in a durable transaction and refuses to commit unless the body recorded
one of its codes (or said `audit.nothing_changed()`); `record()` refuses to run outside an action
or with a code the action did not declare. Side effects (mail, gateway calls, tasks) go through
`audit.after_commit(fn)`, which runs them once the transaction has committed.

Values are redacted where the model declares it (`audit_redacted` on the model class) or where
the action says so (`redact=`), never by a field's bare name.
"""

import datetime
import decimal
import inspect
import uuid
from collections.abc import Callable, Collection, Mapping
from contextvars import ContextVar
from dataclasses import dataclass
from functools import wraps
from typing import TYPE_CHECKING, Any, Protocol

from django.db import models, transaction

from clientdesk.audit.codes import AuditCode
from clientdesk.audit.context import current_ip

if TYPE_CHECKING:
    from clientdesk.accounts.models import User
    from clientdesk.audit.models import AuditEvent

REDACTED = "[redacted]"
EMPTY: tuple[Any, ...] = (None, "", [], {})


class TokenActor(Protocol):
    """An API token acting for its owner (anything with `is_audit_token = True`).

    Both members are only read, so a token model may declare them as a class attribute and a property.
    """

    @property
    def is_audit_token(self) -> bool: ...

    @property
    def user(self) -> "User | None": ...


type Actor = User | TokenActor | None
"""Who makes a change: a staff member, an API token, or None for the system."""


class AuditClient(Protocol):
    """What an event keeps of the client it concerns."""

    pk: Any
    id_code: str
    name: str


class MissingAuditEventError(RuntimeError):
    """An action tried to commit without recording what it did."""


@dataclass
class _Running:
    name: str
    codes: frozenset[str]
    recorded: bool = False
    unchanged: bool = False


_running: ContextVar[_Running | None] = ContextVar("clientdesk_audit_action", default=None)


def action[**P, R](*codes: AuditCode) -> Callable[[Callable[P, R]], Callable[P, R]]:
    """Make `fn` an action that may record `codes`: one durable transaction, audited or refused."""
    if not codes or not all(isinstance(code, AuditCode) for code in codes):
        raise TypeError("@action takes the audit codes (AuditCode members) the action records.")

    def decorate(fn: Callable[P, R]) -> Callable[P, R]:
        params = inspect.signature(fn).parameters
        actor = params.get("actor")
        if actor is None or actor.kind is not inspect.Parameter.KEYWORD_ONLY or actor.annotation is actor.empty:
            raise TypeError(f"{fn.__qualname__}: an action takes a keyword-only, annotated `actor`.")
        if any(p.kind not in (p.KEYWORD_ONLY, p.VAR_KEYWORD) for p in params.values()):
            raise TypeError(f"{fn.__qualname__}: an action takes keyword-only arguments.")

        @wraps(fn)
        def run(*args: P.args, **kwargs: P.kwargs) -> R:
            state = _Running(fn.__qualname__, frozenset(str(code) for code in codes))
            token = _running.set(state)
            try:
                with transaction.atomic(durable=True):
                    result = fn(*args, **kwargs)
                    if not (state.recorded or state.unchanged):
                        raise MissingAuditEventError(f"{state.name} recorded no audit event.")
            finally:
                _running.reset(token)
            return result

        run.audit_codes = codes  # type: ignore[attr-defined]
        return run

    return decorate


def _current(what: str) -> _Running:
    state = _running.get()
    if state is None:
        raise RuntimeError(f"{what} is called inside an action (a function decorated with @audit.action).")
    return state


def nothing_changed() -> None:
    """Say that this run of the action changed nothing, so it records no event."""
    _current("nothing_changed()").unchanged = True


def after_commit(fn: Callable[[], Any]) -> None:
    """Run `fn` once the action's transaction has committed (never if it rolls back)."""
    _current("after_commit()")
    transaction.on_commit(fn, robust=True)


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


def redacted_fields(model: type[models.Model] | models.Model | None) -> frozenset[str]:
    """The fields whose values `model` declares never reach the audit log (`audit_redacted`)."""
    return frozenset(getattr(model, "audit_redacted", ()))


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


def snapshot(instance: models.Model, fields: Collection[str]) -> dict[str, Any]:
    """The current values of `fields` on `instance`, for a before/after diff (declared secrets redacted)."""
    hidden = redacted_fields(instance)
    return {name: REDACTED if name in hidden else _plain(getattr(instance, name)) for name in fields}


def _actor(actor: Actor) -> tuple[str, "User | None", str]:
    from clientdesk.audit.models import ActorType

    if actor is None:
        return ActorType.SYSTEM, None, "system"
    if getattr(actor, "is_audit_token", False):
        return ActorType.TOKEN, getattr(actor, "user", None), str(actor)
    # Staff read names: the member's full name (their email when they have none), as it was then.
    return ActorType.USER, actor, str(actor)  # type: ignore[return-value]


def record(
    *,
    actor: Actor,
    action: AuditCode,
    client: AuditClient | None = None,
    target: models.Model | None = None,
    changes: Mapping[str, Any] | None = None,
    redact: Collection[str] = (),
    ip: str | None = None,
) -> "AuditEvent":
    """Write one audit event for the running action; `redact` names keys whose values are hidden."""
    from clientdesk.audit.models import AuditEvent

    state = _current("audit.record()")
    if not isinstance(action, AuditCode) or str(action) not in state.codes:
        raise ValueError(f"{state.name} declares the audit codes {sorted(state.codes)}, not {str(action)!r}.")
    state.recorded = True
    actor_type, user, label = _actor(actor)
    hidden = redacted_fields(target) | frozenset(redact)
    safe_changes = {key: REDACTED if key in hidden else _plain(value) for key, value in (changes or {}).items()}
    return AuditEvent.objects.create(
        actor_type=actor_type,
        actor_user=user if user is not None and getattr(user, "pk", None) else None,
        actor_label=label[:255],
        action=str(action),
        client_pk=client.pk if client is not None else None,
        client_code=client.id_code if client is not None else "",
        client_name=client.name[:300] if client is not None else "",
        target_model=target._meta.label_lower if target is not None else "",
        target_pk=str(target.pk) if target is not None and target.pk is not None else "",
        changes=safe_changes,
        ip=ip if ip is not None else current_ip.get(),
    )
