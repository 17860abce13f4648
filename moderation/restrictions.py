"""Does a prompt break a cameo's restrictions ("no political content", "never drinking")?

Two passes. By words, everywhere (cheap): the restriction's content words, reduced to a stem, found
in the prompt. By meaning, in workers only (`semantic=True`): the prompt and the restriction's subject
embedded with all-MiniLM-L6-v2 (moderation.semantic), refused when the prompt is closer to
"someone <subject>" than to any neutral sentence about someone by at least RESTRICTION_LIFT.
"""

from __future__ import annotations

from collections.abc import Sequence

from core.text import fold
from moderation.conf import conf
from moderation.names import normalise

# Words that say "not" or carry no subject: "no political content" is about "political".
_FILLER = frozenset(
    """no not never dont don t m s ll ve re without any anything stuff things thing content videos video scenes scene
    please me my myself i im being be doing do make making show showing shown with of the a an in on at to
    for and or about involving where when while ever again allowed okay ok like use using""".split()  # noqa: SIM905
)
_SUFFIXES = ("ically", "ical", "ation", "ings", "ing", "ness", "ies", "ers", "ed", "es", "er", "al", "ics", "s", "y")


def stem(word: str) -> str:
    for suffix in _SUFFIXES:
        if word.endswith(suffix) and len(word) - len(suffix) >= 4:
            return word[: -len(suffix)]
    return word


def subject_of(restriction: str) -> str:
    """'Never drinking alcohol!' → 'drinking alcohol': what the owner does not want shown."""
    words = [w for w in normalise(restriction).split() if w not in _FILLER]
    return " ".join(words)


def refusal(restriction: str) -> str | None:
    """Why a restriction cannot be kept, or None: one with no subject left once its filler words go
    ("no videos please", "never anything") matches no prompt, by words or by meaning."""
    if subject_of(fold(restriction)):
        return None
    return (
        f"“{restriction}” names nothing to keep out of your videos: say what, for example “no alcohol” or "
        f"“never political content”."
    )


def broken_by_words(prompt: str, restriction: str) -> bool:
    # Both sides folded: a look-alike letter of any alphabet ("аlcohol" with a Cyrillic а) reads as
    # the letter it mimics.
    wanted = {stem(w) for w in subject_of(fold(restriction)).split() if len(w) >= 3}
    if not wanted:
        return False
    have = {stem(w) for w in normalise(fold(prompt)).split()}
    return bool(wanted & have)


def broken(prompt: str, restrictions: Sequence[str], *, semantic: bool = False) -> bool:
    if any(broken_by_words(prompt, r) for r in restrictions):
        return True
    if not semantic:
        return False
    from moderation import semantic as meaning  # torch: workers only

    # "someone <subject>" reads like a prompt, which puts the two in the same part of the space.
    subjects = [f"someone {s}" for s in (subject_of(r) for r in restrictions) if s]
    threshold = conf().restriction_lift
    return bool(subjects) and meaning.lift(meaning.without_mentions(prompt, reading="someone"), subjects) >= threshold
