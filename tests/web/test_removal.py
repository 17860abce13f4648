"""Request removal in the browser, signed out (docs/takedowns.md): from the welcome screen to the
request page, a bad email explained next to its field, an expired challenge replaced by new steps,
then a selfie that answers them, a tracking number, and the request's page reaching "hidden" on its
own while a published video of that face disappears, and its author told why. An unknown tracking
number says so.

The person is the astronaut (tests/cameos/videos.py renders her acting out videos.STEPS); her face is
in the video face index of one published video, as the output scan would have stored it. The test
reaches into the app's own database (`manage.py shell` in its folder) for what no screen can do:
that video, and making the challenge the page fetched ask for the steps the video acts out."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from collections.abc import Iterator
from typing import Any

import pytest

from tests.cameos import videos
from tests.web.conftest import MOBILE, NOT_INHERITED, ROOT, LiveApp, running_app
from tests.web.pages import expect

pytestmark = [pytest.mark.browser, pytest.mark.slow]

VIDEO_OF_HER = """
import datetime as dt
import json
from django.core.files.base import ContentFile
from accounts import services as accounts
from cameos import services as cameos
from feed import services as feed
from tests import synthetic_faces as faces
from tests.media import tiny_jpeg, tiny_mp4
author = accounts.user_register(handle="uploader", password="a-long-passphrase", birthdate=dt.date(1990, 5, 17))
video = feed.video_create(author=author, media=ContentFile(tiny_mp4()), poster=ContentFile(tiny_jpeg()),
                          duration_ms=500, width=64, height=112, caption="", remix_of=None, people=())
video = feed.video_publish(video=video)
cameos.video_faces_record(video_id=video.pk, tracks=[(faces.template("astronaut"), 0, 900, 8)])
print(json.dumps({"video": video.pk}))
"""

# The challenges the page holds: expired (so the next submit is refused), or asking for the poses
# the astronaut's video acts out.
EXPIRE_CHALLENGES = """
import datetime as dt
from django.utils import timezone
from moderation.models import TakedownChallenge
TakedownChallenge.objects.filter(used_at=None).update(expires_at=timezone.now() - dt.timedelta(seconds=1))
"""
STEPS_OF_THE_VIDEO = f"""
from django.utils import timezone
from moderation.models import TakedownChallenge
n = TakedownChallenge.objects.filter(used_at=None, expires_at__gt=timezone.now()).update(steps={list(videos.STEPS)!r})
assert n == 1, n
"""


@pytest.fixture(scope="module")
def app(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveApp]:
    """An app of its own: every face in its video index is known here."""
    with running_app(tmp_path_factory.mktemp("web-removal")) as app:
        yield app


def django(app: LiveApp, code: str) -> str:
    """Run `code` in `manage.py shell` on the app's own database (its environment, as running_app)."""
    env = {k: v for k, v in os.environ.items() if k not in NOT_INHERITED}
    env |= {"DJANGO_SETTINGS_MODULE": "config.settings.base", "DJANGO_DEBUG": "1", "CASTFEED_VAR_DIR": str(app.var)}
    done = subprocess.run(  # noqa: S603 (our own command)
        [sys.executable, "manage.py", "shell", "-c", code],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=180,
    )
    assert done.returncode == 0, f"manage.py shell:\n{done.stdout}{done.stderr}"
    return done.stdout


def test_a_signed_out_person_requests_removal_and_follows_it_to_hidden(people: Any, app: LiveApp) -> None:
    eileen = people("eileen", MOBILE, app=app)
    page = eileen.page
    video_id = json.loads(django(app, VIDEO_OF_HER).strip().splitlines()[-1])["video"]
    assert [v["id"] for v in app.call("GET", "/feed")["results"]] == [video_id]

    # Signed out, the welcome screen leads to the page; it has no tab bar (every tab needs an account).
    page.goto("/")
    page.get_by_role("link", name="Request removal").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Request removal")
    expect(page.get_by_role("navigation", name="Main")).to_be_hidden()
    expect(page.get_by_text("You don't need an account")).to_be_visible()
    steps = page.locator("[data-challenge-steps]").get_attribute("data-challenge-steps").split(",")
    assert steps[0] == "center" and 3 <= len(steps) <= 4
    eileen.shot("removal-page")

    # The webcam records here as for enrollment (the fake camera: her face, still); a file replaces it.
    page.get_by_role("button", name="Record with the camera").click()
    expect(page.locator(".camera-stage")).to_have_attribute("data-phase", "recording")
    eileen.shot("recording")
    expect(page.get_by_text("Your recording,")).to_be_visible(timeout=30_000)
    expect(page.locator("video.review-video")).to_be_visible()
    expect(page.get_by_role("button", name="Record again")).to_be_visible()

    # A bad email: the API's message next to the field, and nothing sent.
    django(app, EXPIRE_CHALLENGES)
    page.get_by_label("Or upload a video").set_input_files(
        {"name": "selfie.mp4", "mimeType": "video/mp4", "buffer": videos.video()}
    )
    expect(page.get_by_role("button", name="Record with the camera")).to_be_visible()
    expect(page.get_by_text("Your recording,")).to_be_hidden()
    email = page.get_by_label("Email")
    email.fill("not-an-email")
    page.get_by_label("Links to the videos (optional)").fill(f"{app.url}videos/{video_id}")
    with eileen.expecting_http_error(400, "/api/v1/takedowns"):
        page.get_by_role("button", name="Send request").click()
        expect(email).to_have_attribute("aria-invalid", "true")
    expect(page.locator(f"#{email.get_attribute('id')}-error")).to_contain_text("valid email")
    eileen.shot("bad-email", show=email)

    # The challenge expired meanwhile: the page says so and offers new steps (the video answered the
    # old ones, so it is cleared).
    email.fill("eileen@example.org")
    with eileen.expecting_http_error(400, "/api/v1/takedowns"):
        page.get_by_role("button", name="Send request").click()
        expect(page.get_by_role("button", name="Get new steps")).to_be_visible()
    expect(page.get_by_role("alert").filter(has_text="These steps have expired or were already used.")).to_be_visible()
    expect(page.get_by_role("button", name="Send request")).to_be_hidden()
    eileen.shot("challenge-expired", show=page.get_by_role("button", name="Get new steps"))
    page.get_by_role("button", name="Get new steps").click()
    expect(page.get_by_text("New steps are above")).to_be_visible()
    expect(page.locator("video.review-video")).to_be_hidden()

    # Her selfie answering the new steps: a tracking number, and a link to follow it.
    django(app, STEPS_OF_THE_VIDEO)
    page.get_by_label("Or upload a video").set_input_files(
        {"name": "selfie.mp4", "mimeType": "video/mp4", "buffer": videos.video()}
    )
    page.get_by_role("button", name="Send request").click()
    expect(page.get_by_role("heading", name="Request received")).to_be_visible()
    tracking = page.locator(".tracking-number").inner_text().strip()
    assert re.fullmatch(r"TD(-[A-Z0-9]{4}){4}", tracking), tracking
    eileen.shot("request-received")

    # Its page follows the worker: checking, then hidden, with the count.
    page.get_by_role("link", name="Follow your request").click()
    expect(page).to_have_url(re.compile(f"#/removal/{tracking}$"))
    card = page.locator("[data-takedown-status]")
    expect(card).to_have_attribute("data-takedown-status", "hidden", timeout=90_000)
    expect(card.get_by_role("heading")).to_have_text("1 video hidden, waiting for review")
    eileen.shot("request-hidden")
    status = app.call("GET", f"/takedowns/{tracking}")
    assert (status["status"], status["videos_hidden"]) == ("hidden", 1)
    assert app.call("GET", "/feed")["results"] == []

    # A number that is no one's: said so, from the lookup form.
    page.get_by_label("Tracking number").fill("td-aaaa-bbbb-cccc-dddd")
    with eileen.expecting_http_error(404, "/api/v1/takedowns/TD-AAAA-BBBB-CCCC-DDDD"):
        page.get_by_role("button", name="Check status").click()
        expect(page.get_by_role("heading", name="No request has this number")).to_be_visible()
    eileen.shot("unknown-tracking")

    # And the lookup form brings her back to hers.
    page.get_by_label("Tracking number").fill(tracking)
    page.get_by_role("button", name="Check status").click()
    expect(page.locator("[data-takedown-status]")).to_have_attribute("data-takedown-status", "hidden")
    eileen.check()

    # The video's author is told it is hidden pending review, naming no one (not her, nor her number).
    uploader = people("uploader", MOBILE, app=app)
    screen = uploader.page
    screen.goto("/")
    screen.get_by_role("tab", name="Sign in").click()
    screen.get_by_label("Handle").fill("uploader")
    screen.get_by_label("Password").fill("a-long-passphrase")
    screen.get_by_role("button", name="Sign in").click()
    expect(screen.get_by_role("navigation", name="Main")).to_be_visible()
    uploader.go("/notifications")
    told = screen.locator("li.notification[data-kind=video_hidden_for_review]")
    expect(told).to_contain_text("A video of yours is hidden while a request to take it down is reviewed.")
    expect(told.get_by_role("link")).to_have_attribute("href", f"#/v/{video_id}")
    assert tracking not in told.inner_text() and "eileen" not in told.inner_text().lower()
    uploader.shot("notification-hidden-for-review", show=told)
    uploader.check()
