"""Fast bulk inserts for seeding: PostgreSQL COPY, or batched executemany elsewhere.

Rows carry explicit primary keys so callers know the ids without reading them back; the id
sequence is moved past them afterwards.
"""

from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from typing import Any

from django.core.management.color import no_style
from django.db import connection, models


def next_id(model: type[models.Model]) -> int:
    last = model._default_manager.order_by("-pk").values_list("pk", flat=True).first()
    return (last or 0) + 1


def insert_rows(
    model: type[models.Model], columns: Sequence[str], rows: Iterable[Sequence[Any]], *, batch: int = 50_000
) -> int:
    """Insert `rows` (tuples in `columns` order, column names as in the database) into `model`'s
    table. Returns the number of rows written."""
    table = model._meta.db_table
    count = 0
    if connection.vendor == "postgresql":
        cols = ", ".join(connection.ops.quote_name(c) for c in columns)
        with connection.cursor() as cursor, cursor.copy(f"COPY {table} ({cols}) FROM STDIN") as copy:  # type: ignore[attr-defined]
            for row in rows:
                copy.write_row(row)
                count += 1
    else:
        placeholders = ", ".join(["%s"] * len(columns))
        cols = ", ".join(connection.ops.quote_name(c) for c in columns)
        sql = f"INSERT INTO {table} ({cols}) VALUES ({placeholders})"  # noqa: S608 - names are ours
        chunk: list[Sequence[Any]] = []
        with connection.cursor() as cursor:
            for row in rows:
                chunk.append(row)
                if len(chunk) >= batch:
                    cursor.executemany(sql, chunk)
                    count += len(chunk)
                    chunk = []
            if chunk:
                cursor.executemany(sql, chunk)
                count += len(chunk)
    reset_sequences(model)
    return count


def reset_sequences(*models_: type[models.Model]) -> None:
    statements = connection.ops.sequence_reset_sql(no_style(), list(models_))
    if statements:
        with connection.cursor() as cursor:
            for sql in statements:
                cursor.execute(sql)


@contextmanager
def indexes_deferred(*models_: type[models.Model]) -> Iterator[None]:
    """On PostgreSQL, drop the models' secondary indexes and unique constraints for a bulk load and
    build them once afterwards (several times faster than maintaining them row by row)."""
    if connection.vendor != "postgresql":
        yield
        return
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL maintenance_work_mem = '1GB'")
    with connection.schema_editor() as editor:
        for model in models_:
            for index in model._meta.indexes:
                editor.remove_index(model, index)
            for constraint in model._meta.constraints:
                if isinstance(constraint, models.UniqueConstraint):
                    editor.remove_constraint(model, constraint)
    yield
    with connection.cursor() as cursor:
        # The loaded rows' deferred foreign-key checks must run before an index can be built.
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
        cursor.execute("SET CONSTRAINTS ALL DEFERRED")
    with connection.schema_editor() as editor:
        for model in models_:
            for constraint in model._meta.constraints:
                if isinstance(constraint, models.UniqueConstraint):
                    editor.add_constraint(model, constraint)
            for index in model._meta.indexes:
                editor.add_index(model, index)
