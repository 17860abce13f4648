"""Finding names of real people in a prompt: one pass over its words, not a loop over the names.

Names and prompts are reduced to the same form (accents removed, case folded, anything that is not a
letter or digit a word break), so "BEYONCÉ", "beyonce" and "Beyoncé's" all read "beyonce". The index
is a dict from each name's word sequence to who it names; a prompt of n words costs at most
n × (longest name in words) dict lookups, whatever the number of names (100k in BENCHMARKS.md).
Pure Python: no ORM here (moderation.selectors builds the index from the registry and cameos).
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass

_NOT_WORD = re.compile(r"[^0-9a-z]+")


def normalise(text: str) -> str:
    """'  Zoë  O'Brien-Smith ' → 'zoe o brien smith'."""
    decomposed = unicodedata.normalize("NFKD", text)
    plain = "".join(c for c in decomposed if not unicodedata.combining(c))
    return _NOT_WORD.sub(" ", plain.casefold().replace("ß", "ss")).strip()


@dataclass(frozen=True)
class Person:
    """Who a name means: an entry of the registry (`registry`, its id) or a cameo owner (`cameo`, user id)."""

    kind: str
    id: int
    label: str  # the name as entered (for the admin and the audit log; never a handle of an unrelated user)


@dataclass(frozen=True)
class Hit:
    person: Person
    text: str  # the words of the prompt that matched, normalised


class NameIndex:
    def __init__(self, entries: Iterable[tuple[str, Person]], *, min_chars: int = 3) -> None:
        self._names: dict[str, Person] = {}
        self.longest = 0
        for name, person in entries:
            key = normalise(name)
            if len(key) < min_chars:
                continue  # "Al", "Jo": too short to mean one person
            # The registry wins a clash with a cameo owner's name: a public figure stays protected.
            if key not in self._names or person.kind == "registry":
                self._names[key] = person
            self.longest = max(self.longest, key.count(" ") + 1)

    def __len__(self) -> int:
        return len(self._names)

    def find(self, text: str) -> list[Hit]:
        """Every name in `text`, longest match first at each position, left to right."""
        words = normalise(text).split()
        hits: list[Hit] = []
        i = 0
        while i < len(words):
            for n in range(min(self.longest, len(words) - i), 0, -1):
                key = " ".join(words[i : i + n])
                person = self._names.get(key)
                if person is not None:
                    hits.append(Hit(person, key))
                    i += n
                    break
            else:
                i += 1
        return hits
