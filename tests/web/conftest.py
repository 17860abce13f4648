"""Browser tests: the real app (gunicorn + a Celery worker on the embedded default) in a subprocess,
driven by Debian's Chromium through Playwright, with a fake camera.

Screenshots of every screen are saved under var/test-artifacts/web/<run>/ (CASTFEED_TEST_ARTIFACTS
overrides it); the path is printed at the end of the run. Any console error or uncaught page error
fails the test, except HTTP errors a step declares it expects (a refusal is a 403 by design).
"""

from __future__ import annotations

import contextlib
import json
import os
import re
import shutil
import signal
import socket
import sqlite3
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import CHROMIUM

ROOT = Path(__file__).resolve().parents[2]
# What the app subprocess must not inherit: the suite's own services and settings.
NOT_INHERITED = (
    "DATABASE_URL",
    "CELERY_BROKER_URL",
    "REDIS_URL",
    "CASTFEED_REQUIRE_SERVICES",
    "CASTFEED_VAR_DIR",
    "DJANGO_SETTINGS_MODULE",
    "DJANGO_DEBUG",
    "SECRET_KEY",
    "MEDIA_ROOT",
    "CELERY_TASK_ALWAYS_EAGER",
)
_artifacts: list[Path] = []
_shots = [0]  # screenshots are numbered across the run


def pytest_terminal_summary(terminalreporter: Any) -> None:
    for path in _artifacts:
        terminalreporter.write_line(f"browser test screenshots: {path}")


# --- the app ---------------------------------------------------------------------------------------


@dataclass
class LiveApp:
    url: str
    var: Path
    logs: dict[str, Path]

    def log_tail(self, chars: int = 3000) -> str:
        return "\n".join(
            f"--- {name} ---\n{path.read_text(errors='replace')[-chars:]}" for name, path in self.logs.items()
        )

    def call(self, method: str, path: str, body: dict[str, Any] | None = None, token: str | None = None) -> Any:
        """The API, directly (for setup and checks that need no screen)."""
        request = urllib.request.Request(  # noqa: S310 (our own http://127.0.0.1 app)
            f"{self.url}api/v1{path}", method=method, data=json.dumps(body).encode() if body is not None else None
        )
        request.add_header("Content-Type", "application/json")
        if token:
            request.add_header("Authorization", f"Bearer {token}")
        with urllib.request.urlopen(request, timeout=20) as response:  # noqa: S310
            data = response.read()
            return json.loads(data) if data else None


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _stop(process: subprocess.Popen[bytes], how: signal.Signals = signal.SIGTERM) -> None:
    with contextlib.suppress(ProcessLookupError):
        os.killpg(process.pid, how)
    try:
        process.wait(timeout=15)
    except subprocess.TimeoutExpired:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGKILL)
        process.wait(timeout=5)


def _manage(command: list[str], env: dict[str, str]) -> None:
    done = subprocess.run(  # noqa: S603 (our own command)
        [sys.executable, "manage.py", *command], cwd=ROOT, env=env, capture_output=True, text=True, timeout=300
    )
    assert done.returncode == 0, f"manage.py {' '.join(command)}:\n{done.stdout}{done.stderr}"


_template: list[Path] = []  # the database `migrate` made for this session's first app


def _migrated_database(var: Path, env: dict[str, str]) -> None:
    """A freshly migrated embedded database in `var`: `migrate` runs for the session's first app (6 s),
    and the others start from a copy of the database it made."""
    database = var / "castfeed.sqlite3"
    if _template:
        _copy_database(_template[0], database)
        return
    _manage(["migrate", "--noinput"], env)
    _template.append(var.parent / f"migrated-{var.name}.sqlite3")
    _copy_database(database, _template[0])


def _copy_database(source: Path, target: Path) -> None:
    """SQLite's online backup: whole, with what is still in the source's write-ahead log."""
    with contextlib.closing(sqlite3.connect(source)) as read, contextlib.closing(sqlite3.connect(target)) as write:
        read.backup(write)


@contextlib.contextmanager
def running_app(var: Path, *, worker: bool = True, setup: tuple[list[str], ...] = ()) -> Iterator[LiveApp]:
    """The app as `make run` starts it (gunicorn and a Celery worker for every queue), on the
    embedded default (SQLite, filesystem broker, media) in `var`, on a free port. `setup`: manage.py
    commands to run after migrating."""
    env = {k: v for k, v in os.environ.items() if k not in NOT_INHERITED}
    env |= {
        "DJANGO_SETTINGS_MODULE": "config.settings.base",
        "DJANGO_DEBUG": "1",
        "CASTFEED_VAR_DIR": str(var),
        "PYTHONUNBUFFERED": "1",
    }
    _migrated_database(var, env)
    for command in setup:
        _manage(command, env)
    bin_dir = Path(sys.executable).parent
    port = _free_port()
    commands = {
        "web": [
            str(bin_dir / "gunicorn"), "-c", "config/gunicorn.py", "config.wsgi",
            "--bind", f"127.0.0.1:{port}", "--workers", "2",
            "--threads", "4", "--graceful-timeout", "5", "--worker-tmp-dir", "/dev/shm",  # noqa: S108 (as bin/run)
            "--access-logfile", "-", "--access-logformat", '%(m)s %(U)s%(q)s %(s)s %(B)s %(M)sms',
        ],
        "worker": [
            str(bin_dir / "celery"), "-A", "config", "worker", "--queues", "default,generation",
            "--concurrency", "2", "--loglevel", "INFO", "--without-gossip", "--without-mingle",
        ],
    }  # fmt: skip
    if not worker:
        del commands["worker"]
    logs = {name: var / f"{name}.log" for name in commands}
    processes = []
    try:
        for name, command in commands.items():
            with logs[name].open("wb") as log:
                process = subprocess.Popen(  # noqa: S603 (our own commands)
                    command, cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True
                )
                processes.append(process)
        app = LiveApp(url=f"http://127.0.0.1:{port}/", var=var, logs=logs)
        deadline = time.monotonic() + 90
        while True:
            try:
                with urllib.request.urlopen(f"{app.url}healthz", timeout=2) as response:  # noqa: S310
                    if response.status == 200:
                        break
            except OSError:
                pass
            if time.monotonic() > deadline or any(p.poll() is not None for p in processes):
                pytest.fail(f"the app did not start:\n{app.log_tail()}")
            time.sleep(0.3)
        yield app
    finally:
        # The worker's cold shutdown (SIGQUIT): its warm one waits 4-9 s for its pool, and what it
        # would finish is thrown away with the app.
        for name, process in zip(commands, processes, strict=False):
            _stop(process, signal.SIGQUIT if name == "worker" else signal.SIGTERM)


@pytest.fixture(scope="session")
def live_app(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveApp]:
    """The app with a worker, empty: the tests make everything in it through the browser."""
    with running_app(tmp_path_factory.mktemp("web-app")) as app:
        yield app


@pytest.fixture(scope="session")
def seeded_app(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveApp]:
    """A second app, filled by `manage.py seed` with published videos (small real MP4 files) by a
    dozen people: more than two pages of feed."""
    seed = ["seed", "--users", "12", "--follows", "30", "--blocks", "0", "--videos", "45", "--likes", "80",
            "--views", "0", "--comments", "20", "--days", "2"]  # fmt: skip
    with running_app(tmp_path_factory.mktemp("web-seeded"), worker=False, setup=(seed,)) as app:
        yield app


# --- the browser -----------------------------------------------------------------------------------


@pytest.fixture(scope="session")
def chromium() -> str:
    # Without Chromium the `browser` tests are skipped before they start (tests/conftest.py decides).
    return shutil.which(CHROMIUM) or CHROMIUM


@pytest.fixture(scope="session")
def camera_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    from tests.web.camera import write_still

    return write_still(tmp_path_factory.mktemp("camera") / "camera.y4m")


@pytest.fixture(scope="session")
def microphone_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The fake microphone: silence (a WAV Chromium reads when a page opens it). Speech is said into
    its track when a recording starts (tests/web/camera.py)."""
    from tests.web.camera import write_silence

    return write_silence(tmp_path_factory.mktemp("microphone") / "microphone.wav")


@pytest.fixture(scope="session")
def browser(chromium: str, camera_file: Path, microphone_file: Path) -> Iterator[Any]:
    sync_api = pytest.importorskip(
        "playwright.sync_api", reason="Playwright is a dev dependency (pip install -e '.[dev]')"
    )
    with sync_api.sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=chromium,
            args=[
                "--use-fake-device-for-media-stream",
                "--use-fake-ui-for-media-stream",
                f"--use-file-for-fake-video-capture={camera_file}",
                f"--use-file-for-fake-audio-capture={microphone_file}",
                "--disable-dev-shm-usage",  # CI containers often have a small /dev/shm
            ],
        )
        yield browser
        browser.close()


@pytest.fixture(scope="session")
def artifacts() -> Path:
    base = Path(os.environ.get("CASTFEED_TEST_ARTIFACTS", ROOT / "var" / "test-artifacts" / "web"))
    run = base / time.strftime("%Y%m%d-%H%M%S")
    run.mkdir(parents=True, exist_ok=True)
    for old in sorted(p for p in base.iterdir() if p.is_dir())[:-5]:  # keep the last five runs
        shutil.rmtree(old, ignore_errors=True)
    _artifacts.append(run)
    return run


FAILED_LOAD = re.compile(r"Failed to load resource: the server responded with a status of (\d+)")
MOBILE = {"width": 360, "height": 740}
DESKTOP = {"width": 1280, "height": 800}


@dataclass
class Person:
    """One person in one browser context, with their page's console watched."""

    name: str
    page: Any
    app: LiveApp
    folder: Path
    counter: list[int]
    viewport: dict[str, int]
    problems: list[str] = field(default_factory=list)
    expected: list[tuple[int, re.Pattern[str]]] = field(default_factory=list)
    handle: str = ""

    def watch(self) -> None:
        self.page.on("console", self._console)
        self.page.on("pageerror", lambda error: self.problems.append(f"page error: {error}"))

    def _console(self, message: Any) -> None:
        if message.type != "error":
            return
        url = (message.location or {}).get("url", "")
        failed = FAILED_LOAD.match(message.text)
        if failed and any(status == int(failed.group(1)) and p.search(url) for status, p in self.expected):
            return
        self.problems.append(f"console error: {message.text} {url}".strip())

    @contextlib.contextmanager
    def expecting_http_error(self, status: int, path: str) -> Iterator[None]:
        """A step in which the app receives this HTTP error by design (a refusal, a 404 probe)."""
        item = (status, re.compile(re.escape(path) + r"(\?|$)"))
        self.expected.append(item)
        try:
            yield
        finally:
            self.page.wait_for_timeout(300)  # console messages arrive asynchronously
            self.expected.remove(item)

    def check(self) -> None:
        assert not self.problems, f"{self.name}'s page reported errors:\n" + "\n".join(self.problems)

    def shot(self, label: str, show: Any = None) -> Path:
        """Screenshot the screen (scrolled to `show`, a locator, if given), fail on console errors,
        and at phone width on any horizontal overflow."""
        if show is not None:
            show.evaluate("el => el.scrollIntoView({block: 'center'})")
        self.page.wait_for_timeout(250)  # let transitions settle
        self.counter[0] += 1
        path = self.folder / f"{self.counter[0]:02d}-{self.name}-{label}.png"
        self.page.screenshot(path=str(path))
        self.check()
        if self.viewport["width"] <= 400:
            overflow = self.page.evaluate(
                "() => [document.documentElement.scrollWidth - innerWidth,"
                " document.getElementById('main').scrollWidth - document.getElementById('main').clientWidth]"
            )
            assert max(overflow) <= 0, (
                f"{label}: wider than the {self.viewport['width']} px screen by {max(overflow)} px"
            )
        return path

    def go(self, route: str) -> None:
        self.page.goto(f"{self.app.url}#{route}")
        self.page.wait_for_selector("main h1")


@pytest.fixture
def people(browser: Any, artifacts: Path, request: pytest.FixtureRequest) -> Iterator[Any]:
    """make(name, viewport, app) → a Person on a page of their own (contexts share no storage), on
    `app` (default: live_app)."""
    contexts = []
    apps: list[LiveApp] = []

    def make(name: str, viewport: dict[str, int] = MOBILE, app: LiveApp | None = None, **options: Any) -> Person:
        app = app or request.getfixturevalue("live_app")
        context = browser.new_context(viewport=viewport, permissions=["camera"], base_url=app.url, **options)
        context.set_default_timeout(20_000)
        contexts.append(context)
        apps.append(app)
        person = Person(name, context.new_page(), app, artifacts, _shots, viewport)
        person.watch()
        return person

    yield make
    report = getattr(request.node, "report_call", None)
    if report is not None and report.failed:
        # What each person's screen showed when the test failed, and what the app logged.
        for number, context in enumerate(contexts, 1):
            for page in context.pages:
                with contextlib.suppress(Exception):
                    page.screenshot(path=str(artifacts / f"FAILED-{request.node.name}-{number}.png"))
        for app in {id(app): app for app in apps}.values():
            print(f"\n--- logs of the app at {app.url} at the failure ---\n{app.log_tail(6000)}")
    for context in contexts:
        context.close()


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: Any) -> Iterator[None]:
    outcome = yield
    report = outcome.get_result()
    if report.when == "call":
        item.report_call = report  # type: ignore[attr-defined]
