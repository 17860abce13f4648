"""One job from queued to a draft: what a `generation` worker runs (generation.tasks.run_job).

    claim (queued → checking)  policy by meaning, consent gate again (restrictions by meaning, faces exact)
    checking → running         the backend renders frames; each is watermarked and encoded as it comes
                               (H.264), then the MP4 gets signed Content Credentials and a poster
    running → scanning         the output scan: faces tracked and matched, the gate on everything found
    scanning → ready           the draft video, appearances and face index rows, in one transaction

Every step boundary re-reads the job's status: a cancel or a consent cascade stops the work there.
A worker that dies holds a lease that runs out; the job is then claimed again from the start (the
rendering is deterministic for the seed), and the final transition only happens once, so a job never
makes two videos. Heavy imports stay inside the functions: the web process imports this module's
siblings, never torch.
"""

from __future__ import annotations

import logging
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from django.conf import settings
from django.db import DatabaseError, InterfaceError

from generation import services
from generation.models import GenerationJob
from moderation import consent, policy

log = logging.getLogger(__name__)
Status = GenerationJob.Status


class Stopped(Exception):
    """The job was cancelled or blocked while it was being worked on."""


class _Heartbeat:
    """Progress and lease renewal, at most every `interval` seconds; raises Stopped when the job
    left the state the worker expects."""

    def __init__(self, job_id: Any, lease: int, expected: str) -> None:
        self.job_id, self.lease, self.expected = job_id, lease, expected
        self.interval = max(0.2, min(1.0, lease / 4))
        self.last = 0.0

    def __call__(self, percent: float, *, force: bool = False) -> None:
        now = time.monotonic()
        if not force and now - self.last < self.interval:
            return
        self.last = now
        status = services.job_heartbeat(self.job_id, lease_seconds=self.lease, progress=int(percent))
        if status != self.expected:
            raise Stopped(status)


def _decode(data: bytes) -> Any:
    import cv2
    import numpy as np

    return cv2.imdecode(np.frombuffer(data, np.uint8), cv2.IMREAD_COLOR)


def _cameo_refs(decision: consent.Decision) -> list[Any]:
    from cameos.models import Cameo
    from cameos.selectors import reference_images
    from generation.backends.base import CameoRef

    cameos = Cameo.objects.in_bulk([c.cameo_id for c in decision.cameos])
    refs = []
    for use in decision.cameos:
        cameo = cameos.get(use.cameo_id)
        crops = [_decode(b) for b in reference_images(cameo)] if cameo is not None else []
        refs.append(
            CameoRef(handle=use.handle, instructions=use.instructions, crops=[c for c in crops if c is not None])
        )
    return refs


def run(job_id: str) -> str:
    """Work on one job as far as it can go; returns the status it ended in (or "skipped")."""
    knobs = settings.CASTFEED_GENERATION
    lease = int(knobs["STALE_SECONDS"])
    job = services.job_claim(job_id, lease_seconds=lease)
    if job is None:
        return "skipped"  # another worker holds it, or it is finished: never make a second video
    try:
        return _run(job, lease)
    except Stopped as stopped:
        return str(stopped)
    except (DatabaseError, InterfaceError):
        # The database went away: give the job back so a retry (or the requeue sweep) claims it again.
        services._move(job.pk, GenerationJob.ACTIVE, Status.QUEUED, lease_until=None)
        raise
    except Exception as exc:
        from generation.backends.base import BackendError

        if isinstance(exc, BackendError):
            services.job_fail(job.pk, reason=str(exc), code="backend_error")
            return Status.FAILED
        log.exception("generation job %s failed", job.pk)
        services.job_fail(job.pk, reason="Something went wrong while making this video; try again.")
        return Status.FAILED


def _run(job: GenerationJob, lease: int) -> str:
    timings: dict[str, float] = {}
    started = time.perf_counter()
    checked = _check(job)
    if checked is None:
        return Status.BLOCKED
    decision, image = checked
    timings["checking"] = time.perf_counter() - started
    if not services.job_advance(job.pk, Status.CHECKING, Status.RUNNING, progress=5):
        raise Stopped(GenerationJob.objects.get(pk=job.pk).status)
    with tempfile.TemporaryDirectory(prefix="castfeed-job-") as folder:
        made = _make(job, decision, image, Path(folder), lease=lease, timings=timings)
        if not services.job_advance(job.pk, Status.RUNNING, Status.SCANNING, progress=85):
            raise Stopped(GenerationJob.objects.get(pk=job.pk).status)
        return _scan_and_keep(job, decision, made, timings, started)


def _check(job: GenerationJob) -> tuple[consent.Decision, Any] | None:
    """checking: the policy by meaning, and the gate with restrictions by meaning and exact face
    matching. None when the job was blocked."""
    categories = policy.categories(job.prompt, semantic=True)
    if categories:
        services.job_block(job.pk, reason=services.refuse_policy(categories).detail, code="policy_violation")
        return None
    image = None
    if job.image:
        with job.image.open("rb") as handle:
            image = _decode(handle.read())
    decision = consent.check(
        job.author,
        job.prompt,
        reference_image=image,
        remix_of=job.remix_of_id,
        stage="start",
        semantic=True,
        job=str(job.pk),
    )
    if not decision.allowed:
        services.job_block(job.pk, reason=decision.refused[0].public()["detail"], decision=decision.as_record())
        return None
    return decision, image


@dataclass(frozen=True)
class _Made:
    path: Path  # the signed MP4
    poster: bytes
    duration_ms: int
    width: int
    height: int


def _make(
    job: GenerationJob, decision: consent.Decision, image: Any, folder: Path, *, lease: int, timings: dict[str, float]
) -> _Made:
    """running: render → watermark → encode, streamed; then Content Credentials and the poster."""
    from generation.backends import get_backend
    from generation.backends.base import RenderRequest
    from generation.media.encode import encode_mp4
    from generation.media.poster import poster_jpeg
    from generation.media.provenance import sign_mp4
    from generation.media.watermark import watermark

    knobs = settings.CASTFEED_GENERATION
    width, height = knobs["SIZES"][job.aspect]
    fps = int(knobs["FPS"])
    request = RenderRequest(
        prompt=job.prompt,
        cameos=_cameo_refs(decision),
        image=image,
        duration_s=float(job.duration_s),
        width=width,
        height=height,
        fps=fps,
        seed=int(job.seed),
    )
    backend = get_backend(job.backend or knobs["BACKEND"])
    beat = _Heartbeat(job.pk, lease, Status.RUNNING)
    spent = {"render": 0.0, "watermark": 0.0}

    def frames():  # type: ignore[no-untyped-def]
        rendered = iter(backend.render(request, lambda fraction: beat(5 + 75 * fraction)))
        index = 0
        while True:
            t = time.perf_counter()
            frame = next(rendered, None)
            spent["render"] += time.perf_counter() - t
            if frame is None:
                return
            t = time.perf_counter()
            marked = watermark(frame, index, fps, job.author.handle)
            spent["watermark"] += time.perf_counter() - t
            index += 1
            yield marked

    raw, signed = folder / "raw.mp4", folder / "video.mp4"
    t = time.perf_counter()
    encoded = encode_mp4(
        frames(), raw, fps=fps, preset=knobs["X264_PRESET"], crf=knobs["X264_CRF"], frame_count=request.frame_count
    )
    timings.update(spent)
    timings["encode"] = time.perf_counter() - t - spent["render"] - spent["watermark"]
    beat(82, force=True)
    t = time.perf_counter()
    sign_mp4(raw, signed, job_id=str(job.pk), model=backend.name, author=job.author.handle)
    poster = poster_jpeg(encoded.poster_frame)
    timings["provenance"] = time.perf_counter() - t
    return _Made(signed, poster, encoded.duration_ms, encoded.width, encoded.height)


def _scan_and_keep(
    job: GenerationJob, decision: consent.Decision, made: _Made, timings: dict[str, float], started: float
) -> str:
    """scanning: who is in the frames and may the author show them; then the draft, once."""
    from generation.media.fingerprint import fingerprint_mp4
    from moderation import scan

    t = time.perf_counter()
    output, found = scan.check_output(job.author, job.prompt, made.path, remix_of=job.remix_of_id, job=str(job.pk))
    timings["scan"] = time.perf_counter() - t
    if not output.allowed:
        services.job_block(job.pk, reason=output.refused[0].public()["detail"], decision=output.as_record())
        return Status.BLOCKED
    detected = {
        s.user_id: float(s.similarity or 0.0) for s in output.subjects if s.source == "output_face" and s.user_id
    }
    t = time.perf_counter()
    # Here, outside job_finish's transaction: decoding and hashing the MP4 takes a fraction of a second.
    fingerprint = fingerprint_mp4(made.path).to_bytes()
    timings["fingerprint"] = time.perf_counter() - t
    t = time.perf_counter()
    video = services.job_finish(
        job.pk,
        media=made.path.read_bytes(),
        poster=made.poster,
        duration_ms=made.duration_ms,
        width=made.width,
        height=made.height,
        tagged=[c.user_id for c in decision.cameos],
        detected=detected,
        faces=[(tr.template, tr.first_ms, tr.last_ms, tr.frames) for tr in found.tracks],
        decision=output.as_record(),
        timings=timings,
        fingerprint=fingerprint,
    )
    if video is None:
        raise Stopped(GenerationJob.objects.get(pk=job.pk).status)
    timings["store"] = time.perf_counter() - t
    timings["total"] = time.perf_counter() - started
    GenerationJob.objects.filter(pk=job.pk).update(timings={k: round(v, 4) for k, v in timings.items()})
    return Status.READY
