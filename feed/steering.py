"""A For You steered in the person's own words (PUT /api/v1/feed/steer; docs/feed-ranking.md § Steering).

The text is read as parts to show more of and parts to show less of ("more cooking and animals, less
sports" → more: cooking, animals; less: sports). The worker embeds each part with MiniLM
(core.sentences), as it embeds every published video's caption and prompt (feed.tasks).

A steered page re-ranks a window of the unsteered order: the next `steer_window` × page size videos of
it, plus the best candidates left over from the page before (carried in the cursor). Each gets

    rank + steer_more × max(0, closeness to the closest "more" part − steer_floor)
         − steer_less × max(0, closeness to the closest "less" part − steer_floor)

(closeness: cosine of the MiniLM embeddings; short unrelated texts score 0–0.25, related ones 0.3–0.6),
and the page is the best of them, at most `max_in_a_row` of one author in a row. Up to two pages'
worth of the rest are carried to the next page; the others are passed over for this scroll, which is
how "less X" empties the feed of X. A video not embedded yet is neither lifted nor pushed down.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from django.db import connection, transaction
from django.utils import timezone

from accounts.models import User
from core.exceptions import InvalidInput
from core.sentences import DIMENSIONS
from feed.conf import conf
from feed.models import Steer, VideoEmbedding

MAX_PARTS = 8
# Words that open a part and say which way it steers; the polarity carries to the parts after it
# ("less sports and politics": both less).
_LESS = re.compile(
    r"^(?:less|fewer|no more|no|not|without|avoid|hide|skip|stop showing|stop|never|don'?t show|do not show|"
    r"not so much|nothing about|nothing with|minus)\b\s*(?:of\s+)?",
)
_MORE = re.compile(
    r"^(?:more|much more|lots of|lots more|show me|i want|i like|i love|plus|only|some|extra)\b\s*(?:of\s+)?"
)
_SPLIT = re.compile(r"\s*(?:[,;.!?\n/&+]|\band\b|\bbut\b|\bor\b|\bplease\b)\s*")
_FILLER = re.compile(r"\b(?:videos?|clips?|stuff|content|things|posts?|please)\b")


class NothingToSteerBy(ValueError):
    """The text names nothing to show more or less of."""


@dataclass(frozen=True)
class Parts:
    more: list[str]
    less: list[str]


def parse(text: str) -> Parts:
    """What to show more of and less of, in the words of `text` (lower case, in order, no repeats)."""
    text = " ".join(unicodedata.normalize("NFKC", text).lower().split())
    more: list[str] = []
    less: list[str] = []
    negative = False
    for raw in _SPLIT.split(text):
        words = raw.strip(" '\"-")
        while (m := _LESS.match(words) or _MORE.match(words)) is not None and m.end():  # "i want more cats"
            negative, words = m.re is _LESS, words[m.end() :]
        part = " ".join(_FILLER.sub(" ", words).split()).strip(" '\"-")
        if len(part) < 2 or part in more or part in less:
            continue
        (less if negative else more).append(part)
    if not more and not less:
        raise NothingToSteerBy("Say what to see more or less of, e.g. “more cooking, less sports”.")
    return Parts(more[:MAX_PARTS], less[: max(0, MAX_PARTS - len(more[:MAX_PARTS]))])


@dataclass(frozen=True)
class Steering:
    """The embedded parts of a person's preference, as For You applies them."""

    more: np.ndarray  # (m, 384), L2-normalised
    less: np.ndarray  # (l, 384)

    @classmethod
    def from_blob(cls, blob: bytes | memoryview, n_more: int) -> Steering:
        matrix = np.frombuffer(bytes(blob), dtype=np.float32).reshape(-1, DIMENSIONS)
        return cls(matrix[:n_more], matrix[n_more:])

    def terms(self, video_ids: Sequence[int]) -> dict[int, float]:
        """The steering term of each video that has an embedding (the others: none)."""
        if not video_ids:
            return {}
        k = conf()
        closeness = _closeness(list(video_ids), self.more, self.less)
        return {
            vid: k.steer_more * max(0.0, more - k.steer_floor) - k.steer_less * max(0.0, less - k.steer_floor)
            for vid, (more, less) in closeness.items()
        }


def _literal(vector: np.ndarray) -> str:
    return "[" + ",".join(f"{float(v):.6g}" for v in vector) + "]"


def _closeness(ids: list[int], more: np.ndarray, less: np.ndarray) -> dict[int, tuple[float, float]]:
    """Per video: the highest cosine to any `more` part and to any `less` part (-1 when none)."""
    if connection.vendor == "postgresql":
        vectors = [*more, *less]
        sims = ["1 - (embedding <=> %s::vector)" for _ in vectors]
        m, n = len(more), len(less)
        best_more = f"GREATEST({', '.join(sims[:m])})" if m else "-1"
        best_less = f"GREATEST({', '.join(sims[m:])})" if n else "-1"
        with connection.cursor() as cursor:
            cursor.execute(
                f"SELECT video_id, {best_more}, {best_less} FROM {VideoEmbedding._meta.db_table} "  # noqa: S608
                "WHERE video_id = ANY(%s)",
                [*(_literal(v) for v in vectors), ids],
            )
            return {int(v): (float(a), float(b)) for v, a, b in cursor.fetchall()}
    rows = list(VideoEmbedding.objects.filter(video_id__in=ids).values_list("video_id", "embedding"))
    if not rows:
        return {}
    matrix = np.stack([np.asarray(e, dtype=np.float32) for _, e in rows])
    none = np.full(len(rows), -1.0)
    closest_more = (matrix @ more.T).max(axis=1) if len(more) else none
    closest_less = (matrix @ less.T).max(axis=1) if len(less) else none
    return {int(vid): (float(a), float(b)) for (vid, _), a, b in zip(rows, closest_more, closest_less, strict=True)}


# --- the person's preference -------------------------------------------------------------------------


def steer_of(user: User) -> Steer | None:
    return Steer.objects.filter(user=user).first()


def steering_for(viewer_id: int | None) -> Steering | None:
    """What For You applies for this viewer: None when unsteered or not embedded yet."""
    if viewer_id is None:
        return None
    row = Steer.objects.filter(user_id=viewer_id, vectors__isnull=False).values_list("vectors", "more").first()
    return Steering.from_blob(row[0], len(row[1])) if row and row[0] is not None else None


@transaction.atomic
def steer_set(*, user: User, text: str) -> Steer:
    """Set the person's standing preference; the worker embeds it (until then For You is unsteered)."""
    text = " ".join(text.split())
    limit = conf().steer_max_chars
    if len(text) > limit:
        raise InvalidInput({"text": [f"At most {limit} characters."]})
    try:
        parts = parse(text)
    except NothingToSteerBy as exc:
        raise InvalidInput({"text": [str(exc)]}) from exc
    steer, _ = Steer.objects.update_or_create(
        user=user,
        defaults={"text": text, "more": parts.more, "less": parts.less, "vectors": None, "updated_at": timezone.now()},
    )
    from feed.tasks import embed_steer

    stamp = steer.updated_at.isoformat()
    transaction.on_commit(lambda: embed_steer.delay(user.pk, stamp))
    return steer


def steer_clear(*, user: User) -> None:
    Steer.objects.filter(user=user).delete()


def steer_embed(*, user_id: int, stamp: str) -> bool:
    """Worker: embed the preference set at `stamp` (a newer one supersedes it). True when stored."""
    from core.sentences import embed

    steer = Steer.objects.filter(user_id=user_id).first()
    if steer is None or steer.updated_at.isoformat() != stamp:
        return False
    vectors = embed([*steer.more, *steer.less])
    return bool(
        Steer.objects.filter(user_id=user_id, updated_at=steer.updated_at).update(
            vectors=np.ascontiguousarray(vectors, dtype=np.float32).tobytes()
        )
    )
