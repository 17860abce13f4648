"""What a web process does before its first request (config/gunicorn.py post_worker_init): the
protected-name index is built, the protected faces read, every view imported, and all of it frozen out of the garbage
collector's full collections. Run in a fresh interpreter, as a gunicorn worker is."""

import json
import os
import subprocess
import sys

import pytest

from tests.worker import ROOT, _database_url

pytestmark = [pytest.mark.slow]

PROBE = """
import gc, json, sys, django
django.setup()
from config import gunicorn
from moderation import selectors
before = len(gc.get_objects())
gunicorn.post_worker_init(None)
print(json.dumps({
    "before": before,
    "frozen": gc.get_freeze_count(),
    "walked": len(gc.get_objects()),
    "views": "cameos.apis" in sys.modules and "feed.apis" in sys.modules,
    "index": bool(selectors._state),
    "faces": "faces" in selectors._faces_cache,
}))
"""


def test_a_web_process_freezes_what_it_loaded_before_its_first_request(transactional_db, settings):
    result = subprocess.run(  # noqa: S603 - our own interpreter
        [sys.executable, "-c", PROBE],
        cwd=ROOT,
        env={
            **os.environ,
            "DJANGO_SETTINGS_MODULE": "config.settings.test",
            "DATABASE_URL": _database_url(),
            "CASTFEED_VAR_DIR": str(settings.VAR_DIR),
        },
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    state = json.loads(result.stdout.strip().splitlines()[-1])
    assert state["index"] and state["faces"]  # read before the first request needs them
    assert state["views"]  # imported before the first request, so frozen with the rest
    assert state["frozen"] > state["before"]  # the views and the index besides what django.setup loaded
    assert state["walked"] < state["frozen"] / 20  # what a full collection still walks: almost nothing
