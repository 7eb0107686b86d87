"""Control characters never get past the door: stripped from every query parameter and form field.

One rule, in one place, for every page: NUL, the other C0 controls except tab, CR and LF, DEL and
the C1 controls (U+0080 to U+009F) are removed from the names and values of `request.GET` and
`request.POST` before any view, form or query sees them. Uploaded files are left exactly as sent.

Why strip rather than refuse with a 400: these characters are invisible, nobody types them on
purpose, and when they do arrive from a person it is by pasting (text copied from a PDF, a
spreadsheet or a terminal). Refusing would throw away a whole Add client form, or flash an error
in the search type-ahead, over a character the staff member cannot see; stripping keeps what they
meant. For a probe it changes nothing that matters: what remains is ordinary text that the forms,
the models and the database judge as usual, and no value holding a NUL can reach PostgreSQL (which
refuses NUL in text) or be stored. The same rule on the way in for setting and for checking a
value (a password, say) keeps the two consistent. Tab, CR and LF stay: they are ordinary whitespace
in a textarea, and the forms trim them like spaces.

The raw `request.body` is not rewritten: a view that parses a body itself (a JSON API, a gateway's
webhook) cleans what it reads the same way, with `strip_control_characters`.
"""

import re
from collections.abc import Callable
from typing import cast

from django.http import HttpRequest, HttpResponse, QueryDict

# C0 except tab (\x09), LF (\x0a) and CR (\x0d); DEL (\x7f); C1 (\x80-\x9f).
CONTROL_CHARACTERS = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")


def strip_control_characters(text: str) -> str:
    """`text` without NUL, the other C0 controls but tab, CR and LF, DEL and the C1 controls."""
    return CONTROL_CHARACTERS.sub("", text)


def clean_query_dict[Q: QueryDict](data: Q) -> Q:
    """`data` with control characters stripped from every name and value (itself when it held none)."""
    if not any(
        CONTROL_CHARACTERS.search(key) or any(CONTROL_CHARACTERS.search(value) for value in values)
        for key, values in data.lists()
    ):
        return data
    cleaned = QueryDict(mutable=True, encoding=data.encoding)
    for key, values in data.lists():
        for value in values:
            cleaned.appendlist(strip_control_characters(key), strip_control_characters(value))
    cleaned._mutable = data._mutable
    return cast(Q, cleaned)


class ControlCharacterMiddleware:
    """Strip control characters from the query string and the submitted form before any view runs.

    A POST's form is read here (CsrfViewMiddleware, after this one, reads it anyway); its files are
    untouched.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        request.GET = clean_query_dict(request.GET)
        if request.method == "POST":
            request.POST = clean_query_dict(request.POST)
        return self.get_response(request)
