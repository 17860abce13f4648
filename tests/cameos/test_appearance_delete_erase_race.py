"""A person deletes a video of them while its author erases their account: the deletion read the
video and its author, and the erasure, which waits for the video, commits before the author is told.
Before, the notification to the author (video_removed) failed the database's foreign key check (the
author was gone): the person's request answered with an error (a 500), though the video was deleted.
Now the deletion holds the author first, as their erasure does: the one waits for the other, and the
person is answered as usual. Each in its own thread and database connection, against committed data
(PostgreSQL: SQLite lets one writer at a time, so the erasure would wait for the whole deletion)."""

from __future__ import annotations

from typing import Any

import pytest
from django.db import transaction

from accounts import services as accounts
from accounts.models import User
from feed.models import Video
from feed.signals import video_deleted
from generation import services as generation
from generation.models import GenerationJob
from tests.races import PAUSE_S, Pause, pause_on, second_while_first_pauses

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.postgres]


@pytest.mark.parametrize("published", [True, False], ids=["published", "draft"])
def test_a_video_of_me_deleted_while_its_author_erases_their_account_is_answered(
    make_user, make_video, client_of, published: bool
) -> None:
    maker, ria = make_user("maker"), make_user("ria")
    video = make_video(maker, publish=published, people=(ria,))
    answers: dict[str, Any] = {}
    # in her deletion's transaction, the video's row deleted
    with pause_on(video_deleted, when=lambda sender, by_id=None, **kwargs: by_id == ria.pk) as pause:
        # the erasure holds what it can, and waits for the video or its author
        errors = second_while_first_pauses(
            lambda: answers.update(ria=client_of(ria).delete(f"/api/v1/cameo/appearances/{video.pk}")),
            lambda: accounts.account_erase(user=maker),
            pause,
            names=("ria", "erase"),
        )

    assert errors == []
    assert answers["ria"].status_code == 204, answers["ria"].content
    assert not Video.objects.filter(pk=video.pk).exists()
    assert not User.objects.filter(pk=maker.pk).exists()


def test_a_video_of_me_deleted_while_its_author_works_on_another_job_is_answered_at_once(
    make_user, make_video, client_of, monkeypatch
) -> None:
    """Deleting a video of me holds its author and the jobs of that video, not every job of the
    author's: a job of theirs held meanwhile (a worker keeping its draft, a recheck blocking a batch)
    does not hold my request up. Before, the deletion locked every job of the author, one row lock
    each, and waited for that one until it was let go."""
    maker, ria = make_user("maker"), make_user("ria")
    video = make_video(maker, people=(ria,))
    monkeypatch.setattr(generation, "_enqueue", lambda job_id: None)  # queued, for no worker
    other, _ = generation.job_submit(author=maker, prompt="a cat juggling on a unicycle", duration_s=2)
    pause = Pause()

    def hold_the_other_job() -> None:
        with transaction.atomic():
            list(GenerationJob.objects.select_for_update().filter(pk=other.pk).values_list("pk", flat=True))
            pause()

    answers: dict[str, Any] = {}
    errors = second_while_first_pauses(
        hold_the_other_job,
        lambda: answers.update(
            ria=client_of(ria).delete(f"/api/v1/cameo/appearances/{video.pk}"), while_held=not pause.go_on.is_set()
        ),
        pause,
        names=("holder", "ria"),
        wait=4 * PAUSE_S,
    )

    assert errors == []
    assert answers["while_held"]
    assert answers["ria"].status_code == 204, answers["ria"].content
    assert not Video.objects.filter(pk=video.pk).exists()
    assert GenerationJob.objects.filter(pk=other.pk, author=maker).exists()
