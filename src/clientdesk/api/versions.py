"""ETags and If-Match: the version of what an edit is based on, signed, so the edit can name it back.

An ETag carries the state a row was read in (a client's edit state, a note's fields, a contact's
last save), signed with the kind and primary key of the row: an If-Match is then always one this API
gave out for this very row, or a 412 problem. Edits compare the state it names with the row as it
is now (inside their action) and refuse to overwrite what someone else changed since.
"""

import datetime
from collections.abc import Mapping
from typing import Any

from django.core import signing
from rest_framework.request import Request

from clientdesk.api.problems import Problem

VERSION_SALT = "clientdesk.api.client_version"  # named after the first kind; ETags given out stay valid


def sign_version(kind: str, pk: int, state: Mapping[str, Any]) -> str:
    """The version of row `pk` of `kind` (e.g. "note") read in `state` (plain JSON values), signed."""
    return signing.Signer(salt=VERSION_SALT).sign_object({kind: pk, "state": dict(state)}, compress=True)


def etag(kind: str, pk: int, state: Mapping[str, Any]) -> str:
    """The ETag header of that version (quoted, as HTTP writes it)."""
    return f'"{sign_version(kind, pk, state)}"'


def read_version(kind: str, pk: int, if_match: str) -> dict[str, Any] | None:
    """The state an `If-Match` names (None for `*` or no header); a 412 problem when it is not a version
    of this row."""
    tag = if_match.strip()
    if not tag or tag == "*":
        return None
    tag = tag.removeprefix("W/").strip('"')
    try:
        payload = signing.Signer(salt=VERSION_SALT).unsign_object(tag)
    except signing.BadSignature:
        payload = None
    if not isinstance(payload, dict) or payload.get(kind) != pk or not isinstance(payload.get("state"), dict):
        raise Problem("precondition-failed")
    return dict(payload["state"])


def if_match_state(request: Request, kind: str, pk: int) -> dict[str, Any] | None:
    """The state the request's `If-Match` names, if it sends one (see `read_version`)."""
    return read_version(kind, pk, request.headers.get("If-Match", ""))


def saved_at(kind: str, pk: int, if_match: str) -> datetime.datetime | None:
    """When row `pk` of `kind` was last saved as the version `If-Match` names (an ETag made from its
    `updated_at`); None without one, a 412 problem when it is not such a version of this row."""
    state = read_version(kind, pk, if_match)
    if state is None:
        return None
    try:
        return datetime.datetime.fromisoformat(str(state.get("updated_at")))
    except ValueError:
        raise Problem("precondition-failed") from None
