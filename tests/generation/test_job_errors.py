"""What a job's author reads in `error` when the worker could not make the video."""

import pytest

from generation import pipeline
from generation.models import GenerationJob

pytestmark = pytest.mark.usefixtures("c2pa_dev_dir")

URL = "/api/v1/generations"


def test_a_misconfigured_backend_fails_the_job_without_telling_the_author_the_servers_paths_or_settings(
    api, settings, tmp_path, caplog
):
    """The worker's diffusers folder is missing: the author is told the video could not be made, not
    where the server keeps its models nor which setting is wrong; the operators read that in the log."""
    missing = tmp_path / "weights-not-here"
    settings.CASTFEED_GENERATION = {
        **settings.CASTFEED_GENERATION,
        "BACKEND": "diffusers",
        "DIFFUSERS_PIPELINE_PATH": str(missing),
    }
    job_id = api.post(URL, {"prompt": "a cat asleep on a sofa", "duration_s": 2}, format="json").json()["id"]

    with caplog.at_level("ERROR", logger="generation.pipeline"):
        assert pipeline.run(job_id) == "failed"

    error = api.get(f"{URL}/{job_id}").json()["error"]
    assert error["code"] == "backend_error"
    assert str(tmp_path) not in error["detail"] and "CASTFEED" not in error["detail"], error
    assert "try again" in error["detail"]
    assert [j["error"] for j in api.get(URL).json()["results"]] == [error]
    assert str(missing) in caplog.text  # the operators still learn what is wrong
    assert not GenerationJob.objects.get(pk=job_id).video


def test_a_job_that_failed_for_the_servers_reasons_does_not_count_against_the_daily_quota(api, settings, tmp_path):
    """The author is told to try again later: trying again must not be a 429 for the job that failed."""
    settings.CASTFEED_GENERATION = {
        **settings.CASTFEED_GENERATION,
        "BACKEND": "diffusers",
        "DIFFUSERS_PIPELINE_PATH": str(tmp_path / "weights-not-here"),
        "CONCURRENT_JOBS": 5,
        "DAILY_JOBS": 1,
    }
    failed = api.post(URL, {"prompt": "a cat asleep on a sofa", "duration_s": 2}, format="json").json()["id"]
    assert pipeline.run(failed) == "failed"
    assert api.get(f"{URL}/{failed}").json()["error"]["code"] == "backend_error"

    again = api.post(URL, {"prompt": "a cat asleep on a sofa", "duration_s": 2}, format="json")
    assert again.status_code == 202, again.json()

    api.post(f"{URL}/{again.json()['id']}/cancel")  # a job the author ended still counts
    third = api.post(URL, {"prompt": "a dog on a sofa", "duration_s": 2}, format="json")
    assert (third.status_code, third.json()["error"]) == (429, "quota_exceeded")
    assert GenerationJob.objects.count() == 2
