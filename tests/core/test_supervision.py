"""`make run`'s processes under supervisord (bin/run, config/supervisord.conf): a crashed worker is
started again while the web server keeps answering, there is always exactly one scheduler (beat), and
stopping it (Ctrl-C) leaves no process behind.

It starts the real bin/run on the embedded default (SQLite, the filesystem broker) in a fresh var/
folder on a free port."""

import os
import signal
import socket
import subprocess
import sys
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.worker import ROOT, wait_for

pytestmark = [pytest.mark.worker, pytest.mark.slow]


class Run:
    def __init__(self, process: subprocess.Popen[bytes], log: Path, var: Path, env: dict[str, str], port: int):
        self.process, self.log, self.var, self.env, self.port = process, log, var, env, port

    def output(self) -> str:
        return self.log.read_text(errors="replace")

    def ctl(self, *args: str) -> str:
        result = subprocess.run(  # noqa: S603 - our own supervisorctl
            [str(Path(sys.executable).parent / "supervisorctl"), "-c", "config/supervisord.conf", *args],
            cwd=ROOT,
            env=self.env,
            capture_output=True,
            text=True,
            timeout=30,
        )
        return result.stdout.strip()

    def pid(self, program: str) -> int:
        value = self.ctl("pid", program)
        return int(value) if value.isdigit() else 0

    def healthy(self) -> bool:
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{self.port}/healthz", timeout=5) as response:
                return response.status == 200
        except OSError:
            return False

    def processes(self) -> list[tuple[int, str]]:
        """Every live process started for this run (they all carry its var/ folder in their environment)."""
        found = []
        marker = f"CASTFEED_VAR_DIR={self.var}".encode()
        for entry in Path("/proc").iterdir():
            if not entry.name.isdigit():
                continue
            try:
                if marker in (entry / "environ").read_bytes().split(b"\0"):
                    found.append((int(entry.name), (entry / "cmdline").read_bytes().replace(b"\0", b" ").decode()))
            except OSError:  # gone meanwhile, or not ours to read
                continue
        return [(pid, cmd) for pid, cmd in found if pid != os.getpid() and "supervisorctl" not in cmd]

    def beats(self) -> list[int]:
        return [pid for pid, cmd in self.processes() if " beat " in cmd and "celery" in cmd]


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.fixture
def run(tmp_path: Path) -> Iterator[Run]:
    var = tmp_path / "var"
    port = _free_port()
    env = {
        k: v
        for k, v in os.environ.items()
        if k not in {"DATABASE_URL", "CELERY_BROKER_URL", "REDIS_URL", "DJANGO_SETTINGS_MODULE", "MEDIA_ROOT"}
    }
    env.update(
        CASTFEED_VAR_DIR=str(var),
        DJANGO_DEBUG="1",
        PORT=str(port),
        HOST="127.0.0.1",
        WEB_WORKERS="1",
        WEB_THREADS="2",
        WORKER_CONCURRENCY="1",
        VENV=str(Path(sys.executable).parent.parent),
    )
    subprocess.run(
        [sys.executable, "manage.py", "migrate", "--noinput", "-v", "0"], cwd=ROOT, env=env, check=True, timeout=300
    )
    log = tmp_path / "run.log"
    process = subprocess.Popen(  # noqa: S603 - our own bin/run
        [str(ROOT / "bin" / "run")],
        cwd=ROOT,
        env=env,
        stdout=log.open("wb"),
        stderr=subprocess.STDOUT,
        start_new_session=True,  # a terminal's process group: Ctrl-C goes to all of it
    )
    started = Run(process, log, var, env, port)
    try:
        yield started
    finally:
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGTERM)
            try:
                process.wait(timeout=60)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)
        for pid, _ in started.processes():  # never leave a test's processes behind
            os.kill(pid, signal.SIGKILL)


def _up(run: Run) -> bool:
    return "castfeed is running at" in run.output() or run.process.poll() is not None


def test_make_run_restarts_a_killed_worker_keeps_one_beat_and_stops_everything(run: Run):
    wait_for(lambda: _up(run), timeout=240)
    out = run.output()
    assert run.process.poll() is None, out[-4000:]
    assert f"castfeed is running at http://127.0.0.1:{run.port}/" in out
    assert run.healthy()
    assert len(run.beats()) == 1  # the scheduler is its own program, not inside the worker
    web, worker, beat = run.pid("web"), run.pid("worker"), run.pid("beat")
    assert web and worker and beat

    # The worker dies (SIGKILL, no cleanup): supervisord starts a new one; the web server never stopped.
    os.kill(worker, signal.SIGKILL)
    wait_for(lambda: run.pid("worker") not in (0, worker), timeout=60)
    assert run.healthy() and run.pid("web") == web
    restarted = run.pid("worker")
    wait_for(lambda: run.output().count(" ready.") >= 2, timeout=120)  # the new worker consumes again
    # supervisord calls it RUNNING once it has stayed up `startsecs`, which may come after " ready.".
    wait_for(lambda: "RUNNING" in run.ctl("status", "worker"), timeout=30)
    assert run.pid("worker") == restarted

    # The scheduler dies: exactly one again, never two.
    os.kill(beat, signal.SIGKILL)
    wait_for(lambda: run.pid("beat") not in (0, beat), timeout=60)
    wait_for(lambda: len(run.beats()) == 1 and beat not in run.beats(), timeout=30)
    assert run.healthy()

    # Ctrl-C: the whole process group gets SIGINT; everything stops, nothing is left.
    assert len(run.processes()) >= 4  # supervisord, web, worker, beat (with their children)
    os.killpg(run.process.pid, signal.SIGINT)
    run.process.wait(timeout=90)
    wait_for(lambda: not run.processes(), timeout=30)
    assert not run.healthy()
    assert not (run.var / "run" / "supervisord.pid").exists()
