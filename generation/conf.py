"""generation's settings (core.typed_settings): the job's shape and quotas, the worker's lease and
scratch space, the encoder, the diffusers backend and the C2PA signing material.

Environment: `CASTFEED_GENERATION_<FIELD>`, e.g. CASTFEED_GENERATION_BACKEND=diffusers,
CASTFEED_GENERATION_DIFFUSERS_PIPELINE_PATH=/models/CogVideoX-5b-I2V or
CASTFEED_GENERATION_WORK_DIR=/scratch. The prompt's length limit is moderation's
(`moderation.conf` max_prompt_chars): the consent check and the submit read the same one.
"""

from __future__ import annotations

import dataclasses
from pathlib import Path

from core.typed_settings import loader, require

# Output size per aspect (width, height): at least 576×1024 for 9:16.
SIZES = {"9:16": (576, 1024), "1:1": (768, 768), "16:9": (1024, 576)}


@dataclasses.dataclass(frozen=True)
class GenerationSettings:
    backend: str = "composite"  # composite | diffusers (docs/generation-backends.md)
    fps: int = 24
    sizes: dict[str, tuple[int, int]] = dataclasses.field(default_factory=lambda: dict(SIZES))
    min_seconds: int = 2
    max_seconds: int = 10
    # Uploaded image (image-to-video): bytes, pixels (decompression bombs are refused before decoding).
    image_max_bytes: int = 10 * 1024 * 1024
    image_max_pixels: int = 24_000_000
    # Per-person quotas: jobs in progress at once, and jobs made in 24 hours (429 with Retry-After).
    daily_jobs: int = 50
    concurrent_jobs: int = 3
    x264_preset: str = "veryfast"
    x264_crf: int = 23
    # A worker's lease on its job, renewed every third of it by a background thread while it works: a
    # job whose worker died is handed to another after this (plus the requeue sweep, every 5 s).
    stale_seconds: int = 15
    # A job queued this long with no worker taking it (a lost broker message) is sent again.
    queued_resend_seconds: int = 120
    # A job whose worker died on each of this many attempts (it kills its worker: out of memory, a crash
    # in the model) fails, "try again", instead of going to worker after worker forever.
    max_attempts: int = 3
    # Workers' scratch space: each attempt's folder (jobs/<job>.<attempt>) and each worker process's
    # temporary files (worker-<host>-<pid>/), removed when done and, after a crash, by the sweep.
    # None: <VAR_DIR>/tmp (see `work_folder`).
    work_dir: Path | None = None
    # A job's soft time limit in seconds (the hard one is a minute later); read when the task is declared.
    task_time_limit: int = 900
    # diffusers backend: a pipeline saved with save_pretrained() in a local folder (never downloaded).
    diffusers_pipeline_path: str = ""
    diffusers_device: str = "cpu"  # cuda on GPU workers
    diffusers_steps: int = 25
    diffusers_dtype: str = "float32"  # float16 / bfloat16 on GPU
    # Generate at WIDTHxHEIGHT (e.g. "720x480") instead of the model's native size; empty: native.
    diffusers_size: str = ""
    # C2PA Content Credentials: a certificate chain (PEM, leaf first) and its private key. Unset: a
    # development CA and signing certificate are made on first use under `c2pa_dev_dir` (not trusted by
    # anyone else; readers must be given the CA as a trust anchor).
    c2pa_cert_chain: Path | None = None
    c2pa_private_key: Path | None = None
    c2pa_trust_anchors: Path | None = None  # None: the root of the chain, or the development CA
    c2pa_dev_dir: Path | None = None  # None: <VAR_DIR>/c2pa (see `c2pa_dev_folder`)
    c2pa_claim_generator: str = "castfeed/0.1"  # name/version

    def __post_init__(self) -> None:
        from generation.backends import BACKENDS

        require(self.backend in BACKENDS, f"BACKEND {self.backend!r} is not one of {', '.join(BACKENDS)}")
        require(self.fps > 0, "FPS must be positive")
        for aspect, size in self.sizes.items():
            require(len(size) == 2 and min(size) > 0, f"SIZES[{aspect!r}] must be a positive (width, height)")
        require(1 <= self.min_seconds <= self.max_seconds, "need 1 <= MIN_SECONDS <= MAX_SECONDS")
        require(self.image_max_bytes > 0 and self.image_max_pixels > 0, "image caps must be positive")
        require(self.daily_jobs >= 1 and self.concurrent_jobs >= 1, "quotas must be at least 1")
        require(0 <= self.x264_crf <= 51, "X264_CRF must be from 0 to 51")
        require(self.stale_seconds >= 1, "STALE_SECONDS must be at least 1")
        require(self.queued_resend_seconds >= 1, "QUEUED_RESEND_SECONDS must be at least 1")
        require(self.max_attempts >= 1, "MAX_ATTEMPTS must be at least 1")
        require(self.task_time_limit >= 1, "TASK_TIME_LIMIT must be at least 1")
        # A job's longest life by these limits must end before a confirmed takedown request's template
        # is erased (moderation's TAKEDOWN_TEMPLATE_KEEP_HOURS), or a job still rendering has its draft
        # refused as too late to be compared with it (moderation.takedowns.draft_taken_down).
        from moderation.conf import conf as moderation_conf

        longest = self.max_attempts * (self.task_time_limit + 60 + self.stale_seconds) + self.queued_resend_seconds
        keep = moderation_conf().takedown_template_keep_hours * 3600
        require(
            longest < keep,
            f"MAX_ATTEMPTS x (TASK_TIME_LIMIT + 60 + STALE_SECONDS) + QUEUED_RESEND_SECONDS ({longest} s) must be "
            f"under moderation's TAKEDOWN_TEMPLATE_KEEP_HOURS ({keep} s)",
        )
        require(self.diffusers_steps >= 1, "DIFFUSERS_STEPS must be at least 1")
        self.diffusers_frame_size  # noqa: B018 - raises ValueError unless empty or WIDTHxHEIGHT
        require(bool(self.c2pa_claim_generator), "C2PA_CLAIM_GENERATOR must not be empty")

    @property
    def diffusers_frame_size(self) -> tuple[int, int] | None:
        """`diffusers_size` as (width, height), or None for the model's own."""
        if not self.diffusers_size:
            return None
        try:
            width, height = (int(v) for v in self.diffusers_size.lower().split("x"))
        except ValueError:
            raise ValueError(f"DIFFUSERS_SIZE {self.diffusers_size!r} is not WIDTHxHEIGHT") from None
        require(width > 0 and height > 0, f"DIFFUSERS_SIZE {self.diffusers_size!r} must be positive")
        return width, height

    @property
    def work_folder(self) -> Path:
        """`work_dir`, or <VAR_DIR>/tmp (VAR_DIR read now, not when this module is imported)."""
        return self.work_dir if self.work_dir is not None else _var_dir() / "tmp"

    @property
    def c2pa_dev_folder(self) -> Path:
        """`c2pa_dev_dir`, or <VAR_DIR>/c2pa."""
        return self.c2pa_dev_dir if self.c2pa_dev_dir is not None else _var_dir() / "c2pa"


def _var_dir() -> Path:
    from django.conf import settings

    return Path(settings.VAR_DIR)


conf = loader("GENERATION", GenerationSettings)
