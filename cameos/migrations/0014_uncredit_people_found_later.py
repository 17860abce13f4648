"""A person found in someone else's video after it was made (a scan of existing videos when they
enrolled, or a possible match its author confirmed) is no longer named in the video's public
`cameos` unless their cameo admits its author (feed.VideoPerson.credited,
cameos.services.appearances._consented). The people found so before are named there still: their
rows are marked here, by the same rule, read now. Found later means the appearance was recorded more
than a minute after the video (the output scan records its own within the video's transaction).
Nothing to undo."""

import datetime as dt

from django.db import migrations
from django.db.models import ExpressionWrapper, F, DateTimeField


def uncredit_people_found_later(apps, schema_editor):  # type: ignore[no-untyped-def]
    Appearance = apps.get_model("cameos", "Appearance")
    VideoPerson = apps.get_model("feed", "VideoPerson")
    later = ExpressionWrapper(F("video__created_at") + dt.timedelta(minutes=1), output_field=DateTimeField())
    found = list(
        Appearance.objects.filter(source="detected", match="confirmed", created_at__gt=later)
        .exclude(user_id=F("video__author_id"))
        .values_list("video_id", "video__author_id", "user_id")
        .order_by("pk")
    )
    if not found:
        return  # a new database: nothing to read with the app's own rules
    from accounts.models import User
    from cameos.selectors import admitting

    authors = {u.pk: u for u in User.objects.filter(pk__in={a for _, a, _ in found})}
    for video_id, author_id, person_id in found:
        if person_id not in admitting(authors[author_id], [person_id]):
            VideoPerson.objects.filter(video_id=video_id, user_id=person_id).update(credited=False)


class Migration(migrations.Migration):
    dependencies = [
        ("cameos", "0013_removed_matches_scoreless"),
        ("feed", "0016_videoperson_credited"),
    ]

    operations = [migrations.RunPython(uncredit_people_found_later, migrations.RunPython.noop, elidable=True)]
