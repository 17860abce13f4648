"""Storage helpers: delete files once the rows that point at them are committed away."""

from collections.abc import Iterable

from django.core.files.storage import default_storage
from django.db import transaction


def delete_now(names: Iterable[str]) -> int:
    deleted = 0
    for name in names:
        if name and default_storage.exists(name):
            default_storage.delete(name)
            deleted += 1
    return deleted


def delete_after_commit(names: Iterable[str]) -> None:
    """Queue the deletion of `names` for when the current transaction commits (never before: a
    rolled-back deletion must not lose the files its rows still point at)."""
    from core.tasks import delete_stored_files

    pending = sorted({n for n in names if n})
    if pending:
        transaction.on_commit(lambda: delete_stored_files.delay(pending))
