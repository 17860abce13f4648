"""The starter list of protected people: every moderation/data/starter/*.csv, in file-name order.

Columns as the registry's CSV (name, aliases, description; photos are ignored here; optional kind and
deceased). Upserts by normalised name, so running it again, or over entries an operator made, adds
nothing twice: a name found in several files (or already registered) gets the union of the aliases
and the first non-empty description. The CSV reading is here, not the app's importer, so that this
migration keeps working whatever the importer becomes; the key is core.text.fold's, like the app's.
"""

import csv
import uuid
from pathlib import Path

from django.db import migrations

STARTER_DIR = Path(__file__).resolve().parent.parent / "data" / "starter"
KINDS = {"public_figure", "estate"}


def _line(text):
    return " ".join((text or "").split())


def load(apps, folder):
    """Upsert the people of `folder`/*.csv; returns (created, updated)."""
    from core.text import fold

    def key_of(text):
        return " ".join(fold(text).split())

    merged = {}  # key -> entry, in first-seen order
    for path in sorted(Path(folder).glob("*.csv")):
        with path.open(encoding="utf-8-sig", newline="") as handle:
            for raw in csv.DictReader(handle):
                row = {(k or "").strip().lower(): v for k, v in raw.items() if isinstance(v, str)}
                name = _line(row.get("name"))[:120]
                key = key_of(name)
                if not key:
                    continue
                entry = merged.get(key)
                if entry is None:
                    kind = _line(row.get("kind")) or "public_figure"
                    entry = merged[key] = {
                        "name": name,
                        "aliases": [],
                        "description": "",
                        "kind": kind if kind in KINDS else "public_figure",
                        "deceased": _line(row.get("deceased")).lower() in {"1", "true", "yes", "y"},
                    }
                entry["aliases"] += [_line(a)[:120] for a in (row.get("aliases") or "").split("|") if _line(a)]
                if not entry["description"]:
                    entry["description"] = _line(row.get("description"))[:300]
    if not merged:
        return 0, 0

    Person = apps.get_model("moderation", "ProtectedPerson")
    existing = {p.name_key: p for p in Person.objects.all()}

    def union(key, current, more):
        seen = {key} | {key_of(a) for a in current}
        result = list(current)
        for alias in more:
            alias_key = key_of(alias)
            if alias_key and alias_key not in seen:
                seen.add(alias_key)
                result.append(alias)
        return result

    new, changed = [], []
    for key, entry in merged.items():
        person = existing.get(key)
        if person is None:
            new.append(
                Person(
                    name=entry["name"],
                    name_key=key,
                    aliases=union(key, [], entry["aliases"]),
                    description=entry["description"],
                    kind=entry["kind"],
                    deceased=entry["deceased"],
                )
            )
            continue
        aliases = union(key, person.aliases or [], entry["aliases"])
        description = person.description or entry["description"]
        if aliases != person.aliases or description != person.description:
            person.aliases, person.description = aliases, description
            changed.append(person)
    Person.objects.bulk_create(new, batch_size=500)
    Person.objects.bulk_update(changed, ["aliases", "description"], batch_size=500)
    if new or changed:  # every process rebuilds its name index
        apps.get_model("moderation", "NamesVersion").objects.update_or_create(
            pk=1, defaults={"token": uuid.uuid4().hex}
        )
    return len(new), len(changed)


def forwards(apps, schema_editor):
    load(apps, STARTER_DIR)


class Migration(migrations.Migration):
    dependencies = [("moderation", "0003_protected_people")]
    # Entries are never removed going back: an operator may have given them faces since.
    operations = [migrations.RunPython(forwards, migrations.RunPython.noop)]
