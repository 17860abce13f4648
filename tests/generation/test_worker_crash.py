"""Nothing submitted is lost (DESIGN.md §1.5): a real worker process is SIGKILLed, with its pool,
in the middle of a job; another worker finishes it, and there is exactly one video."""

import pytest

from config.celery import app as celery_app
from feed.models import Video
from generation import services
from generation.models import GenerationJob
from tests.worker import purge_queues, start_worker, wait_for


@pytest.mark.redis
@pytest.mark.django_db(transaction=True)
def test_a_worker_killed_mid_job_loses_nothing_and_makes_one_video(make_user, enroll, settings, tmp_path):
    settings.CASTFEED_GENERATION = {**settings.CASTFEED_GENERATION, "STALE_SECONDS": 3}
    settings.CASTFEED_C2PA = {**settings.CASTFEED_C2PA, "DEV_DIR": tmp_path / "c2pa"}
    env = {"GENERATION_STALE_SECONDS": "3"}
    author = make_user("astro.self")
    enroll(author, "astronaut")
    purge_queues()
    eager = celery_app.conf.task_always_eager
    celery_app.conf.task_always_eager = False
    first = start_worker(settings, tmp_path / "first.log", **env)
    second = None
    try:
        job, _ = services.job_submit(author=author, prompt="@astro.self skiing down a mountain", duration_s=10)
        wait_for(lambda: GenerationJob.objects.get(pk=job.pk).status == "running", timeout=90, worker=first)
        first.kill_all()
        job.refresh_from_db()
        assert job.status == "running" and job.attempts == 1 and not Video.objects.exists()

        second = start_worker(settings, tmp_path / "second.log", **env)
        # The dead worker's lease runs out; the sweep (Celery beat in production) hands the job on.
        wait_for(lambda: services.stale_jobs_requeue() > 0, timeout=30, interval=0.5)
        wait_for(lambda: GenerationJob.objects.get(pk=job.pk).status == "ready", timeout=120, worker=second)
        job.refresh_from_db()
        assert job.attempts == 2
        assert Video.objects.count() == 1 and job.video_id == Video.objects.get().pk
        # A late duplicate delivery of the first message changes nothing.
        services._enqueue(job.pk)
        wait_for(lambda: "generation.run_job" in second.output() and "skipped" in second.output(), timeout=30)
        assert Video.objects.count() == 1
    finally:
        celery_app.conf.task_always_eager = eager
        first.kill_all()
        if second is not None:
            second.stop()
