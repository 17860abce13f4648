"""Enrolling by upload in the browser (a rejection with its reason, then an accepted video), and
what the webcam path sends from browsers that record WebM."""

from __future__ import annotations

import base64
from pathlib import Path
from typing import Any

import pytest

from tests.synthetic_faces import scene_video
from tests.web.camera import selfie_video
from tests.web.conftest import MOBILE
from tests.web.pages import expect, sign_up

pytestmark = [pytest.mark.browser, pytest.mark.slow]


def upload_screen(person: Any, *, avoid: str | None = None) -> list[str]:
    """Open the upload screen from the cameo screen; its challenge's steps. With `avoid`, come back
    for new steps until they do not ask for that pose."""
    for _ in range(15):
        person.go("/cameo")
        person.page.get_by_role("link", name="Upload a video").first.click()
        steps = person.page.locator("[data-challenge-steps]").get_attribute("data-challenge-steps").split(",")
        if avoid not in steps:
            return steps
    raise AssertionError(f"15 challenges in a row asked for {avoid}")


def test_upload_rejected_with_its_reason_then_accepted(people: Any) -> None:
    uma = people("uma", MOBILE)
    sign_up(uma, "uma", "Uma Reyes", screenshots=False)
    page = uma.page

    # A video with nobody in it: the worker rejects it and the page says why.
    upload_screen(uma)
    page.get_by_label("Your video").set_input_files(
        {"name": "scene.mp4", "mimeType": "video/mp4", "buffer": scene_video()}
    )
    expect(page.locator("video.review-video")).to_be_visible()
    uma.shot("upload-chosen")
    page.get_by_role("button", name="Upload and verify").click()
    expect(page.get_by_role("heading", name="Your video was not accepted")).to_be_visible(timeout=60_000)
    expect(page.locator(".status-card .reason")).to_contain_text("We could not see your face")
    uma.shot("upload-rejected")

    # Her face (Grace Hopper's photo: the astronaut is Ana's cameo, and a face can be one person's
    # only) acting out the new steps: accepted. This photo cannot look down (tests/web/camera.py).
    steps = upload_screen(uma, avoid="look_down")
    video = selfie_video(steps, person="hopper")
    page.get_by_label("Your video").set_input_files({"name": "me.mp4", "mimeType": "video/mp4", "buffer": video})
    page.get_by_role("button", name="Upload and verify").click()
    expect(page.get_by_role("heading", name="Your cameo is active")).to_be_visible(timeout=60_000)
    # What is kept is said, never shown (no response carries a crop of her face).
    expect(page.locator(".references")).to_contain_text("reference images of your face")
    expect(page.locator(".references img")).to_have_count(0)
    uma.shot("upload-accepted")

    # She deletes it: the screen is back to the start.
    page.get_by_role("button", name="Delete my cameo").click()
    page.get_by_role("dialog", name="Delete your cameo?").get_by_role("button", name="Delete cameo").click()
    expect(page.get_by_role("heading", name="You have no cameo yet")).to_be_visible()
    uma.shot("cameo-deleted")
    uma.check()


RECORD_WEBM = """async (ms) => {
  const { fixWebmDuration } = await import("/static/web/webm.js");
  const stream = await navigator.mediaDevices.getUserMedia({ video: true });
  const recorder = new MediaRecorder(stream, { mimeType: "video/webm;codecs=vp8" });
  const chunks = [];
  recorder.ondataavailable = (event) => chunks.push(event.data);
  const stopped = new Promise((resolve) => (recorder.onstop = resolve));
  recorder.start(250);
  const started = performance.now();
  await new Promise((resolve) => setTimeout(resolve, ms));
  recorder.stop();
  await stopped;
  stream.getTracks().forEach((track) => track.stop());
  const raw = new Blob(chunks, { type: "video/webm" });
  const fixed = await fixWebmDuration(raw, performance.now() - started);
  const encode = (blob) => new Promise((resolve) => {
    const reader = new FileReader();
    reader.onload = () => resolve(reader.result.split(",")[1]);
    reader.readAsDataURL(blob);
  });
  return [await encode(raw), await encode(fixed)];
}"""


def test_webm_recordings_get_the_duration_the_server_checks(people: Any, tmp_path: Path) -> None:
    """Firefox records WebM without a Duration; the server measures such a file by its packets (other
    clients do not patch one in), and the client writes the duration in (web/static/web/webm.js)
    anyway; here on Chromium's own WebM."""
    from cameos.likeness.video import probe, sample_frames

    person = people("recorder", MOBILE)
    person.page.goto("/")
    raw, fixed = (base64.b64decode(b) for b in person.page.evaluate(RECORD_WEBM, 2500))
    (tmp_path / "raw.webm").write_bytes(raw)
    (tmp_path / "fixed.webm").write_bytes(fixed)
    assert 2.2 <= probe(tmp_path / "raw.webm").duration_s <= 3.5  # no Duration: measured by its packets
    found = probe(tmp_path / "fixed.webm")
    assert found.container == "webm"
    assert 2.2 <= found.duration_s <= 3.5, found
    assert len(sample_frames(tmp_path / "fixed.webm")) >= 15  # every frame is still there
    person.check()
