"""User.approval_only: support's mark that only people this person approves one by one may show them
(a protected person's cleared look-alike; moderation 0018 sets it for those cleared before).

SQLite adds a NOT NULL column by rebuilding accounts_user, which drops the people search's triggers
(0005): they are made again, and the search index rebuilt, after it."""

import importlib

from django.db import migrations, models


def search_triggers_again(apps, schema_editor):  # type: ignore[no-untyped-def]
    if schema_editor.connection.vendor == "sqlite":
        search = importlib.import_module("accounts.migrations.0005_user_search")
        for statement in search.SQLITE:
            schema_editor.execute(statement)


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0013_notifications_naming_no_one"),
    ]

    operations = [
        migrations.AddField(
            model_name="user",
            name="approval_only",
            field=models.BooleanField(
                default=False,
                db_default=False,
                help_text="Only people this person approves one by one may show them (a cleared look-alike of a "
                "protected person). Set through the protected person's look-alikes.",
            ),
        ),
        migrations.RunPython(search_triggers_again, migrations.RunPython.noop),
    ]
