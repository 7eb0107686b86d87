"""Small template filters for every page of the desk."""

from collections.abc import Iterator

from django import template
from django.core.paginator import Paginator
from django.utils.html import format_html_join
from django.utils.safestring import SafeString, mark_safe

from clientdesk.core import geo

register = template.Library()


@register.filter
def elided_range(paginator: Paginator, number: int) -> Iterator[str | int]:
    """The page numbers to link around page `number`: 1 2 … 7 8 9 … 40 41 (Paginator.ELLIPSIS between)."""
    return paginator.get_elided_page_range(number, on_each_side=2, on_ends=1)


@register.filter
def postal_address(contact: object, with_name: str = "") -> SafeString:
    """A contact's postal address laid out for its country, lines escaped and joined by <br>.

    `{{ contact|postal_address }}` is the address alone (the page shows the name and company
    itself); `{{ contact|postal_address:"with_name" }}` starts with the name and company, where
    the country puts them.
    """

    def text(name: str) -> str:
        value = getattr(contact, name, "")
        return value if isinstance(value, str) else ""

    full = with_name == "with_name"
    lines = geo.address_lines(
        name=f"{text('first_name')} {text('last_name')}" if full else "",
        company=text("company") if full else "",
        address1=text("address1"),
        address2=text("address2"),
        city=text("city"),
        state_code=text("state"),
        postal_code=text("postal_code"),
        country_code=text("country"),
    )
    return format_html_join(mark_safe("<br>"), "{}", ((line,) for line in lines))
