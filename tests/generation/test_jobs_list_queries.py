"""GET /generations reads a page of jobs and their videos in a fixed number of queries, however many
jobs have a video (it used to read each job's video on its own: one query per job)."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from generation.models import GenerationJob

pytestmark = pytest.mark.django_db


def jobs_with_videos(author, make_video, n):
    for i in range(n):
        video = make_video(author, publish=i % 2 == 0, caption=f"video {i}")
        GenerationJob.objects.create(
            author=author,
            prompt=f"prompt {i}",
            duration_s=4,
            seed=i,
            status=GenerationJob.Status.PUBLISHED if i % 2 == 0 else GenerationJob.Status.READY,
            progress=100,
            video=video,
        )
    GenerationJob.objects.create(author=author, prompt="still queued", duration_s=4, seed=99)  # no video


def list_queries(api):
    with CaptureQueriesContext(connection) as queries:
        response = api.get("/api/v1/generations?limit=50")
    assert response.status_code == 200
    return len(queries), response.json()["results"]


def test_the_list_costs_the_same_queries_for_2_jobs_as_for_20(api, me, make_user, make_video):
    jobs_with_videos(me, make_video, 2)
    few, results = list_queries(api)
    assert len(results) == 3
    jobs_with_videos(me, make_video, 18)
    many, results = list_queries(api)
    assert len(results) == 22
    assert many == few
    with_video = [r for r in results if r["video"] is not None]
    assert len(with_video) == 20
    for job in with_video:  # each job with its own video
        assert job["prompt"] == "prompt " + job["video"]["caption"].split()[1]
    assert [r["video"] for r in results if r["prompt"] == "still queued"] == [None, None]
