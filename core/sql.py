"""Hand-written SQL: lists of values, and a planner setting for one statement.

A list of values whose statement text does not depend on the list's length:

`x IN (%s, %s, …)` is a different statement for every length: psycopg parses each afresh (it caches
the parsing only of statements with at most 50 parameters), PostgreSQL plans each afresh, and each
length takes a slot of the connection's prepared statements, pushing out the hot ones (the consent
gate's). On PostgreSQL a list is one array parameter instead, `x = ANY(%s)`; SQLite has no arrays and
keeps `IN`. `one_of` is for hand-written SQL; the `any` lookup (`pk__any=ids`) for the ORM.

`planner_setting` plans the statements inside it with one PostgreSQL planner setting changed, and
only them, where the code knows something about the data that the planner's statistics cannot say.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from typing import Any

from django.db import connection, transaction
from django.db.models import Field, ForeignObject
from django.db.models.fields.related_lookups import RelatedIn
from django.db.models.lookups import In


def _array(values: list[Any]) -> list[Any]:
    """The list as psycopg should send it: whole numbers always as int8 (left alone, psycopg picks
    int2[], int4[] or int8[] by the largest value: three prepared statements for one text)."""
    from psycopg.types.numeric import Int8

    if values and all(type(v) is int for v in values):
        return [Int8(v) for v in values]
    return values


def one_of(column: str, values: Iterable[Any]) -> tuple[str, list[Any]]:
    """`column` is one of `values`, as SQL and its parameters (an empty list matches nothing)."""
    values = list(values)
    if connection.vendor == "postgresql":
        return f"{column} = ANY(%s)", [_array(values)]
    if not values:
        return "1 = 0", []
    return f"{column} IN ({', '.join(['%s'] * len(values))})", values


def serialised(key: int) -> None:
    """Until the caller's transaction ends, no other transaction passes this call with the same `key`
    (PostgreSQL: a transaction-level advisory lock; SQLite holds its one write lock from BEGIN, as the
    settings open transactions IMMEDIATE, so nothing is needed there). Call it inside an atomic block."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(%s)", [key])


@contextmanager
def planner_setting(name: str, value: str) -> Iterator[None]:
    """The statements run inside planned with the PostgreSQL setting `name` at `value` (SET LOCAL):
    in a transaction of their own, or, inside the caller's, in a savepoint and set back to what it
    was afterwards (an error inside rolls back to the savepoint, which undoes the setting too, and
    leaves the caller's transaction usable). Nothing on SQLite.

    A prepared statement keeps the plan it was first given whatever the settings later, so a
    statement run both with and without a setting should differ in its text (a comment will do)."""
    if connection.vendor != "postgresql":
        yield
        return
    outer = connection.in_atomic_block or not connection.get_autocommit()
    with transaction.atomic(), connection.cursor() as db:
        db.execute("SELECT current_setting(%s), set_config(%s, %s, true)", [name, name, value])
        before = db.fetchone()[0]
        yield
        if outer:
            db.execute("SELECT set_config(%s, %s, true)", [name, before])


def _as_array(lookup: In, compiler: Any, connection: Any) -> tuple[str, Sequence[Any]]:
    """`lhs = ANY(%s)` with the values as one list. As `in` writes it: a subquery (IN (SELECT …)),
    and a list holding an expression (F(), …) or values that cannot be hashed."""
    rhs = lookup.rhs
    if not lookup.rhs_is_direct_value() or any(hasattr(v, "resolve_expression") for v in rhs):
        return lookup.as_sql(compiler, connection)
    try:
        values = [v for v in dict.fromkeys(rhs) if v is not None]
    except TypeError:  # unhashable values (JSON, arrays)
        return lookup.as_sql(compiler, connection)
    lhs, params = lookup.process_lhs(compiler, connection)
    field = lookup.lhs.output_field
    prepared = [field.get_db_prep_value(v, connection, prepared=True) for v in values]
    return f"{lhs} = ANY(%s)", [*params, _array(prepared)]


@Field.register_lookup
class AnyOf(In):
    """`field__any=values`: `field__in=values` written as one array parameter on PostgreSQL."""

    lookup_name = "any"

    def as_postgresql(self, compiler: Any, connection: Any) -> tuple[str, Sequence[Any]]:
        return _as_array(self, compiler, connection)


@ForeignObject.register_lookup
class RelatedAnyOf(RelatedIn):
    """The same for a relation (`owner__any=ids`, `owner_id__any=ids`, model instances too)."""

    lookup_name = "any"

    def as_postgresql(self, compiler: Any, connection: Any) -> tuple[str, Sequence[Any]]:
        return _as_array(self, compiler, connection)
