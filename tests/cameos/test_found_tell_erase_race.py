"""A scan of existing videos tells me what it found while the author of a possible match erases their
account: the tell asks that author about me and tells me, in one transaction. Before, the author was
not held: their erasure committed first and the question to them failed its foreign key check at
commit (or their video, read before, led to no one), and the whole tell with it: I was told nothing.
Now the tell holds the authors as the questions to them would (accounts.services.people_keep): their
erasure waits for it, or is waited for and the author is not asked. Each in its own thread and
database connection, against committed data (PostgreSQL: SQLite lets one writer at a time)."""

from __future__ import annotations

import pytest

from accounts import services as accounts
from accounts.models import Notification, User
from cameos.models import Appearance
from cameos.services import appearances
from feed.models import Video
from tests import races

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.postgres]


@pytest.mark.parametrize(
    ("pause_in", "possible"),
    [("people_hold", None), ("_possible_match_found", 1)],
    ids=["erased before the author is held", "erased once the author is asked"],
)
def test_i_am_told_what_a_scan_found_while_a_possible_matchs_author_erases_their_account(
    pause_in, possible, me, make_user, make_video, activate_cameo, monkeypatch
):
    activate_cameo(me, audience="everyone")  # admits the author: they may be asked about me
    shown = make_video(make_user("the.maker"), people=(me,))  # a video the scan revealed to me
    author = make_user("the.author")
    draft = make_video(author, publish=False)
    Appearance.objects.create(
        video=draft, user=me, source=Appearance.Source.DETECTED, similarity=0.5, match=Appearance.Match.POSSIBLE
    )
    possible_videos = list(Video.objects.filter(pk=draft.pk))  # as the scan read it

    pause = races.pause_in(monkeypatch, appearances, pause_in, after=True, thread="tell")
    errors = races.second_while_first_pauses(
        lambda: appearances._found_tell(User.objects.get(pk=me.pk), [shown.pk], possible_videos),
        lambda: accounts.account_erase(user=User.objects.get(pk=author.pk)),
        pause,
        names=("tell", "erase"),
    )

    assert errors == []
    told = Notification.objects.get(user=me, kind=Notification.Kind.VIDEO_OF_YOU_FOUND)
    assert told.data == {"video_ids": [shown.pk], **({"possible": possible} if possible else {})}
    assert not User.objects.filter(pk=author.pk).exists()
    assert not Notification.objects.filter(user_id=author.pk).exists()
