"""generation's typed settings (generation/conf.py): every knob under CASTFEED_GENERATION_<FIELD>,
checked when the settings are read, folders under VAR_DIR unless set."""

from __future__ import annotations

from pathlib import Path

import pytest
from django.core.exceptions import ImproperlyConfigured

from core.typed_settings import build, env_group
from generation.conf import GenerationSettings, conf
from generation.tasks import run_job


def test_the_environment_names_reach_their_fields(tmp_path):
    environ = {
        "CASTFEED_GENERATION_BACKEND": "diffusers",
        "CASTFEED_GENERATION_DAILY_JOBS": "100000",
        "CASTFEED_GENERATION_SIZES": '{"1:1": [512, 512]}',
        "CASTFEED_GENERATION_WORK_DIR": str(tmp_path / "scratch"),
        "CASTFEED_GENERATION_DIFFUSERS_PIPELINE_PATH": "/models/x",
        "CASTFEED_GENERATION_DIFFUSERS_SIZE": "720x480",
        "CASTFEED_GENERATION_C2PA_CERT_CHAIN": "",
    }

    knobs = build(GenerationSettings, "CASTFEED_GENERATION", env_group("GENERATION", environ))

    assert knobs.backend == "diffusers" and knobs.daily_jobs == 100_000
    assert knobs.sizes == {"9:16": (576, 1024), "1:1": (512, 512), "16:9": (1024, 576)}
    assert knobs.work_folder == tmp_path / "scratch"
    assert knobs.diffusers_pipeline_path == "/models/x" and knobs.diffusers_frame_size == (720, 480)
    assert knobs.c2pa_cert_chain is None


@pytest.mark.parametrize(
    ("raw", "named"),
    [
        ({"BACKEND": "sora"}, "BACKEND"),
        ({"MIN_SECONDS": 11}, "MIN_SECONDS"),
        ({"CONCURRENT_JOBS": 0}, "quotas"),
        ({"X264_CRF": 99}, "X264_CRF"),
        ({"SIZES": {"9:16": [0, 1024]}}, "SIZES"),
        ({"DIFFUSERS_SIZE": "big"}, "DIFFUSERS_SIZE"),
        ({"MAX_PROMPT_CHARS": 20}, "MAX_PROMPT_CHARS"),  # moderation's now (moderation.conf)
        # A job that may still render when a takedown's template is erased (3 hours by default).
        ({"TASK_TIME_LIMIT": 3600, "MAX_ATTEMPTS": 3}, "TAKEDOWN_TEMPLATE_KEEP_HOURS"),
    ],
)
def test_a_bad_value_is_refused_naming_it(raw, named):
    with pytest.raises(ImproperlyConfigured, match=named):
        build(GenerationSettings, "CASTFEED_GENERATION", raw)


def test_the_folders_default_to_var_dir_and_follow_an_override(settings, tmp_path):
    assert conf().work_folder == Path(settings.VAR_DIR) / "tmp"
    assert conf().c2pa_dev_folder == Path(settings.VAR_DIR) / "c2pa"

    settings.CASTFEED_GENERATION = {**settings.CASTFEED_GENERATION, "C2PA_DEV_DIR": tmp_path / "c2pa"}

    assert conf().c2pa_dev_folder == tmp_path / "c2pa"


def test_the_job_task_is_time_limited_by_the_setting():
    assert run_job.soft_time_limit == conf().task_time_limit == 900
    assert run_job.time_limit == 960
