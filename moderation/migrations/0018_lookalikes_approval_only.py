"""Look-alikes an operator cleared before `User.approval_only` existed get it now, as
registry.person_set_lookalikes sets it: only people they approve one by one may show them, and a cameo
of theirs open to everyone is narrowed to approved people. No consent cascade runs here: a job of
someone they did not approve is refused at the gate's next check (a worker's start, the frames,
publish)."""

from django.db import migrations


def forwards(apps, schema_editor):
    ProtectedPerson = apps.get_model("moderation", "ProtectedPerson")
    User = apps.get_model("accounts", "User")
    Cameo = apps.get_model("cameos", "Cameo")
    cleared = ProtectedPerson.lookalikes.through.objects.values("user_id")
    User.objects.filter(pk__in=cleared).update(approval_only=True)
    Cameo.objects.filter(owner_id__in=cleared, audience="everyone").update(audience="approved")


class Migration(migrations.Migration):
    dependencies = [
        ("moderation", "0017_lookalikes"),
        ("accounts", "0014_user_approval_only"),
        ("cameos", "0014_uncredit_people_found_later"),
    ]

    operations = [migrations.RunPython(forwards, migrations.RunPython.noop)]
