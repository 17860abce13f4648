"""Request guards and the API's error shape for everything that does not pass through a DRF view.

- `ApiErrorMiddleware`: every error answer under /api/ and /healthz is JSON in the error shape
  (`{"error", "detail"}`), whatever DEBUG says: unmatched routes, Django's own 405s, uncaught
  exceptions (a 500 with no traceback or paths in the body; the traceback goes to the log).
- `ShedLateRequests`: a request that waited in the queue longer than QUEUE_BUDGET_MS is answered
  503 at once: under overload the app serves what can still arrive in time instead of working on
  requests whose clients have given up.
- `RequestBodyLimitMiddleware`: oversized request bodies are refused before anything reads them, and
  a NUL character in the URL is a 404 in the path (no route has one), a 400 in the query (no
  parameter has one): PostgreSQL text cannot hold one, so a lookup would fail as a 500. A query
  string that is not UTF-8 (a lone surrogate, a cut or stray byte) is a 400 too.
- `PrivateApiAnswers`: an API answer to a request that carries a token (`Authorization`) is the
  caller's alone: `Cache-Control: private, no-store` unless the view chose its own, so no shared cache
  keeps /me, the export or a draft's signed media URLs and serves them to someone else (the answers
  that hand out a token send it themselves: core.apis.PRIVATE).
- `CommonMiddleware`: Django's, without the trailing-slash redirect under /api/ (API paths are exact:
  a redirect would drop a POST's body, and under DEBUG Django raises instead of redirecting one).
"""

import logging
import random
import time
from collections.abc import Callable
from urllib.parse import unquote_to_bytes

from django.http import HttpRequest, HttpResponse, JsonResponse
from django.middleware import common

from core.apis import PRIVATE
from core.conf import conf
from core.exceptions import error_body

logger = logging.getLogger("core.errors")

# The error code of a status that reached us without a body in the error shape.
STATUS_ERRORS = {
    400: ("bad_request", "The request was malformed."),
    401: ("not_authenticated", "Authentication credentials were not provided."),
    403: ("permission_denied", "You may not do this."),
    404: ("not_found", "Not found."),
    405: ("method_not_allowed", "This method is not allowed here."),
    406: ("not_acceptable", "This endpoint answers application/json only."),
    408: ("request_timeout", "The request took too long to arrive."),
    409: ("conflict", "This conflicts with the current state."),
    413: ("payload_too_large", "The request body is too large."),
    414: ("uri_too_long", "The request line is too long."),
    415: ("unsupported_media_type", "Unsupported media type."),
    429: ("throttled", "Too many requests."),
    500: ("server_error", "Something went wrong on our side."),
    503: ("unavailable", "The service is unavailable; try again later."),
}
# Headers of the original answer that describe its body: every other one (Allow, Retry-After, the
# security headers that SecurityMiddleware and XFrameOptionsMiddleware set...) still means something
# on the JSON one and is kept.
BODY_HEADERS = frozenset(
    {
        "content-type",
        "content-length",
        "content-encoding",
        "content-language",
        "content-disposition",
        "etag",
        "last-modified",
    }
)


def is_api_path(path: str) -> bool:
    return path.startswith("/api/") or path == "/healthz" or path.startswith("/healthz/")


def status_error(status: int) -> JsonResponse:
    """A JSON answer in the error shape for a bare status code."""
    fallback = ("server_error", "Something went wrong on our side.") if status >= 500 else ("error", "Request failed.")
    code, detail = STATUS_ERRORS.get(status, fallback)
    return JsonResponse({"error": code, "detail": detail}, status=status)


def _is_json(response: HttpResponse) -> bool:
    content_type = response.get("Content-Type", "").split(";")[0].strip().lower()
    return content_type == "application/json" or content_type.endswith("+json")


class ApiErrorMiddleware:
    """First in MIDDLEWARE: it sees every answer, including the ones other middleware make."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        if response.status_code < 400 or not is_api_path(request.path_info) or _is_json(response):
            return response
        # Django's HTML pages (debug 404/500, an empty 405 from require_GET...) become the error shape.
        converted = status_error(response.status_code)
        for header, value in response.items():
            if header.lower() not in BODY_HEADERS:
                converted[header] = value
        return converted

    def process_exception(self, request: HttpRequest, exception: Exception) -> HttpResponse | None:
        """An exception out of a view: a known one answers its status; anything else is a logged 500."""
        if not is_api_path(request.path_info):
            return None  # the admin and the web client keep Django's own handling
        known = error_body(exception)
        if known is not None:
            status, body, headers = known
            response = JsonResponse(body, status=status)
            for name, value in headers.items():
                response[name] = value
            return response
        if isinstance(exception, RecursionError):
            # Input nested so deeply that handling it ran out of stack: the client's doing, not ours.
            logger.warning("Input nested too deeply: %s %s", request.method, request.path_info)
            return JsonResponse({"error": "parse_error", "detail": "The input is nested too deeply."}, status=400)
        logger.exception("Internal Server Error: %s %s", request.method, request.path_info)
        return status_error(500)


class PrivateApiAnswers:
    """A signed-in caller's API answers (their data, their drafts' signed URLs) are kept by no cache."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        if "Authorization" in request.headers and is_api_path(request.path_info) and "Cache-Control" not in response:
            for name, value in PRIVATE.items():
                response[name] = value
        return response


def queued_since(header: str) -> float | None:
    """The time (epoch seconds) in an X-Request-Start header: `t=<seconds>` as nginx's `${msec}`
    writes it, or bare; milliseconds and microseconds are told apart by their size, as HAProxy and
    others write them. Of several comma-separated stamps the last (a proxy that appends rather than
    sets), and None when it is no number."""
    try:
        value = float(header.rsplit(",", 1)[-1].strip().removeprefix("t="))
    except ValueError:
        return None
    if not 0 < value < float("inf"):
        return None
    while value > 1e11:  # milliseconds or microseconds since the epoch
        value /= 1000
    return value


# A wait longer than this is no queue but clocks apart (or no stamp at all: "t=5"): served, and said.
_IMPLAUSIBLE_WAIT_S = 60.0


class ShedLateRequests:
    """Load shedding by queue time. Under overload a request waits for a free worker; once it has
    waited longer than its client does, working on it only delays the ones behind it, and every
    answer comes too late (on 2 cores, where the host could not serve 250–350 requests a second,
    For You answered 38–163 in time; 178–249 with this: BENCHMARKS.md § Feed). The proxy stamps
    when it passed a request on (nginx: `proxy_set_header X-Request-Start "t=${msec}";`); a request
    that waited more than QUEUE_BUDGET_MS is answered 503 with a Retry-After of 1–5 s (spread, so
    the refused do not all come back at once) before sessions, the database or the body. Static
    files (WhiteNoise, before this) and /healthz are never refused: a probe should see a busy
    process as alive. Without the header nothing changes. The proxy and the app must share a clock:
    a stamp from the future is taken as no wait, and one more than a minute old as clocks apart
    (served, with a warning at most once a minute), not as a wait. Refusals are logged as one
    warning a minute with their count, not as Django's error line per 503 (hundreds a second under
    overload: a flood of the log, written while the process has the least time for it)."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response
        self.skew_warned_at = -60.0
        self.shed_since_report = 0
        self.shed_reported_at = -60.0

    def __call__(self, request: HttpRequest) -> HttpResponse:
        budget = conf().queue_budget_ms
        header = request.META.get("HTTP_X_REQUEST_START")
        if budget and header and request.path_info != "/healthz":
            since = queued_since(header)
            waited = time.time() - since if since is not None else 0.0
            if waited > _IMPLAUSIBLE_WAIT_S:
                self.warn_skew(waited)
            elif waited * 1000 > budget:
                retry = random.randint(1, 5)  # noqa: S311 - a spread, not a secret
                response = JsonResponse(
                    {"error": "unavailable", "detail": "The service is overloaded; try again.", "retry_after": retry},
                    status=503,
                )
                response["Retry-After"] = str(retry)
                # Django's request log skips a response marked logged: report_shed counts it instead.
                response._has_been_logged = True  # type: ignore[attr-defined]
                self.report_shed(budget)
                return response
        return self.get_response(request)

    def report_shed(self, budget: int) -> None:
        self.shed_since_report += 1
        now = time.monotonic()
        if now - self.shed_reported_at >= 60:
            logger.warning(
                "overloaded: %d requests refused (503) since the last report, each having waited over %d ms",
                self.shed_since_report,
                budget,
            )
            self.shed_reported_at, self.shed_since_report = now, 0

    def warn_skew(self, waited: float) -> None:
        now = time.monotonic()
        if now - self.skew_warned_at >= 60:
            self.skew_warned_at = now
            logger.warning(
                "X-Request-Start %.0f s old: the proxy's clock and this host's are apart (not shedding on it)", waited
            )


def _utf8(query: str) -> bool:
    """Whether the query string, its %-escapes decoded, is UTF-8. Django reads it with every bad
    byte (a lone surrogate's, a cut sequence's) as U+FFFD, so a search for such a query would
    quietly find nothing instead of saying what is wrong."""
    if query.isascii() and "%" not in query:
        return True
    try:
        raw = query.encode("latin-1")  # WSGI hands the bytes over as latin-1
    except UnicodeEncodeError:
        raw = query.encode("utf-8", "surrogatepass")
    try:
        unquote_to_bytes(raw).decode("utf-8")
    except UnicodeDecodeError:
        return False
    return True


class RequestBodyLimitMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if "\x00" in request.path:  # no route has one
            return JsonResponse({"error": "not_found", "detail": "Not found."}, status=404)
        query = request.META.get("QUERY_STRING", "")
        if "%00" in query:
            return JsonResponse({"error": "bad_request", "detail": "The query contains a NUL character."}, status=400)
        if not _utf8(query):
            return JsonResponse({"error": "bad_request", "detail": "The query is not valid UTF-8."}, status=400)
        raw = request.META.get("CONTENT_LENGTH") or "0"
        try:
            length = int(raw)
        except ValueError:
            return JsonResponse({"error": "bad_request", "detail": "Invalid Content-Length."}, status=400)
        if length < 0:
            return JsonResponse({"error": "bad_request", "detail": "Invalid Content-Length."}, status=400)
        limit = conf().max_request_bytes
        if length > limit:
            return JsonResponse(
                {"error": "payload_too_large", "detail": f"Request bodies are limited to {limit} bytes."},
                status=413,
            )
        return self.get_response(request)


class CommonMiddleware(common.CommonMiddleware):
    def should_redirect_with_slash(self, request: HttpRequest) -> bool:
        return not is_api_path(request.path_info) and super().should_redirect_with_slash(request)
