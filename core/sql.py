"""A list of values in SQL whose statement text does not depend on the list's length.

`x IN (%s, %s, …)` is a different statement for every length: psycopg parses each afresh (it caches
the parsing only of statements with at most 50 parameters), PostgreSQL plans each afresh, and each
length takes a slot of the connection's prepared statements, pushing out the hot ones (the consent
gate's). On PostgreSQL a list is one array parameter instead, `x = ANY(%s)`; SQLite has no arrays and
keeps `IN`. `one_of` is for hand-written SQL; the `any` lookup (`pk__any=ids`) for the ORM.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

from django.db import connection
from django.db.models import Field, ForeignObject
from django.db.models.fields.related_lookups import RelatedIn
from django.db.models.lookups import In


def one_of(column: str, values: Iterable[Any]) -> tuple[str, list[Any]]:
    """`column` is one of `values`, as SQL and its parameters (`values` not empty)."""
    values = list(values)
    if connection.vendor == "postgresql":
        return f"{column} = ANY(%s)", [values]
    return f"{column} IN ({', '.join(['%s'] * len(values))})", values


def _as_array(lookup: In, compiler: Any, connection: Any) -> tuple[str, Sequence[Any]]:
    """`lhs = ANY(%s)` with the values as one list; a subquery as `in` writes it (IN (SELECT …))."""
    if not lookup.rhs_is_direct_value():
        return lookup.as_sql(compiler, connection)
    lhs, params = lookup.process_lhs(compiler, connection)
    field = lookup.lhs.output_field
    values = [v for v in dict.fromkeys(lookup.rhs) if v is not None]
    return f"{lhs} = ANY(%s)", [*params, [field.get_db_prep_value(v, connection) for v in values]]


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
