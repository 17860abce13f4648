"""Protected people described without their names ("the 44th president of the United States"), by meaning.

Workers only (torch, through moderation.semantic's MiniLM). Each registry entry's one-line description,
and each of the things they are known for (`known_for`: "the singer of Umbrella", which is far from a
line that lists several facts), is embedded once per process and registry version. A prompt is
embedded whole and in overlapping windows of its words (a description is usually a phrase inside a
longer prompt: "the singer of Shake It Off dancing in the rain"). A person is described when a window
is at least DESCRIPTION_THRESHOLD similar to one of their texts and closer to it, by
DESCRIPTION_MARGIN, than to any generic role ("a president", "a singer"): without the margin every
prompt about *a* president would be about the 44th. Both numbers were chosen on
tests/data/names_*.jsonl (BENCHMARKS.md § Protected people).

A window that passes both must also read as a description of one specific famous person, not of an
ordinary one with the same role: "the gymnast from a local club" is as close to Simone Biles' line as
"the most decorated gymnast in history" is. A logistic regression over the window's embedding says
which (`specific()`), reading the window with the words after it ("the heavyweight boxing champion
of" is Tyson Fury's line until "a village fair" follows). It is fitted by `manage.py protected_people
embed` on the starter registry's lines (people who are someone) against data/ordinary_roles.txt (600
lines of the same form about nobody in particular, "the mayor of a small farming town in Iowa"), each
also set in random scenes; the window counts when the model gives it at least DESCRIPTION_SPECIFIC,
or when the model reads the person's own line as anyone's (a private person an estate registered).
A window close to a known_for phrase needs KNOWN_FOR_SPECIFIC, higher, and has no such exception: a
short phrase is close to more ordinary prompts than a whole line is.
"""

from __future__ import annotations

import hashlib
import logging
import os
import re
import threading
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import numpy as np

from core.text import fold
from moderation.conf import conf
from moderation.selectors import names_version, registry_descriptions

logger = logging.getLogger(__name__)

# What a description says about someone, minus who they are: the roles public figures have. A prompt
# window that is as close to one of these as to a description is about the role, not the person.
GENERIC: tuple[str, ...] = (
    "a president",
    "a president giving a speech",
    "a prime minister",
    "a politician",
    "a king",
    "a queen",
    "a prince",
    "a pope",
    "a priest",
    "a singer",
    "a pop star singing on stage",
    "a rapper",
    "a rock band",
    "a guitarist",
    "an actor",
    "an actress",
    "a movie star",
    "a film director",
    "a comedian",
    "a dancer",
    "someone dancing",  # "@ana dancing in the rain" is not Gene Kelly (Singin' in the Rain)
    "a tv host",
    "a news anchor",
    "a footballer",
    "a soccer player scoring a goal",
    "a basketball player",
    "a tennis player",
    "a golfer",
    "a boxer",
    "a sprinter",
    "a racing driver",
    "a baseball player",
    "a swimmer",
    "an athlete",
    "a businessman",
    "a tech billionaire",
    "a ceo",
    "a scientist",
    "an astronaut",
    "a writer",
    "an activist",
    "a model on a runway",
    "someone famous",
    # The other roles that head the starter registry's descriptions, and family ties ("the younger
    # sister of Queen Elizabeth II"): "the wrestler in a backyard match" was Rey Mysterio, "a
    # grandmother named Elizabeth" Princess Margaret.
    "an author",
    "a novelist",
    "a playwright",
    "a poet",
    "a wrestler",
    "a composer",
    "a chef",
    "a journalist",
    "a governor",
    "a mayor",
    "a chancellor",
    "a team captain",
    "a champion",
    "a supermodel",
    "a youtuber",
    "a dj",
    "a physicist",
    "a grandmother",
    "a sister",
    "a mother",
    "a wife",
)

_lock = threading.Lock()
_cache: dict[str, tuple[str, list[Text], np.ndarray]] = {}


@dataclass(frozen=True)
class Text:
    """One text of a registry entry: their description, or one thing they are known for."""

    person_id: int
    name: str
    phrase: bool  # a known_for phrase (False: the description)
    named: frozenset[str] = frozenset()  # a phrase's named things (named()): one must be in the prompt


# Capitalised words that are titles or articles, not names: "the Queen of Soul" names Soul, not Queen;
# "The Wolf of Wall Street" names Wolf, Wall and Street.
TITLES = frozenset(
    {
        *("queen", "king", "president", "prime", "minister", "pope", "prince", "princess", "duke", "duchess"),
        *("sir", "dame", "lady", "lord", "saint", "st", "mr", "mrs", "the", "a", "an", "of"),
    }
)


_WORD = re.compile(r"[\w'’-]+")


def _stems(text: str) -> set[str]:
    """Each word's first four letters, folded: a crude stem ("British" and "Britain", "Singles" and
    "Single")."""
    return {fold(word)[:4] for word in _WORD.findall(text)}


def named(phrase: str) -> frozenset[str]:
    """The stems of what a known_for phrase names: its capitalised words after the first, titles aside,
    and any word with a digit ("the singer of Umbrella" → umbr; "the 44th president" → 44th; "the
    first woman in space" → none). A window close to a phrase that names something counts only if
    its words (with their context) include one of them: "the queen of hearts from a deck of cards" is
    as close to "the Queen of Soul" as a description of her, and "the president of the chess club"
    to "the reclusive chess genius who forfeited his title in 1975"."""
    words = _WORD.findall(phrase)
    return frozenset(
        fold(word)[:4]
        for i, word in enumerate(words)
        if any(c.isdigit() for c in word) or (i > 0 and word[:1].isupper() and word.lower() not in TITLES)
    )


@dataclass(frozen=True)
class Described:
    person_id: int
    name: str
    similarity: float


CONTEXT = 6  # words after a window that the model behind specific() reads with it


def windows(prompt: str, sizes: tuple[int, ...] = (5, 8, 11), stride: int = 2) -> list[tuple[str, str]]:
    """The prompt and its overlapping word windows, each with its context: the window and the CONTEXT
    words after it, which say whom a role belongs to ("the heavyweight boxing champion of" ... "a
    village fair"). The same words at two places are two windows, each with its own context. Five
    words at least: four are often a role and its article alone ("the first woman to" is as close to
    Sally Ride's line, "the first American woman in space", as a description of her)."""
    words = prompt.split()
    found: dict[tuple[str, str], None] = {(prompt, prompt): None}
    for size in sizes:
        if size >= len(words):
            continue
        for start in dict.fromkeys([*range(0, len(words) - size + 1, stride), len(words) - size]):
            window = " ".join(words[start : start + size])
            found.setdefault((window, " ".join(words[start : start + size + CONTEXT])), None)
    return list(found)


def _index() -> tuple[list[Text], np.ndarray]:
    """Every registry entry's description and known_for phrases (one Text a row), and their
    embeddings, for the registry's current version. A change embeds only the texts not seen before."""
    version = names_version()
    cached = _cache.get("index")
    if cached is not None and cached[0] == version:
        return cached[1], cached[2]
    with _lock:
        cached = _cache.get("index")
        if cached is not None and cached[0] == version:
            return cached[1], cached[2]
        rows = registry_descriptions()
        people = [Text(pk, name, phrase, named(text) if phrase else frozenset()) for pk, name, text, phrase in rows]
        vectors = _embedded([text for _, _, text, _ in rows])
        matrix = np.stack(vectors) if vectors else np.zeros((0, DIMENSIONS), dtype=np.float32)
        _cache["index"] = (version, people, matrix)
        return people, matrix


DIMENSIONS = 384
# The starter registry's descriptions and known_for phrases, embedded ahead (`manage.py protected_people
# embed` rewrites the file): float16, keyed by the first 16 hex digits of each text's SHA-256.
SHIPPED = Path(__file__).resolve().parent / "data" / "starter" / "descriptions.npz"
_known: dict[str, np.ndarray] = {}  # text digest → embedding, for this process


def digest(text: str) -> str:
    return hashlib.sha256(" ".join(text.split()).encode()).hexdigest()[:16]


@lru_cache(maxsize=1)
def _shipped() -> dict[str, np.ndarray]:
    if not SHIPPED.exists():
        return {}
    with np.load(SHIPPED) as data:
        return dict(zip(data["keys"].tolist(), data["vectors"].astype(np.float32), strict=True))


def _embedded(texts: list[str]) -> list[np.ndarray]:
    """Embeddings of `texts`: shipped with the starter list, else from this process's memory, then the
    shared cache (Redis when configured, so a new worker does not embed them again), then MiniLM for
    the rest (~250 short texts a second on 2 cores, in batches), which are stored in both."""
    from django.core.cache import cache

    from moderation import semantic

    keys = [digest(t) for t in texts]
    shipped = _shipped()
    missing = {k: t for k, t in zip(keys, texts, strict=True) if k not in shipped and k not in _known}
    if missing:
        stored = cache.get_many([f"castfeed:description:{k}" for k in missing])
        for k in list(missing):
            data = stored.get(f"castfeed:description:{k}")
            if data is not None:
                _known[k] = np.frombuffer(data, dtype=np.float32)
                del missing[k]
        if missing:
            vectors = semantic.embed(list(missing.values()))
            cache.set_many(
                {f"castfeed:description:{k}": v.tobytes() for k, v in zip(missing, vectors, strict=True)}, timeout=None
            )
            _known.update(zip(missing, vectors, strict=True))
    return [shipped[k] if k in shipped else _known[k] for k in keys]


def embed_all(texts: list[str], path: Path) -> int:
    """Embed `texts` and write them as a file of the SHIPPED kind; the number written."""
    from moderation import semantic

    unique = list(dict.fromkeys(" ".join(t.split()) for t in texts if t.strip()))
    vectors = semantic.embed(unique) if unique else np.zeros((0, DIMENSIONS), dtype=np.float32)
    save(path, keys=np.array([digest(t) for t in unique]), vectors=vectors.astype(np.float16))
    return len(unique)


def save(path: Path, **arrays: np.ndarray) -> None:
    """np.savez_compressed to a file beside `path`, then renamed over it: a worker loading it meanwhile
    reads the old file or the new one, never half of one."""
    partial = path.with_name(f".{path.name}.partial")
    with partial.open("wb") as handle:
        np.savez_compressed(handle, **arrays)  # type: ignore[arg-type]
    os.replace(partial, path)


@lru_cache(maxsize=1)
def _generic() -> np.ndarray:
    from moderation import semantic

    return semantic.embed(list(GENERIC))


def scores(prompt: str, texts: list[Text], matrix: np.ndarray) -> np.ndarray:
    """Per registry text (`texts` and their embeddings `matrix`, from _index()), its similarity to
    each of the prompt's windows and how much closer each window is to it than to the nearest generic
    role: (similarity, margin), both windows × texts."""
    from moderation import semantic

    vectors = semantic.embed([window for window, _ in windows(prompt)])
    similarity = vectors @ matrix.T if texts else np.zeros((len(vectors), 0), dtype=np.float32)
    generic = (vectors @ _generic().T).max(axis=1, keepdims=True)  # windows × 1
    return np.stack([similarity, similarity - generic])


# --- someone in particular, or anyone with the role -------------------------------------------------

SPECIFIC = SHIPPED.with_name("specific.npz")  # the fitted model: `coef` (DIMENSIONS), `intercept`
ORDINARY = Path(__file__).resolve().parent / "data" / "ordinary_roles.txt"
# What a prompt does with a description ("the singer of X dancing in the rain"): when fitting, each
# line is also set in a few of these scenes, drawn at random for both kinds alike, so that what
# someone is doing and where says nothing about who they are.
ACTIONS: tuple[str, ...] = (
    "walking",
    "dancing",
    "laughing",
    "giving a speech",
    "eating noodles",
    "drinking coffee",
    "reading a newspaper",
    "riding a bicycle",
    "waving",
    "cooking dinner",
    "sleeping",
    "painting a wall",
    "playing the piano",
    "shaking hands",
    "signing autographs",
    "fishing",
    "running",
    "taking a selfie",
    "feeding ducks",
    "singing",
    "crying",
    "arguing",
    "posing for photographers",
    "driving a convertible",
    "surfing",
    "building a snowman",
    "opening a present",
    "juggling",
    "climbing a ladder",
    "answering questions",
)
PLACES: tuple[str, ...] = (
    "on a beach at sunset",
    "in a busy market",
    "in a park",
    "on a rainy street at night",
    "in a kitchen",
    "on a stage",
    "in front of a crowd",
    "on a boat",
    "in a garden",
    "on a rooftop",
    "in an office",
    "in the desert",
    "in a forest",
    "at an airport",
    "in a stadium",
    "in a classroom",
    "on the moon",
    "in a hospital corridor",
    "in a train station",
    "at a wedding",
    "in the snow",
    "in a library",
    "on a red carpet",
    "in a diner",
    "in slow motion",
    "in the style of a watercolor painting",
    "shot on 35mm film",
    "as a claymation figure",
    "in black and white",
    "as an anime character",
)


@lru_cache(maxsize=1)
def _specific_model() -> tuple[np.ndarray, float] | None:
    """The model in SPECIFIC, or None (logged) when the file is missing or unreadable: then every
    close window counts, as before the model (more refusals, never fewer)."""
    try:
        with np.load(SPECIFIC) as data:
            return data["coef"].astype(np.float32).reshape(DIMENSIONS), float(data["intercept"])
    except (OSError, KeyError, ValueError) as exc:
        logger.error("%s is missing or unreadable (%s): descriptions are matched without it", SPECIFIC, exc)
        return None


def specific(vectors: np.ndarray) -> np.ndarray:
    """For each embedded window, the probability that it describes one specific famous person rather
    than anyone with that role (the model in SPECIFIC; 1 for every window without it)."""
    model = _specific_model()
    if model is None:
        return np.ones(len(vectors), dtype=np.float32)
    coef, intercept = model
    return 1.0 / (1.0 + np.exp(-(vectors @ coef + intercept)))


def _own_specific(matrix: np.ndarray) -> np.ndarray | None:
    """specific() of each registry text (the rows of _index()'s `matrix`); None without the model."""
    if _specific_model() is None:
        return None
    cached = _own.get("own")
    if cached is not None and cached[0] is matrix:
        return cached[1]
    own = specific(matrix)
    _own["own"] = (matrix, own)
    return own


_own: dict[str, tuple[np.ndarray, np.ndarray]] = {}  # the index's matrix → specific() of each text


def fit_specific(someone: list[str], ordinary: list[str], path: Path, *, seed: int = 0) -> float:
    """Fit the model behind `specific()` on descriptions of people who are someone (the registry's
    lines) and of ordinary people (ORDINARY), each also set in scenes, and write it to `path`; the
    share of the training texts it classifies right."""
    import random

    from sklearn.linear_model import LogisticRegression

    from moderation import semantic

    rng = random.Random(seed)  # noqa: S311 (which scene, for fitting: nothing secret)

    def staged(texts: list[str], copies: int) -> list[str]:
        out = []
        for text in texts:
            out.append(text)
            for _ in range(copies):
                scene = f"{rng.choice(ACTIONS)} {rng.choice(PLACES)}"
                out.append(f"{text} {scene}" if rng.random() < 0.6 else f"{scene}, {text}")
        return out

    positive, negative = staged(someone, 2), staged(ordinary, 2)  # as many scenes each: a scene says nothing
    vectors = semantic.embed(positive + negative)
    labels = np.array([1] * len(positive) + [0] * len(negative))
    weights = np.where(labels == 1, len(negative) / len(positive), 1.0)  # the two classes weigh the same
    model = LogisticRegression(C=1.0, max_iter=2000).fit(vectors, labels, sample_weight=weights)
    save(path, coef=model.coef_[0].astype(np.float32), intercept=np.array(model.intercept_[0], dtype=np.float32))
    _specific_model.cache_clear()
    return float(model.score(vectors, labels, sample_weight=weights))


def described(prompt: str) -> list[Described]:
    """The protected people the prompt describes, most similar first: those for whom one window of
    the prompt is similar enough to their description or to one thing they are known for, closer by
    the margin than to any generic role, and reads as a description of someone in particular
    (`specific`: at least DESCRIPTION_SPECIFIC for a description, KNOWN_FOR_SPECIFIC for a known_for
    phrase). A description the model itself reads as anyone's (a private person an estate
    registered, "the late owner of a bakery in Naples") is matched on similarity alone."""
    knobs = conf()
    texts, matrix = _index()  # once: a registry change meanwhile must not mix two versions' rows
    similarity, margin = scores(prompt, texts, matrix)
    close = (similarity >= knobs.description_threshold) & (margin >= knobs.description_margin)
    own = _own_specific(matrix) if close.any() else None
    contexts = [context for _, context in windows(prompt)]
    if own is not None:
        from moderation import semantic

        phrase = np.array([t.phrase for t in texts], dtype=bool)
        needed = np.where(phrase, knobs.known_for_specific, knobs.description_specific)
        anyones = ~phrase & (own < knobs.description_specific)
        rows = np.nonzero(close.any(axis=1))[0]
        particular = specific(semantic.embed([contexts[i] for i in rows]))
        close[rows] &= (particular[:, None] >= needed[None, :]) | anyones[None, :]
    for window, column in zip(*np.nonzero(close), strict=True):
        wanted = texts[column].named
        if wanted and not wanted & _stems(contexts[window]):
            close[window, column] = False
    qualifying = np.where(close, similarity, -1.0).max(axis=0, initial=-1.0)
    hits: dict[int, Described] = {}  # a person has a row for each of their texts: the closest counts
    for text, best in zip(texts, qualifying, strict=True):
        if best >= 0 and (text.person_id not in hits or best > hits[text.person_id].similarity):
            hits[text.person_id] = Described(text.person_id, text.name, float(best))
    return sorted(hits.values(), key=lambda d: -d.similarity)


def forget() -> None:
    _cache.clear()
    _own.clear()
