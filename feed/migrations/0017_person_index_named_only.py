"""For You's "shows people I follow" boost and trending's most-used cameos count only the people a
video names (`credited`): someone found in it without their consent no longer lifts it in their
followers' feeds or counts as a use of their cameo. The person rows' index holds just those rows.
Built under a new name before the old one goes, both without stopping writes on PostgreSQL
(core.migration_ops)."""

from django.db import migrations, models

from core.migration_ops import AddIndexOnline, RemoveIndexOnline


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
        RemoveIndexOnline(model_name="videoperson", name="feed_videoperson_user_hot"),
    ]
