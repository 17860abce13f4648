"""What each published video is about, for steering (feed.steering): its caption and the prompt it
was made from, embedded with MiniLM (core.sentences) by the worker. Workers only (torch)."""

from __future__ import annotations

import json
from collections.abc import Iterator

import numpy as np
from django.db import IntegrityError, transaction
from django.db.models import Exists, OuterRef

from core.bulk import insert_rows
from core.sentences import embed
from feed.models import Video, VideoEmbedding


def text_of(caption: str, prompt: str) -> str:
    """What a video is embedded from: the caption, then the prompt when it says more."""
    caption, prompt = caption.strip(), prompt.strip()
    if not prompt or prompt.lower() == caption.lower():
        return caption
    return f"{caption}. {prompt}" if caption else prompt


def embed_video(video_id: int) -> bool:
    """Embed one published video (again if its caption changed). False when it is not published."""
    row = Video.objects.filter(pk=video_id, status=Video.Status.PUBLISHED).values_list("caption", "search_text").first()
    if row is None:
        return False
    vector = embed([text_of(*row)])[0]
    VideoEmbedding.objects.update_or_create(video_id=video_id, defaults={"embedding": vector})
    return True


def missing(batch: int) -> Iterator[list[tuple[int, str, str]]]:
    """Published videos without an embedding, `batch` at a time, in id order."""
    last = 0
    while True:
        rows = list(
            Video.objects.filter(status=Video.Status.PUBLISHED, pk__gt=last)
            .exclude(Exists(VideoEmbedding.objects.filter(video_id=OuterRef("pk"))))  # an anti-join, not NOT IN
            .order_by("pk")
            .values_list("pk", "caption", "search_text")[:batch]
        )
        if not rows:
            return
        last = rows[-1][0]
        yield rows


def literal(vector: np.ndarray) -> str:
    """A vector as pgvector's text form (what the column holds on either database)."""
    return "[" + ",".join(f"{float(v):.6g}" for v in vector) + "]"


def embed_missing(*, batch: int = 2000, cache: dict[str, str] | None = None) -> int:
    """Embed every published video that has no embedding yet (videos published while no worker could
    embed, or before steering existed): each distinct text once, rows written in bulk (COPY on
    PostgreSQL). Returns how many were stored."""
    cache = {} if cache is None else cache  # text -> vector literal
    stored = 0
    for rows in missing(batch):
        texts = [text_of(caption, prompt) for _, caption, prompt in rows]
        new = sorted({t for t in texts if t not in cache})
        for text, vector in zip(new, embed(new), strict=True):
            cache[text] = literal(vector)
        values = [(vid, cache[t]) for (vid, _, _), t in zip(rows, texts, strict=True)]
        try:
            with transaction.atomic():
                insert_rows(VideoEmbedding, ("video_id", "embedding"), values)
        except IntegrityError:  # a worker embedded some of them meanwhile: keep theirs
            VideoEmbedding.objects.bulk_create(
                [VideoEmbedding(video_id=vid, embedding=json.loads(text)) for vid, text in values],
                ignore_conflicts=True,
            )
        stored += len(rows)
        if len(cache) > 100_000:
            cache.clear()
    return stored
