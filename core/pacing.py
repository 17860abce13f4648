"""Batch work that leaves the host idle time: a render pauses while the machine's CPUs are nearly all
busy and others than the worker are using them.

The worker runs under SCHED_IDLE (config/celery.py), so a render only ever takes a core no one else
wants, and so, beside a busy web, it keeps every core of the machine busy all the time. On a VM whose
cores the host shares with other guests, that has a cost the guest cannot schedule away: a guest that
never idles has a vCPU taken away now and then for about 100 ms (steal), and a web request whose
work sat there waits it out (BENCHMARKS.md § Feed, 2026-12-04: For You's busy runs had bursts to
107–118 ms). The render also slows the requests it runs beside (shared caches and memory bandwidth):
the reference-image check's face embedding took 46–56 ms at the p50 beside it, 41 ms alone.

Long batch loops (a render's frames, the output scan's frames) call `pace()` between two units of
work. In a process where `configure()` set a floor (the worker's pool processes; everywhere else it
does nothing), it looks at the machine's CPUs since its last look (psutil, every `window` seconds at
most). When they were less idle than the floor *and* others than the worker's own processes used at
least `OTHERS` of them (requests are being served), it sleeps a window at a time until that no longer
holds, at most `max_pause` in a row, so a render under sustained load still moves on. A render on an
otherwise idle machine never pauses for its own load, however busy it keeps the CPUs. Only the loops that call it
pause: a job's checking step and the worker's lease renewals never do.

Work a person waits on in the worker itself (an enrollment's verification: the camera screen spins
until it ends) runs `with waited_on():`. While it does, a render in a sibling pool process pauses
(a window at a time, at most `max_pause` in a row, as above), whatever the CPUs: a render beside a
verification on 2 cores nearly doubled it (1.7 → 3.2 s, BENCHMARKS.md § End to end), and one that ran
whenever a core looked idle would take back the cores the verification's threads use a moment later.
The worker's main process makes the board the pool shares (`share()`, before it forks the pool); the
mark of a process that died is ignored, and any mark expires after `longest` seconds.
"""

from __future__ import annotations

import logging
import os
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any, NamedTuple

import psutil

log = logging.getLogger(__name__)

OTHERS = 0.25  # the share of the CPUs others must be using for a render to pause: requests, not noise
FAMILY_EVERY = 10.0  # seconds between two looks at which processes are the worker's (its pool changes rarely)


class Counters(NamedTuple):
    """CPU seconds since boot, summed over the machine's CPUs: idle, in all, and the worker's own."""

    idle: float
    total: float
    ours: float


class _Machine:
    """The machine's CPU counters, and the CPU time of this process and its siblings (the pool
    processes of one Celery worker, and the worker's main process)."""

    def __init__(self) -> None:
        self.family: list[psutil.Process] = []
        self.family_at = -FAMILY_EVERY

    def _family(self) -> list[psutil.Process]:
        now = time.monotonic()
        if now - self.family_at >= FAMILY_EVERY:
            me = psutil.Process()
            try:
                parent = me.parent() if os.getppid() > 1 else None
                self.family = [parent, *parent.children()] if parent is not None else [me]
            except psutil.Error:  # the parent ended (a pool process then ends too): count this one
                self.family = [me]
            self.family_at = now
        return self.family

    def __call__(self) -> Counters:
        times = psutil.cpu_times()
        idle = times.idle + getattr(times, "iowait", 0.0)
        # Guest time is already in user and nice (Linux); steal counts as busy (the host had the vCPU).
        busy = times.user + times.system + getattr(times, "nice", 0.0)
        busy += sum(getattr(times, name, 0.0) for name in ("irq", "softirq", "steal"))
        ours = 0.0
        for process in self._family():
            try:
                spent = process.cpu_times()
            except psutil.Error:  # a pool process that ended since the last look
                self.family_at = -FAMILY_EVERY
                continue
            ours += spent.user + spent.system
        return Counters(idle, idle + busy, ours)


# --- work someone waits on ----------------------------------------------------------------------------


class _Board:
    """(pid, until) pairs in shared memory, one pair a slot, and the lock that claims a free slot.
    Readers never take the lock, and a claim waits for it 50 ms at most: a process killed while it
    held the lock then leaves work unmarked, never a render or a verification stuck."""

    cells: Any = None
    claim: Any = None


_board = _Board()


def share(slots: int = 16) -> None:
    """In a worker's main process, before it forks its pool: the board its pool processes mark work
    someone waits on (`waited_on`). Without it (web processes, tests), `waited_on` marks nothing."""
    import multiprocessing

    forked = multiprocessing.get_context("fork")  # Celery's prefork pool forks: its processes inherit it
    _board.cells, _board.claim = forked.RawArray("d", 2 * slots), forked.Lock()


@contextmanager
def waited_on(longest: float = 180.0) -> Iterator[None]:
    """Marks this process's work as waited on by a person for as long as it runs (at most `longest`
    seconds): sibling renders pause for it. The mark of a process that died is ignored."""
    cells, pid, slot = _board.cells, float(os.getpid()), None
    if cells is not None:
        if _board.claim.acquire(timeout=0.05):
            try:
                now = time.monotonic()  # CLOCK_MONOTONIC: one clock for every process of the machine
                slot = next((i for i in range(0, len(cells), 2) if cells[i + 1] <= now), None)
                if slot is not None:
                    cells[slot], cells[slot + 1] = pid, now + longest
            finally:
                _board.claim.release()
        else:
            log.warning("the pacing board's lock is held: this work is not marked waited on")
    try:
        yield
    finally:
        if slot is not None and cells[slot] == pid:  # its slot is its own until it expires
            cells[slot + 1] = 0.0


def sibling_waited_on() -> bool:
    """Does another live process of this worker run work someone waits on now?"""
    cells = _board.cells
    if cells is None:
        return False
    values, now, me = cells[:], time.monotonic(), os.getpid()
    marked = {int(values[i]) for i in range(0, len(values), 2) if values[i + 1] > now} - {me}
    return any(psutil.pid_exists(pid) for pid in marked)  # a dead process's mark is ignored


class Pacer:
    """Sleeps while the machine's CPUs were less than `min_idle` idle (a share, 0–1) and others than the
    worker used at least OTHERS of them since the last look, or while a sibling pool process runs work
    someone waits on (whatever the CPUs: it is short, and it shares its cores with nothing then)."""

    def __init__(
        self,
        min_idle: float,
        *,
        window: float = 0.05,
        max_pause: float = 1.0,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], Any] = time.sleep,
        cpu: Callable[[], Counters] | None = None,
        waited: Callable[[], bool] | None = None,
    ) -> None:
        if window <= 0 or max_pause < 0:
            raise ValueError("a pacer's window must be positive and its longest pause at least 0")
        self.min_idle, self.window, self.max_pause = min_idle, window, max_pause
        self.clock, self.sleep, self.cpu = clock, sleep, cpu or _Machine()
        self.waited = waited or sibling_waited_on
        self._at = clock()
        self._last: Counters | None = None  # the first call only takes a first look

    def _crowded(self) -> bool:
        """Were the CPUs short of idle time, with others using them, since the last look? Starts the next."""
        now, last = self.cpu(), self._last
        self._at, self._last = self.clock(), now
        if last is None or now.total <= last.total:
            return False
        spent, idle = now.total - last.total, now.idle - last.idle
        others = spent - idle - (now.ours - last.ours)
        return idle / spent < self.min_idle and others / spent >= OTHERS

    def __call__(self) -> float:
        """Between two units of batch work: the seconds it paused (0 when the CPUs had room)."""
        if self.min_idle <= 0 or (self._last is not None and self.clock() - self._at < self.window):
            return 0.0
        windows, most = 0, max(1, round(self.max_pause / self.window))
        while windows < most and (self._crowded() | self.waited()):  # both: the look starts the next
            self.sleep(self.window)
            windows += 1
        return windows * self.window


_pacer = Pacer(0.0)  # this process's: never pauses until configure()d


def configure(min_idle: float) -> None:
    """This process's batch loops pause below `min_idle` (0 or less: never). For worker processes."""
    _pacer.min_idle = min_idle


def pace() -> float:
    """Call between two units of batch work; pauses only in a process configure()d to."""
    return _pacer()
