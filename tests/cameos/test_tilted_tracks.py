"""The output scan's tracks (cameos.likeness.tracks.face_tracks) find a face tilted half-way between two
quarter turns (a head resting on a shoulder, a camera rolled): each sampled frame is also looked at
tilted an eighth, four ways, small (cameos.likeness.faces.TILTED_SCAN_SIDE). Such a face is placed
where it is in the frame upright and aligned from the tilted frame, so its template is the person's;
a face found both upright and tilted is one face, not two."""

import math

import cv2
import pytest

from cameos.likeness.faces import engine
from cameos.likeness.tracks import face_tracks
from cameos.likeness.video import Frame
from tests import gan_faces
from tests import synthetic_faces as faces

SIDE = 200  # each face's square, in a 640×640 frame (the scan's size for a 1:1 video)


def _upright_template():  # type: ignore[no-untyped-def]
    found, photo = engine(), gan_faces.face(0)
    return found.embed([found.align(photo, found.detect(photo)[0])])[0]


@pytest.mark.parametrize("degrees", [0, 30, 40, 45, 55, 90, 135, 225, 315])
def test_a_tilted_face_beside_an_upright_one_is_its_own_track_where_it_is_and_matches_the_person(degrees):
    frame = faces.scene((640, 640))
    frame[220 : 220 + SIDE, 30 : 30 + SIDE] = cv2.resize(faces.face_patch("astronaut", SIDE)[:SIDE], (SIDE, SIDE))
    tess = cv2.resize(gan_faces.face(0), (SIDE, SIDE), interpolation=cv2.INTER_AREA)
    faces.put_disc(frame, faces.tilted(tess, degrees), 410, 220)

    tracks = face_tracks([Frame(t=i / 4, image=frame) for i in range(3)], engine=engine())

    assert len(tracks) == 2, [t.boxes for t in tracks]
    author, tilted = sorted(tracks, key=lambda t: t.boxes[0][0])
    assert (author.frames, tilted.frames) == (3, 3)
    x, y, width, height = tilted.boxes[0]
    assert math.dist((x + width / 2, y + height / 2), (410 + SIDE / 2, 220 + SIDE / 2)) < SIDE / 6
    assert float(tilted.template @ _upright_template()) >= 0.8
    assert float(author.template @ faces.template("astronaut")) >= 0.8


def test_a_frame_of_nobody_tilted_shows_no_face():
    frame = faces.scene((640, 640))
    assert face_tracks([Frame(t=0.0, image=frame)], engine=engine()) == []
