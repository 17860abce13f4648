"""Erasing an account reaches what other people hold of the person: drafts of them found after they
were made, the takedown a hidden video of theirs awaits, and what names them (their handle is free
for someone else afterwards)."""

import numpy as np
from django.core.files.base import ContentFile

from cameos import gallery
from cameos import services as cameos
from feed import services as feed
from feed.fingerprints import Fingerprint
from feed.models import RemovedFingerprint, Video, VideoPerson
from generation.models import GenerationJob, JobPerson
from tests.enroll import random_template
from tests.media import tiny_jpeg, tiny_mp4

ME = "/api/v1/me"
WITHDRAWN_FACE = {
    "handle": None,
    "source": "output_face",
    "verdict": "refused",
    "reason": "consent_withdrawn",
    "detail": "This person no longer allows you.",
}


def draft_found_to_show(person, author, make_video, activate_cameo, capture):  # type: ignore[no-untyped-def]
    """A ready draft by `author` whose face track is `person`'s, found by the scan when they enroll
    after it was made (not by the job's own output scan): its job and draft."""
    template = random_template(999)
    draft = make_video(author, publish=False)
    job = GenerationJob.objects.create(
        author=author, prompt="a dancer on a stage", duration_s=2, seed=1, status="ready", video=draft, progress=100
    )
    gallery.video_faces_put(draft.pk, [(template, 0, 2000, 8)])
    with capture(execute=True):
        activate_cameo(person, template=template)
    assert VideoPerson.objects.filter(video=draft, user=person).exists()
    return job, draft


def test_a_draft_found_to_show_me_after_it_was_made_goes_when_i_erase_my_account(
    client_of, make_user, make_video, activate_cameo, django_capture_on_commit_callbacks
):
    me, author = make_user("zz.me"), make_user("zz.author")
    job, draft = draft_found_to_show(me, author, make_video, activate_cameo, django_capture_on_commit_callbacks)
    assert JobPerson.objects.filter(job_id=job.pk, person_id=me.pk).exists()  # indexed for the cascade

    with django_capture_on_commit_callbacks(execute=True):
        assert client_of(me).delete(ME).status_code == 204

    assert not Video.objects.filter(pk=draft.pk).exists()
    job.refresh_from_db()
    assert (job.status, job.error_code) == ("blocked", "consent_withdrawn")
    assert client_of(author).post(f"/api/v1/generations/{job.pk}/publish").status_code == 409
    # The job lists the person it showed as refused, by no id: the cascade wrote nothing of me back.
    assert job.consent["subjects"] == [WITHDRAWN_FACE]
    assert job.consent["subject_ids"] == [None]


def test_publishing_such_a_draft_before_the_cascade_reaches_it_is_refused(
    client_of, make_user, make_video, activate_cameo, django_capture_on_commit_callbacks
):
    me, author = make_user("zz.me"), make_user("zz.author")
    job, draft = draft_found_to_show(me, author, make_video, activate_cameo, django_capture_on_commit_callbacks)
    with django_capture_on_commit_callbacks(execute=False):  # the cascade has not run yet
        assert client_of(me).delete(ME).status_code == 204

    response = client_of(author).post(f"/api/v1/generations/{job.pk}/publish")

    assert response.status_code == 403
    body = response.json()
    assert body["error"] == "consent_required"
    assert body["subjects"] == [
        {
            "handle": None,
            "source": "output_face",
            "verdict": "refused",
            "reason": "not_available",
            "detail": "This person's cameo is not available.",
        }
    ]
    job.refresh_from_db()
    assert job.status == "blocked"
    assert not Video.objects.filter(pk=draft.pk).exists()


def test_erasing_the_account_keeps_the_fingerprint_of_a_video_hidden_for_a_takedown(
    client_of, make_user, django_capture_on_commit_callbacks
):
    fingerprint = Fingerprint(np.full((2, 32), 7, np.uint8), np.full(2, 100, np.uint8)).to_bytes()

    def video_of(author):  # type: ignore[no-untyped-def]
        media, poster = ContentFile(tiny_mp4()), ContentFile(tiny_jpeg())
        return feed.video_create(
            author=author, media=media, poster=poster, duration_ms=500, width=64, height=112, fingerprint=fingerprint
        )

    me = make_user("zz.me")
    hidden = feed.video_publish(video=video_of(me))
    assert feed.video_hide(video=hidden, reason="takedown request TD-X")

    with django_capture_on_commit_callbacks(execute=True):
        assert client_of(me).delete(ME).status_code == 204

    assert RemovedFingerprint.objects.filter(video_id=hidden.pk, reason="taken_down").exists()
    copy = video_of(make_user("zz.copier"))
    try:
        feed.video_publish(video=copy)
    except feed.CopyOfRemovedVideo:
        pass
    else:
        raise AssertionError("a copy of a video hidden for a takedown was published after its author left")
    copy.refresh_from_db()
    assert copy.status == "draft"


def test_what_named_me_names_no_one_after_i_erase_my_account_and_someone_takes_my_handle(
    client_of, make_user, activate_cameo, django_capture_on_commit_callbacks
):
    me, owner, author = make_user("zz.me"), make_user("zz.owner"), make_user("zz.author")
    activate_cameo(owner, audience="approved")
    cameos.grant_request(requester=me, owner=owner)  # the owner is told "@zz.me asked"
    job = GenerationJob.objects.create(
        author=author,
        prompt="@zz.me waves",
        duration_s=2,
        seed=1,
        status="failed",
        cameos=[{"user_id": me.pk, "handle": "zz.me"}, {"user_id": author.pk, "handle": "zz.author"}],
    )
    told = client_of(owner).get("/api/v1/notifications").json()["results"]
    assert [(n["kind"], n["data"]) for n in told] == [("cameo_requested", {"handle": "zz.me"})]
    assert client_of(author).get(f"/api/v1/generations/{job.pk}").json()["cameos"] == ["zz.me", "zz.author"]

    with django_capture_on_commit_callbacks(execute=True):
        assert client_of(me).delete(ME).status_code == 204
    make_user("zz.me")  # a stranger takes the handle

    assert client_of(owner).get("/api/v1/notifications").json()["results"] == []
    assert client_of(author).get(f"/api/v1/generations/{job.pk}").json()["cameos"] == ["zz.author"]


def test_notifications_left_naming_a_handle_without_an_id_go(client_of, make_user):
    import importlib

    from django.apps import apps

    from accounts.models import Notification

    migration = importlib.import_module("accounts.migrations.0013_notifications_naming_no_one")
    owner, asker = make_user("zz.owner"), make_user("zz.asker")
    # Left by 0010: its handle was no account's then (erased before notifications named people by id).
    Notification.objects.create(user=owner, kind="cameo_requested", data={"handle": "zz.gone"})
    make_user("zz.gone")  # a stranger took the handle since
    Notification.objects.create(user=owner, kind="cameo_requested", about_id=asker.pk, data={"handle": "zz.asker"})
    Notification.objects.create(user=owner, kind="video_restored", data={"video_id": 7})  # names no one
    shown = client_of(owner).get("/api/v1/notifications").json()["results"]
    assert {n["data"].get("handle") for n in shown} == {"zz.gone", "zz.asker", None}

    migration.delete_naming_no_one(apps, None)

    shown = client_of(owner).get("/api/v1/notifications").json()["results"]
    assert [n["data"] for n in shown] == [{"video_id": 7}, {"handle": "zz.asker"}]
