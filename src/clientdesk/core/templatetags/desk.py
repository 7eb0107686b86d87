"""Small template filters for every page of the desk."""

from collections.abc import Iterator

from django import template
from django.core.paginator import Paginator

register = template.Library()


@register.filter
def elided_range(paginator: Paginator, number: int) -> Iterator[str | int]:
    """The page numbers to link around page `number`: 1 2 … 7 8 9 … 40 41 (Paginator.ELLIPSIS between)."""
    return paginator.get_elided_page_range(number, on_each_side=2, on_ends=1)
