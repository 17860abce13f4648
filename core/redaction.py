"""What logs never hold of a request: its secrets, replaced by `[redacted]`. Pure (no Django): the web
process's access log (config/gunicorn.py, loaded before Django) and Django's own request log
(`RedactSecretPaths`, in LOGGING) both use it.

- A query parameter whose value is a secret: a draft's signed media URL (feed.media, `?t=`) lets
  whoever holds it fetch the draft until it expires, and logs are kept far longer than that.
- A path segment that is a secret: a takedown request's tracking number (`/api/v1/takedowns/TD-…`)
  is the only key to the request of someone without an account, and says that they asked for videos
  of their face to go. So is anything shaped like one wherever it is (a mistyped path's 404, a
  `;parameter` before it): `TD-` and 16 letters or digits, with or without its dashes.
"""

from __future__ import annotations

import logging
import re
from urllib.parse import quote, unquote, unquote_plus

SECRET_PARAMETERS = frozenset({"t"})
REDACTED = "[redacted]"
# The segment after /takedowns/, but the challenges' own path (POST /api/v1/takedowns/challenges);
# in any case and after any number of slashes (a 404 that names a live tracking number all the same),
# with the blanks before it (the view strips them); it ends at a blank too (a request line's protocol).
# Or, wherever it is, a tracking number's shape (moderation.models.takedown_tracking), in any case,
# its dashes left out or typed as blanks, and the digits 0 and 1 a person may type for O and I; not
# inside a word (a draft's media key, "H5TDZCMM3LYl967hMFoKwg", was cut in its log line).
_SECRET_SEGMENT = re.compile(
    r"(/takedowns/+)(?!challenges(?=[/?#\s]|$))\s*[^/?#\s]+"
    r"|(?<![A-Z0-9_-])TD[-\s]?(?:[A-Z0-9]{4}[-\s]?){3}[A-Z0-9]{4}",
    re.IGNORECASE,
)
_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f\u2028\u2029]")  # line breaks among them


def redact_query(query: str) -> str:
    """`query` as sent, with the value of each secret parameter replaced (its name decoded as Django
    decodes it, so `%74=` is `t=` too)."""
    parts = query.split("&")
    for i, part in enumerate(parts):
        name, equals, _ = part.partition("=")
        if equals and unquote_plus(name) in SECRET_PARAMETERS:
            parts[i] = f"{name}={REDACTED}"
    return "&".join(parts)


def redact_path(path: str) -> str:
    """`path` with each secret segment replaced. A path as sent (a request line, a Referer) is read
    %-decoded too, as the server decodes it before Django routes it (`/takedown%73%2FTD-…` is that
    request's status page): when that decoded path has a secret, it is what is shown, redacted."""
    decoded = unquote(path)
    if not _SECRET_SEGMENT.search(decoded):
        return _SECRET_SEGMENT.sub(rf"\g<1>{REDACTED}", path)
    # Its control characters escaped again: an escaped line break is no second, forged log line.
    return _CONTROL.sub(lambda c: quote(c.group()), _SECRET_SEGMENT.sub(rf"\g<1>{REDACTED}", decoded))


def redact_url(url: str) -> str:
    """A URL (a request target, a Referer) with its secret path segments and query parameters redacted."""
    base, question, query = url.partition("?")
    return f"{redact_path(base)}?{redact_query(query)}" if question else redact_path(url)


class RedactSecretPaths(logging.Filter):
    """Django's request log ("Not Found: <path>", "Too Many Requests: <path>") names the path: its
    secret segments redacted (its query is never logged)."""

    def filter(self, record: logging.LogRecord) -> bool:
        if isinstance(record.args, tuple):
            record.args = tuple(redact_path(a) if isinstance(a, str) else a for a in record.args)
        return True
