"""`Authorization: Bearer <secret>`: a personal API token, acting for its owner."""

from datetime import timedelta
from typing import Any

from django.utils import timezone
from rest_framework.authentication import BaseAuthentication, get_authorization_header
from rest_framework.exceptions import AuthenticationFailed
from rest_framework.request import Request

from clientdesk.api.models import ApiToken, split_secret

REFUSED = "This is not a valid API token."


def token_for(secret: str) -> ApiToken:
    """The active token `secret` is, with its owner; AuthenticationFailed (401) for any other secret."""
    key_id = split_secret(secret)
    token = ApiToken.objects.select_related("owner").filter(key_id=key_id).first() if key_id else None
    if token is None or not token.matches(secret):
        raise AuthenticationFailed(REFUSED)
    now = timezone.now()
    state = token.state(now)
    if state == "revoked":
        raise AuthenticationFailed("This API token was revoked.")
    if state == "expired":
        raise AuthenticationFailed("This API token has expired.")
    if not token.owner.is_active:
        raise AuthenticationFailed("The staff member this API token belongs to is deactivated.")
    if token.last_used_at is None or now - token.last_used_at >= timedelta(seconds=ApiToken.LAST_USED_EVERY):
        # Bookkeeping, like a session's expiry: written at most once a minute, and not audited.
        ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
        token.last_used_at = now
    return token


class BearerTokenAuthentication(BaseAuthentication):
    """Authenticates `Authorization: Bearer <secret>`: the request's user is the token's owner, `auth` the token."""

    def authenticate(self, request: Request) -> tuple[Any, ApiToken] | None:
        parts = get_authorization_header(request).split()
        if not parts or parts[0].lower() != b"bearer":
            return None
        if len(parts) != 2:  # "Bearer" and the secret
            raise AuthenticationFailed("Send the token as `Authorization: Bearer <token>`.")
        try:
            secret = parts[1].decode("ascii")
        except UnicodeDecodeError:
            raise AuthenticationFailed(REFUSED) from None
        token = token_for(secret)
        return token.owner, token

    def authenticate_header(self, request: Request) -> str:
        return 'Bearer realm="api"'
