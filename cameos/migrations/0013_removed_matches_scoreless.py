"""Erasing a cameo now drops the similarity of the matches their authors removed ("not them")
(cameos.services.possible_matches_forget): a number derived from a face that is gone. Drop it here
from the rows of the people whose cameo was erased before, or who enrolled again since, as the erasure
or the new enrollment would have. Nothing to undo."""

from django.db import migrations
from django.db.models import Exists, OuterRef


def removed_matches_scoreless(apps, schema_editor):  # type: ignore[no-untyped-def]
    Appearance = apps.get_model("cameos", "Appearance")
    Cameo = apps.get_model("cameos", "Cameo")
    scored = Appearance.objects.filter(match="removed", similarity__isnull=False)
    scored.exclude(user_id__in=Cameo.objects.values("owner_id")).update(similarity=None)
    # And of those who enrolled again since the match was made: its score was of the face before, which
    # their new enrollment forgets now (possible_matches_forget) and would have forgotten then.
    enrolled_since = Cameo.objects.filter(owner_id=OuterRef("user_id"), enrolled_at__gt=OuterRef("created_at"))
    scored.filter(Exists(enrolled_since)).update(similarity=None)


class Migration(migrations.Migration):
    dependencies = [("cameos", "0012_end_requests_between_blocked")]

    operations = [migrations.RunPython(removed_matches_scoreless, migrations.RunPython.noop, elidable=True)]
