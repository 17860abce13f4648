"""A block now takes each one's likes off the other's videos (feed.services.likes_end_for_block).
The blocks made before keep theirs, out of the blocked person's reach: they go here, each video's
count and rank taken down as a block takes them down now. Nothing to undo."""

from django.db import migrations
from django.db.models import F, FloatField, Q, Value
from django.db.models.functions import Cast, Greatest, Ln


def end_likes_across_blocks(apps, schema_editor):
    # The rank as feed.services._bump computes it (the app's own weights).
    from feed.services import engagement

    Block = apps.get_model("accounts", "Block")
    Like = apps.get_model("feed", "Like")
    Video = apps.get_model("feed", "Video")
    VideoPerson = apps.get_model("feed", "VideoPerson")
    for blocker, blocked in Block.objects.order_by("pk").values_list("blocker_id", "blocked_id").iterator():
        rows = Like.objects.filter(
            Q(user_id=blocked, video__author_id=blocker) | Q(user_id=blocker, video__author_id=blocked)
        )
        ended = list(rows.values_list("pk", "video_id"))
        if not ended:
            continue
        Like.objects.filter(pk__in=[pk for pk, _ in ended]).delete()
        videos = sorted({video for _, video in ended})  # one like a person and video: each once
        likes = Greatest(F("like_count") - 1, Value(0))
        real = {name: Cast(F(name), FloatField()) for name in ("completed_view_count", "comment_count", "remix_count")}
        score = (
            Ln(
                Value(1.0, output_field=FloatField())
                + engagement(
                    likes=Cast(likes, FloatField()),
                    completed_views=real["completed_view_count"],
                    comments=real["comment_count"],
                    remixes=real["remix_count"],
                )
            )
            + F("time_score")
            + F("bonus")
        )
        Video.objects.filter(pk__in=videos).update(like_count=likes, hot_score=score)
        for video_id, hot in Video.objects.filter(pk__in=videos).values_list("pk", "hot_score"):
            VideoPerson.objects.filter(video_id=video_id).update(hot_score=hot)


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0013_notifications_naming_no_one"),
        ("feed", "0011_removedfingerprint_hidden_for_review"),
    ]

    operations = [migrations.RunPython(end_likes_across_blocks, migrations.RunPython.noop)]
