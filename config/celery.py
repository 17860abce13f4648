"""The Celery application: settings come from Django's (CELERY_* names), tasks from each app.

Each worker process keeps its temporary files (tempfile: enrollment and takedown checks, uploads
copied for decoding) in its own folder under CASTFEED_GENERATION["WORK_DIR"], `worker-<host>-<pid>`,
never in /tmp: a worker that is killed leaves them there, and the requeue sweep (worker_tmp_sweep)
removes the folders of processes that are gone.
"""

import os
import shutil
import socket
import tempfile
from pathlib import Path
from typing import Any

from celery import Celery
from celery.signals import task_prerun, worker_process_init

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.base")

app = Celery("castfeed")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()

_PREFIX = "worker-"


def _work_dir() -> Path:
    from django.conf import settings

    return Path(settings.CASTFEED_GENERATION["WORK_DIR"])


@worker_process_init.connect
def _process_tmp(**_: Any) -> None:
    """A pool process: its temporary files go to its own folder."""
    folder = _work_dir() / f"{_PREFIX}{socket.gethostname()}-{os.getpid()}"
    folder.mkdir(parents=True, exist_ok=True)
    tempfile.tempdir = str(folder)


@task_prerun.connect
def _tmp_exists(**_: Any) -> None:
    """The folder may have been swept while the process was idle: made again before each task."""
    if tempfile.tempdir and Path(tempfile.tempdir).name.startswith(_PREFIX):
        os.makedirs(tempfile.tempdir, exist_ok=True)


def worker_tmp_sweep() -> int:
    """Remove the temporary folders of this machine's worker processes that are gone; how many."""
    root = _work_dir()
    if not root.is_dir():
        return 0
    here = f"{_PREFIX}{socket.gethostname()}-"
    removed = 0
    for entry in root.glob(f"{here}*"):
        pid = entry.name.removeprefix(here)
        if pid.isdigit() and not _alive(int(pid)):
            shutil.rmtree(entry, ignore_errors=True)
            removed += 1
    return removed


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # someone else's process
        return True
    return True
