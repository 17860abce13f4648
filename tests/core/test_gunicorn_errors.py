"""What the web process answers to a request gunicorn refuses before the app sees it (a request line
or headers over config/gunicorn.py's limits, a line that is not HTTP): the API's error shape, as
every other error (API.md), not gunicorn's HTML page; and the process goes on serving. A real
gunicorn started as `make run` starts it (config/gunicorn.py), on a free loopback port."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.worker import ROOT, _database_url

pytestmark = [pytest.mark.slow]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _send(port: int, raw: bytes) -> tuple[int, dict[str, str], bytes]:
    """One raw request; the status, the headers (lower-case names) and the body of the answer."""
    with socket.create_connection(("127.0.0.1", port), timeout=10) as s:
        s.sendall(raw)
        data = b""
        while chunk := s.recv(65536):
            data += chunk
    head, _, body = data.partition(b"\r\n\r\n")
    status_line, *lines = head.decode("latin-1").split("\r\n")
    headers = {k.strip().lower(): v.strip() for k, _, v in (line.partition(":") for line in lines)}
    return int(status_line.split()[1]), headers, body


@pytest.fixture
def web(transactional_db: None, settings: object, tmp_path: Path) -> Iterator[int]:
    port = _free_port()
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "config.settings.test",
        "DATABASE_URL": _database_url(),
        "CASTFEED_VAR_DIR": str(settings.VAR_DIR),  # type: ignore[attr-defined]
        "PORT": str(port),
        "WEB_WORKERS": "1",
    }
    log = (tmp_path / "gunicorn.log").open("wb")
    process = subprocess.Popen(
        [sys.executable, "-m", "gunicorn", "-c", "config/gunicorn.py", "config.wsgi"],
        cwd=ROOT,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    try:
        deadline = time.monotonic() + 120
        while True:
            try:
                if _send(port, b"GET /healthz HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n")[0] == 200:
                    break
            except OSError:
                pass
            assert process.poll() is None and time.monotonic() < deadline, (tmp_path / "gunicorn.log").read_text()
            time.sleep(0.2)
        yield port
    finally:
        process.terminate()
        process.wait(timeout=30)
        log.close()


def test_what_gunicorn_refuses_answers_in_the_api_error_shape_and_the_process_goes_on(web: int) -> None:
    long_line = b"GET /api/v1/feed?cursor=" + b"a" * 9000 + b" HTTP/1.1\r\nHost: localhost\r\n\r\n"
    status, headers, body = _send(web, long_line)
    assert status == 414
    assert headers["content-type"] == "application/json"
    answer = json.loads(body)
    assert answer["error"] == "uri_too_long"
    assert "Request Line is too large" in answer["detail"]

    big_header = b"GET /healthz HTTP/1.1\r\nHost: localhost\r\nX-Big: " + b"b" * 9000 + b"\r\n\r\n"
    status, headers, body = _send(web, big_header)
    assert status == 431
    assert json.loads(body)["error"] == "headers_too_large"

    status, headers, body = _send(web, b"NOT AN HTTP REQUEST\r\n\r\n")
    assert status == 400
    assert headers["content-type"] == "application/json"
    assert json.loads(body)["error"] == "bad_request"
    assert b"<html>" not in body

    status, _, body = _send(web, b"GET /api/v1/me HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n")
    assert status == 401  # still serving, through the app
    assert json.loads(body)["error"] == "not_authenticated"
