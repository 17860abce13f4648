"""An index of the confirmed takedown requests by confirmation time, which every draft being stored
reads; built without stopping writes on PostgreSQL (core.migration_ops)."""

from django.db import migrations, models

from core.migration_ops import AddIndexOnline


class Migration(migrations.Migration):
    atomic = False

    dependencies = [
        ("moderation", "0015_takedown_templated"),
    ]

    operations = [
        AddIndexOnline(
            model_name="takedownrequest",
            index=models.Index(
                condition=models.Q(("status", "removed")), fields=["closed_at"], name="moderation_takedown_confirmed"
            ),
        ),
    ]
