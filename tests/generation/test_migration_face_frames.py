"""cameos 0015: a face the index stored before the reveal gate left out the frames at cuts (a
half-second shot: 2 samples and its 2 cut frames, stored as 4) no longer reveals a stranger's draft
to the person it looks like when they enroll; a longer shot still does."""

import importlib

import pytest
from django.apps import apps

from cameos.models import VideoFace
from tests.cameos.lookalikes import template as enrollment_template
from tests.generation.test_short_shot_reveal import FACE, strangers_draft_showing_face

pytestmark = pytest.mark.usefixtures("c2pa_dev_dir")
migration = importlib.import_module("cameos.migrations.0015_face_frames_regular_only")


@pytest.mark.parametrize(("shot", "stored", "match"), [((27, 38), 4, "possible"), ((27, 62), 8, "confirmed")])
def test_a_face_stored_with_its_cut_frames_counted_reveals_only_as_the_new_scan_would(
    api, me, make_user, client_of, activate_cameo, monkeypatch, django_capture_on_commit_callbacks, shot, stored, match
):
    draft = strangers_draft_showing_face(
        shot,
        make_user=make_user,
        client_of=client_of,
        monkeypatch=monkeypatch,
        capture=django_capture_on_commit_callbacks,
    )
    VideoFace.objects.filter(video=draft).update(frames=stored)  # as the scan counted before: cut frames too

    migration.cap_frames(apps, None)

    activate_cameo(me, template=enrollment_template(FACE), audience="everyone")  # → the scan of existing videos
    rows = api.get("/api/v1/cameo/appearances").json()["results"]
    assert [r["match"] for r in rows] == [match]
    assert (api.get(f"/api/v1/videos/{draft.pk}").status_code == 200) == (match == "confirmed")
