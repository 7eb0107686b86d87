"""What every API view shares: the desk request behind a DRF one, and how errors are documented."""

from collections.abc import Callable
from functools import wraps
from typing import Any, cast

from django.contrib.auth.decorators import login_not_required
from django.http import HttpRequest, HttpResponse, JsonResponse
from drf_spectacular.utils import OpenApiExample, OpenApiParameter, OpenApiResponse, inline_serializer
from rest_framework import serializers
from rest_framework.request import Request
from rest_framework.response import Response

from clientdesk.api.idempotency import HEADER, IDEMPOTENCY_HOURS
from clientdesk.api.models import ApiToken
from clientdesk.api.pagination import CURSOR, DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE, PAGE_SIZE
from clientdesk.api.problems import PROBLEM_CONTENT_TYPE, PROBLEM_TYPES, type_uri
from clientdesk.api.serializers.fields import ProblemSerializer
from clientdesk.core.access import require


def token(request: Request) -> ApiToken:
    """The API token a request is made with (TokenScope lets no other request in): the actions' actor."""
    assert isinstance(request.auth, ApiToken)
    return request.auth


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


def _example(status: int, name: str | None, detail: str, **members: Any) -> dict[str, Any]:
    title = (
        PROBLEM_TYPES[name][1]
        if name
        else {401: "Unauthorized", 403: "Forbidden", 404: "Not Found"}.get(status, "Too Many Requests")
    )
    return {"type": type_uri(name) if name else "about:blank", "title": title, "status": status, "detail": detail} | (
        members
    )


PROBLEMS: dict[int, tuple[str, list[OpenApiExample]]] = {
    400: (
        "A parameter or header cannot be read (e.g. a missing Idempotency-Key, a bad cursor).",
        [
            OpenApiExample(
                "Bad parameter",
                _example(
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
        [OpenApiExample("Revoked token", _example(401, None, "This API token was revoked."))],
    ),
    403: (
        "The token's owner lacks the permission this needs, or the token is read-only.",
        [
            OpenApiExample(
                "Missing permission",
                _example(403, None, "You need the “Can add client” permission (Billing or Admin role) to do this."),
            )
        ],
    ),
    404: (
        "Nothing here (asked by someone who may see it).",
        [OpenApiExample("Not found", _example(404, None, "Not found."))],
    ),
    409: (
        "Someone else changed what this edit changes (`edit-conflict`), a client has this email "
        "(`duplicate-client`), or the key's first request is still running (`idempotency-key-in-use`).",
        [
            OpenApiExample(
                "Edit conflict",
                _example(
                    409,
                    "edit-conflict",
                    PROBLEM_TYPES["edit-conflict"][2],
                    errors={"city": ["City was changed to “Reston” by someone else after you opened this form. …"]},
                    current={"city": "Reston"},
                ),
            ),
            OpenApiExample(
                "Duplicate client",
                _example(
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
            OpenApiExample(
                "Key in use", _example(409, "idempotency-key-in-use", PROBLEM_TYPES["idempotency-key-in-use"][2])
            ),
        ],
    ),
    412: (
        "The If-Match is not a version of this client.",
        [
            OpenApiExample(
                "Not a version", _example(412, "precondition-failed", PROBLEM_TYPES["precondition-failed"][2])
            )
        ],
    ),
    422: (
        "Nothing was written: the fields in `errors` are not valid (or the key was used for another request).",
        [
            OpenApiExample(
                "Field errors",
                _example(
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
        [OpenApiExample("Throttled", _example(429, None, "Request was throttled. Expected available in 12 seconds."))],
    ),
}


def responses(ok: dict[Any, Any], *statuses: int) -> dict[Any, Any]:
    """An operation's responses: `ok`, then the problem details of `statuses` (401 and 429 always)."""
    found: dict[Any, Any] = dict(ok)
    for status in sorted({401, 429, *statuses}):
        description, examples = PROBLEMS[status]
        found[(status, PROBLEM_CONTENT_TYPE)] = OpenApiResponse(
            ProblemSerializer, description=description, examples=examples
        )
    return found


IDEMPOTENCY_KEY = OpenApiParameter(
    HEADER,
    str,
    OpenApiParameter.HEADER,
    description=(
        f"A unique value (1 to 255 printable ASCII characters, e.g. a UUID) naming this write. A retry with the same "
        f"key and request gets the first answer (with `Idempotent-Replayed: true`) and writes nothing again; the "
        f"same key with another request is refused (422); while the first runs, 409. Keys are kept "
        f"{IDEMPOTENCY_HOURS} hours, per token."
    ),
)
IDEMPOTENCY_KEY_REQUIRED = OpenApiParameter(
    HEADER, str, OpenApiParameter.HEADER, required=True, description=IDEMPOTENCY_KEY.description
)
CURSOR_PARAMETERS = [
    OpenApiParameter(CURSOR, str, description="Where a page starts: the `next` or `previous` link gives it."),
    OpenApiParameter(
        PAGE_SIZE, int, description=f"Rows a page: {DEFAULT_PAGE_SIZE} unless asked, at most {MAX_PAGE_SIZE}."
    ),
]


def paginated(name: str, row: type[serializers.Serializer[Any]], **extra: serializers.Field[Any, Any, Any, Any]) -> Any:
    """The schema of a page of `row`s: links to the pages around it, and the rows."""
    return inline_serializer(
        name,
        {
            "next": serializers.URLField(allow_null=True, help_text="The next page, or null on the last."),
            "previous": serializers.URLField(allow_null=True, help_text="The page before, or null on the first."),
            **extra,
            "results": row(many=True),
        },
    )
