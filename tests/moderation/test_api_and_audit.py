"""The preflight endpoint, reports' review queue in the admin, and the append-only audit log."""

import pytest
from django.db import DatabaseError, connection, transaction
from django.test import Client

from accounts import services as accounts
from feed.models import Report, Video
from generation.models import GenerationJob
from moderation.models import AuditEvent

URL = "/api/v1/consent/check"


def test_preflight_lists_who_the_prompt_would_show_and_records_nothing(api, make_user, activate_cameo, registry):
    friend = make_user("surfer.jo")
    activate_cameo(friend, audience="everyone")
    registry("Taylor Swift")
    response = api.post(URL, {"prompt": "@surfer.jo and taylor swift surfing"}, format="json")
    assert response.status_code == 200
    body = response.json()
    assert body["allowed"] is False and body["categories"] == []
    assert [(s["handle"], s["source"], s["verdict"], s["reason"]) for s in body["subjects"]] == [
        ("surfer.jo", "mention", "allowed", "everyone"),
        (None, "name", "refused", "protected_person"),
    ]
    assert set(body["subjects"][0]) == {"handle", "source", "verdict", "reason", "detail"}  # no similarity
    assert not AuditEvent.objects.filter(kind="consent_decision").exists()


def test_preflight_reports_policy_categories(api):
    body = api.post(URL, {"prompt": "a gunman shooting people in a mall"}, format="json").json()
    assert body == {"allowed": False, "subjects": [], "categories": ["violence"]}


def test_a_blocked_author_reads_the_handle_as_unknown_word_for_word(api, me, make_user, activate_cameo):
    owner = make_user("private.pat")
    activate_cameo(owner, audience="everyone")
    accounts.block_create(blocker=owner, blocked=me)
    blocked = api.post(URL, {"prompt": "@private.pat dancing"}, format="json")
    unknown = api.post(URL, {"prompt": "@private.pxt dancing"}, format="json")
    assert blocked.status_code == unknown.status_code
    assert blocked.content.replace(b"private.pat", b"private.pxt") == unknown.content
    assert blocked.json()["subjects"][0]["reason"] == "unknown_handle"
    # The person who blocked reads as "not available" to the author only where no handle is involved
    # (a face or a remix), like a cameo kept to its owner.


def test_an_author_who_blocked_someone_reads_not_available(api, me, make_user, activate_cameo):
    owner = make_user("blocked.by.me")
    activate_cameo(owner, audience="everyone")
    accounts.block_create(blocker=me, blocked=owner)
    subject = api.post(URL, {"prompt": "@blocked.by.me dancing"}, format="json").json()["subjects"][0]
    assert subject["reason"] == "not_available" and "block" not in subject["detail"].lower()


def test_remix_preflight_checks_the_source_videos_people(api, me, make_user, activate_cameo, make_video):
    owner = make_user("in.the.video")
    activate_cameo(owner, audience="approved")
    video = make_video(owner, people=(owner,))
    body = api.post(URL, {"prompt": "same but at night", "remix_of": video.pk}, format="json").json()
    assert [(s["source"], s["reason"]) for s in body["subjects"]] == [("remix", "needs_approval")]


def test_someone_elses_draft_cannot_be_remixed_even_by_a_person_in_it(api, me, make_user, make_video):
    author = make_user("drafter")
    draft = make_video(author, publish=False, people=(me,))
    response = api.post(URL, {"prompt": "again", "remix_of": draft.pk}, format="json")
    assert response.status_code == 400 and response.json()["error"] == "invalid"
    hidden = make_video(author, publish=False)
    assert api.post(URL, {"prompt": "again", "remix_of": hidden.pk}, format="json").status_code == 404


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({}, "prompt"),
        ({"prompt": ""}, "prompt"),
        ({"prompt": "x" * 2001}, "prompt"),
        ({"prompt": "x", "nope": 1}, "nope"),
    ],
)
def test_bad_input_is_a_400_naming_the_field(api, body, field):
    response = api.post(URL, body, format="json")
    assert response.status_code == 400
    assert field in str(response.json())


# At the bundled voice's fastest pace (about 20 characters a second), SUMMIT takes about 5 seconds to
# say: it fits a video of 10 seconds (the longest submit accepts by default), not one of 2 (the
# shortest) or of 4. SUMMIT_AND_PICNIC takes about 12: it fits none.
SUMMIT = "we finally made it to the top of the mountain, and the view is even better than the photos said"
SUMMIT_AND_PICNIC = (
    f"{SUMMIT}, so let us sit down up here for a while, eat all of our sandwiches, drink the cold tea and"
    " watch the clouds roll by until the sun goes down"
)


def test_preflight_refuses_quoted_lines_too_long_for_any_video_and_records_nothing(api):
    """The create screen checks while someone types: lines that no video submit accepts could hold are
    refused here, as submit would refuse them at any duration. Before, the preflight said `allowed`."""
    response = api.post(URL, {"prompt": f'a hiker saying "{SUMMIT_AND_PICNIC}"'}, format="json")
    assert response.status_code == 400, response.content
    assert response.json()["error"] == "invalid"
    assert response.json()["fields"]["prompt"] == [
        "The quoted lines are too long to say in any video, even one of 10 seconds: shorten them."
    ]
    assert not AuditEvent.objects.exists() and not GenerationJob.objects.exists()


def test_a_quoted_passage_of_over_300_characters_is_refused_as_too_long_to_say(api):
    """One quoted passage too long for any video (350 characters) is refused by the preflight and by
    submit. Before, a passage over 300 characters was not read as a line at all: allowed, and the
    video came out without it spoken."""
    passage = " ".join([SUMMIT] * 4)[:350]
    response = api.post(URL, {"prompt": f'a hiker saying "{passage}"'}, format="json")
    assert response.status_code == 400, response.content
    assert response.json()["fields"]["prompt"] == [
        "The quoted lines are too long to say in any video, even one of 10 seconds: shorten them."
    ]
    submit = api.post("/api/v1/generations", {"prompt": f'a hiker saying "{passage}"', "duration_s": 10}, format="json")
    assert submit.status_code == 400, submit.content
    assert not GenerationJob.objects.exists()


def test_preflight_leaves_lines_that_fit_the_longest_video_to_submit(api, settings):
    """Lines that fit the longest video but not the shortest are allowed by the preflight (it has no
    duration); submit decides for the duration asked for. The longest is generation's MAX_SECONDS."""
    prompt = f'a hiker saying "{SUMMIT}"'
    assert api.post(URL, {"prompt": prompt}, format="json").json() == {
        "allowed": True,
        "subjects": [],
        "categories": [],
    }
    short = api.post("/api/v1/generations", {"prompt": prompt, "duration_s": 2}, format="json")
    assert short.status_code == 400, short.content
    assert short.json()["fields"]["prompt"] == ["The quoted lines are too long to say in 2 seconds: shorten them."]
    assert api.post("/api/v1/generations", {"prompt": prompt, "duration_s": 10}, format="json").status_code == 202

    settings.CASTFEED_GENERATION = {"MAX_SECONDS": 4}
    response = api.post(URL, {"prompt": prompt}, format="json")
    assert response.status_code == 400, response.content
    assert response.json()["fields"]["prompt"] == [
        "The quoted lines are too long to say in any video, even one of 4 seconds: shorten them."
    ]


def test_preflight_needs_a_signed_in_user(anon):
    assert anon.post(URL, {"prompt": "x"}, format="json").status_code == 401


@pytest.fixture
def moderator(make_user):  # type: ignore[no-untyped-def]
    user = make_user("mod.erator")
    user.is_staff = user.is_superuser = True
    user.save(update_fields=["is_staff", "is_superuser"])
    client = Client()
    client.force_login(user)
    return user, client


def test_the_review_queue_takes_a_reported_video_down(api, me, make_user, make_video, moderator):
    mod, client = moderator
    author = make_user("poster")
    video = make_video(author)
    assert api.post(f"/api/v1/videos/{video.pk}/report", {"reason": "violence"}, format="json").status_code == 201
    report = Report.objects.get(video=video)

    page = client.get("/admin/feed/report/")
    assert page.status_code == 200 and "violence" in page.content.decode().lower()
    response = client.post("/admin/feed/report/", {"action": "take_down", "_selected_action": [report.pk]}, follow=True)
    assert response.status_code == 200
    video.refresh_from_db()
    report.refresh_from_db()
    assert video.status == Video.Status.REMOVED and report.status == Report.Status.ACTIONED
    assert api.get(f"/api/v1/videos/{video.pk}").status_code == 404
    reviewed = AuditEvent.objects.get(kind="report_reviewed")
    assert (reviewed.actor_id, reviewed.subject_id, reviewed.data["outcome"]) == (mod.pk, author.pk, "taken_down")
    assert AuditEvent.objects.filter(kind="video_taken_down", object_id=str(video.pk)).exists()


def test_dismissing_reports_leaves_the_video_up(api, make_user, make_video, moderator):
    _, client = moderator
    video = make_video(make_user("poster"))
    api.post(f"/api/v1/videos/{video.pk}/report", {"reason": "spam"}, format="json")
    report = Report.objects.get(video=video)
    client.post("/admin/feed/report/", {"action": "dismiss", "_selected_action": [report.pk]})
    report.refresh_from_db()
    video.refresh_from_db()
    assert report.status == Report.Status.DISMISSED and video.status == Video.Status.PUBLISHED


@pytest.mark.parametrize("action", ["take_down", "dismiss"])
def test_staff_who_may_only_view_reports_cannot_act_on_them(api, make_user, make_video, action):
    from django.contrib.auth.models import Permission

    video = make_video(make_user("poster"))
    api.post(f"/api/v1/videos/{video.pk}/report", {"reason": "spam"}, format="json")
    report = Report.objects.get(video=video)
    viewer = make_user("read.only")
    viewer.is_staff = True
    viewer.save(update_fields=["is_staff"])
    viewer.user_permissions.add(Permission.objects.get(codename="view_report"))
    client = Client()
    client.force_login(viewer)
    page = client.get("/admin/feed/report/")
    assert page.status_code == 200 and f'value="{action}"' not in page.content.decode()
    client.post("/admin/feed/report/", {"action": action, "_selected_action": [report.pk]})
    report.refresh_from_db()
    video.refresh_from_db()
    assert report.status == Report.Status.OPEN and video.status == Video.Status.PUBLISHED


def test_the_audit_log_is_visible_to_moderators_and_read_only(me, moderator):
    _, client = moderator
    event = AuditEvent.objects.create(kind="block", actor_id=me.pk, subject_id=1)
    assert client.get("/admin/moderation/auditevent/").status_code == 200
    assert client.get(f"/admin/moderation/auditevent/{event.pk}/delete/").status_code == 403
    event.kind = "something_else"
    with pytest.raises(RuntimeError, match="append-only"):
        event.save()
    with pytest.raises(RuntimeError, match="append-only"):
        event.delete()


def test_the_database_itself_refuses_to_change_the_audit_log(me):
    event = AuditEvent.objects.create(kind="block", actor_id=me.pk)
    with pytest.raises(DatabaseError), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("UPDATE moderation_auditevent SET kind = 'x' WHERE id = %s", [event.pk])
    if connection.vendor == "postgresql":
        with pytest.raises(DatabaseError), transaction.atomic(), connection.cursor() as cursor:
            cursor.execute("DELETE FROM moderation_auditevent WHERE id = %s", [event.pk])
    assert AuditEvent.objects.get(pk=event.pk).kind == "block"


def test_a_removed_video_cannot_be_remixed_even_by_its_author(api, me, make_video):
    """Taken down, or hidden pending a takedown: on no page, so no remix links to it or counts on it."""
    from feed import services as feed_services
    from generation.models import GenerationJob

    mine = make_video(me)
    assert feed_services.video_hide(video=mine, reason="takedown")
    for url, body in ((URL, {"prompt": "again"}), ("/api/v1/generations", {"prompt": "again", "duration_s": 2})):
        response = api.post(url, {**body, "remix_of": mine.pk}, format="json")
        assert response.status_code == 400, response.content
        assert response.json()["error"] == "invalid" and "remix_of" in response.json()["fields"]
    assert not GenerationJob.objects.filter(remix_of=mine).exists()
