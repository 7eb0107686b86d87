"""Pagination that never counts twice and never loads more than one page."""

from typing import Any

from django.core.paginator import EmptyPage, Page, PageNotAnInteger, Paginator
from django.http import HttpRequest


class KnownCountPaginator(Paginator):
    """A paginator that can be told its count instead of running COUNT(*) again."""

    def __init__(self, object_list: Any, per_page: int, *, count: int | None = None, **kwargs: Any) -> None:
        super().__init__(object_list, per_page, **kwargs)
        if count is not None:
            self.__dict__["count"] = count


def paginate(request: HttpRequest, object_list: Any, per_page: int, *, count: int | None = None) -> Page:
    """Page `page` (from the query string) of `object_list`; out-of-range pages give the last one."""
    paginator = KnownCountPaginator(object_list, per_page, count=count)
    number = request.GET.get("page") or 1
    try:
        return paginator.page(number)
    except PageNotAnInteger:
        return paginator.page(1)
    except EmptyPage:
        return paginator.page(paginator.num_pages)
