"""Two things at once, in a chosen order: one thread pauses at a point of real code (a patched
function, a signal) while another runs, then goes on. Each thread has its own database connection,
so the tests that use this need committed data (`transactional_db`)."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

from django.db import connections

from accounts import services as accounts
from accounts.models import User
from accounts.signals import account_erasing

PAUSE_S = 1.5  # how long the other side gets while the first pauses: time enough to reach what it holds


class Pause:
    """Call it where a thread should stop: the first call from `thread` (any thread when None) for
    which `when(*args, **kwargs)` holds sets `reached` and waits for `go_on` (an error in that thread
    if it never comes); other calls return."""

    def __init__(self, *, thread: str | None = None, when: Callable[..., Any] | None = None) -> None:
        self.thread, self.when = thread, when
        self.reached, self.go_on = threading.Event(), threading.Event()

    def __call__(self, *args: Any, **kwargs: Any) -> None:
        if self.thread is not None and threading.current_thread().name != self.thread:
            return
        if self.reached.is_set() or (self.when is not None and not self.when(*args, **kwargs)):
            return
        self.reached.set()
        assert self.go_on.wait(timeout=60), "never told to go on"


def pause_in(
    monkeypatch: Any, owner: Any, name: str, *, after: bool = False, thread: str | None = None, when: Any = None
) -> Pause:
    """`owner.name` patched to pause (see Pause; `when` gets its arguments) just before it runs, or
    just `after`."""
    pause, real = Pause(thread=thread, when=when), getattr(owner, name)

    def pausing(*args: Any, **kwargs: Any) -> Any:
        if not after:
            pause(*args, **kwargs)
        out = real(*args, **kwargs)
        if after:
            pause(*args, **kwargs)
        return out

    monkeypatch.setattr(owner, name, pausing)
    return pause


@contextmanager
def pause_on(signal: Any, *, sender: Any = None, thread: str | None = None, when: Any = None) -> Iterator[Pause]:
    """While in the block, `signal` (its last receiver) pauses as Pause says; `when` gets what a
    receiver gets."""
    pause = Pause(thread=thread, when=when)
    uid = f"tests.races.{id(pause)}"
    signal.connect(pause, sender=sender, weak=False, dispatch_uid=uid)
    try:
        yield pause
    finally:
        signal.disconnect(sender=sender, dispatch_uid=uid)


def in_thread(work: Any, *, name: str = "", errors: list[Any] | None = None) -> threading.Thread:
    """`work` in a thread of its own, with its own database connection; what it raises goes to `errors`."""

    def run() -> None:
        try:
            work()
        except BaseException as exc:
            if errors is None:
                raise
            errors.append((name, repr(exc)))
        finally:
            connections.close_all()

    thread = threading.Thread(target=run, name=name)
    thread.start()
    return thread


def second_while_first_pauses(
    first: Any, second: Any, pause: Pause, *, names: tuple[str, str], wait: float = PAUSE_S
) -> list[Any]:
    """`first` in a thread until it reaches `pause` (holding what it holds), then `second` in another,
    given `wait` seconds to reach what the first holds (or to finish); then the first goes on, and both
    are let finish (neither may hang). What either raised, as (thread name, repr)."""
    errors: list[Any] = []
    first_thread = in_thread(first, name=names[0], errors=errors)
    assert pause.reached.wait(timeout=120), errors
    second_thread = in_thread(second, name=names[1], errors=errors)
    until_done_or_blocked(second_thread, wait)
    pause.go_on.set()
    second_thread.join(timeout=60)
    first_thread.join(timeout=60)
    assert not first_thread.is_alive() and not second_thread.is_alive()
    return errors


def blocked_sessions() -> int:
    """How many other sessions of this test's database wait on a lock another holds (PostgreSQL;
    0 elsewhere)."""
    connection = connections["default"]
    if connection.vendor != "postgresql":
        return 0
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database()"
            " AND pid <> pg_backend_pid() AND cardinality(pg_blocking_pids(pid)) > 0"
        )
        return int(cursor.fetchone()[0])


def until_done_or_blocked(thread: threading.Thread | None, wait: float, *, blocked_before: int = 0) -> None:
    """Waits up to `wait` seconds for `thread` to end; on PostgreSQL, only until more sessions of this
    test's database than `blocked_before` wait on a lock another holds: the thread has then reached
    what a paused one holds, and waiting longer lets it on no further. SQLite does not tell: there
    the whole `wait` is waited out, as it is for a thread that waits on anything but a lock."""
    deadline = time.monotonic() + wait
    postgres = connections["default"].vendor == "postgresql"
    while (thread is None or thread.is_alive()) and time.monotonic() < deadline:
        if postgres and blocked_sessions() > blocked_before:
            return
        if thread is None:
            time.sleep(0.01 if postgres else max(0.0, deadline - time.monotonic()))
        else:
            thread.join(timeout=0.01 if postgres else wait)


def while_erasing_paused_at_the_end(person: Any, work: Any, *, names: tuple[str, str], **erase: Any) -> list[Any]:
    """`person`'s account erasure (accounts.services.account_erase with `erase`) in a thread called
    names[0], paused after every app has erased what is theirs (their cameo, jobs and account rows
    held, their videos deleted, their follows ended) and before the account row goes (the grants with
    it); `work` in a thread called names[1] meanwhile, as second_while_first_pauses. What either raised."""
    with pause_on(account_erasing, thread=names[0]) as pause:  # the last receiver
        return second_while_first_pauses(
            lambda: accounts.account_erase(user=User.objects.get(pk=person.pk), **erase), work, pause, names=names
        )
