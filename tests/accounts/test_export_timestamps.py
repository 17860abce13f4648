"""GET /me/export writes every time as the API does (ISO 8601 in UTC ending in `Z`, never `+00:00`), and
holds what the person wrote, reports included."""

import re

from accounts import services as accounts
from generation.models import GenerationJob

IN_UTC_WITH_Z = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z$")


def test_export_times_end_in_z_like_the_api(api, me, make_video, activate_cameo):
    activate_cameo(me)
    video = make_video(me, caption="mine")
    assert api.post(f"/api/v1/videos/{video.pk}/comments", {"text": "nice"}, format="json").status_code == 201
    GenerationJob.objects.create(author=me, prompt="a cat", duration_s=2, seed=1)
    accounts.notify(user_id=me.pk, kind="cameo_requested", handle="asker")

    body = api.get("/api/v1/me/export").json()

    times = {
        "exported_at": body["exported_at"],
        "date_joined": body["account"]["date_joined"],
        "video created_at": body["videos"][0]["created_at"],
        "video published_at": body["videos"][0]["published_at"],
        "comment created_at": body["comments"][0]["created_at"],
        "cameo enrolled_at": body["cameo"]["enrolled_at"],
        "generation created_at": body["generations"][0]["created_at"],
        "notification created_at": body["notifications"][0]["created_at"],
    }
    assert {name: t for name, t in times.items() if not IN_UTC_WITH_Z.match(t or "")} == {}
    shown = api.get(f"/api/v1/videos/{video.pk}").json()
    assert (times["video created_at"], times["video published_at"]) == (shown["created_at"], shown["published_at"])


def test_the_reports_i_made_are_in_my_export_and_not_in_anyone_elses(api, me, other, client_of, make_video):
    video = make_video(other)
    response = api.post(
        f"/api/v1/videos/{video.pk}/report", {"reason": "my_likeness", "detail": "that is me"}, format="json"
    )
    assert response.status_code == 201

    mine = api.get("/api/v1/me/export").json()["reports"]

    assert [(r["video_id"], r["reason"], r["detail"], r["status"]) for r in mine] == [
        (video.pk, "my_likeness", "that is me", "open")
    ]
    assert IN_UTC_WITH_Z.match(mine[0]["created_at"])
    assert client_of(other).get("/api/v1/me/export").json()["reports"] == []  # the author never learns who
