"""Permission checks in one place: views call these instead of checking by hand."""

from functools import wraps
from typing import Any

from django.core.exceptions import PermissionDenied
from django.http import HttpRequest


def require(request: HttpRequest, *perms: str) -> None:
    """Raise 403 unless the signed-in staff member holds every one of `perms`."""
    if not request.user.has_perms(perms):
        raise PermissionDenied


def permission_required(*perms: str) -> Any:
    """View decorator: 403 (not a login redirect) for a signed-in member without `perms`."""

    def decorator(view: Any) -> Any:
        @wraps(view)
        def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> Any:
            require(request, *perms)
            return view(request, *args, **kwargs)

        return wrapped

    return decorator
