"""Batch loops that leave the host idle time (core.pacing): a worker's render pauses while the machine's
CPUs are nearly all busy with others' work (requests), moves on once they have room, never waits longer
than max_pause in a row, never pauses for its own load, and a process that was not configured (a web
process) never pauses. It pauses likewise while a sibling pool process runs work a person waits on
(an enrollment's verification), marked on a board the worker's processes share."""

import multiprocessing
import os
import time
from collections.abc import Iterator
from contextlib import contextmanager

import psutil
import pytest

from core import pacing


class Machine:
    """A clock and the machine's CPU counters: while time passes, `others` of the CPUs are busy with
    others' work and `ours` with the worker's (shares, 0–1), on `cpus` CPUs; sleeping passes time."""

    def __init__(self, others: float, ours: float = 0.0, cpus: int = 2) -> None:
        self.now, self.cpus, self.others, self.ours = 100.0, cpus, others, ours
        self.counters = pacing.Counters(idle=0.0, total=0.0, ours=0.0)
        self.sleeps: list[float] = []

    def clock(self) -> float:
        return self.now

    def advance(self, seconds: float, *, ours: float | None = None) -> None:
        own = self.ours if ours is None else ours
        self.now += seconds
        capacity = seconds * self.cpus
        self.counters = pacing.Counters(
            idle=self.counters.idle + capacity * max(0.0, 1 - self.others - own),
            total=self.counters.total + capacity,
            ours=self.counters.ours + capacity * own,
        )

    def sleep(self, seconds: float) -> None:  # the render sleeps: the worker uses nothing meanwhile
        self.sleeps.append(seconds)
        self.advance(seconds, ours=0.0)

    def cpu(self) -> pacing.Counters:
        return self.counters


def pacer(machine: Machine, min_idle: float = 0.3, max_pause: float = 1.0) -> pacing.Pacer:
    pace = pacing.Pacer(
        min_idle,
        window=0.05,
        max_pause=max_pause,
        clock=machine.clock,
        sleep=machine.sleep,
        cpu=machine.cpu,
        waited=lambda: False,
    )
    assert pace() == 0.0  # the first call takes a first look
    return pace


def test_a_render_that_takes_what_requests_leave_runs_half_the_time():
    machine = Machine(others=0.6, ours=0.4)  # together they fill the CPUs; asleep, it leaves 40% idle
    pace = pacer(machine)
    paused = 0.0
    for _ in range(20):
        machine.advance(0.06)  # a window of frames
        paused += pace()
    assert machine.sleeps == [0.05] * 20 and paused == pytest.approx(20 * 0.05)


def test_a_render_beside_light_requests_never_pauses():
    machine = Machine(others=0.3, ours=0.3)
    pace = pacer(machine)
    for _ in range(50):  # frames of 20 ms
        machine.advance(0.02)
        assert pace() == 0.0
    assert machine.sleeps == []


def test_a_render_alone_never_pauses_however_busy_it_keeps_the_cpus():
    machine = Machine(others=0.02, ours=0.98)
    pace = pacer(machine)
    for _ in range(50):
        machine.advance(0.02)
        assert pace() == 0.0
    assert machine.sleeps == []


def test_a_render_beside_busy_requests_pauses_until_the_cpus_have_room_again():
    machine = Machine(others=0.8, ours=0.2)
    pace = pacer(machine)
    machine.advance(0.06)
    # Asleep, the render leaves the CPUs 20% idle: not enough. The requests ease off after it has
    # slept two windows: then it moves on.
    original = machine.sleep

    def sleep(seconds: float) -> None:
        original(seconds)
        if len(machine.sleeps) == 2:
            machine.others = 0.5

    pace.sleep = sleep
    paused = pace()
    assert machine.sleeps == [0.05, 0.05, 0.05]  # the third window was the first with room
    assert paused == 3 * 0.05


def test_a_pause_lasts_at_most_max_pause_so_a_render_under_sustained_load_still_moves_on():
    machine = Machine(others=0.9, ours=0.1)
    pace = pacer(machine, max_pause=0.5)
    machine.advance(0.06)
    assert pace() == 10 * 0.05
    assert len(machine.sleeps) == 10


def test_it_looks_at_the_cpus_at_most_once_a_window():
    machine = Machine(others=0.9, ours=0.1)
    pace = pacer(machine)
    machine.advance(0.01)
    assert pace() == 0.0  # 10 ms since the last look: too soon to judge, and no pause
    assert machine.sleeps == []


def test_a_floor_of_zero_never_pauses():
    machine = Machine(others=1.0)
    pace = pacer(machine, min_idle=0.0)
    machine.advance(1.0)
    assert pace() == 0.0 and machine.sleeps == []


def test_a_process_never_configured_never_pauses(monkeypatch):
    def no_sleep(seconds: float) -> None:
        raise AssertionError(f"paused {seconds} s")

    monkeypatch.setattr(pacing._pacer, "sleep", no_sleep)
    assert pacing.pace() == 0.0  # the test process is a web process: no floor


def test_the_real_counters_count_the_machine_and_this_process_family():
    counters = pacing._Machine()()
    assert 0 < counters.idle < counters.total
    mine = psutil.Process().cpu_times()
    if os.getppid() > 1:  # this process is one of its parent's children, as a pool process is
        assert counters.ours >= mine.user + mine.system
    assert counters.ours <= counters.total


# --- work a person waits on in a sibling pool process ---------------------------------------------------


def test_a_render_pauses_while_a_sibling_runs_work_a_person_waits_on_then_moves_on():
    # The render and a sibling's verification fill both CPUs; no request anywhere.
    machine = Machine(others=0.0, ours=1.0)
    waiting = [False]
    pace = pacing.Pacer(
        0.3, window=0.05, max_pause=1.0, clock=machine.clock, sleep=machine.sleep, cpu=machine.cpu,
        waited=lambda: waiting[0],
    )  # fmt: skip
    assert pace() == 0.0  # the first look
    machine.advance(0.06)
    assert pace() == 0.0  # a render alone: never pauses
    waiting[0] = True  # a sibling starts verifying an enrollment
    machine.advance(0.06)
    assert pace() == pytest.approx(1.0)  # paused, though its pause left the CPUs idle; max_pause
    machine.advance(0.06)
    assert pace() == pytest.approx(1.0)  # still waited on: paused again after a window of frames
    waiting[0] = False
    machine.advance(0.06)
    assert pace() == 0.0  # the verification ended: a render alone never pauses


def test_a_process_with_no_floor_never_pauses_for_a_sibling():
    machine = Machine(others=0.0, ours=1.0)
    pace = pacing.Pacer(0.0, clock=machine.clock, sleep=machine.sleep, cpu=machine.cpu, waited=lambda: True)
    machine.advance(0.06)
    assert pace() == 0.0


def _mark_then(seconds: float, started: object, release: object, *, die: bool = False) -> None:
    with pacing.waited_on(longest=seconds):
        assert not pacing.sibling_waited_on()  # its own mark is not a sibling's
        started.set()  # type: ignore[attr-defined]
        release.wait(30)  # type: ignore[attr-defined]
        if die:
            os._exit(0)  # killed mid-task: its mark stays on the board


@pytest.fixture
def board(monkeypatch):  # type: ignore[no-untyped-def]
    monkeypatch.setattr(pacing._board, "cells", None)
    pacing.share()
    return multiprocessing.get_context("fork")  # as Celery's prefork pool starts its processes


def _live_marks() -> list[int]:
    """The pids of the board's marks that have not expired."""
    cells, now = pacing._board.cells[:], time.monotonic()
    return [int(cells[i]) for i in range(0, len(cells), 2) if cells[i + 1] > now]


@contextmanager
def _sibling(context, longest: float, *, die: bool = False) -> Iterator[multiprocessing.process.BaseProcess]:  # type: ignore[no-untyped-def]
    """A forked pool process marking its work waited on, until the block ends (then it ends, or dies)."""
    started, release = context.Event(), context.Event()
    process = context.Process(target=_mark_then, args=(longest, started, release), kwargs={"die": die})
    process.start()
    try:
        assert started.wait(30)
        yield process
    finally:
        release.set()
        process.join(30)


def test_pool_processes_see_a_sibling_mark_its_work_waited_on_until_it_ends(board):
    with _sibling(board, 60.0) as sibling:
        assert pacing.sibling_waited_on()
    assert sibling.exitcode == 0
    assert not pacing.sibling_waited_on()


def test_the_mark_of_a_process_killed_mid_task_is_ignored(board):
    with _sibling(board, 60.0, die=True) as sibling:
        assert pacing.sibling_waited_on()
    assert sibling.pid in _live_marks()  # its slot was never cleared...
    assert not pacing.sibling_waited_on()  # ...but no process has that pid


def test_a_mark_expires_after_its_longest(board, monkeypatch):
    with _sibling(board, 30.0):
        assert pacing.sibling_waited_on()
        later = time.monotonic() + 31  # CLOCK_MONOTONIC is the machine's: the sibling's clock too
        with monkeypatch.context() as clock:
            clock.setattr(pacing.time, "monotonic", lambda: later)
            assert not pacing.sibling_waited_on()


def test_a_claim_that_finds_the_lock_held_marks_nothing_and_does_not_wait(board):
    assert pacing._board.claim.acquire()  # a process killed while it held the lock
    with pacing.waited_on():
        assert _live_marks() == []


def test_without_a_board_nothing_is_marked(monkeypatch):
    monkeypatch.setattr(pacing._board, "cells", None)
    with pacing.waited_on():
        assert not pacing.sibling_waited_on()


def test_an_enrollment_verification_runs_marked_waited_on(board, monkeypatch):
    from cameos import services, tasks

    seen: list[bool] = []
    monkeypatch.setattr(services, "enrollment_verify", lambda enrollment_id: seen.append(os.getpid() in _live_marks()))
    tasks.verify_enrollment.run("0f8fad5b-d9cb-469f-a165-70867728950e")
    assert seen == [True]
    assert os.getpid() not in _live_marks()  # and unmarked once it ends
