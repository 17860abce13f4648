"""GET /me/export names a video's source (`videos[].remix_of`) as its author's job bodies do: while
they may open it (published and by no one in a block with them, or their own draft), never a video
hidden or taken down, nor one whose author is in a block with them."""

import pytest

from accounts import services as accounts_services
from feed import services

pytestmark = pytest.mark.django_db


def exported_remix_of(api, video):  # type: ignore[no-untyped-def]
    return [v["remix_of"] for v in api.get("/api/v1/me/export").json()["videos"] if v["id"] == video.pk]


def test_the_export_names_a_source_only_while_i_may_open_it(api, me, other, make_video):
    source = make_video(other)
    mine = make_video(me, remix_of=source)
    assert exported_remix_of(api, mine) == [source.pk]

    accounts_services.block_create(blocker=other, blocked=me)
    assert exported_remix_of(api, mine) == [None]  # a 404 to me
    accounts_services.block_delete(blocker=other, blocked=me)
    assert exported_remix_of(api, mine) == [source.pk]

    services.video_hide(video=source, reason="takedown request TD-1")
    assert exported_remix_of(api, mine) == [None]
    services.video_unhide(video=source)
    services.video_take_down(video=source, reason="moderation")
    assert exported_remix_of(api, mine) == [None]


def test_the_export_names_my_own_draft_that_i_remixed(api, me, make_video):
    draft = make_video(me, publish=False)
    remix = make_video(me, remix_of=draft)  # published before its source
    assert api.get(f"/api/v1/videos/{remix.pk}").json()["remix_of"] is None  # a shared body: not yet
    assert exported_remix_of(api, remix) == [draft.pk]  # but mine to open
