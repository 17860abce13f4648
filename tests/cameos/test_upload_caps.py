"""Uploaded videos cannot exhaust a worker (DESIGN.md §8: size, duration, resolution and pixel caps,
and a decode under a time limit): what the headers say is checked before any frame is decoded, and
the worker decodes under a pixel cap, a long-side cap, a frame cap and a deadline, and rejects the
enrollment (its upload deleted) when one is reached, its Celery soft time limit included. Uploads go
to storage outside any database transaction.

The hostile files are real videos made here with PyAV, just over caps lowered for the test."""

from __future__ import annotations

import io
import os
import signal
from collections.abc import Iterator
from fractions import Fraction

import av
import numpy as np
import pytest
from django.core.files.storage import FileSystemStorage
from django.db import transaction

from cameos.likeness.video import Caps, VideoOverCap, sample_frames
from cameos.models import Enrollment, EnrollmentChallenge
from feed.models import Video
from generation import services as generation_services
from generation.models import GenerationJob
from tests import synthetic_faces as faces
from tests.cameos import videos
from tests.cameos.test_enrollment_api import challenge, enroll, files_under
from tests.media import rendered

SIDE = 400  # MAX_SIDE in these tests: a frame of 480×480 is "too large"


@pytest.fixture
def caps(settings):  # type: ignore[no-untyped-def]
    settings.CASTFEED_CAMEOS = {**settings.CASTFEED_CAMEOS, "MAX_SIDE": SIDE}
    return settings.CASTFEED_CAMEOS


def encode(
    codec: str, fmt: str, segments: list[tuple[int, int, int]], *, fps: int = 10, corrupt: bool = False
) -> bytes:
    """A real video of flat grey frames: one (width, height, frames) segment after another, each
    encoded by its own encoder into the same stream (VP8 allows a new size at a key frame).
    `corrupt`: every packet's bytes zeroed (the headers stay true, no frame decodes)."""
    buffer = io.BytesIO()
    with av.open(buffer, "w", format=fmt) as out:
        width, height, _ = segments[0]
        stream = out.add_stream(codec, rate=fps)
        stream.width, stream.height, stream.pix_fmt = width, height, "yuv420p"
        pts = 0
        for i, (w, h, count) in enumerate(segments):
            encoder = stream.codec_context
            if i:
                encoder = av.CodecContext.create(codec, "w")
                encoder.width, encoder.height, encoder.pix_fmt = w, h, "yuv420p"
                encoder.time_base, encoder.framerate = Fraction(1, fps), Fraction(fps)
            frame = av.VideoFrame.from_ndarray(np.full((h, w, 3), 128, np.uint8), format="rgb24")
            for _ in range(count):
                frame.pts = pts
                pts += 1
                for packet in encoder.encode(frame):
                    _mux(out, stream, packet, corrupt)
            for packet in encoder.encode(None):
                _mux(out, stream, packet, corrupt)
    return buffer.getvalue()


def _mux(out: av.container.OutputContainer, stream: av.VideoStream, packet: av.Packet, corrupt: bool) -> None:
    if corrupt:
        bad = av.Packet(bytes(packet.size))
        bad.pts, bad.dts, bad.time_base, bad.is_keyframe = packet.pts, packet.dts, packet.time_base, packet.is_keyframe
        packet = bad
    packet.stream = stream
    out.mux(packet)


def recorded_live(webm: bytes) -> bytes:
    """The same WebM as a MediaRecorder writes it, live: no Duration element in its header (Chrome's,
    a phone app's); its blocks are copied as they are."""
    source, buffer = av.open(io.BytesIO(webm)), io.BytesIO()
    with source, av.open(buffer, "w", format="webm", options={"live": "1"}) as out:
        stream = out.add_stream_from_template(source.streams.video[0])
        for packet in source.demux(source.streams.video[0]):
            if packet.dts is not None:
                packet.stream = stream
                out.mux(packet)
    with av.open(io.BytesIO(buffer.getvalue())) as check:
        assert check.duration is None and not check.streams.video[0].duration  # as recorded
    return buffer.getvalue()


def nothing_kept(settings, challenge_id: str) -> None:  # type: ignore[no-untyped-def]
    assert not Enrollment.objects.exists()
    assert files_under(settings, "enrollments") == []
    assert EnrollmentChallenge.objects.get(pk=challenge_id).used_at is None  # can be retried


def refused(response, text: str) -> None:  # type: ignore[no-untyped-def]
    assert response.status_code == 400, response.content
    body = response.json()
    assert body["error"] == "invalid_upload"
    assert text in body["fields"]["video"][0], body


# --- refused from the headers, before any frame is decoded -----------------------------------------


@pytest.mark.parametrize("size", [(480, 480), (608, 96)])  # over the pixel cap / the long side only
def test_a_video_too_large_is_refused_from_its_headers_before_any_frame_is_decoded(api, caps, settings, size):
    # True headers (H.264) over frames that no decoder could read: the size is what is refused, so
    # no frame was decoded to find it (before: decoded first, "not a readable video").
    data = encode("libx264", "mp4", [(*size, 30)], corrupt=True)
    cid = challenge(api)
    refused(enroll(api, data, cid), f"at most {SIDE} pixels on its long side")
    nothing_kept(settings, cid)


@pytest.mark.parametrize("size", [(2, 2), (64, 112)])  # a speck / a thumbnail: no face of 90 px fits in it
def test_a_video_too_small_to_show_a_face_is_refused_from_its_headers(api, settings, size):
    # Before: accepted (202), stored and queued, the challenge spent; the worker could only reject it
    # (`no_face` or `face_too_small`: a face must be 90 px of the frame's short side) minutes later.
    cid = challenge(api)
    refused(enroll(api, encode("libx264", "mp4", [(*size, 30)]), cid), "at least 90 pixels on its short side")
    nothing_kept(settings, cid)


def under_sound(frames: int, *, seconds: float = 4.0, fps: int = 10) -> bytes:
    """An MP4 of `frames` grey 360×640 frames of H.264 over `seconds` of silent AAC."""
    buffer = io.BytesIO()
    with av.open(buffer, "w", format="mp4") as out:
        video = out.add_stream("libx264", rate=fps)
        video.width, video.height, video.pix_fmt = 360, 640, "yuv420p"
        sound = out.add_stream("aac", rate=44100)
        for i in range(frames):
            frame = av.VideoFrame.from_ndarray(np.full((640, 360, 3), 128, np.uint8), format="rgb24")
            frame.pts = i
            out.mux(video.encode(frame))
        out.mux(video.encode(None))
        for i in range(int(seconds * 44100 / 1024)):
            chunk = av.AudioFrame.from_ndarray(np.zeros((1, 1024), np.float32), format="fltp", layout="mono")
            chunk.sample_rate, chunk.pts = 44100, i * 1024
            out.mux(sound.encode(chunk))
        out.mux(sound.encode(None))
    return buffer.getvalue()


def test_a_moment_of_video_under_seconds_of_sound_is_refused_from_its_headers(api, settings):
    # The container's duration is its longest stream's: 0.3 s of picture under 4 s of sound read as
    # 4 s, was accepted (202), stored and queued, and the worker rejected it (`too_short`) later.
    cid = challenge(api)
    refused(enroll(api, under_sound(3), cid), "this one is 0.3")
    nothing_kept(settings, cid)


def test_seconds_of_video_with_sound_are_measured_by_the_video(api, settings, django_capture_on_commit_callbacks):
    assert enroll(api, under_sound(30, seconds=3.0), challenge(api)).status_code == 202  # 3 s of both


def test_a_webm_recorded_live_without_a_duration_is_enrolled(api, settings, django_capture_on_commit_callbacks):
    # Before: refused, "Record 2–15 seconds (this one is 0.0)": only the web client wrote a duration in.
    webm = recorded_live(faces.enrollment_video(list(videos.STEPS), size=videos.SIZE, fps=10, fmt="webm"))
    response = enroll(api, webm, challenge(api), name="selfie.webm", capture=django_capture_on_commit_callbacks)
    assert response.status_code == 202, response.content
    assert api.get("/api/v1/cameo").json()["status"] == "active"


def test_a_webm_without_a_duration_too_long_or_too_short_is_refused(api, settings):
    cid = challenge(api)
    refused(enroll(api, recorded_live(encode("libvpx", "webm", [(320, 240, 200)])), cid), "(this one is 20.0)")
    refused(enroll(api, recorded_live(encode("libvpx", "webm", [(320, 240, 10)])), cid), "(this one is 1.0)")
    nothing_kept(settings, cid)


def test_too_many_frames_by_the_headers_is_refused(api, caps, settings):
    settings.CASTFEED_CAMEOS = {**caps, "MAX_FRAMES": 20}
    cid = challenge(api)
    refused(enroll(api, encode("libx264", "mp4", [(64, 64, 30)]), cid), "at most 20 frames (this one has 30)")
    nothing_kept(settings, cid)


@pytest.mark.parametrize("codec", ["mpeg4", "rawvideo"])
def test_a_codec_phones_and_browsers_do_not_send_is_refused(api, caps, settings, codec):
    cid = challenge(api)
    data = encode(codec, "mp4", [(64, 64, 30)]) if codec == "mpeg4" else _raw_mov()
    refused(enroll(api, data, cid), "H264, HEVC, VP8, VP9, AV1")
    nothing_kept(settings, cid)


def _raw_mov() -> bytes:
    """Uncompressed frames in a MOV: what a tool writes, never a phone (and cheap to decode huge)."""
    buffer = io.BytesIO()
    with av.open(buffer, "w", format="mov") as out:
        stream = out.add_stream("rawvideo", rate=10)
        stream.width, stream.height, stream.pix_fmt = 32, 32, "yuv420p"
        for i in range(25):
            frame = av.VideoFrame.from_ndarray(np.zeros((32, 32, 3), np.uint8), format="rgb24")
            frame.pts = i
            for packet in stream.encode(frame):
                out.mux(packet)
        for packet in stream.encode(None):
            out.mux(packet)
    return buffer.getvalue()


# --- the worker: later frames, deadline, soft time limit -------------------------------------------


def later_frames(second: tuple[int, int]) -> bytes:
    """3 s of VP8 in WebM: 2.5 s at 320×240 (what the headers and the first frames say), then a key
    frame at `second` for 0.5 s."""
    return encode("libvpx", "webm", [(320, 240, 25), (*second, 5)])


@pytest.mark.parametrize(
    "second",
    [(480, 480), (608, 96)],  # over the pixel cap (the decoder refuses it) / long side only (checked per frame)
)
def test_later_frames_over_the_cap_get_the_enrollment_rejected_and_its_upload_deleted(
    api, caps, settings, django_capture_on_commit_callbacks, second
):
    cid = challenge(api)
    response = enroll(api, later_frames(second), cid, name="selfie.webm", capture=django_capture_on_commit_callbacks)
    assert response.status_code == 202, response.content  # the headers and the first frames pass
    enrollment = Enrollment.objects.get()
    assert enrollment.status == "rejected"
    assert enrollment.reason_code == "video_too_large"
    assert f"{SIDE} pixels" in enrollment.reason
    assert enrollment.upload_name == "" and files_under(settings, "enrollments") == []
    assert api.get("/api/v1/cameo").json()["last_enrollment"]["status"] == "rejected"


def test_the_decoder_never_allocates_a_frame_over_the_pixel_cap(tmp_path):
    path = tmp_path / "later.webm"
    path.write_bytes(later_frames((480, 480)))
    with pytest.raises(VideoOverCap) as refused_:
        sample_frames(path, caps=Caps(max_side=SIDE))
    assert "pixel cap" in str(refused_.value)  # FFmpeg's max_pixels, not the check after decoding
    frames = sample_frames(path, caps=Caps(max_side=480))  # the same file under a larger cap
    assert frames[-1].image.shape == (480, 480, 3)


def test_a_decode_past_its_deadline_gets_the_enrollment_rejected(api, settings, django_capture_on_commit_callbacks):
    caps = settings.CASTFEED_CAMEOS
    cid = challenge(api)
    with django_capture_on_commit_callbacks() as queued:
        assert enroll(api, videos.video(), cid).status_code == 202
    settings.CASTFEED_CAMEOS = {**caps, "DECODE_SECONDS": 0.0}  # the worker's deadline, already past
    with django_capture_on_commit_callbacks(execute=True):
        for callback in queued:
            callback()
    enrollment = Enrollment.objects.get()
    assert (enrollment.status, enrollment.reason_code) == ("rejected", "video_too_slow")
    assert files_under(settings, "enrollments") == []


class SoftLimitOnRead(FileSystemStorage):
    """A real file storage; the first time an upload is read back, Celery's soft time limit arrives
    (billiard's own signal and handler, as the pool's timer sends it to a worker process)."""

    fired = False

    def _open(self, name, mode="rb"):  # type: ignore[no-untyped-def]
        if not SoftLimitOnRead.fired:
            SoftLimitOnRead.fired = True
            os.kill(os.getpid(), signal.SIGUSR1)
        return super()._open(name, mode)


@pytest.fixture
def soft_limit(settings) -> Iterator[None]:  # type: ignore[no-untyped-def]
    from billiard.pool import soft_timeout_sighandler

    previous = signal.signal(signal.SIGUSR1, soft_timeout_sighandler)
    SoftLimitOnRead.fired = False
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {"BACKEND": f"{__name__}.SoftLimitOnRead", "OPTIONS": {"location": settings.MEDIA_ROOT}},
    }
    yield
    signal.signal(signal.SIGUSR1, previous)


def test_the_soft_time_limit_rejects_the_enrollment_and_deletes_its_upload(
    api, settings, soft_limit, django_capture_on_commit_callbacks
):
    cid = challenge(api)
    response = enroll(api, videos.video(), cid, capture=django_capture_on_commit_callbacks)
    assert response.status_code == 202
    assert SoftLimitOnRead.fired
    enrollment = Enrollment.objects.get()
    assert (enrollment.status, enrollment.reason_code) == ("rejected", "timed_out")
    assert enrollment.upload_name == "" and files_under(settings, "enrollments") == []


# --- no upload to storage inside a database transaction --------------------------------------------


class RecordingStorage(FileSystemStorage):
    """A real file storage that notes, for each file saved, whether a transaction was open."""

    saves: list[tuple[str, bool]] = []

    def _save(self, name, content):  # type: ignore[no-untyped-def]
        RecordingStorage.saves.append((name, transaction.get_connection().in_atomic_block))
        return super()._save(name, content)


@pytest.fixture
def recording(settings) -> list[tuple[str, bool]]:  # type: ignore[no-untyped-def]
    RecordingStorage.saves = []
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {"BACKEND": f"{__name__}.RecordingStorage", "OPTIONS": {"location": settings.MEDIA_ROOT}},
    }
    return RecordingStorage.saves


@pytest.mark.django_db(transaction=True)
def test_an_enrollment_upload_is_stored_outside_any_transaction(api, recording, settings):
    settings.CELERY_TASK_ALWAYS_EAGER = True
    cid = challenge(api)
    assert enroll(api, videos.video(), cid).status_code == 202
    uploads = [(name, atomic) for name, atomic in recording if name.startswith("enrollments/")]
    assert len(uploads) == 1 and uploads[0][1] is False


@pytest.mark.django_db(transaction=True)
def test_a_finished_job_stores_its_video_outside_the_transaction_and_only_once(me, recording, settings):
    job = GenerationJob.objects.create(author=me, prompt="a cat", duration_s=2, seed=1, status="scanning")
    finish = rendered()
    video = generation_services.job_finish(job.pk, **finish)
    assert video is not None
    assert sorted(atomic for _, atomic in recording) == [False, False]  # video.mp4 and poster.jpg
    job.refresh_from_db()
    assert job.status == "ready" and job.video_id == video.pk
    assert len(files_under(settings, "videos")) == 2
    # A second delivery finds the job ready: nothing more is stored, still one video.
    assert generation_services.job_finish(job.pk, **finish) is None
    assert len(recording) == 2 and Video.objects.count() == 1
    assert len(files_under(settings, "videos")) == 2


class CancelledWhileStoring(RecordingStorage):
    """The author cancels the job while its files are being stored."""

    job_id = None

    def _save(self, name, content):  # type: ignore[no-untyped-def]
        GenerationJob.objects.filter(pk=CancelledWhileStoring.job_id).update(status="cancelled")
        return super()._save(name, content)


@pytest.mark.django_db(transaction=True)
def test_a_job_cancelled_while_its_files_are_stored_keeps_none_of_them(me, recording, settings):
    job = GenerationJob.objects.create(author=me, prompt="a cat", duration_s=2, seed=1, status="scanning")
    CancelledWhileStoring.job_id = job.pk
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {"BACKEND": f"{__name__}.CancelledWhileStoring", "OPTIONS": {"location": settings.MEDIA_ROOT}},
    }
    video = generation_services.job_finish(job.pk, **rendered())
    assert video is None and not Video.objects.exists()
    assert len(recording) == 2  # stored, then deleted: the transaction found the job cancelled
    assert files_under(settings, "videos") == []
