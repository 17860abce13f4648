"""The worker marking jobs as checked against everyone's rules by meaning, or the sweep handing jobs
back to the queue, while someone holds their authors (a follow between them): one waits for the
other, neither answers with an error. Each in its
own thread and database connection, against committed data (PostgreSQL when DATABASE_URL says so)."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.db import transaction
from django.utils import timezone

from accounts import services as accounts
from accounts.models import Follow
from generation import services
from generation.models import GenerationJob
from tests.races import PAUSE_S, Pause, blocked_sessions, in_thread, until_done_or_blocked

pytestmark = pytest.mark.django_db(transaction=True)


def _follow_while_held(work: Any, *, first: Any, second: Any, held: Any) -> list[Any]:
    """Someone holds the job `held` for a moment (a worker moving it, a publish); meanwhile `first`
    follows `second` (holding every job of both in id order, it waits for that one), then `work`
    runs, each in a thread of its own and given PAUSE_S to reach what the others hold; then the
    holder lets go, and all are let finish (none may hang). What any raised."""
    pause = Pause()

    def someone_holding_it() -> None:
        with transaction.atomic():
            list(GenerationJob.objects.select_for_update().filter(pk=held.pk).values_list("pk"))
            pause()

    errors: list[Any] = []
    threads = [in_thread(someone_holding_it, name="holder", errors=errors)]
    assert pause.reached.wait(timeout=30)
    follow = lambda: accounts.follow_create(follower=first, followee=second)  # noqa: E731
    for name, run in (("follow", follow), ("work", work)):
        before = blocked_sessions()
        threads.append(in_thread(run, name=name, errors=errors))
        until_done_or_blocked(threads[-1], PAUSE_S, blocked_before=before)
    pause.go_on.set()
    for thread in threads:
        thread.join(timeout=60)
    assert not any(thread.is_alive() for thread in threads)
    return errors


@pytest.mark.postgres
def test_jobs_marked_checked_while_their_authors_follow_each_other_is_no_deadlock(make_user):
    """The worker marks two jobs checked (generation.services.job_rules_checked): one UPDATE took them
    in the order it read them (the one stored first), while a follow between their authors holds every
    job of both in id order (accounts.services.people_hold). With the other job held a moment by
    someone else (a worker moving it, a publish), the follow waited for it and the marking for the
    follow's first job: on PostgreSQL a deadlock, the follow answered with an error. The marking now
    holds them in id order first."""
    first, second = make_user("first.author"), make_user("second.author")
    while True:  # stored first, but later in id order (ids are random)
        later = GenerationJob.objects.create(author=first, prompt="a cat", duration_s=2, seed=1)
        earlier = GenerationJob.objects.create(author=second, prompt="a dog", duration_s=2, seed=1)
        if later.pk > earlier.pk:
            break
        GenerationJob.objects.filter(pk__in=[later.pk, earlier.pk]).delete()
    at = timezone.now() + dt.timedelta(seconds=1)
    errors = _follow_while_held(
        lambda: services.job_rules_checked([later.pk, earlier.pk], at=at), first=first, second=second, held=earlier
    )

    assert errors == []
    assert Follow.objects.filter(follower=first, followee=second).exists()
    assert set(
        GenerationJob.objects.filter(pk__in=[later.pk, earlier.pk]).values_list("rules_checked_at", flat=True)
    ) == {at}


@pytest.mark.postgres
def test_jobs_handed_back_to_workers_while_their_authors_follow_each_other_is_no_deadlock(make_user, monkeypatch):
    """Workers died (a crash, a deploy) while running two jobs; the sweep hands them back to the queue
    (generation.services.stale_jobs_requeue) in one UPDATE, which took them in the order it read them,
    while a follow between their authors holds every job of both in id order: as above, a deadlock on
    PostgreSQL. The sweep now holds them in id order first."""
    monkeypatch.setattr(services, "_enqueue", lambda job_id: None)  # no worker
    first, second = make_user("first.author"), make_user("second.author")
    gone = timezone.now() - dt.timedelta(minutes=5)
    while True:  # stored first, but later in id order (ids are random)
        later, earlier = (
            GenerationJob.objects.create(
                author=author, prompt="a cat", duration_s=2, seed=1, status="running", lease_until=gone
            )
            for author in (first, second)
        )
        if later.pk > earlier.pk:
            break
        GenerationJob.objects.filter(pk__in=[later.pk, earlier.pk]).delete()
    errors = _follow_while_held(services.stale_jobs_requeue, first=first, second=second, held=earlier)

    assert errors == []
    assert Follow.objects.filter(follower=first, followee=second).exists()
    assert set(GenerationJob.objects.filter(pk__in=[later.pk, earlier.pk]).values_list("status", flat=True)) == {
        "queued"
    }
