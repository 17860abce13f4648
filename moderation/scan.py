"""The output scan: who appears in a generated video, and may the author show them?

Frames are sampled (a few per second, and the first and last frames of each shot: a face flashed
between two samples is looked at too), faces detected and embedded, grouped into tracks (one per
person on screen), and each track's mean template compared with every cameo's and every protected
person's photo (exact search: a miss here would publish someone's likeness). The caller (the
generation pipeline) gets every match, to record appearances, and the consent decision on them;
the track templates go to the video face index so that a cameo enrolled later can be found in this
video.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np

from accounts.models import User
from moderation import consent
from moderation.conf import conf
from moderation.selectors import ProtectedMatch


@dataclass(frozen=True)
class TrackMatch:
    template: np.ndarray
    first_ms: int
    last_ms: int
    frames: int  # frames of the regular grid the face was seen in (Track.frames; not those at cuts)
    cameo_id: int | None
    similarity: float
    protected: ProtectedMatch | None = None  # a protected person's face (the registry's photos)


@dataclass(frozen=True)
class Scan:
    tracks: tuple[TrackMatch, ...]
    frames_sampled: int
    # A sampled frame showed more faces than SCAN_MAX_FACES: none was checked (no tracks), and the
    # video is refused (check_output).
    crowded: bool = False

    @property
    def faces(self) -> list[consent.FaceMatch]:
        return [consent.FaceMatch(t.cameo_id, t.similarity, t.template, t.protected) for t in self.tracks]

    @property
    def cameo_ids(self) -> list[int]:
        return sorted({t.cameo_id for t in self.tracks if t.cameo_id is not None})


def scan_video(path: str | Path) -> Scan:
    from cameos.likeness.faces import engine
    from cameos.likeness.tracks import CrowdedFrame, face_tracks
    from cameos.likeness.video import Cuts, sample_frames

    knobs = conf()
    # The frames either side of each cut too: a face flashed between two samples is looked at.
    frames = sample_frames(path, fps=knobs.scan_fps, max_side=knobs.scan_max_side, cuts=Cuts())
    try:
        tracks = face_tracks(frames, engine=engine(), max_faces=knobs.scan_max_faces)
    except CrowdedFrame:
        return Scan((), len(frames), crowded=True)
    if not tracks:
        return Scan((), len(frames))
    templates = np.stack([t.template for t in tracks])
    matches = consent.match_faces(templates, exact=True)
    return Scan(
        tuple(
            TrackMatch(t.template, t.first_ms, t.last_ms, t.frames, m.cameo_id, m.similarity, m.protected)
            for t, m in zip(tracks, matches, strict=True)
        ),
        len(frames),
    )


def check_output(
    author: User, prompt: str, path: str | Path, *, remix_of: int | None = None, job: str = ""
) -> tuple[consent.Decision, Scan]:
    """Scan a finished video and run the gate on everything: the prompt's subjects again, the remix's
    people, and every face found. The video may become a draft only if the decision allows it: one
    with a frame of more faces than can be checked (Scan.crowded) is refused."""
    found = scan_video(path)
    decision = consent.check(
        author,
        prompt,
        remix_of=remix_of,
        output_faces=found.faces,
        output_crowded=found.crowded,
        stage="output",
        semantic=True,
        job=job,
    )
    return decision, found
