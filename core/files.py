"""Serving stored files over HTTP with byte ranges (browsers seek video with Range requests, and
Safari will not play a video without them)."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import IO

from django.core.files.storage import Storage
from django.http import HttpRequest, HttpResponse, JsonResponse, StreamingHttpResponse
from django.http.response import HttpResponseBase

_RANGE = re.compile(r"^bytes=([0-9]{0,18})-([0-9]{0,18})$")  # ASCII digits, below 10**18: int() stays cheap
CHUNK = 64 * 1024


def _stream(handle: IO[bytes], start: int, length: int) -> Iterator[bytes]:
    try:
        handle.seek(start)
        remaining = length
        while remaining > 0:
            chunk = handle.read(min(CHUNK, remaining))
            if not chunk:
                break
            remaining -= len(chunk)
            yield chunk
    finally:
        handle.close()


def _unsatisfiable(size: int) -> HttpResponse:
    response = JsonResponse(
        {"error": "range_not_satisfiable", "detail": f"Ask for a single byte range within the file's {size} bytes."},
        status=416,
    )
    response["Content-Range"] = f"bytes */{size}"
    return response


def serve_file(
    request: HttpRequest, storage: Storage, name: str, content_type: str, *, cache_control: str
) -> HttpResponseBase:
    size = storage.size(name)
    start, end, status = 0, size - 1, 200
    header = request.headers.get("Range", "")
    if header:
        match = _RANGE.match(header.strip())
        if not match or not (match.group(1) or match.group(2)):
            return _unsatisfiable(size)
        first, last = match.groups()
        if first:
            start = int(first)
            end = min(int(last), size - 1) if last else size - 1
        else:  # "bytes=-N": the last N bytes
            start = max(0, size - int(last))
        if start >= size or start > end:
            return _unsatisfiable(size)
        status = 206
    length = end - start + 1
    if request.method == "HEAD":
        response: HttpResponseBase = HttpResponse(status=status)
    else:
        response = StreamingHttpResponse(_stream(storage.open(name, "rb"), start, length), status=status)
    response["Content-Type"] = content_type
    response["Content-Length"] = str(length)
    response["Accept-Ranges"] = "bytes"
    response["Cache-Control"] = cache_control
    if status == 206:
        response["Content-Range"] = f"bytes {start}-{end}/{size}"
    return response
