"""Support's side of a face refused as another account's cameo: the refusal tells the person "If it
is yours, contact support", and support finds the conflict in the admin (who, whose, when; never the
faces' similarity) and marks it reviewed. Others than staff see nothing of it."""

import pytest
from django.test import Client

from cameos.models import IdentityConflict
from tests.cameos import videos
from tests.cameos.test_enrollment_api import CAMEO, challenge, enroll

pytestmark = pytest.mark.django_db

LIST = "/admin/cameos/identityconflict/"


@pytest.fixture
def conflict(api, client_of, make_user, django_capture_on_commit_callbacks):  # type: ignore[no-untyped-def]
    enroll(api, videos.video(), challenge(api), capture=django_capture_on_commit_callbacks)
    impostor = client_of(make_user("impostor"))
    enroll(impostor, videos.video(), challenge(impostor), capture=django_capture_on_commit_callbacks)
    assert "contact support" in impostor.get(CAMEO).json()["reason"]
    return IdentityConflict.objects.get()


def test_support_finds_the_conflict_and_marks_it_reviewed(support, conflict):
    page = support.get(LIST)
    assert page.status_code == 200
    text = page.content.decode()
    assert "impostor" in text and "me.myself" in text
    assert f"{conflict.similarity:.2f}" not in text and "similarity" not in text.lower()
    detail = support.get(f"{LIST}{conflict.pk}/change/").content.decode()
    assert "impostor" in detail and f"{conflict.similarity:.2f}" not in detail

    done = support.post(LIST, {"action": "mark_reviewed", "_selected_action": [conflict.pk]})
    assert done.status_code == 302
    conflict.refresh_from_db()
    assert conflict.reviewed is True
    assert support.get(f"{LIST}?reviewed__exact=0").content.decode().count("impostor") == 0


def test_support_can_neither_add_nor_delete_one(support, conflict):
    assert support.get(f"{LIST}add/").status_code == 403
    assert support.post(f"{LIST}{conflict.pk}/delete/", {"post": "yes"}).status_code == 403
    assert IdentityConflict.objects.filter(pk=conflict.pk).exists()


def test_no_one_but_staff_sees_it(make_user, conflict):
    person = Client()
    person.force_login(make_user("curious"))
    assert person.get(LIST).status_code == 302  # to the admin's sign-in
    assert Client().get(f"{LIST}{conflict.pk}/change/").status_code == 302
