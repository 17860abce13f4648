"""A JSON parser with a size cap and strict JSON: bad bodies are 4xx, never 500.

Refused with 400 `parse_error`: malformed JSON, invalid UTF-8, NaN/Infinity, numbers that do not fit
(integers beyond 64 bits (no column holds them), floats that overflow to infinity), lone surrogates (no database
can store them), nesting deeper than MAX_DEPTH and a name given twice in one object.
"""

import json
import math
from collections import Counter
from typing import Any

from rest_framework.exceptions import ParseError
from rest_framework.parsers import JSONParser

from core.conf import conf
from core.exceptions import PayloadTooLarge

# No request of the API nests anywhere near this deep; well below Python's recursion limit, so
# nothing that walks the parsed value later (serializers, error messages) can run out of stack.
MAX_DEPTH = 32


def _reject_constant(value: str) -> Any:
    raise ValueError(f"{value} is not valid JSON")


def _finite_float(text: str) -> float:
    value = float(text)
    if not math.isfinite(value):
        raise ValueError(f"{text[:20]} is too large a number")
    return value


def _int64(text: str) -> int:
    if len(text.lstrip("-")) > 19 or not -(2**63) <= (value := int(text)) < 2**63:
        raise ValueError(f"{text[:20]}... is too large a number")
    return value


def _object(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    """An object whose every name is given once: of `{"audience": "everyone", "audience": "only_me"}`
    Python's json kept the last, silently, where another reader of the same body (a proxy, a log,
    the client's own check) may keep the first; which one counts would be a guess (RFC 7493 § 2.3)."""
    value = dict(pairs)
    if len(value) != len(pairs):
        twice = next(name for name, count in Counter(name for name, _ in pairs).items() if count > 1)
        raise ValueError(f"the name {twice[:40]!r} is given twice in one object")
    return value


def _check(value: Any) -> None:
    """Depth and lone surrogates, walked without recursion (the value may be deep)."""
    stack: list[tuple[Any, int]] = [(value, 1)]
    while stack:
        item, depth = stack.pop()
        if isinstance(item, str):
            try:
                item.encode("utf-8")
            except UnicodeEncodeError:
                raise ValueError("a string holds a lone surrogate (\\ud800-\\udfff)") from None
        elif isinstance(item, (list, dict)):
            if depth > MAX_DEPTH:
                raise ValueError(f"nested deeper than {MAX_DEPTH} levels")
            children = [*item.keys(), *item.values()] if isinstance(item, dict) else item
            stack.extend((child, depth + 1) for child in children)


class LimitedJSONParser(JSONParser):
    def parse(self, stream, media_type=None, parser_context=None):  # type: ignore[no-untyped-def]
        limit = conf().max_json_bytes
        if stream is None:
            return {}
        raw = stream.read(limit + 1)
        if len(raw) > limit:
            raise PayloadTooLarge(f"JSON bodies are limited to {limit} bytes.")
        try:
            data = json.loads(
                raw.decode("utf-8"),
                parse_constant=_reject_constant,
                parse_float=_finite_float,
                parse_int=_int64,
                object_pairs_hook=_object,
            )
            _check(data)
        except RecursionError:
            raise ParseError(f"Malformed JSON: nested deeper than {MAX_DEPTH} levels.") from None
        except (ValueError, UnicodeDecodeError) as exc:
            raise ParseError(f"Malformed JSON: {exc}") from exc
        return data
