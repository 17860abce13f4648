"""Someone reports a video while its author deletes it: the report read the video as there, and the
deletion commits before the report does. Before, the report failed the database's foreign key check
at its commit: the reporter's request answered with an error (a 500). Now the report holds the video
first, so it waits for the deletion and answers that the video does not exist (a 404), as a like or
a comment does. Each in its own thread and database connection, against committed data (PostgreSQL:
SQLite lets one writer at a time, so the report would wait for the deletion before it read the video)."""

from __future__ import annotations

from typing import Any

import pytest
from django.db import transaction

from feed import services as feed
from feed.models import Report, Video
from tests.races import Pause, second_while_first_pauses

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.postgres]


@pytest.mark.parametrize("published", [True, False], ids=["published", "draft"])
def test_a_report_of_a_video_its_author_deletes_meanwhile_is_a_404(
    make_user, make_video, client_of, published: bool
) -> None:
    maker, ria = make_user("maker"), make_user("ria")
    video = make_video(maker, publish=published, people=(ria,))  # a draft: reported by a person in it
    pause = Pause()

    def maker_deletes_it() -> None:
        with transaction.atomic():
            feed.video_delete(video=video, by=maker)
            pause()  # deleted, not committed

    answers: dict[str, Any] = {}
    # the report reads the video, and waits for the deletion or writes its row
    errors = second_while_first_pauses(
        maker_deletes_it,
        lambda: answers.update(
            report=client_of(ria).post(f"/api/v1/videos/{video.pk}/report", {"reason": "spam"}, format="json")
        ),
        pause,
        names=("delete", "report"),
    )

    assert errors == []
    assert answers["report"].status_code == 404, answers["report"].content
    assert not Video.objects.filter(pk=video.pk).exists()
    assert not Report.objects.exists()
