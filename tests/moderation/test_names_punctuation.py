"""Punctuation between the words of a protected name ("Quenby; Marchetti", "Quenby/Marchetti",
"Quenby | Marchetti") says the name to any reader, and to a video model's text encoder. A semicolon
ended the reading of a name, as a full stop does: the job was queued (202). "," "/" "|" "&" "+" did
not, and a word of the name cut by a space ("Quen by Marchetti") neither: each is kept here."""

import pytest

pytestmark = pytest.mark.django_db

URL = "/api/v1/generations"


@pytest.mark.parametrize(
    "prompt",
    [
        "Quenby; Marchetti dancing at the beach",
        "Quenby/Marchetti dancing at the beach",
        "Quenby | Marchetti dancing at the beach",
        "Quenby & Marchetti dancing at the beach",
        "Quenby+Marchetti dancing at the beach",
        "Marchetti, Quenby dancing at the beach",
        "Quen by Marchetti dancing at the beach",
        # Surname first without a comma, a capitalised word across a semicolon: another clause's.
        "a pier in Tokyo; Marchetti Quenby dancing at the beach",
        "Marchetti Quenby; Tokyo at night behind them",
        # A middle initial beside the punctuation, as without it ("Quenby J. Marchetti").
        "Quenby; J. Marchetti dancing at the beach",
        "Quenby J.; Marchetti dancing at the beach",
        "Quenby, J. K. Marchetti dancing at the beach",
    ],
)
def test_a_name_with_punctuation_between_its_words_is_refused(api, registry, refused_as_protected, prompt):
    registry("Quenby Marchetti")
    refused_as_protected(prompt, "Quenby Marchetti")


@pytest.mark.parametrize(
    "prompt",
    [
        "salt; pepper; olive oil on a wooden table",
        "rock and roll; a crowd dancing in a small club",
        'a chalkboard that reads "I came; I saw; I conquered"',
        "Quenby and Marchetti, two villages, at dawn",
        # A full stop still ends a sentence, and the name with it.
        "We left Quenby. Marchetti ice cream was waiting at the beach",
        # A capital after a semicolon says nothing, as at a sentence's start: a drake, not Drake.
        "a pond at dawn; Drake swims by the reeds",
        # Also with a space before it, as French writes it.
        "a pond at dawn ; Drake swims by the reeds",
    ],
)
def test_ordinary_prompts_with_that_punctuation_pass(api, registry, prompt):
    registry("Quenby Marchetti")
    registry("Aubrey Graham", "Drake")
    answer = api.post(URL, {"prompt": prompt, "duration_s": 2}, format="json")
    assert answer.status_code == 202, answer.json()
