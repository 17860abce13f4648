"""DELETE /comments/{id} of a comment the caller's list of comments hides (by someone in a block with
them, or an account support deactivated) answers as an unknown id does: a 403 told them that a
hidden comment exists under a video they see. The video's author still deletes any comment on it."""

import pytest

from accounts import services as accounts
from feed.models import Comment

pytestmark = pytest.mark.django_db
API = "/api/v1"


@pytest.fixture
def world(make_user, make_video, client_of):  # type: ignore[no-untyped-def]
    author, viewer, blocker, closed = (make_user(h) for h in ("the.author", "the.viewer", "the.blocker", "closed.one"))
    video = make_video(author)
    ids = {}
    for who in (blocker, closed):
        response = client_of(who).post(f"{API}/videos/{video.pk}/comments", {"text": "hello"}, format="json")
        ids[who.handle] = response.json()["id"]
    accounts.block_create(blocker=blocker, blocked=viewer)
    accounts.user_active_set(user=closed, active=False)
    return {"author": author, "viewer": viewer, "video": video, "ids": ids}


def test_a_comment_hidden_from_me_is_an_unknown_id_to_delete(world, client_of):  # type: ignore[no-untyped-def]
    viewer = client_of(world["viewer"])
    assert viewer.get(f"{API}/videos/{world['video'].pk}/comments").json()["results"] == []
    unknown = viewer.delete(f"{API}/comments/{max(world['ids'].values()) + 100}")
    assert unknown.status_code == 404
    for comment_id in world["ids"].values():
        response = viewer.delete(f"{API}/comments/{comment_id}")
        assert (response.status_code, response.json()) == (404, unknown.json())
    assert Comment.objects.count() == 2


def test_the_video_author_still_deletes_any_comment_on_their_video(world, client_of):  # type: ignore[no-untyped-def]
    """Theirs to tidy, a comment of a deactivated account included (its id known to them)."""
    closed_id = world["ids"]["closed.one"]
    assert client_of(world["author"]).delete(f"{API}/comments/{closed_id}").status_code == 204
    assert not Comment.objects.filter(pk=closed_id).exists()
