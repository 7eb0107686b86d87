"""Permission checks in one place: views call these instead of checking by hand.

A refusal names what is missing: the permission's own name and the shipped roles that hold it
("You need the “Can change client” permission (Billing, Support or Admin role) to do this."), and
the 403 and 404 answers (the root URLconf's handlers) show it in the desk's layout, or as a short
message when htmx asked for a piece of a page.
"""

from collections.abc import Sequence
from functools import wraps
from typing import Any

from django.contrib.auth.models import Group, Permission
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.csrf import requires_csrf_token

from clientdesk.core.contract import Role
from clientdesk.core.http import is_htmx


def require(request: HttpRequest, *perms: str) -> None:
    """Raise 403, naming what is missing, unless the signed-in staff member holds every one of `perms`."""
    missing = [perm for perm in perms if not request.user.has_perm(perm)]
    if missing:
        raise PermissionDenied(missing_permissions_message(missing))


def permission_required(*perms: str) -> Any:
    """View decorator: 403 (not a login redirect) for a signed-in member without `perms`."""

    def decorator(view: Any) -> Any:
        @wraps(view)
        def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> Any:
            require(request, *perms)
            return view(request, *args, **kwargs)

        return wrapped

    return decorator


def _words(items: Sequence[str], conjunction: str) -> str:
    if len(items) < 2:
        return "".join(items)
    return f"{', '.join(items[:-1])} {conjunction} {items[-1]}"


def missing_permissions_message(perms: Sequence[str]) -> str:
    """What a 403 says: the permissions ("app_label.codename") by name, and the shipped roles holding them all."""
    perms = list(dict.fromkeys(perms))
    wanted = {tuple(perm.split(".", 1)) for perm in perms}
    found = {
        f"{p.content_type.app_label}.{p.codename}": p
        for p in Permission.objects.select_related("content_type").filter(codename__in=[w[-1] for w in wanted])
        if (p.content_type.app_label, p.codename) in wanted
    }
    names = [f"“{found[perm].name}”" if perm in found else f"“{perm}”" for perm in perms]
    plural = "permissions" if len(names) > 1 else "permission"
    # The shipped roles holding every one of them (none when one is unknown), Admin named last.
    ids = {p.pk for p in found.values()}
    held: dict[str, set[int]] = {}
    pairs = Group.permissions.through.objects.filter(
        group__name__in=[role.value for role in Role], permission__in=ids
    ).values_list("group__name", "permission_id")
    for group, permission in pairs:
        held.setdefault(group, set()).add(permission)
    order = [*(role for role in Role if role is not Role.ADMIN), Role.ADMIN]
    roles = [role.value for role in order if len(found) == len(perms) and ids <= held.get(role.value, set())]
    holders = f" ({_words(roles, 'or')} role)" if roles else ""
    return f"You need the {_words(names, 'and')} {plural}{holders} to do this."


@requires_csrf_token
def permission_denied(request: HttpRequest, exception: Exception) -> HttpResponse:
    """handler403: the 403 page in the desk's layout saying what is missing; htmx gets the message alone."""
    message = str(exception) if isinstance(exception, PermissionDenied) else ""
    return _error_page(request, 403, {"message": message})


@requires_csrf_token
def page_not_found(request: HttpRequest, exception: Exception) -> HttpResponse:
    """handler404: the 404 page in the desk's layout; htmx gets the message alone."""
    return _error_page(request, 404, {})


def _error_page(request: HttpRequest, status: int, context: dict[str, Any]) -> HttpResponse:
    # A piece of a page (a profile card, the type-ahead) gets a message that fits where it lands.
    template = f"{status}.html#message" if is_htmx(request) else f"{status}.html"
    return render(request, template, context, status=status)
