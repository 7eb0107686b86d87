"""`Idempotency-Key` on API writes: a retried request gets the first answer and writes nothing again.

Stripe's semantics. A key is scoped to the token that sends it and kept IDEMPOTENCY_HOURS hours.
The first request with a key inserts its row, in a transaction of its own, *before* it runs: the
unique (token, key) constraint lets exactly one of two simultaneous requests in, on PostgreSQL and
SQLite alike; the other is answered 409 (`idempotency-key-in-use`). Once the first has answered, a
retry with the same method, path, body and If-Match gets that answer again (with
`Idempotent-Replayed: true`); the same key with anything else is refused with 422. An answer of 5xx
(or an exception) frees the key: nothing was written, so a retry runs again.

If the process dies between an action's commit and the answer being stored, the key stays "running"
and retries get 409 until it expires: refusing is safer than writing twice.

Stored answers never hold secrets: a member named `secret` (a token's) or `set_password_link` (whoever
holds it sets the member's password) is replaced before storing. Nor is the request stored: only its
fingerprint, an HMAC keyed by the server's secret key, so a body that held a card number and security
code (adding a payment account) cannot be recovered from the row by trying every number.
"""

import json
import re
from collections.abc import Callable
from datetime import timedelta
from functools import wraps
from typing import Any

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.crypto import salted_hmac
from rest_framework.renderers import JSONRenderer
from rest_framework.request import Request
from rest_framework.response import Response

from clientdesk.api.models import ApiToken, IdempotencyKey
from clientdesk.api.problems import Problem

HEADER = "Idempotency-Key"
IDEMPOTENCY_HOURS = 24
MAX_KEY_LENGTH = 255
# 1 to 255 visible ASCII characters (no spaces): a UUID, say. The schema states the same pattern.
KEY_PATTERN = re.compile(rf"[!-~]{{1,{MAX_KEY_LENGTH}}}")
KEPT_HEADERS = ("Location", "ETag")
SECRET_MEMBERS = frozenset({"secret", "set_password_link"})
REDACTED = "[not stored]"
FINGERPRINT_SALT = "clientdesk.api.idempotency"

type Handler = Callable[..., Response]


def fingerprint(request: Request) -> str:
    """What makes two requests the same request: method, path and query, body, If-Match (keyed HMAC-SHA256).

    Keyed, not a bare hash: a card's number has few enough unknown digits to be found from a plain SHA-256 of
    the body by trying them all; without the secret key there is nothing to try them against.
    """
    body = json.dumps(request.data, sort_keys=True, separators=(",", ":"), default=str)
    parts = [request.method or "", request.get_full_path(), request.headers.get("If-Match", ""), body]
    return salted_hmac(FINGERPRINT_SALT, "\n".join(parts), algorithm="sha256").hexdigest()


def _without_secrets(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: REDACTED if k in SECRET_MEMBERS else _without_secrets(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_without_secrets(item) for item in value]
    return value


def _claim(token: ApiToken, key: str, print_: str) -> IdempotencyKey | Response:
    """Insert the key's row (committed at once), or answer from the row another request made."""
    now = timezone.now()
    IdempotencyKey.objects.filter(created_at__lt=now - timedelta(hours=IDEMPOTENCY_HOURS)).delete()
    try:
        with transaction.atomic():
            return IdempotencyKey.objects.create(token=token, key=key, fingerprint=print_, created_at=now)
    except IntegrityError:
        pass
    first = IdempotencyKey.objects.filter(token=token, key=key).first()
    if first is None or first.status is None:  # running (or freed this instant by a failed first request)
        if first is not None and first.fingerprint != print_:
            raise Problem("idempotency-key-reused")
        raise Problem("idempotency-key-in-use")
    if first.fingerprint != print_:
        raise Problem("idempotency-key-reused")
    stored = first.response or {}
    headers = {**stored.get("headers", {}), "Idempotent-Replayed": "true"}
    return Response(stored.get("data"), status=first.status, headers=headers, content_type=stored.get("content_type"))


def _store(row: IdempotencyKey, response: Response) -> None:
    data = json.loads(JSONRenderer().render(response.data)) if response.data is not None else None
    headers = {name: response[name] for name in KEPT_HEADERS if response.has_header(name)}
    row.status = response.status_code
    row.response = {"data": _without_secrets(data), "headers": headers, "content_type": response.content_type}
    row.save(update_fields=["status", "response"])


def idempotent(*, required: bool = False) -> Callable[[Handler], Handler]:
    """Decorate a viewset method that writes: honour `Idempotency-Key` (required: a 400 problem without one)."""

    def decorate(handler: Handler) -> Handler:
        @wraps(handler)
        def run(view: Any, request: Request, *args: Any, **kwargs: Any) -> Response:
            key = request.headers.get(HEADER)
            if key is None:
                if required:
                    raise Problem("idempotency-key-missing")
                return handler(view, request, *args, **kwargs)
            if not KEY_PATTERN.fullmatch(key):
                raise Problem("idempotency-key-invalid")
            assert isinstance(request.auth, ApiToken)  # TokenScope let only tokens in
            claimed = _claim(request.auth, key, fingerprint(request))
            if isinstance(claimed, Response):
                return claimed
            try:
                try:
                    response = handler(view, request, *args, **kwargs)
                except Exception as exc:  # answered as the view would answer it (a problem), then stored
                    response = view.handle_exception(exc)
            except BaseException:
                claimed.delete()
                raise
            if response.status_code >= 500:
                claimed.delete()
            else:
                _store(claimed, response)
            return response

        return run

    return decorate
