"""What protected people are known for ("the singer of Umbrella"), and the starter list's phrases.

The phrases come from the `known_for` column of moderation/data/starter/*.csv, for the starter people
already registered (0004 loaded them) whose `known_for` is still empty and whose description is the
starter row's (or empty): an operator's own phrases are kept, and an entry an operator made for
someone else with the same name (an estate's, with its own description) gets none. As in 0004, the CSV reading is here, so that this migration keeps working whatever the
importer becomes.
"""

import csv
import uuid
from pathlib import Path

from django.db import migrations, models

STARTER_DIR = Path(__file__).resolve().parent.parent / "data" / "starter"


def _line(text):
    return " ".join((text or "").split())


def load(apps, folder):
    """Set the known_for phrases of `folder`/*.csv on the registered people who have none; returns
    how many people got phrases."""
    from core.text import fold

    starter = {}  # name key -> (descriptions, phrases); the first file that gives phrases wins
    for path in sorted(Path(folder).glob("*.csv")):
        with path.open(encoding="utf-8-sig", newline="") as handle:
            for raw in csv.DictReader(handle):
                row = {(k or "").strip().lower(): v for k, v in raw.items() if isinstance(v, str)}
                key = " ".join(fold(_line(row.get("name"))[:120]).split())
                if not key:
                    continue
                descriptions, phrases = starter.setdefault(key, (set(), []))
                descriptions.add(_line(row.get("description"))[:300])
                given = [_line(p)[:200] for p in (row.get("known_for") or "").split("|") if _line(p)]
                if given and not phrases:
                    phrases += list(dict.fromkeys(given))[:20]
    if not any(phrases for _, phrases in starter.values()):
        return 0
    Person = apps.get_model("moderation", "ProtectedPerson")
    changed = []
    for person in Person.objects.iterator(chunk_size=1000):  # all: no IN list of thousands of keys
        descriptions, phrases = starter.get(person.name_key, (set(), []))
        if phrases and not person.known_for and (not person.description or person.description in descriptions):
            person.known_for = phrases
            changed.append(person)
    Person.objects.bulk_update(changed, ["known_for"], batch_size=500)
    if changed:  # every process reloads the registry's descriptions
        apps.get_model("moderation", "NamesVersion").objects.update_or_create(
            pk=1, defaults={"token": uuid.uuid4().hex}
        )
    return len(changed)


def forwards(apps, schema_editor):
    load(apps, STARTER_DIR)


class Migration(migrations.Migration):
    dependencies = [("moderation", "0007_names_change")]

    operations = [
        migrations.AddField(
            model_name="protectedperson",
            name="known_for",
            field=models.JSONField(
                blank=True,
                default=list,
                help_text='What they are best known for, one short description each: "the singer of Umbrella".',
            ),
        ),
        # Phrases are left in place going back: the column goes with them.
        migrations.RunPython(forwards, migrations.RunPython.noop),
    ]
