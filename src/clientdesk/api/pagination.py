"""Cursor pagination: each page is one query that starts where the last one ended (no COUNT, no OFFSET).

A list keeps the order its query gives it (the same query the page runs), made total by the primary
key; the cursor carries the values of the row a page ended (or began) on, and the next page is the
rows after it in that order — `name > x OR (name = x AND id > y)` — which the indexes that serve
the pages' sorts also serve.
Cursors are opaque to callers and signed, so a cursor is always one this API gave out.
"""

import datetime
from dataclasses import dataclass
from typing import Any

from django.core import signing
from django.core.exceptions import ValidationError
from django.db.models import F, Field, OrderBy, Q, QuerySet
from rest_framework.request import Request
from rest_framework.utils.urls import replace_query_param

from clientdesk.api.problems import Problem

CURSOR = "cursor"
PAGE_SIZE = "page_size"
DEFAULT_PAGE_SIZE = 20
MAX_PAGE_SIZE = 100
CURSOR_SALT = "clientdesk.api.cursor"


def _bad(name: str, message: str) -> Problem:
    return Problem("invalid-parameters", errors={name: [message]})


def unknown_cursor() -> Problem:
    """A 404 problem: the cursor names no page of this list (the page it named may never have existed)."""
    return Problem("unknown-cursor")


def page_size(request: Request, *, default: int = DEFAULT_PAGE_SIZE, maximum: int = MAX_PAGE_SIZE) -> int:
    """The `page_size` asked for (default 20, at most 100; an empty one is no number)."""
    raw = request.query_params.get(PAGE_SIZE)
    if raw is None:
        return default
    if not raw.isdigit() or not 1 <= int(raw) <= maximum:
        raise _bad(PAGE_SIZE, f"Ask for 1 to {maximum} rows a page.")
    return int(raw)


def encode_cursor(payload: dict[str, Any]) -> str:
    """A cursor as it travels in the `cursor` parameter: signed, so only cursors this API gave out are read."""
    return signing.dumps(payload, salt=CURSOR_SALT, compress=True)


def decode_cursor(request: Request) -> dict[str, Any] | None:
    """The cursor the request carries (None on the first page); a 404 problem for one that is not ours."""
    raw = request.query_params.get(CURSOR)
    if not raw:
        return None
    try:
        payload = signing.loads(raw, salt=CURSOR_SALT)
    except signing.BadSignature:
        payload = None
    if not isinstance(payload, dict):
        raise unknown_cursor()
    return payload


def link(request: Request, cursor: str | None) -> str | None:
    """The URL of the page a cursor opens (None: no such page)."""
    if cursor is None:
        return None
    return replace_query_param(request.build_absolute_uri(), CURSOR, cursor)


@dataclass(frozen=True)
class CursorPage:
    """One page of a list, with the links to the pages before and after it."""

    rows: list[Any]
    next: str | None
    previous: str | None

    def data(self, results: Any) -> dict[str, Any]:
        return {"next": self.next, "previous": self.previous, "results": results}


def _plain(value: Any) -> Any:
    if isinstance(value, datetime.datetime | datetime.date):
        return value.isoformat()
    return value


@dataclass(frozen=True)
class _Key:
    """One column (or expression, annotated as `name`) of a list's order."""

    name: str
    descending: bool
    field: "Field[Any, Any]"


class KeysetPaginator:
    """Pages of a queryset in the order it already has (the query's own ORDER BY, whatever it is).

    Each ordering item becomes a key: a column, or an expression (`IsBlank("company")`) annotated so
    its value can be read and compared. The primary key is added last unless the order already ends
    in a unique column, so every row has one place.
    """

    def _keys(self, queryset: QuerySet[Any]) -> tuple[QuerySet[Any], list[_Key]]:
        model = queryset.model
        keys: list[_Key] = []
        annotations: dict[str, Any] = {}
        for index, item in enumerate(queryset.query.order_by or model._meta.ordering):
            order = item if isinstance(item, OrderBy) else None
            if isinstance(item, str):
                order = OrderBy(F(item.lstrip("-")), descending=item.startswith("-"))
            elif not isinstance(item, OrderBy):
                order = OrderBy(item)
            assert order is not None
            expression: Any = order.expression
            column = str(getattr(expression, "name", "")) if isinstance(expression, F) else ""
            if column and "__" not in column:  # a column of the model itself
                name = column
                field = model._meta.pk if column == "pk" else model._meta.get_field(column)
            else:  # an expression (or a related column): annotated, so its value is read with the row
                name = f"cursor_key_{index}"
                annotations[name] = expression
                # Its type, as the query resolves it (`Lower("name")` knows its type only then).
                field = queryset.annotate(**{name: expression}).query.annotations[name].output_field
            assert isinstance(field, Field), f"a list cannot be paged by {item!r}"
            keys.append(_Key("pk" if field.primary_key else name, order.descending, field))
        if not keys or not (keys[-1].field.primary_key or keys[-1].field.unique):
            assert model._meta.pk is not None
            keys.append(_Key("pk", keys[-1].descending if keys else False, model._meta.pk))
        return (queryset.annotate(**annotations) if annotations else queryset), keys

    @staticmethod
    def _after(keys: list[_Key], values: list[Any], *, backwards: bool) -> Q:
        """Rows after `values` in this order (before them, going backwards)."""
        parsed = [key.field.to_python(value) for key, value in zip(keys, values, strict=True)]
        condition = Q()
        for i, key in enumerate(keys):
            step = Q(**{keys[j].name: parsed[j] for j in range(i)})
            step &= Q(**{f"{key.name}__{'lt' if key.descending != backwards else 'gt'}": parsed[i]})
            condition |= step
        return condition

    @staticmethod
    def _values(keys: list[_Key], row: Any) -> list[Any]:
        return [_plain(getattr(row, key.name)) for key in keys]

    def paginate(self, request: Request, queryset: QuerySet[Any], size: int) -> CursorPage:
        """The page the request's cursor points at (the first without one): one query."""
        cursor = decode_cursor(request)
        queryset, keys = self._keys(queryset)
        loaded, deferring = queryset.query.deferred_loading
        if loaded and not deferring:  # .only(...): the keys are read with the page, not row by row
            queryset = queryset.only(*loaded, *(key.name for key in keys if key.name in _columns(queryset)))
        backwards = bool(cursor and cursor.get("d") == "p")
        if cursor is not None:
            values = cursor.get("v")
            if not isinstance(values, list) or len(values) != len(keys):
                raise unknown_cursor()
            try:
                queryset = queryset.filter(self._after(keys, values, backwards=backwards))
            except (ValidationError, TypeError, ValueError):  # a value of the wrong type for its column
                raise unknown_cursor() from None
        ordering = [OrderBy(F(key.name), descending=key.descending != backwards) for key in keys]
        rows = list(queryset.order_by(*ordering)[: size + 1])
        more = len(rows) > size
        rows = rows[:size]
        if backwards:
            rows.reverse()
        if not rows:
            return CursorPage([], None, None)
        after = encode_cursor({"v": self._values(keys, rows[-1]), "d": "n"})
        before = encode_cursor({"v": self._values(keys, rows[0]), "d": "p"})
        if backwards:
            return CursorPage(rows, link(request, after), link(request, before) if more else None)
        return CursorPage(rows, link(request, after) if more else None, link(request, before) if cursor else None)


def _columns(queryset: QuerySet[Any]) -> set[str]:
    """The model's concrete column names (what `.only()` can be asked for), and `pk`."""
    return {field.name for field in queryset.model._meta.concrete_fields} | {"pk"}
