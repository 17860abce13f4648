"""One canonical prompt through the API: what is stored is what was checked, whatever the spelling."""

import pytest

from generation.models import GenerationJob

URL = "/api/v1/generations"
PREFLIGHT = "/api/v1/consent/check"

CYRILLIC_A = "\u0430"


def submit(api, prompt):  # type: ignore[no-untyped-def]
    return api.post(URL, {"prompt": prompt, "duration_s": 2}, format="json")


@pytest.mark.parametrize("spelling", [f"@{CYRILLIC_A}na surfing", "\uff20ana surfing", "@a\u200bna surfing"])
def test_a_disguised_mention_is_refused_exactly_as_the_plain_one(api, make_user, spelling):
    make_user("ana")  # no cameo
    plain = submit(api, "@ana surfing")
    disguised = submit(api, spelling)
    assert disguised.status_code == plain.status_code == 403
    assert disguised.json() == plain.json()
    assert disguised.json()["error"] == "consent_required"
    assert [(s["handle"], s["reason"]) for s in disguised.json()["subjects"]] == [("ana", "no_cameo")]
    assert not GenerationJob.objects.exists()


def test_a_disguised_mention_of_an_open_cameo_is_stored_in_plain_letters(api, make_user, activate_cameo):
    activate_cameo(make_user("ana"), audience="everyone")
    response = submit(api, f"@{CYRILLIC_A}na surfing")
    assert response.status_code == 202
    body = response.json()
    assert body["prompt"] == "@ana surfing"
    assert body["cameos"] == ["ana"]
    assert GenerationJob.objects.get().prompt == "@ana surfing"  # what the worker and the model read


def test_invisible_characters_are_not_stored(api):
    response = submit(api, "a cat\u200b on a\u00ad beach\ufe0f")
    assert response.status_code == 202
    assert response.json()["prompt"] == "a cat on a beach"


def test_a_prompt_in_another_alphabet_is_stored_as_written(api):
    response = submit(api, "Кошка на пляже")
    assert response.status_code == 202
    assert response.json()["prompt"] == "Кошка на пляже"


def test_a_word_mixing_alphabets_without_a_latin_reading_is_a_400_and_stores_nothing(api):
    response = submit(api, "Taylor Swi\u0444t on stage")  # Cyrillic ф
    assert response.status_code == 400
    assert response.json() == {
        "error": "invalid",
        "detail": "Some fields are invalid.",
        "fields": {"prompt": ["The word “Swi\u0444t” mixes letters of different alphabets; write it in one."]},
    }
    assert not GenerationJob.objects.exists()


def test_a_policy_word_with_a_look_alike_letter_is_still_refused(api):
    response = submit(api, "a gunman sh\u043e\u043eting people in a mall")  # Cyrillic о о
    assert response.status_code == 400
    assert response.json()["error"] == "policy_violation"
    assert not GenerationJob.objects.exists()


def test_the_length_limit_applies_to_the_canonical_text(api, settings):
    settings.CASTFEED_MODERATION = {**settings.CASTFEED_MODERATION, "MAX_PROMPT_CHARS": 20}
    assert submit(api, "a cat" + "\u200b" * 100 + " on a beach").status_code == 202  # 16 characters stored
    assert submit(api, "a cat on a beach at sunset").status_code == 400


def test_the_preflight_reads_the_same_canonical_text(api, make_user):
    make_user("ana")
    body = api.post(PREFLIGHT, {"prompt": f"@{CYRILLIC_A}na \uff20ana surfing"}, format="json").json()
    assert [(s["handle"], s["reason"]) for s in body["subjects"]] == [("ana", "no_cameo")]
    refused = api.post(PREFLIGHT, {"prompt": "Swi\u0444t on stage"}, format="json")
    assert refused.status_code == 400
    assert refused.json()["fields"]["prompt"] == [
        "The word “Swi\u0444t” mixes letters of different alphabets; write it in one."
    ]


def test_the_preflight_finds_a_policy_word_with_a_greek_letter_in_it(api):
    body = api.post(PREFLIGHT, {"prompt": "a gunman sh\u03bf\u03bfting people in a mall"}, format="json").json()
    assert body["allowed"] is False and body["categories"] == ["violence"]
