"""Videos made before search read prompts without their @handles (feed.services.prompt_words): their
search text loses the handles too, so none of them is found by the handle of someone it shows whom
its `cameos` hide from the viewer (a block, a deactivated account). Their embeddings, made from the
same text, go with it: `manage.py embed_videos` embeds them again. Nothing to undo. Not atomic: a
batch of 2,000 videos a transaction, so that likes and comments on the videos it changes wait for a
batch, not for the whole table (a migration run again resumes: a video done has no handle left).
"""

import re

from django.db import migrations, transaction

_HANDLES = re.compile(r"@[A-Za-z0-9_.]+")


def prompt_words(prompt):  # type: ignore[no-untyped-def]
    """feed.services.prompt_words as it stood on 2026-12-06 (a migration reads none of the app's code)."""
    return " ".join(_HANDLES.sub(" ", prompt).split())


def drop_handles(apps, schema_editor):  # type: ignore[no-untyped-def]
    Video = apps.get_model("feed", "Video")
    VideoEmbedding = apps.get_model("feed", "VideoEmbedding")
    last = 0
    while True:  # in id order, a batch at a time, each read before any of it is written
        rows = Video.objects.filter(pk__gt=last, search_text__contains="@").order_by("pk")
        batch = list(rows.values_list("pk", "search_text")[:2000])
        if not batch:
            return
        last = batch[-1][0]
        with transaction.atomic():
            for video_id, text in batch:
                words = prompt_words(text)
                if words != text:
                    Video.objects.filter(pk=video_id).update(search_text=words)
                    VideoEmbedding.objects.filter(video_id=video_id).delete()


class Migration(migrations.Migration):
    atomic = False
    dependencies = [("feed", "0013_draft_consent_pending")]

    operations = [migrations.RunPython(drop_handles, migrations.RunPython.noop, elidable=True)]
