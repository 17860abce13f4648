"""The quoted lines of a prompt, which a video's voice speaks (`@ana saying "this water is freezing"`),
what is refused in them, and how long they take to say. Here, below every app, so that the consent
preflight (moderation) and submit (generation) refuse the same lines, and the composite voice speaks
the lines they read at the pace they estimate.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from core.text import MENTION

__all__ = [
    "CHARS_PER_SECOND",
    "GAP_S",
    "LEAD_IN_S",
    "MIN_LENGTH_SCALE",
    "PHONEME_CODES",
    "TAIL_S",
    "Line",
    "phoneme_codes",
    "quoted_lines",
    "too_long",
    "too_long_for",
    "too_long_for_any",
]

# Quoted text: "straight" or “curly” double quotes (single quotes are apostrophes too often), of any
# length: a passage too long to say is refused as such (too_long). Capped at 300 characters, a longer
# one was no line at all: neither refused nor spoken, and never read for sound codes.
_QUOTED = re.compile(r"\"([^\"]+)\"|“([^”]+)”")
# Piper reads text between [[ and ]] as raw phonemes (piper.voice): a line written so is heard as words
# that the policy and the consent gate never read.
_PHONEMES = re.compile(r"\[\[.*?\]\]")

# What the author is told, by the preflight and by submit alike (400, field `prompt`).
PHONEME_CODES = "Write quoted lines in words: [[...]] would be spoken as sound codes."

# Where the composite voice (generation.backends.composite.speech) places the lines in a clip, and
# how fast it may say them: what `too_long` reckons with.
LEAD_IN_S = 0.35  # the first line starts here
GAP_S = 0.25  # silence between two lines
TAIL_S = 0.2  # left free at the end
MIN_LENGTH_SCALE = 0.75  # Piper's phoneme length: faster speech to fit a short clip, down to this
CHARS_PER_SECOND = 15.0  # the bundled voice's pace at length scale 1 (measured: 14–16 on short lines)


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


def too_long(prompt: str, seconds: float) -> bool:
    """Whether the quoted lines of `prompt` would not fit in a clip of `seconds`, even sped up: an
    estimate from their length, cheap enough for a request."""
    lines = quoted_lines(prompt)
    if not lines:
        return False
    room = seconds - LEAD_IN_S - TAIL_S - GAP_S * (len(lines) - 1)
    return sum(len(line.text) for line in lines) / (CHARS_PER_SECOND / MIN_LENGTH_SCALE) > room


def too_long_for(seconds: int) -> str:
    """What submit tells the author whose lines do not fit the duration asked for (400, `prompt`)."""
    return f"The quoted lines are too long to say in {seconds} seconds: shorten them."


def too_long_for_any(longest: int) -> str:
    """What the preflight, which knows no duration, tells the author whose lines do not fit even the
    longest video submit accepts (400, `prompt`)."""
    return f"The quoted lines are too long to say in any video, even one of {longest} seconds: shorten them."
