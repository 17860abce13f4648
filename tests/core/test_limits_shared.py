"""Rate limits hold across processes and restarts: web processes started apart from the test (as
gunicorn's workers are) share one budget, and a process started later sees the counts so far.
Each runs on the database store (SQLite by default, PostgreSQL when DATABASE_URL says so) and on
Redis (when REDIS_URL is set)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from accounts.models import User
from core.models import RateCounter
from core.throttling import REDIS_PREFIX, _redis, count_hit
from tests.worker import _database_url

ROOT = Path(__file__).resolve().parent.parent.parent

# slow: starts web processes; the counting itself is covered in-process (tests/core/test_throttling.py)
pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.slow]

REGISTER = """
import json
from django.test import Client
client = Client(REMOTE_ADDR="203.0.113.9")
codes = [
    client.post(
        "/api/v1/auth/register",
        {"handle": f"proc{TAG}.n{i}", "password": "correct-horse-battery-staple", "birthdate": "1990-05-17"},
        content_type="application/json",
    ).status_code
    for i in range(ATTEMPTS)
]
print("RESULT", json.dumps(codes))
"""

HIT = """
import json
from core.throttling import count_hit
print("RESULT", json.dumps(count_hit("restart.probe", ttl=3600)))
"""


@pytest.fixture(params=["database", pytest.param("redis", marks=pytest.mark.redis)])
def store(request, settings) -> str:  # type: ignore[no-untyped-def]
    """REDIS_URL for this test and the processes it starts: empty for the database store."""
    url = ""
    if request.param == "redis":
        url = os.environ["REDIS_URL"]  # marked `redis`: skipped before it gets here without one
    settings.REDIS_URL = url
    return url


def start(settings, code: str, redis_url: str, **env: str) -> subprocess.Popen[str]:  # type: ignore[no-untyped-def]
    """A separate Django process on the test's database (`manage.py shell -c`), as a web worker is."""
    return subprocess.Popen(  # noqa: S603 - our own manage.py
        [sys.executable, "manage.py", "shell", "-c", code],
        cwd=ROOT,
        env={
            **os.environ,
            "DJANGO_SETTINGS_MODULE": "config.settings.test",
            "DATABASE_URL": _database_url(),
            "CASTFEED_VAR_DIR": str(settings.VAR_DIR),
            "REDIS_URL": redis_url,
            **env,
        },
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def result(process: subprocess.Popen[str]) -> object:
    out, err = process.communicate(timeout=180)
    lines = [line for line in out.splitlines() if line.startswith("RESULT ")]
    assert process.returncode == 0 and lines, err[-3000:]
    return json.loads(lines[-1].removeprefix("RESULT "))


def test_two_web_processes_share_one_registration_budget(settings, store):
    limit, attempts = 4, 4  # each process alone would be allowed them all
    processes = [
        start(
            settings,
            REGISTER.replace("TAG", repr(tag)).replace("ATTEMPTS", str(attempts)),
            store,
            CASTFEED_CORE_THROTTLE_RATES=json.dumps({"register": f"{limit}/day"}),
        )
        for tag in ("a", "b")
    ]
    codes = [code for process in processes for code in result(process)]  # type: ignore[attr-defined]

    assert sorted(codes) == [201] * limit + [429] * (2 * attempts - limit)
    assert User.objects.filter(handle__startswith="proc").count() == limit


def test_a_counter_survives_a_restart(settings, store):
    assert [count_hit("restart.probe", ttl=3600) for _ in range(2)] == [1, 2]
    assert result(start(settings, HIT, store)) == 3  # a new process goes on from where this one is
    assert count_hit("restart.probe", ttl=3600) == 4  # and this one sees its hit
    if store:
        assert int(_redis(store).get(REDIS_PREFIX + "restart.probe")) == 4
    else:
        assert RateCounter.objects.get(key="restart.probe").count == 4
