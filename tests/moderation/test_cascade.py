"""Withdrawing consent (revoking a grant, narrowing an audience, deleting a cameo, blocking, ending a
mutual follow) stops what is not yet published: drafts the gate would now refuse are deleted with
their files, the generation app is told, and the audit log says why."""

import os

import pytest
from django.core.files.storage import default_storage

from accounts import services as accounts
from cameos import services as cameos
from feed.models import Video
from moderation.models import AuditEvent
from moderation.signals import consent_withdrawn


@pytest.fixture
def withdrawn():  # type: ignore[no-untyped-def]
    calls = []

    def listen(sender, **kwargs):  # type: ignore[no-untyped-def]
        calls.append((kwargs["owner_id"], kwargs["author_ids"], kwargs["reason"]))

    consent_withdrawn.connect(listen, dispatch_uid="test.withdrawn")
    yield calls
    consent_withdrawn.disconnect(dispatch_uid="test.withdrawn")


def grant(owner, grantee):  # type: ignore[no-untyped-def]
    request = cameos.grant_request(requester=grantee, owner=owner)
    return cameos.grant_decide(owner=owner, grant_id=request.pk, approve=True)


def exists(video):  # type: ignore[no-untyped-def]
    return Video.objects.filter(pk=video.pk).exists()


def test_revoking_a_grant_deletes_the_grantees_drafts_of_that_person_only(
    make_user, activate_cameo, make_video, withdrawn, django_capture_on_commit_callbacks
):
    owner, friend, third = make_user("owner"), make_user("friend"), make_user("third")
    activate_cameo(owner, audience="approved")
    approval = grant(owner, friend)
    grant(owner, third)
    draft = make_video(friend, publish=False, people=(owner,))
    published = make_video(friend, people=(owner,))
    others_draft = make_video(third, publish=False, people=(owner,))
    own_draft = make_video(owner, publish=False, people=(owner,))
    unrelated = make_video(friend, publish=False)
    media = draft.media.name

    with django_capture_on_commit_callbacks(execute=True):
        cameos.grant_revoke(owner=owner, grant_id=approval.pk)

    assert not exists(draft)
    assert not default_storage.exists(media)
    assert all(exists(v) for v in (published, others_draft, own_draft, unrelated))
    assert withdrawn == [(owner.pk, [friend.pk], "grant_revoked")]
    event = AuditEvent.objects.filter(kind="consent_withdrawn").get()
    assert event.subject_id == owner.pk and event.data["drafts_deleted"] == [draft.pk]
    assert AuditEvent.objects.filter(kind="video_deleted", object_id=str(draft.pk)).exists()


def test_narrowing_the_audience_keeps_drafts_of_people_still_allowed(
    make_user, activate_cameo, make_video, withdrawn, django_capture_on_commit_callbacks
):
    owner, mutual, approved = make_user("owner"), make_user("mutual"), make_user("approved")
    activate_cameo(owner, audience="mutuals")
    accounts.follow_create(follower=owner, followee=mutual)
    accounts.follow_create(follower=mutual, followee=owner)
    grant(owner, approved)
    mutuals_draft = make_video(mutual, publish=False, people=(owner,))
    approved_draft = make_video(approved, publish=False, people=(owner,))

    with django_capture_on_commit_callbacks(execute=True):
        cameos.cameo_update(owner=owner, audience="approved")

    assert not exists(mutuals_draft) and exists(approved_draft)
    assert withdrawn == [(owner.pk, None, "audience_narrowed")]
    with django_capture_on_commit_callbacks(execute=True):
        cameos.cameo_update(owner=owner, audience="only_me")
    assert not exists(approved_draft)


def test_deleting_a_cameo_stops_every_draft_of_others_that_shows_it(
    make_user, activate_cameo, make_video, withdrawn, django_capture_on_commit_callbacks
):
    owner, friend = make_user("owner"), make_user("friend")
    activate_cameo(owner, audience="everyone")
    draft = make_video(friend, publish=False, people=(owner,))
    own = make_video(owner, publish=False, people=(owner,))
    with django_capture_on_commit_callbacks(execute=True):
        cameos.cameo_delete(owner=owner)
    assert not exists(draft) and exists(own)
    assert withdrawn == [(owner.pk, None, "cameo_erased")]


def test_a_block_either_way_stops_drafts_in_both_directions(
    make_user, activate_cameo, make_video, withdrawn, django_capture_on_commit_callbacks
):
    a, b = make_user("alpha"), make_user("bravo")
    activate_cameo(a, audience="everyone")
    activate_cameo(b, audience="everyone")
    a_of_b = make_video(a, publish=False, people=(b,))
    b_of_a = make_video(b, publish=False, people=(a,))
    with django_capture_on_commit_callbacks(execute=True):
        accounts.block_create(blocker=b, blocked=a)
    assert not exists(a_of_b) and not exists(b_of_a)
    assert sorted(withdrawn) == sorted([(b.pk, [a.pk], "blocked"), (a.pk, [b.pk], "blocked")])
    assert AuditEvent.objects.filter(kind="block", actor_id=b.pk, subject_id=a.pk).exists()


@pytest.mark.parametrize("who_unfollows", ["owner", "friend"])
def test_an_unfollow_that_ends_a_mutual_follow_stops_drafts_of_a_mutuals_cameo(
    make_user, activate_cameo, make_video, withdrawn, django_capture_on_commit_callbacks, who_unfollows
):
    owner, friend, fan = make_user("owner"), make_user("friend"), make_user("fan")
    activate_cameo(owner, audience="mutuals")
    accounts.follow_create(follower=owner, followee=friend)
    accounts.follow_create(follower=friend, followee=owner)
    draft = make_video(friend, publish=False, people=(owner,))
    published = make_video(friend, people=(owner,))

    with django_capture_on_commit_callbacks(execute=True):
        accounts.follow_create(follower=fan, followee=owner)  # a new follow changes nothing
        accounts.follow_delete(follower=fan, followee=owner)  # nor the end of a one-way follow
    assert withdrawn == [] and exists(draft)

    unfollower, unfollowed = (owner, friend) if who_unfollows == "owner" else (friend, owner)
    with django_capture_on_commit_callbacks(execute=True):
        accounts.follow_delete(follower=unfollower, followee=unfollowed)

    assert not exists(draft)  # no longer mutuals: the friend's draft of the owner goes
    assert exists(published)  # what is published stays
    assert withdrawn == [(owner.pk, [friend.pk], "unfollowed")]


def test_a_draft_of_someone_who_still_allows_the_author_is_kept(
    make_user, activate_cameo, make_video, django_capture_on_commit_callbacks
):
    owner, friend = make_user("owner"), make_user("friend")
    activate_cameo(owner, audience="everyone")
    draft = make_video(friend, publish=False, people=(owner,))
    with django_capture_on_commit_callbacks(execute=True):
        accounts.block_create(blocker=friend, blocked=make_user("someone.else"))
    assert exists(draft)
    assert os.path.exists(draft.media.path)


# --- the cascade runs after the commit, in a worker task, from the (person, author) index ----------


def _job(author, owner):  # type: ignore[no-untyped-def]
    from generation import services as generation

    job, _ = generation.job_submit(author=author, prompt=f"@{owner.handle} surfing at sunset", duration_s=2)
    return job


def _status(job):  # type: ignore[no-untyped-def]
    from generation.models import GenerationJob

    return GenerationJob.objects.get(pk=job.pk).status


def _indexed(job):  # type: ignore[no-untyped-def]
    from generation.models import JobPerson

    return sorted(JobPerson.objects.filter(job_id=job.pk).values_list("person_id", flat=True))


def test_revoking_a_grant_answers_at_once_and_the_cascade_task_blocks_the_jobs_after_commit(
    make_user, activate_cameo, client_of, django_capture_on_commit_callbacks
):
    owner, friend, other = make_user("owner"), make_user("friend"), make_user("other")
    activate_cameo(owner, audience="approved")
    approval = grant(owner, friend)
    grant(owner, other)
    job, kept, own = _job(friend, owner), _job(other, owner), _job(owner, owner)
    assert _indexed(job) == _indexed(kept) == [owner.pk]  # written with the job

    with django_capture_on_commit_callbacks(execute=False) as after_commit:
        response = client_of(owner).delete(f"/api/v1/cameo/grants/{approval.pk}")
    assert response.status_code == 204
    assert _status(job) == "queued"  # the request only recorded the change
    for callback in after_commit:
        callback()  # the commit: the cascade task runs (eagerly here; a worker in production)

    from generation.models import GenerationJob

    blocked = GenerationJob.objects.get(pk=job.pk)
    assert (blocked.status, blocked.error_code) == ("blocked", "consent_withdrawn")
    assert _indexed(job) == []  # an ended job leaves the index
    assert (_status(kept), _status(own)) == ("queued", "queued") and _indexed(kept) == [owner.pk]


def test_erasing_an_account_blocks_the_jobs_that_show_that_person(
    make_user, activate_cameo, client_of, django_capture_on_commit_callbacks
):
    owner, friend = make_user("owner"), make_user("friend")
    activate_cameo(owner, audience="everyone")
    job = _job(friend, owner)
    with django_capture_on_commit_callbacks(execute=True):
        response = client_of(owner).delete("/api/v1/cameo")
    assert response.status_code == 204
    assert _status(job) == "blocked"


def test_a_real_worker_blocks_every_job_of_the_grantee_within_seconds(
    celery_worker, make_user, activate_cameo, client_of, monkeypatch
):
    from generation import services as generation
    from generation.models import GenerationJob
    from tests.worker import wait_for

    owner, friend = make_user("owner"), make_user("friend")
    activate_cameo(owner, audience="approved")
    approval = grant(owner, friend)
    monkeypatch.setattr(generation, "_enqueue", lambda job_id: None)  # no generation in this test
    jobs = [_job(friend, owner) for _ in range(3)]

    GenerationJob.objects.filter(pk__in=[j.pk for j in jobs]).update(status="ready")  # waiting to be published
    assert client_of(owner).delete(f"/api/v1/cameo/grants/{approval.pk}").status_code == 204
    wait_for(lambda: all(_status(j) == "blocked" for j in jobs), timeout=30, worker=celery_worker)
    assert "moderation.consent_cascade" in celery_worker.output()


def test_a_cascade_of_someones_own_change_is_queued_as_before_support_named_anyone(
    make_user, activate_cameo, monkeypatch, django_capture_on_commit_callbacks
):
    """The task's message carries `actor_id` only for support's corrections: a worker of the version
    before, still taking tasks during a deploy, would refuse the argument and the cascade be lost."""
    from moderation import tasks

    queued = []
    monkeypatch.setattr(tasks.consent_cascade, "delay", lambda **kwargs: queued.append(kwargs))
    owner, friend, staff = make_user("owner"), make_user("friend"), make_user("support.one")
    activate_cameo(owner, audience="approved")
    approval = grant(owner, friend)
    with django_capture_on_commit_callbacks(execute=True):
        cameos.grant_revoke(owner=owner, grant_id=approval.pk)
    with django_capture_on_commit_callbacks(execute=True):
        accounts.user_active_set(user=owner, active=False, by=staff)
    assert queued == [
        {"owner_id": owner.pk, "author_ids": [friend.pk], "reason": "grant_revoked"},
        {"owner_id": owner.pk, "author_ids": None, "reason": "deactivated", "actor_id": staff.pk},
    ]
