"""A worker that loses the database mid-job gives the job back (generation.services.job_release):
queued again without a lease, so a retry or the requeue sweep claims it; nothing is failed."""

import pytest
from django.db import OperationalError

from generation import pipeline
from generation.models import GenerationJob


def test_a_job_whose_worker_loses_the_database_is_queued_again(api, me, monkeypatch):
    response = api.post("/api/v1/generations", {"prompt": "a cat surfing at sunset", "duration_s": 2}, format="json")
    assert response.status_code == 202
    job_id = response.json()["id"]

    def database_gone(job):  # type: ignore[no-untyped-def]
        raise OperationalError("server closed the connection unexpectedly")

    monkeypatch.setattr(pipeline, "_check", database_gone)
    with pytest.raises(OperationalError):
        pipeline.run(job_id)

    job = GenerationJob.objects.get(pk=job_id)
    assert job.status == GenerationJob.Status.QUEUED
    assert job.lease_until is None
    assert job.attempts == 1
    assert job.video_id is None
    assert api.get(f"/api/v1/generations/{job_id}").json()["status"] == "queued"
