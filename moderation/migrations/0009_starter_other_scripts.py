"""The starter list's names in other scripts (moderation/data/starter/other_scripts/: Chinese, Japanese,
Korean and Russian when this ran first; Arabic, Persian, Hebrew, Hindi, Thai and Greek since, 0010):
aliases of people already registered, found inside text written without spaces (moderation.names:
"特朗普在跳舞"). Added to the aliases each person has, by normalised name, nothing removed; a person
no longer registered (an operator removed them or renamed them) is not brought back, and an alias
that is another registered person's name is left out (the registry refuses such an alias). Logged in
NamesChange with a new NamesVersion token, so that running processes add them to their name index
at their next check. In a folder of its own, which 0004's loading of the starter list does not read.
"""

import csv
import uuid
from pathlib import Path

from django.db import migrations

NAMES = Path(__file__).resolve().parent.parent / "data" / "starter" / "other_scripts" / "names.csv"


def forwards(apps, schema_editor):
    from core.text import fold

    def key_of(text):
        return " ".join(fold(text).split())

    Person = apps.get_model("moderation", "ProtectedPerson")
    NamesChange = apps.get_model("moderation", "NamesChange")
    with NAMES.open(encoding="utf-8", newline="") as handle:
        wanted = {
            key_of(row["name"]): [a.strip() for a in row["aliases"].split("|") if a.strip()]
            for row in csv.DictReader(handle)
        }
    others = set(  # other people's names: an alias may not be one
        Person.objects.filter(name_key__in=[key_of(a) for aliases in wanted.values() for a in aliases]).values_list(
            "name_key", flat=True
        )
    )
    changed = []
    for person in Person.objects.filter(name_key__in=list(wanted)):
        seen = {person.name_key} | {key_of(a) for a in person.aliases or []} | others
        added = []
        for alias in wanted[person.name_key]:  # two spellings may be one alias ("أوباما", "اوباما")
            if key_of(alias) not in seen:
                seen.add(key_of(alias))
                added.append(alias)
        if added:
            person.aliases = [*(person.aliases or []), *added]
            changed.append(person)
    Person.objects.bulk_update(changed, ["aliases"], batch_size=500)
    NamesChange.objects.bulk_create([NamesChange(kind="registry", person_id=p.pk) for p in changed])
    if changed:  # every process adds these people's names at its next check
        apps.get_model("moderation", "NamesVersion").objects.update_or_create(
            pk=1, defaults={"token": uuid.uuid4().hex}
        )


class Migration(migrations.Migration):
    dependencies = [("moderation", "0008_known_for")]
    operations = [migrations.RunPython(forwards, migrations.RunPython.noop)]
