"""Rate limits per user (or per client address when anonymous), with rates read from settings at
request time (`CASTFEED_THROTTLE_RATES`), so an operator or a test can change them at once."""

from typing import Any

from django.conf import settings
from rest_framework.throttling import SimpleRateThrottle


class _SettingsRateThrottle(SimpleRateThrottle):
    def __init__(self) -> None:  # the rate depends on the view: resolved in allow_request
        pass

    def scope_for(self, view: Any) -> str | None:
        raise NotImplementedError

    def allow_request(self, request: Any, view: Any) -> bool:
        scope = self.scope_for(view)
        rate = settings.CASTFEED_THROTTLE_RATES.get(scope) if scope else None
        if not rate:
            return True
        self.scope, self.rate = scope, rate
        self.num_requests, self.duration = self.parse_rate(rate)
        return super().allow_request(request, view)

    def get_cache_key(self, request: Any, view: Any) -> str:
        user = request.user
        ident = f"u{user.pk}" if user and user.is_authenticated else f"ip{self.get_ident(request)}"
        return f"throttle:{self.scope}:{ident}"


class UserOrIPRateThrottle(_SettingsRateThrottle):
    """Every API request counts against the `default` scope."""

    def scope_for(self, view: Any) -> str | None:
        return "default"


class ScopedRateThrottle(_SettingsRateThrottle):
    """A view's `throttle_scope` (registration, sign-in, comments, ...) has its own budget."""

    def scope_for(self, view: Any) -> str | None:
        return getattr(view, "throttle_scope", None)
