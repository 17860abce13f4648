"""Audience, preferences, requests and grants, and deleting a cameo, for every persona."""

import datetime as dt

import numpy as np
import pytest
from django.core.files.storage import default_storage
from django.dispatch import receiver
from django.utils import timezone

from accounts import services as accounts_services
from accounts.models import Notification
from cameos import services
from cameos.models import Cameo, CameoGrant, GalleryEntry
from cameos.signals import audience_narrowed, cameo_erased, grant_revoked
from feed.fingerprints import Fingerprint
from feed.models import RemovedFingerprint, Video

pytestmark = pytest.mark.django_db
CAMEO = "/api/v1/cameo"


def access(client, handle="me.myself"):
    response = client.get(f"/api/v1/cameos/{handle}")
    assert response.status_code == 200, response.content
    body = response.json()
    return body["available"], body["can_request"]


@pytest.fixture
def friend(make_user, me, activate_cameo):
    """Someone `me` approved."""
    person = make_user("friend")
    activate_cameo(me)
    grant = services.grant_request(requester=person, owner=me)
    services.grant_decide(owner=me, grant_id=grant.pk, approve=True)
    return person


# --- settings --------------------------------------------------------------------------------------


def test_update_preferences(api, me, activate_cameo):
    activate_cameo(me)
    response = api.patch(
        CAMEO,
        {
            "audience": "mutuals",
            "instructions": "  always wearing a blue cap ",
            "restrictions": ["no politics", "never drinking alcohol", "No Politics"],
            "protect_name": True,
        },
        format="json",
    )
    assert response.status_code == 200
    body = response.json()
    assert body["audience"] == "mutuals"
    assert body["instructions"] == "always wearing a blue cap"
    assert body["restrictions"] == ["no politics", "never drinking alcohol"]
    assert body["protect_name"] is True


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"audience": "friends"}, "audience"),
        ({"instructions": "x" * 301}, "instructions"),
        ({"restrictions": ["x"]}, "restrictions"),
        ({"restrictions": ["a" * 81]}, "restrictions"),
        ({"restrictions": [f"rule {i}" for i in range(11)]}, "restrictions"),
        ({"restrictions": "no politics"}, "restrictions"),
        ({"protect_name": "maybe"}, "protect_name"),
        # JSON types as written: a string or a number is no boolean, a number no text (not coerced).
        ({"protect_name": "yes"}, "protect_name"),
        ({"protect_name": 1}, "protect_name"),
        ({"instructions": 123}, "instructions"),
        ({"restrictions": ["no politics", 12]}, "restrictions"),
        ({"owner": 3}, "owner"),
    ],
)
def test_bad_preferences_are_400_and_change_nothing(api, me, activate_cameo, body, field):
    activate_cameo(me)
    response = api.patch(CAMEO, body, format="json")
    assert response.status_code == 400
    assert response.json()["error"] == "invalid"
    assert field in response.json()["fields"]
    cameo = Cameo.objects.get(owner=me)
    assert (cameo.audience, cameo.instructions, cameo.restrictions, cameo.protect_name) == ("approved", "", [], False)


@pytest.mark.parametrize("rule", ["no videos please", "Never anything!", "Don't show me", "ok"])
def test_a_restriction_that_names_nothing_to_keep_out_is_refused(api, me, activate_cameo, rule):
    """It would refuse no prompt, by words or by meaning, while its owner believes it keeps something out."""
    activate_cameo(me)
    assert api.patch(CAMEO, {"restrictions": ["no politics"]}, format="json").status_code == 200
    response = api.patch(CAMEO, {"restrictions": ["no politics", rule, "no alcohol"]}, format="json")
    assert response.status_code == 400
    body = response.json()
    assert body["error"] == "invalid"
    assert body["fields"]["restrictions"] == [
        f"“{rule}” names nothing to keep out of your videos: say what, for example “no alcohol” or "
        "“never political content”."
    ]
    assert Cameo.objects.get(owner=me).restrictions == ["no politics"]  # as before: nothing stored
    kept = api.patch(CAMEO, {"restrictions": ["no politics", "no TV", "nothing violent"]}, format="json")
    assert kept.status_code == 200
    assert kept.json()["restrictions"] == ["no politics", "no TV", "nothing violent"]


@pytest.mark.parametrize(
    ("instructions", "says"),
    [
        ("always arm in arm with Zora Quillfeather", "“Zora Quillfeather”: This is a real person"),
        ("always next to @other.person, kissing them", "may not name or mention anyone else"),
        ("always naked in bed", "may not ask for sexual content"),
        ("㍻" * 300, "At most 300 characters."),  # 300 characters sent, 1,200 once normalised (NFKC)
    ],
)
def test_instructions_that_would_show_someone_else_or_break_the_rules_are_refused(
    api, me, make_user, activate_cameo, instructions, says
):
    """They are added to every prompt that uses my cameo, where no gate reads them."""
    from moderation.registry import person_upsert

    person_upsert(name="Zora Quillfeather", aliases=[], kind="public_figure")
    make_user("other.person")
    activate_cameo(me)
    response = api.patch(CAMEO, {"instructions": instructions}, format="json")
    assert response.status_code == 400, response.content
    assert says in response.json()["fields"]["instructions"][0]
    assert Cameo.objects.get(owner=me).instructions == ""
    fine = api.patch(CAMEO, {"instructions": "@me.myself, always in a red scarf"}, format="json")
    assert fine.status_code == 200 and fine.json()["instructions"] == "@me.myself, always in a red scarf"


def test_a_minors_cameo_cannot_be_open_to_everyone(client_of, make_user, activate_cameo):
    today = timezone.localdate()
    teen = make_user("teen", birthdate=today.replace(year=today.year - 15))
    activate_cameo(teen)
    response = client_of(teen).patch(CAMEO, {"audience": "everyone"}, format="json")
    assert response.status_code == 400
    assert "audience" in response.json()["fields"]
    assert client_of(teen).patch(CAMEO, {"audience": "mutuals"}, format="json").status_code == 200


def test_narrowing_the_audience_is_announced(api, me, activate_cameo):
    activate_cameo(me, audience="everyone")
    heard = []

    @receiver(audience_narrowed)
    def listen(sender, cameo, previous, **kwargs):
        heard.append((previous, cameo.audience))

    try:
        api.patch(CAMEO, {"audience": "approved"}, format="json")
        api.patch(CAMEO, {"audience": "mutuals"}, format="json")  # wider: nothing to stop
    finally:
        audience_narrowed.disconnect(listen)
    assert heard == [("everyone", "approved")]


def test_settings_need_a_cameo(api):
    assert api.patch(CAMEO, {"audience": "everyone"}, format="json").status_code == 404
    assert api.delete(CAMEO).status_code == 404


# --- who may use it --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("audience", "expected"),
    [
        # self, approved friend, mutual, one-way follower, stranger, blocked (None: 404), blocker
        (
            "only_me",
            [
                (True, False),
                (False, False),
                (False, False),
                (False, False),
                (False, False),
                None,
                (False, False),
            ],
        ),
        (
            "approved",
            [(True, False), (True, False), (False, True), (False, True), (False, True), None, (False, False)],
        ),
        (
            "mutuals",
            [(True, False), (True, False), (True, False), (False, True), (False, True), None, (False, False)],
        ),
        (
            "everyone",
            [(True, False), (True, False), (True, False), (True, False), (True, False), None, (False, False)],
        ),
    ],
)
def test_access_for_each_persona(client_of, me, friend, make_user, audience, expected):
    services.cameo_update(owner=me, audience=audience)
    mutual, follower, stranger, blocked, blocker = (
        make_user(h) for h in ("mutual", "follower", "stranger", "blocked", "blocker2")
    )
    accounts_services.follow_create(follower=mutual, followee=me)
    accounts_services.follow_create(follower=me, followee=mutual)
    accounts_services.follow_create(follower=follower, followee=me)
    accounts_services.block_create(blocker=me, blocked=blocked)
    accounts_services.block_create(blocker=blocker, blocked=me)
    people = [me, friend, mutual, follower, stranger, blocked, blocker]
    got = [
        None if client_of(p).get("/api/v1/cameos/me.myself").status_code == 404 else access(client_of(p))
        for p in people
    ]
    assert got == expected


def test_a_block_hides_everything_even_an_old_grant(client_of, me, friend):
    accounts_services.block_create(blocker=friend, blocked=me)
    assert access(client_of(friend)) == (False, False)
    assert client_of(friend).get("/api/v1/cameos/me.myself").json()["request"] is None


def test_anonymous_and_unknown(anon, api):
    assert anon.get("/api/v1/cameos/me.myself").status_code == 401
    assert api.get("/api/v1/cameos/nobody.here").status_code == 404
    assert access(api, "me.myself") == (False, False)  # no cameo yet


# --- requests and grants ---------------------------------------------------------------------------


def test_request_approve_and_revoke(client_of, api, me, other, activate_cameo):
    activate_cameo(me)
    asker = client_of(other)
    response = asker.post("/api/v1/cameos/me.myself/requests")
    assert response.status_code == 201
    assert response.json()["status"] == "requested"
    assert asker.post("/api/v1/cameos/me.myself/requests").status_code == 201  # idempotent
    assert access(asker) == (False, False)  # already asked
    requests = api.get("/api/v1/cameo/requests").json()["results"]
    assert [(r["person"]["handle"], r["status"]) for r in requests] == [("other.person", "requested")]
    grant_id = requests[0]["id"]
    assert api.post(f"/api/v1/cameo/requests/{grant_id}/approve").json()["status"] == "approved"
    assert access(asker) == (True, False)
    assert api.get("/api/v1/cameo/requests").json()["results"] == []
    assert [g["person"]["handle"] for g in api.get("/api/v1/cameo/grants").json()["results"]] == ["other.person"]
    revoked = []

    @receiver(grant_revoked)
    def listen(sender, grant, **kwargs):
        revoked.append(grant.grantee_id)

    try:
        assert api.delete(f"/api/v1/cameo/grants/{grant_id}").status_code == 204
    finally:
        grant_revoked.disconnect(listen)
    assert revoked == [other.pk]
    assert access(asker) == (False, False)  # not before the cool-down has passed
    assert api.delete(f"/api/v1/cameo/grants/{grant_id}").status_code == 404
    response = asker.post("/api/v1/cameos/me.myself/requests")  # asking again right away
    assert response.status_code == 409
    assert response.json()["error"] == "request_cooldown"
    # They did not ask recently (the owner revoked): the answer says when they may ask again.
    again = (CameoGrant.objects.get(pk=grant_id).decided_at + dt.timedelta(days=7)).date().isoformat()
    assert response.json()["detail"] == f"Your last request was answered recently; you can ask again from {again}."


def test_deny(client_of, api, me, other, activate_cameo):
    activate_cameo(me)
    grant_id = client_of(other).post("/api/v1/cameos/me.myself/requests").json()["id"]
    assert api.post(f"/api/v1/cameo/requests/{grant_id}/deny").json()["status"] == "denied"
    assert access(client_of(other)) == (False, False)  # may ask again once the cool-down has passed
    assert api.post(f"/api/v1/cameo/requests/{grant_id}/approve").status_code == 409
    assert CameoGrant.objects.get().status == "denied"


def test_only_the_owner_decides(client_of, me, other, make_user, activate_cameo):
    activate_cameo(me)
    grant_id = client_of(other).post("/api/v1/cameos/me.myself/requests").json()["id"]
    for person in (other, make_user()):
        client = client_of(person)
        assert client.post(f"/api/v1/cameo/requests/{grant_id}/approve").status_code == 404
        assert client.delete(f"/api/v1/cameo/grants/{grant_id}").status_code == 404
    assert CameoGrant.objects.get().status == "requested"


def test_requests_that_make_no_sense(client_of, api, me, other, make_user, activate_cameo):
    assert client_of(other).post("/api/v1/cameos/me.myself/requests").status_code == 403  # no cameo
    activate_cameo(me, audience="only_me")
    assert client_of(other).post("/api/v1/cameos/me.myself/requests").json()["error"] == "not_available"
    services.cameo_update(owner=me, audience="everyone")
    assert client_of(other).post("/api/v1/cameos/me.myself/requests").json()["error"] == "already_available"
    assert api.post("/api/v1/cameos/me.myself/requests").status_code == 409  # my own
    services.cameo_update(owner=me, audience="approved")
    accounts_services.block_create(blocker=me, blocked=other)
    response = client_of(other).post("/api/v1/cameos/me.myself/requests")  # blocked: as if nobody
    assert (response.status_code, response.json()["detail"]) == (404, "No one has this handle.")
    assert api.post("/api/v1/cameo/requests/999999/approve").status_code == 404
    assert not CameoGrant.objects.exists()


# --- deleting a cameo ------------------------------------------------------------------------------


def test_delete_erases_template_crops_and_grants(api, me, friend, settings, django_capture_on_commit_callbacks):
    from django.core.files.base import ContentFile

    cameo = Cameo.objects.get(owner=me)
    crop = default_storage.save("cameos/test/ref0.bin", ContentFile(b"encrypted"))
    Cameo.objects.filter(pk=cameo.pk).update(reference_names=[crop])
    erased = []

    @receiver(cameo_erased)
    def listen(sender, owner, **kwargs):
        erased.append(owner.pk)

    try:
        with django_capture_on_commit_callbacks(execute=True):
            assert api.delete(CAMEO).status_code == 204
    finally:
        cameo_erased.disconnect(listen)
    assert erased == [me.pk]
    assert not Cameo.objects.exists()
    assert not GalleryEntry.objects.exists()
    assert not CameoGrant.objects.exists()
    assert not default_storage.exists(crop)
    assert api.get(CAMEO).json()["status"] != "active"


def test_delete_with_appearances_deletes_every_video_that_shows_me(
    api, me, other, activate_cameo, make_video, django_capture_on_commit_callbacks
):
    activate_cameo(me)
    showing = make_video(other, people=(me,))
    fingerprint = Fingerprint(np.full((2, 32), 7, np.uint8), np.full(2, 100, np.uint8))  # vPDQ's shape
    Video.objects.filter(pk=showing.pk).update(fingerprint=fingerprint.to_bytes())
    draft = make_video(other, publish=False, people=(me,))
    unrelated = make_video(other)
    with django_capture_on_commit_callbacks(execute=True):
        assert api.delete(CAMEO + "?appearances=delete").status_code == 204
    assert list(Video.objects.values_list("pk", flat=True)) == [unrelated.pk]
    assert not default_storage.exists(showing.media.name)
    assert not default_storage.exists(draft.media.name)
    # As if I deleted each: no copy of another's video of me can be published, and its author is told.
    assert list(RemovedFingerprint.objects.values_list("video_id", "reason")) == [(showing.pk, "deleted_by_person")]
    told = Notification.objects.filter(user=other, kind=Notification.Kind.VIDEO_REMOVED)
    assert sorted(n.data["video_id"] for n in told) == sorted([showing.pk, draft.pk])


def test_delete_keeps_appearances_by_default(api, me, other, activate_cameo, make_video):
    activate_cameo(me)
    make_video(other, people=(me,))
    assert api.delete(CAMEO + "?appearances=keep").status_code == 204
    assert Video.objects.count() == 1
    assert api.delete(CAMEO + "?appearances=maybe").status_code in (400, 404)


def test_erasing_the_account_erases_the_cameo(api, me, activate_cameo):
    activate_cameo(me)
    assert api.delete("/api/v1/me").status_code == 204
    assert not Cameo.objects.exists()
    assert not GalleryEntry.objects.exists()


# --- asking again after a refusal ------------------------------------------------------------------


def test_asking_again_during_the_cooldown_tells_the_owner_nothing_and_stores_nothing(
    client_of, api, me, other, activate_cameo
):
    from accounts.models import Notification

    activate_cameo(me)
    asker = client_of(other)
    grant_id = asker.post("/api/v1/cameos/me.myself/requests").json()["id"]
    assert api.post(f"/api/v1/cameo/requests/{grant_id}/deny").status_code == 200
    told = Notification.objects.filter(user=me, kind=Notification.Kind.CAMEO_REQUESTED).count()
    assert told == 1
    before = list(CameoGrant.objects.values_list("id", "status", "requested_at", "decided_at"))
    for _ in range(10):
        response = asker.post("/api/v1/cameos/me.myself/requests")
        assert response.status_code == 409
        assert response.json()["error"] == "request_cooldown"
    assert Notification.objects.filter(user=me).count() == told
    assert api.get("/api/v1/notifications").json()["results"][0]["kind"] == "cameo_requested"
    assert len(api.get("/api/v1/notifications").json()["results"]) == told
    assert list(CameoGrant.objects.values_list("id", "status", "requested_at", "decided_at")) == before
    assert api.get("/api/v1/cameo/requests").json()["results"] == []
    assert asker.get("/api/v1/cameos/me.myself").json() == {
        "handle": "me.myself",
        "available": False,
        "can_request": False,  # what the 409s say: not yet
        "request": "denied",
    }


def test_asking_again_after_the_cooldown_tells_the_owner_once(client_of, api, me, other, activate_cameo):
    import datetime as dt

    from accounts.models import Notification

    activate_cameo(me)
    asker = client_of(other)
    grant_id = asker.post("/api/v1/cameos/me.myself/requests").json()["id"]
    api.post(f"/api/v1/cameo/requests/{grant_id}/deny")
    CameoGrant.objects.filter(pk=grant_id).update(decided_at=timezone.now() - dt.timedelta(days=365))
    assert asker.get("/api/v1/cameos/me.myself").json()["can_request"] is True
    response = asker.post("/api/v1/cameos/me.myself/requests")
    assert (response.status_code, response.json()["status"]) == (201, "requested")
    assert Notification.objects.filter(user=me, kind=Notification.Kind.CAMEO_REQUESTED).count() == 2


def test_a_request_asked_again_after_the_cooldown_is_first_in_the_owners_list(
    client_of, api, me, other, make_user, activate_cameo
):
    """The owner is told someone asked again: the list shows that request first, newest asked first, not
    where the first request of theirs once stood (page after page down for a cameo many ask for)."""
    import datetime as dt

    activate_cameo(me)
    grant_id = client_of(other).post("/api/v1/cameos/me.myself/requests").json()["id"]
    api.post(f"/api/v1/cameo/requests/{grant_id}/deny")
    for person in (make_user("second"), make_user("third")):
        assert client_of(person).post("/api/v1/cameos/me.myself/requests").status_code == 201
    CameoGrant.objects.filter(pk=grant_id).update(decided_at=timezone.now() - dt.timedelta(days=365))
    assert client_of(other).post("/api/v1/cameos/me.myself/requests").status_code == 201

    listed = [r["person"]["handle"] for r in api.get("/api/v1/cameo/requests").json()["results"]]
    assert listed == ["other.person", "third", "second"]
    first = api.get("/api/v1/cameo/requests?limit=2").json()
    rest = api.get(f"/api/v1/cameo/requests?limit=2&cursor={first['next']}").json()
    assert [r["person"]["handle"] for r in first["results"] + rest["results"]] == listed
    assert rest["next"] is None


def test_someone_approved_again_after_a_denial_is_first_in_the_owners_grants(
    client_of, api, me, other, make_user, activate_cameo
):
    """The owner's grants are listed newest approved first: someone approved again after a denial is
    at the top, not where their first request once stood (pages down). One approved before approvals
    recorded a time counts from when they asked. One cursor walks them all, each once."""
    activate_cameo(me)
    grant_id = client_of(other).post("/api/v1/cameos/me.myself/requests").json()["id"]
    api.post(f"/api/v1/cameo/requests/{grant_id}/deny")
    older = make_user("older")
    untimed = CameoGrant.objects.create(
        cameo=me.cameo, grantee=older, status="approved", requested_at=timezone.now() - dt.timedelta(days=30)
    )
    for person in (make_user("second"), make_user("third")):
        asked = client_of(person).post("/api/v1/cameos/me.myself/requests").json()["id"]
        assert api.post(f"/api/v1/cameo/requests/{asked}/approve").status_code == 200
    CameoGrant.objects.filter(pk=grant_id).update(decided_at=timezone.now() - dt.timedelta(days=365))
    assert client_of(other).post("/api/v1/cameos/me.myself/requests").status_code == 201
    assert api.post(f"/api/v1/cameo/requests/{grant_id}/approve").status_code == 200
    assert untimed.decided_at is None

    listed = [g["person"]["handle"] for g in api.get("/api/v1/cameo/grants").json()["results"]]
    assert listed == ["other.person", "third", "second", "older"]
    first = api.get("/api/v1/cameo/grants?limit=3").json()
    rest = api.get(f"/api/v1/cameo/grants?limit=3&cursor={first['next']}").json()
    assert [g["person"]["handle"] for g in first["results"] + rest["results"]] == listed
    assert rest["next"] is None
    first = api.get("/api/v1/cameo/grants?limit=1").json()
    walked = [g["person"]["handle"] for g in first["results"]]
    while first["next"]:
        first = api.get(f"/api/v1/cameo/grants?limit=1&cursor={first['next']}").json()
        walked += [g["person"]["handle"] for g in first["results"]]
    assert walked == listed


@pytest.mark.parametrize("before", [None, "denied", "denied, the row read too"])
def test_two_asks_at_once_tell_the_owner_once(client_of, api, me, other, activate_cameo, monkeypatch, before):
    """A double tap on Ask, as two requests that both read before either wrote (PostgreSQL's READ
    COMMITTED; simulated here by stale reads): one request, one notification."""
    import datetime as dt

    from accounts.models import Notification
    from cameos import selectors

    activate_cameo(me)
    if before:  # the first request, denied long ago: both asks see the cool-down over
        grant = services.grant_request(requester=other, owner=me)
        services.grant_decide(owner=me, grant_id=grant.pk, approve=False)
        CameoGrant.objects.filter(pk=grant.pk).update(decided_at=timezone.now() - dt.timedelta(days=365))
        Notification.objects.all().delete()
    stale = selectors.cameo_access(Cameo.objects.select_related("owner").get(owner=me), other)
    stale_row = CameoGrant.objects.filter(grantee=other).first()
    assert stale.can_request
    asker = client_of(other)
    assert asker.post("/api/v1/cameos/me.myself/requests").status_code == 201  # the first one writes
    monkeypatch.setattr(selectors, "cameo_access", lambda cameo, user: stale)  # the second read before it
    if before == "denied, the row read too":
        monkeypatch.setattr(CameoGrant.objects, "get_or_create", lambda **kwargs: (stale_row, False))
    response = asker.post("/api/v1/cameos/me.myself/requests")
    assert (response.status_code, response.json()["status"]) == (201, "requested")
    assert CameoGrant.objects.get().status == "requested"
    assert Notification.objects.filter(user=me, kind=Notification.Kind.CAMEO_REQUESTED).count() == 1


@pytest.mark.django_db(transaction=True)  # the request's own commits, where the foreign key is checked
def test_a_block_ends_an_approval_and_an_unblock_does_not_bring_it_back(client_of, api, me, other, activate_cameo):
    import datetime as dt

    from tests.enroll import approve

    activate_cameo(me)
    approve(me, other)
    asker = client_of(other)
    assert access(asker) == (True, False)

    accounts_services.block_create(blocker=me, blocked=other)
    assert api.get("/api/v1/cameo/grants").json()["results"] == []
    accounts_services.block_delete(blocker=me, blocked=other)

    assert asker.get("/api/v1/cameos/me.myself").json() == {
        "handle": "me.myself",
        "available": False,
        "can_request": False,  # asking again waits for the cool-down, as after a revocation
        "request": "revoked",
    }
    CameoGrant.objects.update(decided_at=timezone.now() - dt.timedelta(days=365))
    assert access(asker) == (False, True)


def test_notifications_naming_someone_in_a_block_with_me_are_hidden_until_an_unblock(
    client_of, api, me, other, activate_cameo
):
    activate_cameo(me)
    # They used my cameo in a published video (as generation's publish tells me), then asked for more.
    accounts_services.notify(
        user_id=me.pk, kind=Notification.Kind.CAMEO_USED, video_id=1, about=other.pk, author=other.handle
    )
    assert client_of(other).post("/api/v1/cameos/me.myself/requests").status_code == 201
    kinds = lambda: [n["kind"] for n in api.get("/api/v1/notifications").json()["results"]]  # noqa: E731
    assert kinds() == ["cameo_requested", "cameo_used"]

    accounts_services.block_create(blocker=other, blocked=me)  # they blocked me: they do not exist for me
    assert kinds() == []
    accounts_services.block_delete(blocker=other, blocked=me)
    # Back after the unblock, but for the request the block ended (docs/consent.md rule 3).
    assert kinds() == ["cameo_used"]


def test_erasing_the_account_with_appearances_deletes_every_video_that_shows_me(
    api, me, other, activate_cameo, make_video, django_capture_on_commit_callbacks
):
    from accounts.models import User

    activate_cameo(me)
    showing = make_video(other, people=(me,))
    fingerprint = Fingerprint(np.full((2, 32), 7, np.uint8), np.full(2, 100, np.uint8))  # vPDQ's shape
    Video.objects.filter(pk=showing.pk).update(fingerprint=fingerprint.to_bytes())
    draft = make_video(other, publish=False, people=(me,))
    unrelated = make_video(other)

    refused = api.delete("/api/v1/me?appearances=maybe")
    assert refused.status_code == 400
    assert "appearances" in refused.json()["fields"]
    assert User.objects.filter(pk=me.pk).exists() and Video.objects.count() == 3

    with django_capture_on_commit_callbacks(execute=True):
        assert api.delete("/api/v1/me?appearances=delete").status_code == 204
    assert not User.objects.filter(pk=me.pk).exists()
    assert list(Video.objects.values_list("pk", flat=True)) == [unrelated.pk]
    assert not default_storage.exists(showing.media.name)
    assert not default_storage.exists(draft.media.name)
    # As if I deleted each: no copy of it can be published again.
    assert list(RemovedFingerprint.objects.values_list("video_id", "reason")) == [(showing.pk, "deleted_by_person")]


def test_erasing_the_account_keeps_others_videos_of_me_by_default(api, me, other, activate_cameo, make_video):
    activate_cameo(me)
    showing = make_video(other, people=(me,))
    assert api.delete("/api/v1/me").status_code == 204
    assert list(Video.objects.values_list("pk", flat=True)) == [showing.pk]
