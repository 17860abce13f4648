"""Keyset (cursor) pagination for every list that can grow.

A cursor is the ordering values of the last row of a page, signed with the SECRET_KEY and a salt
per list, so a client cannot forge a position or reuse a cursor of one list in another; a changed
cursor is a 400 `invalid_cursor`. One query per page, whatever the depth: the filter starts the
index scan at the cursor instead of skipping rows as OFFSET does.
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any, Generic, TypeVar

from django.core import signing
from django.db.models import Q, QuerySet

from core.conf import conf
from core.exceptions import ApplicationError

T = TypeVar("T")


class InvalidCursor(ApplicationError):
    code = "invalid_cursor"
    default_detail = "The cursor is invalid or was changed; start again from the first page."


@dataclass(frozen=True)
class Page(Generic[T]):
    items: list[T]
    next: str | None


def _jsonable(value: Any) -> Any:
    if isinstance(value, (dt.datetime, dt.date)):
        return value.isoformat()
    if isinstance(value, (Decimal, uuid.UUID)):  # a job's id is a UUID
        return str(value)
    return value


def encode_cursor(values: Sequence[Any], *, salt: str) -> str:
    return signing.dumps([_jsonable(v) for v in values], salt=f"castfeed.cursor.{salt}", compress=True)


def decode_cursor(token: str, *, salt: str, length: int) -> list[Any]:
    try:
        values = signing.loads(token, salt=f"castfeed.cursor.{salt}")
    except (signing.BadSignature, ValueError, TypeError) as exc:
        raise InvalidCursor from exc
    if not isinstance(values, list) or len(values) != length:
        raise InvalidCursor
    return values


def page_limit(limit: int | None) -> int:
    sizes = conf()
    return min(limit or sizes.page_size, sizes.max_page_size)


def after(ordering: Sequence[str], values: Sequence[Any]) -> Q:
    """Rows strictly after `values` in `ordering` (e.g. ("-created_at", "-id")).

    (a < x) OR (a = x AND b < y) ..., plus a plain bound on the first column so the database
    starts its index scan at the cursor rather than filtering every row before it.
    """
    fields = [(f.lstrip("-"), f.startswith("-")) for f in ordering]
    condition = Q()
    for i, (name, desc) in enumerate(fields):
        term = Q(**{f"{prev}": values[j] for j, (prev, _) in enumerate(fields[:i])})
        term &= Q(**{f"{name}__{'lt' if desc else 'gt'}": values[i]})
        condition |= term
    first, first_desc = fields[0]
    return Q(**{f"{first}__{'lte' if first_desc else 'gte'}": values[0]}) & condition


def _value(obj: Any, name: str) -> Any:
    for part in name.split("__"):
        obj = obj[part] if isinstance(obj, dict) else getattr(obj, part)
    return obj


def keyset_page(
    queryset: QuerySet[Any], *, ordering: Sequence[str], cursor: str | None, limit: int | None, salt: str
) -> Page[Any]:
    """One page of `queryset` in `ordering`; the last ordering field must be unique (usually id)."""
    size = page_limit(limit)
    qs = queryset.order_by(*ordering)
    if cursor:
        qs = qs.filter(after(ordering, decode_cursor(cursor, salt=salt, length=len(ordering))))
    rows = list(qs[: size + 1])
    next_cursor = None
    if len(rows) > size:
        rows = rows[:size]
        next_cursor = encode_cursor([_value(rows[-1], f.lstrip("-")) for f in ordering], salt=salt)
    return Page(items=rows, next=next_cursor)
