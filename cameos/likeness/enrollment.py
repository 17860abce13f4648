"""Verifying an enrollment video: one real person who performs the challenge's head poses in order.

This is a challenge-response liveness *deterrent* (docs/liveness.md says what it does and does not
stop). It decides from the sampled frames alone; storing, the gallery's duplicate check and the
status change are the caller's (cameos.services).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

import cv2
import numpy as np

from cameos.likeness.faces import Face, FaceEngine, Pose, head_pose, normalise, quality
from cameos.likeness.video import Frame

STEPS = ("center", "turn_left", "turn_right", "look_up", "look_down")
STEP_WORDS = {
    "center": "look straight at the camera",
    "turn_left": "turn your head to your left",
    "turn_right": "turn your head to your right",
    "look_up": "look up",
    "look_down": "look down",
}
# SFace's canonical landmark positions in its 112×112 crop; reference crops use the same layout
# at a larger size so generation has more pixels to work with.
CANONICAL_112 = np.array(
    [[38.2946, 51.6963], [73.5318, 51.5014], [56.0252, 71.7366], [41.5493, 92.3655], [70.7299, 92.2041]],
    dtype=np.float32,
)


@dataclass(frozen=True)
class Rules:
    """Thresholds of the check (overridden by settings: cameos.conf `rules`)."""

    min_face_px: float = 90.0  # face's smaller side in a frame scaled to 640 px: ~1/7 of the frame
    min_sharpness: float = 25.0  # variance of the Laplacian of the 112×112 crop
    min_brightness: float = 45.0
    max_brightness: float = 215.0
    # Pose thresholds in the landmark-based degrees of faces.head_pose, which reads a real 30° turn as
    # roughly 18–26°: lenient enough for people, while a photo (flat: its nose never moves off the eye
    # line, however it is tilted) stays near 0°.
    center_yaw: float = 8.0  # degrees: within this is facing the camera
    turn_yaw: float = 15.0  # degrees: beyond this is a turn
    center_pitch: float = 7.0
    tilt_pitch: float = 9.0  # degrees of pitch away from the person's own frontal pose
    hold_s: float = 0.5  # each step held at least this long
    # Identity within one video: SFace gives the same person 0.3–1.0 across these poses and two people
    # 0.1–0.2. A frame below `same_person` against the frontal frames' mean for two frames in a row, or
    # a jump below `continuity` between consecutive frames (125 ms apart), is someone else.
    same_person: float = 0.25
    continuity: float = 0.35
    max_no_face_share: float = 0.5
    second_face_px: float = 40.0  # a second face this large or larger means two people
    reference_crops: int = 5
    reference_size: int = 256


@dataclass(frozen=True)
class FrameReading:
    t: float
    faces: int
    face: Face | None = None
    pose: Pose | None = None
    sharpness: float = 0.0
    brightness: float = 0.0
    label: str | None = None
    crop: np.ndarray | None = field(default=None, repr=False)  # 112×112 aligned, for the embedding
    frame_index: int = -1


@dataclass(frozen=True)
class Verdict:
    accepted: bool
    code: str  # "accepted", or what went wrong: no_face, multiple_faces, face_too_small, ...
    reason: str  # what the person can do about it
    template: np.ndarray | None = None  # 128-d, L2-normalised mean of the frames' embeddings
    references: list[np.ndarray] = field(default_factory=list)  # aligned BGR crops for generation
    readings: list[FrameReading] = field(default_factory=list, repr=False)


def _reject(code: str, reason: str, readings: list[FrameReading]) -> Verdict:
    return Verdict(False, code, reason, readings=readings)


def reference_crop(image: np.ndarray, face: Face, size: int) -> np.ndarray:
    """An aligned crop of `size`×`size` pixels with the landmarks where SFace expects them, plus a
    margin (the canonical 112 layout scaled, and shrunk to 80% around its centre to show hair and chin)."""
    target = (CANONICAL_112 - 56.0) * (size / 112.0) * 0.8 + size / 2.0
    matrix, _ = cv2.estimateAffinePartial2D(face.landmarks.astype(np.float32), target, method=cv2.LMEDS)
    return cv2.warpAffine(image, matrix, (size, size), flags=cv2.INTER_LINEAR, borderMode=cv2.BORDER_REPLICATE)


def _read(engine: FaceEngine, frames: Sequence[Frame], rules: Rules) -> list[FrameReading]:
    readings = []
    for index, frame in enumerate(frames):
        faces = engine.detect(frame.image)
        big = [f for f in faces if f.size >= rules.second_face_px]
        if len(big) != 1:
            readings.append(FrameReading(t=frame.t, faces=len(big), frame_index=index))
            continue
        face = big[0]
        crop = engine.align(frame.image, face)
        measured = quality(crop, face)
        readings.append(
            FrameReading(
                t=frame.t,
                faces=1,
                face=face,
                pose=head_pose(face),
                crop=crop,
                sharpness=measured.sharpness,
                brightness=measured.brightness,
                frame_index=index,
            )
        )
    return readings


def _labelled(readings: list[FrameReading], rules: Rules) -> list[FrameReading]:
    """Each frame's pose as a step name (or None between steps). Pitch is measured from the person's
    own frontal pose: the nose position in the opening `center` step (every challenge starts there)."""
    opening = [r for r in readings if r.pose and r.t <= readings[0].t + 0.8 and abs(r.pose.yaw) < rules.center_yaw]
    frontal = opening or [r for r in readings if r.pose and abs(r.pose.yaw) < rules.center_yaw]
    baseline = float(np.median([r.pose.pitch_ratio for r in frontal])) if frontal else 0.55  # type: ignore[union-attr]
    labelled = []
    for reading in readings:
        r, label = reading, None
        if r.pose is not None:
            yaw = r.pose.yaw
            pitch = float(np.degrees(np.arctan((baseline - r.pose.pitch_ratio) / 0.5)))
            if yaw >= rules.turn_yaw:
                label = "turn_left"
            elif yaw <= -rules.turn_yaw:
                label = "turn_right"
            elif abs(yaw) < rules.turn_yaw * 0.75 and pitch >= rules.tilt_pitch:
                label = "look_up"
            elif abs(yaw) < rules.turn_yaw * 0.75 and pitch <= -rules.tilt_pitch:
                label = "look_down"
            elif abs(yaw) < rules.center_yaw and abs(pitch) < rules.center_pitch:
                label = "center"
            r = FrameReading(**{**r.__dict__, "label": label, "pose": Pose(yaw, pitch, r.pose.pitch_ratio)})
        labelled.append(r)
    return labelled


def _held_segments(readings: list[FrameReading], rules: Rules, step_s: float) -> list[tuple[str, float, float]]:
    """(label, start, end) of runs of frames with one label lasting at least `hold_s`."""
    segments: list[tuple[str, float, float]] = []
    current: str | None = None
    start = end = 0.0
    for r in [*readings, FrameReading(t=float("inf"), faces=0)]:
        if r.label != current or r.t > end + 2.5 * step_s:  # a gap of missing frames ends a run
            if current is not None and end - start + step_s >= rules.hold_s:
                segments.append((current, start, end))
            current, start = r.label, r.t
        end = r.t
    return segments


def _missing_step_reason(step: str, readings: list[FrameReading], rules: Rules) -> tuple[str, str]:
    poses = [r.pose for r in readings if r.pose is not None]
    if not poses:
        return "step_missing", f"We did not see you {STEP_WORDS[step]}."
    reached = {
        "turn_left": max(p.yaw for p in poses) / rules.turn_yaw,
        "turn_right": -min(p.yaw for p in poses) / rules.turn_yaw,
        "look_up": max(p.pitch for p in poses) / rules.tilt_pitch,
        "look_down": -min(p.pitch for p in poses) / rules.tilt_pitch,
        "center": 1.0,
    }[step]
    if reached >= 1.0:
        return "step_too_short", f"Hold each pose for a moment: {STEP_WORDS[step]} and hold it for half a second."
    if reached >= 0.45:
        further = {
            "turn_left": "turn further to your left",
            "turn_right": "turn further to your right",
            "look_up": "look further up",
            "look_down": "look further down",
        }.get(step, STEP_WORDS[step])
        return "step_not_far_enough", f"Almost: {further}."
    return "step_missing", f"We did not see you {STEP_WORDS[step]}. Follow the steps on screen, in order."


def verify(frames: Sequence[Frame], steps: Sequence[str], *, engine: FaceEngine, rules: Rules | None = None) -> Verdict:
    """Decide whether `frames` show one live person performing `steps` in order."""
    rules = rules or Rules()
    if len(frames) < 4:
        return _reject("too_short", "The video is too short; record for at least 2 seconds.", [])
    step_s = float(np.median(np.diff([f.t for f in frames])))
    readings = _read(engine, frames, rules)
    if any(r.faces > 1 for r in readings):
        return _reject(
            "multiple_faces", "We saw more than one face. Record alone, with no photos or screens behind you.", readings
        )
    with_face = [r for r in readings if r.face is not None]
    if len(with_face) < len(readings) * (1 - rules.max_no_face_share) or len(with_face) < 4:
        return _reject("no_face", "We could not see your face. Face the camera in good light.", readings)
    if float(np.median([r.face.size for r in with_face])) < rules.min_face_px:  # type: ignore[union-attr]
        return _reject("face_too_small", "Your face is too small in the frame: hold the phone closer.", readings)
    brightness = float(np.median([r.brightness for r in with_face]))
    if brightness < rules.min_brightness:
        return _reject("too_dark", "It is too dark: find more light on your face.", readings)
    if brightness > rules.max_brightness:
        return _reject("too_bright", "It is too bright: avoid direct light on your face.", readings)
    if float(np.median([r.sharpness for r in with_face])) < rules.min_sharpness:
        return _reject("too_blurry", "The video is blurry: hold the phone still and clean the lens.", readings)

    # The same person throughout: every frame against the frontal frames' mean embedding.
    embeddings = engine.embed([r.crop for r in with_face])  # type: ignore[misc]
    labelled = _labelled(readings, rules)
    labels = [r.label for r in labelled if r.face is not None]
    frontal = [i for i, label in enumerate(labels) if label == "center"] or list(range(len(with_face)))
    anchor = normalise(embeddings[frontal].mean(axis=0))
    low = (embeddings @ anchor) < rules.same_person
    jumps = np.sum(embeddings[1:] * embeddings[:-1], axis=1) < rules.continuity
    if np.any(low[:-1] & low[1:]) or low.sum() > max(1, len(low) // 10) or np.any(jumps):
        return _reject(
            "different_person", "We saw a different person during the video. Record yourself only.", labelled
        )

    # The challenge: each step held, in order.
    segments = _held_segments(labelled, rules, step_s)
    position = -1.0
    opening: float | None = None  # when the first step began
    for step in steps:
        found = next((s for s in segments if s[0] == step and s[1] > position), None)
        if found is None:
            if any(s[0] == step for s in segments):
                return _reject(
                    "wrong_order",
                    "Do the steps in the order shown: " + ", then ".join(STEP_WORDS[s] for s in steps) + ".",
                    labelled,
                )
            code, reason = _missing_step_reason(step, labelled, rules)
            return _reject(code, reason, labelled)
        opening = found[1] if opening is None else opening
        position = found[2]
    # Only the poses asked for, from the opening pose to the last: a pose held in between that the
    # challenge did not ask for refuses the video. Otherwise one recording that does every pose, over
    # and over, answered every challenge (all 36), and a random challenge stopped no replay.
    done = [s[0] for s in segments if s[0] != "center" and opening is not None and opening <= s[1] <= position]
    done = [label for i, label in enumerate(done) if i == 0 or done[i - 1] != label]
    if done != [step for step in steps if step != "center"]:
        return _reject(
            "wrong_order",
            "Do only the steps shown, in order: " + ", then ".join(STEP_WORDS[s] for s in steps) + ".",
            labelled,
        )

    template = normalise(embeddings.mean(axis=0))
    return Verdict(
        True,
        "accepted",
        "Your cameo is ready.",
        template=template,
        references=_references(frames, labelled, rules),
        readings=labelled,
    )


def _references(frames: Sequence[Frame], readings: list[FrameReading], rules: Rules) -> list[np.ndarray]:
    """The sharpest frame of each pose the person showed, frontal first: 3 to 5 crops."""
    best: dict[str, FrameReading] = {}
    for r in readings:
        if r.label and r.face is not None and (r.label not in best or r.sharpness > best[r.label].sharpness):
            best[r.label] = r
    chosen = [best[s] for s in STEPS if s in best]
    if len(chosen) < 3:  # fewer poses than crops wanted: add the next sharpest frontal-ish frames
        extra = sorted(
            (
                r
                for r in readings
                if r.face is not None and r not in chosen and r.pose is not None and abs(r.pose.yaw) < rules.turn_yaw
            ),
            key=lambda r: -r.sharpness,
        )
        chosen += extra[: 3 - len(chosen)]
    return [
        reference_crop(frames[r.frame_index].image, r.face, rules.reference_size)  # type: ignore[arg-type]
        for r in chosen[: rules.reference_crops]
    ]
