"""The API's request bodies: JSON objects, with control characters stripped as the desk strips them from forms."""

from collections.abc import Mapping
from typing import Any

from rest_framework import parsers
from rest_framework.exceptions import ParseError

from clientdesk.core.sanitize import strip_control_characters


def _clean(value: Any) -> Any:
    if isinstance(value, str):
        return strip_control_characters(value)
    if isinstance(value, list):
        return [_clean(item) for item in value]
    if isinstance(value, dict):
        return {strip_control_characters(str(key)): _clean(item) for key, item in value.items()}
    return value


class JSONParser(parsers.JSONParser):
    """A JSON object, cleaned of control characters (see core/sanitize.py: the rule every form follows)."""

    def parse(self, stream: Any, media_type: str | None = None, parser_context: Mapping[str, Any] | None = None) -> Any:
        data = super().parse(stream, media_type, parser_context)
        if not isinstance(data, dict):
            raise ParseError('The body is a JSON object, like {"first_name": "Ann"}.')
        return _clean(data)
