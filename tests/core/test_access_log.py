"""What the web process logs of a request never holds a draft's media token or a takedown's tracking
number (core.redaction): the access log that `make run` writes (gunicorn, read from config/gunicorn.py
as gunicorn reads it) shows the path, the other query parameters and the status, `t=[redacted]` and
`/takedowns/[redacted]`; Django's own request log names the path only, its tracking number redacted."""

from __future__ import annotations

import datetime as dt
import logging
import runpy
from pathlib import Path
from types import SimpleNamespace
from urllib.parse import unquote

import pytest
from django.test import Client
from gunicorn.config import Config

ROOT = Path(__file__).resolve().parents[2]
TOKEN = "WyJrZXkiLCJ2aWRlby5tcDQiLDE3NjQ5MzAwMDBd:1uQx3e:s3cr3t-s1gnature"  # a made-up signed value


def gunicorn_config(**overrides: str) -> Config:
    """config/gunicorn.py as gunicorn loads it (the file run as a module, each known name set), then
    what the command line would override."""
    cfg = Config()
    for name, value in runpy.run_path(str(ROOT / "config" / "gunicorn.py")).items():
        if name in cfg.settings:
            cfg.set(name, value)
    for name, value in overrides.items():
        cfg.set(name, value)
    return cfg


def access_line(cfg: Config, capsys: pytest.CaptureFixture[str], target: str, referer: str = "-") -> str:
    """The access log line the web process writes for one GET of `target` that answered 200."""
    logger = cfg.logger_class(cfg)
    path, _, query = target.partition("?")
    environ = {
        "REQUEST_METHOD": "GET",
        "RAW_URI": target,
        "PATH_INFO": unquote(path),  # as gunicorn decodes it
        "QUERY_STRING": query,
        "SERVER_PROTOCOL": "HTTP/1.1",
        "REMOTE_ADDR": "127.0.0.1",
        "HTTP_REFERER": referer,
        "HTTP_USER_AGENT": "Mozilla/5.0",
    }
    request = SimpleNamespace(headers=[("HOST", "castfeed.example"), ("REFERER", referer)])
    response = SimpleNamespace(status="200 OK", sent=48213, headers=[("Content-Type", "video/mp4")])
    capsys.readouterr()
    try:
        logger.access(response, request, environ, dt.timedelta(milliseconds=12))
    finally:
        for handler in logger.access_log.handlers:
            handler.flush()
        for name in ("gunicorn.access", "gunicorn.error"):
            logging.getLogger(name).handlers.clear()
    return capsys.readouterr().out


def test_the_access_log_shows_a_draft_media_request_without_its_token(capsys: pytest.CaptureFixture[str]) -> None:
    target = f"/media/v/0f3c9a/video.mp4?t={TOKEN}"
    line = access_line(gunicorn_config(), capsys, target, referer=f"https://castfeed.example{target}")
    assert '"GET /media/v/0f3c9a/video.mp4?t=[redacted] HTTP/1.1" 200 48213' in line
    assert TOKEN not in line
    assert "s3cr3t" not in line


def test_other_query_parameters_stay_and_a_format_given_on_the_command_line_is_redacted_too(
    capsys: pytest.CaptureFixture[str],
) -> None:
    cfg = gunicorn_config(access_log_format='%(m)s %(U)s?%(q)s %(s)s "%({referer}i)s"')  # as tests/web's
    target = f"/api/v1/search?q=sunset&type=videos&%74={TOKEN}"  # `%74` is `t` to Django too
    line = access_line(cfg, capsys, target, referer=f"/media/v/0f3c9a/poster.jpg?t={TOKEN}&x=1")
    assert line.strip() == (
        'GET /api/v1/search?q=sunset&type=videos&%74=[redacted] 200 "/media/v/0f3c9a/poster.jpg?t=[redacted]&x=1"'
    )


@pytest.mark.django_db
def test_django_logs_a_refused_draft_url_by_its_path_only(client_of, me, make_video, settings, caplog) -> None:  # type: ignore[no-untyped-def]
    draft = make_video(me, publish=False)
    settings.CASTFEED_FEED = {**settings.CASTFEED_FEED, "DRAFT_MEDIA_URL_SECONDS": -1}
    expired = client_of(me).get(f"/api/v1/videos/{draft.pk}").json()["media_url"]
    token = expired.split("?t=")[1]
    with caplog.at_level(logging.INFO):
        assert Client().get(expired).status_code == 404
    logged = "\n".join(record.getMessage() for record in caplog.records)
    assert f"/media/v/{draft.media_key}/video.mp4" in logged
    assert token not in logged


TRACKING = "TD-7QX2-M4PK-Z9RB-C3VD"


def test_a_takedowns_tracking_number_is_redacted_in_the_path(capsys: pytest.CaptureFixture[str]) -> None:
    """The tracking number is the only key to the request of someone without an account."""
    cfg = gunicorn_config(access_log_format='%(r)s %(U)s %(s)s "%(f)s"')
    line = access_line(cfg, capsys, f"/api/v1/takedowns/{TRACKING}", referer=f"/api/v1/takedowns/{TRACKING}?x=1")
    assert line.strip() == (
        'GET /api/v1/takedowns/[redacted] HTTP/1.1 /api/v1/takedowns/[redacted] 200 "/api/v1/takedowns/[redacted]?x=1"'
    )
    challenges = access_line(cfg, capsys, "/api/v1/takedowns/challenges")
    assert "/api/v1/takedowns/challenges " in challenges


@pytest.mark.django_db
def test_django_logs_a_refused_tracking_number_redacted(caplog) -> None:  # type: ignore[no-untyped-def]
    with caplog.at_level(logging.INFO):
        assert Client().delete(f"/api/v1/takedowns/{TRACKING}").status_code in (404, 405)
        assert Client().get(f"/api/v1/takedowns/{TRACKING}").status_code == 404
    logged = "\n".join(record.getMessage() for record in caplog.records)
    assert "/api/v1/takedowns/[redacted]" in logged
    assert TRACKING not in logged


@pytest.mark.parametrize(
    "target",
    [
        f"/api/v1/takedown%73/{TRACKING}",  # Django decodes the path: the same request's status
        f"/api/v1/takedowns%2F{TRACKING}",
        f"/api/v1/takedowns/%20{TRACKING}",  # the view strips the number
        f"/api/v1/takedowns//{TRACKING}",  # a 404 that still names a live tracking number
        f"/api/v1/Takedowns/{TRACKING.lower()}",
        # Mistyped paths (404s) and parameters: a number shaped like one is redacted wherever it is.
        f"/api/v1/takedowns/{TRACKING};x=1",
        f"/api/v1/takedowns;x=1/{TRACKING}",
        f"/api/v1/takedown/{TRACKING}",
        f"/api/v1/takedown%2F{TRACKING}",
        f"/api/v1/takedowns/status/{TRACKING}",
        f"/api/v1/takedown/{TRACKING}garbage",
        f"/{TRACKING}",
        f"/removal/%54D%2D{TRACKING[3:]}",
        f"/api/v1/takedown/{TRACKING.replace('-', '')}",
    ],
)
def test_a_tracking_number_is_redacted_however_its_path_is_spelt(
    target: str, capsys: pytest.CaptureFixture[str]
) -> None:
    cfg = gunicorn_config(access_log_format='%(r)s %(U)s %(s)s "%(f)s"')
    line = access_line(cfg, capsys, target, referer=f"https://castfeed.example{target}?x=1")
    assert not any(group in line.upper() for group in TRACKING.split("-")[1:]), line
    assert line.count("[redacted]") >= 3, line  # the request line, the path and the Referer


def test_a_media_key_with_a_tracking_numbers_shape_inside_stays_whole(capsys: pytest.CaptureFixture[str]) -> None:
    """A draft's media key is random: about one in 300 holds "TD" and 16 letters or digits (CI met
    "H5TDZCMM3LYl967hMFoKwg"), and its log line lost them. A tracking number is a word of its own now:
    only a key that starts with one (about one in 1,700) still loses it, as a tracking number with
    more typed after it must."""
    cfg = gunicorn_config(access_log_format='%(r)s %(U)s %(s)s "%(f)s"')
    target = "/media/v/H5TDZCMM3LYl967hMFoKwg/video.mp4"
    line = access_line(cfg, capsys, target, referer=f"https://castfeed.example{target}")
    assert "[redacted]" not in line and line.count("H5TDZCMM3LYl967hMFoKwg") == 3, line


@pytest.mark.django_db
def test_django_logs_a_tracking_number_redacted_however_its_path_is_spelt(caplog) -> None:  # type: ignore[no-untyped-def]
    with caplog.at_level(logging.INFO):
        assert Client().get(f"/api/v1/takedowns//{TRACKING}").status_code == 404
        assert Client().get(f"/api/v1/TAKEDOWNS/{TRACKING}").status_code == 404
        assert Client().get(f"/api/v1/takedown/{TRACKING}").status_code == 404
        assert Client().get(f"/api/v1/takedowns;x=1/{TRACKING}").status_code == 404
        assert Client().get(f"/{TRACKING}").status_code == 404
    logged = "\n".join(record.getMessage() for record in caplog.records)
    assert TRACKING not in logged
    assert logged.count("[redacted]") == 5, logged


def test_the_development_servers_request_line_keeps_its_protocol() -> None:
    """`django.server` (runserver) logs the whole request line as one argument: only the tracking
    number goes, the protocol after it stays, and the challenges' path is not a tracking number."""
    from core.redaction import RedactSecretPaths

    def logged(line: str) -> str:
        record = logging.LogRecord("django.server", logging.INFO, __file__, 1, '"%s" %s %s', (line, 200, 10), None)
        RedactSecretPaths().filter(record)
        return record.getMessage()

    assert logged(f"GET /api/v1/takedowns/{TRACKING} HTTP/1.1") == '"GET /api/v1/takedowns/[redacted] HTTP/1.1" 200 10'
    assert (
        logged(f"GET /api/v1/takedowns/%20{TRACKING} HTTP/1.1") == '"GET /api/v1/takedowns/[redacted] HTTP/1.1" 200 10'
    )
    assert logged("POST /api/v1/takedowns/challenges HTTP/1.1") == '"POST /api/v1/takedowns/challenges HTTP/1.1" 200 10'


def test_a_redacted_request_line_writes_no_character_its_request_escaped(capsys: pytest.CaptureFixture[str]) -> None:
    """A path read decoded to find its tracking number is written escaped again where it must be: an
    escaped line break in a request is no second, forged line in the log."""
    cfg = gunicorn_config(access_log_format="%(r)s %(s)s")
    target = f"/api/v1/takedowns/{TRACKING}%0A127.0.0.1%20-%20-%20%22GET%20/forged%22"
    line = access_line(cfg, capsys, target)
    assert line.count("\n") == 1 and line.endswith("\n")
    assert TRACKING not in line
    assert line.startswith("GET /api/v1/takedowns/[redacted]%0A127.0.0.1 - - ")


def test_gunicorns_error_log_names_a_request_it_could_not_handle_redacted(capsys: pytest.CaptureFixture[str]) -> None:
    """gunicorn logs a request whose handling failed outside Django (a file's stream cut short) by its
    target, and a request line it could not read whole: redacted as the access log is."""
    logger = gunicorn_config().logger_class(gunicorn_config())
    capsys.readouterr()
    try:
        try:
            raise OSError("the file went away")
        except OSError:
            logger.exception("Error handling request %s %s", "GET", f"/media/v/0f3c9a/video.mp4?t={TOKEN}")
            logger.exception("Error handling request %s", f"/api/v1/takedowns/{TRACKING}")
        logger.warning(
            f"Invalid request from ip=203.0.113.9: Invalid HTTP Version: 'GET /api/v1/takedowns/{TRACKING} HTP'"
        )
    finally:
        for handler in logger.error_log.handlers:
            handler.flush()
        for name in ("gunicorn.access", "gunicorn.error"):
            logging.getLogger(name).handlers.clear()
    logged = capsys.readouterr().err
    assert "Error handling request GET /media/v/0f3c9a/video.mp4?t=[redacted]" in logged
    assert "Error handling request /api/v1/takedowns/[redacted]" in logged
    assert "/api/v1/takedowns/[redacted] HTP'" in logged
    assert TOKEN not in logged and TRACKING not in logged
