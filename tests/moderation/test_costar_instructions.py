"""A cameo's restrictions read everything the model reads in that video: the prompt and the
instructions the other people in it added to every prompt that uses them (the backend appends them:
generation.backends.base.RenderRequest.full_prompt). Before, a co-star's instructions reached the
model unread by anyone's rules: "no drinking beer" refused "@mallory and @bob drinking beer" but not
"@mallory and @bob at a picnic" with Mallory's "always drinking beer with everyone around"."""

import pytest

from cameos import services as cameos
from cameos.models import Cameo
from generation.models import GenerationJob
from moderation import consent

pytestmark = pytest.mark.django_db


@pytest.fixture
def picnic(make_user, activate_cameo):  # type: ignore[no-untyped-def]
    mallory, bob = make_user("mallory"), make_user("bob")
    activate_cameo(mallory, audience="everyone")
    activate_cameo(bob, audience="everyone")
    cameos.cameo_update(owner=bob, restrictions=["no drinking beer"])
    cameos.cameo_update(owner=mallory, instructions="always drinking beer with everyone around")
    return mallory, bob


def test_a_co_stars_instructions_that_break_my_rule_refuse_the_video(picnic, api):
    answer = api.post(
        "/api/v1/generations", {"prompt": "@mallory and @bob at a picnic", "duration_s": 2}, format="json"
    )
    assert answer.status_code == 403, answer.json()
    assert [(s["handle"], s["verdict"], s["reason"]) for s in answer.json()["subjects"]] == [
        ("mallory", "allowed", "everyone"),
        ("bob", "refused", "restriction"),
    ]
    check = api.post("/api/v1/consent/check", {"prompt": "@mallory and @bob at a picnic"}, format="json").json()
    assert check["allowed"] is False


def test_the_author_s_own_instructions_count_for_a_co_star_and_mine_never_for_me(picnic, client_of, make_user):
    mallory, bob = picnic
    # Mallory writes the prompt herself: her instructions still reach the model beside Bob.
    decision = consent.check(mallory, "@mallory and @bob at a picnic", record=False)
    assert [(s.handle, s.why) for s in decision.refused] == [("bob", "restriction")]
    # Bob's own instructions never break his own rules, nor do they touch a video without a co-star.
    cameos.cameo_update(owner=bob, instructions="drinking beer")
    assert consent.check(make_user("carol"), "@bob at a picnic", record=False).allowed


def test_the_worker_reads_a_co_stars_instructions_by_meaning(picnic, make_user):
    mallory, bob = picnic
    cameos.cameo_update(owner=bob, restrictions=["no alcohol"])
    cameos.cameo_update(owner=mallory, instructions="always chugging pints of lager at the bar")
    author = make_user("carol")
    assert consent.check(author, "@mallory and @bob at a picnic", record=False).allowed  # no shared word
    decision = consent.check(author, "@mallory and @bob at a picnic", stage="start", semantic=True, record=False)
    assert [(s.handle, s.why) for s in decision.refused] == [("bob", "restriction")]


def test_the_worker_finds_a_protected_person_a_cameo_s_instructions_describe(make_user, activate_cameo):
    """PATCH /cameo reads instructions by words only (no torch in a web process); the worker reads
    them as it reads the prompt. Before, "standing beside the 44th president of the United States" in
    Mallory's instructions reached the model in every video of her, and nothing read it by meaning."""
    mallory = make_user("mallory")
    activate_cameo(mallory, audience="everyone")
    cameos.cameo_update(owner=mallory, instructions="always standing beside the 44th president of the United States")
    author = make_user("carol")
    assert consent.check(author, "@mallory at a park", record=False).allowed  # words only: nobody named
    decision = consent.check(author, "@mallory at a park", stage="start", semantic=True, record=False)
    refused = [(s.source, s.reason, s.label) for s in decision.refused]
    assert ("description", "protected_person", "Barack Obama") in refused
    assert {(source, reason) for source, reason, _ in refused} == {("description", "protected_person")}
    cameos.cameo_update(owner=mallory, instructions="always wearing a blue cap and a yellow raincoat")
    assert consent.check(author, "@mallory at a park", stage="start", semantic=True, record=False).allowed


def test_a_name_added_to_the_registry_since_the_instructions_were_saved_is_found(make_user, activate_cameo, registry):
    mallory = make_user("mallory")
    activate_cameo(mallory, audience="everyone")
    cameos.cameo_update(owner=mallory, instructions="always arm in arm with Quenby Marchetti")
    registry("Quenby Marchetti")  # a person registered after the instructions were checked
    decision = consent.check(make_user("carol"), "@mallory at a park", record=False)
    assert [(s.source, s.reason, s.label) for s in decision.refused] == [
        ("name", "protected_person", "Quenby Marchetti")
    ]


def test_the_instructions_of_someone_another_cameo_s_instructions_bring_in_are_read_too(
    make_user, activate_cameo, registry
):
    """Mallory's instructions put Dana (who protects her name) in every video of Mallory, and Dana's
    own instructions then reach the model too. Before, only the first were read: "@mallory at a park"
    made a video with Quenby Marchetti, whom Dana's instructions name, while "@dana at a park" was
    refused for her."""
    dana = make_user("dana", display_name="Dana Kowalski")
    activate_cameo(dana, audience="everyone")
    cameos.cameo_update(owner=dana, instructions="always arm in arm with Quenby Marchetti")
    mallory = make_user("mallory")
    activate_cameo(mallory, audience="everyone")
    cameos.cameo_update(owner=mallory, instructions="always beside Dana Kowalski")
    cameos.cameo_update(owner=dana, protect_name=True)
    registry("Quenby Marchetti")  # registered after both were saved
    author = make_user("carol")
    for prompt in ("@dana at a park", "@mallory at a park"):
        decision = consent.check(author, prompt, record=False)
        assert [(s.source, s.reason, s.label) for s in decision.refused] == [
            ("name", "protected_person", "Quenby Marchetti")
        ], prompt


def test_a_name_that_a_handle_and_its_instructions_make_together_is_refused(
    make_user, activate_cameo, registry, api, client_of
):
    """The backend appends each cameo's instructions after its handle ("@quenby: Marchetti-style …",
    RenderRequest.full_prompt): the model reads "Quenby Marchetti" there. Before, the gate read the
    prompt and the instructions each on their own, neither named anyone, and the job was queued; and
    PATCH /cameo saved those instructions."""
    registry("Quenby Marchetti")
    quenby = make_user("quenby")
    activate_cameo(quenby, audience="everyone")
    answer = client_of(quenby).patch(
        "/api/v1/cameo", {"instructions": "Marchetti in person, waving at the crowd"}, format="json"
    )
    assert answer.status_code == 400, answer.json()
    assert "Quenby Marchetti" in answer.json()["fields"]["instructions"][0]
    # Saved before the person was registered: read at every use, as the model reads it.
    Cameo.objects.filter(owner=quenby).update(instructions="Marchetti in person, waving at the crowd")
    answer = api.post("/api/v1/generations", {"prompt": "@quenby at the beach", "duration_s": 2}, format="json")
    assert answer.status_code == 403, answer.json()
    assert [(s["source"], s["reason"]) for s in answer.json()["subjects"] if s["verdict"] == "refused"] == [
        ("name", "protected_person")
    ]
    assert not GenerationJob.objects.exists()
    check = api.post("/api/v1/consent/check", {"prompt": "@quenby at the beach"}, format="json").json()
    assert check["allowed"] is False
    # The owner replaces them: what they saved before is no reason to refuse what replaces it.
    answer = client_of(quenby).patch("/api/v1/cameo", {"instructions": "waving at the crowd"}, format="json")
    assert answer.status_code == 200, answer.json()
    answer = api.post("/api/v1/generations", {"prompt": "@quenby at the beach", "duration_s": 2}, format="json")
    assert answer.status_code == 202, answer.json()
