"""`manage.py seed` gives videos real words: a caption and a prompt from a bounded vocabulary of topics
(feed.seed.caption_and_prompt), so that video search finds seeded videos by topic, subject or setting."""

import io

import pytest
from django.core.management import call_command

from feed.models import Video
from feed.seed import DISTINCT, TOPICS, caption_and_prompt

pytestmark = pytest.mark.django_db


def test_seeded_videos_are_found_by_their_topic_words(api):
    call_command("seed", users=60, follows=300, videos=300, likes=500, views=300, comments=50, stdout=io.StringIO())
    videos = list(Video.objects.values_list("id", "caption", "search_text"))
    captions = {caption for _, caption, _ in videos}
    assert len(captions) > 100  # varied ...
    assert captions | {prompt for _, _, prompt in videos} <= set(DISTINCT)  # ... from a bounded set
    assert all(caption_and_prompt(pk)[:2] == (caption, prompt) for pk, caption, prompt in videos)

    response = api.get("/api/v1/search", {"q": "cooking", "type": "videos", "limit": 100})
    assert response.status_code == 200
    found = {v["id"] for v in response.json()["results"]}
    cooking = {pk for pk, _, prompt in videos if prompt.endswith(", cooking")}
    assert found == cooking and len(cooking) > 5

    response = api.get("/api/v1/search", {"q": "sushi rolls", "type": "videos", "limit": 100})
    assert {v["caption"] for v in response.json()["results"]} == {c for c in captions if c.startswith("sushi rolls")}


def test_the_vocabulary_is_wide_and_bounded():
    assert len(TOPICS) >= 12
    assert 1000 <= len(DISTINCT) <= 10_000
    topics = {caption_and_prompt(i)[2] for i in range(2000)}
    assert topics == set(TOPICS)
