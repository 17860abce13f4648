"""Operational endpoints and the JSON error pages for requests that never reach a DRF view."""

import logging
import threading
import time
from pathlib import Path

from django.db import connection
from django.http import HttpRequest, JsonResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

logger = logging.getLogger(__name__)


def _check_database() -> str:
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
        cursor.fetchone()
    return "ok"


# The broker's answer is kept for this long in each process: /healthz is never refused (load
# shedding lets it through), and a flood of it opened one broker connection a request.
BROKER_CHECK_TTL_S = 1.0
_broker_last: dict[str, tuple[float, str]] = {}  # "check": (its time.monotonic(), its answer)
_broker_lock = threading.Lock()


def _check_broker() -> str:
    """The broker's last answer if younger than BROKER_CHECK_TTL_S, else a new check (one at a time)."""
    with _broker_lock:
        last = _broker_last.get("check")
        if last is not None and time.monotonic() - last[0] < BROKER_CHECK_TTL_S:
            return last[1]
        try:
            answer = _ask_broker()
        except Exception as exc:  # a health check reports every failure instead of raising
            logger.warning("healthz: broker failed: %s", exc)
            answer = "unavailable"
        _broker_last["check"] = (time.monotonic(), answer)
        return answer


def _ask_broker() -> str:
    from config.celery import app

    if app.conf.broker_url.startswith("filesystem"):
        folder = Path(app.conf.broker_transport_options["data_folder_in"])
        probe = folder / ".healthz"
        probe.write_bytes(b"ok")  # raises if the folder is missing or read-only
        probe.unlink()
        return "ok"
    with app.connection_for_write() as conn:
        conn.ensure_connection(max_retries=1, timeout=2)
    return "ok"


@never_cache
@require_GET
def healthz(request: HttpRequest) -> JsonResponse:
    """200 when the database and the broker answer, 503 (with which one failed) when not."""
    checks = {}
    for name, check in (("database", _check_database), ("broker", _check_broker)):
        try:
            checks[name] = check()
        except Exception as exc:  # a health check reports every failure instead of raising
            logger.warning("healthz: %s failed: %s", name, exc)
            checks[name] = "unavailable"
    healthy = all(v == "ok" for v in checks.values())
    return JsonResponse({"status": "ok" if healthy else "unavailable", **checks}, status=200 if healthy else 503)


def bad_request(request: HttpRequest, exception: Exception | None = None) -> JsonResponse:
    return JsonResponse({"error": "bad_request", "detail": "The request was malformed."}, status=400)


def permission_denied(request: HttpRequest, exception: Exception | None = None) -> JsonResponse:
    return JsonResponse({"error": "permission_denied", "detail": "You may not do this."}, status=403)


def page_not_found(request: HttpRequest, exception: Exception | None = None) -> JsonResponse:
    return JsonResponse({"error": "not_found", "detail": "Not found."}, status=404)


def server_error(request: HttpRequest) -> JsonResponse:
    return JsonResponse({"error": "server_error", "detail": "Something went wrong on our side."}, status=500)
