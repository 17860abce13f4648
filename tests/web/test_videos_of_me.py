""" "Scan for videos of me" in the browser: the scan is a task the API gives no status for, so the screen
says that it runs in the background and that a find comes as a notification (never "none found"); a
video of her found by it comes into the list by itself, and the note says what was found.

Ana's cameo is the astronaut (enrolled by upload); the video that shows her is put in the video face
index as the output scan would have (`manage.py shell` on the app's database, as test_removal.py)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest

from tests.web.camera import selfie_video
from tests.web.conftest import MOBILE, LiveApp, running_app
from tests.web.pages import expect, sign_up
from tests.web.test_enrollment import upload_screen
from tests.web.test_removal import VIDEO_OF_HER, django

pytestmark = [pytest.mark.browser, pytest.mark.slow]


@pytest.fixture(scope="module")
def app(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveApp]:
    """An app of its own: the astronaut's face is Ana's cameo here."""
    with running_app(tmp_path_factory.mktemp("web-of-me")) as app:
        yield app


def test_the_scan_says_it_runs_in_the_background_and_its_find_comes_into_the_list(people: Any, app: LiveApp) -> None:
    ana = people("ana", MOBILE, app=app)
    sign_up(ana, "ana", "Ana Silva", screenshots=False)
    page = ana.page
    steps = upload_screen(ana)
    page.get_by_label("Your video").set_input_files(
        {"name": "me.mp4", "mimeType": "video/mp4", "buffer": selfie_video(steps, person="astronaut")}
    )
    page.get_by_role("button", name="Upload and verify").click()
    expect(page.get_by_role("heading", name="Your cameo is active")).to_be_visible(timeout=60_000)

    # Nothing shows her yet: the scan says what it will do, and claims nothing about what it finds.
    ana.go("/of-me")
    expect(page.get_by_text("No videos show you")).to_be_visible()
    page.get_by_role("button", name="Scan for videos of me").click()
    note = page.locator("[data-scan-note]")
    expect(note).to_contain_text("runs in the background")
    expect(note).to_contain_text("appears in this list, and you get a notification")
    expect(note).to_contain_text("You are notified only if we find one.")
    ana.shot("scan-started", show=note)

    # A published video of her face, made after her enrollment: the next scan finds it, and it comes
    # into the list without a reload.
    video_id = json.loads(django(app, VIDEO_OF_HER).strip().splitlines()[-1])["video"]
    page.get_by_role("button", name="Scan for videos of me").click()
    expect(page.locator(f"li[data-video-id='{video_id}']")).to_be_visible(timeout=40_000)
    expect(note).to_have_text("We found a video that shows you. See the list below.")
    expect(page.get_by_text("No videos show you")).to_be_hidden()
    ana.shot("scan-found", show=note)
    ana.check()
