"""The output scan's sampling at cuts (cameos.likeness.video.Cuts): the frames either side of each cut
are sampled besides the ordinary ones, a steady clip gets exactly the ordinary ones, and a montage
or noise costs a bounded number of frames, never fewer than the ordinary ones."""

import tempfile

import cv2
import numpy as np

from cameos.likeness.video import Cuts, sample_frames
from tests import synthetic_faces as faces

SIZE = (320, 576)  # width, height
FPS = 24


def _sampled(images: list[np.ndarray], *, cuts: Cuts | None) -> list[int]:
    """The frame numbers sample_frames keeps at the output scan's 4 a second."""
    with tempfile.NamedTemporaryFile(suffix=".mp4") as f:
        f.write(faces.write_video(images, FPS))
        f.flush()
        return [round(frame.t * FPS) for frame in sample_frames(f.name, fps=4, max_side=320, cuts=cuts)]


def _shots(seconds: float, shot_of) -> list[np.ndarray]:  # type: ignore[no-untyped-def]
    """`seconds` of a backdrop drifting (as cameo_video's); frames for which `shot_of(index)` is true
    show another shot (the backdrop mirrored, a face in it)."""
    backdrop = faces.scene(SIZE)
    other = faces.paste_faces(cv2.flip(backdrop, 1), [("hopper", SIZE[0] // 2, SIZE[1] // 2)], SIZE[0] // 3)
    return [other if shot_of(i) else np.roll(backdrop, i * 2, axis=1) for i in range(int(seconds * FPS))]


def test_a_steady_clip_gets_the_ordinary_samples_only():
    images = _shots(3, lambda i: False)
    assert _sampled(images, cuts=Cuts()) == _sampled(images, cuts=None) == list(range(0, 72, 6))


def test_a_fast_pan_is_one_cut_where_it_starts():
    """A generated video's camera moves: 16 px a frame (at 320 wide, 1.6 thumbnail cells) changes most
    of the picture at once, but it is the same shot: once it moves on, the ordinary samples only."""
    backdrop = faces.scene(SIZE)
    images = [backdrop] * 12 + [np.roll(backdrop, i * 16, axis=1) for i in range(1, 3 * FPS - 11)]
    assert _sampled(images, cuts=None) == list(range(0, 72, 6))
    assert _sampled(images, cuts=Cuts()) == [0, 6, 11, 12, 18, *range(24, 72, 6)]  # 11, 12: the pan starts


def test_a_face_flashed_as_the_backdrop_jumps_a_cell_or_two_is_a_cut():
    """The flash moves the picture 16 px (1.6 cells) as well: moved back, few cells changed, as in a
    pan; but the picture was still just before, so it is a cut both ways."""
    backdrop = faces.scene(SIZE)
    spot = [("hopper", SIZE[0] // 2, SIZE[1] // 2)]

    def image(i: int) -> np.ndarray:
        drifting = np.roll(backdrop, i * 2, axis=1)
        return faces.paste_faces(np.roll(drifting, 16, axis=1), spot, SIZE[0] // 3) if 25 <= i <= 29 else drifting

    assert {25, 29} <= set(_sampled([image(i) for i in range(48)], cuts=Cuts()))


def test_a_flash_between_two_samples_has_its_first_and_last_frames_sampled():
    images = _shots(3, lambda i: 25 <= i <= 29)  # five frames between the samples at 24 and 30
    assert 25 not in _sampled(images, cuts=None) and 29 not in _sampled(images, cuts=None)
    assert _sampled(images, cuts=Cuts()) == [0, 6, 12, 18, 24, 25, 29, 30, 36, 42, 48, 54, 60, 66]


def test_a_face_popping_into_a_still_shot_between_two_samples_has_its_first_and_last_frames_sampled():
    """A face a third of the frame wide (106 px at 320) on the same backdrop changes a fiftieth of the
    thumbnail, under a cut's tenth: before, it was no cut, and five frames of it went unseen."""
    backdrop = faces.scene(SIZE)
    spot = [("hopper", SIZE[0] // 2, SIZE[1] // 2)]

    def image(i: int) -> np.ndarray:
        drifting = np.roll(backdrop, i * 2, axis=1)
        return faces.paste_faces(drifting, spot, SIZE[0] // 3) if 25 <= i <= 29 else drifting

    images = [image(i) for i in range(48)]
    assert not {25, 29} & set(_sampled(images, cuts=None))
    assert _sampled(images, cuts=Cuts()) == [0, 6, 12, 18, 24, 25, 29, 30, 36, 42]


def test_a_part_of_the_picture_changing_on_costs_one_extra_frame_where_it_starts():
    """Motion going on (here a face a third of the frame wide jumping between two places in every
    frame: a fiftieth of the thumbnail changed each time, as by a dancer's limbs) is one cut where it
    starts from a calm picture, then the ordinary samples only."""
    backdrop = faces.scene(SIZE)

    def image(i: int) -> np.ndarray:
        drifting = np.roll(backdrop, i * 2, axis=1)
        place = SIZE[0] // 3 if i % 2 else SIZE[0] * 2 // 3
        return drifting if i < 10 else faces.paste_faces(drifting, [("hopper", place, SIZE[1] // 3)], SIZE[0] // 3)

    assert _sampled([image(i) for i in range(48)], cuts=Cuts()) == [0, 6, 10, 11, 12, 18, 24, 30, 36, 42]


def test_a_montage_costs_a_bounded_number_of_frames_never_fewer_than_the_ordinary_ones():
    images = _shots(3, lambda i: i // 2 % 2 == 1)  # a cut every other frame: 12 a second
    ordinary = _sampled(images, cuts=None)
    kept = _sampled(images, cuts=Cuts(max_per_s=8, past_cap_fps=8))
    assert set(ordinary) <= set(kept)
    assert kept == sorted(set(kept))
    for second in range(3):
        in_second = [i for i in kept if second * FPS <= i < (second + 1) * FPS]
        assert 4 + 8 <= len(in_second) <= 4 + 8 + 8, (second, in_second)


def test_a_face_seen_across_cuts_makes_one_track():
    """The extra frames are sampled frames like the others: the same face before, during and after a
    short shot is one track (face_tracks joins by likeness, else by place in the frame sampled just
    before, whichever kind of sample that was)."""
    from cameos.likeness.faces import engine
    from cameos.likeness.tracks import face_tracks

    backdrop = faces.scene(SIZE)
    spot = [("hopper", SIZE[0] // 2, SIZE[1] // 2)]
    here = faces.paste_faces(backdrop, spot, SIZE[0] // 2)
    there = faces.paste_faces(cv2.flip(backdrop, 1), spot, SIZE[0] // 2)
    images = [there if 13 <= i <= 17 else here for i in range(2 * FPS)]
    with tempfile.NamedTemporaryFile(suffix=".mp4") as f:
        f.write(faces.write_video(images, FPS))
        f.flush()
        frames = sample_frames(f.name, fps=4, max_side=320, cuts=Cuts())
    assert [round(frame.t * FPS) for frame in frames] == [0, 6, 12, 13, 17, 18, 24, 30, 36, 42]
    tracks = face_tracks(frames, engine=engine())
    assert len(tracks) == 1
    assert {13, 17} <= {round(t * FPS) for t in tracks[0].times}  # the short shot's, in the same track
    # The cut frames are marked, and not counted as the face's time on screen (the reveal gate).
    assert [round(frame.t * FPS) for frame in frames if frame.extra] == [13, 17]
    assert (len(tracks[0].embeddings), tracks[0].frames) == (10, 8)


def test_a_face_popping_in_beside_something_that_keeps_changing_has_its_first_and_last_frames_sampled():
    """A small part of the picture changing in every frame (a flickering screen or candle in a corner,
    a fiftieth of the thumbnail) kept the whole picture from being calm: a face popping in elsewhere
    for five frames between two samples was no cut, and went unseen. Calm is asked of the part that
    changes: the flicker costs one extra frame where it starts, the face its first and last."""
    backdrop = faces.scene(SIZE)
    spot = [("hopper", SIZE[0] // 2, SIZE[1] // 2)]

    def image(i: int) -> np.ndarray:
        drifting = np.roll(backdrop, i * 2, axis=1)
        if i >= 3:  # a bright patch in the top corner, on and off in every frame
            drifting = drifting.copy()
            drifting[: SIZE[1] // 7, : SIZE[0] // 7] = 255 if i % 2 else 0
        return faces.paste_faces(drifting, spot, SIZE[0] // 3) if 25 <= i <= 29 else drifting

    assert _sampled([image(i) for i in range(48)], cuts=Cuts()) == [0, 2, 3, 6, 12, 18, 24, 25, 29, 30, 36, 42]
