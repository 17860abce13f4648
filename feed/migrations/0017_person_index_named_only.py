"""For You's "shows people I follow" boost and trending's most-used cameos count only the people a
video names (`credited`): someone found in it without their consent no longer lifts it in their
followers' feeds or counts as a use of their cameo. The person rows' index holds just those rows.
Built under a new name without stopping writes on PostgreSQL (core.migration_ops); the old index
goes in 0019, a migration of its own (one operation each: a failure leaves nothing half done to trip
the next `migrate`). On a rolling deploy, where processes of the code before still read the person
rows without `credited` (which only the old index serves), migrate to 0018 first and to 0019 once
they are all replaced."""

from django.db import migrations, models

from core.migration_ops import AddIndexOnline


class Migration(migrations.Migration):
    atomic = False

    dependencies = [
        ("cameos", "0014_uncredit_people_found_later"),
        ("feed", "0016_videoperson_credited"),
    ]

    operations = [
        AddIndexOnline(
            model_name="videoperson",
            index=models.Index(
                condition=models.Q(("credited", True), ("published", True)),
                fields=["user", "-hot_score", "-video"],
                include=("author",),
                name="feed_person_named_hot",
            ),
        ),
    ]
