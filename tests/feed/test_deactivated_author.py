"""An account support deactivated (accounts.services.user_active_set) leaves no video in anyone's feed:
its published videos are hidden everywhere (status removed, Video.AUTHOR_DEACTIVATED) while it is
deactivated, and exactly those come back, with the same ids, when support opens it again. The people
in them still find and delete them (docs/videos-of-me.md)."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest

from accounts import services as accounts
from cameos import services as cameos
from feed import services
from feed.fingerprints import Fingerprint
from feed.models import RemovedFingerprint, Video, VideoPerson

pytestmark = pytest.mark.django_db
API = "/api/v1"


def ids(client: Any, path: str) -> list[int]:
    response = client.get(f"{API}{path}")
    assert response.status_code == 200, (path, response.content)
    body = response.json()
    return [v["id"] for v in (body["results"] if "results" in body else body["videos"])]


def statuses(*videos: Video) -> list[str]:
    return [Video.objects.get(pk=v.pk).status for v in videos]


@pytest.fixture
def gail(make_user, make_video, client_of):  # type: ignore[no-untyped-def]
    """Gail's published videos, in everything a viewer (Vic: follows her and Pat, the person in one of
    them) reads, one of them remixed by Fred, one a remix of Fred's; and a draft."""
    gail, vic, pat, fred = (make_user(h) for h in ("gail", "vic", "pat", "fred"))
    accounts.follow_create(follower=vic, followee=gail)
    accounts.follow_create(follower=vic, followee=pat)
    fred_video = make_video(fred, caption="fred origami")
    videos = {
        "kite": make_video(gail, caption="kite surfing at dawn"),
        "with_pat": make_video(gail, caption="kite lessons with pat"),
        "remix_of_fred": make_video(gail, remix_of=fred_video, caption="kite origami"),
        "draft": make_video(gail, publish=False, caption="kite draft"),
    }
    cameos.appearances_record(video=videos["with_pat"], tagged=[pat.pk], detected={})  # his cameo, tagged
    remix = make_video(fred, remix_of=videos["kite"], caption="fred flies it too")
    services.like_create(user=vic, video=videos["kite"])  # rising: in today's trending
    return {"gail": gail, "vic": vic, "pat": pat, "fred": fred, "fred_video": fred_video, "remix": remix, **videos}


def test_deactivated_authors_videos_leave_every_feed_and_come_back_the_same_on_reactivation(gail, client_of, anon):
    w = gail
    vic, pat = client_of(w["vic"]), client_of(w["pat"])
    shown = [w["kite"].pk, w["with_pat"].pk, w["remix_of_fred"].pk]
    reads = {
        "for you": lambda c: ids(c, "/feed"),
        "following": lambda c: ids(c, "/feed/following"),
        "search": lambda c: ids(c, "/search?q=kite&type=videos"),
    }

    def gails(found: list[int]) -> set[int]:
        return set(found) & {*shown, w["draft"].pk}

    for name, read in reads.items():
        assert gails(read(vic)) == set(shown), name
    assert w["kite"].pk in ids(anon, "/trending")
    assert gails(ids(anon, "/feed")) == set(shown)
    assert vic.get(f"{API}/videos/{w['remix'].pk}").json()["remix_of"] == w["kite"].pk
    assert vic.get(f"{API}/videos/{w['fred_video'].pk}").json()["counts"]["remixes"] == 1
    before = {v: anon.get(f"{API}/videos/{v}").json() for v in shown}

    accounts.user_active_set(user=w["gail"], active=False)

    for name, read in reads.items():
        assert gails(read(vic)) == set(), name
    assert gails(ids(anon, "/feed")) == set()
    assert w["kite"].pk not in ids(anon, "/trending")
    for video_id in shown:
        for client in (vic, pat, anon):
            assert client.get(f"{API}/videos/{video_id}").status_code == 404
            assert client.get(f"{API}/videos/{video_id}/comments").status_code == 404
        assert vic.put(f"{API}/videos/{video_id}/like").status_code == 404
        assert vic.post(f"{API}/videos/{video_id}/views", {"watched_ms": 5, "completed": True}).status_code == 404
    assert client_of(w["fred"]).get(f"{API}/feed").status_code == 200
    # A remix of hers names no source; what she remixed counts her remix no more.
    assert vic.get(f"{API}/videos/{w['remix'].pk}").json()["remix_of"] is None
    assert vic.get(f"{API}/videos/{w['fred_video'].pk}").json()["counts"]["remixes"] == 0
    assert not VideoPerson.objects.filter(video=w["with_pat"], published=True).exists()
    assert statuses(*[Video(pk=v) for v in shown]) == ["removed"] * 3
    assert statuses(w["draft"]) == ["draft"]
    # Pat still finds the video of him, hidden as a video waiting for a takedown review is.
    mine = pat.get(f"{API}/cameo/appearances").json()["results"]
    assert [(a["video"]["id"], a["video"]["status"], a["video"]["media_url"]) for a in mine] == [
        (w["with_pat"].pk, "removed", None)
    ]

    accounts.user_active_set(user=w["gail"], active=True)

    for name, read in reads.items():
        assert gails(read(vic)) == set(shown), name
    assert w["kite"].pk in ids(anon, "/trending")
    assert {v: anon.get(f"{API}/videos/{v}").json() for v in shown} == before  # ids, rank, counts, links
    assert vic.get(f"{API}/videos/{w['remix'].pk}").json()["remix_of"] == w["kite"].pk
    assert vic.get(f"{API}/videos/{w['fred_video'].pk}").json()["counts"]["remixes"] == 1
    assert VideoPerson.objects.get(video=w["with_pat"]).published
    assert statuses(w["draft"]) == ["draft"]


def test_reactivation_brings_back_only_what_the_deactivation_hid(gail, anon):
    """Not a video hidden pending a takedown, nor one moderation took down, before or after."""
    w = gail
    services.video_hide(video=w["kite"], reason="takedown request TD-1")  # before the deactivation
    services.video_take_down(video=w["remix_of_fred"], reason="spam")

    accounts.user_active_set(user=w["gail"], active=False)
    services.video_take_down(video=Video.objects.get(pk=w["with_pat"].pk), reason="violence")  # after
    accounts.user_active_set(user=w["gail"], active=True)

    assert statuses(w["kite"], w["with_pat"], w["remix_of_fred"]) == ["removed"] * 3
    assert Video.objects.get(pk=w["with_pat"].pk).removed_reason == "violence"
    assert set(ids(anon, "/feed")) & {w["kite"].pk, w["with_pat"].pk, w["remix_of_fred"].pk} == set()
    assert anon.get(f"{API}/videos/{w['fred_video'].pk}").json()["counts"]["remixes"] == 0
    services.video_unhide(video=w["kite"])  # the takedown dismissed: back as before
    assert statuses(w["kite"]) == ["published"]


def test_a_takedown_dismissed_while_the_author_is_deactivated_keeps_the_video_hidden_until_reactivation(gail, anon):
    w = gail
    services.video_hide(video=w["kite"], reason="takedown request TD-1")
    accounts.user_active_set(user=w["gail"], active=False)

    assert services.video_unhide(video=w["kite"]) is False  # dismissed: hidden with her account now
    assert Video.objects.get(pk=w["kite"].pk).hidden_with_author
    assert anon.get(f"{API}/videos/{w['kite'].pk}").status_code == 404
    assert anon.get(f"{API}/videos/{w['remix'].pk}").json()["remix_of"] is None

    accounts.user_active_set(user=w["gail"], active=True)
    assert statuses(w["kite"]) == ["published"]
    assert anon.get(f"{API}/videos/{w['remix'].pk}").json()["remix_of"] == w["kite"].pk


def test_the_person_in_a_hidden_video_deletes_it_by_its_authors_handle(gail, client_of):
    w = gail
    pat = client_of(w["pat"])
    accounts.user_active_set(user=w["gail"], active=False)
    export = pat.get(f"{API}/me/export").json()
    assert [a["video_id"] for a in export["appearances"]] == [w["with_pat"].pk]

    assert pat.delete(f"{API}/cameo/appearances?author=gail").json() == {"deleted": 1}
    assert not Video.objects.filter(pk=w["with_pat"].pk).exists()
    assert pat.get(f"{API}/cameo/appearances").json()["results"] == []
    accounts.user_active_set(user=w["gail"], active=True)
    assert statuses(w["kite"], w["remix_of_fred"]) == ["published"] * 2


def test_erasing_a_deactivated_account_takes_its_hidden_videos_and_keeps_no_fingerprint(gail):
    """Hidden with their author, not taken down: copies of them stay publishable, by anyone."""
    w = gail
    rng = np.random.default_rng(7)
    fingerprint = Fingerprint(rng.integers(0, 256, size=(6, 32), dtype=np.uint8), np.full(6, 100, np.uint8))
    Video.objects.filter(pk__in=[w["kite"].pk, w["with_pat"].pk]).update(fingerprint=fingerprint.to_bytes())
    accounts.user_active_set(user=w["gail"], active=False)
    accounts.account_erase(user=w["gail"])
    assert not Video.objects.filter(author_id=w["gail"].pk).exists()
    assert not RemovedFingerprint.objects.exists()
    assert Video.objects.get(pk=w["fred_video"].pk).remix_count == 0
    assert Video.objects.get(pk=w["remix"].pk).remix_of_id is None


def test_a_deactivated_account_publishes_nothing(make_user, make_video):
    """A publish that got past sign-in just before support deactivated the account: refused, still a draft."""
    gail = make_user("gail")
    draft = make_video(gail, publish=False)
    accounts.user_active_set(user=gail, active=False)
    with pytest.raises(services.AuthorDeactivated):
        services.video_publish(video=draft)
    assert statuses(draft) == ["draft"]


def test_a_large_author_is_hidden_in_a_few_statements(make_user, make_video, django_assert_max_num_queries):
    author, fred, pat = make_user("prolific"), make_user("fred"), make_user("pat")
    sources = [make_video(fred), make_video(fred)]
    many = [make_video(author, people=(pat,)) for _ in range(6)]
    many += [make_video(author, remix_of=sources[i % 2]) for i in range(5)]  # three of one, two of the other
    with django_assert_max_num_queries(25):
        accounts.user_active_set(user=author, active=False)
    assert set(statuses(*many)) == {"removed"}
    assert [Video.objects.get(pk=s.pk).remix_count for s in sources] == [0, 0]
    assert not VideoPerson.objects.filter(author=author, published=True).exists()
    with django_assert_max_num_queries(25):
        accounts.user_active_set(user=author, active=True)
    assert set(statuses(*many)) == {"published"}
    assert [Video.objects.get(pk=s.pk).remix_count for s in sources] == [3, 2]
    assert VideoPerson.objects.filter(author=author, published=True).count() == 6


def test_someone_enrolling_while_the_author_is_deactivated_finds_the_hidden_video_of_them(
    make_user, make_video, activate_cameo, client_of
):
    """The scan of existing videos finds a video hidden with its author's account (it is published again
    when the account is opened): its person sees it listed and may delete it before."""
    from tests.cameos import lookalikes

    gail, pat = make_user("gail"), make_user("pat")
    video = make_video(gail)
    template, frames = lookalikes.track(lookalikes.FACE)
    cameos.video_faces_record(video_id=video.pk, tracks=[(template, 0, 2000, frames)])
    accounts.user_active_set(user=gail, active=False)

    activate_cameo(pat, template=lookalikes.template(lookalikes.FACE))  # enrollment accepted: the scan runs
    listed = client_of(pat).get(f"{API}/cameo/appearances").json()["results"]
    assert [(a["match"], a["video"]["id"], a["video"]["status"]) for a in listed] == [
        ("confirmed", video.pk, "removed")
    ]
    accounts.user_active_set(user=gail, active=True)
    assert VideoPerson.objects.get(video=video, user=pat).published
