"""Index operations for migrations that leave the table writable while they run.

A plain AddIndex or RemoveIndex on PostgreSQL holds a lock that stops every write to the table for
as long as the index takes to build: tens of seconds on a table of millions of rows, during which
likes, publishing and the consent cascade wait. On PostgreSQL these build and drop the index
CONCURRENTLY instead (so the migration declares `atomic = False`); on SQLite, the embedded default,
they are the plain operations. Replacing an index: add the new one under a new name first, then
remove the old one, so that the queries it serves always have one.
"""

from __future__ import annotations

from typing import Any

from django.contrib.postgres.operations import AddIndexConcurrently, RemoveIndexConcurrently
from django.db.migrations.operations import AddIndex, RemoveIndex


class _Online:
    """Concurrently (the parent operation) on PostgreSQL; `plain` elsewhere."""

    plain: Any

    def database_forwards(self, app_label: str, schema_editor: Any, from_state: Any, to_state: Any) -> None:
        if schema_editor.connection.vendor == "postgresql":
            super().database_forwards(app_label, schema_editor, from_state, to_state)  # type: ignore[misc]
        else:
            self.plain.database_forwards(self, app_label, schema_editor, from_state, to_state)

    def database_backwards(self, app_label: str, schema_editor: Any, from_state: Any, to_state: Any) -> None:
        if schema_editor.connection.vendor == "postgresql":
            super().database_backwards(app_label, schema_editor, from_state, to_state)  # type: ignore[misc]
        else:
            self.plain.database_backwards(self, app_label, schema_editor, from_state, to_state)


class AddIndexOnline(_Online, AddIndexConcurrently):
    plain = AddIndex


class RemoveIndexOnline(_Online, RemoveIndexConcurrently):
    plain = RemoveIndex
