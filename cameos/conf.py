"""cameos' settings (core.typed_settings): enrollment and upload caps, restrictions, face thresholds
and the keys of reference crops at rest (docs/liveness.md, docs/videos-of-me.md).

Environment: `CASTFEED_CAMEOS_<FIELD>`, e.g. CASTFEED_CAMEOS_MATCH_THRESHOLD=0.55,
CASTFEED_CAMEOS_CODECS=h264,vp9, CASTFEED_CAMEOS_RULES='{"hold_s": 0.4}' or
CASTFEED_CAMEOS_CROP_KEYS=<key>,<older key>. moderation reads the face thresholds from here too.
"""

from __future__ import annotations

import dataclasses
from typing import Any

from core.typed_settings import loader, require


@dataclasses.dataclass(frozen=True)
class CameosSettings:
    # --- Enrollment (docs/liveness.md) ---
    challenge_seconds: int = 180  # an enrollment challenge's head poses are answered within this
    max_bytes: int = 20 * 1024 * 1024
    min_seconds: float = 2.0
    max_seconds: float = 15.0
    max_side: int = 1920
    # The short side below which no face can be verified: the check wants a face of at least
    # RULES min_face_px (90) px in the frame, and a frame is never scaled up. Smaller is refused at
    # upload, before it is stored or queued (lower it with min_face_px).
    min_side: int = 90
    # Caps on decoding an upload (enrollment video, takedown selfie), checked from the headers before
    # any frame is decoded, then again while the worker decodes (cameos.likeness.video.Caps: the
    # decoder may not allocate a frame over MAX_SIDE², every frame's long side ≤ MAX_SIDE, at most
    # MAX_FRAMES frames, a wall-clock deadline). Over a cap: 400 at upload, `rejected` in the worker.
    max_frames: int = 1000  # 15 s at 60 fps, with room
    decode_seconds: float = 60.0  # under verify_enrollment's soft time limit (120 s)
    codecs: tuple[str, ...] = ("h264", "hevc", "vp8", "vp9", "av1")  # what phones and browsers send
    sample_fps: float = 8.0  # frames examined per second of video
    stale_seconds: int = 3600  # a verification not finished by then is rejected and its upload deleted
    request_cooldown_seconds: int = 7 * 86400  # before asking again after a denial or a revocation
    # A cameo's restrictions ("no political content"): at most this many, each this long (the API's
    # serializer and the service both read these).
    restriction_max_items: int = 10
    restriction_max_length: int = 80
    # Overrides of cameos.likeness.enrollment.Rules (thresholds of the check), by field name.
    rules: dict[str, Any] = dataclasses.field(default_factory=dict)

    # --- Faces: SFace cosine similarity ---
    # Its published same-person threshold is 0.363 on LFW pairs (1:1). A 1:N search expects gallery
    # size × false-match rate false hits per probe, so a stricter point: on our impostor pairs the
    # highest score was far below 0.5 (BENCHMARKS.md § Likeness); 0.5 keeps the measured false-match
    # rate at 0 while genuine pairs across poses stay above it.
    match_threshold: float = 0.5
    # An enrollment whose template matches another account's active cameo this closely is refused.
    duplicate_threshold: float = 0.5
    # A face this similar to a protected person's reference photo is theirs (moderation.selectors.
    # protected_face_matches: uploads, generated frames, enrollments). The same operating point as a
    # cameo match: the registry is searched 1:N like the gallery, with a few photos per person.
    protected_threshold: float = 0.5
    # "Videos of me" (DESIGN.md §1 promise 7; docs/videos-of-me.md § Possible matches, which has the
    # derivation; benchmarks/false_match.py measures it). A face track at MATCH_THRESHOLD or above is
    # only a possible match (shown without anything of the video, not deletable, its author asked);
    # it reveals the video (media, poster, author) and lets the person delete it only when it passes
    # all four. Expected false hits of one scan of N tracks = N × FMR(t); the promise is at most 0.01
    # at 1M tracks, so FMR(t) ≤ 1e-8, read from a generalized-Pareto fit of the impostor tail (644k
    # pairs of rendered track templates; the fit's 95% bootstrap upper bound): 845 per scan at 0.5.
    # Published: 0.80 → 0.0048 per scan (0.0089 with an exponential tail): a false hit there gives
    # delete rights on a public video. Drafts, stricter (private media, and model-proof): 0.82 →
    # 0.0021 (exponential tail 0.0041). A genuine track misses (stays a possible match) at 0.80/0.82:
    # real faces 4%/6%, the blurrier rendered GAN faces 29%/34%.
    reveal_published_threshold: float = 0.8
    reveal_draft_threshold: float = 0.82
    # Closer to the person than to any other enrolled cameo by this much: with the face's owner
    # enrolled, no impostor pair of the benchmark passed it, even at 0.5; it costs < 0.5% of genuine
    # tracks at the bars above.
    reveal_margin: float = 0.1
    # The quality gate: a track seen in fewer of the scan's regular samples (SCAN_FPS 4: under a
    # second; the frames either side of a cut are not counted, as the bar was measured without them)
    # never reveals; single frames score genuine faces lower (p10 0.68 vs 0.70 for whole tracks).
    track_min_frames: int = 4
    # pgvector HNSW candidates per query (recall vs. latency: BENCHMARKS.md § Gallery).
    ef_search: int = 100

    # --- The voice step of an enrollment (docs/liveness.md § Voice step; BENCHMARKS.md § Sound: the
    # voice step in enrollment, which measured the thresholds) ---
    voice_digits_min: int = 4  # digits to read aloud: a random count in this range
    voice_digits_max: int = 6
    voice_min_speech_seconds: float = 0.5  # less speech than this is "no digits heard"
    # The general language model's reading must be at least this share of digit words (or their
    # homophones): other speech, which the digits grammar forces into digits, is rejected.
    # 0.3, not 0.5: through a browser's microphone and Opus the general model reads fluent digits
    # as 2 of 5 digit words ("he euro for three said"); acceptance still needs the exact random digits.
    voice_min_digit_share: float = 0.3
    # resemblyzer cosine: a new recording below this against the enrolled voice is someone else. On
    # 7 synthetic voices × 5 pitches, short digit strings: the same voice at the same pitch scored
    # ≥ 0.650 (none rejected at 0.65); different voices (and shifts of 4 semitones) median 0.53, and
    # 18% of them pass 0.65: a deterrent, not an identification (BENCHMARKS.md § Sound: the voice step).
    voice_same_threshold: float = 0.65

    # Fernet keys for reference crops at rest (the first encrypts, all decrypt; none: one derived
    # from SECRET_KEY, cameos.crypto).
    crop_keys: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        for name in ("challenge_seconds", "max_bytes", "max_side", "max_frames", "stale_seconds"):
            require(getattr(self, name) > 0, f"{name.upper()} must be positive")
        require(1 <= self.min_side <= self.max_side, "MIN_SIDE must be between 1 and MAX_SIDE")
        for name in ("restriction_max_items", "restriction_max_length", "track_min_frames", "ef_search"):
            require(getattr(self, name) > 0, f"{name.upper()} must be positive")
        require(0 <= self.min_seconds <= self.max_seconds, "MIN_SECONDS must be between 0 and MAX_SECONDS")
        require(self.decode_seconds >= 0, "DECODE_SECONDS must not be negative")
        require(self.sample_fps > 0, "SAMPLE_FPS must be positive")
        require(self.request_cooldown_seconds >= 0, "REQUEST_COOLDOWN_SECONDS must not be negative")
        require(bool(self.codecs), "CODECS must name at least one codec")
        for name in (
            "match_threshold",
            "duplicate_threshold",
            "protected_threshold",
            "reveal_published_threshold",
            "reveal_draft_threshold",
        ):
            require(-1.0 <= getattr(self, name) <= 1.0, f"{name.upper()} is a cosine: between -1 and 1")
        require(0.0 <= self.reveal_margin <= 2.0, "REVEAL_MARGIN must be between 0 and 2")
        require(1 <= self.voice_digits_min <= self.voice_digits_max <= 12, "VOICE_DIGITS_MIN ≤ VOICE_DIGITS_MAX ≤ 12")
        require(self.voice_min_speech_seconds >= 0, "VOICE_MIN_SPEECH_SECONDS must not be negative")
        require(0.0 <= self.voice_min_digit_share <= 1.0, "VOICE_MIN_DIGIT_SHARE must be between 0 and 1")
        require(-1.0 <= self.voice_same_threshold <= 1.0, "VOICE_SAME_THRESHOLD is a cosine: between -1 and 1")
        for key, value in self.rules.items():
            require(
                isinstance(value, int | float) and not isinstance(value, bool),
                f"RULES[{key!r}] must be a number (a field of cameos.likeness.enrollment.Rules)",
            )


conf = loader("CAMEOS", CameosSettings)
