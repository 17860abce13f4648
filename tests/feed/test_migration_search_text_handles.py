"""feed 0014: videos made before search read prompts without their @handles lose them from their
search text (and their embeddings, made from it), so none is found by the handle of someone hidden."""

import importlib

import numpy as np
import pytest
from django.apps import apps

from accounts import services as accounts_services
from feed.models import Video, VideoEmbedding

pytestmark = pytest.mark.django_db
migration = importlib.import_module("feed.migrations.0014_search_text_without_handles")


def found(client, q):
    response = client.get("/api/v1/search", {"q": q, "type": "videos"})
    assert response.status_code == 200, response.content
    return [v["id"] for v in response.json()["results"]]


def test_old_videos_lose_the_handles_of_their_prompts(api, me, other, make_user, make_video):
    blocker = make_user("marisol")
    accounts_services.block_create(blocker=blocker, blocked=me)
    shows = make_video(other, caption="beach day", people=(blocker,))
    plain = make_video(other, caption="sunset", prompt="a lighthouse in a storm")
    Video.objects.filter(pk=shows.pk).update(search_text="@marisol surfing a giant wave")  # as stored before
    for video in (shows, plain):
        VideoEmbedding.objects.create(video=video, embedding=np.ones(384, dtype=np.float32))
    assert found(api, "marisol") == [shows.pk]

    migration.drop_handles(apps, None)

    assert Video.objects.get(pk=shows.pk).search_text == "surfing a giant wave"
    assert Video.objects.get(pk=plain.pk).search_text == "a lighthouse in a storm"
    assert found(api, "marisol") == [] and found(api, "@marisol") == []
    assert found(api, "surfing") == [shows.pk]
    assert set(VideoEmbedding.objects.values_list("video_id", flat=True)) == {plain.pk}  # embedded again later
    accounts_services.block_delete(blocker=blocker, blocked=me)
    assert api.get(f"/api/v1/videos/{shows.pk}").json()["cameos"] == ["marisol"]  # who it shows is kept
