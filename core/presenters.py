"""What every app's presenters share: the one timestamp format of the API and of the exports."""

from __future__ import annotations

import datetime as dt


def timestamp(value: dt.datetime | None) -> str | None:
    """ISO 8601 in UTC with a `Z` (as DRF's DateTimeField writes it); None stays None. A naive value
    (SQLite through raw SQL) is in UTC, as DRF takes it with TIME_ZONE = "UTC"."""
    if value is None:
        return None
    value = value.astimezone(dt.UTC) if value.tzinfo is not None else value.replace(tzinfo=dt.UTC)
    return value.isoformat().replace("+00:00", "Z")
