"""A takedown request and support deactivating the author of the video it matches never undo each
other: a video hidden pending review stays hidden when the account is opened again, and a video
hidden with its author's account is not published by a dismissal while the account stays closed."""

from __future__ import annotations

import numpy as np
import pytest

from accounts import services as accounts
from feed.fingerprints import Fingerprint
from feed.models import RemovedFingerprint, Video
from moderation import takedowns
from moderation.models import TakedownRequest
from tests.cameos import videos
from tests.moderation.test_takedowns import challenge, submit, with_face
from tests.races import pause_on, second_while_first_pauses

pytestmark = pytest.mark.django_db


@pytest.fixture
def hers(make_user, make_video):  # type: ignore[no-untyped-def]
    """A published video of Eileen's face by an uploader support will deactivate."""
    return with_face(make_video(make_user("uploader")), "astronaut")


def request_for_her(anon, capture) -> TakedownRequest:  # type: ignore[no-untyped-def]
    tracking = submit(anon, videos.video(), challenge(anon), capture=capture).json()["tracking"]
    return TakedownRequest.objects.get(tracking=tracking)


def state(video: Video) -> tuple[str, bool]:
    video.refresh_from_db()
    return video.status, video.hidden_with_author


def test_a_request_on_a_video_hidden_with_its_author_keeps_it_hidden_after_reactivation(
    anon, make_user, hers, django_capture_on_commit_callbacks
):
    accounts.user_active_set(user=hers.author, active=False)
    request = request_for_her(anon, django_capture_on_commit_callbacks)
    assert (request.status, request.videos_hidden) == ("hidden", 1)  # hidden for the review too
    assert state(hers) == ("removed", False)

    accounts.user_active_set(user=hers.author, active=True)
    assert state(hers) == ("removed", False)  # the review still waits
    assert anon.get(f"/api/v1/videos/{hers.pk}").status_code == 404

    takedowns.request_dismiss(request_id=request.pk, reviewer=make_user("reviewer"))
    assert state(hers) == ("published", False)
    assert anon.get(f"/api/v1/videos/{hers.pk}").status_code == 200


def test_a_request_confirmed_while_the_author_is_deactivated_removes_the_video_for_good(
    anon, make_user, hers, django_capture_on_commit_callbacks
):
    rng = np.random.default_rng(3)
    fingerprint = Fingerprint(rng.integers(0, 256, size=(6, 32), dtype=np.uint8), np.full(6, 100, np.uint8))
    Video.objects.filter(pk=hers.pk).update(fingerprint=fingerprint.to_bytes())  # kept: no copy publishable
    accounts.user_active_set(user=hers.author, active=False)
    request = request_for_her(anon, django_capture_on_commit_callbacks)

    done = takedowns.request_confirm(request_id=request.pk, reviewer=make_user("reviewer"))
    assert (done.status, done.videos_removed) == ("removed", 1)
    assert not Video.objects.filter(pk=hers.pk).exists()
    assert RemovedFingerprint.objects.filter(video_id=hers.pk, reason="taken_down").exists()
    accounts.user_active_set(user=hers.author, active=True)
    assert anon.get(f"/api/v1/videos/{hers.pk}").status_code == 404


def test_a_request_dismissed_while_the_author_is_deactivated_leaves_the_video_to_the_reactivation(
    anon, make_user, hers, django_capture_on_commit_callbacks
):
    request = request_for_her(anon, django_capture_on_commit_callbacks)  # hidden pending review
    accounts.user_active_set(user=hers.author, active=False)
    assert state(hers) == ("removed", False)  # hidden for the review, not for the deactivation

    takedowns.request_dismiss(request_id=request.pk, reviewer=make_user("reviewer"))
    assert state(hers) == ("removed", True)  # now hidden with her account
    assert anon.get(f"/api/v1/videos/{hers.pk}").status_code == 404

    accounts.user_active_set(user=hers.author, active=True)
    assert state(hers) == ("published", False)


@pytest.mark.django_db(transaction=True)
def test_a_dismissal_while_support_deactivates_the_author_never_publishes_the_video(anon, make_user, hers, monkeypatch):
    """The deactivation holds the author's videos until it commits: a dismissal that reaches the
    hidden video meanwhile waits, then sees the account closed and hides the video with it, rather
    than publish it for an account that is deactivated a moment later. Two threads, each with its
    own connection, against committed data (PostgreSQL when DATABASE_URL says so; SQLite's
    transactions take turns anyway)."""
    from accounts.signals import account_deactivated

    request = request_for_her(anon, None)  # committed: the eager task verifies it at once
    assert state(hers) == ("removed", False)
    reviewer = make_user("reviewer")
    with pause_on(account_deactivated) as pause:  # after the feed hid her videos, before the commit
        errors = second_while_first_pauses(
            lambda: accounts.user_active_set(user=hers.author, active=False),
            lambda: takedowns.request_dismiss(request_id=request.pk, reviewer=reviewer),
            pause,
            names=("deactivate", "dismiss"),
        )
    assert errors == []

    assert TakedownRequest.objects.get(pk=request.pk).status == "dismissed"
    assert state(hers) == ("removed", True)  # hidden with her account, not published
    accounts.user_active_set(user=hers.author, active=True)
    assert state(hers) == ("published", False)
