"""Reads of API tokens shared by the API tokens page and the `token` command."""

from django.db.models import QuerySet

from clientdesk.accounts.models import User
from clientdesk.api.models import ApiToken


def tokens_of(user: User) -> QuerySet[ApiToken]:
    """A staff member's tokens, newest first (revoked ones too, marked so)."""
    return ApiToken.objects.filter(owner=user).select_related("owner").order_by("-created_at", "-id")


def active_tokens() -> QuerySet[ApiToken]:
    """Every token not revoked, of every staff member, with its owner (newest first)."""
    return ApiToken.objects.filter(revoked_at__isnull=True).select_related("owner").order_by("-created_at", "-id")
