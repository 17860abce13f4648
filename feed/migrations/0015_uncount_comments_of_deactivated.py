"""A deactivation now takes the person's comments off each video's `counts.comments` and rank
(feed.services.user_comments_count), as the comment list hides them. The accounts deactivated before
still count theirs: taken off here, as a deactivation takes them off now (their reactivation counts
them again). Nothing to undo."""

import importlib

from django.db import migrations
from django.db.models import Count

_ranked = importlib.import_module("feed.migrations.0012_engagement_across_blocks")._ranked


def uncount_comments_of_deactivated(apps, schema_editor):  # type: ignore[no-untyped-def]
    Comment = apps.get_model("feed", "Comment")
    Video = apps.get_model("feed", "Video")
    VideoPerson = apps.get_model("feed", "VideoPerson")
    counted = Comment.objects.filter(author__is_active=False).values("video_id").annotate(n=Count("id"))
    per_video = {row["video_id"]: row["n"] for row in counted.order_by()}  # one row a video, counted in the database
    for n in sorted(set(per_video.values())):
        _ranked(Video, VideoPerson, sorted(v for v, c in per_video.items() if c == n), comments=n)


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0013_notifications_naming_no_one"),
        ("feed", "0014_search_text_without_handles"),
    ]

    operations = [migrations.RunPython(uncount_comments_of_deactivated, migrations.RunPython.noop)]
