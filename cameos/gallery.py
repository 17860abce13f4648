"""The gallery: one face template per active cameo, searched 1:N by cosine similarity.

One interface for both databases. PostgreSQL: pgvector's HNSW index (cosine) gives candidates and
their exact distances; `ef_search` is a setting chosen from measured recall (BENCHMARKS.md).
Elsewhere (SQLite): an exact scan in numpy. Callers pass L2-normalised 128-d vectors.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
from django.db import connection, transaction

from cameos.conf import conf
from cameos.models import GalleryEntry, VideoFace


@dataclass(frozen=True)
class Match:
    cameo_id: int
    similarity: float  # cosine, -1..1


def _literal(vector: np.ndarray) -> str:
    return "[" + ",".join(f"{float(v):.7g}" for v in vector) + "]"


def search(embedding: np.ndarray, k: int = 5, *, min_similarity: float = -1.0, exact: bool = False) -> list[Match]:
    """The `k` most similar templates, most similar first, at least `min_similarity`.

    `exact=True` compares the probe with every template (on PostgreSQL a parallel sequential scan
    instead of the HNSW index): for decisions that must not miss and can wait (an enrollment's
    duplicate check, a takedown's cameos), since the approximate index can miss (BENCHMARKS.md).

    The exact statement orders by an expression the HNSW index cannot give, so no plan of it can read
    the index. `SET LOCAL enable_indexscan = off` alone was not enough: with prepared statements
    (DATABASE_PREPARED_STATEMENTS) both searches were one statement, and PostgreSQL's generic plan of
    it (the index scan, planned during approximate searches) was used for exact ones too once it
    looked cheaper than their own plans, which then missed as the index does (BENCHMARKS.md
    § Likeness)."""
    vector = np.asarray(embedding, dtype=np.float32).reshape(-1)
    if connection.vendor == "postgresql":
        table = GalleryEntry._meta.db_table
        # `+ 0`: the same order, as an expression the index cannot give (so no plan of it reads the index).
        order = "(embedding <=> %s::vector) + 0" if exact else "embedding <=> %s::vector"
        with transaction.atomic(), connection.cursor() as cursor:
            if exact:
                cursor.execute("SET LOCAL enable_indexscan = off")
                cursor.execute("SET LOCAL jit = off")  # compiling costs more than the scan saves
            cursor.execute(f"SET LOCAL hnsw.ef_search = {conf().ef_search:d}")
            cursor.execute(
                f"SELECT cameo_id, 1 - (embedding <=> %s::vector) FROM {table} "  # noqa: S608 - our table
                f"ORDER BY {order} LIMIT %s",
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


def nearest(vectors: np.ndarray, *, min_similarity: float) -> list[Match | None]:
    """For each probe, its most similar template by the HNSW index (as `search(..., k=1)`), if at
    least `min_similarity`: one statement for all probes (a lateral join on PostgreSQL; each probe
    was a transaction of its own, four round trips). The request path's image check."""
    probes = np.asarray(vectors, dtype=np.float32).reshape(-1, 128)
    if not len(probes):
        return []
    if connection.vendor != "postgresql":
        return [next(iter(search(p, k=1, min_similarity=min_similarity)), None) for p in probes]
    table = GalleryEntry._meta.db_table
    values = ", ".join(["(%s, %s::vector)"] * len(probes))
    params: list[Any] = []
    for i, probe in enumerate(probes):
        params += [i, _literal(probe)]
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(f"SET LOCAL hnsw.ef_search = {conf().ef_search:d}")
        cursor.execute(
            f"SELECT q.i, m.cameo_id, m.similarity FROM (VALUES {values}) AS q(i, v) CROSS JOIN LATERAL "  # noqa: S608
            f"(SELECT cameo_id, 1 - (embedding <=> q.v) AS similarity FROM {table} "
            f"ORDER BY embedding <=> q.v LIMIT 1) AS m",
            params,
        )
        rows = cursor.fetchall()
    best: list[Match | None] = [None] * len(probes)
    for i, cameo_id, similarity in rows:
        if similarity >= min_similarity:
            best[int(i)] = Match(int(cameo_id), float(similarity))
    return best


def best_matches(vectors: np.ndarray, *, min_similarity: float) -> list[Match | None]:
    """For each probe, its most similar template if at least `min_similarity`, comparing every
    template (one pass over the table for all probes on PostgreSQL). For decisions that must not miss:
    the output scan, a worker's re-check of an uploaded image (the HNSW index can miss: BENCHMARKS.md)."""
    probes = np.asarray(vectors, dtype=np.float32).reshape(-1, 128)
    if not len(probes):
        return []
    best: list[Match | None] = [None] * len(probes)
    if connection.vendor == "postgresql":
        found = nearest_rows(GalleryEntry._meta.db_table, "cameo_id", probes, min_similarity=min_similarity)
        return [Match(*row) if row is not None else None for row in found]
    ids, matrix = _all()
    if not ids:
        return best
    scores = probes @ matrix.T
    for i, row in enumerate(scores):
        j = int(np.argmax(row))
        if row[j] >= min_similarity:
            best[i] = Match(ids[j], float(row[j]))
    return best


def nearest_rows(
    table: str, key: str, probes: np.ndarray, *, min_similarity: float, exclude: int | None = None
) -> list[tuple[int, float] | None]:
    """PostgreSQL: for each probe, (`key`, similarity) of the most similar `embedding` of `table` if at
    least `min_similarity`, comparing every row in one pass for all probes (index scans off: the
    HNSW index can miss); rows whose `key` is `exclude` are skipped. `table` and `key` are our own
    identifiers, never input."""
    queries = np.asarray(probes, dtype=np.float32).reshape(-1, 128)
    best: list[tuple[int, float] | None] = [None] * len(queries)
    if not len(queries):
        return best
    values = ", ".join(["(%s, %s::vector)"] * len(queries))
    params: list[Any] = []
    for i, probe in enumerate(queries):
        params += [i, _literal(probe)]
    skip = f" AND g.{key} <> %s" if exclude is not None else ""
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_indexscan = off")
        cursor.execute("SET LOCAL jit = off")  # compiling costs more than the scan saves
        cursor.execute(
            f"SELECT q.i, g.{key}, 1 - (g.embedding <=> q.v) FROM {table} g, (VALUES {values}) AS q(i, v) "  # noqa: S608
            f"WHERE 1 - (g.embedding <=> q.v) >= %s{skip}",
            [*params, min_similarity, *([exclude] if exclude is not None else [])],
        )
        rows = cursor.fetchall()
    for i, found, score in rows:
        current = best[int(i)]
        if current is None or score > current[1]:
            best[int(i)] = (int(found), float(score))
    return best


def best_other(vectors: np.ndarray, *, exclude_cameo_id: int, min_similarity: float) -> list[float]:
    """For each probe, the similarity of the most similar template of any cameo but
    `exclude_cameo_id`, or -1.0 when none is at least `min_similarity`. Exact (every template): the
    reveal margin of "videos of me" (a track must be closer to the person than to anyone else)."""
    probes = np.asarray(vectors, dtype=np.float32).reshape(-1, 128)
    if not len(probes):
        return []
    if connection.vendor == "postgresql":
        table = GalleryEntry._meta.db_table
        found = nearest_rows(table, "cameo_id", probes, min_similarity=min_similarity, exclude=exclude_cameo_id)
        return [row[1] if row is not None else -1.0 for row in found]
    ids, matrix = _all()
    keep = [i for i, cameo_id in enumerate(ids) if cameo_id != exclude_cameo_id]
    if not keep:
        return [-1.0] * len(probes)
    best = (probes @ matrix[keep].T).max(axis=1)
    return [float(b) if b >= min_similarity else -1.0 for b in best]


def _all(cameo_ids: Sequence[int] | None = None) -> tuple[list[int], np.ndarray]:
    """The cameo ids and templates of the gallery (only these cameos', when given)."""
    entries = GalleryEntry.objects.all() if cameo_ids is None else GalleryEntry.objects.filter(cameo_id__in=cameo_ids)
    rows = list(entries.values_list("cameo_id", "embedding"))
    if not rows:
        return [], np.zeros((0, 128), dtype=np.float32)
    ids = [r[0] for r in rows]
    matrix = np.array(
        [r[1] if isinstance(r[1], (list, np.ndarray)) else json.loads(r[1]) for r in rows], dtype=np.float32
    )
    return ids, matrix


def similar_among(embedding: np.ndarray, cameo_ids: Sequence[int], *, min_similarity: float) -> list[Match]:
    """Of these cameos' templates, those at least `min_similarity` like the probe, most similar first
    (exact, in Python: meant for a few rows)."""
    ids, matrix = _all(list(cameo_ids))
    scores = matrix @ np.asarray(embedding, dtype=np.float32)
    found = [Match(cameo_id=i, similarity=float(v)) for i, v in zip(ids, scores, strict=True)]
    found = [m for m in found if m.similarity >= min_similarity]
    return sorted(found, key=lambda m: -m.similarity)


def put(cameo_id: int, embedding: np.ndarray) -> None:
    GalleryEntry.objects.update_or_create(cameo_id=cameo_id, defaults={"embedding": np.asarray(embedding).tolist()})


def remove(cameo_id: int) -> None:
    GalleryEntry.objects.filter(cameo_id=cameo_id).delete()


# --- the video face index (one template per face track of a generated video) ----------------------


def video_faces_put(video_id: int, tracks: list[tuple[np.ndarray, int, int, int]]) -> None:
    """Replace a video's face rows: (template, first_ms, last_ms, frames) per track."""
    VideoFace.objects.filter(video_id=video_id).delete()
    VideoFace.objects.bulk_create(
        VideoFace(
            video_id=video_id,
            embedding=np.asarray(t, dtype=np.float32).tolist(),
            first_ms=first,
            last_ms=last,
            frames=frames,
        )
        for t, first, last, frames in tracks
    )


def videos_with_face(embedding: np.ndarray, *, min_similarity: float, limit: int = 1000) -> list[tuple[int, float]]:
    """(video id, best similarity) of every indexed video with a face this like `embedding`, most
    similar first. Exact (every row compared): it decides what a person is shown as appearing in."""
    best: dict[int, float] = {}
    for hit in video_tracks_like(embedding, min_similarity=min_similarity):
        best[hit.video_id] = max(hit.similarity, best.get(hit.video_id, -2.0))
    return sorted(best.items(), key=lambda item: -item[1])[:limit]


@dataclass(frozen=True)
class TrackHit:
    """A face track of an indexed video like a probe: the reveal bar judges each track."""

    video_id: int
    similarity: float
    frames: int  # regular samples (not cut frames) the face was seen in (the quality gate)
    embedding: np.ndarray


def video_tracks_like(embedding: np.ndarray, *, min_similarity: float, limit: int = 5000) -> list[TrackHit]:
    """Every face track at least `min_similarity` like `embedding`, most similar first, with its length
    and template. Exact (every row compared). On PostgreSQL a plain filter (no GROUP BY, which the
    planner serves by walking the video_id index) lets it use a parallel sequential scan; no JIT: its
    compile time is longer than the scan."""
    vector = np.asarray(embedding, dtype=np.float32).reshape(-1)
    found: list[tuple[int, int, float, int]] = []  # (face id, video id, similarity, frames)
    if connection.vendor == "postgresql":
        table = VideoFace._meta.db_table
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute("SET LOCAL jit = off")
            cursor.execute(
                f"SELECT id, video_id, 1 - (embedding <=> %s::vector), frames FROM {table} "  # noqa: S608 - our table
                f"WHERE 1 - (embedding <=> %s::vector) >= %s",
                [_literal(vector), _literal(vector), min_similarity],
            )
            found = [(int(i), int(v), float(s), int(f)) for i, v, s, f in cursor.fetchall()]
        found = sorted(found, key=lambda row: -row[2])[:limit]
        stored = dict(VideoFace.objects.filter(pk__in=[row[0] for row in found]).values_list("id", "embedding"))
        vectors = {
            i: np.asarray(json.loads(e) if isinstance(e, str) else e, dtype=np.float32) for i, e in stored.items()
        }
        return [TrackHit(v, s, f, vectors[i]) for i, v, s, f in found if i in vectors]
    hits: list[TrackHit] = []
    rows = VideoFace.objects.values_list("video_id", "embedding", "frames").iterator()
    for video_id, stored_vector, frames in rows:
        row = np.asarray(
            stored_vector if isinstance(stored_vector, (list, np.ndarray)) else json.loads(stored_vector),
            dtype=np.float32,
        )
        score = float(row @ vector)
        if score >= min_similarity:
            hits.append(TrackHit(int(video_id), score, int(frames), row))
    return sorted(hits, key=lambda hit: -hit.similarity)[:limit]
