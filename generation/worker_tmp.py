"""Each Celery worker process keeps its temporary files (tempfile: enrollment and takedown checks,
uploads copied for decoding) in its own folder under generation.conf's WORK_DIR, `worker-<host>-<pid>`,
never in /tmp: a worker that is killed leaves them there, and the requeue sweep (worker_tmp_sweep)
removes the folders of processes that are gone.

Connected to Celery's signals when imported: generation.tasks imports it, and every worker imports
the tasks before it starts its pool processes.
"""

from __future__ import annotations

import os
import shutil
import socket
import tempfile
from pathlib import Path
from typing import Any

from celery.signals import task_prerun, worker_process_init

from generation.conf import conf

_PREFIX = "worker-"


@worker_process_init.connect
def _process_tmp(**_: Any) -> None:
    """A pool process: its temporary files go to its own folder."""
    folder = conf().work_folder / f"{_PREFIX}{socket.gethostname()}-{os.getpid()}"
    folder.mkdir(parents=True, exist_ok=True)
    tempfile.tempdir = str(folder)


@task_prerun.connect
def _tmp_exists(**_: Any) -> None:
    """The folder may have been swept while the process was idle: made again before each task."""
    if tempfile.tempdir and Path(tempfile.tempdir).name.startswith(_PREFIX):
        os.makedirs(tempfile.tempdir, exist_ok=True)


def worker_tmp_sweep() -> int:
    """Remove the temporary folders of this machine's worker processes that are gone; how many."""
    root = conf().work_folder
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
