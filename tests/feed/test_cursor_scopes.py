"""A cursor is a position in one list: the list of one person's followers, of one query's search
results, of one caller's notifications. Given to another list (another person's followers, another
query, another caller) it is a 400 `invalid_cursor`, never read as a position there (which skipped
that list's first items)."""

import pytest

from accounts import services as accounts_services
from accounts.models import Notification

pytestmark = pytest.mark.django_db


def refused(response):
    assert response.status_code == 400, response.content
    assert response.json()["error"] == "invalid_cursor"


@pytest.fixture
def two_people_with_the_same_fans(make_user):
    a, b = make_user("first.star"), make_user("second.star")
    for i in range(3):
        fan = make_user(f"fan.{i}")
        accounts_services.follow_create(follower=fan, followee=a)
        accounts_services.follow_create(follower=fan, followee=b)
        accounts_services.follow_create(follower=a, followee=fan)
        accounts_services.follow_create(follower=b, followee=fan)
    return a, b


@pytest.mark.parametrize("which", ["followers", "following"])
def test_a_cursor_of_one_persons_list_is_refused_on_anothers(api, two_people_with_the_same_fans, which):
    first = api.get(f"/api/v1/users/first.star/{which}", {"limit": 1}).json()
    assert first["next"]
    refused(api.get(f"/api/v1/users/second.star/{which}", {"cursor": first["next"]}))
    whole = api.get(f"/api/v1/users/second.star/{which}").json()["results"]
    assert len(whole) == 3  # what the cursor skipped
    assert api.get(f"/api/v1/users/first.star/{which}", {"cursor": first["next"]}).status_code == 200


def test_a_cursor_of_someone_elses_notifications_is_refused(client_of, me, other):
    for person in (me, other):
        Notification.objects.bulk_create([Notification(user=person, kind="cameo_used") for _ in range(3)])
    theirs = client_of(other).get("/api/v1/notifications", {"limit": 1}).json()["next"]
    refused(client_of(me).get("/api/v1/notifications", {"cursor": theirs}))


def test_a_cursor_of_someone_elses_following_feed_is_refused(client_of, me, other, make_user, make_video):
    star = make_user("the.star")
    for person in (me, other):
        accounts_services.follow_create(follower=person, followee=star)
    for _ in range(3):
        make_video(star)
    theirs = client_of(other).get("/api/v1/feed/following", {"limit": 1}).json()["next"]
    refused(client_of(me).get("/api/v1/feed/following", {"cursor": theirs}))


def test_a_video_search_cursor_of_another_query_or_caller_is_refused(api, client_of, other, make_video):
    for i in range(4):
        make_video(other, caption=f"cats and dogs {i}")
    body = api.get("/api/v1/search", {"q": "cats", "type": "videos", "limit": 1}).json()
    assert body["next"]
    refused(api.get("/api/v1/search", {"q": "dogs", "type": "videos", "cursor": body["next"]}))
    refused(client_of(other).get("/api/v1/search", {"q": "cats", "type": "videos", "cursor": body["next"]}))
    same = api.get("/api/v1/search", {"q": "Cats!", "type": "videos", "cursor": body["next"]})
    assert same.status_code == 200 and len(same.json()["results"]) == 3


def test_a_people_search_cursor_of_another_caller_is_refused(api, client_of, other, make_user):
    for i in range(3):
        make_user(f"comet.{i}")
    body = api.get("/api/v1/search", {"q": "comet", "limit": 1}).json()
    assert body["next"]
    refused(client_of(other).get("/api/v1/search", {"q": "comet", "cursor": body["next"]}))
    assert api.get("/api/v1/search", {"q": "comet", "cursor": body["next"]}).status_code == 200


def test_a_cursor_of_someone_elses_jobs_grants_requests_or_appearances_is_refused(
    client_of, me, other, make_user, make_video, activate_cameo
):
    from cameos.models import CameoGrant
    from generation.models import GenerationJob

    for person in (me, other):
        GenerationJob.objects.bulk_create(
            [GenerationJob(author=person, prompt="a cat", duration_s=2, seed=i, status="failed") for i in range(3)]
        )
        cameo = activate_cameo(person)
        for i in range(3):
            asker = make_user(f"asker.{person.pk}.{i}")
            CameoGrant.objects.create(cameo=cameo, grantee=asker, status="requested")
            CameoGrant.objects.create(cameo=cameo, grantee=make_user(f"friend.{person.pk}.{i}"), status="approved")
            make_video(asker, people=(person,))
    for path in ("/api/v1/generations", "/api/v1/cameo/requests", "/api/v1/cameo/grants", "/api/v1/cameo/appearances"):
        body = client_of(other).get(path, {"limit": 1}).json()
        theirs = body.get("next")
        assert theirs, (path, body)
        refused(client_of(me).get(path, {"cursor": theirs}))
        assert client_of(other).get(path, {"cursor": theirs}).status_code == 200
