"""Reads for moderation: the index of protected names (cached per process, rebuilt when the registry
changes), the review queue and the audit log."""

from __future__ import annotations

import threading

from django.db import connection
from django.db.models import QuerySet

from cameos.models import Cameo
from feed.models import Report
from moderation.models import AuditEvent, NamesVersion, ProtectedName
from moderation.names import NameIndex, Person

_lock = threading.Lock()
_cache: dict[str, tuple[str, NameIndex]] = {}


def names_version() -> str:
    """The registry's current token (raw SQL: read on every gate decision, where the ORM's query
    building would cost more than the query)."""
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT token FROM {NamesVersion._meta.db_table} WHERE id = 1")  # noqa: S608 - our table
        row = cursor.fetchone()
    return row[0] if row else ""


def _entries():  # type: ignore[no-untyped-def]
    for pk, name, aliases in ProtectedName.objects.values_list("pk", "name", "aliases").iterator(chunk_size=5000):
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
