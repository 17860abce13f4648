"""core's settings (core.typed_settings): request and JSON size caps, page sizes, rate limits, the
queue budget.

Environment: `CASTFEED_CORE_<FIELD>`, e.g. CASTFEED_CORE_MAX_JSON_BYTES=131072 or
CASTFEED_CORE_THROTTLE_RATES='{"default": "600/minute"}' (merged over the defaults scope by scope).
"""

from __future__ import annotations

import dataclasses

from core.typed_settings import loader, require

# Requests per period for each throttle scope ("<n>/<second|minute|hour|day>"; core.throttling).
THROTTLE_RATES = {
    "default": "1200/minute",
    "register": "20/hour",
    "sign_in": "30/minute",
    "social": "300/hour",
    "comments": "60/hour",
    "reports": "30/hour",
    "enrollment": "20/hour",
    "consent_check": "600/hour",
    "generation": "120/hour",
    "takedowns": "20/hour",  # requests per client address: no account
    "takedown_challenges": "20/hour",  # their challenges, a budget of their own
    "takedowns_status": "300/hour",
    "search": "120/minute",
}


@dataclasses.dataclass(frozen=True)
class CoreSettings:
    # Whole request bodies above this are refused with 413 before anything reads them.
    max_request_bytes: int = 25 * 1024 * 1024
    # JSON bodies have their own, smaller cap (core.parsers).
    max_json_bytes: int = 64 * 1024
    page_size: int = 20
    max_page_size: int = 100
    throttle_rates: dict[str, str] = dataclasses.field(default_factory=lambda: dict(THROTTLE_RATES))
    # A request that waited longer than this between the proxy and the app (the proxy's
    # X-Request-Start) is answered 503 at once, not worked on (core.middleware.ShedLateRequests);
    # 0: never. Below the clients' timeout, so that what is served under overload still arrives.
    queue_budget_ms: int = 1000
    # How many proxies in front of the app append the address they saw to X-Forwarded-For (nginx:
    # `proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for`). 0: the caller is the peer
    # (REMOTE_ADDR), and the header, which any client can write, is never read (core.throttling).
    trusted_proxies: int = 0

    def __post_init__(self) -> None:
        require(self.max_request_bytes > 0 and self.max_json_bytes > 0, "size caps must be positive")
        require(1 <= self.page_size <= self.max_page_size, "PAGE_SIZE must be between 1 and MAX_PAGE_SIZE")
        require(self.queue_budget_ms >= 0, "QUEUE_BUDGET_MS must be 0 (off) or more")
        require(0 <= self.trusted_proxies <= 10, "TRUSTED_PROXIES must be from 0 to 10")
        for scope, rate in self.throttle_rates.items():
            count, _, period = rate.partition("/")
            require(
                count.isdigit() and period in {"second", "minute", "hour", "day"},
                f"THROTTLE_RATES[{scope!r}] {rate!r} is not <n>/<second|minute|hour|day>",
            )


conf = loader("CORE", CoreSettings)
