"""Reads for moderation: the index of protected names (cached per process, rebuilt when the registry
changes), the review queue and the audit log."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterable
from dataclasses import dataclass

import numpy as np
from django.db import connection
from django.db.models import QuerySet

from cameos.models import Cameo
from core.exceptions import InvalidInput
from feed.models import Report, Video
from feed.selectors import video_visible_to
from moderation.conf import conf
from moderation.models import AuditEvent, NamesVersion, ProtectedFace, ProtectedPerson
from moderation.names import NameIndex, Person

_lock = threading.Lock()
_cache: dict[str, tuple[str, NameIndex]] = {}
_version_read: dict[str, tuple[str, float]] = {}  # "token": the token, and when this process read it


def names_version() -> str:
    """The registry's current token, read from the database at most every REGISTRY_POLL_S seconds per
    process (a change reaches other processes within that time; this one at once: expire_names_version).
    Raw SQL: the ORM's query building would cost more than the query."""
    token, read_at = _version_read.get("token", ("", float("-inf")))
    now = time.monotonic()
    if now - read_at < conf().registry_poll_s:
        return token
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT token FROM {NamesVersion._meta.db_table} WHERE id = 1")  # noqa: S608 - our table
        row = cursor.fetchone()
    token = row[0] if row else ""
    _version_read["token"] = (token, now)
    return token


def expire_names_version() -> None:
    """The next names_version() reads the database (this process changed the registry)."""
    _version_read.clear()


def _entries():  # type: ignore[no-untyped-def]
    for pk, name, aliases in ProtectedPerson.objects.values_list("pk", "name", "aliases").iterator(chunk_size=5000):
        person = Person("registry", pk, name)
        yield name, person
        for alias in aliases or []:
            yield alias, person
    # Owners who protect their name: their display name, when it is at least two words (a first name
    # alone would refuse every prompt that mentions anyone called the same).
    owners = Cameo.objects.filter(protect_name=True).values_list("owner_id", "owner__display_name")
    for owner_id, display_name in owners.iterator(chunk_size=5000):
        if len((display_name or "").split()) >= 2:
            yield display_name, Person("cameo", owner_id, display_name)


def name_index() -> NameIndex:
    """The current index: one small query to check the version, a rebuild only when it moved."""
    version = names_version()
    cached = _cache.get("index")
    if cached is not None and cached[0] == version:
        return cached[1]
    with _lock:
        cached = _cache.get("index")
        if cached is not None and cached[0] == version:
            return cached[1]
        index = NameIndex(_entries())
        _cache["index"] = (version, index)
        return index


def forget_name_index() -> None:
    _cache.clear()


def open_reports() -> QuerySet[Report]:
    return Report.objects.filter(status=Report.Status.OPEN).select_related("video", "reporter").order_by("created_at")


def audit_of(user_id: int) -> QuerySet[AuditEvent]:
    return AuditEvent.objects.filter(actor_id=user_id) | AuditEvent.objects.filter(subject_id=user_id)


# --- the protected-person registry: accounts, descriptions and faces --------------------------------


@dataclass(frozen=True)
class ProtectedMatch:
    """A face that is a protected person's: the registry entry, its name, how similar, and the
    account an operator verified as that person's own (None: no account)."""

    person_id: int
    name: str
    similarity: float
    account_id: int | None = None


def protected_accounts(person_ids: Iterable[int]) -> dict[int, int]:
    """Registry entry id → the user id of its verified account, for the entries that have one."""
    ids = set(person_ids)
    if not ids:
        return {}
    rows = ProtectedPerson.objects.filter(pk__in=ids, account__isnull=False).values_list("pk", "account_id")
    return dict(rows)


def registry_descriptions() -> list[tuple[int, str, str]]:
    """(id, name, description) of every registry entry that has a description."""
    return list(ProtectedPerson.objects.exclude(description="").values_list("pk", "name", "description"))


def protected_face_matches(vectors: np.ndarray, *, min_similarity: float) -> list[ProtectedMatch | None]:
    """For each probe (L2-normalised 128-d templates, one row each), the protected person whose
    reference face is most similar, if at least `min_similarity` (callers pass
    cameos.conf `protected_threshold`). Exact, every face compared: it decides consent."""
    probes = np.asarray(vectors, dtype=np.float32).reshape(-1, 128)
    if not len(probes):
        return []
    # Both databases: a matrix kept per process (50k faces are 25 MB) and one matrix product, ~1 ms.
    # PostgreSQL's exact scan of the same 50k rows took 45 ms, too much for the request path's image
    # check (BENCHMARKS.md § Protected people).
    person_ids, matrix = _protected_faces()
    found: list[tuple[int, float] | None] = [None] * len(probes)
    if len(person_ids):
        scores = probes @ matrix.T
        for i, row in enumerate(scores):
            j = int(np.argmax(row))
            if row[j] >= min_similarity:
                found[i] = (int(person_ids[j]), float(row[j]))
    wanted = {hit[0] for hit in found if hit is not None}
    rows = ProtectedPerson.objects.filter(pk__in=wanted).values_list("pk", "name", "account_id")
    people = {pk: (name, account_id) for pk, name, account_id in rows}
    return [
        ProtectedMatch(hit[0], people[hit[0]][0], hit[1], people[hit[0]][1])
        if hit is not None and hit[0] in people
        else None
        for hit in found
    ]


@dataclass(frozen=True)
class _FaceMatrix:
    version: str
    face_ids: np.ndarray  # (n,) int64, ascending
    person_ids: np.ndarray  # (n,) int64
    digests: np.ndarray  # (n,) the photos' SHA-256: a face id reused after a rollback is another face
    matrix: np.ndarray  # (n, 128) float32, rows L2-normalised


_faces_lock = threading.Lock()
_faces_cache: dict[str, _FaceMatrix] = {}


def _protected_faces() -> tuple[np.ndarray, np.ndarray]:
    """(person id per face, templates as a float32 matrix) for the exact scan, kept per process and
    registry version. The version moves on every registry change (names too), so a
    rebuild reads only the face ids and parses the templates of faces it has not seen (a face's
    template never changes; parsing 50k text vectors takes seconds)."""
    version = names_version()  # read before the rows: a change in between only means another rebuild
    cached = _faces_cache.get("faces")
    if cached is not None and cached.version == version:
        return cached.person_ids, cached.matrix
    with _faces_lock:
        cached = _faces_cache.get("faces")
        if cached is not None and cached.version == version:
            return cached.person_ids, cached.matrix
        with connection.cursor() as cursor:
            table = ProtectedFace._meta.db_table
            cursor.execute(f"SELECT id, person_id, sha256 FROM {table} ORDER BY id")  # noqa: S608 - our table
            rows = cursor.fetchall()
        face_ids = np.array([r[0] for r in rows], dtype=np.int64)
        person_ids = np.array([r[1] for r in rows], dtype=np.int64)
        digests = np.array([r[2] for r in rows], dtype="S64")
        matrix = np.zeros((len(face_ids), 128), dtype=np.float32)
        known = np.zeros(len(face_ids), dtype=bool)
        if cached is not None and len(cached.face_ids):
            at = np.searchsorted(cached.face_ids, face_ids).clip(max=len(cached.face_ids) - 1)
            known = (cached.face_ids[at] == face_ids) & (cached.digests[at] == digests)
            matrix[known] = cached.matrix[at[known]]
        missing = face_ids[~known]
        if len(missing):
            matrix[~known] = _templates([int(i) for i in missing])
        _faces_cache["faces"] = _FaceMatrix(version, face_ids, person_ids, digests, matrix)
        return person_ids, matrix


def _templates(face_ids: list[int]) -> np.ndarray:
    """The templates of these faces, in this order, parsed in bulk from their text form."""
    table = ProtectedFace._meta.db_table
    texts: dict[int, str] = {}
    with connection.cursor() as cursor:
        for start in range(0, len(face_ids), 5000):
            chunk = face_ids[start : start + 5000]
            marks = ", ".join(["%s"] * len(chunk))
            column = "embedding::text" if connection.vendor == "postgresql" else "embedding"
            cursor.execute(f"SELECT id, {column} FROM {table} WHERE id IN ({marks})", chunk)  # noqa: S608 - our table
            texts.update(cursor.fetchall())
    joined = ",".join(texts[i].strip().removeprefix("[").removesuffix("]") for i in face_ids)
    return np.fromstring(joined, dtype=np.float32, sep=",").reshape(len(face_ids), 128)


def remix_source(video_id: int, author: object) -> Video:
    """A video one may remix: published, or one's own (a draft of someone else is not)."""
    video = video_visible_to(video_id, author)  # type: ignore[arg-type]
    if video.status != Video.Status.PUBLISHED and video.author_id != getattr(author, "pk", None):
        raise InvalidInput({"remix_of": ["Only published videos can be remixed."]})
    return video
