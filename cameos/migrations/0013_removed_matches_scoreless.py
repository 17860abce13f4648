"""Erasing a cameo now drops the similarity of the matches their authors removed ("not them")
(cameos.services.possible_matches_forget): a number derived from a face that is gone. Drop it here
from the rows of the people whose cameo was erased before, as the erasure would have. Nothing to undo."""

from django.db import migrations


def removed_matches_scoreless(apps, schema_editor):  # type: ignore[no-untyped-def]
    Appearance = apps.get_model("cameos", "Appearance")
    Cameo = apps.get_model("cameos", "Cameo")
    Appearance.objects.filter(match="removed", similarity__isnull=False).exclude(
        user_id__in=Cameo.objects.values("owner_id")
    ).update(similarity=None)


class Migration(migrations.Migration):
    dependencies = [("cameos", "0012_end_requests_between_blocked")]

    operations = [migrations.RunPython(removed_matches_scoreless, migrations.RunPython.noop, elidable=True)]
