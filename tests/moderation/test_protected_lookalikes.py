"""Look-alikes of protected people: someone who is not the person, but whose face matches the
registry's photos, once an operator cleared their account (ProtectedPerson.lookalikes, in the admin).

Real faces. Enrollment: scikit-image's astronaut photo is Eileen Collins's registry photo, and the
cleared account enrolls with that face (tests/moderation/test_protected_people.py). The gate: two
DCGAN faces of nobody (tests/gan_faces.py) that look alike, SFace cosine 0.61 between their photos
(tests/cameos/lookalikes.py): seed 491 is the protected person's photo, seed 354 the look-alike's
face and cameo.
"""

from __future__ import annotations

import cv2
import pytest
from django.urls import reverse

from accounts import services as accounts
from accounts.models import User
from cameos import services as cameos
from core.exceptions import InvalidInput
from feed.models import Video
from moderation import consent, registry
from moderation.models import AuditEvent, ProtectedPerson
from tests import gan_faces
from tests.cameos import videos
from tests.cameos.lookalikes import FACE, LOOKALIKE
from tests.cameos.test_enrollment_api import challenge, enroll
from tests.enroll import approve
from tests.moderation import test_protected_people, test_registry

pytestmark = pytest.mark.django_db
URL = "/api/v1/generations"
collins = test_protected_people.collins  # the fixtures: Eileen Collins, registered with her photo
staff = test_registry.staff  # and a client signed in to the admin as staff


def upload_of(seed: int):  # type: ignore[no-untyped-def]
    from django.core.files.uploadedfile import SimpleUploadedFile

    ok, data = cv2.imencode(".png", gan_faces.face(seed))
    assert ok
    return SimpleUploadedFile(f"face-{seed}.png", data.tobytes(), content_type="image/png")


@pytest.fixture
def queen(db):  # type: ignore[no-untyped-def]
    """A protected person whose registry photo is face FACE."""
    person, _ = registry.person_upsert(name="Odile Marchetti", description="the presenter of a quiz show")
    ok, data = cv2.imencode(".jpg", gan_faces.face(FACE), [cv2.IMWRITE_JPEG_QUALITY, 95])
    assert ok
    registry.face_add(person=person, data=data.tobytes(), source="odile.jpg")
    return person


@pytest.fixture
def lia(make_user, activate_cameo):  # type: ignore[no-untyped-def]
    """The look-alike: her cameo is face LOOKALIKE, open to approved people only."""
    user = make_user("lia.lookalike")
    activate_cameo(user, gan_faces.template(LOOKALIKE))
    return user


def reasons(decision):  # type: ignore[no-untyped-def]
    return [(s.source, s.reason) for s in decision.subjects]


def output_of(seed: int) -> list[consent.FaceMatch]:
    """What the output scan finds in a generated frame showing face `seed`."""
    import numpy as np

    return consent.match_faces(np.asarray([gan_faces.template(seed)]))


# --- enrollment ------------------------------------------------------------------------------------


def test_a_cleared_look_alike_enrolls_and_nobody_else_does(api, me, other, collins, django_capture_on_commit_callbacks):
    registry.person_set_lookalikes(person=collins, accounts=[other])  # someone else cleared: not me
    enroll(api, videos.video(), challenge(api), capture=django_capture_on_commit_callbacks)
    refused = api.get("/api/v1/cameo").json()
    assert (refused["status"], refused["reason_code"]) == ("rejected", "protected_person")

    registry.person_set_lookalikes(person=collins, accounts=[other, me])
    enroll(api, videos.video(), challenge(api), capture=django_capture_on_commit_callbacks)
    body = api.get("/api/v1/cameo").json()
    assert body["status"] == "active", body
    assert "embedding" not in str(body) and "similarity" not in str(body)


# --- the gate --------------------------------------------------------------------------------------


def test_a_look_alikes_own_upload_and_output_are_refused_until_cleared(client_of, queen, lia, other):
    registry.person_set_lookalikes(person=queen, accounts=[other])  # someone else cleared: not her
    api = client_of(lia)
    before = api.post(URL, {"prompt": "me surfing", "duration_s": 2, "image": upload_of(LOOKALIKE)}, format="multipart")
    assert before.status_code == 403, before.json()
    assert [(s["source"], s["reason"]) for s in before.json()["subjects"]] == [("reference_face", "protected_person")]
    assert reasons(consent.check(lia, "me surfing", output_faces=output_of(LOOKALIKE), record=False)) == [
        ("output_face", "protected_person")
    ]

    registry.person_set_lookalikes(person=queen, accounts=[other, lia])
    after = api.post(URL, {"prompt": "me surfing", "duration_s": 2, "image": upload_of(LOOKALIKE)}, format="multipart")
    assert after.status_code == 202, after.json()
    assert [(s["source"], s["reason"]) for s in after.json()["subjects"]] == [("reference_face", "owner")]
    assert "Odile" not in str(after.json()) and "similarity" not in str(after.json())
    output = consent.check(lia, "me surfing", output_faces=output_of(LOOKALIKE), record=False)
    assert output.allowed and reasons(output) == [("output_face", "owner")]


def test_another_author_needs_the_look_alikes_consent_not_the_registrys(me, make_user, queen, lia):
    registry.person_set_lookalikes(person=queen, accounts=[lia])

    asked = consent.check(me, "@lia.lookalike surfing", reference_image=gan_faces.face(LOOKALIKE), record=False)
    assert not asked.allowed
    assert reasons(asked) == [("mention", "needs_approval"), ("reference_face", "needs_approval")]
    drawn = consent.check(me, "a surfer", output_faces=output_of(LOOKALIKE), record=False)
    assert reasons(drawn) == [("output_face", "needs_approval")]

    approve(lia, me)
    allowed = consent.check(me, "@lia.lookalike surfing", reference_image=gan_faces.face(LOOKALIKE), record=False)
    assert allowed.allowed and [c.user_id for c in allowed.cameos] == [lia.pk]
    assert consent.check(me, "a surfer", output_faces=output_of(LOOKALIKE), record=False).allowed

    # Her blocks and restrictions decide as for any cameo.
    cameos.cameo_update(owner=lia, restrictions=["No surfing"])
    assert reasons(consent.check(me, "a surfer", output_faces=output_of(LOOKALIKE), record=False)) == [
        ("output_face", "restriction")
    ]


def test_a_face_closer_to_the_persons_photos_stays_refused_though_it_matches_the_look_alike(me, queen, lia):
    registry.person_set_lookalikes(person=queen, accounts=[lia])
    approve(lia, me)

    # FACE matches Lia's cameo (cosine 0.61, above the 0.5 threshold), but the registry's photo better.
    [face] = output_of(FACE)
    assert face.protected is not None and face.cameo_id == lia.cameo.pk and face.similarity < face.protected.similarity
    for decision in (
        consent.check(me, "@lia.lookalike surfing", reference_image=gan_faces.face(FACE), record=False),
        consent.check(lia, "me surfing", reference_image=gan_faces.face(FACE), record=False),
        consent.check(me, "a surfer", output_faces=output_of(FACE), record=False),
    ):
        assert not decision.allowed
        assert [(s.source, s.reason, s.label) for s in decision.refused] == [
            (decision.subjects[-1].source, "protected_person", "Odile Marchetti")
        ]
    # Her own face, in the same checks, is hers.
    assert consent.check(lia, "me surfing", reference_image=gan_faces.face(LOOKALIKE), record=False).allowed


def test_an_erased_look_alike_leaves_no_row(queen, lia, other):
    registry.person_set_lookalikes(person=queen, accounts=[lia, other])

    accounts.account_erase(user=lia)

    assert list(queen.lookalikes.all()) == [other]
    assert not ProtectedPerson.lookalikes.through.objects.filter(user_id=lia.pk).exists()


# --- shown by approval only ------------------------------------------------------------------------


def test_a_cleared_look_alike_is_shown_only_by_people_she_approves_one_by_one(
    staff, queen, lia, make_user, make_video, client_of, django_capture_on_commit_callbacks
):
    """Her face may be taken for the person's: as for a minor, no audience lets anyone show her, and
    clearing her stops what people she never approved were making with her."""
    stranger, friend, approved = make_user("stranger"), make_user("friend"), make_user("approved")
    request = cameos.grant_request(requester=approved, owner=lia)
    cameos.grant_decide(owner=lia, grant_id=request.pk, approve=True)
    cameos.cameo_update(owner=lia, audience="everyone")
    strangers_draft = make_video(stranger, publish=False, people=(lia,))
    approved_draft = make_video(approved, publish=False, people=(lia,))
    published = make_video(stranger, people=(lia,))
    assert consent.check(stranger, "@lia.lookalike surfing", record=False).allowed
    url = reverse("admin:moderation_protectedperson_change", args=[queen.pk])

    with django_capture_on_commit_callbacks(execute=True):
        page = staff.post(url, change_form(queen, lookalikes=str(lia.pk)))

    assert page.status_code == 302, page.content.decode()[:2000]
    lia.refresh_from_db()
    assert lia.approval_only and lia.cameo.audience == "approved"
    assert not Video.objects.filter(pk=strangers_draft.pk).exists()
    assert Video.objects.filter(pk__in=[approved_draft.pk, published.pk]).count() == 2
    event = AuditEvent.objects.get(kind="consent_withdrawn", subject_id=lia.pk)
    assert event.data["reason"] == "approval_only" and event.data["drafts_deleted"] == [strangers_draft.pk]
    assert event.actor_id == User.objects.get(handle="the.moderator").pk

    # Anyone else asks, as of a minor: neither a mutual follow nor her audience lets them in.
    accounts.follow_create(follower=friend, followee=lia)
    accounts.follow_create(follower=lia, followee=friend)
    api = client_of(lia)
    assert api.patch("/api/v1/cameo", {"audience": "mutuals"}, format="json").status_code == 200
    for person in (stranger, friend):
        decision = consent.check(person, "@lia.lookalike surfing", record=False)
        assert [(s["source"], s["reason"]) for s in decision.public()] == [("mention", "needs_approval")]
        assert client_of(person).get("/api/v1/cameos/lia.lookalike").json() == {
            "handle": "lia.lookalike",
            "available": False,
            "can_request": True,
            "request": None,
        }
    assert consent.check(approved, "@lia.lookalike surfing", record=False).allowed
    asked = client_of(friend).post("/api/v1/cameos/lia.lookalike/requests")
    assert asked.status_code == 201, asked.json()
    cameos.grant_decide(owner=lia, grant_id=asked.json()["id"], approve=True)
    assert consent.check(friend, "@lia.lookalike surfing", record=False).allowed

    # She cannot open it to everyone, and her account says why.
    refused = api.patch("/api/v1/cameo", {"audience": "everyone"}, format="json")
    assert refused.status_code == 400
    assert refused.json()["fields"]["audience"] == [cameos.APPROVAL_ONLY_NOT_EVERYONE]
    assert api.get("/api/v1/cameo").json()["audience"] == "mutuals"
    assert api.get("/api/v1/me").json()["approval_only"] is True
    assert api.get("/api/v1/me/export").json()["account"]["approval_only"] is True


def test_no_longer_a_look_alike_of_any_entry_she_chooses_her_audience_again(
    staff, queen, collins, lia, client_of, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        registry.person_set_lookalikes(person=queen, accounts=[lia])
        registry.person_set_lookalikes(person=collins, accounts=[lia])
    api = client_of(lia)

    # Taken off one entry's list, she is still the other's look-alike.
    staff.post(reverse("admin:moderation_protectedperson_change", args=[queen.pk]), change_form(queen))
    lia.refresh_from_db()
    assert list(queen.lookalikes.all()) == [] and lia.approval_only
    assert api.patch("/api/v1/cameo", {"audience": "everyone"}, format="json").status_code == 400

    # The other entry deleted: no longer (and logged so).
    entry = str(collins.pk)
    registry.person_delete(person=collins)
    last = AuditEvent.objects.filter(kind="lookalike_cleared").latest("pk")
    assert (last.subject_id, last.object_id, last.data) == (
        lia.pk,
        entry,
        {"cleared": False, "entry_deleted": True},
    )
    lia.refresh_from_db()
    assert not lia.approval_only
    assert api.get("/api/v1/me").json()["approval_only"] is False
    assert api.patch("/api/v1/cameo", {"audience": "everyone"}, format="json").status_code == 200
    assert AuditEvent.objects.filter(kind="consent_withdrawn", subject_id=lia.pk).count() == 1  # the first clearing


# --- the admin -------------------------------------------------------------------------------------


def change_form(person: ProtectedPerson, **fields: str) -> dict[str, str]:
    return {
        "name": person.name,
        "aliases_text": "",
        "description": person.description,
        "known_for_text": "",
        "kind": person.kind,
        "note": "",
        "account": "",
        "lookalikes": "",
        "faces-TOTAL_FORMS": "0",
        "faces-INITIAL_FORMS": "0",
        "faces-MIN_NUM_FORMS": "0",
        "faces-MAX_NUM_FORMS": "1000",
        "_save": "Save",
        **fields,
    }


def test_staff_clear_look_alikes_in_the_admin_but_not_the_persons_own_account(staff, queen, lia, other):
    url = reverse("admin:moderation_protectedperson_change", args=[queen.pk])

    added = staff.post(url, change_form(queen, lookalikes=f"{lia.pk},{other.pk}"))
    assert added.status_code == 302, added.content.decode()[:2000]
    assert sorted(queen.lookalikes.values_list("pk", flat=True)) == sorted([lia.pk, other.pk])

    both = staff.post(url, change_form(queen, account=str(lia.pk), lookalikes=str(lia.pk)))
    assert both.status_code == 200
    assert registry.OWN_ACCOUNT_NOT_LOOKALIKE.replace("'", "&#x27;") in both.content.decode()
    queen.refresh_from_db()
    assert queen.account_id is None  # nothing saved
    assert sorted(queen.lookalikes.values_list("pk", flat=True)) == sorted([lia.pk, other.pk])

    removed = staff.post(url, change_form(queen, lookalikes=str(other.pk)))
    assert removed.status_code == 302
    assert list(queen.lookalikes.all()) == [other]
    # Who cleared whom, and took it back, is in the audit log (the refused save wrote nothing).
    moderator = User.objects.get(handle="the.moderator").pk
    assert list(
        AuditEvent.objects.filter(kind="lookalike_cleared")
        .order_by("pk")
        .values_list("actor_id", "subject_id", "object_type", "object_id", "data")
    ) == [
        (moderator, lia.pk, "protected_person", str(queen.pk), {"cleared": True}),
        (moderator, other.pk, "protected_person", str(queen.pk), {"cleared": True}),
        (moderator, lia.pk, "protected_person", str(queen.pk), {"cleared": False}),
    ]
    # The service refuses it too (a concurrent change the form could not see).
    with pytest.raises(InvalidInput):
        linked = registry.person_link_account(person=queen, account=other)
        registry.person_set_lookalikes(person=linked, accounts=[other])


def test_linking_the_persons_own_account_in_the_admin_is_in_the_audit_log(staff, queen, other):
    url = reverse("admin:moderation_protectedperson_change", args=[queen.pk])

    assert staff.post(url, change_form(queen, account=str(other.pk))).status_code == 302
    assert staff.post(url, change_form(queen)).status_code == 302

    queen.refresh_from_db()
    assert queen.account_id is None
    moderator = User.objects.get(handle="the.moderator").pk
    assert list(
        AuditEvent.objects.filter(kind="protected_account_linked")
        .order_by("pk")
        .values_list("actor_id", "subject_id", "object_id", "data")
    ) == [
        (moderator, other.pk, str(queen.pk), {"linked": True}),
        (moderator, other.pk, str(queen.pk), {"linked": False}),
    ]
