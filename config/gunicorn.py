"""gunicorn settings for the web process (`gunicorn -c config/gunicorn.py config.wsgi`).

Command-line flags override these; the environment variables below are read once at start.
"""

import json
import logging
import os
from typing import Any

from gunicorn import util
from gunicorn.glogging import Logger

from core.redaction import redact_path, redact_query, redact_url

bind = f"{os.environ.get('HOST', '127.0.0.1')}:{os.environ.get('PORT', '8000')}"
workers = int(os.environ.get("WEB_WORKERS", "2"))
threads = int(os.environ.get("WEB_THREADS", "4"))
graceful_timeout = 5
worker_tmp_dir = "/dev/shm"  # noqa: S108 - heartbeat files on tmpfs, as gunicorn's docs advise
# gunicorn's combined format: the request line and the Referer keep their query strings (an operator
# reads which page, search or filter a request asked for), all but their secrets (AccessLogger).
accesslog = "-"
# The request line carries the page cursor, which the API accepts up to 4000 characters (then
# answers a JSON 400); gunicorn's default (4094) would refuse a long cursor with its 414 before the
# app sees it. Room for the path and the other parameters; anything longer still gets a 414 (as
# gunicorn answers what it cannot read: `write_error` below).
limit_request_line = 8190
# Headers (bearer tokens, cookies) keep gunicorn's defaults.
limit_request_fields = 100
limit_request_field_size = 8190


class RedactedErrors(logging.Filter):
    """gunicorn's error log names a request whose handling failed outside Django by its target
    ("Error handling request GET /…", a file's stream cut short) and quotes a request line it could
    not read ("Invalid request from ip=…: … 'GET /… HTP'"): each word redacted as the access log is."""

    def filter(self, record: logging.LogRecord) -> bool:
        if isinstance(record.args, tuple) and record.args:
            record.args = tuple(redact_url(a) if isinstance(a, str) else a for a in record.args)
        elif isinstance(record.msg, str):
            record.msg = " ".join(redact_url(word) for word in record.msg.split(" "))
        return True


_REDACTED_ERRORS = RedactedErrors()


class AccessLogger(Logger):
    """gunicorn's logger, whose access log never shows a secret (core.redaction: a draft's media token,
    a takedown's tracking number), whatever the format (`access_log_format` here or
    `--access-logformat`): the request line (`%(r)s`), the path (`%(U)s`), the query (`%(q)s`) and
    the Referer (`%(f)s`, `%({referer}i)s`) are redacted; so is a request its error log names
    (RedactedErrors)."""

    def setup(self, cfg):  # type: ignore[no-untyped-def]
        super().setup(cfg)
        self.error_log.addFilter(_REDACTED_ERRORS)

    def atoms(self, resp, req, environ, request_time):  # type: ignore[no-untyped-def]
        atoms = super().atoms(resp, req, environ, request_time)
        method, _, rest = atoms["r"].partition(" ")
        target, _, protocol = rest.rpartition(" ")
        atoms["r"] = f"{method} {redact_url(target)} {protocol}"
        atoms["U"] = redact_path(atoms["U"] or "")
        atoms["q"] = redact_query(atoms["q"] or "")
        for referer in ("f", "{referer}i"):
            if referer in atoms:
                atoms[referer] = redact_url(atoms[referer])
        return atoms


logger_class = AccessLogger


# What gunicorn answers itself, before the app: a request it cannot read (400), a request line or
# headers over the limits above (414, 431), an expectation it does not meet (417), an error outside
# the app (500). The API's error shape (API.md) rather than gunicorn's HTML page.
ERROR_CODES = {400: "bad_request", 403: "forbidden", 414: "uri_too_long", 417: "expectation_failed"}
ERROR_CODES |= {431: "headers_too_large", 500: "server_error", 501: "not_implemented"}


def write_error(sock: Any, status_int: int, reason: str, mesg: str) -> None:
    """gunicorn.util.write_error's answer as JSON: `{"error": code, "detail": text}`, the text
    gunicorn's own ("Request Line is too large (9000 > 8190)"), or the reason when it has none."""
    code = ERROR_CODES.get(status_int, reason.lower().replace(" ", "_"))
    body = json.dumps({"error": code, "detail": mesg or reason}).encode()
    head = (
        f"HTTP/1.1 {status_int} {reason}\r\nConnection: close\r\nContent-Type: application/json\r\n"
        f"X-Content-Type-Options: nosniff\r\nContent-Length: {len(body)}\r\n\r\n"
    )
    util.write_nonblock(sock, head.encode("latin-1") + body)


def on_starting(server: object) -> None:
    """Before the workers fork: gunicorn's workers answer what they cannot read with write_error (they
    call `util.write_error` by name, so this one is theirs; gunicorn has no setting for it)."""
    util.write_error = write_error


def post_worker_init(worker: object) -> None:
    """A web process builds its protected-name index before it takes its first request, so no prompt
    check waits for a full build (seconds at 100k+ names); changes later only add an overlay
    (moderation.selectors.name_index). It reads the protected faces too, which a reference image's
    check compares every face with (1.1 s at 50k faces, once per process).

    Then it imports every view (the URLconf), and everything loaded so far (Django, the apps, the
    views, the index) is moved out of the garbage
    collector's reach (gc.freeze): a full collection walked all of it, ~118,000 objects, and held the
    process for 70-95 ms every half minute or so under load, a request's whole budget; after the
    freeze it walks what requests have left since (5-11 ms over a 70 s run; caches filled later are
    walked again). Frozen objects are still freed when nothing refers to them; only a reference cycle
    among them would stay (BENCHMARKS.md § Discovery)."""
    import gc
    import logging

    from django.db import connection
    from django.urls import get_resolver

    from moderation.selectors import load_protected_faces, name_index

    try:
        for load in (name_index, load_protected_faces):
            try:
                load()
            except Exception:  # a database not migrated yet: the first check loads it, as before
                logging.getLogger(__name__).exception("%s: not loaded at start", load.__name__)
    finally:
        connection.close()  # the worker opens its own when it serves
    get_resolver().url_patterns  # noqa: B018 - imports every view now, so that they are frozen too
    gc.collect()  # what start-up left as garbage is freed now, not frozen with the rest
    gc.freeze()
