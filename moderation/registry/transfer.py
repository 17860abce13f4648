"""The registry's CSV import and export (moderation.registry docstring: the format)."""

from __future__ import annotations

import csv
import hashlib
import io
import os
import re
import shutil
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO

from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import IntegrityError, transaction
from django.utils import timezone

from cameos.conf import conf as cameos_conf
from core.exceptions import ApplicationError
from core.storage import delete_now
from moderation import services
from moderation.conf import conf
from moderation.models import ProtectedFace, ProtectedPerson, protected_photo_name
from moderation.registry.faces import (
    MAX_PHOTO_BYTES,
    MAX_SOURCE,
    FaceOfAnother,
    PreparedPhoto,
    face_of_another,
    lock_faces,
    photo_prepare,
)
from moderation.registry.people import (
    COLUMNS,
    SEPARATOR,
    _changes,
    _clashes,
    _clean_person,
    _names_taken,
    _Person,
    name_key,
)

_TRUE = {"1", "true", "yes", "y"}
_FALSE = {"0", "false", "no", "n", ""}


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


class RegistryExportError(Exception):
    """A stored photo that cannot be read (gone from storage): the export stops, naming it."""


@dataclass(frozen=True)
class ImportResult:
    created: int
    updated: int
    unchanged: int
    faces_added: int


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
    line: int = 0
    written: str = ""  # the photo as the file names it


class _TooLarge(Exception):
    def __init__(self, size: int) -> None:
        self.size = size


def _size(count: int) -> str:
    if count < 2**20:
        return f"{count:,} bytes"
    return f"{count // 2**20:,} MB" if count % 2**20 == 0 else f"{count / 2**20:,.2f} MB"


def _read_at_most(path: Path, limit: int) -> bytes:
    """The file's bytes; _TooLarge (with its size) when it has more than `limit`, known from the file
    system before reading anything, or from reading one byte more (a file that grew, a device)."""
    with path.open("rb") as handle:
        size = os.fstat(handle.fileno()).st_size
        if size > limit:
            raise _TooLarge(size)
        data = handle.read(limit + 1)
    if len(data) > limit:
        raise _TooLarge(max(size, len(data)))
    return data


def _read_text(source: str | Path | IO[str] | IO[bytes]) -> tuple[str, Path | None]:
    limit = conf().registry_csv_max_bytes
    try:
        if isinstance(source, (str, Path)):
            path = Path(source)
            try:
                data: str | bytes = _read_at_most(path, limit)
            except FileNotFoundError as exc:
                raise RegistryImportError([(0, "No such file.")]) from exc
            except OSError as exc:
                raise RegistryImportError([(0, f"The file cannot be read ({exc.strerror}).")]) from exc
            folder: Path | None = path.resolve().parent
        else:
            data = source.read(limit + 1)
            if len(data) > limit:
                raise _TooLarge(len(data))
            folder = None
    except _TooLarge as exc:
        message = (
            f"The file is {_size(exc.size)}, larger than the {_size(limit)} an import may be "
            "(CASTFEED_MODERATION_REGISTRY_CSV_MAX_BYTES)."
        )
        raise RegistryImportError([(0, message)]) from exc
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
            known_for=_split(cell.get("known_for", "")),
        )
        errors += [(line, f"{name}: {message}") for name, messages in problems.items() for message in messages]
        photos: list[tuple[str, Path]] = []
        for written in _split(cell.get("photos", "")):
            try:
                path = Path(written).expanduser()  # "~someone/…" of no such user: RuntimeError
                path = path if path.is_absolute() else base_dir / path
                found = path.is_file()  # a name too long for the file system: OSError
            except (OSError, RuntimeError, ValueError):
                errors.append((line, f"photo “{written}”: not a path that can be read."))
                continue
            if not found:
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
    any transaction). A face that is another person's, in the registry or earlier in the file, is
    refused: one photo is never the face of two entries."""
    known: dict[str, set[str]] = {}
    faces = ProtectedFace.objects.filter(person__in=list(existing.values()))
    for key, digest, stored in faces.values_list("person__name_key", "sha256", "stored_sha256"):
        known.setdefault(key, set()).update({digest, stored})
    names = {row.person.key: row.person.name for row in rows}
    new: list[_NewFace] = []
    errors: list[tuple[int, str]] = []
    for row in rows:
        seen = known.setdefault(row.person.key, set())
        for written, path in row.photos:
            try:
                data = _read_at_most(path, MAX_PHOTO_BYTES)
            except _TooLarge as exc:
                message = f"{path} is {_size(exc.size)}, larger than the {_size(MAX_PHOTO_BYTES)} a photo may be."
                errors.append((row.line, f"photo “{written}”: {message}"))
                continue
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
            face = _NewFace(row.person.key, Path(written).name, prepared, line=row.line, written=written)
            problem = _face_of_another(face, existing.get(row.person.key), new, names)
            if problem:
                errors.append((row.line, f"photo “{written}”: {problem}"))
                continue
            new.append(face)
    return new, errors


def _pk(person: ProtectedPerson | None) -> int | None:
    return person.pk if person is not None else None


def _face_of_another(
    face: _NewFace, person: ProtectedPerson | None, earlier: list[_NewFace], names: dict[str, str]
) -> str:
    """Why `face` cannot be added to its row's person (`person`: the entry it updates, None for a new
    one): its face is another entry's already, or another row's photo earlier in the file. ""
    when it can."""
    match = face_of_another(face.prepared.template, person_id=_pk(person))
    if match is not None:
        return FaceOfAnother(match).detail
    threshold = cameos_conf().protected_threshold
    for other in earlier:
        similarity = float(face.prepared.template @ other.prepared.template)
        if other.key != face.key and similarity >= threshold:
            return (
                f"The same face as photo “{other.written}” of “{names[other.key]}” on line {other.line} "
                f"(similarity {similarity:.2f}): one face cannot be two people."
            )
    return ""


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
    lock_faces()
    _, clashes = _check_names(rows)  # again, under the lock: a name or alias imported meanwhile
    if clashes:
        raise RegistryImportError(clashes)
    taken = [
        (face.line, f"photo “{face.written}”: {FaceOfAnother(match).detail}")
        for face in faces
        if (match := face_of_another(face.prepared.template, person_id=_pk(existing.get(face.key)))) is not None
    ]
    if taken:  # given to another entry since _prepare_faces checked it
        raise RegistryImportError(taken)
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
        services.names_changed(registry=[ids[key] for key in touched | {p.name_key for p in added}])  # no signals
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
            try:
                stored = default_storage.open(face.photo.name or "", "rb")
            except OSError as exc:
                where = exc.filename or face.photo.name
                problem = f"the photo of “{person.name}” cannot be read from storage ({exc.strerror or exc})"
                raise RegistryExportError(f"{where}: {problem}") from exc
            with stored, path.open("wb") as copy:
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
                SEPARATOR.join(person.known_for or []),
            ]
        )
        count += 1
    return count
