"""Background work through a real broker and a real worker process."""

import os

import pytest
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import transaction

from core import storage
from tests.worker import start_worker, wait_for

pytestmark = [pytest.mark.worker, pytest.mark.slow]


def test_files_are_deleted_by_the_worker_after_commit(celery_worker):
    names = [default_storage.save(f"videos/clip{i}.mp4", ContentFile(b"not really a video")) for i in range(2)]
    with transaction.atomic():
        storage.delete_after_commit(names)
        assert all(default_storage.exists(n) for n in names)  # nothing happens before commit
    wait_for(lambda: not any(default_storage.exists(n) for n in names), timeout=30, worker=celery_worker)
    assert "core.delete_stored_files" in celery_worker.output()


def test_a_rolled_back_deletion_keeps_the_files(celery_worker):
    name = default_storage.save("videos/keep.mp4", ContentFile(b"keep me"))
    with pytest.raises(RuntimeError), transaction.atomic():
        storage.delete_after_commit([name])
        raise RuntimeError("the deleting transaction failed")
    sentinel = default_storage.save("videos/sentinel.mp4", ContentFile(b"x"))
    storage.delete_after_commit([sentinel])  # outside a transaction: runs at once
    wait_for(lambda: not default_storage.exists(sentinel), timeout=30, worker=celery_worker)
    assert default_storage.exists(name)


def _processes_and_threads(pid: int) -> dict[int, list[int]]:
    """A process and its descendants (Linux /proc), each with its threads' ids."""
    from pathlib import Path

    found: dict[int, list[int]] = {}
    todo = [pid]
    while todo:
        current = todo.pop()
        tasks = Path(f"/proc/{current}/task")
        found[current] = [int(t.name) for t in tasks.iterdir()]
        for tid in found[current]:
            todo += [int(c) for c in (tasks / str(tid) / "children").read_text().split()]
    return found


@pytest.mark.skipif(not hasattr(os, "SCHED_IDLE"), reason="SCHED_IDLE is Linux's")
@pytest.mark.parametrize(("setting", "policy"), [("1", "SCHED_IDLE"), ("0", "SCHED_OTHER")])
def test_the_worker_runs_only_on_cores_nothing_else_wants(transactional_db, tmp_path, settings, setting, policy):
    # Its main process and every pool process and thread (a render's encoder threads too), so that a
    # web request or PostgreSQL waking up takes the core from a render at once; off, the worker keeps
    # the ordinary policy and only supervisord's nice.
    worker = start_worker(settings, tmp_path / "worker.log", CASTFEED_WORKER_IDLE_PRIORITY=setting)
    try:
        tree = _processes_and_threads(worker.process.pid)
        assert len(tree) >= 2, "the pool's processes"
        policies = {os.sched_getscheduler(tid) for threads in tree.values() for tid in threads}
        assert policies == {getattr(os, policy)}
    finally:
        worker.stop()
