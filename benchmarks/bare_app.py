"""The cheapest WSGI application gunicorn can serve, for benchmarks/ceiling.py: no Django, no
database, no cache, no authentication. Every path answers 200 with the same JSON body, 20 items of
For You's size (`CEILING_BODY_BYTES`, default 9,300 bytes: a page 100 of the million-video feed), so
what it costs is gunicorn's, nginx's and the load generator's own work, and nothing of the project's.
"""

from __future__ import annotations

import json
import os

_SIZE = int(os.environ.get("CEILING_BODY_BYTES", "9300"))


def _body(size: int) -> bytes:
    items = [{"id": i, "caption": "", "author": {"handle": f"user{i}"}} for i in range(20)]
    page = {"results": items, "next": None}
    filler = max(0, size - len(json.dumps(page)) - len(', "pad": ""'))
    page["pad"] = "x" * filler
    return json.dumps(page).encode()


BODY = _body(_SIZE)
HEADERS = [("Content-Type", "application/json"), ("Content-Length", str(len(BODY)))]


def app(environ: dict, start_response) -> list[bytes]:  # type: ignore[no-untyped-def]
    start_response("200 OK", HEADERS)
    return [BODY]
