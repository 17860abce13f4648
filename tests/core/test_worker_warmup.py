"""Each Celery pool process (config/celery.py warm_up, on worker_process_init): torch limited to
CASTFEED_WORKER_TORCH_THREADS threads, the checking step's model (MiniLM) and the enrollment's voice
models (the digit readers, the speaker encoder) loaded when it starts rather than on its first job,
and its batch loops pausing below CASTFEED_WORKER_HOST_IDLE (core.pacing), on the board the worker's
main process shares with its pool (work a person waits on). Run in a fresh interpreter, as a pool
process is: torch not yet imported."""

import json
import os
import subprocess
import sys

import pytest

from tests.worker import ROOT, _database_url

pytestmark = [pytest.mark.slow]

# What a pool process does when it starts, then what it holds once its warm-up thread is done.
PROBE = """
import json, threading, django
django.setup()
from celery.signals import worker_init, worker_process_init
import config.celery
worker_init.send(sender=None)  # the main process, before the pool (CASTFEED_WORKER_IDLE_PRIORITY=0 here)
worker_process_init.send(sender=None)
for thread in threading.enumerate():
    if thread.name == "warm-up":
        thread.join(120)
import torch
from core import pacing
from moderation import selectors
from core.sentences import model
from cameos.likeness import voice
held = {"threads": torch.get_num_threads(), "model": model.cache_info().currsize, "host_idle": pacing._pacer.min_idle,
        "voice": voice._decoders.cache_info().currsize + voice._encoder.cache_info().currsize,
        "board": pacing._board.cells is not None, "names": bool(selectors._state),
        "faces": "faces" in selectors._faces_cache}
print(json.dumps(held))
"""


def _pool_process(**env: str) -> dict[str, float]:
    result = subprocess.run(  # noqa: S603 - our own interpreter
        [sys.executable, "-c", PROBE],
        cwd=ROOT,
        env={
            **os.environ,
            "DJANGO_SETTINGS_MODULE": "config.settings.test",
            "CASTFEED_WORKER_IDLE_PRIORITY": "0",
            **env,
        },
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    return json.loads(result.stdout.strip().splitlines()[-1])


def test_a_pool_process_starts_with_its_thread_limit_and_the_model_loaded(tmp_path):
    # torch's own default is one thread per core (2 in CI); torch never goes above the core count.
    held = _pool_process(
        CASTFEED_WORKER_TORCH_THREADS="1",
        CASTFEED_WORKER_WARMUP="1",
        CASTFEED_WORKER_HOST_IDLE="0.25",
        DATABASE_URL=f"sqlite:///{tmp_path / 'empty.sqlite3'}",  # no tables: the index's step fails alone
    )
    assert held == {
        "threads": 1,
        "model": 1,
        "voice": 2,
        "host_idle": 0.25,
        "board": True,
        "names": False,
        "faces": False,
    }


def test_without_warm_up_the_model_waits_for_the_first_job(tmp_path):
    held = _pool_process(
        CASTFEED_WORKER_TORCH_THREADS="1",
        CASTFEED_WORKER_WARMUP="0",
        CASTFEED_WORKER_HOST_IDLE="0",
        DATABASE_URL=f"sqlite:///{tmp_path / 'empty.sqlite3'}",
    )
    assert held == {
        "threads": 1,
        "model": 0,
        "voice": 0,
        "host_idle": 0.0,
        "board": True,
        "names": False,
        "faces": False,
    }


def test_a_pool_process_builds_the_protected_name_index_when_it_starts(transactional_db):
    # A fresh process's first job built it in its checking step: 6 s at a million names.
    held = _pool_process(CASTFEED_WORKER_TORCH_THREADS="1", CASTFEED_WORKER_WARMUP="1", DATABASE_URL=_database_url())
    assert held["names"] is True and held["model"] == 1 and held["faces"] is True
