"""A For You steered in the person's own words (PUT /api/v1/feed/steer; docs/feed-ranking.md § Steering).

The text is read as parts to show more of and parts to show less of ("more cooking and animals, less
sports" → more: cooking, animals; less: sports). The worker embeds each part with MiniLM
(core.sentences), as it embeds every published video's caption and prompt (feed.tasks), and matches
the STEER_CANDIDATES best-ranked published videos against them: those at least STEER_MORE_CLOSENESS
(cosine) to a "more" part, and those at least STEER_LESS_CLOSENESS to a "less" part, are stored as
SteerVideo rows, again every STEER_REFRESH_SECONDS so that new videos join. For You reads them as
two more streams (feed.ranking): what was asked for ranks STEER_BOOST higher, what was asked against
STEER_PENALTY lower, whatever else applies to it. A steered page costs what an unsteered one does,
plus two small indexed reads.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass

import numpy as np
from django.db import connection, transaction
from django.utils import timezone

from accounts.models import User
from accounts.services import people_keep
from core.exceptions import InvalidInput, NotFound
from core.sentences import DIMENSIONS
from core.text import canonical, display
from feed.conf import conf
from feed.embeddings import literal
from feed.models import Steer, SteerVideo, Video, VideoEmbedding

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
    """What to show more of and less of, in the words of `text` (lower case, in order, no repeats),
    read as prompts are (core.text.canonical: NFKC, invisible characters removed): a part of only
    zero-width spaces or joiners names nothing."""
    text = canonical(text, strict=False).lower()
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


def _closeness(more: np.ndarray, less: np.ndarray, top: int) -> list[tuple[int, int, float, float, float]]:
    """(video id, author id, hot score, closest "more" part, closest "less" part) for the `top`
    best-ranked published videos that have an embedding; -1 where there is no part of that kind."""
    if connection.vendor == "postgresql":
        vectors = [*more, *less]
        sims = ["1 - (e.embedding <=> %s::vector)" for _ in vectors]
        best_more = f"GREATEST({', '.join(sims[: len(more)])})" if len(more) else "-1"
        best_less = f"GREATEST({', '.join(sims[len(more) :])})" if len(less) else "-1"
        with connection.cursor() as cursor:
            cursor.execute(
                f"SELECT c.id, c.author_id, c.hot_score, {best_more}, {best_less} "  # noqa: S608
                "FROM (SELECT id, author_id, hot_score FROM feed_video "
                "WHERE status = 'published' ORDER BY hot_score DESC, id DESC LIMIT %s) c "
                f"JOIN {VideoEmbedding._meta.db_table} e ON e.video_id = c.id",
                [*(literal(v) for v in vectors), top],
            )
            return [(int(v), int(u), float(h), float(a), float(b)) for v, u, h, a, b in cursor.fetchall()]
    videos = {
        pk: (author, hot)
        for pk, author, hot in Video.objects.filter(status=Video.Status.PUBLISHED)
        .order_by("-hot_score", "-id")
        .values_list("pk", "author_id", "hot_score")[:top]
    }
    rows = list(VideoEmbedding.objects.filter(video_id__in=list(videos)).values_list("video_id", "embedding"))
    if not rows:
        return []
    matrix = np.stack([np.asarray(e, dtype=np.float32) for _, e in rows])
    none = np.full(len(rows), -1.0)
    closest_more = (matrix @ more.T).max(axis=1) if len(more) else none
    closest_less = (matrix @ less.T).max(axis=1) if len(less) else none
    return [
        (int(v), videos[v][0], videos[v][1], float(a), float(b))
        for (v, _), a, b in zip(rows, closest_more, closest_less, strict=True)
    ]


def steer_match(*, user_id: int) -> int:
    """Worker: match the best-ranked videos against the person's embedded preference (SteerVideo),
    replacing the last match. Returns how many videos matched."""
    k = conf()
    steer = Steer.objects.filter(user_id=user_id, vectors__isnull=False).first()
    if steer is None or steer.vectors is None:
        return 0
    matrix = np.frombuffer(bytes(steer.vectors), dtype=np.float32).reshape(-1, DIMENSIONS)
    n_more = len(steer.more)
    rows = []
    for video_id, author_id, hot, more, less in _closeness(matrix[:n_more], matrix[n_more:], k.steer_candidates):
        if less >= k.steer_less_closeness:  # asked against wins over asked for
            kind = SteerVideo.Kind.LESS
        elif more >= k.steer_more_closeness:
            kind = SteerVideo.Kind.MORE
        else:
            continue
        rows.append(SteerVideo(user_id=user_id, video_id=video_id, kind=kind, author_id=author_id, hot_score=hot))
    with transaction.atomic():
        if not Steer.objects.select_for_update().filter(user_id=user_id, updated_at=steer.updated_at).exists():
            return 0  # replaced or removed meanwhile: its own task matches the new one
        SteerVideo.objects.filter(user_id=user_id).delete()
        SteerVideo.objects.bulk_create(rows, batch_size=2000)
        Steer.objects.filter(user_id=user_id).update(matched_at=timezone.now())
    return len(rows)


def refresh_due(*, limit: int = 200) -> int:
    """Worker (every minute): match again the preferences last matched STEER_REFRESH_SECONDS ago or
    more, oldest first, so that videos published since join. Returns how many it matched."""
    due = timezone.now() - dt.timedelta(seconds=conf().steer_refresh_seconds)
    users = list(
        Steer.objects.filter(matched_at__lt=due).order_by("matched_at").values_list("user_id", flat=True)[:limit]
    )
    for user_id in users:
        steer_match(user_id=user_id)
    return len(users)


# --- the person's preference -------------------------------------------------------------------------


def steer_of(user: User) -> Steer | None:
    return Steer.objects.filter(user=user).first()


def is_steered(viewer_id: int | None) -> bool:
    """Whether For You reads the viewer's matched streams: their preference is embedded and matched."""
    return viewer_id is not None and Steer.objects.filter(user_id=viewer_id, matched_at__isnull=False).exists()


@transaction.atomic
def steer_set(*, user: User, text: str) -> Steer:
    """Set the person's standing preference; the worker embeds it (until then For You is unsteered).
    The person is held first (accounts.services.people_keep), as a play holds them: their erasure on
    another device at the same time commits first (this is a 404) or waits and deletes the preference
    with the account. Unheld, the preference's row failed its foreign key at commit when the erasure
    had committed meanwhile (a 500)."""
    text = display(text)  # as written, without what can only hide or reorder it
    limit = conf().steer_max_chars
    if len(text) > limit:
        raise InvalidInput({"text": [f"At most {limit} characters."]})
    try:
        parts = parse(text)
    except NothingToSteerBy as exc:
        raise InvalidInput({"text": [str(exc)]}) from exc
    if user.pk not in people_keep([user.pk]):
        raise NotFound("Your account no longer exists.")
    steer, _ = Steer.objects.update_or_create(
        user=user,
        defaults={
            "text": text,
            "more": parts.more,
            "less": parts.less,
            "vectors": None,
            "matched_at": None,
            "updated_at": timezone.now(),
        },
    )
    SteerVideo.objects.filter(user=user).delete()  # the old preference's matches
    from feed.tasks import embed_steer

    stamp = steer.updated_at.isoformat()
    transaction.on_commit(lambda: embed_steer.delay(user.pk, stamp))
    return steer


def steer_clear(*, user: User) -> None:
    SteerVideo.objects.filter(user=user).delete()
    Steer.objects.filter(user=user).delete()


def steer_embed(*, user_id: int, stamp: str) -> bool:
    """Worker: embed the preference set at `stamp` (a newer one supersedes it) and match the videos
    against it. True when stored."""
    from core.sentences import embed

    steer = Steer.objects.filter(user_id=user_id).first()
    if steer is None or steer.updated_at.isoformat() != stamp:
        return False
    vectors = embed([*steer.more, *steer.less])
    stored = Steer.objects.filter(user_id=user_id, updated_at=steer.updated_at).update(
        vectors=np.ascontiguousarray(vectors, dtype=np.float32).tobytes()
    )
    if stored:
        steer_match(user_id=user_id)
    return bool(stored)
