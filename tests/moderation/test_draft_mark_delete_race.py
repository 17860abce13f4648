"""Someone withdraws consent, or adds a restriction, while the author deletes a draft of them: the
change marks the person's drafts unserved (feed.ConsentPending), the draft among them as read, and
the deletion commits before the change does. Before, the mark failed the database's foreign key check
at the change's commit: the person's request answered with an error (a 500) and their change was
lost. Now the change is saved, and the mark, which points at no video, goes with the cascade or
recheck the change queued. Each in its own thread and database connection, against committed data (PostgreSQL: SQLite
lets one writer at a time, so the deletion would wait for the change)."""

from __future__ import annotations

from typing import Any

import pytest
from django.db import transaction

from cameos import services as cameos
from cameos.models import Cameo
from feed import services as feed
from feed.models import ConsentPending, Video
from tests.races import Pause, second_while_first_pauses

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.postgres]


@pytest.mark.parametrize(
    ("change", "saved"),
    [
        ({"restrictions": ["no drinking"]}, lambda cameo: cameo.restrictions == ["no drinking"]),
        ({"audience": "only_me"}, lambda cameo: cameo.audience == "only_me"),
    ],
    ids=["restriction", "withdrawal"],
)
def test_a_change_that_marks_a_draft_its_author_deletes_meanwhile_is_saved(
    make_user, activate_cameo, make_video, change: dict[str, Any], saved: Any
) -> None:
    ria, maker = make_user("ria"), make_user("maker")
    activate_cameo(ria, audience="everyone")
    draft = make_video(maker, publish=False, people=(ria,))
    pause = Pause()

    def ria_changes_her_cameo() -> None:
        with transaction.atomic():
            cameos.cameo_update(owner=ria, **change)
            assert ConsentPending.objects.filter(video_id=draft.pk, person_id=ria.pk).exists()
            pause()  # marked, not committed

    # the deletion does not wait for the change: it ends while the change is paused
    deleted_while_paused: list[bool] = []

    def maker_deletes() -> None:
        feed.video_delete(video=draft, by=maker)
        deleted_while_paused.append(not pause.go_on.is_set())

    errors = second_while_first_pauses(
        ria_changes_her_cameo,
        maker_deletes,
        pause,
        names=("change", "delete"),
        wait=30,
    )

    assert errors == []
    assert deleted_while_paused == [True]
    assert saved(Cameo.objects.get(owner=ria))
    assert not Video.objects.filter(pk=draft.pk).exists()
    # The mark, which points at no video, went with what the change queued (the consent cascade, the
    # rules' recheck: in-process here).
    assert not ConsentPending.objects.filter(person_id=ria.pk).exists()
