"""The person rows' old index (of every published row, named or not), which feed 0017's index of the
named ones replaced; dropped without stopping writes on PostgreSQL (core.migration_ops)."""

from django.db import migrations

from core.migration_ops import RemoveIndexOnline


class Migration(migrations.Migration):
    atomic = False

    dependencies = [
        ("feed", "0018_consentpending_rules"),
    ]

    operations = [RemoveIndexOnline(model_name="videoperson", name="feed_videoperson_user_hot")]
