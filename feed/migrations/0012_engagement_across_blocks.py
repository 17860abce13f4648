"""A block now takes each one's likes and comments off the other's videos
(feed.services.engagement_end_for_block). The blocks made before keep theirs: the likes out of the
blocked person's reach, the comments read by everyone under a video whose author can neither see nor
delete them. They go here, each video's counts and rank taken down as a block takes them down now.
Nothing to undo."""

from collections import Counter

from django.conf import settings
from django.db import migrations
from django.db.models import F, FloatField, Q, Value
from django.db.models.functions import Cast, Greatest, Ln

_WEIGHTS = {"like": 1.0, "completed_view": 2.0, "comment": 3.0, "remix": 4.0}  # feed.conf's defaults


def engagement(*, likes, completed_views, comments, remixes):  # type: ignore[no-untyped-def]
    """feed.services.engagement as it stood on 2026-12-06 (a migration reads none of the app's code):
    the counts weighted by the deployment's CASTFEED_FEED_WEIGHT_* (feed.conf, checked at start-up)."""
    overrides = {str(key).lower(): value for key, value in (getattr(settings, "CASTFEED_FEED", None) or {}).items()}
    w = {name: float(overrides.get(f"weight_{name}", default)) for name, default in _WEIGHTS.items()}
    return likes * w["like"] + completed_views * w["completed_view"] + comments * w["comment"] + remixes * w["remix"]


def _ranked(Video, VideoPerson, video_ids, *, likes=0, comments=0):  # noqa: N803
    """Take `likes` and `comments` off these videos' counts, and their rank recomputed as
    feed.services._bump does (the app's own weights), copied onto their person rows."""
    new = {
        "like_count": Greatest(F("like_count") - likes, Value(0)),
        "comment_count": Greatest(F("comment_count") - comments, Value(0)),
    }
    real = {name: Cast(F(name), FloatField()) for name in ("completed_view_count", "remix_count")}
    score = (
        Ln(
            Value(1.0, output_field=FloatField())
            + engagement(
                likes=Cast(new["like_count"], FloatField()),
                completed_views=real["completed_view_count"],
                comments=Cast(new["comment_count"], FloatField()),
                remixes=real["remix_count"],
            )
        )
        + F("time_score")
        + F("bonus")
    )
    Video.objects.filter(pk__in=video_ids).update(**new, hot_score=score)
    for video_id, hot in Video.objects.filter(pk__in=video_ids).values_list("pk", "hot_score"):
        VideoPerson.objects.filter(video_id=video_id).update(hot_score=hot)


def end_engagement_across_blocks(apps, schema_editor):
    Block = apps.get_model("accounts", "Block")
    Like = apps.get_model("feed", "Like")
    Comment = apps.get_model("feed", "Comment")
    Video = apps.get_model("feed", "Video")
    VideoPerson = apps.get_model("feed", "VideoPerson")
    for blocker, blocked in Block.objects.order_by("pk").values_list("blocker_id", "blocked_id").iterator():
        likes = Like.objects.filter(
            Q(user_id=blocked, video__author_id=blocker) | Q(user_id=blocker, video__author_id=blocked)
        )
        ended = list(likes.values_list("pk", "video_id"))
        if ended:
            Like.objects.filter(pk__in=[pk for pk, _ in ended]).delete()
            _ranked(Video, VideoPerson, sorted({video for _, video in ended}), likes=1)  # one like a person
        comments = Comment.objects.filter(
            Q(author_id=blocked, video__author_id=blocker) | Q(author_id=blocker, video__author_id=blocked)
        )
        said = list(comments.values_list("pk", "video_id"))
        if said:
            Comment.objects.filter(pk__in=[pk for pk, _ in said]).delete()
            per_video = Counter(video for _, video in said)
            for n in sorted(set(per_video.values())):
                _ranked(Video, VideoPerson, sorted(v for v, c in per_video.items() if c == n), comments=n)


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0013_notifications_naming_no_one"),
        ("feed", "0011_removedfingerprint_hidden_for_review"),
    ]

    operations = [migrations.RunPython(end_engagement_across_blocks, migrations.RunPython.noop)]
