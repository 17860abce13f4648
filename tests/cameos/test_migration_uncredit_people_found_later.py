"""cameos 0014: a person a scan found in someone else's video after it was made, named in its public
`cameos` before that needed consent, is named there no longer unless their cameo admits its author;
the people the output scan found as the video was made, and the tagged ones, stay named."""

from __future__ import annotations

import datetime as dt
import importlib

import pytest
from django.apps import apps

from cameos.models import Appearance
from feed.models import VideoPerson

pytestmark = pytest.mark.django_db
migration = importlib.import_module("cameos.migrations.0014_uncredit_people_found_later")


def test_people_found_later_without_consent_are_no_longer_named(anon, me, other, make_user, make_video, activate_cameo):
    author, fan = make_user("the.author"), make_user("the.fan")
    activate_cameo(me)  # `approved`: the author was never granted it
    activate_cameo(fan, audience="everyone")
    activate_cameo(other)
    video = make_video(author, people=(me, fan, other), publish=True)
    later = video.created_at + dt.timedelta(hours=1)
    for person, found_at in ((me, later), (fan, later), (other, video.created_at)):  # other: the output scan's
        Appearance.objects.create(video=video, user=person, source="detected", similarity=0.9, created_at=found_at)
    assert anon.get(f"/api/v1/videos/{video.pk}").json()["cameos"] == ["me.myself", "other.person", "the.fan"]

    migration.uncredit_people_found_later(apps, None)

    assert anon.get(f"/api/v1/videos/{video.pk}").json()["cameos"] == ["other.person", "the.fan"]
    assert VideoPerson.objects.filter(video=video, user=me).exists()  # still a video of me, mine to delete
