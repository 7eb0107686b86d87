"""Errors as RFC 9457 problem details (`application/problem+json`).

Every error the API answers is one JSON object: `type` (a URI naming the kind of problem; `about:blank`
when the HTTP status says it all), `title`, `status`, `detail`, and for field errors `errors`: the
messages keyed by field exactly as the action (or the shape check) raised them — `email`,
`phones.0.number`, `__all__` for what concerns no one field. Some problems add members of their own
(`current` for an edit conflict, `duplicates` for a duplicate client).

The kinds of problem (`urn:clientdesk:problem:<name>`) are listed in PROBLEM_TYPES; the schema's
description repeats them.
"""

import math
from collections.abc import Iterator, Mapping
from http import HTTPStatus
from typing import Any

from django.core.exceptions import NON_FIELD_ERRORS, PermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404
from rest_framework import exceptions, renderers
from rest_framework.response import Response

PROBLEM_CONTENT_TYPE = "application/problem+json"
TYPE_PREFIX = "urn:clientdesk:problem:"

# name: (status, title, when)
PROBLEM_TYPES: dict[str, tuple[int, str, str]] = {
    "validation": (422, "Some fields are not valid", "Nothing was written; `errors` says what to change, by field."),
    "invalid-parameters": (400, "Some parameters are not valid", "A query parameter or header cannot be read."),
    "malformed": (400, "The request body cannot be read", "The body is not a JSON object."),
    "unknown-cursor": (
        404,
        "No such page",
        "The `cursor` is not one this list gave out (or it was made for another list): start again from the "
        "first page, without it.",
    ),
    "edit-conflict": (
        409,
        "Someone else changed these fields",
        "Nothing was written: the fields in `errors` changed since the version you edited; `current` holds "
        "their values now. Send your change again (based on the current version) to overwrite them knowingly.",
    ),
    "duplicate-client": (
        409,
        "A client with this email exists",
        "Nothing was written: `duplicates` lists the clients; send `allow_duplicate: true` to create it anyway.",
    ),
    "refused": (
        409,
        "This cannot be done as things stand",
        "Nothing was written: `errors` says why, and what to do first (e.g. address invoices to another contact "
        "before deleting this one).",
    ),
    "precondition-failed": (
        412,
        "The version in If-Match is not one of what you edit",
        "Send the ETag of what you edit as you read it (GET), or no If-Match.",
    ),
    "read-only-token": (403, "This token only reads", "A read-only token may not write: use a read-write token."),
    "idempotency-key-missing": (
        400,
        "An Idempotency-Key header is required",
        "This request creates something: send a unique `Idempotency-Key` so that a retry cannot create it twice.",
    ),
    "idempotency-key-invalid": (
        400,
        "The Idempotency-Key cannot be used",
        "Send 1 to 255 visible ASCII characters, without spaces (a UUID, say).",
    ),
    "idempotency-key-reused": (
        422,
        "This Idempotency-Key was used for another request",
        "A key names one request (method, path, body): use a new key for a different request.",
    ),
    "idempotency-key-in-use": (
        409,
        "A request with this Idempotency-Key is still running",
        "Wait for it to finish, then retry with the same key to read its answer.",
    ),
}


def type_uri(name: str) -> str:
    """The `type` of a named problem."""
    return f"{TYPE_PREFIX}{name}"


class ProblemRenderer(renderers.JSONRenderer):
    """JSON under the problem media type (so `Accept: application/problem+json` is served)."""

    media_type = PROBLEM_CONTENT_TYPE
    format = "problem+json"


def problem_response(
    status: int,
    *,
    name: str | None = None,
    detail: str = "",
    title: str | None = None,
    headers: Mapping[str, str] | None = None,
    **members: Any,
) -> Response:
    """A problem details response: `name` one of PROBLEM_TYPES (None: about:blank, titled by the status)."""
    body: dict[str, Any] = {
        "type": type_uri(name) if name else "about:blank",
        "title": title or (PROBLEM_TYPES[name][1] if name else HTTPStatus(status).phrase),
        "status": status,
        "detail": detail or (PROBLEM_TYPES[name][2] if name else HTTPStatus(status).description),
        **members,
    }
    return Response(body, status=status, headers=dict(headers or {}), content_type=PROBLEM_CONTENT_TYPE)


class Problem(exceptions.APIException):
    """Raise to answer with the problem `name` (one of PROBLEM_TYPES), its detail and extra members."""

    def __init__(self, name: str, detail: str = "", **members: Any) -> None:
        status, title, default = PROBLEM_TYPES[name]
        super().__init__(detail or default)
        self.status_code = status
        self.name = name
        self.title = title
        self.members = members


def _flatten(detail: Any, prefix: str = "") -> Iterator[tuple[str, list[str]]]:
    """DRF's nested errors as dotted keys (`phones.0.number`), like the actions' own."""
    if isinstance(detail, Mapping):
        for key, value in detail.items():
            name = NON_FIELD_ERRORS if key in ("non_field_errors", NON_FIELD_ERRORS) else str(key)
            yield from _flatten(value, f"{prefix}.{name}" if prefix else name)
    elif isinstance(detail, list | tuple) and all(isinstance(item, str) for item in detail):
        yield prefix or NON_FIELD_ERRORS, [str(item) for item in detail]
    elif isinstance(detail, list | tuple):
        for index, value in enumerate(detail):
            if value:
                yield from _flatten(value, f"{prefix}.{index}" if prefix else str(index))
    else:
        yield prefix or NON_FIELD_ERRORS, [str(detail)]


def field_errors(exc: DjangoValidationError) -> dict[str, list[str]]:
    """An action's ValidationError as {field: [messages]}, keyed exactly as it was raised."""
    if hasattr(exc, "error_dict"):
        return {key: list(messages) for key, messages in exc.message_dict.items()}
    return {NON_FIELD_ERRORS: list(exc.messages)}


def validation_response(errors: Mapping[str, list[str]], *, name: str = "validation", **members: Any) -> Response:
    """422 (or the status of `name`) naming every field in `errors`."""
    fields = [key for key in errors if key != NON_FIELD_ERRORS]
    detail = (
        f"Nothing was written: {len(fields)} field{'s' if len(fields) != 1 else ''} "
        f"({', '.join(fields)}) {'are' if len(fields) != 1 else 'is'} not valid."
        if fields and name == "validation"
        else ""
    )
    return problem_response(PROBLEM_TYPES[name][0], name=name, detail=detail, errors=dict(errors), **members)


def exception_handler(exc: Exception, context: Mapping[str, Any]) -> Response | None:
    """DRF's EXCEPTION_HANDLER: every error the API raises, as a problem details response."""
    if isinstance(exc, Problem):
        return problem_response(exc.status_code, name=exc.name, detail=str(exc.detail), **exc.members)
    if isinstance(exc, DjangoValidationError):  # an action refused: its messages, keyed as raised
        return validation_response(field_errors(exc))
    if isinstance(exc, exceptions.ValidationError):  # the shape check refused
        return validation_response(dict(_flatten(exc.detail)))
    if isinstance(exc, Http404):
        exc = exceptions.NotFound()
    elif isinstance(exc, PermissionDenied):  # core.access.require names the permission and its roles
        exc = exceptions.PermissionDenied(str(exc) or None)
    if not isinstance(exc, exceptions.APIException):
        return None  # a server error: Django's own handling (and logging, which never holds the body)
    headers: dict[str, str] = {}
    if auth_header := getattr(exc, "auth_header", None):
        headers["WWW-Authenticate"] = auth_header
    if isinstance(exc, exceptions.Throttled) and (wait := getattr(exc, "wait", None)) is not None:
        headers["Retry-After"] = str(max(1, math.ceil(wait)))
    if isinstance(exc, exceptions.ParseError):
        return problem_response(400, name="malformed", detail=str(exc.detail), headers=headers)
    detail = exc.detail if isinstance(exc.detail, str) else ""
    return problem_response(exc.status_code, detail=str(detail), headers=headers)
