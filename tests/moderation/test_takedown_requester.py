"""Takedown requests as the requester meets them beyond the main path (tests/moderation/test_takedowns.py):
the links they paste, how often they may try, and what the counts they see say."""

from __future__ import annotations

import json

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from feed.models import Video
from generation.models import GenerationJob
from moderation import takedowns
from moderation.models import AuditEvent, TakedownRequest
from tests.cameos import videos
from tests.moderation import test_takedowns
from tests.moderation.test_takedowns import URL, challenge, selfies, submit, with_face

pytestmark = pytest.mark.django_db
two_requests = test_takedowns.two_requests  # the fixture: a video of Eileen and Grace, a request from each


def post(client, **fields):  # type: ignore[no-untyped-def]
    body = {
        "video": SimpleUploadedFile("selfie.mp4", videos.video(), content_type="video/mp4"),
        "challenge": challenge(client),
        "email": "eileen@example.org",
        **fields,
    }
    return client.post(URL, body, format="multipart")


def test_links_copied_from_this_site_name_their_videos(anon):
    """The removal page asks for "a link to a video here": the address bar of the web client's video page
    (`#/v/<id>`), the API's URL, a path, or the number."""
    links = ["http://testserver/#/v/11", "http://testserver/api/v1/videos/12?x=1", "#/v/13", "/videos/14/", "15"]
    response = post(anon, videos=links)
    assert response.status_code == 202, response.content
    assert TakedownRequest.objects.get(tracking=response.json()["tracking"]).videos_named == [11, 12, 13, 14, 15]


@pytest.mark.parametrize(
    "link",
    [
        "https://elsewhere.example/videos/5",  # another site's video 5 is not ours
        "https://elsewhere.example/#/v/5",
        "https://testserver.elsewhere.example/videos/5",
        "https://testserver@elsewhere.example/videos/5",
        "ftp://testserver/videos/5",
        "elsewhere.example/videos/5",  # no scheme: a path that is not ours
    ],
)
def test_links_to_other_sites_are_refused(anon, settings, link):  # type: ignore[no-untyped-def]
    response = post(anon, videos=["7", link])
    assert response.status_code == 400, response.content
    assert "videos" in response.json()["fields"]
    assert not TakedownRequest.objects.exists() and selfies(settings) == []


def test_an_address_gets_twenty_challenges_and_twenty_requests_an_hour(anon, mid_window):
    """docs/takedowns.md § Limits: 20 of each, so 20 tries (a challenge and its selfie each), not 10."""
    for i in range(20):
        response = post(anon, email=f"try{i}@example.org")  # a challenge, then the request
        assert response.status_code == 202, (i, response.content)
    refused = anon.post(f"{URL}/challenges")
    assert refused.status_code == 429
    assert refused.json()["error"] == "throttled" and int(refused["Retry-After"]) > 0
    spare = takedowns.challenge_create()  # asked for before the limit was reached
    refused = anon.post(
        URL,
        {
            "video": SimpleUploadedFile("selfie.mp4", videos.video(), content_type="video/mp4"),
            "challenge": str(spare.pk),
            "email": "one.more@example.org",
        },
        format="multipart",
    )
    assert refused.status_code == 429 and int(refused["Retry-After"]) > 0
    assert TakedownRequest.objects.count() == 20


def test_the_removed_count_never_reveals_a_draft(
    anon, client_of, make_user, make_video, settings, django_capture_on_commit_callbacks
):
    """A confirmed request removes every sure match, drafts included (design.md §1.2), but the requester
    only ever learns about published videos (docs/takedowns.md § What happens, 4): hidden 1, then removed
    1, whatever drafts of her there were. A hidden video its author deleted meanwhile is removed all the
    same and counts."""
    author = make_user("uploader")
    published = with_face(make_video(author), "astronaut")
    deleted = with_face(make_video(author), "astronaut")
    drafts = [with_face(make_video(author, publish=False), "astronaut").pk for _ in range(2)]
    tracking = submit(anon, videos.video(), challenge(anon), capture=django_capture_on_commit_callbacks).json()[
        "tracking"
    ]
    assert anon.get(f"{URL}/{tracking}").json()["videos_hidden"] == 2
    assert client_of(author).delete(f"/api/v1/videos/{deleted.pk}").status_code == 204

    request = TakedownRequest.objects.get(tracking=tracking)
    with django_capture_on_commit_callbacks(execute=True):
        takedowns.request_confirm(request_id=request.pk, reviewer=make_user("reviewer"))

    body = anon.get(f"{URL}/{tracking}").json()
    assert (body["status"], body["videos_hidden"], body["videos_removed"]) == ("removed", 2, 2)
    assert not Video.objects.filter(pk__in=[published.pk, deleted.pk, *drafts]).exists()


def test_a_video_of_her_published_while_her_request_waits_is_hidden_too(
    anon, api, me, make_user, make_video, django_capture_on_commit_callbacks
):
    """A draft her request matched, published by its author during the review, and a new video of her
    face (the hidden one made again) published then: both are hidden at once, as the videos matched at
    verification were (they were public until a reviewer decided); a dismissal puts them back."""

    def ready(draft: Video) -> GenerationJob:
        return GenerationJob.objects.create(
            author=me, prompt="a walk on the beach", duration_s=2, seed=1, status="ready", progress=100, video=draft
        )

    matched = ready(with_face(make_video(me, publish=False), "astronaut"))
    tracking = submit(anon, videos.video(), challenge(anon), capture=django_capture_on_commit_callbacks).json()[
        "tracking"
    ]
    made_again = ready(with_face(make_video(me, publish=False), "astronaut"))
    someone_else = ready(with_face(make_video(me, publish=False), "hopper"))
    for job in (matched, made_again, someone_else):
        assert api.post(f"/api/v1/generations/{job.pk}/publish", {}, format="json").status_code == 200

    assert anon.get(f"/api/v1/videos/{matched.video_id}").status_code == 404
    assert anon.get(f"/api/v1/videos/{made_again.video_id}").status_code == 404
    assert anon.get(f"/api/v1/videos/{someone_else.video_id}").status_code == 200
    assert anon.get(f"{URL}/{tracking}").json()["videos_hidden"] == 2
    request = TakedownRequest.objects.get(tracking=tracking)
    hidden = AuditEvent.objects.filter(kind="takedown", object_id=str(request.pk), data__outcome="hidden")
    assert sorted(e.data.get("video") or 0 for e in hidden) == [0, matched.video_id, made_again.video_id]

    def told() -> set[tuple[str, int]]:
        return {(n["kind"], n["data"]["video_id"]) for n in api.get("/api/v1/notifications").json()["results"]}

    # Its author, who just published it, is told why it is gone at once.
    on_review = {("video_hidden_for_review", matched.video_id), ("video_hidden_for_review", made_again.video_id)}
    assert told() == on_review

    takedowns.request_dismiss(
        request_id=TakedownRequest.objects.get(tracking=tracking).pk, reviewer=make_user("reviewer")
    )
    assert anon.get(f"/api/v1/videos/{matched.video_id}").status_code == 200
    assert anon.get(f"/api/v1/videos/{made_again.video_id}").status_code == 200
    assert told() == on_review | {("video_restored", matched.video_id), ("video_restored", made_again.video_id)}


def test_the_email_limit_says_when_one_more_would_be_accepted(anon, settings, mid_window):
    """Over the per-email limit, Retry-After is the time until a request would be accepted: the day's
    2 weigh on the next day as much as the part of today still within the last 24 hours (days start
    at midnight UTC), so one more at noon tomorrow (2 x 1/2 + 1 = 2), not a whole day from now
    whatever the hour."""
    settings.CASTFEED_MODERATION = {**settings.CASTFEED_MODERATION, "TAKEDOWN_PER_EMAIL": "2/day"}
    assert [post(anon).status_code for _ in range(2)] == [202, 202]
    refused = post(anon)
    assert refused.status_code == 429
    left = (int(mid_window // 86400) + 1) * 86400 + 43200 - mid_window
    assert int(refused["Retry-After"]) == refused.json()["retry_after"] == int(left) + 1


@pytest.mark.parametrize(
    "spellings",
    [
        ["Eileen+one@Example.org", "eileen+two@EXAMPLE.ORG", "EILEEN@example.org"],  # + tags, case
        ["eileen@bücher.example", "Eileen+x@XN--BCHER-KVA.example", "eileen@BÜCHER.example"],  # IDNA forms
    ],
)
def test_the_email_limit_counts_one_address_however_it_is_written(anon, settings, mid_window, spellings):
    """One mailbox is one count: a `+` tag, capitals, or the Unicode and punycode forms of its domain
    do not make it another address (each spelling got its own 5 a day). What she typed is kept."""
    settings.CASTFEED_MODERATION = {**settings.CASTFEED_MODERATION, "TAKEDOWN_PER_EMAIL": "2/day"}
    first, second, third = spellings
    assert post(anon, email=first).status_code == 202
    assert post(anon, email=second).status_code == 202
    refused = post(anon, email=third)
    assert refused.status_code == 429, refused.content
    assert refused.json()["error"] == "quota_exceeded" and int(refused["Retry-After"]) > 0
    assert sorted(TakedownRequest.objects.values_list("email", flat=True)) == sorted([first, second])
    assert post(anon, email="grace@example.org").status_code == 202  # another mailbox: its own count


@pytest.mark.parametrize("first_decision", ["dismiss", "confirm"])
def test_the_second_person_in_a_hidden_video_sees_it_hidden_and_removed_for_her(
    anon, make_user, two_requests, django_capture_on_commit_callbacks, first_decision
):
    """Grace's request hid the video first; it shows Eileen too. Eileen's page says 1 video hidden (it
    said 0, and 0 removed once her request was confirmed, while the video was deleted)."""
    video, first, second = two_requests
    assert anon.get(f"{URL}/{second.tracking}").json()["videos_hidden"] == 1
    reviewer = make_user("reviewer")
    if first_decision == "dismiss":
        takedowns.request_dismiss(request_id=first.pk, reviewer=reviewer)
        assert Video.objects.get(pk=video.pk).status == "removed"  # still hidden, for Eileen
    with django_capture_on_commit_callbacks(execute=True):
        takedowns.request_confirm(request_id=second.pk, reviewer=reviewer)
    body = anon.get(f"{URL}/{second.tracking}").json()
    assert (body["status"], body["videos_hidden"], body["videos_removed"]) == ("removed", 1, 1)
    assert not Video.objects.filter(pk=video.pk).exists()


def test_a_draft_listed_as_a_weaker_match_and_published_as_her_face_is_hidden(
    anon, api, me, make_video, django_capture_on_commit_callbacks
):
    """A draft her request listed as a weaker match (found through a cameo, before its faces were
    indexed), whose face is surely hers when it is published: hidden, its match raised (the publish
    answered 500: the request already listed that video)."""
    draft = with_face(make_video(me, publish=False), "astronaut")
    job = GenerationJob.objects.create(
        author=me, prompt="a walk on the beach", duration_s=2, seed=1, status="ready", progress=100, video=draft
    )
    tracking = submit(anon, videos.video(), challenge(anon), capture=django_capture_on_commit_callbacks).json()[
        "tracking"
    ]
    request = TakedownRequest.objects.get(tracking=tracking)
    request.matches.filter(video_ref=draft.pk).update(similarity=0.6, source="cameo")

    assert api.post(f"/api/v1/generations/{job.pk}/publish", {}, format="json").status_code == 200
    assert anon.get(f"/api/v1/videos/{draft.pk}").status_code == 404
    assert anon.get(f"{URL}/{tracking}").json()["videos_hidden"] == 1
    match = request.matches.get(video_ref=draft.pk)
    assert match.was_published and match.similarity > 0.8


def test_the_author_of_a_video_taken_down_is_told(
    anon, client_of, make_user, make_video, django_capture_on_commit_callbacks
):
    """Confirmed, the author's video is deleted everywhere: they are told, as when a person in it deletes
    it from Videos of me (`video_removed`, "a person in it", naming no one); it just vanished before."""
    author, bystander = make_user("uploader"), make_user("bystander")
    hers = with_face(make_video(author), "astronaut")
    with_face(make_video(bystander), "hopper")  # another face: nothing happens to it
    tracking = submit(anon, videos.video(), challenge(anon), capture=django_capture_on_commit_callbacks).json()[
        "tracking"
    ]
    reader = client_of(author)
    hidden = ("video_hidden_for_review", {"video_id": hers.pk})  # told at once (the next test), naming no one
    assert [(n["kind"], n["data"]) for n in reader.get("/api/v1/notifications").json()["results"]] == [hidden]
    with django_capture_on_commit_callbacks(execute=True):
        takedowns.request_confirm(
            request_id=TakedownRequest.objects.get(tracking=tracking).pk, reviewer=make_user("reviewer")
        )
    told = reader.get("/api/v1/notifications").json()["results"]
    removed = ("video_removed", {"video_id": hers.pk, "by": "a person in it"})
    assert [(n["kind"], n["data"]) for n in told] == [removed, hidden]
    assert client_of(bystander).get("/api/v1/notifications").json()["results"] == []


def test_the_author_of_a_hidden_video_is_told_it_waits_for_review_and_when_it_is_back(
    anon, client_of, make_user, two_requests
):
    """A video of Eileen and Grace, hidden by both their requests: its author is told once that it is
    hidden pending review of a takedown request, naming no one (not who asked, their email or tracking
    number); nothing when the first request is dismissed (still hidden, for the other), and that it is
    back when the last one is. The list and the export say the same."""
    video, first, second = two_requests
    reader = client_of(video.author)

    def told() -> list[tuple[str, dict[str, int]]]:
        return [(n["kind"], n["data"]) for n in reader.get("/api/v1/notifications").json()["results"]]

    hidden = ("video_hidden_for_review", {"video_id": video.pk})
    assert told() == [hidden]
    takedowns.request_dismiss(request_id=first.pk, reviewer=make_user("reviewer"))
    assert told() == [hidden]  # still hidden, for Eileen
    takedowns.request_dismiss(request_id=second.pk, reviewer=make_user("another"))
    assert Video.objects.get(pk=video.pk).status == "published"
    assert told() == [("video_restored", {"video_id": video.pk}), hidden]

    export = reader.get("/api/v1/me/export").json()
    assert [(n["kind"], n["data"]) for n in export["notifications"]] == [
        hidden,
        ("video_restored", {"video_id": video.pk}),
    ]
    seen = (reader.get("/api/v1/notifications").content.decode() + json.dumps(export)).lower()
    for trace in (first.tracking, second.tracking, first.email, second.email, "grace", "eileen"):
        assert trace.lower() not in seen


def test_a_requests_tracking_number_and_status_are_kept_by_no_cache(anon):
    """The tracking number is all it takes to read a request (no account), and its status says that
    someone asked for videos of their face to go: the answers that carry them are kept by no shared
    cache nor the browser's, as a signed-in person's answers are not."""
    submitted = post(anon)
    assert submitted.status_code == 202, submitted.content
    status = anon.get(f"{URL}/{submitted.json()['tracking']}")
    assert status.status_code == 200
    for response in (submitted, status):
        assert response.get("Cache-Control") == "private, no-store"
