"""The Celery application: settings come from Django's (CELERY_* names), tasks from each app.

Each worker process keeps its temporary files in its own folder under generation's WORK_DIR, never in
/tmp (generation.worker_tmp, connected when the worker imports generation's tasks).

When a pool process starts it (1) limits torch to `CASTFEED_WORKER_TORCH_THREADS` threads (1 by
default: one process per core; with torch's default of one thread per core, two processes on 2 cores
oversubscribe them and a one-sentence embedding takes 0.1-0.7 s instead of 25 ms while another job
renders), and (2) starts loading what a job's checking step needs (MiniLM, core.sentences, for the
policy and restrictions by meaning, and the protected-name index; `CASTFEED_WORKER_WARMUP`, on by
default), not on its first job: a job that lands on a fresh process starts without the 10 s load and
the index's 6 s build at a million names. The cost is memory: every pool process holds torch, the
model and the index from the start (docs/configuration.md § Processes).

Before the pool starts, the worker puts itself under Linux's SCHED_IDLE scheduling policy
(`CASTFEED_WORKER_IDLE_PRIORITY`, on by default), which its pool processes and their threads inherit:
a render then runs only on a core that no ordinary process wants, and a web request or a PostgreSQL
backend that wakes up takes the core from it at once. nice (supervisord's `nice -n 10`) only lowers
a process's share: with a worker rendering on 2 cores, search's p99 was 10-20 ms higher at nice 10
than under SCHED_IDLE, which left it as in quiet runs, with as many renders done (BENCHMARKS.md
§ Discovery; docs/configuration.md § Processes has the trade-off).

Each pool process also sets its floor of host idle time (`CASTFEED_WORKER_HOST_IDLE`, core.pacing):
a render's frames and the output scan pause while the machine's CPUs are busier than that, so a
worker under SCHED_IDLE no longer fills every idle moment (on a shared-core VM the host then takes a
vCPU away now and then, which even SCHED_IDLE cannot schedule around). They pause likewise while a
sibling pool process verifies an enrollment (a person waits on it): the main process makes the board
they share before it forks the pool.
"""

import logging
import os
import sys
import threading
from typing import Any

from celery import Celery
from celery.signals import worker_init, worker_process_init

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.base")

app = Celery("castfeed")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()

log = logging.getLogger(__name__)


@worker_init.connect
def lowest_priority(**_: Any) -> None:
    """The worker's main process, before it forks its pool: SCHED_IDLE, inherited by every process
    and thread it starts (Linux only; elsewhere, or when refused, the worker keeps its nice)."""
    from django.conf import settings

    if not getattr(settings, "CASTFEED_WORKER_IDLE_PRIORITY", True) or not hasattr(os, "SCHED_IDLE"):
        return
    try:
        os.sched_setscheduler(0, os.SCHED_IDLE, os.sched_param(0))
    except OSError:
        log.warning("could not put the worker under SCHED_IDLE; it keeps its nice", exc_info=True)


@worker_init.connect
def share_pacing_board(**_: Any) -> None:
    """The worker's main process, before it forks its pool: the board where a pool process marks work
    a person waits on, for its siblings' renders to pause (core.pacing.waited_on)."""
    from core import pacing

    pacing.share()


@worker_process_init.connect
def warm_up(**_: Any) -> None:
    """A new pool process: its torch threads, its floor of host idle time, then what its jobs load on
    first use, in a background thread (core.warmup, the apps' registered steps): an enrollment's voice
    models (the digit readers, the speaker encoder), the checking step's model (MiniLM, for the policy
    and restrictions by meaning, with the policy's vectors) and the protected-name index (6 s at a
    million names, BENCHMARKS.md § End to end). The process takes tasks at once, and a job that needs
    one of them waits only for what is left of its load (each one's lock)."""
    from django.conf import settings

    threads = getattr(settings, "CASTFEED_WORKER_TORCH_THREADS", 1)
    if threads > 0:
        if "torch" in sys.modules:
            sys.modules["torch"].set_num_threads(threads)
        else:  # read by OpenMP when torch loads, for every thread (set_num_threads is per thread)
            os.environ["OMP_NUM_THREADS"] = os.environ["MKL_NUM_THREADS"] = str(threads)
    from core import pacing

    pacing.configure(getattr(settings, "CASTFEED_WORKER_HOST_IDLE", 0.0))
    if getattr(settings, "CASTFEED_WORKER_WARMUP", True):
        threading.Thread(target=_load_models, name="warm-up", daemon=True).start()


def _load_models() -> None:
    from core import warmup

    warmup.run()  # each app's steps (moderation: MiniLM with the policy, the protected-name index)
