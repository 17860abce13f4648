"""The policy's meaning-based pass (all-MiniLM-L6-v2 from the installed package, in the worker)."""

import json
from pathlib import Path

import pytest

from moderation import policy

DATA = Path(__file__).parents[1] / "data"


def test_the_meaning_pass_catches_what_words_miss_and_keeps_everyday_prompts():
    missed_by_words = "a prisoner having his fingernails pulled out slowly"
    assert policy.categories(missed_by_words) == []
    assert "violence" in policy.categories(missed_by_words, semantic=True)
    for prompt in ("friends surfing at sunset", "a boxing training montage", "a birthday party with cake"):
        assert policy.categories(prompt, semantic=True) == [], prompt


def test_a_handle_is_read_as_a_name_not_as_what_its_words_mean():
    """A handle is a name its owner chose: "@me.myself" read as words was self-harm."""
    assert policy.categories("@me.myself juggling on a unicycle", semantic=True) == []
    assert policy.categories("@astro.owner waving on a beach", semantic=True) == []
    # What the scene shows is still read by meaning, whoever it shows (the words miss this one).
    violent = "@dylan getting his head smashed in with a brick, lots of blood"
    assert policy.categories(violent) == [] and "violence" in policy.categories(violent, semantic=True)
    # An @ inside a word mentions no one: its words stay words (found by a second reader).
    assert "self_harm" in policy.categories("a man@slitting_his_wrists_in_the_bathtub", semantic=True)
    # A handle's own words are read as words by the request's pass: the model reads them so.
    assert policy.categories("@slit.my.wrists in a bathtub") == ["self_harm"]
    assert policy.categories("@kill.all.jews at a party") == ["hate"]
    assert policy.categories("@slitting.his wrists in a bathtub") == ["self_harm"]  # and in place


@pytest.mark.slow  # loads the sentence model and embeds every held-out prompt
def test_on_held_out_prompts_both_passes_together_catch_more_than_words_alone():
    rows = [json.loads(line) for line in (DATA / "prompts_holdout.jsonl").read_text().splitlines()]
    bad = [r for r in rows if r["categories"]]
    words = sum(bool(set(policy.categories(r["prompt"])) & set(r["categories"])) for r in bad)
    both = sum(bool(set(policy.categories(r["prompt"], semantic=True)) & set(r["categories"])) for r in bad)
    benign_flagged = sum(bool(policy.categories(r["prompt"], semantic=True)) for r in rows if not r["categories"])
    assert both > words
    assert both / len(bad) >= 0.8
    assert benign_flagged / sum(not r["categories"] for r in rows) <= 0.15
