"""Who a name means and how a prompt wrote it (moderation.names), and `normalise` for plain word matching."""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

_NOT_WORD = re.compile(r"[^0-9a-z]+")


def normalise(text: str) -> str:
    """'  Zoë  O'Brien-Smith ' → 'zoe o brien smith' (moderation.restrictions reads words with it)."""
    decomposed = unicodedata.normalize("NFKD", text)
    plain = "".join(c for c in decomposed if not unicodedata.combining(c))
    return _NOT_WORD.sub(" ", plain.casefold().replace("ß", "ss")).strip()


@dataclass(frozen=True)
class Person:
    """Who a name means: an entry of the registry (`registry`, its id) or a cameo owner (`cameo`, user id)."""

    kind: str
    id: int
    label: str  # the name as entered (for the admin and the audit log; never a handle of an unrelated user)


# How a name was written, weakest evidence last: when several apply, the last that does.
HOWS = ("exact", "alias", "joined", "reversed", "spaced", "leet", "fuzzy")


@dataclass(frozen=True)
class Hit:
    person: Person
    text: str  # the words of the prompt that matched, as read (folded, leetspeak decoded)
    # "exact"; "alias" (one of the entry's aliases); "joined" (fewer word breaks than the name:
    # "TaylorSwift", "#BarackObama"); "reversed" (surname first: "Musk, Elon", "Musk Elon");
    # "spaced" (letters spaced or dotted out); "leet"; "fuzzy" (letters wrong).
    how: str = "exact"
