"""The web client's shell: `/` serves one HTML page that loads the app as an ES module, under a strict
Content-Security-Policy, and every other route keeps working."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from django.contrib.staticfiles import finders
from django.urls import resolve

STATIC = Path(__file__).resolve().parents[2] / "web" / "static" / "web"


@pytest.fixture
def shell(client):  # type: ignore[no-untyped-def]
    return client.get("/")


def test_the_shell_loads_the_app_module(shell) -> None:  # type: ignore[no-untyped-def]
    assert shell.status_code == 200
    assert shell["Content-Type"].startswith("text/html")
    html = shell.content.decode()
    assert '<script type="module" src="/static/web/app.js"></script>' in html
    assert '<link rel="stylesheet" href="/static/web/app.css">' in html
    assert '<meta name="viewport" content="width=device-width, initial-scale=1' in html
    assert '<html lang="en">' in html
    # Nothing inline: every script has a src, and there is no style attribute or element.
    assert not re.search(r"<script(?![^>]*\bsrc=)[^>]*>", html)
    assert "style=" not in html and "<style" not in html
    assert 'id="main"' in html and "<noscript>" in html


def test_the_shell_sends_security_headers(shell) -> None:  # type: ignore[no-untyped-def]
    policy = dict(item.strip().split(" ", 1) for item in shell["Content-Security-Policy"].split(";"))
    assert policy["default-src"] == "'self'"
    assert policy["script-src"] == "'self'"
    assert policy["style-src"] == "'self'"
    assert policy["connect-src"] == "'self'"
    assert policy["object-src"] == "'none'"
    assert policy["frame-ancestors"] == "'none'"
    assert "unsafe" not in shell["Content-Security-Policy"]
    assert "blob:" in policy["media-src"]  # the webcam recording is reviewed from a blob: URL
    assert shell["X-Frame-Options"] == "DENY"
    assert shell["X-Content-Type-Options"] == "nosniff"
    assert shell["Referrer-Policy"] == "same-origin"
    assert "camera=(self)" in shell["Permissions-Policy"]
    assert "no-store" in shell["Cache-Control"]


def test_only_reads_are_allowed(client) -> None:  # type: ignore[no-untyped-def]
    assert client.head("/").status_code == 200
    assert client.post("/").status_code == 405


def test_other_routes_still_answer(client) -> None:  # type: ignore[no-untyped-def]
    assert resolve("/").url_name == "web-shell"
    assert resolve("/healthz").url_name == "healthz"
    assert resolve("/api/v1/feed").url_name == "feed-for-you"
    assert resolve("/admin/").app_name == "admin"
    assert resolve("/media/v/key/video.mp4").url_name == "media-file"
    response = client.get("/api/v1/me")
    assert response.status_code == 401
    assert response.json()["error"] == "not_authenticated"


def test_every_module_the_app_imports_is_a_static_file() -> None:
    """A broken import would leave a blank page: each relative import resolves to a file that
    Django's static finders serve."""
    assert finders.find("web/app.js") and finders.find("web/app.css") and finders.find("web/icon.svg")
    modules = sorted(STATIC.rglob("*.js"))
    assert len(modules) >= 10
    for module in modules:
        for target in re.findall(r'^\s*(?:import|export)\b[^;]*?from\s+"(\.{1,2}/[^"]+)"', module.read_text(), re.M):
            assert (module.parent / target).resolve().is_file(), (
                f"{module.relative_to(STATIC)} imports missing {target}"
            )
