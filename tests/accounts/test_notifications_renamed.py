"""A notification names the person it is about by their handle now: support may rename someone, and
their old handle may then be taken by anyone, whom the notification must not name instead."""

import pytest

from accounts import services
from accounts.models import User
from cameos import services as cameos
from tests.accounts.test_admin import change

pytestmark = pytest.mark.django_db


def _named(client, kind):  # type: ignore[no-untyped-def]
    return [n["data"] for n in client.get("/api/v1/notifications").json()["results"] if n["kind"] == kind]


def test_a_request_notification_names_the_asker_by_their_handle_now(support, make_user, client_of, activate_cameo):  # type: ignore[no-untyped-def]
    owner, asker = make_user("cam.owner"), make_user("alice")
    activate_cameo(owner, audience="approved")
    cameos.grant_request(requester=asker, owner=owner)
    assert _named(client_of(owner), "cameo_requested")[0]["handle"] == "alice"

    assert change(support, asker, handle="alice.two").status_code == 302
    stranger = make_user("alice")  # the freed handle, someone else's now
    services.block_create(blocker=stranger, blocked=owner)

    named = _named(client_of(owner), "cameo_requested")
    assert [d["handle"] for d in named] == ["alice.two"]
    assert User.objects.get(handle="alice").pk == stranger.pk
    export = client_of(owner).get("/api/v1/me/export").json()
    assert [n["data"]["handle"] for n in export["notifications"] if n["kind"] == "cameo_requested"] == ["alice.two"]


def test_a_draft_notification_names_its_author_by_their_handle_now(
    support, make_user, client_of, activate_cameo, make_video
):  # type: ignore[no-untyped-def]
    from accounts.models import Notification

    person, author = make_user("in.it"), make_user("bob.maker")
    video = make_video(author, publish=False, people=(person,))
    services.notify(
        user_id=person.pk, kind=Notification.Kind.DRAFT_OF_YOU, video_id=video.pk, about=author.pk, author=author.handle
    )
    assert change(support, author, handle="bob.other").status_code == 302
    make_user("bob.maker")
    assert [d["author"] for d in _named(client_of(person), "draft_of_you")] == ["bob.other"]
