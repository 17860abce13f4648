"""One job from queued to a draft: what a `generation` worker runs (generation.tasks.run_job).

    claim (queued → checking)  policy by meaning, consent gate again (restrictions by meaning, faces exact)
    checking → running         the backend renders frames; each is watermarked and encoded as it comes
                               (H.264); its sound (or an ambience bed) is muxed as AAC; then the MP4
                               gets signed Content Credentials and a poster
    running → scanning         the output scan: faces tracked and matched, the gate on everything found
    scanning → ready           the draft video, appearances and face index rows, in one transaction

Every step boundary re-reads the job's status: a cancel or a consent cascade stops the work there.
The worker holds the job with a short lease (STALE_SECONDS, 15 s) that a background thread renews
for the whole attempt; a worker that dies stops renewing it, the requeue sweep (every 5 s) queues the
job again and another worker claims it from the start (the rendering is deterministic for the seed).
The final transition only happens once, so a job never makes two videos. Each attempt works in its
own folder under WORK_DIR (named by job and attempt), removed when the attempt ends; a dead attempt's
folder goes when the job is claimed again, or with the sweep. Heavy imports stay inside the
functions: the web process imports this module's siblings, never torch.
"""

from __future__ import annotations

import logging
import shutil
import threading
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from django.db import DatabaseError, InterfaceError, OperationalError, connection
from django.utils import timezone

from core.pacing import pace
from generation import services
from generation.conf import conf
from generation.models import GenerationJob
from generation.uploads import as_rendered, video_region
from moderation import consent, policy

log = logging.getLogger(__name__)
BACKEND_FAILED = "This video could not be made right now; try again later."
Status = GenerationJob.Status


class Stopped(Exception):
    """The job was cancelled or blocked while it was being worked on."""


class _Heartbeat:
    """Progress (and lease renewal), at most every `interval` seconds; raises Stopped when the job
    left the state the worker expects, or another attempt took it."""

    def __init__(self, job_id: Any, lease: int, expected: str, attempt: int | None = None) -> None:
        self.job_id, self.lease, self.expected, self.attempt = job_id, lease, expected, attempt
        self.interval = max(0.2, min(1.0, lease / 4))
        self.last = 0.0

    def __call__(self, percent: float, *, force: bool = False) -> None:
        now = time.monotonic()
        if not force and now - self.last < self.interval:
            return
        self.last = now
        status = services.job_heartbeat(
            self.job_id, lease_seconds=self.lease, progress=int(percent), attempt=self.attempt
        )
        if status != self.expected:
            raise Stopped(status)


class _Lease(threading.Thread):
    """Renews the attempt's lease every lease/3 seconds in the background for as long as the attempt
    runs, so a long step that reports no progress (a slow render, the scan) keeps the job; a dead
    worker stops renewing and loses it within one lease. Its own database connection."""

    def __init__(self, job_id: Any, attempt: int, lease: int) -> None:
        super().__init__(name=f"lease-{job_id}", daemon=True)
        self.job_id, self.attempt, self.lease = job_id, attempt, lease
        self.interval = max(0.2, lease / 3)
        self.done = threading.Event()

    def run(self) -> None:
        try:
            while not self.done.wait(self.interval):
                try:
                    status = services.job_heartbeat(self.job_id, lease_seconds=self.lease, attempt=self.attempt)
                except (DatabaseError, InterfaceError) as exc:  # try again at the next beat
                    log.warning("generation job %s: lease not renewed: %s", self.job_id, exc)
                    connection.close()
                    continue
                if status not in GenerationJob.ACTIVE:
                    return  # ended, or another attempt holds it: nothing left to keep
        finally:
            connection.close()

    def stop(self) -> None:
        self.done.set()
        self.join(timeout=30)


@contextmanager
def _leased(job: GenerationJob, lease: int) -> Iterator[None]:
    """The background lease renewal, for the block. Not inside a transaction (a test's): another
    connection cannot see, nor update, a row that is not committed."""
    renewer = None if connection.in_atomic_block else _Lease(job.pk, job.attempts, lease)
    if renewer is not None:
        renewer.start()
    try:
        yield
    finally:
        if renewer is not None:
            renewer.stop()


def work_root() -> Path:
    return conf().work_folder / "jobs"


@contextmanager
def _work_folder(job: GenerationJob) -> Iterator[Path]:
    """The attempt's working folder, `<job>.<attempt>`: earlier attempts' leftovers (a worker that
    died) are removed first, this one when the attempt ends, however it ends."""
    root = work_root()
    root.mkdir(parents=True, exist_ok=True)
    for old in root.glob(f"{job.pk}.*"):
        shutil.rmtree(old, ignore_errors=True)
    folder = root / f"{job.pk}.{job.attempts}"
    folder.mkdir()
    try:
        yield folder
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def work_folders_sweep() -> int:
    """Remove working folders no live attempt owns (its job ended, or was claimed again, or its lease
    ran out); how many. The requeue sweep runs it."""
    root = work_root()
    if not root.is_dir():
        return 0
    folders = {}
    for entry in root.iterdir():
        job_id, _, attempt = entry.name.partition(".")
        folders[entry] = (job_id, int(attempt) if attempt.isdigit() else -1)
    held = {
        (str(pk), attempts)
        for pk, attempts in GenerationJob.objects.filter(
            pk__in=[job_id for job_id, _ in folders.values() if _is_uuid(job_id)],
            status__in=GenerationJob.ACTIVE,
            lease_until__gte=timezone.now(),
        ).values_list("pk", "attempts")
    }
    removed = 0
    for entry, key in folders.items():
        if key not in held:
            shutil.rmtree(entry, ignore_errors=True) if entry.is_dir() else entry.unlink(missing_ok=True)
            removed += 1
    return removed


def _is_uuid(value: str) -> bool:
    try:
        uuid.UUID(value)
    except ValueError:
        return False
    return True


def _decode(data: bytes) -> Any:
    import cv2
    import numpy as np

    return cv2.imdecode(np.frombuffer(data, np.uint8), cv2.IMREAD_COLOR)


def _cameo_refs(decision: consent.Decision) -> list[Any]:
    """What the backend gets of each cameo the gate allowed (and of no one else): the reference crops
    and, when one was enrolled, the voice template. The cameo's permissions cover both."""
    from cameos.selectors import reference_images_of, voice_templates_of
    from generation.backends.base import CameoRef

    allowed = [c.cameo_id for c in decision.cameos]
    images, voices = reference_images_of(allowed), voice_templates_of(allowed)
    refs = []
    for use in decision.cameos:
        crops = [_decode(b) for b in images.get(use.cameo_id, [])]
        refs.append(
            CameoRef(
                handle=use.handle,
                instructions=use.instructions,
                crops=[c for c in crops if c is not None],
                voice=voices.get(use.cameo_id),
            )
        )
    return refs


def run(job_id: str) -> str:
    """Work on one job as far as it can go; returns the status it ended in (or "skipped")."""
    lease = conf().stale_seconds
    job = services.job_claim(job_id, lease_seconds=lease)
    if job is None:
        return "skipped"  # another worker holds it, or it is finished: never make a second video
    try:
        with _leased(job, lease):
            return _run(job, lease)
    except Stopped as stopped:
        return str(stopped)
    except (OperationalError, InterfaceError):
        # The database went away: give the job back so a retry (or the requeue sweep) claims it again.
        # Other database errors (integrity, data) would fail again: they fail the job, below.
        services.job_release(job.pk)
        raise
    except Exception as exc:
        from generation.backends.base import BackendError

        if services.job_heartbeat(job.pk, lease_seconds=lease, attempt=job.attempts) not in GenerationJob.ACTIVE:
            log.warning("generation job %s: attempt %s lost the job, then failed: %s", job.pk, job.attempts, exc)
            return "lost"  # another attempt holds it now: its outcome, not this one's
        if isinstance(exc, BackendError):
            if not exc.public:  # the worker's configuration: for operators, not the job's author
                log.error("generation job %s: backend error: %s", job.pk, exc)
            services.job_fail(job.pk, reason=str(exc) if exc.public else BACKEND_FAILED, code="backend_error")
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
    with _work_folder(job) as folder:
        made = _make(job, decision, image, folder, lease=lease, timings=timings)
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
    checked_at = timezone.now()  # before the rules are read: one added meanwhile is newer
    decision = consent.check(
        job.author,
        job.prompt,
        reference_image=None if image is None else as_rendered(image, job.aspect),
        remix_of=job.remix_of_id,
        stage="start",
        semantic=True,
        job=str(job.pk),
    )
    if not decision.allowed:
        services.job_block(job.pk, reason=decision.refused[0].public()["detail"], decision=decision.as_record())
        return None
    # The instructions the backend adds to the prompt (RenderRequest.full_prompt), by meaning too: PATCH
    # /cameo read only their words, and the model reads them in every video of the cameo.
    said = sorted(
        {c for use in decision.cameos if use.instructions for c in policy.categories(use.instructions, semantic=True)}
    )
    if said:
        labels = ", ".join(policy.LABELS[c] for c in said)
        services.job_block(
            job.pk,
            reason=f"The instructions of someone in this video are not allowed: {labels}.",
            code="policy_violation",
        )
        return None
    services.job_rules_checked([job.pk], at=checked_at)
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
    from generation.media.audio import mux_audio
    from generation.media.encode import encode_mp4
    from generation.media.poster import poster_jpeg
    from generation.media.provenance import sign_mp4
    from generation.media.watermark import watermark

    knobs = conf()
    width, height = knobs.sizes[job.aspect]
    fps = knobs.fps
    request = RenderRequest(
        prompt=job.prompt,
        cameos=_cameo_refs(decision),
        image=None if image is None else video_region(image, job.aspect),  # only what the gate checked
        duration_s=float(job.duration_s),
        width=width,
        height=height,
        fps=fps,
        seed=int(job.seed),
    )
    backend = get_backend(job.backend or knobs.backend)
    beat = _Heartbeat(job.pk, lease, Status.RUNNING, attempt=job.attempts)
    spent = {"render": 0.0, "watermark": 0.0, "paused": 0.0}
    sound: list[Any] = []  # the backend's Audio (or None), once its frames are done

    def frames():  # type: ignore[no-untyped-def]
        rendered = backend.render(request, lambda fraction: beat(5 + 75 * fraction))
        index = 0
        while True:
            t = time.perf_counter()
            try:
                frame = next(rendered)
            except StopIteration as done:
                sound.append(done.value)
                frame = None
            spent["render"] += time.perf_counter() - t
            if frame is None:
                return
            spent["paused"] += pace()  # the host's idle time first (core.pacing); not the render's
            t = time.perf_counter()
            marked = watermark(frame, index, fps, job.author.handle)
            spent["watermark"] += time.perf_counter() - t
            index += 1
            yield marked

    silent, raw, signed = folder / "frames.mp4", folder / "raw.mp4", folder / "video.mp4"
    t = time.perf_counter()
    encoded = encode_mp4(
        frames(), silent, fps=fps, preset=knobs.x264_preset, crf=knobs.x264_crf, frame_count=request.frame_count
    )
    timings.update(spent)
    timings["encode"] = time.perf_counter() - t - spent["render"] - spent["watermark"] - spent["paused"]
    t = time.perf_counter()
    mux_audio(silent, _soundtrack(sound[0] if sound else None, request, encoded.frames / fps), raw)
    timings["sound"] = time.perf_counter() - t
    beat(82, force=True)
    t = time.perf_counter()
    sign_mp4(raw, signed, job_id=str(job.pk), model=backend.name, author=job.author.handle)
    poster = poster_jpeg(encoded.poster_frame)
    timings["provenance"] = time.perf_counter() - t
    return _Made(signed, poster, encoded.duration_ms, encoded.width, encoded.height)


def _soundtrack(audio: Any, request: Any, seconds: float) -> Any:
    """The clip's track: the backend's sound, or (a backend that makes none) the ambience bed of the
    scene the prompt describes; fitted to the video's length and normalised (generation.media.audio)."""
    from generation.backends.composite import ambience, plan_scene
    from generation.media.audio import soundtrack

    if audio is None:
        bed = ambience.bed(plan_scene(request.prompt, request.seed), seconds, request.seed)
        return soundtrack(bed, ambience.RATE, seconds)
    return soundtrack(audio.samples, audio.rate, seconds)


def _scan_and_keep(
    job: GenerationJob, decision: consent.Decision, made: _Made, timings: dict[str, float], started: float
) -> str:
    """scanning: who is in the frames and may the author show them; then the draft, once."""
    from generation.media.fingerprint import fingerprint_mp4
    from moderation import scan

    t = time.perf_counter()
    checked_at = timezone.now()  # the scan reads everyone's rules by meaning, those it finds included
    output, found = scan.check_output(job.author, job.prompt, made.path, remix_of=job.remix_of_id, job=str(job.pk))
    timings["scan"] = time.perf_counter() - t
    if not output.allowed:
        services.job_block(job.pk, reason=output.refused[0].public()["detail"], decision=output.as_record())
        return Status.BLOCKED
    services.job_rules_checked([job.pk], at=checked_at)
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
    services.job_timings_record(job.pk, timings=timings)
    return Status.READY
