"""What every API view shares: the desk request behind a DRF one, and how errors are documented."""

from collections.abc import Callable, Mapping
from functools import wraps
from typing import Any, cast

from django.contrib.auth.decorators import login_not_required
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.views.decorators.csrf import csrf_exempt
from drf_spectacular.utils import (
    OpenApiExample,
    OpenApiParameter,
    OpenApiResponse,
    extend_schema_serializer,
    inline_serializer,
)
from rest_framework import serializers
from rest_framework.request import Request
from rest_framework.response import Response

from clientdesk.api.idempotency import HEADER, IDEMPOTENCY_HOURS, KEY_PATTERN
from clientdesk.api.models import ApiToken
from clientdesk.api.pagination import CURSOR, DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE, PAGE_SIZE
from clientdesk.api.problems import PROBLEM_CONTENT_TYPE, PROBLEM_TYPES, type_uri
from clientdesk.api.serializers.fields import ProblemSerializer
from clientdesk.core.access import require


def token(request: Request) -> ApiToken:
    """The API token a request is made with (TokenScope lets no other request in): the actions' actor."""
    assert isinstance(request.auth, ApiToken)
    return request.auth


@csrf_exempt  # it changes nothing: a POST to a URL that is not there is a 404 problem too, not a CSRF page
@login_not_required
def not_found(request: HttpRequest, rest: str = "") -> HttpResponse:
    """Any other URL under /api/v1/: a 404 problem, to anyone (which URLs exist is in the schema anyway)."""
    body = {
        "type": "about:blank",
        "title": "Not Found",
        "status": 404,
        "detail": "There is no such endpoint. Every URL of the API ends with a slash; the schema lists them all.",
    }
    return JsonResponse(body, status=404, content_type=PROBLEM_CONTENT_TYPE)


def desk(request: Request) -> HttpRequest:
    """The Django request under a DRF one, its `user` the token's owner: what the desk's access helpers take."""
    return request._request


def requires[H: Callable[..., Response]](*perms: str) -> Callable[[H], H]:
    """Check the desk's permissions (403 naming them) before anything else, an idempotency key included."""

    def decorate(handler: H) -> H:
        @wraps(handler)
        def run(view: Any, request: Request, *args: Any, **kwargs: Any) -> Response:
            require(desk(request), *perms)
            return handler(view, request, *args, **kwargs)

        return cast(H, run)

    return decorate


def problem_example(status: int, name: str | None, detail: str, **members: Any) -> dict[str, Any]:
    """A problem's body, as the schema's examples show it (`name` one of PROBLEM_TYPES; None: about:blank)."""
    title = (
        PROBLEM_TYPES[name][1]
        if name
        else {401: "Unauthorized", 403: "Forbidden", 404: "Not Found"}.get(status, "Too Many Requests")
    )
    return {"type": type_uri(name) if name else "about:blank", "title": title, "status": status, "detail": detail} | (
        members
    )


KEY_IN_USE = OpenApiExample(
    "Key in use", problem_example(409, "idempotency-key-in-use", PROBLEM_TYPES["idempotency-key-in-use"][2])
)
KEY_IN_USE_TEXT = "the key's first request is still running (`idempotency-key-in-use`)"
# The 409 of a write that only an idempotency key can make conflict.
KEY_IN_USE_409 = ("The Idempotency-Key's first request is still running (`idempotency-key-in-use`).", [KEY_IN_USE])
PROBLEMS: dict[int, tuple[str, list[OpenApiExample]]] = {
    400: (
        "A parameter or header cannot be read (e.g. a missing Idempotency-Key, a bad cursor).",
        [
            OpenApiExample(
                "Bad parameter",
                problem_example(
                    400,
                    "invalid-parameters",
                    PROBLEM_TYPES["invalid-parameters"][2],
                    errors={"page_size": ["Ask for 1 to 100 rows a page."]},
                ),
            )
        ],
    ),
    401: (
        "No token, or one that is unknown, expired, revoked or whose owner is deactivated.",
        [OpenApiExample("Revoked token", problem_example(401, None, "This API token was revoked."))],
    ),
    403: (
        "The token's owner lacks the permission this needs, or the token is read-only.",
        [
            OpenApiExample(
                "Missing permission",
                problem_example(
                    403, None, "You need the “Can add client” permission (Billing or Admin role) to do this."
                ),
            )
        ],
    ),
    404: (
        "Nothing here (asked by someone who may see it), or a `cursor` this list did not give out (`unknown-cursor`).",
        [OpenApiExample("Not found", problem_example(404, None, "Not found."))],
    ),
    409: (
        "Someone else changed what this edit changes (`edit-conflict`), a client has this email "
        f"(`duplicate-client`), or {KEY_IN_USE_TEXT}.",
        [
            OpenApiExample(
                "Edit conflict",
                problem_example(
                    409,
                    "edit-conflict",
                    PROBLEM_TYPES["edit-conflict"][2],
                    errors={"city": ["City was changed to “Reston” by someone else after you opened this form. …"]},
                    current={"city": "Reston"},
                ),
            ),
            OpenApiExample(
                "Duplicate client",
                problem_example(
                    409,
                    "duplicate-client",
                    PROBLEM_TYPES["duplicate-client"][2],
                    errors={"email": ["This email already belongs to #1534 Ann Lee. Open the existing client, or …"]},
                    duplicates=[
                        {
                            "id": 34,
                            "id_code": "1534",
                            "name": "Ann Lee",
                            "url": "https://desk.example.com/api/v1/clients/34/",
                        }
                    ],
                ),
            ),
            KEY_IN_USE,
        ],
    ),
    412: (
        "The If-Match is not a version of what is edited (an ETag it was read with).",
        [
            OpenApiExample(
                "Not a version", problem_example(412, "precondition-failed", PROBLEM_TYPES["precondition-failed"][2])
            )
        ],
    ),
    422: (
        "Nothing was written: the fields in `errors` are not valid (or the key was used for another request).",
        [
            OpenApiExample(
                "Field errors",
                problem_example(
                    422,
                    "validation",
                    "Nothing was written: 2 fields (email, phones.0.number) are not valid.",
                    errors={
                        "email": ["Enter a valid email address."],
                        "phones.0.number": ["“12” is too short to be a phone number."],
                    },
                ),
            )
        ],
    ),
    429: (
        "Too many requests from this token: wait the seconds Retry-After says.",
        [
            OpenApiExample(
                "Throttled", problem_example(429, None, "Request was throttled. Expected available in 12 seconds.")
            )
        ],
    ),
}


def responses(
    ok: dict[Any, Any], *statuses: int, problems: Mapping[int, tuple[str, list[OpenApiExample]]] | None = None
) -> dict[Any, Any]:
    """An operation's responses: `ok`, then the problem details of `statuses` (401 and 429 always).

    `problems` describes some of them (with their examples) as this operation answers them.
    """
    found: dict[Any, Any] = dict(ok)
    for status in sorted({401, 429, *statuses, *(problems or {})}):
        description, examples = (problems or {}).get(status) or PROBLEMS[status]
        found[(status, PROBLEM_CONTENT_TYPE)] = OpenApiResponse(
            ProblemSerializer, description=description, examples=examples
        )
    return found


# A row's id in a URL: up to 18 digits (a longer number is no row's: the URL answers a 404 problem
# before any lookup, whose number the database could not hold).
ID_PATTERN = "[0-9]{1,18}"
IDEMPOTENCY_KEY_SCHEMA = {"type": "string", "pattern": f"^{KEY_PATTERN.pattern}$"}
IDEMPOTENCY_KEY = OpenApiParameter(
    HEADER,
    IDEMPOTENCY_KEY_SCHEMA,
    OpenApiParameter.HEADER,
    description=(
        "A unique value (1 to 255 visible ASCII characters, no spaces: e.g. a UUID) naming this write. "
        "A retry with the same key and request gets the first answer (with `Idempotent-Replayed: true`) "
        "and writes nothing again; the same key with another request is refused (422); while the first "
        f"runs, 409. Keys are kept {IDEMPOTENCY_HOURS} hours, per token."
    ),
)
IDEMPOTENCY_KEY_REQUIRED = OpenApiParameter(
    HEADER, IDEMPOTENCY_KEY_SCHEMA, OpenApiParameter.HEADER, required=True, description=IDEMPOTENCY_KEY.description
)
CURSOR_PARAMETERS = [
    OpenApiParameter(CURSOR, str, description="Where a page starts: the `next` or `previous` link gives it."),
    OpenApiParameter(
        PAGE_SIZE,
        {"type": "integer", "minimum": 1, "maximum": MAX_PAGE_SIZE},
        description=f"Rows a page: {DEFAULT_PAGE_SIZE} unless asked, at most {MAX_PAGE_SIZE}.",
    ),
]


def paginated(name: str, row: type[serializers.Serializer[Any]], **extra: serializers.Field[Any, Any, Any, Any]) -> Any:
    """The schema of a page of `row`s: links to the pages around it, and the rows.

    One object (`many=False`): a viewset's `list` would otherwise be documented as an array of pages.
    """
    page = inline_serializer(
        name,
        {
            "next": serializers.URLField(allow_null=True, help_text="The next page, or null on the last."),
            "previous": serializers.URLField(allow_null=True, help_text="The page before, or null on the first."),
            **extra,
            "results": row(many=True),
        },
    )
    extend_schema_serializer(many=False)(type(page))  # a class of its own, made for this page
    return page
