"""A stand-in for a video model that knows people: it draws a registered person's face whenever the
prompt refers to them, however it is spelled. Tests only (never selectable in settings).

A real text-to-video model draws public figures from their names, their misspellings, leetspeak and
look-alike letters, and from descriptions of them; the composite backend only draws the faces it is
handed. KnowsPeopleBackend closes that gap for tests of the output scan: it decides who the prompt
refers to with its own recogniser, deliberately independent of the product's (it never calls
moderation.names, the description matcher or the consent gate; it borrows only the list of generic
roles) and knowing more than it, then hands those people's reference crops to the composite backend as nameless cameos.

The recogniser (measured on the starter list, moderation/data/starter, 2,336 people, against the
510 prompts of tests/data/prompts*.jsonl):
- folds the prompt aggressively: NFKC, format and invisible characters removed, casefolded, accents
  stripped, non-ASCII look-alike letters mapped to the ASCII letter they imitate (TR39 confusables as
  shipped by confusable-homoglyphs), and read three ways: leetspeak undone (4@→a, 3→e, 0→o, 5$→s,
  7+→t, 8→b, 9→g) with 1!| as i, the same with 1!| as l, and as written; then only letters and
  digits are kept, as words;
- a name or alias of several words and at least JOINED_MIN letters is found anywhere in the joined
  letters of the prompt ("T3ss-Ex4mple", "t e s s e x a m p l e") within `allowed_edits` wrong,
  missing or extra letters (Levenshtein distance to a substring), as long as each of its words keeps
  more than half its letters ("presidential" is not "President Xi"). No starter name was found in a
  prompt that does not mention that person, except "a bad bunny hopping in the garden" (Bad Bunny);
  two edits from 10 letters would have added "The Governator", "Colin Firth" and "Randy Savage";
- a shorter name of several words must be a run of whole words, exactly; a single-word name or alias
  a whole word (one wrong letter allowed from SINGLE_FUZZY_MIN letters);
- a description is compared by meaning (all-MiniLM-L6-v2 through moderation.semantic) with the whole
  prompt and windows of its words. What the model knows of a person is the registry's one line and
  the facts a web-trained model would have read about them (tests/data/known_facts.jsonl: 6-10
  phrases for each person the adversarial set targets, "the singer of Umbrella", "the actor who
  played Maverick in Top Gun", written from general knowledge by a writer who had not seen the test
  prompts). The person is drawn when a window is at least DESCRIPTION_THRESHOLD (0.70) similar to
  one of these and DESCRIPTION_MARGIN (0.1) closer to it than to any generic role ("a singer", "a
  president": the product's list, moderation.descriptions.GENERIC). Measured with the facts alone:
  46 of the 50 descriptions of tests/data/names_adversarial.jsonl and 67 of the 70 held out, while
  3 of 385 benign prompts and 5 of the 70 held-out definite roles ("the princess of a child's
  birthday party", "the heavyweight champion of a school arm-wrestling tournament") draw someone.
  The rule before the facts (the registry's line at 0.60, no margin) drew the pope for "the pope of
  a made-up religion of cats".
  A test that needs fewer people passes `description_threshold` (None: names only).
"""

from __future__ import annotations

import json
import re
import unicodedata
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field, replace
from functools import cache
from pathlib import Path

import numpy as np

from generation.backends.base import CameoRef, Progress, RenderRequest
from moderation.descriptions import GENERIC as GENERIC_ROLES

JOINED_MIN = 8  # names and aliases with at least this many letters are matched inside the joined text
# A single word is matched exactly (after leetspeak and look-alikes): a model does not read "mandala"
# as Mandela or "buffet" as Buffett. (Kept as a knob: set it to 7 to allow one wrong letter from 7.)
SINGLE_FUZZY_MIN = 99
WEAK_BELOW = 10  # names of one word, or of fewer letters, must be written as a name (_written_as_name)
# Cosine (MiniLM) between a description or fact and the prompt or a window of its words from which the
# prompt refers to that person (measured: see above).
DESCRIPTION_THRESHOLD = 0.70
DESCRIPTION_MARGIN = 0.1  # ... and at least this much closer to it than to any generic role
FACTS = Path(__file__).resolve().parent / "data" / "known_facts.jsonl"
WINDOW_SIZES = (4, 6, 9, 12)
CROP_SIZE = 224

LEET = {"4": "a", "@": "a", "3": "e", "0": "o", "5": "s", "$": "s", "7": "t", "+": "t", "8": "b", "9": "g"}
LEET_ONE = "1!|"  # i or l: the text is read both ways


def allowed_edits(letters: int) -> int:
    """Wrong, missing or extra letters tolerated in a name of `letters` letters (joined): one, two
    from 14 letters. ("a swift taylor sewing" is three edits from "taylorswift", "the governor of"
    two from "thegovernator".)"""
    return 2 if letters >= 14 else 1


# --- folding ---------------------------------------------------------------------------------------


@cache
def _homoglyphs() -> dict[str, str]:
    """Non-ASCII character → the ASCII letter it looks like (lowercase), from TR39 confusables."""
    from confusable_homoglyphs.utils import load

    table: dict[str, str] = {}
    for char, glyphs in load("confusables.json").items():
        if len(char) != 1 or char.isascii():
            continue
        for glyph in glyphs:
            c = glyph["c"].replace("\u200e", "").replace("\u200f", "")
            if len(c) == 1 and c.isascii() and c.isalpha():
                table[char] = c.lower()
                break
    return table


def _invisible(char: str) -> bool:
    code = ord(char)
    return (
        unicodedata.category(char) in {"Cf", "Cc", "Co", "Cn", "Mn", "Me"}
        or 0x180B <= code <= 0x180F
        or 0xFE00 <= code <= 0xFE0F
        or 0xE0000 <= code <= 0xE0FFF
        or code in {0x034F, 0x115F, 0x1160, 0x17B4, 0x17B5, 0x3164, 0xFFA0}
    ) and char not in "\t\n\r"


def _letters(text: str) -> str:
    """NFKC, invisible characters dropped, casefolded, accents stripped, look-alikes mapped to ASCII."""
    text = unicodedata.normalize("NFKC", text)
    text = "".join(c for c in text if unicodedata.category(c) not in {"Cf", "Cc"} or c in "\t\n\r")
    text = unicodedata.normalize("NFKD", text.casefold())
    text = "".join(c for c in text if not _invisible(c))  # combining marks (accents) too
    table = _homoglyphs()
    return "".join(table.get(c, c) if not c.isascii() else c for c in text).lower()


def readings(text: str) -> list[list[str]]:
    """The prompt's words (ASCII letters and digits) in each way of reading it: leetspeak undone
    with 1!| as i, then as l, and as written (digits kept, other symbols separate words)."""
    base = _letters(text)
    out = []
    for one in ("i", "l", None):
        mapped = base if one is None else "".join(LEET.get(c, one if c in LEET_ONE else c) for c in base)
        words = re.findall(r"[a-z0-9]+", mapped)
        if words not in out:
            out.append(words)
    return out


def fold_name(name: str) -> list[str]:
    """A name's words as the recogniser compares them (no leetspeak undone: a name's digits are its
    own, "Mr. 360")."""
    return re.findall(r"[a-z0-9]+", _letters(name))


# --- the recogniser --------------------------------------------------------------------------------


@dataclass(frozen=True, eq=False)  # eq=False: the crops are arrays; people are compared by identity
class KnownPerson:
    person_id: int
    names: list[str]  # the name and the aliases
    description: str
    crops: list[np.ndarray] = field(default_factory=list, repr=False)  # CameoRef crops (BGR, square)
    facts: tuple[str, ...] = ()  # what the model read about them besides the registry's line

    def knowledge(self) -> list[str]:
        return [text for text in (self.description, *self.facts) if text.strip()]


def _windows(letters: str, width: int) -> list[str]:
    if len(letters) <= width:
        return [letters]
    return [letters[i : i + width] for i in range(len(letters) - width + 1)]


def _edits_fit(parts: list[str], joined: str, window: str) -> bool:
    """Whether the edits that turn `joined` into `window` leave each word of the name more than
    half its letters ("president xi" is not "presidential": the "xi" would be all wrong)."""
    from rapidfuzz.distance import Levenshtein

    owner = [k for k, part in enumerate(parts) for _ in part]
    counts = [0] * len(parts)
    for op in Levenshtein.editops(joined, window):
        counts[owner[min(op.src_pos, len(joined) - 1)]] += 1
    return all(count <= (len(part) - 1) // 2 for count, part in zip(counts, parts, strict=True))


def _joined_found(parts: list[str], joined: str, words: list[str]) -> bool:
    """A name of several words anywhere in the prompt's joined letters, within allowed_edits."""
    from rapidfuzz import fuzz, process
    from rapidfuzz.distance import Levenshtein

    letters = "".join(words)
    budget = allowed_edits(len(joined))
    if fuzz.partial_ratio(joined, letters) < 100 * (1 - 2 * budget / len(joined)) - 5:
        return False  # a cheap bound: k edits cost at most 2k insertions and deletions
    for width in range(max(1, len(joined) - budget), len(joined) + budget + 1):
        close = process.extract(
            joined, _windows(letters, width), scorer=Levenshtein.distance, score_cutoff=budget, limit=None
        )
        if any(_edits_fit(parts, joined, window) for window, _, _ in close):
            return True
    return False


def _run_found(joined: str, words: list[str]) -> bool:
    """A run of whole words of the prompt that spells `joined` exactly."""
    for start in range(len(words)):
        run = ""
        for word in words[start:]:
            run += word
            if run == joined:
                return True
            if len(run) >= len(joined):
                break
    return False


def _weak(name: str) -> bool:
    """A name that is also everyday words ("Drake", "The Rock", "Queen Bey"): one word, or short."""
    parts = fold_name(name)
    return len(parts) == 1 or len("".join(parts)) < WEAK_BELOW


def _written_as_name(prompt: str, name: str) -> bool:
    """Whether the prompt writes a weak name the way a name is written: a capital (in a prompt that is
    not in Title Case, where capitals say nothing), digits or symbols for letters, or letters from
    another alphabet. "a drake on a pond" and "A Drake On A Pond" are ducks; "Drake on stage" is not."""
    parts = set(fold_name(name))
    tokens = re.findall(r"\S+", unicodedata.normalize("NFKC", prompt))
    words = [t for t in tokens if any(c.isalpha() for c in t)]
    if len(words) > 2 and sum(t[0].isupper() for t in words) >= 0.8 * len(words):
        return False
    for token in tokens:
        if not {"".join(r) for r in readings(token)} & parts:
            continue
        letters = [c for c in token if c.isalnum()]
        if letters and (letters[0].isupper() or any(not (c.isascii() and c.isalpha()) for c in letters)):
            return True
    return False


def name_found(name: str, words_readings: Sequence[list[str]]) -> bool:
    """Whether `name` (a name or an alias) is in any reading of a prompt."""
    from rapidfuzz.distance import Levenshtein

    parts = fold_name(name)
    joined = "".join(parts)
    if not joined:
        return False
    for words in words_readings:
        if len(parts) == 1:  # one word: only a whole word of the prompt
            cutoff = 1 if len(joined) >= SINGLE_FUZZY_MIN else 0
            if any(Levenshtein.distance(joined, w, score_cutoff=cutoff) <= cutoff for w in words):
                return True
        elif _joined_found(parts, joined, words) if len(joined) >= JOINED_MIN else _run_found(joined, words):
            return True
    return False


def prompt_windows(prompt: str) -> list[str]:
    """The prompt and overlapping runs of its words (a description is often a phrase inside it)."""
    words = prompt.split()
    out = [" ".join(words)]
    for size in WINDOW_SIZES:
        if len(words) > size:
            out += [" ".join(words[i : i + size]) for i in range(0, len(words) - size + 1, 2)]
    return out


_vectors: dict[str, np.ndarray] = {}  # text → its MiniLM embedding, for this process


def _embedded(texts: Sequence[str]) -> np.ndarray:
    """The texts' embeddings, each text embedded once per process (which texts a prompt compares
    depends on whom its names already found)."""
    from moderation import semantic

    missing = list(dict.fromkeys(t for t in texts if t not in _vectors))
    if missing:
        _vectors.update(zip(missing, semantic.embed(missing), strict=True))
    return np.stack([_vectors[t] for t in texts])


def description_scores(prompt: str, descriptions: Sequence[str]) -> np.ndarray:
    """Per description, the highest cosine (MiniLM) between it and a window of the prompt (or the
    whole prompt) that is DESCRIPTION_MARGIN closer to it than to any generic role; 0 where none is."""
    from moderation import semantic

    if not descriptions:
        return np.zeros(0, np.float32)
    text = " ".join(_letters(prompt).split())
    vectors = semantic.embed(prompt_windows(text))
    similarity = _embedded(descriptions) @ vectors.T  # descriptions × windows
    generic = (_embedded(GENERIC_ROLES) @ vectors.T).max(axis=0)  # windows
    return np.where(similarity >= generic + DESCRIPTION_MARGIN, similarity, 0.0).max(axis=1)


def recognise(
    prompt: str, people: Sequence[KnownPerson], *, description_threshold: float | None = DESCRIPTION_THRESHOLD
) -> list[KnownPerson]:
    """The people `prompt` refers to, by name, alias (however spelled), description or a fact about
    them (None: names only, no MiniLM)."""
    words_readings = readings(prompt)
    found = [
        p
        for p in people
        if any(name_found(n, words_readings) and (not _weak(n) or _written_as_name(prompt, n)) for n in p.names)
    ]
    rest = [(p, text) for p in people if p not in found for text in p.knowledge()]
    if rest and description_threshold is not None:
        scores = description_scores(prompt, [text for _, text in rest])
        found += [p for (p, _), score in zip(rest, scores, strict=True) if score >= description_threshold]
    return [p for p in people if p in found]  # in the given order


def known_facts() -> dict[str, tuple[str, ...]]:
    """FACTS by registry name key (moderation.registry.name_key of the person's name)."""
    from moderation.registry import name_key

    with FACTS.open(encoding="utf-8") as handle:
        rows = [json.loads(line) for line in handle if line.strip()]
    return {name_key(row["person"]): tuple(row["facts"]) for row in rows}


# --- the backend -----------------------------------------------------------------------------------


def crop_from_photo(image: np.ndarray, size: int = CROP_SIZE) -> np.ndarray | None:
    """A reference crop as the composite backend expects one (aligned, square, the face centred with
    a margin showing hair and chin: cameos.likeness.enrollment.reference_crop) of the largest face
    in a BGR photo, or None when YuNet finds no face."""
    from cameos.likeness.enrollment import reference_crop
    from cameos.likeness.faces import engine

    faces = engine().detect(image)
    return reference_crop(image, faces[0], size) if faces else None


class KnowsPeopleBackend:
    """Draws the people a prompt refers to (names, misspellings, leetspeak, look-alike letters,
    descriptions) with the composite backend, as a video model that knows them would."""

    name = "knows-people (tests only)"

    def __init__(
        self, people: Sequence[KnownPerson], *, description_threshold: float | None = DESCRIPTION_THRESHOLD
    ) -> None:
        self.people = list(people)
        self.description_threshold = description_threshold
        # Whom the last render() recognised (it draws the first MAX_CAMEOS minus the request's cameos).
        self.last_recognised: list[KnownPerson] = []

    @classmethod
    def from_registry(cls, *, description_threshold: float | None = DESCRIPTION_THRESHOLD) -> KnowsPeopleBackend:
        """Every ProtectedPerson with at least one face, its photos decoded from storage into
        reference crops, and what the model knows of them (known_facts())."""
        import cv2
        from django.core.files.storage import default_storage

        from moderation.models import ProtectedPerson

        facts = known_facts()
        people = []
        for person in ProtectedPerson.objects.filter(faces__isnull=False).distinct().prefetch_related("faces"):
            crops = []
            for face in sorted(person.faces.all(), key=lambda f: f.pk):
                with default_storage.open(str(face.photo.name), "rb") as handle:
                    image = cv2.imdecode(np.frombuffer(handle.read(), np.uint8), cv2.IMREAD_COLOR)
                crop = crop_from_photo(image) if image is not None else None
                if crop is not None:
                    crops.append(crop)
            if crops:
                names = [person.name, *(person.aliases or [])]
                people.append(KnownPerson(person.pk, names, person.description, crops, facts.get(person.name_key, ())))
        return cls(people, description_threshold=description_threshold)

    def recognise(self, prompt: str) -> list[KnownPerson]:
        return recognise(prompt, self.people, description_threshold=self.description_threshold)

    def render(self, request: RenderRequest, progress: Progress) -> Iterator[np.ndarray]:
        from generation.backends.composite import MAX_CAMEOS, CompositeBackend

        found = self.recognise(request.full_prompt)
        self.last_recognised = found
        room = max(0, MAX_CAMEOS - len(request.cameos))
        drawn = [CameoRef(handle="", instructions="", crops=list(p.crops)) for p in found[:room]]
        yield from CompositeBackend().render(replace(request, cameos=[*request.cameos, *drawn]), progress)
