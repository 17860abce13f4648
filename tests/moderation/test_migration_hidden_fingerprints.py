"""moderation 0012: the videos hidden pending a takedown review before their fingerprints were kept
(feed 0011) get them, so that no copy of one is published while its review waits; nothing else does."""

from __future__ import annotations

import importlib

import numpy as np
import pytest
from django.apps import apps

from feed import services as feed_services
from feed.fingerprints import Fingerprint
from feed.models import RemovedFingerprint, Video
from moderation import takedowns
from moderation.models import TakedownRequest
from tests.cameos import videos
from tests.moderation.test_takedowns import challenge, submit, with_face

pytestmark = pytest.mark.django_db
migration = importlib.import_module("moderation.migrations.0012_backfill_hidden_for_review_fingerprints")


def fingerprinted(video: Video, seed: int) -> bytes:
    rng = np.random.default_rng(seed)
    fingerprint = Fingerprint(rng.integers(0, 256, size=(6, 32), dtype=np.uint8), np.full(6, 100, np.uint8))
    Video.objects.filter(pk=video.pk).update(fingerprint=fingerprint.to_bytes())
    video.refresh_from_db()
    return fingerprint.to_bytes()


def test_videos_hidden_for_a_waiting_review_get_their_fingerprint_kept_and_no_copy_is_published(
    anon, make_user, make_video, django_capture_on_commit_callbacks
):
    uploader, copier = make_user("uploader"), make_user("copier")
    before = with_face(make_video(uploader), "astronaut")  # hidden before feed 0011: no row
    since = with_face(make_video(uploader), "astronaut")  # hidden since: its row is kept as it is
    no_fingerprint = with_face(make_video(uploader), "astronaut")  # made before fingerprints: nothing to keep
    taken_down = make_video(uploader)  # taken down by moderation, no takedown request: not this migration's
    elsewhere = make_video(uploader)  # published, in no request
    prints = {v.pk: fingerprinted(v, seed) for seed, v in enumerate((before, since, taken_down, elsewhere))}
    tracking = submit(anon, videos.video(), challenge(anon), capture=django_capture_on_commit_callbacks).json()[
        "tracking"
    ]
    request = TakedownRequest.objects.get(tracking=tracking)
    assert request.videos_hidden == 3
    feed_services.video_take_down(video=taken_down, reason="violence")
    RemovedFingerprint.objects.filter(video_id__in=[before.pk, taken_down.pk]).delete()  # as before feed 0011
    kept = RemovedFingerprint.objects.get(video_id=since.pk)

    copy = make_video(copier, publish=False)
    Video.objects.filter(pk=copy.pk).update(fingerprint=prints[before.pk])
    copy.refresh_from_db()
    assert feed_services.video_publish(video=copy).status == "published"  # the gap: a copy got through
    feed_services.video_delete(video=copy, by=copier)

    migration.remember_hidden_fingerprints(apps, None)
    migration.remember_hidden_fingerprints(apps, None)  # run again: nothing more

    rows = {r.video_id: (r.reason, bytes(r.fingerprint)) for r in RemovedFingerprint.objects.all()}
    assert rows == {
        before.pk: ("hidden_for_review", prints[before.pk]),
        since.pk: ("hidden_for_review", prints[since.pk]),
    }
    assert RemovedFingerprint.objects.get(video_id=since.pk).removed_at == kept.removed_at
    assert Video.objects.get(pk=no_fingerprint.pk).status == "removed"

    again = make_video(copier, publish=False)
    Video.objects.filter(pk=again.pk).update(fingerprint=prints[before.pk])
    again.refresh_from_db()
    with pytest.raises(feed_services.CopyOfRemovedVideo):  # 409 copy_of_removed_video at the API
        feed_services.video_publish(video=again)
    assert Video.objects.get(pk=again.pk).status == "draft"

    takedowns.request_dismiss(request_id=request.pk, reviewer=make_user("reviewer"))  # as any hidden video's
    assert not RemovedFingerprint.objects.filter(video_id=before.pk).exists()
    assert feed_services.video_publish(video=Video.objects.get(pk=again.pk)).status == "published"
