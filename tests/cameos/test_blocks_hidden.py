"""Someone who blocked me does not exist for me: every endpoint that looks a handle (or a request of
theirs) up answers exactly as it does for a handle nobody has, status and body byte for byte, and
stores nothing. The blocker still finds the people they blocked (as on GET /users/{handle})."""

import pytest

from accounts import services as accounts_services
from accounts.models import Follow, Notification
from cameos import services
from cameos.models import CameoGrant

pytestmark = pytest.mark.django_db
UNKNOWN = "nobody.here"


@pytest.fixture
def owner(make_user, me, activate_cameo):
    """Someone with a cameo open to requests, who has blocked `me`."""
    person = make_user("the.owner")
    activate_cameo(person, audience="approved")
    accounts_services.block_create(blocker=person, blocked=me)
    return person


def same_as_unknown(client, method, path, **kwargs):
    """`path` with the blocker's handle answers as with an unknown one; the answer."""
    blocked = getattr(client, method)(path.format(handle="the.owner"), **kwargs)
    unknown = getattr(client, method)(path.format(handle=UNKNOWN), **kwargs)
    assert blocked.status_code == unknown.status_code == 404, blocked.content
    assert blocked.content == unknown.content
    assert blocked.json() == {"error": "not_found", "detail": "No one has this handle."}
    return blocked


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("get", "/api/v1/cameos/{handle}"),
        ("post", "/api/v1/cameos/{handle}/requests"),
        ("get", "/api/v1/users/{handle}"),
        ("get", "/api/v1/users/{handle}/videos"),
        ("get", "/api/v1/users/{handle}/followers"),
        ("get", "/api/v1/users/{handle}/following"),
        ("put", "/api/v1/users/{handle}/follow"),
        ("delete", "/api/v1/users/{handle}/follow"),
        ("delete", "/api/v1/cameo/appearances?author={handle}"),
    ],
)
def test_a_blocker_looks_like_an_unknown_handle(api, me, owner, method, path):
    same_as_unknown(api, method, path)
    assert not CameoGrant.objects.exists()
    assert not Follow.objects.exists()
    assert not Notification.objects.filter(user=owner).exists()


def test_the_blocker_still_sees_the_person_they_blocked(client_of, me, owner, activate_cameo):
    activate_cameo(me)
    response = client_of(owner).get("/api/v1/cameos/me.myself")
    assert response.status_code == 200
    assert (response.json()["available"], response.json()["can_request"]) == (False, False)
    response = client_of(owner).post("/api/v1/cameos/me.myself/requests")
    assert (response.status_code, response.json()["error"]) == (403, "not_available")


def test_a_request_from_someone_who_then_blocked_the_owner_is_gone(client_of, make_user, me, activate_cameo):
    activate_cameo(me)
    asker = make_user("the.asker")
    grant = services.grant_request(requester=asker, owner=me)
    accounts_services.block_create(blocker=asker, blocked=me)
    api = client_of(me)
    assert api.get("/api/v1/cameo/requests").json()["results"] == []
    for action in ("approve", "deny"):
        blocked = api.post(f"/api/v1/cameo/requests/{grant.pk}/{action}")
        unknown = api.post(f"/api/v1/cameo/requests/999999/{action}")
        assert blocked.status_code == unknown.status_code == 404
        assert blocked.content == unknown.content
    assert CameoGrant.objects.get().status == "denied"  # ended by the block, not by either answer


@pytest.mark.parametrize("who_blocks", ["the owner", "the asker"])
def test_a_block_ends_a_pending_request_either_way_and_tells_no_one(
    client_of, make_user, me, activate_cameo, who_blocks
):
    """As it ends an approval (docs/consent.md rule 3): the owner's list no longer holds a request they
    cannot approve, and the person blocked learns nothing until an unblock, then reads a denial."""
    activate_cameo(me, audience="approved")
    asker, other = make_user("the.asker"), make_user("other.asker")
    grant = services.grant_request(requester=asker, owner=me)
    services.grant_request(requester=other, owner=me)
    blocker, blocked = (me, asker) if who_blocks == "the owner" else (asker, me)
    api, theirs = client_of(me), client_of(asker)
    listed = lambda: [r["person"]["handle"] for r in api.get("/api/v1/cameo/requests").json()["results"]]  # noqa: E731
    assert listed() == ["other.asker", "the.asker"]
    told = lambda: sorted(  # noqa: E731 (the owner's "asked to use your cameo", by whom)
        n["data"]["handle"]
        for n in api.get("/api/v1/notifications").json()["results"]
        if n["kind"] == "cameo_requested"
    )
    assert told() == ["other.asker", "the.asker"]

    accounts_services.block_create(blocker=blocker, blocked=blocked)

    assert listed() == ["other.asker"]
    assert CameoGrant.objects.get(pk=grant.pk).status == "denied"
    assert CameoGrant.objects.get(grantee=other).status == "requested"
    assert not Notification.objects.filter(user=asker).exists()
    denied = api.post(f"/api/v1/cameo/requests/{grant.pk}/deny")  # nothing left to answer
    if who_blocks == "the owner":
        assert (denied.status_code, denied.json()["error"]) == (409, "already_decided")
        approved = api.post(f"/api/v1/cameo/requests/{grant.pk}/approve")
        assert (approved.status_code, approved.json()["error"]) == (409, "blocked")
    else:
        assert denied.status_code == 404  # someone who blocked me: no such request
    accounts_services.block_delete(blocker=blocker, blocked=blocked)
    assert listed() == ["other.asker"]
    assert told() == ["other.asker"]  # not asked again about a request the block ended
    body = theirs.get("/api/v1/cameos/me.myself").json()
    assert (body["request"], body["can_request"]) == ("denied", False)  # asked again after the cool-down
    assert not Notification.objects.filter(user=asker).exists()


def test_the_migration_ends_requests_left_pending_between_people_in_a_block(make_user, me, activate_cameo):
    import importlib

    from django.apps import apps

    from accounts.models import Block

    migration = importlib.import_module("cameos.migrations.0012_end_requests_between_blocked")
    activate_cameo(me)
    blocked_by_me, blocking_me, other = make_user("blocked.asker"), make_user("blocking.asker"), make_user("other")
    for asker in (blocked_by_me, blocking_me, other):
        services.grant_request(requester=asker, owner=me)
    # Blocks made before a block ended requests: rows only, as they were left.
    Block.objects.create(blocker=me, blocked=blocked_by_me)
    Block.objects.create(blocker=blocking_me, blocked=me)
    Block.objects.create(blocker=other, blocked=blocked_by_me)  # a block between others ends nothing of mine

    migration.end_requests_between_blocked(apps, None)

    statuses = dict(CameoGrant.objects.values_list("grantee__handle", "status"))
    assert statuses == {"blocked.asker": "denied", "blocking.asker": "denied", "other": "requested"}
    assert CameoGrant.objects.filter(status="denied", decided_at__isnull=True).count() == 0


def test_a_request_from_someone_support_then_deactivated_leaves_the_list(client_of, make_user, me, activate_cameo):
    activate_cameo(me)
    asker, other = make_user("the.asker"), make_user("other.asker")
    services.grant_request(requester=asker, owner=me)
    services.grant_request(requester=other, owner=me)
    grant = CameoGrant.objects.get(grantee=asker)
    accounts_services.user_active_set(user=asker, active=False)
    api = client_of(me)
    assert [r["person"]["handle"] for r in api.get("/api/v1/cameo/requests").json()["results"]] == ["other.asker"]
    for action in ("approve", "deny"):  # nor can it be decided by its id
        closed = api.post(f"/api/v1/cameo/requests/{grant.pk}/{action}")
        unknown = api.post(f"/api/v1/cameo/requests/999999/{action}")
        assert closed.status_code == unknown.status_code == 404
        assert closed.content == unknown.content
    assert CameoGrant.objects.get(pk=grant.pk).status == "requested"


def test_approving_someone_i_blocked_says_so(client_of, make_user, me, activate_cameo):
    activate_cameo(me)
    asker = make_user("the.asker")
    grant = services.grant_request(requester=asker, owner=me)
    accounts_services.block_create(blocker=me, blocked=asker)
    response = client_of(me).post(f"/api/v1/cameo/requests/{grant.pk}/approve")
    assert (response.status_code, response.json()["error"]) == (409, "blocked")


def test_videos_of_me_by_a_blocker_can_still_be_deleted_by_author(client_of, make_user, me, make_video):
    author = make_user("the.author")
    make_video(author, people=(me,))
    accounts_services.block_create(blocker=author, blocked=me)
    response = client_of(me).delete("/api/v1/cameo/appearances?author=the.author")
    assert (response.status_code, response.json()) == (200, {"deleted": 1})
