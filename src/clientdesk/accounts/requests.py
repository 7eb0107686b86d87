"""The request a view of the desk receives once a staff member is signed in."""

from django.http import HttpRequest

from clientdesk.accounts.models import User


class StaffRequest(HttpRequest):
    """A request from a signed-in staff member: every view but sign-in (LoginRequiredMiddleware sees to it)."""

    user: User  # narrowed from User | AnonymousUser
