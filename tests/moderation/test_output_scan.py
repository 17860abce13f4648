"""The output scan on real encoded videos with real faces: tracks, matches, the decision, and the
video face index that later enrollments are matched against."""

import pytest

from cameos import gallery
from cameos import services as cameos
from cameos.models import CameoGrant, VideoFace
from moderation import scan
from tests import synthetic_faces as faces


@pytest.fixture
def clip(tmp_path):  # type: ignore[no-untyped-def]
    def make(names: list[str]) -> str:
        path = tmp_path / "out.mp4"
        path.write_bytes(faces.cameo_video(names, seconds=1.5, fps=24))
        return str(path)

    return make


def test_every_person_on_screen_is_one_track_matched_to_their_cameo(make_user, activate_cameo, clip):
    astro, grace = make_user("astro"), make_user("grace")
    astro_cameo = activate_cameo(astro, template=faces.template("astronaut"))
    grace_cameo = activate_cameo(grace, template=faces.template("hopper"))
    found = scan.scan_video(clip(["astronaut", "hopper", "camera"]))
    assert len(found.tracks) == 3
    assert found.cameo_ids == sorted([astro_cameo.pk, grace_cameo.pk])  # the third is nobody's cameo
    assert all(t.frames >= 4 and t.last_ms > t.first_ms for t in found.tracks)


def test_a_person_found_in_the_output_who_does_not_allow_the_author_blocks_the_video(
    me, make_user, activate_cameo, clip
):
    owner = make_user("astro")
    cameo = activate_cameo(owner, template=faces.template("astronaut"), audience="approved")
    path = clip(["astronaut"])

    decision, found = scan.check_output(me, "a surfer at sunset", path, job="j1")
    assert not decision.allowed
    assert [(s["source"], s["reason"]) for s in decision.public()] == [("output_face", "needs_approval")]
    assert found.cameo_ids == [cameo.pk]

    CameoGrant.objects.create(cameo=cameo, grantee=me, status=CameoGrant.Status.APPROVED)
    decision, _ = scan.check_output(me, "a surfer at sunset", path, job="j1")
    assert decision.allowed and [c.user_id for c in decision.cameos] == [owner.pk]


def test_the_prompts_subjects_are_checked_again_on_the_output(me, make_user, activate_cameo, clip):
    friend = make_user("friendly")
    activate_cameo(friend, audience="everyone")
    decision, _ = scan.check_output(me, "@friendly skating", clip(["camera"]))
    assert decision.allowed
    cameos.cameo_update(owner=friend, audience="only_me")
    decision, _ = scan.check_output(me, "@friendly skating", clip(["camera"]))
    assert [(s["source"], s["reason"]) for s in decision.public()] == [("mention", "not_available")]


def test_track_templates_go_to_the_video_face_index_for_later_enrollments(
    me, make_user, make_video, activate_cameo, clip
):
    video = make_video(me, publish=False)
    found = scan.scan_video(clip(["hopper"]))
    cameos.video_faces_record(
        video_id=video.pk, tracks=[(t.template, t.first_ms, t.last_ms, t.frames) for t in found.tracks]
    )
    assert VideoFace.objects.filter(video=video).count() == 1
    # Grace enrolls afterwards: the video is found from her template.
    assert [v for v, _ in gallery.videos_with_face(faces.template("hopper"), min_similarity=0.5)] == [video.pk]
    assert gallery.videos_with_face(faces.template("astronaut"), min_similarity=0.5) == []
    video.delete()
    assert not VideoFace.objects.exists()


def test_a_video_without_faces_has_no_tracks(tmp_path):
    path = tmp_path / "scene.mp4"
    path.write_bytes(faces.scene_video(seconds=1.0, fps=12))
    assert scan.scan_video(str(path)).tracks == ()


def crowd_clip(path, strangers: int) -> str:  # type: ignore[no-untyped-def]
    """A half-second clip whose every frame is a grid of `strangers` real faces (the cameraman's, no
    one's cameo) and, last, the astronaut's, 200 px apart in a 1000×1000 scene."""
    spots = [("camera", 100 + 200 * (i % 5), 100 + 200 * (i // 5)) for i in range(strangers)]
    spots.append(("astronaut", 100 + 200 * (strangers % 5), 100 + 200 * (strangers // 5)))
    frame = faces.paste_faces(faces.scene((1000, 1000)), spots, 190)
    path.write_bytes(faces.write_video([frame] * 4, 8))
    return str(path)


def test_a_frame_of_more_faces_than_the_scan_checks_refuses_the_video_before_any_is_embedded(
    me, make_user, activate_cameo, tmp_path, monkeypatch
):
    """Every face of a frame is embedded and matched (~8 ms each): a frame tiled with faces cost the
    scan seconds, and checking only some of them would let the others through unchecked. Past
    SCAN_MAX_FACES (24) faces in a frame the video is refused, none embedded; at 24, every face is
    checked, hers among them."""
    from cameos.likeness.faces import FaceEngine

    activate_cameo(make_user("astro"), template=faces.template("astronaut"), audience="approved")
    embedded: list[int] = []
    real = FaceEngine.embed
    monkeypatch.setattr(FaceEngine, "embed", lambda self, crops: embedded.append(len(crops)) or real(self, crops))

    decision, found = scan.check_output(me, "a busy market square", crowd_clip(tmp_path / "25.mp4", 24), job="j1")
    assert not decision.allowed and found.tracks == ()
    assert decision.public() == [
        {
            "handle": None,
            "source": "output_face",
            "verdict": "refused",
            "reason": "too_many_faces_at_once",
            "detail": "The video shows more faces at once than can be checked.",
        }
    ]
    assert embedded == []

    decision, found = scan.check_output(me, "a busy market square", crowd_clip(tmp_path / "24.mp4", 23), job="j2")
    assert [(s["source"], s["reason"]) for s in decision.public()] == [("output_face", "needs_approval")]
    assert not decision.allowed and sum(embedded) >= 24
