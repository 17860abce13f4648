"""Writes for the protected-person registry: people, their reference faces, and CSV import and export.

A face's template is computed before any transaction opens (detection and embedding take tens of
milliseconds a photo, and SQLite holds its write lock for a whole transaction), and photo files
written to storage are deleted again when their rows are not committed.

The CSV format (import and export): a header line, then one person a line.

    name,aliases,description,photos[,kind,deceased,note]

`name` is required; the other columns are optional. `aliases` and `photos` hold several values
separated by `|`; a photo is a file path, relative to the CSV's folder or absolute. An import
upserts by the normalised name (`name_key`): a row is the whole truth for the columns it has (its
aliases replace the entry's), and its photos are added as faces unless the same file (by SHA-256)
already is one of that person's. Either the whole file is imported, or nothing is.
"""

from __future__ import annotations

import csv
import hashlib
import io
import re
import shutil
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any

import numpy as np
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone

from accounts.models import User
from core.exceptions import ApplicationError, Conflict, InvalidInput
from core.storage import delete_now
from core.text import fold
from moderation import services
from moderation.models import ProtectedFace, ProtectedPerson, protected_photo_name

MAX_NAME = 120
MAX_DESCRIPTION = 300
MAX_NOTE = 300
MAX_SOURCE = 300
MAX_PHOTO_BYTES = 20 * 1024 * 1024
MAX_PHOTO_PIXELS = 50_000_000  # decoded size cap (a small file can decode to a huge image)
STORED_MAX_SIDE = 1600  # photos are stored at most this large: enough for a template, minimal to keep
MIN_FACE_PX = 40  # smaller faces give unreliable templates
JPEG_QUALITY = 92
SEPARATOR = "|"
COLUMNS = ("name", "aliases", "description", "photos", "kind", "deceased", "note")
_TRUE = {"1", "true", "yes", "y"}
_FALSE = {"0", "false", "no", "n", ""}


class UnreadableImage(ApplicationError):
    code = "image_unreadable"
    default_detail = "This file is not an image we can read (JPEG, PNG or WebP)."


class NoFace(ApplicationError):
    code = "no_face"
    default_detail = "No face was found in this photo: use a photo where the person's face is clearly visible."


class DuplicateFace(Conflict):
    code = "duplicate_face"
    default_detail = "This photo is already one of this person's faces."


class RegistryImportError(ApplicationError):
    """Problems found in a CSV file, each `(line number, message)` (line 0: the file as a whole).
    Nothing was written."""

    code = "registry_import_invalid"

    def __init__(self, errors: Iterable[tuple[int, str]]) -> None:
        self.errors = sorted(errors)
        count = len(self.errors)
        super().__init__(
            f"{count} problem{'s' if count != 1 else ''}; nothing was imported.",
            errors=[{"line": line, "message": message} for line, message in self.errors],
        )


@dataclass(frozen=True)
class ImportResult:
    created: int
    updated: int
    unchanged: int
    faces_added: int


@dataclass(frozen=True)
class PreparedPhoto:
    """A photo checked, re-encoded and embedded, ready to be stored (photo_prepare)."""

    jpeg: bytes
    template: np.ndarray  # (128,), L2-normalised
    sha256: str  # of the file as given
    stored_sha256: str  # of `jpeg`


# --- names -----------------------------------------------------------------------------------------


def name_key(name: str) -> str:
    """The key a name is registered under: folded (case, accents, look-alike letters) and with its
    whitespace collapsed, so "Beyoncé", "BEYONCE" and "Beyoncе" (a Cyrillic e) are one person."""
    return " ".join(fold(name).split())


def _one_line(text: Any) -> str:
    return " ".join(str(text or "").split())


@dataclass(frozen=True)
class _Person:
    name: str
    key: str
    aliases: tuple[str, ...]
    description: str
    kind: str
    deceased: bool
    note: str

    def new(self, **extra: Any) -> ProtectedPerson:
        """An unsaved entry with these values."""
        return ProtectedPerson(
            name=self.name,
            name_key=self.key,
            aliases=list(self.aliases),
            description=self.description,
            kind=self.kind,
            deceased=self.deceased,
            note=self.note,
            **extra,
        )


def _clean_person(
    *, name: str, aliases: Iterable[str], description: str, kind: str, deceased: bool, note: str
) -> tuple[_Person | None, dict[str, list[str]]]:
    """The values as stored, or the problems by field."""
    problems: dict[str, list[str]] = {}
    name = _one_line(name)
    key = name_key(name)
    if not key:
        problems.setdefault("name", []).append("A name is required.")
    elif len(name) > MAX_NAME:
        problems.setdefault("name", []).append(f"At most {MAX_NAME} characters (this one has {len(name)}).")
    if SEPARATOR in name:
        problems.setdefault("name", []).append(f"A name may not contain “{SEPARATOR}”.")
    kept: list[str] = []
    seen = {key}
    for given in [aliases] if isinstance(aliases, str) else aliases:
        alias = _one_line(given)
        alias_key = name_key(alias)
        if not alias_key or alias_key in seen:
            continue  # blank, the name itself, or said twice
        if len(alias) > MAX_NAME:
            problems.setdefault("aliases", []).append(f"“{alias[:40]}…”: at most {MAX_NAME} characters.")
        if SEPARATOR in alias:
            problems.setdefault("aliases", []).append(f"“{alias}”: an alias may not contain “{SEPARATOR}”.")
        seen.add(alias_key)
        kept.append(alias)
    description = _one_line(description)
    if len(description) > MAX_DESCRIPTION:
        problems.setdefault("description", []).append(
            f"At most {MAX_DESCRIPTION} characters (this one has {len(description)})."
        )
    note = _one_line(note)
    if len(note) > MAX_NOTE:
        problems.setdefault("note", []).append(f"At most {MAX_NOTE} characters.")
    if kind not in ProtectedPerson.Kind.values:
        problems.setdefault("kind", []).append(f"One of {', '.join(ProtectedPerson.Kind.values)}.")
    if problems:
        return None, problems
    return _Person(name, key, tuple(kept), description, kind, bool(deceased), note), {}


def _names_taken(exclude: set[int]) -> tuple[dict[str, str], dict[str, str]]:
    """The registry's names and aliases, by key: (name key → name, alias key → whose name), leaving
    out the entries in `exclude`."""
    names: dict[str, str] = {}
    aliases: dict[str, str] = {}
    rows = ProtectedPerson.objects.values_list("pk", "name_key", "name", "aliases")
    for pk, key, name, person_aliases in rows.iterator(chunk_size=5000):
        if pk in exclude:
            continue
        names[key] = name
        for alias in person_aliases or []:
            aliases.setdefault(name_key(alias), name)
    return names, aliases


def _clashes(person: _Person, names: dict[str, str], aliases: dict[str, str]) -> list[tuple[str, str]]:
    """(field, message): a name must not be someone else's alias, nor an alias someone else's name
    (which entry a prompt naming it means would depend on the order they were added)."""
    found = []
    if person.key in aliases:
        found.append(("name", f"“{person.name}” is already an alias of {aliases[person.key]}."))
    for alias in person.aliases:
        other = names.get(name_key(alias))
        if other is not None:
            found.append(("aliases", f"The alias “{alias}” is the name of another registered person ({other})."))
    return found


def name_clashes(*, name: str, aliases: Iterable[str], exclude: int | None = None) -> list[tuple[str, str]]:
    """(field, message) for `name` or an alias that would be ambiguous in the registry (another
    entry's alias, or another entry's name), leaving out entry `exclude`; empty when none. The import
    refuses such rows, the admin such forms; the services accept them (both entries are refused)."""
    values, _ = _clean_person(name=name, aliases=aliases, description="", kind="public_figure", deceased=False, note="")
    if values is None:
        return []
    return _clashes(values, *_names_taken({exclude} if exclude is not None else set()))


def _invalid(problems: dict[str, list[str]]) -> InvalidInput:
    first_field, messages = next(iter(problems.items()))
    return InvalidInput(problems, detail=f"{first_field}: {messages[0]}")


def _changes(person: ProtectedPerson, values: _Person, columns: Iterable[str] = COLUMNS) -> list[str]:
    """Set `values` on `person` for the given columns; the names of the fields that changed."""
    wanted: dict[str, Any] = {"name": values.name}
    if "aliases" in columns:
        wanted["aliases"] = list(values.aliases)
    if "description" in columns:
        wanted["description"] = values.description
    if "kind" in columns:
        wanted["kind"] = values.kind
    if "deceased" in columns:
        wanted["deceased"] = values.deceased
    if "note" in columns:
        wanted["note"] = values.note
    changed = [name for name, value in wanted.items() if getattr(person, name) != value]
    for name in changed:
        setattr(person, name, wanted[name])
    return changed


# --- people ----------------------------------------------------------------------------------------


@transaction.atomic
def person_upsert(
    *,
    name: str,
    aliases: Sequence[str] = (),
    description: str = "",
    kind: str = ProtectedPerson.Kind.PUBLIC_FIGURE,
    deceased: bool = False,
    note: str = "",
) -> tuple[ProtectedPerson, bool]:
    """Register a person, or update the entry with the same normalised name. (person, created)."""
    values, problems = _clean_person(
        name=name, aliases=aliases, description=description, kind=kind, deceased=deceased, note=note
    )
    if values is None:
        raise _invalid(problems)
    person = ProtectedPerson.objects.select_for_update().filter(name_key=values.key).first()
    if person is None:
        person = values.new()
        person.save(force_insert=True)
        return person, True
    changed = _changes(person, values)
    if changed:
        person.save(update_fields=[*changed, "updated_at"])
    return person, False


@transaction.atomic
def person_update(
    *,
    person: ProtectedPerson,
    name: str,
    aliases: Sequence[str],
    description: str,
    kind: str,
    deceased: bool,
    note: str,
) -> ProtectedPerson:
    """Change an entry (its name too: the key follows). Refuses a name another entry has."""
    values, problems = _clean_person(
        name=name, aliases=aliases, description=description, kind=kind, deceased=deceased, note=note
    )
    if values is None:
        raise _invalid(problems)
    if ProtectedPerson.objects.filter(name_key=values.key).exclude(pk=person.pk).exists():
        raise InvalidInput({"name": ["Someone with this name is already registered."]})
    changed = _changes(person, values)
    if person.name_key != values.key:
        person.name_key = values.key
        changed.append("name_key")
    if changed:
        person.save(update_fields=[*changed, "updated_at"])
    return person


@transaction.atomic
def person_link_account(*, person: ProtectedPerson, account: User | None) -> ProtectedPerson:
    """Record that an operator verified `account` as this person's own (None: no longer): that
    account may then use the person's likeness like any cameo owner."""
    if person.account_id != (account.pk if account else None):
        person.account = account
        person.save(update_fields=["account", "updated_at"])
    return person


@transaction.atomic
def person_delete(*, person: ProtectedPerson) -> None:
    """Remove a person with their faces; the photo files go after commit (moderation.receivers)."""
    person.delete()


# --- faces -----------------------------------------------------------------------------------------


def face_template(image_bgr: np.ndarray) -> np.ndarray:
    """The L2-normalised 128-d SFace template of the largest face in a BGR image (the likeness
    engine's own detection, alignment and embedding). Raises UnreadableImage or NoFace."""
    from cameos.likeness.faces import engine, normalise

    image = np.asarray(image_bgr) if image_bgr is not None else None
    if image is None or image.dtype != np.uint8 or image.ndim != 3 or image.shape[2] != 3 or not image.size:
        raise UnreadableImage()
    faces = engine().detect(image)
    if not faces:
        raise NoFace()
    face = faces[0]  # largest first
    if face.size < MIN_FACE_PX:
        raise NoFace(
            f"The face in this photo is too small ({face.size:.0f} pixels; at least {MIN_FACE_PX}).",
            code="face_too_small",
        )
    crop = engine().align(image, face)
    return normalise(engine().embed([crop]))[0].astype(np.float32)


def photo_prepare(*, data: bytes) -> PreparedPhoto:
    """Check a photo by its content, re-encode it as JPEG (no metadata kept) at most STORED_MAX_SIDE
    pixels, and compute its face template. Heavy: call it outside any transaction."""
    import cv2  # worker-side and admin-only: never at import time

    if len(data) > MAX_PHOTO_BYTES:
        raise UnreadableImage(
            f"The photo is larger than {MAX_PHOTO_BYTES // (1024 * 1024)} MB.", code="image_too_large"
        )
    try:
        image = cv2.imdecode(np.frombuffer(data, dtype=np.uint8), cv2.IMREAD_COLOR) if data else None
    except cv2.error:
        image = None
    if image is None:
        raise UnreadableImage()
    height, width = image.shape[:2]
    if height * width > MAX_PHOTO_PIXELS:
        raise UnreadableImage(f"The photo is larger than {MAX_PHOTO_PIXELS:,} pixels.", code="image_too_large")
    scale = STORED_MAX_SIDE / max(height, width)
    if scale < 1.0:
        image = cv2.resize(image, (round(width * scale), round(height * scale)), interpolation=cv2.INTER_AREA)
    template = face_template(image)
    ok, encoded = cv2.imencode(".jpg", image, [cv2.IMWRITE_JPEG_QUALITY, JPEG_QUALITY])
    if not ok:
        raise UnreadableImage()
    jpeg = encoded.tobytes()
    return PreparedPhoto(
        jpeg=jpeg,
        template=template,
        sha256=hashlib.sha256(data).hexdigest(),
        stored_sha256=hashlib.sha256(jpeg).hexdigest(),
    )


def _has_photo(person_id: int, digest: str) -> bool:
    return ProtectedFace.objects.filter(Q(sha256=digest) | Q(stored_sha256=digest), person_id=person_id).exists()


def face_add(
    *, person: ProtectedPerson, data: bytes, source: str, prepared: PreparedPhoto | None = None
) -> ProtectedFace:
    """Add a reference photo of `person`: re-encoded, stored under a random name, its template
    searched from now on. `prepared` (photo_prepare of the same `data`) skips the heavy work when
    the caller did it already, outside its transaction. Raises UnreadableImage, NoFace, DuplicateFace.

    Not atomic as a whole on purpose: the template is computed before the row's transaction."""
    digest = prepared.sha256 if prepared is not None else hashlib.sha256(data).hexdigest()
    if _has_photo(person.pk, digest):
        raise DuplicateFace()
    if prepared is None:
        prepared = photo_prepare(data=data)
    name = default_storage.save(protected_photo_name(None, ""), ContentFile(prepared.jpeg))
    try:
        with transaction.atomic():
            face = ProtectedFace.objects.create(
                person=person,
                photo=name,
                embedding=prepared.template.tolist(),
                source=_one_line(source)[-MAX_SOURCE:],
                sha256=prepared.sha256,
                stored_sha256=prepared.stored_sha256,
            )
    except IntegrityError as exc:  # the same photo added at the same moment
        delete_now([name])
        raise DuplicateFace() from exc
    except BaseException:
        delete_now([name])
        raise
    return face


@transaction.atomic
def face_remove(*, face: ProtectedFace) -> None:
    """Remove a reference photo; its file goes after commit (moderation.receivers)."""
    face.delete()


# --- CSV import ------------------------------------------------------------------------------------


@dataclass
class _Row:
    line: int
    person: _Person
    columns: frozenset[str]
    photos: list[tuple[str, Path]] = field(default_factory=list)  # (as written, where)


@dataclass
class _NewFace:
    key: str
    source: str
    prepared: PreparedPhoto
    storage_name: str = ""


def _read_text(source: str | Path | IO[str] | IO[bytes]) -> tuple[str, Path | None]:
    if isinstance(source, (str, Path)):
        path = Path(source)
        try:
            data: str | bytes = path.read_bytes()
        except FileNotFoundError as exc:
            raise RegistryImportError([(0, "No such file.")]) from exc
        except OSError as exc:
            raise RegistryImportError([(0, f"The file cannot be read ({exc.strerror}).")]) from exc
        folder: Path | None = path.resolve().parent
    else:
        data = source.read()
        folder = None
    if isinstance(data, str):
        return data.removeprefix("\ufeff"), folder
    try:
        return data.decode("utf-8-sig"), folder
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        raise RegistryImportError([(line, "This file is not UTF-8 text.")]) from exc


def _records(text: str) -> tuple[list[tuple[int, list[str]]], list[tuple[int, str]]]:
    """(first line, cells) of every record; a quoting error stops the reading (what follows it
    cannot be trusted)."""
    reader = csv.reader(io.StringIO(text, newline=""), strict=True)
    records: list[tuple[int, list[str]]] = []
    start = 1
    try:
        for cells in reader:
            if any(cell.strip() for cell in cells):
                records.append((start, cells))
            start = reader.line_num + 1
    except csv.Error as exc:
        return records, [(reader.line_num, f"Malformed CSV: {exc}.")]
    return records, []


def _header(cells: list[str]) -> tuple[list[str], list[str]]:
    columns = [cell.strip().lower() for cell in cells]
    problems = []
    if "name" not in columns:
        wanted, shown = ",".join(COLUMNS[:4]), ",".join(cells)[:80]
        problems.append(f"The first line must be the header, with a “name” column ({wanted}); it is “{shown}”.")
    unknown = [c for c in columns if c not in COLUMNS]
    if unknown and set(columns) & set(COLUMNS):
        problems.append(
            f"Unknown column{'s' if len(unknown) > 1 else ''} {', '.join(repr(c) for c in unknown)}: "
            f"the columns are {', '.join(COLUMNS)}."
        )
    repeated = sorted({c for c in columns if columns.count(c) > 1})
    if repeated:
        problems.append(f"Column{'s' if len(repeated) > 1 else ''} {', '.join(repeated)} given twice.")
    return columns, problems


def _split(cell: str) -> list[str]:
    return [part.strip() for part in cell.split(SEPARATOR) if part.strip()]


def _parse_rows(
    records: list[tuple[int, list[str]]], columns: list[str], base_dir: Path
) -> tuple[list[_Row], list[tuple[int, str]]]:
    rows: list[_Row] = []
    errors: list[tuple[int, str]] = []
    present = frozenset(columns)
    for line, cells in records:
        if len(cells) != len(columns):
            errors.append((line, f"{len(cells)} values for {len(columns)} columns."))
            continue
        cell = dict(zip(columns, cells, strict=True))
        deceased_text = cell.get("deceased", "").strip().lower()
        if deceased_text not in _TRUE | _FALSE:
            errors.append((line, f"deceased: “{cell['deceased']}” is not yes or no."))
        kind = cell.get("kind", "").strip() or ProtectedPerson.Kind.PUBLIC_FIGURE
        person, problems = _clean_person(
            name=cell["name"],
            aliases=_split(cell.get("aliases", "")),
            description=cell.get("description", ""),
            kind=kind,
            deceased=deceased_text in _TRUE,
            note=cell.get("note", ""),
        )
        errors += [(line, f"{name}: {message}") for name, messages in problems.items() for message in messages]
        photos: list[tuple[str, Path]] = []
        for written in _split(cell.get("photos", "")):
            path = Path(written).expanduser()
            path = path if path.is_absolute() else base_dir / path
            if not path.is_file():
                errors.append((line, f"photo “{written}”: no such file ({path})."))
            else:
                photos.append((written, path))
        if person is not None:
            rows.append(_Row(line, person, present, photos))
    return rows, errors


def _check_names(rows: list[_Row]) -> tuple[dict[str, ProtectedPerson], list[tuple[int, str]]]:
    """Each name once in the file; no name that is another entry's alias (in the file or in the
    registry) and no alias that is another entry's name. The existing entries of the file's names."""
    errors: list[tuple[int, str]] = []
    first: dict[str, _Row] = {}
    for row in rows:
        if row.person.key in first:
            other = first[row.person.key]
            errors.append((row.line, f"“{row.person.name}” is already on line {other.line} (“{other.person.name}”)."))
        else:
            first[row.person.key] = row
    existing = {p.name_key: p for p in ProtectedPerson.objects.filter(name_key__in=list(first))}
    names, aliases = _names_taken({p.pk for p in existing.values()})
    file_aliases: dict[str, _Row] = {}  # alias key → the row whose entry will have it
    for row in first.values():
        before = existing.get(row.person.key)
        kept = row.person.aliases if "aliases" in row.columns or before is None else before.aliases
        for alias in kept:
            file_aliases.setdefault(name_key(alias), row)
    for row in first.values():
        messages = [message for _, message in _clashes(row.person, names, aliases)]
        owner = file_aliases.get(row.person.key)
        if owner is not None and owner is not row:
            messages.append(f"“{row.person.name}” is an alias of “{owner.person.name}” on line {owner.line}.")
        errors += [(row.line, message) for message in messages]
    return existing, errors


def _prepare_faces(
    rows: list[_Row], existing: dict[str, ProtectedPerson]
) -> tuple[list[_NewFace], list[tuple[int, str]]]:
    """Read, check and embed every photo that is not already a face of its person (heavy: before
    any transaction)."""
    known: dict[str, set[str]] = {}
    faces = ProtectedFace.objects.filter(person__in=list(existing.values()))
    for key, digest, stored in faces.values_list("person__name_key", "sha256", "stored_sha256"):
        known.setdefault(key, set()).update({digest, stored})
    new: list[_NewFace] = []
    errors: list[tuple[int, str]] = []
    for row in rows:
        seen = known.setdefault(row.person.key, set())
        for written, path in row.photos:
            try:
                data = path.read_bytes()
            except OSError as exc:
                errors.append((row.line, f"photo “{written}”: cannot be read ({exc.strerror})."))
                continue
            digest = hashlib.sha256(data).hexdigest()
            if digest in seen:
                continue  # a face of this person already (imported before, or listed twice)
            seen.add(digest)
            try:
                prepared = photo_prepare(data=data)
            except ApplicationError as exc:
                errors.append((row.line, f"photo “{written}”: {exc.detail}"))
                continue
            new.append(_NewFace(row.person.key, Path(written).name, prepared))
    return new, errors


def registry_import(source: str | Path | IO[str] | IO[bytes], *, base_dir: str | Path | None = None) -> ImportResult:
    """Import a CSV file (a path, or an open file with `base_dir` for its relative photo paths):
    people upserted by normalised name, photos added as faces. Every row and photo is checked
    first; any problem raises RegistryImportError with all of them, having written nothing."""
    text, folder = _read_text(source)
    base = Path(base_dir) if base_dir is not None else (folder or Path.cwd())
    records, errors = _records(text)
    if not records:
        header = ",".join(COLUMNS[:4])
        raise RegistryImportError(errors or [(1, f"The file is empty: the first line must be the header ({header}).")])
    columns, problems = _header(records[0][1])
    errors += [(records[0][0], message) for message in problems]
    if problems:
        raise RegistryImportError(errors)
    rows, row_errors = _parse_rows(records[1:], columns, base)
    existing, name_errors = _check_names(rows)
    faces, face_errors = _prepare_faces(rows, existing)
    errors += row_errors + name_errors + face_errors
    if errors:
        raise RegistryImportError(errors)
    written: list[str] = []
    try:
        for face in faces:
            face.storage_name = default_storage.save(protected_photo_name(None, ""), ContentFile(face.prepared.jpeg))
            written.append(face.storage_name)
        return _write(rows, faces, existing_keys=set(existing))
    except IntegrityError as exc:
        delete_now(written)
        message = "The registry changed while this file was being checked: import it again."
        raise RegistryImportError([(0, message)]) from exc
    except BaseException:
        delete_now(written)
        raise


@transaction.atomic
def _write(rows: list[_Row], faces: list[_NewFace], *, existing_keys: set[str]) -> ImportResult:
    keys = [row.person.key for row in rows]
    existing = {p.name_key: p for p in ProtectedPerson.objects.select_for_update().filter(name_key__in=keys)}
    if set(existing) != existing_keys:
        raise IntegrityError("registry changed during the import")
    now = timezone.now()
    added: list[ProtectedPerson] = []
    changed: list[ProtectedPerson] = []
    fields: set[str] = set()
    for row in rows:
        person = existing.get(row.person.key)
        if person is None:
            added.append(row.person.new(created_at=now))
            continue
        names = _changes(person, row.person, row.columns)
        if names:
            person.updated_at = now
            fields.update([*names, "updated_at"])
            changed.append(person)
    ProtectedPerson.objects.bulk_create(added, batch_size=500)
    if changed:
        ProtectedPerson.objects.bulk_update(changed, sorted(fields), batch_size=500)
    ids = {p.name_key: p.pk for p in [*existing.values(), *added]}
    ProtectedFace.objects.bulk_create(
        [
            ProtectedFace(
                person_id=ids[face.key],
                photo=face.storage_name,
                embedding=face.prepared.template.tolist(),
                source=face.source[-MAX_SOURCE:],
                sha256=face.prepared.sha256,
                stored_sha256=face.prepared.stored_sha256,
                created_at=now,
            )
            for face in faces
        ],
        batch_size=500,
    )
    touched = {p.name_key for p in changed} | {face.key for face in faces}
    if added or touched:
        services.names_changed()  # bulk writes send no signals
    updated = len(touched & set(existing))
    return ImportResult(created=len(added), updated=updated, unchanged=len(existing) - updated, faces_added=len(faces))


# --- CSV export ------------------------------------------------------------------------------------


def _slug(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")[:60] or "person"


def registry_export(stream: IO[str], *, photos_dir: str | Path | None = None, csv_dir: str | Path | None = None) -> int:
    """Write the registry as CSV (the import's format, every column). Photos are copied into
    `photos_dir` (created if needed) and listed relative to `csv_dir` (the CSV's folder) when they
    are inside it, absolute otherwise; without `photos_dir` the photos column is left empty (the
    stored files have random names in a private storage). Either way the file re-imports, and
    re-importing it into the same registry changes nothing. Returns the number of people."""
    writer = csv.writer(stream, lineterminator="\n")
    writer.writerow(COLUMNS)
    target = Path(photos_dir).resolve() if photos_dir is not None else None
    relative_to = Path(csv_dir).resolve() if csv_dir is not None else None
    if target is not None:
        target.mkdir(parents=True, exist_ok=True)
    count = 0
    people = ProtectedPerson.objects.order_by("name_key").prefetch_related("faces")
    for person in people.iterator(chunk_size=1000):
        photos = []
        for face in sorted(person.faces.all(), key=lambda f: f.pk):
            if target is None:
                break  # the stored files have random names in a private storage: not listed
            path = target / f"{_slug(person.name_key)}-{face.pk}.jpg"
            with default_storage.open(face.photo.name or "", "rb") as stored, path.open("wb") as copy:
                shutil.copyfileobj(stored, copy)
            shown = path.relative_to(relative_to) if relative_to and path.is_relative_to(relative_to) else path
            photos.append(shown.as_posix())
        writer.writerow(
            [
                person.name,
                SEPARATOR.join(person.aliases or []),
                person.description,
                SEPARATOR.join(photos),
                person.kind,
                "yes" if person.deceased else "no",
                person.note,
            ]
        )
        count += 1
    return count
