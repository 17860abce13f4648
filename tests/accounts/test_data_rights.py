"""A person's data rights, as they use them: DELETE /me (and DELETE /cameo) refuse a query they
cannot read rather than guess, and GET /me/export holds what the service keeps of them."""

import datetime as dt

import pytest

from accounts.models import User
from cameos.models import Cameo

pytestmark = pytest.mark.django_db
ME = "/api/v1/me"


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ("appearance=delete", "appearance"),  # misspelt: erasing with `keep` would keep every video of me
        ("appearances=delete&appearances=keep", "appearances"),  # which one?
        ("appearances=keep&appearances=keep", "appearances"),
    ],
)
@pytest.mark.parametrize("path", [ME, "/api/v1/cameo"])
def test_an_erasure_with_a_query_it_cannot_read_is_a_400_and_erases_nothing(
    api, me, activate_cameo, path, query, field
):
    activate_cameo(me)
    response = api.delete(f"{path}?{query}")
    assert response.status_code == 400
    body = response.json()
    assert body["error"] == "invalid"
    assert list(body["fields"]) == [field]
    assert User.objects.filter(pk=me.pk).exists()
    assert Cameo.objects.filter(owner=me).exists()
    assert api.get(ME).status_code == 200


@pytest.mark.parametrize("path", [ME, "/api/v1/cameo"])
def test_an_erasure_with_its_choice_in_a_body_is_a_400_and_erases_nothing(api, me, activate_cameo, path):
    activate_cameo(me)
    response = api.delete(path, {"appearances": "delete"}, format="json")  # the choice is a query parameter
    assert response.status_code == 400
    body = response.json()
    assert body["error"] == "invalid"
    assert list(body["fields"]) == ["appearances"]
    assert User.objects.filter(pk=me.pk).exists()
    assert Cameo.objects.filter(owner=me).exists()
    assert api.delete(path, {}, format="json").status_code == 204  # an empty body is no body


def test_anonymous_has_no_export(anon):
    response = anon.get(f"{ME}/export")
    assert response.status_code == 401
    assert response.json()["error"] == "not_authenticated"


def test_my_export_lists_each_sign_in_with_when_it_was_made_and_last_used_never_its_token(client_of, me, make_user):
    from accounts.models import AuthToken

    client_of(me)  # the phone
    laptop = client_of(me)
    client_of(make_user())  # someone else's sign-in is not mine
    now = dt.datetime.now(dt.UTC).replace(microsecond=0)
    made = [now - dt.timedelta(days=40), now - dt.timedelta(days=5)]
    used = [now - dt.timedelta(days=2), now - dt.timedelta(hours=1)]  # the laptop's use now is within the day
    for token, at, last in zip(AuthToken.objects.filter(user=me).order_by("pk"), made, used, strict=True):
        AuthToken.objects.filter(pk=token.pk).update(created_at=at, last_used_at=last)
    digests = list(AuthToken.objects.filter(user=me).values_list("digest", flat=True))

    response = laptop.get(f"{ME}/export")

    assert response.status_code == 200
    z = "%Y-%m-%dT%H:%M:%SZ"
    assert response.json()["sign_ins"] == [
        {"created_at": made[0].strftime(z), "last_used_at": used[0].strftime(z)},
        {"created_at": made[1].strftime(z), "last_used_at": used[1].strftime(z)},
    ]
    text = response.content.decode()
    assert not any(d in text for d in digests)
    assert "cf_" not in text  # nor a token itself


def test_my_export_holds_what_i_watched_each_video_how_much_and_when(api, me, other, client_of, make_video):
    watched, finished, theirs = make_video(other), make_video(other), make_video(other)
    api.post(f"/api/v1/videos/{watched.pk}/views", {"watched_ms": 300, "completed": False}, format="json")
    api.post(f"/api/v1/videos/{watched.pk}/views", {"watched_ms": 200, "completed": False}, format="json")
    api.post(f"/api/v1/videos/{finished.pk}/views", {"watched_ms": 500, "completed": True}, format="json")
    client_of(other).post(f"/api/v1/videos/{theirs.pk}/views", {"watched_ms": 500, "completed": True}, format="json")

    views = api.get(f"{ME}/export").json()["views"]

    assert [(v["video_id"], v["plays"], v["watched_ms"], v["completed"]) for v in views] == [
        (watched.pk, 2, 500, False),
        (finished.pk, 1, 500, True),
    ]
    assert all(v["first_at"].endswith("Z") and v["last_at"] >= v["first_at"] for v in views)


def test_my_export_holds_each_job_as_i_see_it_settings_cameos_and_outcome(api, me, other, make_user):
    from accounts import services as accounts
    from generation.models import GenerationJob

    gone = make_user("zz.gone")
    job = GenerationJob.objects.create(
        author=me,
        prompt="@other.person and @zz.gone dance",
        duration_s=4,
        aspect="1:1",
        seed=42,
        status="failed",
        error_code="backend_failed",
        error="The video could not be made.",
        cameos=[{"user_id": other.pk, "handle": "other.person"}, {"user_id": gone.pk, "handle": "zz.gone"}],
    )
    accounts.block_create(blocker=gone, blocked=me)  # nobody to me from now on

    exported = api.get(f"{ME}/export").json()["generations"]

    shown = api.get(f"/api/v1/generations/{job.pk}").json()
    assert exported == [{**shown, "image_held": False}]
    assert (shown["duration_s"], shown["aspect"], shown["seed"], shown["cameos"]) == (4, "1:1", 42, ["other.person"])
    assert shown["error"] == {"code": "backend_failed", "detail": "The video could not be made."}


def test_my_export_holds_my_enrollment_attempts_and_when_each_cameo_request_was_asked_and_decided(
    api, me, other, make_user, activate_cameo
):
    from cameos import services as cameos
    from cameos.models import Enrollment, EnrollmentChallenge, IdentityConflict

    now = dt.datetime.now(dt.UTC)
    refused = Enrollment.objects.create(
        user=me,
        challenge=EnrollmentChallenge.objects.create(user=me, steps=["center"], expires_at=now),
        status="rejected",
        reason_code="duplicate_identity",
        reason="This face is already the cameo of another account. If it is yours, contact support.",
        created_at=now - dt.timedelta(days=1),
        finished_at=now - dt.timedelta(days=1),
    )
    IdentityConflict.objects.create(enrollment=refused, user=me, existing_owner=other, similarity=0.9)
    activate_cameo(me, audience="approved")
    activate_cameo(other, audience="approved")
    asker = make_user("zz.asker")
    cameos.grant_request(requester=asker, owner=me)
    grant = cameos.grant_request(requester=me, owner=other)
    cameos.grant_decide(owner=other, grant_id=grant.pk, approve=True)

    body = api.get(f"{ME}/export").json()

    assert [(e["status"], e["reason_code"]) for e in body["enrollments"]] == [
        ("rejected", "duplicate_identity"),
        ("accepted", "accepted"),
    ]
    assert all(e["created_at"].endswith("Z") and e["finished_at"].endswith("Z") for e in body["enrollments"])
    assert "other.person" not in str(body["enrollments"])  # whose cameo it looked like is not mine to know
    [given], [received] = body["grants_given"], body["grants_received"]
    assert (given["handle"], given["status"], given["decided_at"]) == ("zz.asker", "requested", None)
    assert (received["handle"], received["status"]) == ("other.person", "approved")
    assert received["requested_at"] <= received["decided_at"]


def test_my_export_says_when_i_liked_each_video(api, me, other, client_of, make_video):
    first, second = make_video(other), make_video(other)
    api.put(f"/api/v1/videos/{second.pk}/like")
    api.put(f"/api/v1/videos/{first.pk}/like")
    client_of(other).put(f"/api/v1/videos/{first.pk}/like")  # not mine

    likes = api.get(f"{ME}/export").json()["likes"]

    assert [like["video_id"] for like in likes] == [second.pk, first.pk]
    assert likes[0]["created_at"].endswith("Z") and likes[0]["created_at"] <= likes[1]["created_at"]


def test_my_export_says_which_notifications_i_read_and_when(api, me, other, activate_cameo):
    from cameos import services as cameos

    activate_cameo(me, audience="approved")
    cameos.grant_request(requester=other, owner=me)
    [unread] = api.get(f"{ME}/export").json()["notifications"]
    assert unread["read_at"] is None

    api.post("/api/v1/notifications/read")
    [read] = api.get(f"{ME}/export").json()["notifications"]

    assert read["kind"] == "cameo_requested" and read["read_at"].endswith("Z")
    assert read["read_at"] >= read["created_at"]
