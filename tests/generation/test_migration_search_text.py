"""generation 0003: videos made before search knew prompts get their job's prompt, and search finds them."""

import importlib

import pytest
from django.apps import apps

from accounts import services
from feed.models import Video
from generation.models import GenerationJob

pytestmark = pytest.mark.django_db
migration = importlib.import_module("generation.migrations.0003_video_search_text")


def test_old_videos_get_their_jobs_prompt_and_are_found(api, other, make_video):
    old = make_video(other)  # made before: no search_text
    kept = make_video(other, prompt="a lighthouse in a storm")
    for video, prompt in ((old, "a corgi surfing a giant wave"), (kept, "something else entirely")):
        GenerationJob.objects.create(author=other, prompt=prompt, duration_s=4, seed=1, video=video)
    assert api.get("/api/v1/search", {"q": "corgi", "type": "videos"}).json()["results"] == []

    migration.copy_prompts(apps, None)

    assert Video.objects.get(pk=old.pk).search_text == "a corgi surfing a giant wave"
    assert Video.objects.get(pk=kept.pk).search_text == "a lighthouse in a storm"  # already set: untouched
    found = api.get("/api/v1/search", {"q": "corgi", "type": "videos"}).json()["results"]
    assert [v["id"] for v in found] == [old.pk]


def test_an_old_videos_prompt_comes_without_its_handles(api, me, other, make_user, make_video):
    """As feed.services.prompt_words stores it: this migration may run after feed 0014 took the
    handles out of every search text, and would otherwise put them back."""
    blocker = make_user("marisol")
    services.block_create(blocker=blocker, blocked=me)
    old = make_video(other, people=(blocker,))
    GenerationJob.objects.create(author=other, prompt="@marisol surfing a wave", duration_s=4, seed=1, video=old)

    migration.copy_prompts(apps, None)

    assert Video.objects.get(pk=old.pk).search_text == "surfing a wave"
    assert api.get("/api/v1/search", {"q": "marisol", "type": "videos"}).json()["results"] == []
