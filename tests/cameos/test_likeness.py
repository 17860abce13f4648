"""The likeness engine on real faces: detection, embeddings, pose, video reading, the liveness check."""

import tempfile

import cv2
import numpy as np
import pytest

from cameos.likeness.enrollment import Rules, verify
from cameos.likeness.faces import engine, head_pose
from cameos.likeness.video import UnreadableVideo, probe, sample_frames
from tests import synthetic_faces as faces
from tests.cameos import videos


def embedding(image):
    face = engine().detect(image)[0]
    return engine().embed([engine().align(image, face)])[0]


def test_one_face_found_in_each_real_photo():
    for name in faces.PEOPLE:
        found = engine().detect(faces.photo(name))
        assert len(found) == 1, name
        assert found[0].score > 0.8
    assert engine().detect(faces.photo("scene")) == []


def test_embeddings_tell_people_apart():
    same = embedding(faces.portrait("astronaut").image) @ embedding(faces.photo("astronaut"))
    moved = embedding(faces.turned(faces.portrait("astronaut"), 20, 0)) @ embedding(faces.photo("astronaut"))
    assert same > 0.9
    assert moved > 0.5
    people = [embedding(faces.photo(name)) for name in faces.PEOPLE]
    for i in range(len(people)):
        assert abs(np.linalg.norm(people[i]) - 1) < 1e-5
        for j in range(i + 1, len(people)):
            assert people[i] @ people[j] < 0.3


def test_head_pose_follows_the_turn():
    person = faces.portrait("astronaut")
    frontal = head_pose(engine().detect(person.image)[0])
    left = head_pose(engine().detect(faces.turned(person, 30, 0))[0])
    right = head_pose(engine().detect(faces.turned(person, -30, 0))[0])
    up = head_pose(engine().detect(faces.turned(person, 0, 25))[0])
    assert abs(frontal.yaw) < 8
    assert left.yaw > frontal.yaw + 10  # own left: the nose moves toward the image's right
    assert right.yaw < frontal.yaw - 10
    assert up.pitch_ratio < frontal.pitch_ratio - 0.05  # the nose rises toward the eyes


def test_video_probe_and_sampling():
    with tempfile.NamedTemporaryFile(suffix=".mp4") as f:
        f.write(videos.video())
        f.flush()
        found = probe(f.name)
        frames = sample_frames(f.name, fps=5)
    assert found.container == "mp4"
    assert (found.width, found.height) == videos.SIZE
    seconds = faces.choreography(list(videos.STEPS))[-1][0] + 0.3  # the last pose held, and a little more
    assert abs(found.duration_s - seconds) < 0.3
    assert abs(len(frames) - 5 * seconds) <= 2  # 5 per second, not all of its 10 per second
    assert frames[0].image.shape == (640, 360, 3)


@pytest.mark.parametrize("content", [b"", b"hello, this is text", b"\x00\x00\x00\x18ftypmp42" + b"\x00" * 200])
def test_probe_refuses_what_is_not_a_video(content):
    with tempfile.NamedTemporaryFile(suffix=".mp4") as f:
        f.write(content)
        f.flush()
        with pytest.raises(UnreadableVideo):
            probe(f.name)


def check(data: bytes, steps=videos.STEPS):
    with tempfile.NamedTemporaryFile(suffix=".mp4") as f:
        f.write(data)
        f.flush()
        return verify(sample_frames(f.name, fps=8), list(steps), engine=engine(), rules=Rules())


def test_a_person_doing_the_challenge_is_accepted_with_template_and_references():
    verdict = check(videos.video())
    assert verdict.accepted, verdict.reason
    assert verdict.code == "accepted"
    assert verdict.template.shape == (128,)
    assert abs(np.linalg.norm(verdict.template) - 1) < 1e-5
    assert 3 <= len(verdict.references) <= 5
    assert all(crop.shape == (256, 256, 3) for crop in verdict.references)
    # the references are the person: found again and matching the template
    reference = verdict.references[0]
    assert engine().detect(reference)
    assert embedding(reference) @ verdict.template > 0.6
    assert embedding(faces.photo("hopper")) @ verdict.template < 0.3


def test_another_person_doing_the_challenge_is_accepted_too():
    verdict = check(
        videos.video(("center", "turn_right", "turn_left"), person="hopper"),
        steps=("center", "turn_right", "turn_left"),
    )
    assert verdict.accepted, verdict.reason


@pytest.mark.parametrize(
    ("variant", "code", "words"),
    [
        ({"static": True}, "step_missing", "turn your head to your left"),
        ({"companion": "hopper"}, "multiple_faces", "more than one face"),
        ({"switch_to": "hopper"}, "different_person", "different person"),
        ({"brightness": 0.15}, "too_dark", "too dark"),
        ({"blur": 6}, "too_blurry", "blurry"),
    ],
)
def test_failed_enrollments_say_what_to_do(variant, code, words):
    verdict = check(videos.video(**variant))
    assert not verdict.accepted
    assert verdict.code == code
    assert words in verdict.reason
    assert verdict.template is None


def test_the_wrong_order_is_refused():
    verdict = check(videos.video(("center", "turn_right", "look_up", "turn_left")))
    assert (verdict.accepted, verdict.code) == (False, "wrong_order")


def test_a_recording_of_every_pose_does_not_answer_a_challenge_asking_some_of_them():
    """One video doing every pose would otherwise pass any challenge whose poses it does in that order
    (a recording of each pose three times over passed all 36): a replay, not a live answer."""
    every = videos.video(("center", "turn_left", "look_up", "turn_right", "look_down"))
    verdict = check(every, steps=("center", "turn_left", "turn_right"))
    assert (verdict.accepted, verdict.code) == (False, "wrong_order")
    assert "Do only the steps shown" in verdict.reason


def test_not_turning_far_enough_is_explained():
    video = faces.enrollment_video(list(videos.STEPS), size=videos.SIZE, fps=10)
    rules = Rules(turn_yaw=28.0)  # demand more than the video shows (its turns read as ~18°)
    with tempfile.NamedTemporaryFile(suffix=".mp4") as f:
        f.write(video)
        f.flush()
        verdict = verify(sample_frames(f.name), list(videos.STEPS), engine=engine(), rules=rules)
    assert verdict.code == "step_not_far_enough"
    assert "turn further to your left" in verdict.reason


def test_no_face_at_all():
    verdict = check(videos.no_face())
    assert (verdict.accepted, verdict.code) == (False, "no_face")


def test_references_are_sharp_aligned_faces():
    verdict = check(videos.video())
    for crop in verdict.references:
        grey = cv2.cvtColor(crop, cv2.COLOR_BGR2GRAY)
        assert cv2.Laplacian(grey, cv2.CV_64F).var() > 20
