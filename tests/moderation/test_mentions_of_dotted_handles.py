"""A handle ending in a dot is refused at sign-up ("@sam." at the end of a sentence reads as @sam),
but accounts made before keep theirs: "@sam." mentions the handle `sam.` where such an account
exists, else @sam, so that person is asked for consent like anyone."""

import pytest

from accounts.models import User
from generation.models import GenerationJob

pytestmark = pytest.mark.django_db

URL = "/api/v1/generations"


@pytest.fixture
def old_sam(activate_cameo):  # type: ignore[no-untyped-def]
    """`sam.`, who joined before sign-up refused such handles (made in the database, as then)."""
    user = User.objects.create_user("sam.", password="an-older-passphrase", birthdate="1990-05-17")
    activate_cameo(user, audience="only_me")  # refuses everyone
    return user


def submit(api, prompt):  # type: ignore[no-untyped-def]
    return api.post(URL, {"prompt": prompt, "duration_s": 2}, format="json")


@pytest.mark.parametrize("prompt", ["a picnic with @sam.", "a picnic with @Sam. and a kite", "a picnic with @sam.."])
def test_mentioning_an_old_handle_ending_in_a_dot_asks_that_person(api, old_sam, make_user, activate_cameo, prompt):
    sam = make_user("sam")  # the handle without the dot is someone else, who lets anyone show him
    activate_cameo(sam, audience="everyone")

    response = submit(api, prompt)

    assert response.status_code == 403, response.json()
    body = response.json()
    assert body["error"] == "consent_required"
    assert [(s["handle"], s["source"], s["reason"]) for s in body["subjects"]] == [("sam.", "mention", "not_available")]
    assert not GenerationJob.objects.exists()
    # "@sam" without the dot is still @sam, who allows it.
    assert submit(api, "a picnic with @sam").status_code == 202


def test_a_dotted_handle_who_allows_it_is_in_the_video(api, old_sam):
    old_sam.cameo.audience = "everyone"
    old_sam.cameo.save(update_fields=["audience"])

    response = submit(api, "a picnic with @sam.")

    assert response.status_code == 202, response.json()
    assert response.json()["cameos"] == ["sam."]


def test_without_such_an_account_the_dot_ends_the_sentence(api, make_user, activate_cameo):
    activate_cameo(make_user("sam"), audience="everyone")

    response = submit(api, "a picnic with @sam.")

    assert response.status_code == 202, response.json()
    assert response.json()["cameos"] == ["sam"]
