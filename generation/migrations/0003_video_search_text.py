"""Videos made before search knew prompts (feed 0003 added Video.search_text, filled by generation
from then on): copy each job's canonical prompt onto its video, without its @handles as feed stores
it (feed.services.prompt_words: this may run after feed 0014 took them out), so search finds them too."""

import re

from django.db import migrations

_HANDLES = re.compile(r"@[A-Za-z0-9_.]+")


def prompt_words(prompt):  # type: ignore[no-untyped-def]
    """feed.services.prompt_words as it stood on 2026-12-06 (a migration reads none of the app's code)."""
    return " ".join(_HANDLES.sub(" ", prompt).split())


def copy_prompts(apps, schema_editor):  # type: ignore[no-untyped-def]
    Job = apps.get_model("generation", "GenerationJob")
    Video = apps.get_model("feed", "Video")
    jobs = Job.objects.filter(video__isnull=False, video__search_text="").values_list("video_id", "prompt")
    for video_id, prompt in jobs.iterator(chunk_size=2000):
        Video.objects.filter(pk=video_id, search_text="").update(search_text=prompt_words(prompt))


class Migration(migrations.Migration):
    dependencies = [
        ("generation", "0002_job_person"),
        ("feed", "0003_video_search"),
    ]

    operations = [migrations.RunPython(copy_prompts, migrations.RunPython.noop, elidable=True)]
