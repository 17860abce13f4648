"""A person deletes a video of them while its author erases their account: the deletion read the
video and its author, and the erasure, which waits for the video, commits before the author is told.
Before, the notification to the author (video_removed) failed the database's foreign key check (the
author was gone): the person's request answered with an error (a 500), though the video was deleted.
Now the deletion holds the author first, as their erasure does: the one waits for the other, and the
person is answered as usual. Each in its own thread and database connection, against committed data
(PostgreSQL: SQLite lets one writer at a time, so the erasure would wait for the whole deletion)."""

from __future__ import annotations

import threading
import time
from typing import Any

import pytest

from accounts import services as accounts
from accounts.models import User
from feed.models import Video
from feed.signals import video_deleted
from tests.generation.test_publish_race import PAUSE_S, in_thread

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.postgres]


@pytest.mark.parametrize("published", [True, False], ids=["published", "draft"])
def test_a_video_of_me_deleted_while_its_author_erases_their_account_is_answered(
    make_user, make_video, client_of, published: bool
) -> None:
    maker, ria = make_user("maker"), make_user("ria")
    video = make_video(maker, publish=published, people=(ria,))
    deleted, go_on = threading.Event(), threading.Event()

    def pause_ria(sender: Any, by_id: Any = None, **kwargs: Any) -> None:
        if by_id == ria.pk:  # in her deletion's transaction, the video's row deleted
            deleted.set()
            assert go_on.wait(timeout=30)

    video_deleted.connect(pause_ria, dispatch_uid="test.pause_ria")
    try:
        errors: list[Any] = []
        answers: dict[str, Any] = {}
        ria_thread = in_thread(
            lambda: answers.update(ria=client_of(ria).delete(f"/api/v1/cameo/appearances/{video.pk}")),
            name="ria",
            errors=errors,
        )
        assert deleted.wait(timeout=30), errors
        erase_thread = in_thread(lambda: accounts.account_erase(user=maker), name="erase", errors=errors)
        time.sleep(PAUSE_S)  # the erasure holds what it can, and waits for the video or its author
        go_on.set()
        ria_thread.join(timeout=30)
        erase_thread.join(timeout=30)
    finally:
        video_deleted.disconnect(dispatch_uid="test.pause_ria")

    assert not ria_thread.is_alive() and not erase_thread.is_alive()
    assert errors == []
    assert answers["ria"].status_code == 204, answers["ria"].content
    assert not Video.objects.filter(pk=video.pk).exists()
    assert not User.objects.filter(pk=maker.pk).exists()
