"""A minor's cameo is asked for only by people the minor follows (docs/consent.md, rule 6): to anyone
else it is found nowhere and answered "not available", as an `only_me` cameo is, so a stranger has no
way to reach a child through it. Approved grants stay until revoked; a request from someone the minor
no longer follows is not listed to them and cannot be approved."""

import datetime as dt

import pytest
from django.utils import timezone

from accounts import services as accounts_services
from accounts.models import Notification
from cameos.models import CameoGrant
from moderation import consent

pytestmark = pytest.mark.django_db
SEARCH = "/api/v1/search"


def years_ago(years: int, *, days: int = 0) -> dt.date:
    today = timezone.localdate()
    day = today.replace(year=today.year - years) if (today.month, today.day) != (2, 29) else today - dt.timedelta(1)
    return day + dt.timedelta(days=days)


def access(client, handle="young.star"):
    response = client.get(f"/api/v1/cameos/{handle}")
    assert response.status_code == 200, response.content
    return response.json()


def notified(client):
    """Who asked to use my cameo, as GET /notifications tells it."""
    response = client.get("/api/v1/notifications")
    assert response.status_code == 200, response.content
    return [n["data"]["handle"] for n in response.json()["results"] if n["kind"] == "cameo_requested"]


def cameos_found(client, q="young"):
    response = client.get(SEARCH, {"q": q, "type": "cameos"})
    assert response.status_code == 200, response.content
    return response.json()["results"]


@pytest.fixture
def teen(make_user, activate_cameo):
    person = make_user("young.star", display_name="Young Star", birthdate=years_ago(15))
    activate_cameo(person, audience="approved")
    return person


@pytest.fixture
def pal(make_user, teen):
    """Someone the teen chose to follow."""
    person = make_user("teen.pal")
    accounts_services.follow_create(follower=teen, followee=person)
    return person


def test_a_stranger_can_neither_ask_for_nor_find_a_minors_cameo(client_of, me, teen, make_user, activate_cameo):
    accounts_services.follow_create(follower=me, followee=teen)  # following them one way is not enough
    stranger = client_of(me)
    assert access(stranger) == {"handle": "young.star", "available": False, "can_request": False, "request": None}
    refused = stranger.post("/api/v1/cameos/young.star/requests")
    # Word for word the refusal of an adult's `only_me` cameo: nothing says the owner is a minor.
    private = make_user("private.adult")
    activate_cameo(private, audience="only_me")
    only_me = stranger.post("/api/v1/cameos/private.adult/requests")
    assert (refused.status_code, refused.json()) == (
        403,
        {"error": "not_available", "detail": only_me.json()["detail"]},
    )
    assert only_me.status_code == 403
    assert not CameoGrant.objects.filter(grantee=me).exists()
    assert not Notification.objects.filter(user=teen).exists()
    assert cameos_found(stranger) == []


def test_someone_the_minor_follows_may_ask_find_it_and_be_approved(client_of, teen, pal):
    asker = client_of(pal)
    assert access(asker) == {"handle": "young.star", "available": False, "can_request": True, "request": None}
    assert cameos_found(asker) == [access(asker)]
    response = asker.post("/api/v1/cameos/young.star/requests")
    assert response.status_code == 201, response.content
    minor = client_of(teen)
    assert notified(minor) == ["teen.pal"]
    listed = minor.get("/api/v1/cameo/requests").json()["results"]
    assert [(r["person"]["handle"], r["status"]) for r in listed] == [("teen.pal", "requested")]
    approved = minor.post(f"/api/v1/cameo/requests/{listed[0]['id']}/approve")
    assert (approved.status_code, approved.json()["status"]) == (200, "approved")
    assert access(asker)["available"] is True
    assert consent.check(pal, "@young.star skateboarding", stage="submit", record=False).allowed


def test_the_minor_always_finds_their_own_cameo(client_of, teen):
    assert cameos_found(client_of(teen)) == [
        {"handle": "young.star", "available": True, "can_request": False, "request": None}
    ]


def test_an_adults_cameo_is_asked_for_by_strangers_as_before(client_of, me, make_user, activate_cameo):
    adult = make_user("grown.star", birthdate=years_ago(30))
    activate_cameo(adult, audience="approved")
    stranger = client_of(me)
    assert access(stranger, "grown.star")["can_request"] is True
    assert [r["handle"] for r in cameos_found(stranger, "grown")] == ["grown.star"]
    assert stranger.post("/api/v1/cameos/grown.star/requests").status_code == 201


def test_the_gate_tells_a_stranger_not_available_and_someone_followed_to_ask(me, teen, pal):
    stranger = consent.check(me, "@young.star skateboarding", stage="submit", record=False)
    followed = consent.check(pal, "@young.star skateboarding", stage="submit", record=False)
    assert [s["reason"] for s in stranger.public()] == ["not_available"]
    assert [s["reason"] for s in followed.public()] == ["needs_approval"]


def test_a_request_from_someone_the_minor_unfollowed_waits_unlisted_and_unapprovable(client_of, teen, pal):
    grant_id = client_of(pal).post("/api/v1/cameos/young.star/requests").json()["id"]
    accounts_services.follow_delete(follower=teen, followee=pal)
    minor = client_of(teen)
    assert minor.get("/api/v1/cameo/requests").json()["results"] == []
    assert notified(minor) == []  # nor told of it: the notification led to a list without it
    refused = minor.post(f"/api/v1/cameo/requests/{grant_id}/approve")
    assert (refused.status_code, refused.json()["error"]) == (409, "not_following")
    assert CameoGrant.objects.get(pk=grant_id).status == CameoGrant.Status.REQUESTED
    # To the asker it is as if they had never asked: they cannot ask again, and find nothing.
    assert access(client_of(pal)) == {"handle": "young.star", "available": False, "can_request": False, "request": None}
    assert cameos_found(client_of(pal)) == []
    # Followed again, the request is listed again and may be approved.
    accounts_services.follow_create(follower=teen, followee=pal)
    assert [r["id"] for r in minor.get("/api/v1/cameo/requests").json()["results"]] == [grant_id]
    assert notified(minor) == ["teen.pal"]
    assert minor.post(f"/api/v1/cameo/requests/{grant_id}/approve").json()["status"] == "approved"


def test_the_minor_may_still_deny_a_request_from_someone_they_unfollowed(client_of, teen, pal):
    grant_id = client_of(pal).post("/api/v1/cameos/young.star/requests").json()["id"]
    accounts_services.follow_delete(follower=teen, followee=pal)
    denied = client_of(teen).post(f"/api/v1/cameo/requests/{grant_id}/deny")
    assert (denied.status_code, denied.json()["status"]) == (200, "denied")


def test_an_approval_stays_when_the_minor_unfollows(client_of, teen, pal):
    grant_id = client_of(pal).post("/api/v1/cameos/young.star/requests").json()["id"]
    assert client_of(teen).post(f"/api/v1/cameo/requests/{grant_id}/approve").status_code == 200
    accounts_services.follow_delete(follower=teen, followee=pal)
    assert access(client_of(pal))["available"] is True
    assert consent.check(pal, "@young.star skateboarding", stage="submit", record=False).allowed
    assert [g["person"]["handle"] for g in client_of(teen).get("/api/v1/cameo/grants").json()["results"]] == [
        "teen.pal"
    ]


def test_on_their_18th_birthday_strangers_may_ask_again(client_of, me, make_user, activate_cameo, monkeypatch):
    almost = make_user("almost.grown", birthdate=years_ago(18, days=1))  # 18 tomorrow
    activate_cameo(almost, audience="approved")
    stranger = client_of(me)
    assert access(stranger, "almost.grown")["can_request"] is False
    tomorrow = timezone.localdate() + dt.timedelta(days=1)
    monkeypatch.setattr(timezone, "localdate", lambda *args, **kwargs: tomorrow)
    assert access(stranger, "almost.grown")["can_request"] is True
    assert stranger.post("/api/v1/cameos/almost.grown/requests").status_code == 201


def test_a_strangers_request_from_before_the_rule_reaches_the_minor_no_more(client_of, me, teen):
    """Rows an older version stored: a stranger's request to a minor, and the minor's notification."""
    from accounts.services import notify

    grant = CameoGrant.objects.create(cameo=teen.cameo, grantee=me)
    notify(user_id=teen.pk, kind=Notification.Kind.CAMEO_REQUESTED, about=me.pk, handle=me.handle)
    minor = client_of(teen)
    assert minor.get("/api/v1/cameo/requests").json()["results"] == []
    assert notified(minor) == []
    assert minor.post(f"/api/v1/cameo/requests/{grant.pk}/approve").json()["error"] == "not_following"
    assert access(client_of(me))["request"] is None
    assert client_of(me).post("/api/v1/cameos/young.star/requests").status_code == 403


def test_a_minors_export_names_no_one_whose_request_their_list_hides(client_of, me, teen, pal):
    """GET /me/export names no one the person's own lists hide: not the stranger whose request an older
    version stored, nor the person the minor unfollowed after they asked. Followed again, named again."""
    CameoGrant.objects.create(cameo=teen.cameo, grantee=me)
    assert client_of(pal).post("/api/v1/cameos/young.star/requests").status_code == 201
    accounts_services.follow_delete(follower=teen, followee=pal)
    minor = client_of(teen)

    body = minor.get("/api/v1/me/export").json()
    assert body["grants_given"] == [] and notified(minor) == []
    assert "me.myself" not in str(body) and "teen.pal" not in str(body)
    accounts_services.follow_create(follower=teen, followee=pal)
    given = minor.get("/api/v1/me/export").json()["grants_given"]
    assert [(g["handle"], g["status"]) for g in given] == [("teen.pal", "requested")]
