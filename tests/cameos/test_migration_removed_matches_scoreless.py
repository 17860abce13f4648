"""cameos 0013: the matches authors removed ("not them") of a person whose cameo was erased before
the erasure dropped their similarity lose it now; those of a person with a cameo keep it."""

from __future__ import annotations

import importlib

import pytest
from django.apps import apps

from cameos.models import Appearance

pytestmark = pytest.mark.django_db
migration = importlib.import_module("cameos.migrations.0013_removed_matches_scoreless")


def test_removed_matches_of_an_erased_cameo_lose_their_score(me, other, make_user, make_video, activate_cameo):
    activate_cameo(other)
    author = make_user("the.author")
    video = make_video(author)
    for person, match in ((me, "removed"), (other, "removed")):
        Appearance.objects.create(video=video, user=person, source="detected", similarity=0.7, match=match)
    seen = make_video(author)
    Appearance.objects.create(video=seen, user=me, source="detected", similarity=0.9, match="confirmed")

    migration.removed_matches_scoreless(apps, None)

    assert set(Appearance.objects.values_list("user_id", "match", "similarity")) == {
        (me.pk, "removed", None),  # no cameo any more: the number of a face that is gone
        (other.pk, "removed", 0.7),  # their cameo still stands (the next erasure drops it)
        (me.pk, "confirmed", 0.9),  # a video of me: listed to me with its similarity
    }


def test_removed_matches_of_a_face_enrolled_again_since_lose_their_score(me, make_user, make_video, activate_cameo):
    """Someone who erased their cameo and enrolled again before the erasure dropped scores: the match
    was of the face before, which the new enrollment forgets now."""
    import datetime as dt

    from django.utils import timezone

    from cameos.models import Cameo

    activate_cameo(me)
    video = make_video(make_user("the.author"))
    old = Appearance.objects.create(video=video, user=me, source="detected", similarity=0.7, match="removed")
    Appearance.objects.filter(pk=old.pk).update(created_at=timezone.now() - dt.timedelta(days=2))
    Cameo.objects.filter(owner=me).update(enrolled_at=timezone.now() - dt.timedelta(days=1))
    since = Appearance.objects.create(video=make_video(me), user=me, source="detected", similarity=0.6, match="removed")

    migration.removed_matches_scoreless(apps, None)

    assert Appearance.objects.get(pk=old.pk).similarity is None
    assert Appearance.objects.get(pk=since.pk).similarity == 0.6  # of the face they have now
