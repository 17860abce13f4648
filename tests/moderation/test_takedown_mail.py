"""A takedown requester (no account) is mailed, at the address she gave, when her request is received
and her face verified (or could not be), and when it is decided: once each, with her tracking number,
and nothing about anyone else (moderation.mail_takedown_requester, queued after each change of status).

As in test_takedowns.py, she is the astronaut (Eileen Collins), Grace Hopper the other person."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.core import mail
from django.core.mail.backends.locmem import EmailBackend

from cameos import services as cameos
from feed.models import Video
from moderation import takedowns
from moderation.models import TakedownRequest
from moderation.tasks import mail_takedown_requester
from tests import synthetic_faces as faces
from tests.cameos import videos
from tests.moderation.test_takedowns import challenge, submit, with_face
from tests.races import pause_in, second_while_first_pauses

pytestmark = pytest.mark.django_db
EILEEN = "eileen@example.org"
CAPTION = "Beach day with the whole crew"


@pytest.fixture
def her_video(make_user, make_video) -> Video:  # type: ignore[no-untyped-def]
    """A published video of her face by someone else, who also has a draft of her."""
    author = make_user("uploader_kim")
    with_face(make_video(author, publish=False, caption="a draft of her"), "astronaut")
    return with_face(make_video(author, caption=CAPTION), "astronaut")


def request_of(response: Any) -> TakedownRequest:
    assert response.status_code == 202, response.content
    return TakedownRequest.objects.get(tracking=response.json()["tracking"])


def received(request: TakedownRequest) -> str:
    return request.received_at.astimezone(dt.UTC).strftime("%Y-%m-%d %H:%M UTC")


def assert_hers(message: mail.EmailMessage, request: TakedownRequest, settings: Any) -> str:
    """A mail to her alone, from the configured sender, naming her request and where to follow it
    (its page's link where the site's address is set, else where on the site): its text."""
    assert message.to == [request.email] and not message.cc and not message.bcc
    assert message.from_email == settings.DEFAULT_FROM_EMAIL
    assert request.tracking in message.subject
    assert request.tracking in message.body
    if settings.CASTFEED_SITE_URL:
        assert f"\n{settings.CASTFEED_SITE_URL}/#/removal/{request.tracking}\n" in message.body
    else:
        assert "under Request removal on our site" in message.body and "://" not in message.body
    assert "/api/v1/" not in message.body  # a path with no host is nothing a reader of mail can open
    assert received(request) in message.body
    return message.subject + "\n" + message.body


def assert_nothing_of(text: str, *others: Any) -> None:
    for other in others:
        assert str(other) not in text


def test_she_is_mailed_once_when_her_face_is_verified_and_once_when_the_videos_are_removed(
    anon, make_user, her_video, settings, mailoutbox, django_capture_on_commit_callbacks
):
    capture = django_capture_on_commit_callbacks
    request = request_of(submit(anon, videos.video(), challenge(anon), capture=capture))

    assert len(mailoutbox) == 1
    text = assert_hers(mailoutbox[0], request, settings)
    assert mailoutbox[0].subject == f"We received your takedown request {request.tracking}"
    assert "verified that your selfie video shows you" in text
    assert "1 video showing you is now hidden" in text and "within 48 hours" in text
    reviewer = make_user("reviewer_sam")
    with capture(execute=True):
        takedowns.request_confirm(request_id=request.pk, reviewer=reviewer)

    assert len(mailoutbox) == 2
    request.refresh_from_db()
    text = assert_hers(mailoutbox[1], request, settings)
    assert mailoutbox[1].subject == f"Your takedown request {request.tracking}: videos removed"
    assert "1 video showing you is deleted everywhere" in text  # the draft went too, never counted
    for message in mailoutbox:  # nothing of the video, its author, its draft, or the reviewer
        assert_nothing_of(
            message.subject + message.body, CAPTION, "a draft of her", "uploader_kim", "reviewer_sam",
            f"videos/{her_video.pk}", f"/v/{her_video.pk}", her_video.media_key,
        )  # fmt: skip
    # The task again (redelivered, or queued twice): the status was mailed, nothing more goes.
    for _ in range(2):
        assert mail_takedown_requester.apply(args=[request.pk]).get() is False
    assert len(mailoutbox) == 2
    assert TakedownRequest.objects.get(pk=request.pk).mailed_status == "removed"


@pytest.mark.parametrize("site", ["https://castfeed.example", "https://example.org/castfeed"])
def test_with_the_sites_address_set_her_mail_links_her_requests_page(
    anon, her_video, settings, mailoutbox, site, django_capture_on_commit_callbacks
):
    """CASTFEED_SITE_URL set: the mail gives the web client's page of her request
    (#/removal/<tracking>) under it, on a line of its own, which she can open from her mail."""
    settings.CASTFEED_SITE_URL = site
    request = request_of(submit(anon, videos.video(), challenge(anon), capture=django_capture_on_commit_callbacks))

    assert len(mailoutbox) == 1
    assert_hers(mailoutbox[0], request, settings)
    (link,) = [line for line in mailoutbox[0].body.splitlines() if "://" in line]
    assert link == f"{site}/#/removal/{request.tracking}"
    # The link's path is the web client, and the tracking number in its fragment is her request's.
    path, _, route = link.removeprefix(site).partition("#")
    assert anon.get(path).status_code == 200 and 'id="app"' in anon.get(path).content.decode()
    assert route.startswith("/removal/")
    assert anon.get(f"/api/v1/takedowns/{route.removeprefix('/removal/')}").json()["status"] == "hidden"


def test_she_is_mailed_when_a_reviewer_dismisses_her_request(
    anon, make_user, her_video, settings, mailoutbox, django_capture_on_commit_callbacks
):
    capture = django_capture_on_commit_callbacks
    request = request_of(submit(anon, videos.video(), challenge(anon), capture=capture))
    with capture(execute=True):
        takedowns.request_dismiss(request_id=request.pk, reviewer=make_user("reviewer_sam"))

    assert [m.subject for m in mailoutbox] == [
        f"We received your takedown request {request.tracking}",
        f"Your takedown request {request.tracking} was dismissed",
    ]
    text = assert_hers(mailoutbox[1], request, settings)
    assert "found no grounds to remove the videos, so nothing was removed" in text
    assert "send a new request" in text
    assert_nothing_of(text, CAPTION, "uploader_kim", "reviewer_sam", f"videos/{her_video.pk}")


def test_a_selfie_that_cannot_be_verified_is_mailed_with_the_reason_and_what_to_do_next(
    anon, her_video, settings, mailoutbox, django_capture_on_commit_callbacks
):
    # A photo held up to the camera: it never turns.
    data = videos.video(static=True)
    request = request_of(submit(anon, data, challenge(anon), capture=django_capture_on_commit_callbacks))
    assert request.status == "rejected" and request.reason

    assert len(mailoutbox) == 1
    text = assert_hers(mailoutbox[0], request, settings)
    assert mailoutbox[0].subject == f"We could not verify your takedown request {request.tracking}"
    assert f"What went wrong: {request.reason}" in text
    assert "Nothing was taken down" in text and "What to do next: send a new request" in text
    assert_nothing_of(text, CAPTION, "uploader_kim")


def test_a_request_whose_check_was_lost_on_our_side_is_not_blamed_on_her_selfie(
    anon, her_video, settings, mailoutbox, django_capture_on_commit_callbacks
):
    """A request stuck in `verifying` (its task lost) is closed by requests_expire: her mail says we
    failed to check it in time, not that her selfie failed the liveness check."""
    request = request_of(submit(anon, videos.video(), challenge(anon)))  # its check never runs
    assert request.status == "verifying" and mailoutbox == []
    TakedownRequest.objects.filter(pk=request.pk).update(received_at=request.received_at - dt.timedelta(days=1))
    with django_capture_on_commit_callbacks(execute=True):
        assert takedowns.requests_expire() == 1

    request.refresh_from_db()
    assert len(mailoutbox) == 1
    text = assert_hers(mailoutbox[0], request, settings)
    assert "we could not check your selfie video in time, on our side" in text
    assert "live person" not in text and "What went wrong" not in text
    assert "What to do next: send a new request" in text


def test_a_stuck_request_is_closed_even_when_erasing_old_templates_runs_out_of_time(
    anon, her_video, monkeypatch, mailoutbox, django_capture_on_commit_callbacks
):
    """The sweep (moderation.expire_takedowns, every 5 minutes) erases the templates of confirmed
    requests with a search of the face index each: with many, its time limit cuts it short. Before,
    it ran before closing the requests stuck in `verifying`, which then stayed open, their requester
    unmailed, for as long as the templates took."""
    from celery.exceptions import SoftTimeLimitExceeded

    from moderation.tasks import expire_takedowns

    request = request_of(submit(anon, videos.video(), challenge(anon)))  # its check never runs
    TakedownRequest.objects.filter(pk=request.pk).update(received_at=request.received_at - dt.timedelta(days=1))

    def out_of_time() -> int:
        raise SoftTimeLimitExceeded()

    monkeypatch.setattr(takedowns, "templates_expire", out_of_time)
    with pytest.raises(SoftTimeLimitExceeded), django_capture_on_commit_callbacks(execute=True):
        expire_takedowns()

    request.refresh_from_db()
    assert request.status == "rejected"
    assert len(mailoutbox) == 1 and "we could not check your selfie video in time" in mailoutbox[0].body


def test_a_face_in_none_of_our_videos_is_mailed_that_nothing_was_found(
    anon, make_user, make_video, settings, mailoutbox, django_capture_on_commit_callbacks
):
    with_face(make_video(make_user("uploader_kim"), caption=CAPTION), "hopper")  # someone else
    request = request_of(submit(anon, videos.video(), challenge(anon), capture=django_capture_on_commit_callbacks))
    assert request.status == "no_match"

    assert len(mailoutbox) == 1
    text = assert_hers(mailoutbox[0], request, settings)
    assert mailoutbox[0].subject == f"Your takedown request {request.tracking}: no video here shows your face"
    assert "found none that shows you" in text
    assert_nothing_of(text, CAPTION, "uploader_kim")


def test_two_people_in_one_video_each_hear_only_of_their_own_request(
    anon, make_user, make_video, settings, mailoutbox, django_capture_on_commit_callbacks
):
    capture = django_capture_on_commit_callbacks
    video = make_video(make_user("uploader_kim"), caption=CAPTION)
    tracks = [(faces.template("astronaut"), 0, 900, 8), (faces.template("hopper"), 0, 900, 8)]
    cameos.video_faces_record(video_id=video.pk, tracks=tracks)
    grace = request_of(
        submit(anon, videos.video(person="hopper"), challenge(anon), email="grace@example.org", capture=capture)
    )
    eileen = request_of(submit(anon, videos.video(), challenge(anon), capture=capture))
    with capture(execute=True):
        takedowns.request_confirm(request_id=eileen.pk, reviewer=make_user("reviewer_sam"))

    assert [m.to for m in mailoutbox] == [["grace@example.org"], [EILEEN], [EILEEN]]
    for message, (own, other) in zip(mailoutbox, [(grace, eileen), (eileen, grace), (eileen, grace)], strict=True):
        text = assert_hers(message, TakedownRequest.objects.get(pk=own.pk), settings)
        assert_nothing_of(text, other.tracking, other.email, CAPTION, "uploader_kim", f"videos/{video.pk}")


def test_a_send_that_fails_is_retried_and_her_mail_goes_once(
    anon, her_video, settings, mailoutbox, monkeypatch, django_capture_on_commit_callbacks
):
    """The mail server refuses the first try, after the task marked the status mailed: the mark is
    undone with it, the task's retry sends the mail, and a later run of the task sends nothing again."""
    real_send = EmailBackend.send_messages
    tries: list[int] = []

    def refuse_once(self: EmailBackend, messages: list[Any]) -> int:
        tries.append(len(messages))
        if len(tries) == 1:
            raise ConnectionRefusedError(111, "Connection refused")
        return real_send(self, messages)

    monkeypatch.setattr(EmailBackend, "send_messages", refuse_once)
    request = request_of(submit(anon, videos.video(), challenge(anon), capture=django_capture_on_commit_callbacks))
    assert tries == [1] and mailoutbox == []  # (eagerly, the task's retry is not run by itself)
    assert TakedownRequest.objects.get(pk=request.pk).mailed_status == ""

    assert mail_takedown_requester.apply(args=[request.pk]).get() is True  # the retry
    assert len(mailoutbox) == 1
    assert_hers(mailoutbox[0], request, settings)
    assert mail_takedown_requester.apply(args=[request.pk]).get() is False
    assert len(tries) == 2 and len(mailoutbox) == 1


def test_a_mail_server_that_never_answers_breaks_nothing(
    anon, make_user, her_video, mailoutbox, monkeypatch, django_capture_on_commit_callbacks
):
    """Every try refused (no mail server): the request is verified and decided as ever, and its mail is
    not marked sent (a later run of the task, the server back, sends it)."""

    def refuse(self: EmailBackend, messages: list[Any]) -> int:
        raise ConnectionRefusedError(111, "Connection refused")

    monkeypatch.setattr(EmailBackend, "send_messages", refuse)
    capture = django_capture_on_commit_callbacks
    request = request_of(submit(anon, videos.video(), challenge(anon), capture=capture))
    with capture(execute=True):
        decided = takedowns.request_confirm(request_id=request.pk, reviewer=make_user("reviewer_sam"))

    assert decided.status == "removed" and not Video.objects.filter(pk=her_video.pk).exists()
    assert anon.get(f"/api/v1/takedowns/{request.tracking}").json()["videos_removed"] == 1
    assert mailoutbox == [] and TakedownRequest.objects.get(pk=request.pk).mailed_status == ""
    monkeypatch.undo()
    assert mail_takedown_requester.apply(args=[request.pk]).get() is True
    assert len(mailoutbox) == 1 and "videos removed" in mailoutbox[0].subject


def test_a_request_decided_before_its_received_mail_went_is_mailed_the_decision_once(
    anon, make_user, her_video, settings, mailoutbox, monkeypatch, django_capture_on_commit_callbacks
):
    """The worker was slow: the "received" mail's task runs after the reviewer's decision. It tells the
    decision (not "hidden, waiting for review"), and the decision's own task then sends nothing."""
    queued: list[Any] = []
    monkeypatch.setattr(mail_takedown_requester, "delay", lambda *args: queued.append(args))
    capture = django_capture_on_commit_callbacks
    request = request_of(submit(anon, videos.video(), challenge(anon), capture=capture))
    with capture(execute=True):
        takedowns.request_confirm(request_id=request.pk, reviewer=make_user("reviewer_sam"))
    assert queued == [(request.pk,), (request.pk,)]  # only the id travels: never her address
    assert mailoutbox == []

    for args in queued:  # "received" (queued at verification), then "decided"
        mail_takedown_requester.apply(args=args)

    assert len(mailoutbox) == 1
    request.refresh_from_db()
    text = assert_hers(mailoutbox[0], request, settings)
    assert mailoutbox[0].subject == f"Your takedown request {request.tracking}: videos removed"
    assert "1 video showing you is deleted everywhere" in text and "hidden" not in text


def test_a_request_deleted_before_its_mail_went_sends_nothing(
    anon, her_video, mailoutbox, monkeypatch, django_capture_on_commit_callbacks
):
    """The address is read when the mail is sent, from the request: once the request is gone, nothing
    holds it and nothing is sent."""
    queued: list[Any] = []
    monkeypatch.setattr(mail_takedown_requester, "delay", lambda *args: queued.append(args))
    request = request_of(submit(anon, videos.video(), challenge(anon), capture=django_capture_on_commit_callbacks))
    TakedownRequest.objects.filter(pk=request.pk).delete()

    assert queued == [(request.pk,)]
    assert mail_takedown_requester.apply(args=queued[0]).get() is False
    assert mailoutbox == []


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_two_runs_of_her_mail_task_at_once_send_it_once(anon, her_video, mailoutbox, monkeypatch):
    """The same status's task twice at once (queued twice, or redelivered while the first still sends):
    the second waits for the first's commit and finds the status mailed. Two threads, each with its
    own database connection, against committed data (PostgreSQL's row lock)."""
    queued: list[Any] = []
    monkeypatch.setattr(mail_takedown_requester, "delay", lambda *args: queued.append(args))
    request = request_of(submit(anon, videos.video(), challenge(anon)))
    assert request.status == "hidden" and queued == [(request.pk,)]

    sending = pause_in(monkeypatch, EmailBackend, "send_messages")
    results: dict[str, bool] = {}

    def second() -> None:
        results["second"] = takedowns.requester_mail(request_id=request.pk)
        results["second waited"] = sending.go_on.is_set()  # on the row the first holds while it sends

    errors = second_while_first_pauses(
        lambda: results.update(first=takedowns.requester_mail(request_id=request.pk)),
        second,
        sending,
        names=("first", "second"),
        wait=1.0,
    )

    assert results.pop("second waited")
    assert errors == [] and results == {"first": True, "second": False}
    assert len(mailoutbox) == 1 and mailoutbox[0].to == [EILEEN]
