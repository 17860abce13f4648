"""The author's list of possible matches (GET /cameo/possible-matches, docs/videos-of-me.md) shows each
match beside its video's poster, so the author can tell which of their videos is meant: at the same
URL the video's own body gives it (a draft's signed and expiring, never at a guessable URL), read with
the page, not one query a match."""

from urllib.parse import urlsplit

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from cameos.models import Appearance, Audience, Cameo
from feed import services as feed

MATCHES = "/api/v1/cameo/possible-matches"

pytestmark = pytest.mark.django_db


def possible_match(video, person):  # type: ignore[no-untyped-def]
    """A face in `video` like `person`'s, below the bar that reveals the video (as the scans record it);
    their cameo is open to everyone, so that its author may be told who they are."""
    Cameo.objects.get_or_create(owner=person, defaults={"audience": Audience.EVERYONE})
    return Appearance.objects.create(
        video=video, user=person, source=Appearance.Source.DETECTED, match=Appearance.Match.POSSIBLE, similarity=0.6
    )


def test_each_match_shows_the_authors_own_poster_and_a_drafts_is_signed(api, me, make_user, make_video):
    draft, published = make_video(me, publish=False), make_video(me)
    ana, ben = make_user("ana.maybe"), make_user("ben.maybe")
    possible_match(draft, ana)
    possible_match(published, ben)

    response = api.get(MATCHES)
    assert response.status_code == 200
    posters = {m["video_id"]: m["poster_url"] for m in response.json()["results"]}
    assert set(posters) == {draft.pk, published.pk}
    # The same URL the video's own body gives its author (a draft's token carries its expiry, to the
    # second: two reads that straddle a second differ in it alone, so its path is compared).
    for video in (draft, published):
        own = api.get(f"/api/v1/videos/{video.pk}").json()["poster_url"]
        assert urlsplit(posters[video.pk]).path == urlsplit(own).path
        assert ("?t=" in own) == (video is draft)
        poster = api.get(posters[video.pk])
        assert poster.status_code == 200 and poster["Content-Type"] == "image/jpeg"
    # The draft's poster only at its signed URL: without the token (what anyone could guess from the
    # published poster's form) it is a 404.
    assert "?t=" in posters[draft.pk] and "?" not in posters[published.pk]
    assert api.get(urlsplit(posters[draft.pk]).path).status_code == 404


def test_a_video_hidden_from_everyone_shows_no_poster(api, me, make_user, make_video):
    video = make_video(me)
    possible_match(video, make_user("ana.maybe"))
    assert feed.video_hide(video=video, reason="takedown request")

    [match] = api.get(MATCHES).json()["results"]
    assert (match["video_id"], match["poster_url"]) == (video.pk, None)


def test_the_posters_cost_no_query_per_match(api, me, make_user, make_video):
    def statements() -> tuple[int, int]:
        with CaptureQueriesContext(connection) as queries:
            response = api.get(f"{MATCHES}?limit=50")
        assert response.status_code == 200
        results = response.json()["results"]
        assert all(m["poster_url"] for m in results)
        return len(queries), len(results)

    people = [make_user(f"person.{n:02d}") for n in range(12)]
    for n in range(2):
        possible_match(make_video(me, publish=n % 2 == 0), people[n])
    few, listed = statements()
    assert listed == 2
    for n in range(2, 12):
        possible_match(make_video(me, publish=n % 2 == 0), people[n])
    many, listed = statements()
    assert listed == 12
    assert many == few
