"""Faces across the frames of a video, grouped into tracks (one per person on screen).

Faces are found however they lie (upright, on either side, upside down, and tilted half-way between
those, small: FaceEngine.detect_any_way_up_placed, TILTED_SCAN_SIDE).
A face joins the track whose running mean template it resembles (cosine at least `same_person`), or,
failing that, the track whose last box it overlaps closely in the previous sampled frame (a face that
turns away for a moment keeps its place); the faces that joined by place only are tracks of their own
(`Track.beside`), each face with those of them it resembles, returned after the others, as they may be
someone else in the same place (a cut, a morph: mixed into the first person's mean, 12 frames of another
face after 28 of theirs were never matched as anyone; and mixed with each other, a stranger for four
seconds and then a protected person for one where the author stood matched no one). Each track ends
as one L2-normalised mean template, and counts the frames of the regular grid it was seen in
(`Track.frames`: a frame either side of a cut, `Frame.extra`, feeds its template but is not counted, so
that a half-second shot, 2 samples and its 2 cut frames, is not taken for a second of face). Pure
numpy/OpenCV: frames in, dataclasses out.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field, replace

import numpy as np

from cameos.likeness.faces import TILTED_SCAN_SIDE, Face, FaceEngine, normalise
from cameos.likeness.video import Frame
from core.pacing import pace


@dataclass
class Track:
    embeddings: list[np.ndarray] = field(default_factory=list)
    boxes: list[tuple[float, float, float, float]] = field(default_factory=list)
    times: list[float] = field(default_factory=list)
    last_index: int = -1  # the sampled frame it was last seen in, by likeness or by place
    last_box: tuple[float, float, float, float] = (0.0, 0.0, 0.0, 0.0)
    # The faces that joined by place only (like no track, where this one's face was just before): tracks
    # of their own (each face joins the one it resembles, else starts one), matched on their own.
    beside: list[Track] = field(default_factory=list)
    # The frames of the regular grid (not Frame.extra) it was seen in: what the reveal gate counts.
    frames: int = 0

    def add(
        self, vector: np.ndarray, box: tuple[float, float, float, float], t: float, index: int, *, extra: bool = False
    ) -> None:
        self.embeddings.append(vector)
        self.boxes.append(box)
        self.times.append(t)
        self.frames += not extra
        self.last_index, self.last_box = index, box

    def add_beside(
        self,
        vector: np.ndarray,
        box: tuple[float, float, float, float],
        t: float,
        index: int,
        *,
        same_person: float,
        extra: bool = False,
    ) -> None:
        """A face that joined by place only, with those of them it resembles: a stranger there for a
        while and then a protected person, in one mean, matched neither."""
        near = max(self.beside, key=lambda b: float(b.template @ vector), default=None)
        if near is None or float(near.template @ vector) < same_person:
            near = Track()
            self.beside.append(near)
        near.add(vector, box, t, index, extra=extra)

    @property
    def template(self) -> np.ndarray:
        return normalise(np.mean(self.embeddings, axis=0))

    @property
    def first_ms(self) -> int:
        return round(self.times[0] * 1000)

    @property
    def last_ms(self) -> int:
        return round(self.times[-1] * 1000)


def _iou(a: tuple[float, ...], b: tuple[float, ...]) -> float:
    ax2, ay2, bx2, by2 = a[0] + a[2], a[1] + a[3], b[0] + b[2], b[1] + b[3]
    w, h = max(0.0, min(ax2, bx2) - max(a[0], b[0])), max(0.0, min(ay2, by2) - max(a[1], b[1]))
    inter = w * h
    union = a[2] * a[3] + b[2] * b[3] - inter
    return inter / union if union > 0 else 0.0


def _upright(face: Face, center: tuple[float, float]) -> Face:
    """The face with its box where it is in the frame upright (a turned view's box is the view's)."""
    width, height = face.box[2], face.box[3]
    return replace(face, box=(center[0] - width / 2, center[1] - height / 2, width, height))


class CrowdedFrame(Exception):
    """A frame shows more faces than the caller will have checked (face_tracks' `max_faces`)."""

    def __init__(self, t: float, faces: int) -> None:
        super().__init__(f"{faces} faces in the frame at {t:.2f} s")
        self.t, self.faces = t, faces


def face_tracks(
    frames: Sequence[Frame],
    *,
    engine: FaceEngine,
    same_person: float = 0.45,
    min_face_px: float = 24.0,
    overlap: float = 0.4,
    max_faces: int | None = None,
) -> list[Track]:
    """The tracks of the faces in `frames`. With `max_faces`, a frame that shows more faces (of at
    least `min_face_px`) raises CrowdedFrame before any of them is embedded: every face is embedded
    and matched (~8 ms each), so a frame tiled with hundreds of small faces cost seconds, and
    checking only some of them would leave the others unchecked."""
    tracks: list[Track] = []
    for index, frame in enumerate(frames):
        pace()  # a worker's scan leaves the host idle time (core.pacing); elsewhere a no-op
        # However each face lies (a model draws people asleep on their side, upside down on a
        # swing): YuNet alone finds upright faces only, and a face on its side went unchecked.
        # And tilted half-way between two quarter turns (a head on a shoulder, a camera rolled), small.
        found = engine.detect_any_way_up_placed(frame.image, min_size=min_face_px, tilted_side=TILTED_SCAN_SIDE)
        if not found:
            continue
        if max_faces is not None and len(found) > max_faces:
            raise CrowdedFrame(frame.t, len(found))
        vectors = engine.embed([engine.align(view, f) for view, f, _ in found])
        taken: set[int] = set()
        for (_, seen, center), vector in zip(found, vectors, strict=True):
            face = _upright(seen, center)
            best, best_score = None, same_person
            for number, track in enumerate(tracks):
                if number in taken:
                    continue
                score = float(track.template @ vector)
                if score >= best_score:
                    best, best_score = number, score
            if best is None:  # not like anyone so far: the same place as a face just before?
                for number, track in enumerate(tracks):
                    if (
                        number not in taken
                        and track.last_index == index - 1
                        and _iou(track.last_box, face.box) >= overlap
                    ):
                        # Kept apart from the faces it resembles: a face turned away, or someone
                        # else in their place (a cut, a morph), who must be matched as themselves.
                        track.add_beside(vector, face.box, frame.t, index, same_person=same_person, extra=frame.extra)
                        track.last_index, track.last_box = index, face.box
                        taken.add(number)
                        break
                else:
                    tracks.append(Track())
                    best = len(tracks) - 1
            if best is not None:
                tracks[best].add(vector, face.box, frame.t, index, extra=frame.extra)
                taken.add(best)
    return tracks + [beside for track in tracks for beside in track.beside]
