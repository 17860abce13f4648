"""The quoted lines of a prompt, which a video's voice speaks (`@ana saying "this water is freezing"`),
and what is refused in them. Here, below every app, so that the consent preflight (moderation) and
submit (generation) refuse the same lines, and the composite voice speaks the lines they read.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from core.text import MENTION

__all__ = ["PHONEME_CODES", "Line", "phoneme_codes", "quoted_lines"]

# Quoted text: "straight" or “curly” double quotes (single quotes are apostrophes too often).
_QUOTED = re.compile(r"\"([^\"]{1,300})\"|“([^”]{1,300})”")
# Piper reads text between [[ and ]] as raw phonemes (piper.voice): a line written so is heard as words
# that the policy and the consent gate never read.
_PHONEMES = re.compile(r"\[\[.*?\]\]")

# What the author is told, by the preflight and by submit alike (400, field `prompt`).
PHONEME_CODES = "Write quoted lines in words: [[...]] would be spoken as sound codes."


@dataclass(frozen=True)
class Line:
    text: str
    speaker: str | None  # the handle of the nearest @mention before the quote, or None
    start_s: float = 0.0  # where it is placed in the clip
    end_s: float = 0.0


def quoted_lines(prompt: str) -> list[Line]:
    """The quoted lines of a prompt in order, each with the @handle mentioned last before it."""
    lines = []
    for match in _QUOTED.finditer(prompt):
        text = " ".join((match.group(1) or match.group(2) or "").split())
        if not re.search(r"[^\W_]", text):
            continue  # nothing to say: punctuation only
        mentions = MENTION.findall(prompt[: match.start()])
        lines.append(Line(text, mentions[-1].rstrip(".").lower() if mentions else None))
    return lines


def phoneme_codes(prompt: str) -> bool:
    """Whether a quoted line of `prompt` holds [[...]], which the bundled voice would speak as raw
    phonemes ("[[bəɹˈæk oʊbˈɑːmə]]" is heard "Barack Obama"): refused, as no check reads sounds."""
    return any(_PHONEMES.search(line.text) for line in quoted_lines(prompt))
