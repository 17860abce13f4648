"""A revocation that commits while a publish is under way is never lost: either the publish finished
first (the video was published before consent went), or the publish sees the revocation and is
refused. Two threads, each with its own database connection, against committed data (SQLite with
IMMEDIATE transactions by default; PostgreSQL when DATABASE_URL says so)."""

from __future__ import annotations

import datetime as dt
import threading
from typing import Any

import pytest
from django.db import transaction
from django.utils import timezone

from accounts import services as accounts
from accounts.models import Block, Follow, User
from accounts.signals import account_appearances_deleting
from cameos import services as cameos
from cameos.models import CameoGrant
from config.celery import app as celery_app
from feed import services as feed_services
from feed.models import Video, VideoPerson
from generation import services
from generation.models import GenerationJob
from moderation import consent, takedowns
from moderation.models import TakedownChallenge, TakedownMatch, TakedownRequest
from tests.enroll import approve
from tests.races import (
    PAUSE_S,
    Pause,
    in_thread,
    pause_in,
    pause_on,
    second_while_first_pauses,
    until_done_or_blocked,
    while_erasing_paused_at_the_end,
)

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.usefixtures("c2pa_dev_dir")]

URL = "/api/v1/generations"


def a_draft_of_someone_else(me: Any, make_user: Any, enroll: Any) -> tuple[Any, Any]:
    """@astro.owner, who approved me, and my ready draft of her."""
    owner = make_user("astro.owner")
    enroll(owner, "astronaut", audience="approved")
    approve(owner, me)
    job, _ = services.job_submit(author=me, prompt="@astro.owner juggling on a unicycle", duration_s=2)
    job.refresh_from_db()
    return owner, job


def publish_pausing_before_the_video(monkeypatch: Any) -> Pause:
    """A publish from then on pauses once its job's row is held (moved to published), before it
    updates the video."""
    return pause_in(monkeypatch, feed_services, "video_publish")


@pytest.fixture
def cascade_waits_for_a_worker() -> Any:
    """Call it to send the tasks queued from then on (the consent cascade) to the broker, unconsumed,
    as in production they wait for a worker: the publish cannot count on the cascade having run."""
    eager = celery_app.conf.task_always_eager
    yield lambda: setattr(celery_app.conf, "task_always_eager", False)
    celery_app.conf.task_always_eager = eager


# How consent is taken back, and how anyone can tell it was (once committed).
REVOCATIONS = {
    "grant revoked": (
        lambda owner, me: cameos.grant_revoke(owner=owner, grant_id=CameoGrant.objects.get(grantee=me).pk),
        lambda owner, me: CameoGrant.objects.filter(grantee=me, status=CameoGrant.Status.REVOKED).exists(),
    ),
    "author blocked": (
        lambda owner, me: accounts.block_create(blocker=owner, blocked=me),
        lambda owner, me: Block.objects.filter(blocker=owner, blocked=me).exists(),
    ),
}


@pytest.mark.parametrize("revocation", REVOCATIONS)
@pytest.mark.parametrize("paused_in", ["the consent check", "the move to published"])
def test_consent_taken_back_while_a_draft_is_being_published_is_never_lost(
    paused_in, revocation, me, make_user, enroll, client_of, monkeypatch, cascade_waits_for_a_worker
):
    owner = make_user("astro.owner")
    enroll(owner, "astronaut", audience="approved")
    approve(owner, me)
    job, _ = services.job_submit(author=me, prompt="@astro.owner juggling on a unicycle", duration_s=2)
    job.refresh_from_db()
    assert job.status == "ready"
    cascade_waits_for_a_worker()

    if paused_in == "the consent check":
        pause = pause_in(monkeypatch, consent, "check", after=True, when=lambda *a, **k: k.get("stage") == "publish")
    else:
        pause = pause_in(monkeypatch, feed_services, "video_publish", after=True)

    answer: list[Any] = []
    publishing = in_thread(lambda: answer.append(client_of(me).post(f"{URL}/{job.pk}/publish", {}, format="json")))
    assert pause.reached.wait(timeout=60)
    take_back, taken_back = REVOCATIONS[revocation]
    revoking = in_thread(lambda: take_back(owner, me))
    until_done_or_blocked(revoking, PAUSE_S)
    revoked_meanwhile = taken_back(owner, me)  # what anyone else sees while the publish is paused
    pause.go_on.set()
    publishing.join(timeout=60)
    revoking.join(timeout=60)
    assert not publishing.is_alive() and not revoking.is_alive()

    assert taken_back(owner, me)
    published = Video.objects.filter(pk=job.video_id, status=Video.Status.PUBLISHED).exists()
    if revoked_meanwhile:  # consent went before the video was published: it must not be
        assert answer[0].status_code == 403, answer[0].json()
        assert answer[0].json()["error"] == "consent_required"
        assert not published and not Video.objects.filter(pk=job.video_id).exists()
        assert client_of(me).get(f"{URL}/{job.pk}").json()["status"] == "blocked"
    else:  # the revocation waited for the publish (published while still allowed), or came just after
        # the pause and before the publish held the consent (then seen by it)
        assert answer[0].status_code in (200, 403), answer[0].json()
        assert published == (answer[0].status_code == 200)


def held_then_paused(monkeypatch: Any, thread: str) -> Pause:
    """`thread` pauses once it holds someone's consent (cameos.services.consent_hold), until told."""
    return pause_in(monkeypatch, cameos, "consent_hold", after=True, thread=thread, when=lambda *, owner_ids: owner_ids)


def erased_while_held(work: Any, name: str, owner: Any, pause: Pause) -> list[Any]:
    """`work` in a thread called `name`, until it reaches `pause`; `owner`'s account erased meanwhile
    (second_while_first_pauses). What either raised (a deadlock, for one)."""
    erase = lambda: accounts.account_erase(user=User.objects.get(pk=owner.pk))  # noqa: E731
    return second_while_first_pauses(work, erase, pause, names=(name, "erase"))


def test_erasing_someone_while_a_draft_of_them_is_published_is_no_deadlock(
    me, make_user, enroll, client_of, monkeypatch
):
    """The erasure locks the person's cameo row before their account row, as a publish does (which
    needs the account row at commit, for the notification): on PostgreSQL the other order deadlocked,
    and the publish answered 500."""
    owner = make_user("astro.owner")
    enroll(owner, "astronaut", audience="approved")
    approve(owner, me)
    job, _ = services.job_submit(author=me, prompt="@astro.owner juggling on a unicycle", duration_s=2)
    pause = held_then_paused(monkeypatch, "publish")

    answer: list[Any] = []

    def publish() -> None:
        answer.append(client_of(me).post(f"{URL}/{job.pk}/publish", {}, format="json"))

    assert erased_while_held(publish, "publish", owner, pause) == []
    assert not User.objects.filter(pk=owner.pk).exists()
    assert answer[0].status_code in (200, 403), answer[0].json()


def test_blocking_someone_whose_account_is_being_erased_is_no_deadlock(me, make_user, enroll, monkeypatch):
    owner = make_user("astro.owner")
    enroll(owner, "astronaut", audience="approved")
    pause = held_then_paused(monkeypatch, "block")

    def block() -> None:
        accounts.block_create(blocker=me, blocked=owner)

    assert erased_while_held(block, "block", owner, pause) == []
    assert not User.objects.filter(pk=owner.pk).exists()


@pytest.mark.postgres
def test_a_publish_that_sees_someone_more_on_its_second_look_is_no_deadlock(make_user, activate_cameo, me):
    """The second look of a publish's gate shows someone the first did not (here the person added to
    what it shows while it held the first person), while another change holds that newcomer and
    waits for the first person. Holding the newcomer after the first person deadlocked (PostgreSQL
    broke it, one side answering 500); letting go and holding both in order is none."""
    first, newcomer = make_user("first.person"), make_user("new.person")
    activate_cameo(first)
    activate_cameo(newcomer)
    a_holds_first, errors = threading.Event(), []
    looks = iter([{first.pk}, {first.pk, newcomer.pk}, {first.pk, newcomer.pk}, {first.pk, newcomer.pk}])

    def decide() -> list[consent.Decision]:
        people = next(looks)
        if people == {first.pk, newcomer.pk} and not a_holds_first.is_set():
            a_holds_first.set()
            until_done_or_blocked(None, PAUSE_S)  # time for the other change to hold the newcomer and wait
        subjects = tuple(consent.Subject("mention", True, "granted", user_id=p) for p in sorted(people))
        return [consent.Decision(allowed=True, stage="publish", subjects=subjects)]

    def publish() -> None:
        with transaction.atomic():
            decisions = services._decided_with_consent_held(me, decide)
        assert {s.user_id for s in decisions[0].subjects} == {first.pk, newcomer.pk}

    newcomer_held = threading.Event()

    def change() -> None:
        with transaction.atomic():
            cameos.consent_hold(owner_ids=[newcomer.pk])
            newcomer_held.set()
            assert a_holds_first.wait(timeout=30)
            cameos.consent_hold(owner_ids=[first.pk])

    other = in_thread(change, name="change", errors=errors)
    assert newcomer_held.wait(timeout=30)
    publishing = in_thread(publish, name="publish", errors=errors)
    publishing.join(timeout=60)
    other.join(timeout=60)
    assert not publishing.is_alive() and not other.is_alive()
    assert errors == []


def test_an_author_erasing_their_account_while_their_draft_is_published_is_no_deadlock(
    me, make_user, enroll, client_of, monkeypatch
):
    """The publish holds the job's row once it moves it to published, then updates the video; an
    erasure that deleted the person's videos first and then came to their jobs waited for the publish,
    which waited for the videos (on PostgreSQL: a deadlock, the publish answering 500)."""
    _, job = a_draft_of_someone_else(me, make_user, enroll)
    pause = publish_pausing_before_the_video(monkeypatch)
    answer: list[Any] = []

    def publish() -> None:
        answer.append(client_of(me).post(f"{URL}/{job.pk}/publish", {}, format="json"))

    assert erased_while_held(publish, "publish", me, pause) == []
    assert answer[0].status_code in (200, 401, 404, 409), answer[0].content[:300]
    assert not User.objects.filter(pk=me.pk).exists()
    assert not Video.objects.filter(pk=job.video_id).exists()  # the author's video went with them


CHANGES = {
    "block": lambda me, owner: accounts.block_create(blocker=me, blocked=owner),
    "unfollow": lambda me, owner: accounts.follow_delete(follower=me, followee=owner),
}


@pytest.mark.postgres
@pytest.mark.parametrize("has_cameo", [True, False], ids=["with a cameo", "no cameo"])
@pytest.mark.parametrize("change", CHANGES)
def test_a_block_or_unfollow_while_the_other_is_being_erased_is_no_deadlock(
    change, has_cameo, me, make_user, activate_cameo
):
    """An erasure holds the person's cameo, jobs and account rows, then deletes their follows; a block
    or an unfollow deleted the follow rows first and then held the cameo rows, and a block's new row
    needs the other's account row at commit (found by two readers: on PostgreSQL a deadlock, one side
    answering 500). Both now hold the two people first, as an erasure does (accounts.services.people_hold)."""
    owner = make_user("astro.owner")
    if has_cameo:
        activate_cameo(owner, audience="mutuals")
    accounts.follow_create(follower=me, followee=owner)
    accounts.follow_create(follower=owner, followee=me)
    errors = while_erasing_paused_at_the_end(
        owner, lambda: CHANGES[change](me, User.objects.get(pk=owner.pk)), names=("erase", change)
    )

    assert [e for e in errors if "NotFound" not in e[1]] == []  # a block of someone erased meanwhile: 404
    assert not User.objects.filter(pk=owner.pk).exists() and not Block.objects.exists()


@pytest.mark.postgres
def test_revoking_a_grant_with_its_videos_while_the_grantee_is_being_erased_is_no_deadlock(
    me, make_user, enroll, make_video
):
    """The grantee's erasure deletes their videos, then (with the account) their grants; a revocation
    with `delete_videos` locked the grant, then the grantee's videos (found by a second reader: a
    deadlock on PostgreSQL). It now holds both people first."""
    owner = make_user("astro.owner")
    enroll(owner, "astronaut", audience="approved")
    approve(owner, me)
    make_video(me, people=(owner,))
    grant = CameoGrant.objects.get(grantee=me)
    errors = while_erasing_paused_at_the_end(
        me, lambda: cameos.grant_revoke(owner=owner, grant_id=grant.pk, delete_videos=True), names=("erase", "revoke")
    )

    assert [e for e in errors if "NotFound" not in e[1]] == []  # the grant went with the grantee: 404
    assert not User.objects.filter(pk=me.pk).exists() and not CameoGrant.objects.exists()


DELETIONS = {
    "deleted by her": lambda video, owner: feed_services.video_delete(video=video, by=owner),
    "taken down": lambda video, owner: feed_services.video_remove(video=video, reason="takedown confirmed"),
}


@pytest.mark.postgres
@pytest.mark.parametrize("deletion", DELETIONS)
def test_someone_deleting_a_draft_of_them_while_it_is_published_is_no_deadlock(
    deletion, me, make_user, enroll, client_of, monkeypatch
):
    """A publish holds the job, then updates its video; deleting the video locked the video and then
    the job (to unlink it): on PostgreSQL a deadlock (found by a second reader; a confirmed takedown
    the same way, found by a third). A deletion now locks the jobs that point at the video first
    (feed.signals.video_deleting)."""
    owner, job = a_draft_of_someone_else(me, make_user, enroll)
    pause = publish_pausing_before_the_video(monkeypatch)
    answer: list[Any] = []
    errors = second_while_first_pauses(
        lambda: answer.append(client_of(me).post(f"{URL}/{job.pk}/publish", {}, format="json")),
        lambda: DELETIONS[deletion](Video.objects.get(pk=job.video_id), owner),
        pause,
        names=("publish", "delete"),
    )

    assert errors == []
    assert answer[0].status_code == 200, answer[0].content[:300]  # published first, then deleted by her
    assert not Video.objects.filter(pk=job.video_id).exists()


@pytest.mark.postgres
def test_two_friends_in_each_others_videos_erasing_their_accounts_at_once_is_no_deadlock(make_user, enroll, make_video):
    """Each erasure holds its own person, then deletes the videos and drafts that show them: here the
    other's, whose rows (and jobs) the other's erasure deletes as its own. One waits for the other."""
    me, friend = make_user("hopper.fan"), make_user("astro.owner")
    enroll(friend, "astronaut", audience="approved")
    enroll(me, "hopper", audience="approved")
    approve(friend, me)
    approve(me, friend)
    make_video(me, people=(friend,))
    make_video(friend, people=(me,))
    make_video(me, people=(me, friend))
    mine, _ = services.job_submit(author=me, prompt="@astro.owner juggling on a unicycle", duration_s=2)
    theirs, _ = services.job_submit(author=friend, prompt="@hopper.fan juggling on a unicycle", duration_s=2)
    assert {j.status for j in GenerationJob.objects.filter(pk__in=[mine.pk, theirs.pk])} == {"ready"}
    errors = while_erasing_paused_at_the_end(
        me, lambda: accounts.account_erase(user=User.objects.get(pk=friend.pk)), names=("erase", "erase 2")
    )

    assert errors == []
    assert not User.objects.filter(pk__in=[me.pk, friend.pk]).exists()
    assert not Video.objects.exists() and not CameoGrant.objects.exists() and not GenerationJob.objects.exists()


@pytest.mark.postgres
@pytest.mark.parametrize("how", ["cancel", "delete"])
def test_ending_a_draft_of_someone_while_they_erase_their_account_is_no_deadlock(
    how, me, make_user, enroll, client_of, monkeypatch
):
    """The erasure deletes the person's rows in others' videos (the feed's people, the cameos'
    matches), then comes to the others' jobs that name them (jobs_forget_person); the author ending
    their draft of them held the job, then deleted the video and those rows with it. Locking the jobs
    only when the erasure came to them deadlocked (PostgreSQL broke it: the erasure or the author's
    call answered 500); the erasure holds them first, with its own (people_holding)."""
    owner, job = a_draft_of_someone_else(me, make_user, enroll)
    pause = pause_in(monkeypatch, services, "jobs_forget_person")
    answer: list[Any] = []
    if how == "cancel":
        end = lambda: answer.append(client_of(me).post(f"{URL}/{job.pk}/cancel"))  # noqa: E731
    else:
        end = lambda: answer.append(client_of(me).delete(f"/api/v1/videos/{job.video_id}"))  # noqa: E731
    errors = second_while_first_pauses(
        lambda: accounts.account_erase(user=User.objects.get(pk=owner.pk)), end, pause, names=("erase", how)
    )

    assert errors == []
    assert answer[0].status_code in (200, 204), answer[0].content[:300]
    assert not User.objects.filter(pk=owner.pk).exists()
    assert not Video.objects.filter(pk=job.video_id).exists()


@pytest.mark.postgres
def test_her_erasure_while_my_job_of_her_is_being_stored_leaves_it_naming_her_no_more(
    me, make_user, enroll, monkeypatch
):
    """My submit's gate allowed her and my job is being stored when her erasure starts: the erasure
    waits for it (the submit holds her account row as a foreign key would) and then finds it, rather
    than sweep others' jobs without it and leave it holding her id and handle for good."""
    owner = make_user("astro.owner")
    enroll(owner, "astronaut", audience="approved")
    approve(owner, me)
    storing = pause_in(monkeypatch, services, "_people_add", thread="submit")
    monkeypatch.setattr(services, "_enqueue", lambda job_id: None)  # no worker: the record is what is looked at
    made: list[Any] = []
    errors = second_while_first_pauses(
        lambda: made.append(services.job_submit(author=me, prompt="@astro.owner juggling", duration_s=2)[0]),
        lambda: accounts.account_erase(user=User.objects.get(pk=owner.pk)),
        storing,
        names=("submit", "erase"),
    )

    assert errors == []
    job = GenerationJob.objects.get(pk=made[0].pk)
    assert owner.pk not in {*job.people, *(c["user_id"] for c in job.cameos), *job.consent["subject_ids"]}
    assert "astro.owner" not in str([job.cameos, job.consent["subjects"]])


def _while_her_erasure_pauses_after_its_sweep(her: Any, work: Any, monkeypatch: Any) -> list[Any]:
    """Her erasure in a thread, paused once it has swept others' jobs (jobs_forget_person) and before
    it commits; `work` in another thread meanwhile, given PAUSE_S to reach what the erasure holds;
    then both let finish. What either raised."""
    swept = pause_in(monkeypatch, services, "jobs_forget_person", after=True)
    erase = lambda: accounts.account_erase(user=User.objects.get(pk=her.pk))  # noqa: E731
    return second_while_first_pauses(erase, work, swept, names=("erase", "work"))


@pytest.mark.postgres
def test_her_erasure_while_a_worker_blocks_my_job_naming_her_leaves_it_naming_her_no_more(
    api, me, make_user, enroll, monkeypatch
):
    """My queued job named no one when I submitted it; then she protected her name, so the worker's
    check finds her in my prompt and refuses it (she never approved me). Her erasure has swept
    others' jobs (mine did not name her yet) and is about to commit when the worker blocks my job
    with that decision: the block waits for her erasure and stores the decision without her, rather
    than store her id and handle after the sweep, where nothing would ever take them out."""
    her = make_user("astro.owner", display_name="Astro Owner")
    enroll(her, "astronaut", audience="approved")
    monkeypatch.setattr(services, "_enqueue", lambda job_id: None)  # the worker is this test's thread below
    job, _ = services.job_submit(author=me, prompt="Astro Owner juggling", duration_s=2)
    assert her.pk not in (job.consent.get("subject_ids") or [])  # not protected yet: no one
    cameos.cameo_update(owner=her, protect_name=True)
    assert services.job_claim(job.pk, lease_seconds=60) is not None
    decision = consent.check(me, job.prompt, stage="start", job=str(job.pk))
    assert not decision.allowed and her.pk in decision.as_record()["subject_ids"]

    errors = _while_her_erasure_pauses_after_its_sweep(
        her,
        lambda: services.job_block(
            job.pk, reason=decision.refused[0].public()["detail"], decision=decision.as_record()
        ),
        monkeypatch,
    )

    assert errors == []
    assert not User.objects.filter(pk=her.pk).exists()
    make_user("astro.owner")  # a stranger takes her handle
    body = api.get(f"{URL}/{job.pk}").json()
    assert (body["status"], body["error"]["code"]) == ("blocked", "consent_required")
    assert [(s["handle"], s["verdict"]) for s in body["subjects"]] == [(None, "refused")]
    job.refresh_from_db()
    assert her.pk not in {*job.people, *(c["user_id"] for c in job.cameos), *job.consent["subject_ids"]}
    assert "astro.owner" not in str([job.cameos, job.consent["subjects"]])


@pytest.mark.postgres
def test_her_withdrawals_cascade_running_while_she_erases_her_account_writes_her_id_back_nowhere(
    api, me, make_user, enroll, monkeypatch, cascade_waits_for_a_worker
):
    """She takes back my approval and erases her account at once: the cascade of the withdrawal reads
    her as still there, then waits for my job, which her erasure holds and rewrites naming her by no
    id. The cascade blocks it without writing her id back, where it would stay for good."""
    her = make_user("astro.owner")
    enroll(her, "astronaut", audience="approved")
    approve(her, me)
    monkeypatch.setattr(services, "_enqueue", lambda job_id: None)  # queued, for no worker
    job, _ = services.job_submit(author=me, prompt="@astro.owner juggling", duration_s=2)
    cascade_waits_for_a_worker()
    cameos.grant_revoke(owner=her, grant_id=CameoGrant.objects.get(grantee=me).pk)

    errors = _while_her_erasure_pauses_after_its_sweep(
        her, lambda: services.jobs_recheck(owner_id=her.pk, author_ids=[me.pk], reason="grant_revoked"), monkeypatch
    )

    assert errors == []
    assert not User.objects.filter(pk=her.pk).exists()
    body = api.get(f"{URL}/{job.pk}").json()
    assert (body["status"], body["error"]["code"]) == ("blocked", "consent_withdrawn")
    assert [(s["handle"], s["reason"]) for s in body["subjects"]] == [(None, "consent_withdrawn")]
    job.refresh_from_db()
    assert her.pk not in {*job.people, *(c["user_id"] for c in job.cameos), *job.consent["subject_ids"]}


@pytest.mark.postgres
def test_a_worker_blocking_my_remix_of_her_video_while_she_erases_her_account_is_no_deadlock(
    api, me, make_user, enroll, make_video, monkeypatch
):
    """My queued remix of her video named no one; the worker's check finds her protected name in my
    prompt and blocks it while her erasure, holding her account row, is about to delete her video
    and with it unlink my remix of it. The block does not wait for her erasure holding my job (the
    erasure would wait for it in turn: a deadlock, one of the two answered with an error); it waits
    holding nothing, then stores the decision without her."""
    her = make_user("astro.owner", display_name="Astro Owner")
    enroll(her, "astronaut", audience="approved")
    hers = make_video(her)
    monkeypatch.setattr(services, "_enqueue", lambda job_id: None)  # the worker is this test's thread below
    job, _ = services.job_submit(author=me, prompt="Astro Owner juggling", duration_s=2, remix_of=hers.pk)
    assert her.pk not in (job.consent.get("subject_ids") or [])
    cameos.cameo_update(owner=her, protect_name=True)
    decision = consent.check(me, job.prompt, remix_of=hers.pk, stage="start", job=str(job.pk))
    assert not decision.allowed and her.pk in decision.as_record()["subject_ids"]

    with pause_on(account_appearances_deleting) as held:  # her account row is held
        errors = second_while_first_pauses(
            lambda: accounts.account_erase(user=User.objects.get(pk=her.pk), delete_appearances=True),
            lambda: services.job_block(
                job.pk, reason=decision.refused[0].public()["detail"], decision=decision.as_record()
            ),
            held,
            names=("erase", "worker"),
        )

    assert errors == []
    assert not User.objects.filter(pk=her.pk).exists()
    body = api.get(f"{URL}/{job.pk}").json()
    assert body["status"] == "blocked"
    job.refresh_from_db()
    assert job.remix_of_id is None
    assert her.pk not in {*job.people, *(c["user_id"] for c in job.cameos), *job.consent["subject_ids"]}


PEOPLE_CHANGES = {
    "cameo request": lambda me, other: cameos.grant_request(requester=me, owner=other),
    "block": lambda me, other: accounts.block_create(blocker=me, blocked=other),
}


@pytest.mark.postgres
@pytest.mark.parametrize("change", PEOPLE_CHANGES)
def test_holding_me_while_she_erases_her_account_is_no_deadlock_when_i_remixed_her_video(
    change, me, make_user, enroll, activate_cameo, make_video, monkeypatch
):
    """My remix of her video names no one; my later job shows her. Her erasure holds the jobs that
    name her (my later one), then deletes her video and with it unlinks my remix. A change that holds
    me (a cameo request to someone else, a block: accounts.services.people_hold) holds every job of
    mine in id order: my remix, then it waited for my later job, held by her erasure, which then
    waited for my remix (on PostgreSQL a deadlock, one of the two answered with an error). Her
    erasure now holds the jobs that point at her videos from the start, with the others."""
    her = make_user("astro.owner")
    enroll(her, "astronaut", audience="approved")
    approve(her, me)
    hers = make_video(her)
    someone = make_user("some.one")
    activate_cameo(someone, audience="approved")
    monkeypatch.setattr(services, "_enqueue", lambda job_id: None)  # queued, for no worker
    remix, _ = services.job_submit(author=me, prompt="a cat juggling on a unicycle", duration_s=2, remix_of=hers.pk)
    while True:  # a job of her after my remix in id order (ids are random), as jobs are held
        of_her, _ = services.job_submit(author=me, prompt="@astro.owner juggling on a unicycle", duration_s=2)
        if of_her.pk > remix.pk:
            break
        GenerationJob.objects.filter(pk=of_her.pk).delete()
    assert her.pk not in (remix.consent.get("subject_ids") or [])

    with pause_on(account_appearances_deleting) as held:  # her cameo, jobs, account held
        errors = second_while_first_pauses(
            lambda: accounts.account_erase(user=User.objects.get(pk=her.pk), delete_appearances=True),
            lambda: PEOPLE_CHANGES[change](me, someone),
            held,
            names=("erase", change),
        )

    assert errors == []
    assert not User.objects.filter(pk=her.pk).exists()
    remix.refresh_from_db()
    assert remix.remix_of_id is None
    if change == "cameo request":
        assert CameoGrant.objects.filter(grantee=me, cameo__owner=someone, status=CameoGrant.Status.REQUESTED).exists()
    else:
        assert Block.objects.filter(blocker=me, blocked=someone).exists()


@pytest.mark.postgres
@pytest.mark.parametrize("change", PEOPLE_CHANGES)
def test_holding_me_while_she_deletes_her_cameo_with_my_videos_of_her_is_no_deadlock(
    change, me, make_user, enroll, activate_cameo, make_video, monkeypatch
):
    """She deletes her cameo and every video that shows her (DELETE /cameo?appearances=delete), two
    of them mine, each made by a job of mine. Each video's deletion locked its jobs, one video after
    the other; a change that holds me (a cameo request to someone else, a block:
    accounts.services.people_hold) holds every job of mine in id order: it held the job of her second
    video and waited for the first one's, and her deletion then waited for the second (on PostgreSQL
    a deadlock, one of the two answered with an error). Her deletion now holds the jobs of every
    video it deletes at once, in id order."""
    her = make_user("astro.owner")
    enroll(her, "astronaut", audience="approved")
    approve(her, me)
    videos = [make_video(me, people=(her,)) for _ in range(2)]
    monkeypatch.setattr(services, "_enqueue", lambda job_id: None)  # queued, for no worker
    jobs = sorted(
        (services.job_submit(author=me, prompt="@astro.owner juggling", duration_s=2)[0] for _ in videos),
        key=lambda job: job.pk,
        reverse=True,
    )
    first, second = VideoPerson.objects.filter(user=her).values_list("video_id", flat=True)  # as deleted
    for job, video_id in zip(jobs, (first, second), strict=True):  # the first deleted: the later job
        GenerationJob.objects.filter(pk=job.pk).update(video_id=video_id, status=GenerationJob.Status.PUBLISHED)
    someone = make_user("some.one")
    activate_cameo(someone, audience="approved")

    pause = pause_in(monkeypatch, feed_services, "video_delete", after=True, thread="delete")
    errors = second_while_first_pauses(
        lambda: cameos.cameo_delete(owner=User.objects.get(pk=her.pk), delete_appearances=True),
        lambda: PEOPLE_CHANGES[change](me, someone),
        pause,
        names=("delete", change),
    )

    assert errors == []
    assert not Video.objects.filter(pk__in=[v.pk for v in videos]).exists()
    if change == "cameo request":
        assert CameoGrant.objects.filter(grantee=me, cameo__owner=someone, status=CameoGrant.Status.REQUESTED).exists()
    else:
        assert Block.objects.filter(blocker=me, blocked=someone).exists()


@pytest.mark.postgres
def test_two_authors_following_while_she_narrows_her_cameo_deleting_their_videos_of_her_is_no_deadlock(
    make_user, enroll, make_video, monkeypatch
):
    """She narrows her cameo to approved people and deletes the videos of her by those no longer
    allowed: one by each of two authors, each made by a job. Their videos were deleted author by
    author, each locking its jobs; one author following the other meanwhile (people_hold: every job
    of both, in id order) held the second author's job and waited for the first's, and her change
    then waited for the second (on PostgreSQL a deadlock). Her change now holds the jobs of every
    video it deletes at once, in id order."""
    her = make_user("astro.owner")
    enroll(her, "astronaut", audience="everyone")
    first_author, second_author = make_user("first.author"), make_user("second.author")
    monkeypatch.setattr(services, "_enqueue", lambda job_id: None)  # queued, for no worker
    while True:  # the first author's job after the second's in id order (ids are random)
        jobs = [
            services.job_submit(author=a, prompt="@astro.owner juggling", duration_s=2)[0]
            for a in (first_author, second_author)
        ]
        if jobs[0].pk > jobs[1].pk:
            break
        GenerationJob.objects.filter(pk__in=[j.pk for j in jobs]).delete()
    for author, job in zip((first_author, second_author), jobs, strict=True):
        video = make_video(author, people=(her,))
        GenerationJob.objects.filter(pk=job.pk).update(video_id=video.pk, status=GenerationJob.Status.PUBLISHED)
    assert list(User.objects.filter(pk__in=[second_author.pk, first_author.pk])) == [first_author, second_author]

    pause = pause_in(monkeypatch, feed_services, "video_delete", after=True, thread="narrow")
    errors = second_while_first_pauses(
        lambda: cameos.cameo_update(owner=User.objects.get(pk=her.pk), audience="approved", delete_videos=True),
        lambda: accounts.follow_create(follower=first_author, followee=second_author),
        pause,
        names=("narrow", "follow"),
    )

    assert errors == []
    assert not Video.objects.filter(author__in=[first_author, second_author]).exists()
    assert Follow.objects.filter(follower=first_author, followee=second_author).exists()


TAKINGS_BACK_WITH_VIDEOS = {
    "revocation": lambda her, me: cameos.grant_revoke(
        owner=her, grant_id=CameoGrant.objects.get(cameo__owner=her, grantee=me).pk, delete_videos=True
    ),
    "block": lambda her, me: accounts.block_create(blocker=her, blocked=me, delete_videos=True),
}
HOLDING_ME = {
    "follow": lambda me, someone: accounts.follow_create(follower=someone, followee=me),
    "block": lambda me, someone: accounts.block_create(blocker=someone, blocked=me),
}


@pytest.mark.postgres
@pytest.mark.parametrize("holding_me", HOLDING_ME)
@pytest.mark.parametrize("taking_back", TAKINGS_BACK_WITH_VIDEOS)
def test_taking_back_with_my_videos_of_her_while_someone_who_remixed_one_holds_me_is_no_deadlock(
    taking_back, holding_me, me, make_user, enroll, make_video, monkeypatch
):
    """She revokes my grant, or blocks me, with my videos of her deleted. That held her and me
    (accounts.services.people_hold: every job of ours), then the jobs of the videos it deletes, a
    remix of one by someone else among them. Someone following or blocking me at that moment holds
    every job of theirs and mine in id order (ids are random): their remix first, then my job that
    made the video, held by her: on PostgreSQL a deadlock, one of the two answered with an error. Her
    change now holds the jobs of the videos it will delete with ours, in one statement."""
    her = make_user("astro.owner")
    enroll(her, "astronaut", audience="approved")
    approve(her, me)
    video = make_video(me, people=(her,))
    monkeypatch.setattr(services, "_enqueue", lambda job_id: None)  # queued, for no worker
    mine, _ = services.job_submit(author=me, prompt="@astro.owner juggling", duration_s=2)
    GenerationJob.objects.filter(pk=mine.pk).update(video_id=video.pk, status=GenerationJob.Status.PUBLISHED)
    someone = make_user("some.one")
    while True:  # their remix before my job in id order (ids are random), as jobs are held
        remix, _ = services.job_submit(author=someone, prompt="a cat juggling on a unicycle", duration_s=2)
        if remix.pk < mine.pk:
            break
        GenerationJob.objects.filter(pk=remix.pk).delete()
    GenerationJob.objects.filter(pk=remix.pk).update(remix_of_id=video.pk)

    # her and me held; the videos' jobs not yet
    held = pause_in(monkeypatch, feed_services, "videos_hold_for_deleting", thread="take back")
    errors = second_while_first_pauses(
        lambda: TAKINGS_BACK_WITH_VIDEOS[taking_back](User.objects.get(pk=her.pk), User.objects.get(pk=me.pk)),
        lambda: HOLDING_ME[holding_me](User.objects.get(pk=me.pk), User.objects.get(pk=someone.pk)),
        held,
        names=("take back", holding_me),
    )

    assert errors == []
    assert not Video.objects.filter(pk=video.pk).exists()
    remix.refresh_from_db()
    assert remix.remix_of_id is None
    if holding_me == "follow":
        assert Follow.objects.filter(follower=someone, followee=me).exists()
    else:
        assert Block.objects.filter(blocker=someone, blocked=me).exists()


def a_takedown_waiting_for_review(*videos: Any) -> TakedownRequest:
    """A verified takedown request that surely matched these videos (above both reveal bars), the
    published ones hidden for it, waiting for a reviewer."""
    now = timezone.now()
    request = TakedownRequest.objects.create(
        email="eileen@example.org",
        challenge=TakedownChallenge.objects.create(steps=["center"], expires_at=now),
        status=TakedownRequest.Status.HIDDEN,
        due_at=now + dt.timedelta(hours=48),
        verified_at=now,
    )
    for video in videos:
        published = video.is_published and feed_services.video_hide(video=video, reason="takedown request")
        TakedownMatch.objects.create(
            request=request,
            video=video,
            video_ref=video.pk,
            source=TakedownMatch.Source.FACE,
            similarity=0.95,
            was_published=published,
        )
    return request


def a_job_of(video: Video, *, status: str = GenerationJob.Status.PUBLISHED, after: Any = None) -> GenerationJob:
    """The job that made `video` (its author's, naming no one; later in id order than `after` when
    given: ids are random)."""
    while True:
        job, _ = services.job_submit(author=video.author, prompt="a cat juggling on a unicycle", duration_s=2)
        if after is None or job.pk > after.pk:
            break
        GenerationJob.objects.filter(pk=job.pk).delete()
    GenerationJob.objects.filter(pk=job.pk).update(video_id=video.pk, status=status)
    return job


@pytest.mark.postgres
def test_a_takedown_confirmed_on_two_of_my_videos_while_i_follow_someone_is_no_deadlock(
    me, make_user, make_video, monkeypatch
):
    """A reviewer confirms a takedown of two of my videos: each removal locked its video's jobs, then
    the video, one video after the other. Following someone at that moment holds every job of mine in
    id order (accounts.services.people_hold; ids are random): the second video's job, then it waited
    for the first's, and the confirmation then waited for the second's (on PostgreSQL a deadlock, one
    of the two answered with an error). The confirmation now holds the jobs of every video it may
    remove at once, in id order, before anything else."""
    monkeypatch.setattr(services, "_enqueue", lambda job_id: None)  # queued, for no worker
    first, second = make_video(me), make_video(me)  # removed in this order (by video id)
    a_job_of(first, after=a_job_of(second))
    request = a_takedown_waiting_for_review(first, second)
    someone, reviewer = make_user("some.one"), make_user("reviewer")

    pause = pause_in(monkeypatch, feed_services, "video_remove", after=True, thread="confirm")
    errors = second_while_first_pauses(
        lambda: takedowns.request_confirm(request_id=request.pk, reviewer=reviewer),
        lambda: accounts.follow_create(follower=User.objects.get(pk=me.pk), followee=someone),
        pause,
        names=("confirm", "follow"),
    )

    assert errors == []
    assert not Video.objects.filter(pk__in=[first.pk, second.pk]).exists()
    request.refresh_from_db()
    assert (request.status, request.videos_removed) == ("removed", 2)
    assert Follow.objects.filter(follower=me, followee=someone).exists()


@pytest.mark.postgres
def test_a_takedown_confirmed_while_i_publish_the_draft_it_matched_is_no_deadlock(
    me, make_user, make_video, client_of, monkeypatch
):
    """A takedown request waiting for review surely matched my draft. I publish it while a reviewer
    confirms the request: my publish held the job, then (the draft matched a request waiting) hides
    the video and counts it on the request's row; the confirmation held the request's row, then
    waited for the draft's job to remove it (on PostgreSQL a deadlock, one of the two answered with an
    error). The confirmation now holds the jobs of its videos before the request."""
    monkeypatch.setattr(services, "_enqueue", lambda job_id: None)  # queued, for no worker
    draft = make_video(me, publish=False)
    job = a_job_of(draft, status=GenerationJob.Status.READY)
    request = a_takedown_waiting_for_review(draft)
    reviewer = make_user("reviewer")
    pause = publish_pausing_before_the_video(monkeypatch)
    answer: list[Any] = []

    errors = second_while_first_pauses(
        lambda: answer.append(client_of(me).post(f"{URL}/{job.pk}/publish", {}, format="json")),
        lambda: takedowns.request_confirm(request_id=request.pk, reviewer=reviewer),
        pause,
        names=("publish", "confirm"),
    )

    assert errors == []
    assert answer[0].status_code == 200, answer[0].content[:300]  # published (and hidden), then removed
    assert not Video.objects.filter(pk=draft.pk).exists()
    request.refresh_from_db()
    assert (request.status, request.videos_removed) == ("removed", 1)


def a_takedown_being_verified() -> TakedownRequest:
    """A takedown request whose selfie (the astronaut's face, tests.cameos.videos) the worker is about
    to verify and match."""
    from django.core.files.base import ContentFile
    from django.core.files.storage import default_storage

    from tests.cameos import videos

    now = timezone.now()
    return TakedownRequest.objects.create(
        email="eileen@example.org",
        challenge=TakedownChallenge.objects.create(steps=list(videos.STEPS), expires_at=now + dt.timedelta(hours=1)),
        upload_name=default_storage.save("takedowns/selfie.mp4", ContentFile(videos.video())),
        due_at=now + dt.timedelta(hours=48),
    )


def a_remix_showing_her_face(make_user: Any, make_video: Any) -> tuple[Video, Video]:
    """A video and someone else's published remix of it, made by a job, which shows the astronaut's
    face (the output scan's track)."""
    from tests import synthetic_faces as faces

    source = make_video(make_user("uploader"))
    remix = make_video(make_user("remixer"), remix_of=source)
    cameos.video_faces_record(video_id=remix.pk, tracks=[(faces.template("astronaut"), 0, 900, 8)])
    job = a_job_of(remix)
    GenerationJob.objects.filter(pk=job.pk).update(remix_of_id=source.pk)
    return source, remix


@pytest.mark.postgres
def test_a_takedown_verified_while_the_video_its_match_remixed_is_deleted_is_no_deadlock(
    make_user, make_video, monkeypatch
):
    """The worker verifies a takedown request whose face is in a published remix: it held the remix,
    then hides it and takes it off its source's remix count (the source's row). The source's author
    deleting it at that moment held the jobs that point at it (the remix's among them), then the
    source, then unlinks the remix (its row): on PostgreSQL a deadlock, one of the two answered with
    an error. The verification now holds the jobs of the videos it matched first, as a deletion does."""
    monkeypatch.setattr(services, "_enqueue", lambda job_id: None)  # queued, for no worker
    source, remix = a_remix_showing_her_face(make_user, make_video)
    request = a_takedown_being_verified()

    pause = pause_in(monkeypatch, takedowns, "_hide", thread="verify")  # the matched videos held
    errors = second_while_first_pauses(
        lambda: takedowns.request_verify(request_id=request.pk),
        lambda: feed_services.video_delete(video=Video.objects.get(pk=source.pk), by=source.author),
        pause,
        names=("verify", "delete"),
    )

    assert errors == []
    assert not Video.objects.filter(pk=source.pk).exists()
    remix.refresh_from_db()
    assert (remix.status, remix.remix_of_id) == ("removed", None)  # hidden for the request, unlinked
    request.refresh_from_db()
    assert (request.status, request.videos_hidden) == ("hidden", 1)


@pytest.mark.postgres
def test_a_takedown_dismissed_while_the_video_its_match_remixed_is_deleted_is_no_deadlock(
    make_user, make_video, monkeypatch
):
    """A reviewer dismisses a takedown request that hid a published remix: it held the remix, then
    publishes it again and adds it to its source's remix count (the source's row). The source's
    author deleting it at that moment held the jobs that point at it (the remix's among them), then
    the source, then unlinks the remix (its row): on PostgreSQL a deadlock, one of the two answered
    with an error. The dismissal now holds the jobs of its videos first, as a deletion does."""
    monkeypatch.setattr(services, "_enqueue", lambda job_id: None)  # queued, for no worker
    source, remix = a_remix_showing_her_face(make_user, make_video)
    request = a_takedown_waiting_for_review(remix)
    reviewer = make_user("reviewer")

    pause = pause_in(monkeypatch, feed_services, "video_unhide", thread="dismiss")  # the videos it hid held
    errors = second_while_first_pauses(
        lambda: takedowns.request_dismiss(request_id=request.pk, reviewer=reviewer),
        lambda: feed_services.video_delete(video=Video.objects.get(pk=source.pk), by=source.author),
        pause,
        names=("dismiss", "delete"),
    )

    assert errors == []
    assert not Video.objects.filter(pk=source.pk).exists()
    remix.refresh_from_db()
    assert (remix.status, remix.remix_of_id) == ("published", None)  # back, unlinked
    request.refresh_from_db()
    assert request.status == "dismissed"


@pytest.mark.postgres
def test_a_takedown_verified_while_a_remix_of_its_match_is_published_is_no_deadlock(
    me, make_user, make_video, client_of, monkeypatch
):
    """The worker verifies a takedown request whose face is in a published video and in my draft remix
    of it, which I publish at that moment: my publish held my job and my draft, then adds it to its
    source's remix count (the source's row); the verification held the source, then waited for my
    draft (on PostgreSQL a deadlock, one of the two answered with an error). The verification now
    holds the jobs of the videos it matched first (mine among them), as my publish does."""
    from tests import synthetic_faces as faces

    monkeypatch.setattr(services, "_enqueue", lambda job_id: None)  # queued, for no worker
    source = make_video(make_user("uploader"))
    draft = make_video(me, publish=False, remix_of=source)
    job = a_job_of(draft, status=GenerationJob.Status.READY)
    GenerationJob.objects.filter(pk=job.pk).update(remix_of_id=source.pk)
    for video in (source, draft):
        cameos.video_faces_record(video_id=video.pk, tracks=[(faces.template("astronaut"), 0, 900, 8)])
    request = a_takedown_being_verified()

    # before the source's count, my job and draft held
    pause = pause_in(monkeypatch, feed_services, "_bump", thread="publish", when=lambda *a, **k: "remix_count" in k)
    answer: list[Any] = []
    errors = second_while_first_pauses(
        lambda: answer.append(client_of(me).post(f"{URL}/{job.pk}/publish", {}, format="json")),
        lambda: takedowns.request_verify(request_id=request.pk),
        pause,
        names=("publish", "verify"),
    )

    assert errors == []
    assert answer[0].status_code == 200, answer[0].content[:300]
    request.refresh_from_db()
    assert (request.status, request.videos_hidden) == ("hidden", 2)  # both hidden, mine once published
    assert set(Video.objects.filter(pk__in=[source.pk, draft.pk]).values_list("status", flat=True)) == {"removed"}


@pytest.mark.postgres
def test_a_takedown_verified_while_the_author_of_its_match_erases_their_account_is_no_deadlock(
    make_user, make_video, monkeypatch
):
    """The worker verifies a takedown request whose face is in my published video: it held the video,
    hides it and tells me (a notification naming my account, checked at commit). My erasure at that
    moment held my account row, then deletes my videos: it waited for the video, and the verification
    for my account row (on PostgreSQL a deadlock, one of the two answered with an error). The
    verification now holds the video's job first, as my erasure does."""
    from tests import synthetic_faces as faces

    monkeypatch.setattr(services, "_enqueue", lambda job_id: None)  # queued, for no worker
    author = make_user("uploader")
    video = make_video(author)
    a_job_of(video)
    cameos.video_faces_record(video_id=video.pk, tracks=[(faces.template("astronaut"), 0, 900, 8)])
    request = a_takedown_being_verified()

    pause = pause_in(monkeypatch, takedowns, "_hide", after=True, thread="verify")  # hidden, its author told
    errors = second_while_first_pauses(
        lambda: takedowns.request_verify(request_id=request.pk),
        lambda: accounts.account_erase(user=User.objects.get(pk=author.pk)),
        pause,
        names=("verify", "erase"),
    )

    assert errors == []
    assert not User.objects.filter(pk=author.pk).exists() and not Video.objects.filter(pk=video.pk).exists()
    request.refresh_from_db()
    assert (request.status, request.videos_hidden) == ("hidden", 1)
