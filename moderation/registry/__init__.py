"""Writes for the protected-person registry: people, their reference faces, and CSV import and export.

A face's template is computed before any transaction opens (detection and embedding take tens of
milliseconds a photo, and SQLite holds its write lock for a whole transaction), and photo files
written to storage are deleted again when their rows are not committed.

The CSV format (import and export): a header line, then one person a line.

    name,aliases,description,photos[,kind,deceased,note,known_for]

`name` is required; the other columns are optional. `aliases`, `photos` and `known_for` hold several
values separated by `|`; a photo is a file path, relative to the CSV's folder or absolute;
`known_for` lists what the person is best known for, one short description each ("the singer of
Umbrella"), matched by meaning like the description. An import
upserts by the normalised name (`name_key`): a row is the whole truth for the columns it has (its
aliases replace the entry's), and its photos are added as faces unless the same file (by SHA-256)
already is one of that person's; a photo whose face is another entry's (face_of_another) is refused.
Either the whole file is imported, or nothing is.

The package: `people` (entries, their names and aliases), `faces` (reference photos and their
templates), `transfer` (the CSV import and export).
"""

from __future__ import annotations

from moderation.registry.faces import (
    JPEG_QUALITY,
    MAX_PHOTO_BYTES,
    MAX_PHOTO_PIXELS,
    MAX_SOURCE,
    MIN_FACE_PX,
    STORED_MAX_SIDE,
    DuplicateFace,
    FaceOfAnother,
    NoFace,
    PreparedPhoto,
    UnreadableImage,
    face_add,
    face_of_another,
    face_remove,
    face_template,
    photo_prepare,
)
from moderation.registry.people import (
    COLUMNS,
    MAX_DESCRIPTION,
    MAX_KNOWN_FOR,
    MAX_NAME,
    MAX_NOTE,
    OWN_ACCOUNT_NOT_LOOKALIKE,
    SEPARATOR,
    clean_aliases,
    clean_known_for,
    key_too_long,
    lookalikes_hold,
    name_clashes,
    name_key,
    person_delete,
    person_link_account,
    person_set_lookalikes,
    person_update,
    person_upsert,
)
from moderation.registry.transfer import (
    ImportResult,
    RegistryExportError,
    RegistryImportError,
    registry_export,
    registry_import,
)

__all__ = [
    "COLUMNS",
    "JPEG_QUALITY",
    "MAX_DESCRIPTION",
    "MAX_KNOWN_FOR",
    "MAX_NAME",
    "MAX_NOTE",
    "MAX_PHOTO_BYTES",
    "MAX_PHOTO_PIXELS",
    "MAX_SOURCE",
    "MIN_FACE_PX",
    "OWN_ACCOUNT_NOT_LOOKALIKE",
    "SEPARATOR",
    "STORED_MAX_SIDE",
    "DuplicateFace",
    "FaceOfAnother",
    "ImportResult",
    "NoFace",
    "PreparedPhoto",
    "RegistryExportError",
    "RegistryImportError",
    "UnreadableImage",
    "clean_aliases",
    "clean_known_for",
    "face_add",
    "face_of_another",
    "face_remove",
    "face_template",
    "key_too_long",
    "lookalikes_hold",
    "name_clashes",
    "name_key",
    "person_delete",
    "person_link_account",
    "person_set_lookalikes",
    "person_update",
    "person_upsert",
    "photo_prepare",
    "registry_export",
    "registry_import",
]
