"""API token factories, for every app's tests.

`make_token(owner)` makes a token through the real action and returns (token, secret);
`api_as(user)` is a DRF test client sending a fresh token of `user` (`api_as(None)`: no token).
"""

from collections.abc import Callable
from typing import Any

import pytest


@pytest.fixture
def make_token(db: Any) -> Callable[..., Any]:
    """Factory: (token, secret) of a new API token of `owner`, made by the real action."""
    from clientdesk.api.actions import api_token_create

    counter = iter(range(1, 100_000))

    def make(owner: Any, *, name: str = "", read_only: bool = False, expires_at: Any = None) -> tuple[Any, str]:
        return api_token_create(
            actor=None,
            owner=owner,
            name=name or f"token-{next(counter)}",
            read_only=read_only,
            expires_at=expires_at,
        )

    return make


@pytest.fixture
def api_as(make_token: Callable[..., Any]) -> Callable[..., Any]:
    """Factory: a DRF APIClient authenticated by a new token of `user` (its token as `.token`), or anonymous."""
    from rest_framework.test import APIClient

    class TokenClient(APIClient):
        token: Any = None

    def make(user: Any = None, *, read_only: bool = False) -> Any:
        client = TokenClient()
        if user is not None:
            token, secret = make_token(user, read_only=read_only)
            client.credentials(HTTP_AUTHORIZATION=f"Bearer {secret}")
            client.token = token
        return client

    return make
