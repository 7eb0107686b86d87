"""A rate limit per API token (`DEFAULT_THROTTLE_RATES["token"]`), answered with 429 and Retry-After."""

from typing import Any, cast

from rest_framework.request import Request
from rest_framework.settings import api_settings
from rest_framework.throttling import SimpleRateThrottle

from clientdesk.api.models import ApiToken


class TokenRateThrottle(SimpleRateThrottle):
    """Counts each token's requests in the default cache (one count per web process unless the cache is shared)."""

    scope = "token"

    def get_rate(self) -> str | None:
        # Read when the throttle is made, not when the class was imported, so a changed setting applies.
        return cast(str | None, api_settings.DEFAULT_THROTTLE_RATES.get(self.scope))

    def get_cache_key(self, request: Request, view: Any) -> str | None:
        if not isinstance(request.auth, ApiToken):
            return None  # the docs and schema read by a signed-in member: not counted
        return self.cache_format % {"scope": self.scope, "ident": request.auth.key_id}
