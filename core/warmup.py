"""What a worker pool process loads when it starts rather than on its first job.

An app registers each step in its AppConfig.ready (`register`); config/celery.py runs them all, in
registration order, in a background thread of each new pool process (`run`,
`CASTFEED_WORKER_WARMUP`). A job that needs a step before it is done waits only for what is left (each
step's own lock), and a step that fails is logged and left to the first job, as without a warm-up.
"""

from __future__ import annotations

import logging
from collections.abc import Callable

log = logging.getLogger(__name__)

_steps: list[tuple[str, Callable[[], object]]] = []


def register(what: str, step: Callable[[], object]) -> None:
    """Run `step` when a worker pool process starts; `what` names it in the log if it fails."""
    if all(existing is not step for _, existing in _steps):
        _steps.append((what, step))


def run() -> None:
    """Every registered step, in this thread, then this thread's database connection closed."""
    from django.db import connection

    try:
        for what, step in _steps:
            try:
                step()
            except Exception:  # a warm-up never stops the worker: the first job loads it then
                log.exception("worker warm-up: %s not loaded; the first job loads it", what)
    finally:
        connection.close()  # this thread's: the pool process's tasks open their own
