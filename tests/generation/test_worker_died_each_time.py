"""A job whose worker dies on every attempt (it runs the worker out of memory, or crashes the model)
ends `failed` after CASTFEED_GENERATION_MAX_ATTEMPTS attempts, as a failure of the system's the author
may try again; before, the requeue sweep handed it to worker after worker forever, the job `queued`
and `running` in turn, one of its author's jobs in progress for good."""

import datetime as dt

import pytest
from django.utils import timezone

from generation import services
from generation.models import GenerationJob

pytestmark = pytest.mark.django_db

URL = "/api/v1/generations"


def the_worker_dies(job_id: str) -> None:
    """A worker takes the job, then dies: its lease runs out with no one renewing it."""
    assert services.job_claim(job_id, lease_seconds=15) is not None
    GenerationJob.objects.filter(pk=job_id).update(lease_until=timezone.now() - dt.timedelta(seconds=1))


def test_a_job_whose_worker_dies_each_time_fails_after_the_last_attempt(api, settings):
    settings.CASTFEED_GENERATION = {**settings.CASTFEED_GENERATION, "CONCURRENT_JOBS": 1}
    job_id = api.post(URL, {"prompt": "a lighthouse in a storm", "duration_s": 2}, format="json").json()["id"]

    # three attempts (CASTFEED_GENERATION_MAX_ATTEMPTS, the default)
    for _ in range(2):
        the_worker_dies(job_id)
        assert services.stale_jobs_requeue() == 1  # handed to another worker: nothing submitted is lost
        assert api.get(f"{URL}/{job_id}").json()["status"] == "queued"
    the_worker_dies(job_id)
    # The last attempt's worker died: a redelivered message starts no fourth, and the sweep ends it.
    assert services.job_claim(job_id, lease_seconds=15) is None
    services.stale_jobs_requeue()

    job = api.get(f"{URL}/{job_id}").json()
    assert job["status"] == "failed" and job["finished_at"] is not None
    assert job["error"]["code"] == "generation_failed"
    assert services.job_claim(job_id, lease_seconds=15) is None
    # Not counted: the author may submit again at once (the quota of one job in progress is free).
    again = api.post(URL, {"prompt": "a lighthouse in a storm", "duration_s": 2, "seed": 7}, format="json")
    assert again.status_code == 202
