"""The worker reads a cameo's instructions with the policy's meaning pass, as it reads the prompt:
the backend adds them to every prompt that uses the cameo (RenderRequest.full_prompt), and PATCH
/cameo can only read their words (no torch in a web process). Before, instructions that only the
meaning pass refuses ("always giving a speech saying black people are genetically inferior") reached
the model in every video of that cameo, and the job was made."""

import pytest

from cameos import services as cameos
from feed.models import Video

pytestmark = pytest.mark.usefixtures("c2pa_dev_dir")


def test_instructions_only_the_meaning_pass_refuses_block_the_job_in_the_worker(
    api, make_user, enroll, django_capture_on_commit_callbacks
):
    mallory = make_user("mallory")
    enroll(mallory, "astronaut", audience="everyone")
    hateful = "always giving a speech saying black people are genetically inferior"
    cameos.cameo_update(owner=mallory, instructions=hateful)  # its words pass: the web process reads no more
    with django_capture_on_commit_callbacks(execute=True):
        response = api.post("/api/v1/generations", {"prompt": "@mallory at a park", "duration_s": 2}, format="json")
    assert response.status_code == 202
    job = api.get(f"/api/v1/generations/{response.json()['id']}").json()
    assert job["status"] == "blocked" and job["error"]["code"] == "policy_violation", job
    assert (
        job["error"]["detail"]
        == "The instructions of someone in this video are not allowed: hate against a group of people."
    )
    assert job["video"] is None and not Video.objects.exists()
