"""No one registers a handle that reads like someone else's ("rnike" for "mike", "bi11" for "bill")."""

import importlib

import pytest
from django.apps import apps

from accounts import services
from accounts.models import User
from core.exceptions import Conflict
from tests.conftest import PASSWORD

pytestmark = pytest.mark.django_db

REGISTER = "/api/v1/auth/register"
TOO_SIMILAR = "This handle is too similar to an existing one."


def register(anon, handle):  # type: ignore[no-untyped-def]
    return anon.post(REGISTER, {"handle": handle, "password": PASSWORD, "birthdate": "1995-03-01"}, format="json")


@pytest.mark.parametrize(
    ("existing", "wanted"),
    [
        ("mike", "rnike"),
        ("rnike", "mike"),
        ("bill", "bi11"),
        ("bi11", "bill"),
        ("bill", "bil1"),
        ("bob", "b0b"),
        ("mike.rn", "rnike.m"),
    ],
)
def test_a_handle_that_looks_like_a_taken_one_is_refused(anon, existing, wanted):
    assert register(anon, existing).status_code == 201
    response = register(anon, wanted)
    assert response.status_code == 409
    assert response.json() == {"error": "handle_taken", "detail": TOO_SIMILAR, "fields": {"handle": [TOO_SIMILAR]}}
    assert list(User.objects.values_list("handle", flat=True)) == [existing]


def test_the_same_handle_still_says_taken(anon):
    register(anon, "mike")
    assert register(anon, "MIKE").json()["detail"] == "This handle is taken."


@pytest.mark.parametrize(("first", "second"), [("ana", "anna"), ("mike", "mlke"), ("mike", "m1ke"), ("lee", "iee")])
def test_handles_that_only_look_alike_on_a_closer_look_are_both_allowed(anon, first, second):
    assert register(anon, first).status_code == 201
    assert register(anon, second).status_code == 201


def test_a_look_alike_registered_at_the_same_moment_ends_in_the_same_error(anon, monkeypatch):
    register(anon, "mike")
    # The other registration commits between this one's check and its insert: the check sees nothing.
    monkeypatch.setattr(services, "skeleton", lambda handle: "not-" + handle)
    response = register(anon, "rnike")
    assert response.status_code == 409
    assert response.json()["fields"] == {"handle": [TOO_SIMILAR]}
    assert User.objects.count() == 1


def test_accounts_made_before_skeletons_keep_the_oldest_look_alike():
    migration = importlib.import_module("accounts.migrations.0003_user_handle_skeleton")
    for handle in ("bill", "zzzz", "mike"):
        User.objects.create_user(handle, PASSWORD)
    # Two old accounts that already look alike, from before the column existed.
    User.objects.filter(handle="zzzz").update(handle="bi11")
    User.objects.update(handle_skeleton=None)
    migration.fill_skeletons(apps, None)
    stored = dict(User.objects.values_list("handle", "handle_skeleton"))
    assert stored == {"bill": "bill", "bi11": None, "mike": "rnike"}
    # Both keep working, and neither frees the look-alike for a newcomer.
    later = User.objects.get(handle="bi11")
    later.display_name = "Still here"
    later.save()
    assert User.objects.get(handle="bi11").handle_skeleton is None
    with pytest.raises(Conflict) as refused:
        services.user_register(handle="bil1", password=PASSWORD)
    assert refused.value.detail == TOO_SIMILAR
