"""Reads for moderation: the index of protected names (per process: a base built once, plus the
current names of the people changed since; rebuilt in the background, never on a request), the review
queue and the audit log."""

from __future__ import annotations

import threading
import time
from collections.abc import Collection, Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta

import numpy as np
from django.db import connection
from django.db.models import Q, QuerySet
from django.utils import timezone

from cameos.models import Cameo
from core.exceptions import InvalidInput
from core.sql import one_of
from feed.models import Report, Video
from feed.selectors import video_visible_to
from moderation.conf import conf
from moderation.models import AuditEvent, NamesChange, NamesVersion, ProtectedFace, ProtectedPerson
from moderation.names import Hit, NameIndex, Person
from moderation.names.index import resolve

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


def _entries(*, registry: Collection[int] | None = None, owners: Collection[int] | None = None):  # type: ignore[no-untyped-def]
    """(name, Person) of every protected name, or (with `registry`/`owners`) of only these people."""
    people = ProtectedPerson.objects.all() if registry is None else ProtectedPerson.objects.filter(pk__in=registry)
    for pk, name, aliases in people.values_list("pk", "name", "aliases").iterator(chunk_size=5000):
        person = Person("registry", pk, name)
        yield name, person
        for alias in aliases or []:
            yield alias, person
    # Owners who protect their name: their display name, when it is at least two words (a first name
    # alone would refuse every prompt that mentions anyone called the same).
    cameos = Cameo.objects.filter(protect_name=True)
    if owners is not None:
        cameos = cameos.filter(owner_id__in=owners)
    for owner_id, display_name in cameos.values_list("owner_id", "owner__display_name").iterator(chunk_size=5000):
        if len((display_name or "").split()) >= 2:
            yield display_name, Person("cameo", owner_id, display_name)


# The name index of a process: a base NameIndex built from every name at a position of the change
# log (NamesChange), plus an overlay: the current names of the people changed since, whose entries in
# the base are ignored. A registry change reaches the next check through the overlay (one query of
# the log, one of those people, a NameIndex of a few names: milliseconds); one background thread
# per process rebuilds the base when the overlay grows past OVERLAY_MAX_PEOPLE people or
# BASE_MAX_AGE_S seconds, and requests go on with the old base and its overlay meanwhile. Only a
# process's first check builds (or waits for) a base.
OVERLAY_MAX_PEOPLE = 500
BASE_MAX_AGE_S = 600.0
# A change the base's snapshot may have missed: the log's ids are handed out at insert, so one
# written by a transaction still open when the base was read can have a lower id than the base's
# position; every change logged this long before the snapshot is applied again (a transaction that
# writes names and stays open longer than this can be missed until the next rebuild).
_SLACK = timedelta(minutes=10)


@dataclass(frozen=True)
class _Base:
    index: NameIndex
    position: int  # the log's last id when the rows were read
    read_at: datetime  # and the time (the database's clock is not needed: _SLACK is wide)
    built: float  # time.monotonic()


class CombinedNameIndex:
    """A base index with an overlay: `find` as NameIndex.find, over both."""

    def __init__(self, base: NameIndex, overlay: NameIndex | None, changed: frozenset[tuple[str, int]]) -> None:
        self.base = base
        self.overlay = overlay
        self.changed = changed

    def find(self, text: str) -> list[Hit]:
        found = self.base.findings(text, ignore=self.changed)
        if self.overlay is not None:
            found += self.overlay.findings(text)
        return resolve(found)

    def __len__(self) -> int:
        return len(self.base) + (len(self.overlay) if self.overlay is not None else 0)


@dataclass(frozen=True)
class _State:
    base: _Base
    version: str
    index: CombinedNameIndex


_state: list[_State] = []  # [] or [the current state]: replaced whole, never changed in place
_first_lock = threading.Lock()  # only a process's first build
_rebuilding = threading.Lock()  # held by the one background rebuild; requests only try it
_build_index = NameIndex  # tests and benchmarks count or hold builds through it


def _log_position() -> int:
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT MAX(id) FROM {NamesChange._meta.db_table}")  # noqa: S608 - our table
        row = cursor.fetchone()
    return int(row[0] or 0) if row else 0


def _build_base() -> _Base:
    position, read_at, built = _log_position(), timezone.now(), time.monotonic()
    return _Base(_build_index(_entries()), position, read_at, built)


def _with_overlay(base: _Base, version: str) -> _State | None:
    """The base plus the current names of everyone changed since its snapshot; None when a change
    since did not say whom it changed (NamesChange.Kind.ALL: only a new base will do)."""
    since = NamesChange.objects.filter(
        Q(id__gt=base.position) | (Q(at__gte=base.read_at - _SLACK) & ~Q(kind=NamesChange.Kind.ALL))
    )
    changed = frozenset((kind, int(pk)) for kind, pk in since.values_list("kind", "person_id").distinct())
    if (NamesChange.Kind.ALL, 0) in changed:
        return None
    if not changed:
        return _State(base, version, CombinedNameIndex(base.index, None, changed))
    registry = [pk for kind, pk in changed if kind == NamesChange.Kind.REGISTRY]
    owners = [pk for kind, pk in changed if kind == NamesChange.Kind.CAMEO]
    overlay = NameIndex(_entries(registry=registry, owners=owners))
    return _State(base, version, CombinedNameIndex(base.index, overlay, changed))


def name_index() -> CombinedNameIndex:
    """The current index: one small query to check the version; when it moved, two small queries and
    a small overlay index. A full build only at a process's first check, and after a change that did
    not say whom it changed (services.names_changed with nobody: a bulk write)."""
    version = names_version()
    state = _state[0] if _state else None
    if state is not None and state.version != version:
        # Two threads may both do this (milliseconds); neither waits for the other.
        state = _with_overlay(state.base, version)
        if state is not None and _state and _state[0].base is state.base:
            _state[:] = [state]
    while state is None:  # the process's first check, or a change that named nobody
        with _first_lock:
            state = _state[0] if _state else None
            if state is not None and state.version != version:
                state = _with_overlay(state.base, version)  # another thread built a base meanwhile
            if state is None:
                state = _with_overlay(_build_base(), version)
            _state[:] = [state] if state is not None else []
    if len(state.index.changed) > OVERLAY_MAX_PEOPLE or (
        state.index.changed and time.monotonic() - state.base.built > BASE_MAX_AGE_S
    ):
        start_rebuild()
    return state.index


def start_rebuild() -> threading.Thread | None:
    """Rebuilds the base in a background thread unless one is already at it (never waits)."""
    if not _rebuilding.acquire(blocking=False):
        return None
    thread = threading.Thread(target=_rebuild_then_release, name="name-index-rebuild", daemon=True)
    thread.start()
    return thread


def _rebuild_then_release() -> None:
    try:
        rebuild_name_index()
    finally:
        connection.close()  # this thread's own connection
        _rebuilding.release()


def rebuild_name_index() -> None:
    """A new base from every name, then swapped in with its overlay (requests use the old meanwhile)."""
    base = _build_base()
    expire_names_version()
    state = _with_overlay(base, names_version())
    if state is not None:
        _state[:] = [state]


def forget_name_index() -> None:
    _state.clear()


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


def protected_lookalikes(person_ids: Iterable[int]) -> dict[int, set[int]]:
    """Registry entry id → the user ids an operator cleared as its look-alikes (ProtectedPerson.lookalikes),
    for the entries that have any: one query."""
    ids = set(person_ids)
    if not ids:
        return {}
    found: dict[int, set[int]] = {}
    rows = ProtectedPerson.lookalikes.through.objects.filter(protectedperson_id__in=ids)
    for person_id, user_id in rows.values_list("protectedperson_id", "user_id"):
        found.setdefault(person_id, set()).add(user_id)
    return found


def registry_descriptions() -> list[tuple[int, str, str, bool]]:
    """(id, name, text, is a known_for phrase) for each registry entry's description and each thing
    it is known for: one row a text, so a person has several."""
    rows = (
        ProtectedPerson.objects.exclude(description="", known_for=[])
        .order_by("pk")
        .values_list("pk", "name", "description", "known_for")
    )
    found = []
    for pk, name, description, known_for in rows.iterator(chunk_size=5000):
        phrases = known_for if isinstance(known_for, list) else []  # written through the registry's checks
        for text, phrase in [(description, False), *((p, True) for p in phrases)]:
            if isinstance(text, str) and text.strip():
                found.append((pk, name, text, phrase))
    return found


def protected_face_matches(vectors: np.ndarray, *, min_similarity: float) -> list[ProtectedMatch | None]:
    """For each probe (L2-normalised 128-d templates, one row each), the protected person whose
    reference face is most similar, if at least `min_similarity` (callers pass
    cameos.conf `protected_threshold`). Exact, every face compared: it decides consent."""
    probes = np.asarray(vectors, dtype=np.float32).reshape(-1, 128)
    if not len(probes):
        return []
    # Both databases: a matrix kept per process (50k faces are 25 MB) and one matrix product, 2.5 ms.
    # PostgreSQL's exact scan of the same 50k rows took 45 ms, too much for the request path's image
    # check (BENCHMARKS.md § Protected people).
    person_ids, columns = _protected_faces()
    found: list[tuple[int, float] | None] = [None] * len(probes)
    if len(person_ids):
        scores = probes @ columns
        best = np.argmax(scores, axis=1)
        for i, j in enumerate(best):
            if scores[i, j] >= min_similarity:
                found[i] = (int(person_ids[j]), float(scores[i, j]))
    wanted = {hit[0] for hit in found if hit is not None}
    rows = ProtectedPerson.objects.filter(pk__in=wanted).values_list("pk", "name", "account_id")
    people = {pk: (name, account_id) for pk, name, account_id in rows}
    return [
        ProtectedMatch(hit[0], people[hit[0]][0], hit[1], people[hit[0]][1])
        if hit is not None and hit[0] in people
        else None
        for hit in found
    ]


def protected_people_with_face(vector: np.ndarray, *, min_similarity: float) -> list[ProtectedMatch]:
    """Every protected person with a reference face at least `min_similarity` like this template
    (L2-normalised, 128-d), most similar first: whose face a new reference photo already is (the
    registry's faces are one person's each). Read from the registry as it is now, not as this process
    last polled it: the same exact scan as protected_face_matches."""
    expire_names_version()
    person_ids, columns = _protected_faces()
    if not len(person_ids):
        return []
    scores = np.asarray(vector, dtype=np.float32).reshape(128) @ columns
    best: dict[int, float] = {}
    for j in np.flatnonzero(scores >= min_similarity):
        person_id = int(person_ids[j])
        best[person_id] = max(best.get(person_id, -1.0), float(scores[j]))
    rows = ProtectedPerson.objects.filter(pk__in=list(best)).values_list("pk", "name", "account_id")
    found = [ProtectedMatch(pk, name, best[pk], account_id) for pk, name, account_id in rows]
    return sorted(found, key=lambda match: -match.similarity)


@dataclass(frozen=True)
class _FaceMatrix:
    version: str
    face_ids: np.ndarray  # (n,) int64, ascending
    person_ids: np.ndarray  # (n,) int64
    digests: np.ndarray  # (n,) the photos' SHA-256: a face id reused after a rollback is another face
    # (128, n) float32, a face per column, L2-normalised: few probes times it run 2.4× faster than
    # times the (n, 128) matrix transposed (6.1 → 2.5 ms for 2 probes at 50k, one BLAS thread)
    columns: np.ndarray


_faces_lock = threading.Lock()
_faces_cache: dict[str, _FaceMatrix] = {}


def load_protected_faces() -> int:
    """Read the protected faces into this process now (when a worker's pool process or a web process
    starts), not on the first check that needs them (1.1 s at 50k faces: a process's first enrollment
    or image check waited for it, BENCHMARKS.md § End to end). How many faces."""
    return len(_protected_faces()[0])


def _protected_faces() -> tuple[np.ndarray, np.ndarray]:
    """(person id per face, templates as the columns of a float32 matrix) for the exact scan, kept
    per process and registry version. The version moves on every registry change (names too), so a
    rebuild reads only the face ids and parses the templates of faces it has not seen (a face's
    template never changes; parsing 50k text vectors takes seconds)."""
    version = names_version()  # read before the rows: a change in between only means another rebuild
    cached = _faces_cache.get("faces")
    if cached is not None and cached.version == version:
        return cached.person_ids, cached.columns
    if cached is not None and not _faces_lock.acquire(blocking=False):
        # Another thread is bringing the matrix up to date (tens of ms at 50k faces): check against
        # the one it replaces rather than wait; a face added this instant applies from the next check.
        return cached.person_ids, cached.columns
    if cached is None:
        _faces_lock.acquire()  # the process's first build: there is nothing to check against meanwhile
    try:
        cached = _faces_cache.get("faces")
        if cached is not None and cached.version == version:
            return cached.person_ids, cached.columns
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
            matrix[known] = cached.columns.T[at[known]]
        missing = face_ids[~known]
        if len(missing):
            matrix[~known] = _templates([int(i) for i in missing])
        columns = np.ascontiguousarray(matrix.T)
        _faces_cache["faces"] = _FaceMatrix(version, face_ids, person_ids, digests, columns)
        return person_ids, columns
    finally:
        _faces_lock.release()


def _templates(face_ids: list[int]) -> np.ndarray:
    """The templates of these faces, in this order, parsed in bulk from their text form."""
    table = ProtectedFace._meta.db_table
    texts: dict[int, str] = {}
    with connection.cursor() as cursor:
        for start in range(0, len(face_ids), 5000):
            chunk = face_ids[start : start + 5000]
            wanted, params = one_of("id", chunk)
            column = "embedding::text" if connection.vendor == "postgresql" else "embedding"
            cursor.execute(f"SELECT id, {column} FROM {table} WHERE {wanted}", params)  # noqa: S608 - our table
            texts.update(cursor.fetchall())
    joined = ",".join(texts[i].strip().removeprefix("[").removesuffix("]") for i in face_ids)
    return np.fromstring(joined, dtype=np.float32, sep=",").reshape(len(face_ids), 128)


def remix_source(video_id: int, author: object) -> Video:
    """A video one may remix: published, or one's own draft (a draft of someone else is not, nor a
    removed video, one's own included: taken down or hidden pending a takedown, it is on no page)."""
    video = video_visible_to(video_id, author)  # type: ignore[arg-type]
    if video.status == Video.Status.REMOVED:
        raise InvalidInput({"remix_of": ["A removed video cannot be remixed."]})
    if video.status != Video.Status.PUBLISHED and video.author_id != getattr(author, "pk", None):
        raise InvalidInput({"remix_of": ["Only published videos can be remixed."]})
    return video
