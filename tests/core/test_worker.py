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


def _policies(pid: int) -> tuple[int, set[int]]:
    """How many processes there are in `pid`'s tree, and the scheduling policies of all their threads
    (Linux /proc; a thread that ends while it is read is left out)."""
    from pathlib import Path

    processes, policies, todo = 0, set(), [pid]
    while todo:
        tasks = Path(f"/proc/{todo.pop()}/task")
        processes += 1
        for task in tasks.iterdir():
            try:
                policies.add(os.sched_getscheduler(int(task.name)))
                todo += [int(c) for c in (task / "children").read_text().split()]
            except (FileNotFoundError, ProcessLookupError):
                continue
    return processes, policies


@pytest.mark.skipif(
    not hasattr(os, "SCHED_IDLE") or not os.path.exists(f"/proc/{os.getpid()}/task/{os.getpid()}/children"),
    reason="SCHED_IDLE and /proc's children lists are Linux's",
)
@pytest.mark.parametrize(("setting", "policy"), [("1", "SCHED_IDLE"), ("0", "SCHED_OTHER")])
def test_the_worker_runs_only_on_cores_nothing_else_wants(transactional_db, tmp_path, settings, setting, policy):
    # Its main process and every pool process and thread (a render's encoder threads too), so that a
    # web request or PostgreSQL waking up takes the core from a render at once; off, the worker keeps
    # the ordinary policy and only supervisord's nice.
    worker = start_worker(settings, tmp_path / "worker.log", CASTFEED_WORKER_IDLE_PRIORITY=setting)
    try:
        processes, policies = _policies(worker.process.pid)
        assert processes >= 2, "the pool's processes"
        assert policies == {getattr(os, policy)}
    finally:
        worker.stop()
