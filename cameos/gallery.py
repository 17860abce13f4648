"""The gallery: one face template per active cameo, searched 1:N by cosine similarity.

One interface for both databases. PostgreSQL: pgvector's HNSW index (cosine) gives candidates and
their exact distances; `ef_search` is a setting chosen from measured recall (BENCHMARKS.md).
Elsewhere (SQLite): an exact scan in numpy. Callers pass L2-normalised 128-d vectors.
"""

from __future__ import annotations

import json
from dataclasses import dataclass

import numpy as np
from django.conf import settings
from django.db import connection, transaction

from cameos.models import GalleryEntry


@dataclass(frozen=True)
class Match:
    cameo_id: int
    similarity: float  # cosine, -1..1


def _literal(vector: np.ndarray) -> str:
    return "[" + ",".join(f"{float(v):.7g}" for v in vector) + "]"


def search(embedding: np.ndarray, k: int = 5, *, min_similarity: float = -1.0) -> list[Match]:
    """The `k` most similar templates, most similar first, at least `min_similarity`."""
    vector = np.asarray(embedding, dtype=np.float32).reshape(-1)
    if connection.vendor == "postgresql":
        table = GalleryEntry._meta.db_table
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(f"SET LOCAL hnsw.ef_search = {int(settings.CASTFEED_FACES['EF_SEARCH'])}")
            cursor.execute(
                f"SELECT cameo_id, 1 - (embedding <=> %s::vector) FROM {table} "  # noqa: S608 - our table
                f"ORDER BY embedding <=> %s::vector LIMIT %s",
                [_literal(vector), _literal(vector), k],
            )
            rows = cursor.fetchall()
        return [Match(int(c), float(s)) for c, s in rows if s >= min_similarity]
    ids, matrix = _all()
    if not ids:
        return []
    scores = matrix @ vector
    best = np.argsort(-scores)[:k]
    return [Match(ids[i], float(scores[i])) for i in best if scores[i] >= min_similarity]


def _all() -> tuple[list[int], np.ndarray]:
    rows = list(GalleryEntry.objects.values_list("cameo_id", "embedding"))
    if not rows:
        return [], np.zeros((0, 128), dtype=np.float32)
    ids = [r[0] for r in rows]
    matrix = np.array(
        [r[1] if isinstance(r[1], (list, np.ndarray)) else json.loads(r[1]) for r in rows], dtype=np.float32
    )
    return ids, matrix


def put(cameo_id: int, embedding: np.ndarray) -> None:
    GalleryEntry.objects.update_or_create(cameo_id=cameo_id, defaults={"embedding": np.asarray(embedding).tolist()})


def remove(cameo_id: int) -> None:
    GalleryEntry.objects.filter(cameo_id=cameo_id).delete()
