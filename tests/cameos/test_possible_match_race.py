"""An author who confirms a possible match on a draft while the draft is being deleted (by them in
another tab, or by a person in it) gets an answer from both: the confirm and the deletion take the
draft's job and the draft in the same order, so on PostgreSQL neither dies in a deadlock (a 500).
So does a scan of existing videos that confirms a possible match while its video is deleted. Two
threads, each with its own database connection, against committed data."""

from __future__ import annotations

from typing import Any

import pytest

from accounts import services as accounts
from accounts.models import User
from cameos import gallery
from cameos import services as cameos
from cameos.models import Appearance
from cameos.services import appearances
from feed import services as feed_services
from feed.models import Video, VideoPerson
from generation.models import GenerationJob
from tests import synthetic_faces as faces
from tests.races import pause_in, second_while_first_pauses

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]

MATCHES = "/api/v1/cameo/possible-matches"


def test_confirming_a_possible_match_while_its_draft_is_deleted_answers_both(
    me, make_user, make_video, client_of, activate_cameo, monkeypatch
):
    activate_cameo(me, audience="everyone")  # a cameo that admits the author: they may be asked about me
    author = make_user("draft.maker")
    draft = make_video(author, publish=False)
    GenerationJob.objects.create(
        author=author, prompt="two people on a beach", duration_s=2, seed=1, status="ready", progress=100, video=draft
    )
    match = Appearance.objects.create(
        video=draft, user=me, source=Appearance.Source.DETECTED, similarity=0.5, match=Appearance.Match.POSSIBLE
    )

    # The confirm pauses once it holds what it holds, before it adds me to the draft (and so to its job).
    pause = pause_in(monkeypatch, feed_services, "video_add_person")

    answers: dict[str, int] = {}
    # the deletion waits on what the confirm holds
    errors = second_while_first_pauses(
        lambda: answers.update(confirm=client_of(author).post(f"{MATCHES}/{match.pk}/confirm").status_code),
        lambda: answers.update(delete=client_of(author).delete(f"/api/v1/videos/{draft.pk}").status_code),
        pause,
        names=("confirm", "delete"),
    )

    assert errors == []
    assert answers == {"confirm": 204, "delete": 204}
    assert not Video.objects.filter(pk=draft.pk).exists()
    assert not VideoPerson.objects.filter(video_id=draft.pk).exists()


def test_a_scan_confirming_a_match_while_its_video_is_deleted_ends_both(
    me, make_user, make_video, client_of, activate_cameo, monkeypatch
):
    """My face scan reveals a video that was only a possible match of me (published since) while its
    author deletes it. The scan takes the video's job, then the video, then my match, as the
    deletion does; taking my match first, it deadlocked with the deletion on PostgreSQL (one of the
    two failed: the scan's task, or the author's DELETE with a 500)."""
    template = faces.template("astronaut")
    activate_cameo(me, template=template, audience="everyone")  # its own scan finds nothing yet; admits the author
    author = make_user("the.author")
    video = make_video(author)
    GenerationJob.objects.create(
        author=author, prompt="an astronaut on a beach", duration_s=2, seed=1, status="published", video=video
    )
    gallery.video_faces_put(video.pk, [(template, 0, 900, 4)])
    Appearance.objects.create(
        video=video, user=me, source=Appearance.Source.DETECTED, similarity=0.5, match=Appearance.Match.POSSIBLE
    )

    # The scan pauses just before it takes me and the video's job and row, holding whatever it took
    # before (with my match taken first, that match: the deletion then waits on it, and the scan on
    # the video).
    pause = pause_in(monkeypatch, appearances, "people_hold", thread="scan")

    answers: dict[str, Any] = {}
    # the deletion ends, or waits on what the scan holds
    errors = second_while_first_pauses(
        lambda: answers.update(scan=cameos.existing_videos_scan(cameo_id=me.cameo.pk)),
        lambda: answers.update(delete=client_of(author).delete(f"/api/v1/videos/{video.pk}").status_code),
        pause,
        names=("scan", "delete"),
    )

    assert errors == []
    assert answers == {"scan": [], "delete": 204}  # the deletion went first; the scan passes over the gone video
    assert not Video.objects.filter(pk=video.pk).exists()
    assert not Appearance.objects.filter(video_id=video.pk).exists()
    assert not VideoPerson.objects.filter(video_id=video.pk).exists()


def test_confirming_a_possible_match_while_its_person_erases_their_account_answers_both(
    me, make_user, make_video, client_of, activate_cameo, monkeypatch
):
    """The confirm held the video, then added the person to it (a row naming their account, locked at
    its insert); the person's erasure held their account row, then took back their like of the video
    (its count): on PostgreSQL a deadlock, the confirm answering 500. The confirm holds the person
    first, as the erasure does: the erasure waits for it."""
    activate_cameo(me, audience="everyone")  # a cameo that admits the author: they may be asked about me
    author = make_user("video.maker")
    video = make_video(author)
    feed_services.like_create(user=me, video=video)
    match = Appearance.objects.create(
        video=video, user=me, source=Appearance.Source.DETECTED, similarity=0.5, match=Appearance.Match.POSSIBLE
    )
    pause = pause_in(monkeypatch, feed_services, "video_add_person")
    answers: dict[str, int] = {}
    errors = second_while_first_pauses(
        lambda: answers.update(confirm=client_of(author).post(f"{MATCHES}/{match.pk}/confirm").status_code),
        lambda: accounts.account_erase(user=User.objects.get(pk=me.pk)),
        pause,
        names=("confirm", "erase"),
    )
    assert errors == []
    assert answers == {"confirm": 204}
    assert not User.objects.filter(pk=me.pk).exists() and not Appearance.objects.exists()


def test_a_scan_revealing_a_video_i_liked_while_i_erase_my_account_ends_both(
    me, make_user, make_video, activate_cameo, monkeypatch
):
    """My face scan reveals a video of me that I liked while I erase my account. The scan held the
    video's job and row, then adds me to it (a row naming my account); my erasure held my account
    row, then took back my like of the video (its count): on PostgreSQL a deadlock, the erasure or
    the scan's task failing. The scan holds me first, as a confirmed match does: one waits for the
    other."""
    template = faces.template("astronaut")
    activate_cameo(me, template=template, audience="everyone")  # its own scan finds nothing yet; admits the author
    author = make_user("the.author")
    video = make_video(author)
    GenerationJob.objects.create(
        author=author, prompt="an astronaut on a beach", duration_s=2, seed=1, status="published", video=video
    )
    gallery.video_faces_put(video.pk, [(template, 0, 900, 4)])
    feed_services.like_create(user=me, video=video)

    # once the video's job and row are held
    pause = pause_in(monkeypatch, feed_services, "video_hold_for_people", after=True, thread="scan")
    # the erasure waits on what the scan holds
    errors = second_while_first_pauses(
        lambda: cameos.existing_videos_scan(cameo_id=me.cameo.pk),
        lambda: accounts.account_erase(user=User.objects.get(pk=me.pk)),
        pause,
        names=("scan", "erase"),
    )

    assert errors == []
    assert not User.objects.filter(pk=me.pk).exists()
    video.refresh_from_db()
    assert video.like_count == 0
    assert not Appearance.objects.exists() and not VideoPerson.objects.filter(video=video).exists()


def test_a_scan_revealing_a_video_while_its_author_erases_their_account_ends_both(
    me, make_user, make_video, activate_cameo, monkeypatch
):
    """My face scan reveals a video of me by a friend, while she erases her account; a job of mine
    shows her. The scan holds me (every job of mine), then the video's job; her erasure holds her
    jobs, those that name her (mine) and those of her videos, in one id order: it held her video's
    job and waited for mine, and the scan for her video's job (on PostgreSQL a deadlock). The scan
    holds me and the video's job in one statement."""
    template = faces.template("astronaut")
    activate_cameo(me, template=template, audience="everyone")  # its own scan finds nothing yet; admits the author
    friend = make_user("the.friend")
    video = make_video(friend)
    hers = GenerationJob.objects.create(
        author=friend, prompt="an astronaut on a beach", duration_s=2, seed=1, status="published", video=video
    )
    while True:  # my job of her after her video's job in id order (ids are random), as jobs are held
        mine = GenerationJob.objects.create(
            author=me, prompt="@the.friend on a beach", duration_s=2, seed=1, status="published", people=[friend.pk]
        )
        if mine.pk > hers.pk:
            break
        mine.delete()
    gallery.video_faces_put(video.pk, [(template, 0, 900, 4)])

    pause = pause_in(monkeypatch, feed_services, "video_hold_for_people", thread="scan")  # I am held
    # the erasure waits on what the scan holds
    errors = second_while_first_pauses(
        lambda: cameos.existing_videos_scan(cameo_id=me.cameo.pk),
        lambda: accounts.account_erase(user=User.objects.get(pk=friend.pk)),
        pause,
        names=("scan", "erase"),
    )

    assert errors == []
    assert not User.objects.filter(pk=friend.pk).exists() and not Video.objects.filter(pk=video.pk).exists()


def test_confirming_a_possible_match_while_someone_in_the_video_erases_their_account_answers_both(
    me, make_user, make_video, client_of, activate_cameo, monkeypatch
):
    """An author confirms that I am in their video, which shows a friend of ours; a job of mine shows
    her too, and she erases her account at that moment. The confirm held me (every job of mine), then
    the video's job; her erasure holds the jobs that name her (mine, the video's) in one id order: it
    held the video's job and waited for mine, and the confirm for the video's job (on PostgreSQL a
    deadlock, the confirm answering 500). The confirm holds me and the video's job in one statement."""
    activate_cameo(me, audience="everyone")  # a cameo that admits the author: they may be asked about me
    author, friend = make_user("video.maker"), make_user("the.friend")
    video = make_video(author, people=(friend,))
    theirs = GenerationJob.objects.create(
        author=author, prompt="@the.friend on a beach", duration_s=2, seed=1, status="published", video=video
    )
    GenerationJob.objects.filter(pk=theirs.pk).update(people=[friend.pk])
    while True:  # my job of her after the video's job in id order (ids are random), as jobs are held
        mine = GenerationJob.objects.create(
            author=me, prompt="@the.friend on a beach", duration_s=2, seed=1, status="published", people=[friend.pk]
        )
        if mine.pk > theirs.pk:
            break
        mine.delete()
    match = Appearance.objects.create(
        video=video, user=me, source=Appearance.Source.DETECTED, similarity=0.5, match=Appearance.Match.POSSIBLE
    )
    pause = pause_in(monkeypatch, feed_services, "video_hold_for_people", thread="confirm")  # I am held
    answers: dict[str, int] = {}
    # the erasure waits on what the confirm holds
    errors = second_while_first_pauses(
        lambda: answers.update(confirm=client_of(author).post(f"{MATCHES}/{match.pk}/confirm").status_code),
        lambda: accounts.account_erase(user=User.objects.get(pk=friend.pk)),
        pause,
        names=("confirm", "erase"),
    )

    assert errors == []
    assert answers == {"confirm": 204}
    assert not User.objects.filter(pk=friend.pk).exists()
    assert VideoPerson.objects.filter(video=video, user=me).exists()
