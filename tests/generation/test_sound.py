"""Sound in every video (issue 17): the AAC track next to the H.264 one, quoted lines spoken at their
moment by the speaker's figure (whose mouth moves), the ambience bed under them at −16 LUFS, the
Content Credentials covering the audio, and the checks a quoted line goes through like the prompt.
Checked as a viewer would: the MP4 decoded with PyAV, its loudness measured with pyloudnorm."""

from __future__ import annotations

from pathlib import Path

import av
import numpy as np
import pyloudnorm
import pytest

from cameos.likeness.enrollment import reference_crop
from cameos.likeness.faces import engine
from feed.models import Video
from generation.backends.base import Audio, CameoRef, RenderRequest
from generation.backends.composite import CompositeBackend
from generation.backends.composite.speech import LEAD_IN_S, quoted_lines, speak
from generation.media.audio import RATE, mux_audio, soundtrack
from generation.media.encode import encode_mp4
from generation.media.provenance import read_manifest, sign_mp4
from generation.models import GenerationJob
from tests import synthetic_faces as faces
from tests.enroll import approve

pytestmark = [pytest.mark.usefixtures("c2pa_dev_dir"), pytest.mark.media]

URL = "/api/v1/generations"
FPS = 24


def decode_audio(path: Path) -> tuple[np.ndarray, float, float]:
    """(mono samples at RATE, audio stream seconds, video stream seconds) of an MP4."""
    with av.open(str(path)) as container:
        audio, video = container.streams.audio[0], container.streams.video[0]
        assert audio.codec_context.name == "aac" and audio.rate == RATE
        seconds = float(audio.duration * audio.time_base), float(video.duration * video.time_base)
        samples = np.concatenate([f.to_ndarray().reshape(-1) for f in container.decode(audio=0)])
    return samples.astype(np.float32), *seconds


def rms(samples: np.ndarray, start_s: float, end_s: float) -> float:
    part = samples[int(start_s * RATE) : int(end_s * RATE)]
    return float(np.sqrt(np.mean(part.astype(np.float64) ** 2)))


# --- the pipeline's track ----------------------------------------------------------------------------


@pytest.mark.parametrize("seconds", [2.0, 5.0, 10.0])
def test_any_backend_sound_becomes_a_track_as_long_as_the_video_at_minus_16_lufs(seconds: float) -> None:
    # A model's stereo sound at 16 kHz, shorter than the clip; and one much longer and louder.
    rng = np.random.default_rng(1)
    short = 0.05 * rng.standard_normal((2, int(16000 * seconds * 0.7))).astype(np.float32)
    long = 0.9 * np.sin(np.arange(int(44100 * seconds * 2)) / 44100 * 2 * np.pi * 220).astype(np.float32)
    for samples, rate in ((short, 16000), (long, 44100)):
        track = soundtrack(samples, rate, seconds)
        assert track.dtype == np.float32 and len(track) == round(seconds * RATE)
        assert np.max(np.abs(track)) <= 10 ** (-1 / 20) + 1e-6  # peaks under −1 dBFS
    loudness = pyloudnorm.Meter(RATE).integrated_loudness(soundtrack(long, 44100, seconds).astype(np.float64))
    assert abs(loudness - (-16.0)) < 1.0


def test_a_peaky_mix_still_reaches_minus_16_lufs_after_its_peaks_are_limited() -> None:
    # Quiet noise with a loud click every 20 ms (a shouted line over surf, at its worst): the gain that
    # brings it to −16 LUFS pushes the clicks far over −1 dBFS, and limiting them takes loudness away.
    rng = np.random.default_rng(3)
    peaky = 0.02 * rng.standard_normal(4 * RATE).astype(np.float32)
    peaky[:: RATE // 50] += 0.9
    track = soundtrack(peaky, RATE, 4.0)
    assert np.max(np.abs(track)) <= 10 ** (-1 / 20) + 1e-6
    loudness = pyloudnorm.Meter(RATE).integrated_loudness(track.astype(np.float64))
    assert abs(loudness - (-16.0)) <= 0.2


def test_the_muxed_mp4_has_aac_as_long_as_the_video_and_the_moov_in_front(tmp_path: Path) -> None:
    frames = [np.full((128, 96, 3), i * 2, np.uint8) for i in range(5 * FPS)]
    encode_mp4(iter(frames), tmp_path / "frames.mp4", fps=FPS)
    tone = 0.3 * np.sin(np.arange(5 * RATE) / RATE * 2 * np.pi * 440).astype(np.float32)

    mux_audio(tmp_path / "frames.mp4", soundtrack(tone, RATE, 5.0), tmp_path / "clip.mp4")

    samples, audio_s, video_s = decode_audio(tmp_path / "clip.mp4")
    assert abs(audio_s - video_s) <= 0.05 and abs(video_s - 5.0) < 1e-6
    assert abs(len(samples) / RATE - 5.0) <= 0.05
    data = (tmp_path / "clip.mp4").read_bytes()
    assert data.index(b"moov") < data.index(b"mdat")  # +faststart: plays while downloading
    with av.open(str(tmp_path / "clip.mp4")) as container:  # the video is copied, not re-encoded
        assert sum(1 for _ in container.decode(video=0)) == 5 * FPS


def test_the_content_credentials_cover_the_audio(tmp_path: Path) -> None:
    frames = [np.full((128, 96, 3), 90, np.uint8) for _ in range(2 * FPS)]
    encode_mp4(iter(frames), tmp_path / "frames.mp4", fps=FPS)
    noise = 0.2 * np.random.default_rng(0).standard_normal(2 * RATE).astype(np.float32)
    mux_audio(tmp_path / "frames.mp4", soundtrack(noise, RATE, 2.0), tmp_path / "raw.mp4")
    sign_mp4(tmp_path / "raw.mp4", tmp_path / "signed.mp4", job_id="j", model="composite", author="me")
    assert read_manifest(tmp_path / "signed.mp4").valid

    # One byte of an audio packet changed: the file no longer matches its credentials.
    with av.open(str(tmp_path / "signed.mp4")) as container:
        offset = next(p.pos for p in container.demux(audio=0) if p.size and p.pos and p.pos > 0)
    data = bytearray((tmp_path / "signed.mp4").read_bytes())
    data[offset + 8] ^= 0xFF
    (tmp_path / "tampered.mp4").write_bytes(bytes(data))
    assert not read_manifest(tmp_path / "tampered.mp4").valid


# --- the composite backend: quoted lines, mouths, ambience -------------------------------------------


def test_quoted_lines_and_their_speakers_are_read_from_the_prompt() -> None:
    lines = quoted_lines('@ana saying "this water is freezing" then @bo.b shouting “me too!” and "..."')
    assert [(line.text, line.speaker) for line in lines] == [("this water is freezing", "ana"), ("me too!", "bo.b")]
    assert quoted_lines("a swift taylor by the Jordan river") == []


@pytest.fixture(scope="module")
def crop() -> np.ndarray:
    """A reference crop made as enrollment makes it: the largest face, aligned, 224 px."""
    image = faces.photo("astronaut")
    return reference_crop(image, engine().detect(image)[0], 224)


def request(prompt: str, crop: np.ndarray, seconds: float = 4.0) -> RenderRequest:
    return RenderRequest(prompt, [CameoRef("ana", "", [crop])], None, seconds, 288, 512, FPS, seed=7)


def render(prompt: str, crop: np.ndarray, seconds: float = 4.0) -> tuple[list[np.ndarray], Audio]:
    rendering = CompositeBackend().render(request(prompt, crop, seconds), lambda _: None)
    frames = []
    while True:
        try:
            frames.append(next(rendering))
        except StopIteration as done:
            return frames, done.value


@pytest.mark.slow
def test_a_quoted_line_is_spoken_at_its_moment_above_the_ambience_and_the_speaker_mouths_it(crop) -> None:  # type: ignore[no-untyped-def]
    prompt = '@ana at the beach saying "this water is freezing"'
    speech = speak(prompt, ["ana"], seconds=4.0, fps=FPS)
    assert speech is not None
    line = speech.lines[0]
    assert abs(line.start_s - LEAD_IN_S) < 1e-6 and 0.8 < line.end_s - line.start_s < 3.0

    frames, audio = render(prompt, crop)
    silent_frames, _ = render("@ana at the beach", crop)
    assert audio.rate == RATE and len(audio.samples) == 4 * RATE
    track = soundtrack(audio.samples, audio.rate, 4.0)
    during = rms(track, line.start_s + 0.1, line.end_s - 0.1)
    after = rms(track, line.end_s + 0.15, 4.0)  # the bed alone
    assert during > 2.5 * after > 0  # speech stands out; the bed is there, not silence
    # Before the line the two renders are the same picture; while it is spoken the mouth moves.
    assert np.array_equal(frames[2], silent_frames[2])
    speaking = [i for i in range(len(frames)) if line.start_s + 0.1 < i / FPS < line.end_s - 0.1]
    changed = [
        int(np.count_nonzero(np.abs(frames[i] - silent_frames[i].astype(int)).max(axis=2) > 40)) for i in speaking
    ]
    assert max(changed) > 30  # an open mouth: dozens of pixels darker on the face
    assert max(changed) - min(changed) > 20  # it opens and closes with the syllables, not a fixed hole


def test_without_quotes_the_backend_gives_its_scene_ambience(crop) -> None:  # type: ignore[no-untyped-def]
    _, beach = render("@ana at the beach", crop, seconds=2.0)
    _, club = render("@ana dancing in a club", crop, seconds=2.0)
    for audio in (beach, club):
        assert audio.rate == RATE and len(audio.samples) == 2 * RATE and rms(audio.samples, 0.2, 1.8) > 1e-3
    assert not np.allclose(beach.samples, club.samples)


# --- through the API and the worker ------------------------------------------------------------------


@pytest.fixture
def owner(make_user, enroll):  # type: ignore[no-untyped-def]
    user = make_user("ana")
    enroll(user, "astronaut", audience="approved")
    return user


@pytest.mark.slow
def test_a_generated_video_carries_the_line_as_sound_as_long_as_its_pictures(
    api, me, owner, django_capture_on_commit_callbacks
):
    approve(owner, me)
    prompt = '@ana at the beach saying "this water is freezing"'
    with django_capture_on_commit_callbacks(execute=True):
        response = api.post(URL, {"prompt": prompt, "duration_s": 4}, format="json")
    assert response.status_code == 202
    job = api.get(f"{URL}/{response.json()['id']}").json()
    assert job["status"] == "ready", job
    video = Video.objects.get(pk=job["video"]["id"])
    samples, audio_s, video_s = decode_audio(Path(video.media.path))
    assert abs(audio_s - video_s) <= 0.05 and abs(video_s - 4.0) < 1e-6
    line = speak(prompt, ["ana"], seconds=4.0, fps=FPS).lines[0]  # type: ignore[union-attr]
    assert rms(samples, line.start_s + 0.1, line.end_s - 0.1) > 2.5 * rms(samples, line.end_s + 0.15, 4.0)
    loudness = pyloudnorm.Meter(RATE).integrated_loudness(samples.astype(np.float64))
    assert abs(loudness - (-16.0)) < 1.5
    assert read_manifest(Path(video.media.path)).valid


@pytest.mark.parametrize(
    ("line", "categories"),
    [
        ("I am going to shoot everyone in this mall", ["violence"]),
        ("kill yourself, nobody likes you", ["self_harm", "harassment"]),
    ],
)
def test_a_forbidden_quoted_line_is_refused_like_the_prompt(api, me, owner, line, categories):  # type: ignore[no-untyped-def]
    approve(owner, me)
    response = api.post(URL, {"prompt": f'@ana saying "{line}"', "duration_s": 4}, format="json")
    assert response.status_code == 400
    assert response.json()["error"] == "policy_violation" and response.json()["categories"] == categories
    assert not GenerationJob.objects.exists()


def test_a_quoted_line_naming_a_protected_person_is_refused_by_the_gate(api, me, owner):  # type: ignore[no-untyped-def]
    approve(owner, me)
    response = api.post(URL, {"prompt": '@ana saying "hello, I am Barack Obama"', "duration_s": 4}, format="json")
    assert response.status_code == 403
    assert response.json()["error"] == "consent_required"
    assert any(s["source"] == "name" for s in response.json()["subjects"])
    assert not GenerationJob.objects.exists()


@pytest.mark.parametrize(
    "line",
    [
        "[[kˈɪl jɔːɹsˈɛlf, nˈoʊbɑːdi lˈaɪks juː]]",  # "kill yourself, nobody likes you", as phonemes
        "hello, I am [[bəɹˈæk oʊbˈɑːmə]]",  # "Barack Obama"
    ],
)
def test_a_quoted_line_in_phoneme_codes_is_refused_not_spoken_unchecked(api, me, owner, line):  # type: ignore[no-untyped-def]
    """The bundled voice reads [[...]] as raw phonemes: the policy and the gate read codes, the
    viewer hears the words. Before, such a line was queued and the cameo said what no check saw."""
    approve(owner, me)
    response = api.post(URL, {"prompt": f'@ana saying "{line}"', "duration_s": 4}, format="json")
    assert response.status_code == 400 and response.json()["error"] == "invalid"
    assert "in words" in response.json()["fields"]["prompt"][0]
    assert not GenerationJob.objects.exists()


@pytest.mark.parametrize(
    "line",
    ["[[kˈɪl jɔːɹsˈɛlf, nˈoʊbɑːdi lˈaɪks juː]]", "hello, I am [[bəɹˈæk oʊbˈɑːmə]]", "hello, I am [ana] (ana)"],
)
def test_the_preflight_and_submit_agree_on_a_quoted_line_in_phoneme_codes(api, me, owner, line):  # type: ignore[no-untyped-def]
    """What the create screen checks while someone types is what submit refuses. Before, the
    preflight said `allowed` for a line that submit then refused (400) as sound codes."""
    approve(owner, me)
    prompt = f'@ana saying "{line}"'
    preflight = api.post("/api/v1/consent/check", {"prompt": prompt}, format="json")
    submitted = api.post(URL, {"prompt": prompt, "duration_s": 4}, format="json")
    if "[[" in line:
        assert preflight.status_code == submitted.status_code == 400, preflight.content
        assert preflight.json()["error"] == submitted.json()["error"] == "invalid"
        assert preflight.json()["fields"]["prompt"] == submitted.json()["fields"]["prompt"]
        assert "in words" in preflight.json()["fields"]["prompt"][0]
    else:  # brackets of one kind are words to the voice
        assert preflight.status_code == 200 and preflight.json()["allowed"] is True, preflight.content
        assert submitted.status_code == 202, submitted.content


def test_quoted_lines_too_long_for_the_clip_are_refused_before_anything_is_queued(api):  # type: ignore[no-untyped-def]
    speech = "this is a very long line that nobody could ever say in two seconds, however fast they talk"
    response = api.post(URL, {"prompt": f'a beach, a voice saying "{speech}"', "duration_s": 2}, format="json")
    assert response.status_code == 400 and response.json()["error"] == "invalid"
    assert "too long to say" in response.json()["fields"]["prompt"][0]
    assert not GenerationJob.objects.exists()


def test_a_backend_that_makes_no_sound_gets_the_ambience_of_its_prompt(crop) -> None:  # type: ignore[no-untyped-def]
    from generation.pipeline import _soundtrack

    beach, club = request("waves at the beach", crop, 2.0), request("dancing in a club", crop, 2.0)
    tracks = [_soundtrack(None, r, 2.0) for r in (beach, club)]
    for track in tracks:
        assert len(track) == 2 * RATE and rms(track, 0.1, 1.9) > 0.01
        assert abs(pyloudnorm.Meter(RATE).integrated_loudness(track.astype(np.float64)) - (-16.0)) < 1.0
    assert not np.allclose(tracks[0], tracks[1])


# --- a cameo's voice follows the cameo's permissions -------------------------------------------------


def test_a_backend_gets_the_voice_only_of_cameos_the_gate_allowed(make_user, me, owner, enroll):  # type: ignore[no-untyped-def]
    from cameos import crypto
    from cameos.models import Voice
    from generation.pipeline import _cameo_refs
    from moderation import consent

    rng = np.random.default_rng(3)
    voices = {}
    bob = make_user("bobby")
    enroll(bob, "hopper", audience="approved")
    for person in (owner, bob):
        template = rng.standard_normal(256).astype(np.float32)
        Voice.objects.create(cameo=person.cameo, template=crypto.encrypt(template.astype("<f4").tobytes()))
        voices[person.handle] = template
    approve(owner, me)

    allowed = consent.check(me, '@ana saying "hi"')
    refs = _cameo_refs(allowed)
    assert [r.handle for r in refs] == ["ana"]  # @bobby, not in the prompt, lends nothing
    assert refs[0].voice is not None and np.allclose(refs[0].voice, voices["ana"])
    # Without his approval, a prompt naming @bobby is refused: nothing of him (face or voice) is used.
    refused = consent.check(me, '@ana and @bobby saying "hi"')
    assert not refused.allowed and "bobby" not in [c.handle for c in refused.cameos]


def test_the_voice_never_speaks_phoneme_codes_even_in_a_job_queued_before_they_were_refused():  # type: ignore[no-untyped-def]
    """Submit refuses [[...]] in quoted lines; the voice reads them as text too (brackets as round
    ones), so a job queued before that check says no word the gate did not read."""
    from generation.backends.composite.speech import say

    codes = say("[[kˈɪl jɔːɹsˈɛlf]]")
    assert np.array_equal(codes, say("(kˈɪl jɔːɹsˈɛlf)"))
