"""core.text.fold now reads a Latin letter with a hook, tail, curl or stroke as its letter ("Ƈ" is
"c"): a person registered with such a letter in their name gets the key the registry computes from
now on, so an import or an edit of them finds them again. A key another person already has is left
as it is (that person is the one an upsert of the name finds). Nothing to undo."""

from django.db import migrations


def refold_keys(apps, schema_editor):
    # The app's own normalisation, as moderation 0003: the keys must be the ones the registry computes.
    from core.text import fold

    Person = apps.get_model("moderation", "ProtectedPerson")
    taken = set(Person.objects.values_list("name_key", flat=True))
    for person in Person.objects.order_by("pk").only("pk", "name", "name_key"):
        if person.name.isascii():
            continue
        key = " ".join(fold(person.name).split())
        if key and key != person.name_key and key not in taken:
            taken.discard(person.name_key)
            taken.add(key)
            person.name_key = key
            person.save(update_fields=["name_key"])


class Migration(migrations.Migration):
    dependencies = [("moderation", "0013_takedown_requester_mail")]

    operations = [migrations.RunPython(refold_keys, migrations.RunPython.noop)]
