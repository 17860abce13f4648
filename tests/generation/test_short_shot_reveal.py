"""A face seen only in a short shot between two cuts does not reveal a stranger's video to the person
it looks like (docs/videos-of-me.md § Possible matches: TRACK_MIN_FRAMES counts the scan's regular
samples only). The output scan also looks at the first and last frames of each shot (so a protected
face flashed between two samples is checked: tests/generation/test_protected_output.py); before,
those counted towards the reveal gate too, and a half-second shot (2 samples and its 2 cut frames)
reached its 4 frames: the stranger's draft was shown to me. A shot of 1.5 s still reveals it.

The face is a GAN face of nobody (tests/gan_faces.py), mine once I enroll with it, after the video
was made: the scan of existing videos reads the video face index the output scan wrote."""

from __future__ import annotations

import cv2
import pytest

from feed.models import Video
from tests import gan_faces
from tests import synthetic_faces as faces
from tests.cameos.lookalikes import FACE
from tests.cameos.lookalikes import template as enrollment_template

pytestmark = pytest.mark.usefixtures("c2pa_dev_dir")

FPS = 24


class _ShotOfFace:
    """Three seconds at 24 fps of an empty backdrop, cut to another shot that shows FACE from frame
    `first` to frame `last`, and back."""

    name = "short-shot"

    def __init__(self, first: int, last: int) -> None:
        self.first, self.last = first, last
        self.face = cv2.resize(gan_faces.face(FACE), (240, 240), interpolation=cv2.INTER_AREA)

    def render(self, request, progress):  # type: ignore[no-untyped-def]
        assert request.fps == FPS and request.frame_count == 3 * FPS
        backdrop = faces.scene((request.width, request.height))
        elsewhere = cv2.flip(backdrop, 1)
        top, left = (request.height - 240) // 2, (request.width - 240) // 2
        for index in range(request.frame_count):
            if self.first <= index <= self.last:
                frame = elsewhere.copy()
                frame[top : top + 240, left : left + 240] = self.face
            else:
                frame = backdrop.copy()
            progress((index + 1) / request.frame_count)
            yield frame


def strangers_draft_showing_face(shot, *, make_user, client_of, monkeypatch, capture) -> Video:  # type: ignore[no-untyped-def]
    """A stranger's draft (3 s, 24 fps) showing FACE in `shot` (its first and last frame), made
    through the API with the worker in-process."""
    stranger = make_user("the.stranger")
    monkeypatch.setattr("generation.backends.get_backend", lambda name: _ShotOfFace(*shot))
    with capture(execute=True):
        response = client_of(stranger).post(
            "/api/v1/generations", {"prompt": "a quiet park at dawn", "duration_s": 3, "aspect": "1:1"}, format="json"
        )
    assert response.status_code == 202, response.json()
    job = client_of(stranger).get(f"/api/v1/generations/{response.json()['id']}").json()
    assert job["status"] == "ready", job
    return Video.objects.get()


def _my_videos_after_a_stranger_shows_my_face(  # type: ignore[no-untyped-def]
    shot, *, me, api, make_user, client_of, activate_cameo, monkeypatch, django_capture_on_commit_callbacks
) -> tuple[list[dict], Video]:
    """A stranger's draft showing FACE in `shot` (its first and last frame at 24 fps); then I enroll
    with that face: what my videos-of-me list says."""
    draft = strangers_draft_showing_face(
        shot,
        make_user=make_user,
        client_of=client_of,
        monkeypatch=monkeypatch,
        capture=django_capture_on_commit_callbacks,
    )
    activate_cameo(me, template=enrollment_template(FACE), audience="everyone")  # → the scan of existing videos
    response = api.get("/api/v1/cameo/appearances")
    assert response.status_code == 200
    return response.json()["results"], draft


@pytest.fixture
def my_videos(me, api, make_user, client_of, activate_cameo, monkeypatch, django_capture_on_commit_callbacks):  # type: ignore[no-untyped-def]
    def run(shot: tuple[int, int]) -> tuple[list[dict], Video]:
        return _my_videos_after_a_stranger_shows_my_face(
            shot,
            me=me,
            api=api,
            make_user=make_user,
            client_of=client_of,
            activate_cameo=activate_cameo,
            monkeypatch=monkeypatch,
            django_capture_on_commit_callbacks=django_capture_on_commit_callbacks,
        )

    return run


def test_my_face_in_a_half_second_shot_between_cuts_does_not_reveal_a_strangers_draft(api, my_videos):
    # Frames 27 to 38: the samples at 30 and 36, and the cut frames 27 and 38.
    rows, draft = my_videos((27, 38))
    assert [(r["match"], r["video"]) for r in rows] == [("possible", None)]
    assert api.get(f"/api/v1/videos/{draft.pk}").status_code == 404
    assert api.delete(f"/api/v1/cameo/appearances/{draft.pk}").status_code == 404


def test_my_face_in_a_shot_of_a_second_and_a_half_reveals_it(api, my_videos):
    rows, draft = my_videos((27, 62))  # the samples at 30 to 60: 6 of them
    assert [(r["match"], r["video"]["id"]) for r in rows] == [("confirmed", draft.pk)]


@pytest.mark.parametrize(("shot", "shown"), [((27, 38), False), ((27, 62), True)])
def test_the_output_scan_of_a_short_shot_of_my_face_does_not_reveal_the_draft(
    api, me, make_user, client_of, activate_cameo, monkeypatch, django_capture_on_commit_callbacks, shot, shown
):
    """Enrolled first (open to everyone): the output scan itself finds my face in the stranger's draft."""
    activate_cameo(me, template=enrollment_template(FACE), audience="everyone")
    draft = strangers_draft_showing_face(
        shot,
        make_user=make_user,
        client_of=client_of,
        monkeypatch=monkeypatch,
        capture=django_capture_on_commit_callbacks,
    )
    rows = api.get("/api/v1/cameo/appearances").json()["results"]
    if shown:
        assert [(r["match"], r["video"]["id"]) for r in rows] == [("confirmed", draft.pk)]
    else:
        assert [(r["match"], r["video"]) for r in rows] == [("possible", None)]
        assert api.get(f"/api/v1/videos/{draft.pk}").status_code == 404
