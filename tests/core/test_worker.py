"""Background work through a real broker and a real worker process."""

import pytest
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import transaction

from core import storage
from tests.worker import wait_for

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
