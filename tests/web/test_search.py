"""Discovery in the browser: the Search screen (people, videos and cameos, a tab each; trending while
the box is empty), the create screen's "@" fed by the cameo search, and steering For You in words."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

import pytest

from tests.web.camera import selfie_video
from tests.web.conftest import DESKTOP, MOBILE, LiveApp, running_app
from tests.web.pages import PASSWORD, expect, sign_up, tab
from tests.web.test_drafts_of_me import generate_ready, token_of
from tests.web.test_enrollment import upload_screen

pytestmark = [pytest.mark.browser, pytest.mark.slow]


@pytest.fixture(scope="module")
def app(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveApp]:
    """An app of its own (with a worker: videos are generated, a cameo enrolled), whose trending
    lists are not cached: each visit sees the videos of the moment."""
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("CASTFEED_FEED_TRENDING_CACHE_SECONDS", "0")
        with running_app(tmp_path_factory.mktemp("web-search")) as app:
            yield app


def register(app: LiveApp, handle: str, display_name: str) -> str:
    body = {"handle": handle, "display_name": display_name, "birthdate": "1990-01-02", "password": PASSWORD}
    return app.call("POST", "/auth/register", body)["token"]


def published(app: LiveApp, token: str, prompt: str, caption: str) -> int:
    job = generate_ready(app, token, prompt)
    app.call("POST", f"/generations/{job['id']}/publish", {"caption": caption}, token)
    return job["video"]["id"]


def test_search_finds_people_and_published_videos_never_drafts(people: Any, app: LiveApp) -> None:
    marguerite = register(app, "marguerite", "Marguerite Duval")
    parade = published(app, marguerite, "a zebra parade in the rain", "zebra parade at dawn")
    rehearsal = generate_ready(app, marguerite, "a secret zebra rehearsal")["video"]["id"]  # stays a draft

    sam = people("sam", MOBILE, app=app)
    sign_up(sam, "sam", "Sam Seeker", screenshots=False)
    page = sam.page
    tab(page, "Search").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Search")
    box = page.get_by_role("searchbox", name="Search")
    results = page.get_by_role("tabpanel")
    expect(page.get_by_role("tab", name="People")).to_have_attribute("aria-selected", "true")

    # People, by a prefix of the handle, then with a letter missing.
    box.fill("margu")
    expect(results.get_by_role("link", name=re.compile("@marguerite"))).to_be_visible()
    box.fill("")
    expect(results).to_be_hidden()
    box.fill("margurite")
    person = results.get_by_role("link", name=re.compile("@marguerite"))
    expect(person).to_be_visible()
    sam.shot("search-people", show=person)

    # Videos: the published one by a word of its caption, never the draft (whose prompt has it too).
    page.get_by_role("tab", name="Videos").click()
    expect(page.get_by_role("tab", name="Videos")).to_have_attribute("aria-selected", "true")
    box.fill("zebra")
    expect(results.locator(f"li[data-video-id='{parade}']")).to_be_visible()
    expect(results.locator("li[data-video-id]")).to_have_count(1)
    expect(results.locator(f"li[data-video-id='{rehearsal}']")).to_have_count(0)
    sam.shot("search-videos")

    # The same words in another tab: no one is called zebra.
    page.get_by_role("tab", name="People").click()
    expect(results.get_by_role("status")).to_have_text("Nothing found for “zebra”.")
    expect(results.locator("li")).to_have_count(0)

    # Too long a query: the API's reason, in its words.
    with sam.expecting_http_error(400, "/api/v1/search"):
        box.fill("x" * 101)
        expect(results.get_by_role("alert")).to_contain_text("no more than 100 characters")

    # A video result opens the video; back, the search is still there; a person opens their profile.
    box.fill("parade")
    page.get_by_role("tab", name="Videos").click()
    results.locator(f"li[data-video-id='{parade}'] a").click()
    expect(page).to_have_url(re.compile(f"#/v/{parade}$"))
    page.go_back()
    expect(box).to_have_value("parade")
    page.get_by_role("tab", name="People").click()
    box.fill("marguerite")
    results.get_by_role("link", name=re.compile("@marguerite")).click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Marguerite Duval")
    sam.check()


def test_cameos_tab_and_the_at_autocomplete_come_from_the_cameo_search(people: Any, app: LiveApp) -> None:
    ana = people("ana", DESKTOP, app=app)
    sign_up(ana, "ana", "Ana Silva", screenshots=False)
    steps = upload_screen(ana)
    ana.page.get_by_label("Your video").set_input_files(
        {"name": "me.mp4", "mimeType": "video/mp4", "buffer": selfie_video(steps, person="astronaut")}
    )
    ana.page.get_by_role("button", name="Upload and verify").click()
    expect(ana.page.get_by_role("heading", name="Your cameo is active")).to_be_visible(timeout=60_000)
    ana_token = token_of(app, "ana")

    # Ben finds Ana's cameo (approved people only, the default) and asks for it.
    ben = people("ben", MOBILE, app=app)
    sign_up(ben, "ben", "Ben Okafor", screenshots=False)
    page = ben.page
    ben.go("/search?type=cameos")
    expect(page.get_by_role("tab", name="Cameos")).to_have_attribute("aria-selected", "true")
    page.get_by_role("searchbox", name="Search").fill("ana")
    row = page.get_by_role("tabpanel").locator("li[data-handle=ana]")
    # The button and what it says once asked read as on Create (and on a profile).
    ask = row.get_by_role("button", name="Request access to @ana")
    expect(ask).to_have_text("Request access")
    ask.click()
    expect(row.locator(".cameo-access")).to_have_text("Request sent")
    expect(page.locator("#toasts")).to_contain_text(
        "Request sent to @ana. You'll be able to use their cameo once they approve."
    )
    ben.shot("search-cameos-requested", show=row)
    ben.go("/create")
    prompt = page.get_by_label("Describe your video")
    prompt.press_sequentially("@an")
    asked = page.locator("[data-mention-popup] li[data-handle=ana]")
    expect(asked).to_contain_text("Request sent")
    expect(asked.get_by_role("button")).to_have_count(0)
    requests = app.call("GET", "/cameo/requests", token=ana_token)["results"]
    assert [r["person"]["handle"] for r in requests] == ["ben"]

    # Ana lets everyone use it: Ben's "@an" on the create screen now offers her, from the search.
    app.call("PATCH", "/cameo", {"audience": "everyone"}, ana_token)
    tab(page, "Search").click()
    tab(page, "Create").click()
    prompt = page.get_by_label("Describe your video")
    with page.expect_request(lambda r: "/api/v1/search?" in r.url and "type=cameos" in r.url):
        prompt.press_sequentially("@an")
    option = page.get_by_role("listbox", name="People you can put in this video").get_by_role("option")
    expect(option).to_have_count(1)
    expect(option).to_contain_text("@ana")
    ben.shot("create-at-from-search", show=option)
    option.click()
    expect(prompt).to_have_value("@ana ")

    # Her cameo on the Cameos tab reads the same.
    ben.go("/search?type=cameos&q=ana")
    expect(page.get_by_role("tabpanel").locator("li[data-handle=ana]")).to_contain_text("Can use")
    for person in (ana, ben):
        person.check()


def test_steering_the_feed_saves_shows_its_words_and_clears(people: Any, app: LiveApp) -> None:
    cam = people("cam", MOBILE, app=app)
    sign_up(cam, "cam", "Cam Cook", screenshots=False)
    token = token_of(app, "cam")
    page = cam.page
    page.get_by_role("button", name="Steer your feed").click()
    sheet = page.get_by_role("dialog", name="Steer your feed")
    expect(sheet).to_contain_text("Not steered")
    field = sheet.get_by_label("What do you want more or less of?")

    # Nothing to steer by: the API's reason, and nothing saved.
    with cam.expecting_http_error(400, "/api/v1/feed/steer"):
        sheet.get_by_role("button", name="Save").click()
        expect(sheet.get_by_role("alert")).to_be_visible()
    assert app.call("GET", "/feed/steer", token=token)["text"] is None

    # Saved: the words as chips, and the feed behind is asked again.
    field.fill("more cooking and animals, less sports")
    with page.expect_request(lambda r: r.url.endswith("/api/v1/feed") and r.method == "GET"):
        sheet.get_by_role("button", name="Save").click()
    chips = sheet.get_by_role("list", name="How your feed is steered")
    expect(chips.locator("[data-steer=more]")).to_have_count(2)
    expect(chips.locator("[data-steer=more]").first).to_contain_text("cooking")
    expect(chips.locator("[data-steer=more]").nth(1)).to_contain_text("animals")
    expect(chips.locator("[data-steer=less]")).to_contain_text("sports")
    cam.shot("steer-saved", show=sheet)
    saved = app.call("GET", "/feed/steer", token=token)
    assert (saved["more"], saved["less"]) == (["cooking", "animals"], ["sports"])

    # Opened again, it shows the current steering; cleared, it is gone.
    sheet.get_by_role("button", name="Close").click()
    page.get_by_role("button", name="Steer your feed").click()
    sheet = page.get_by_role("dialog", name="Steer your feed")
    expect(sheet.get_by_role("list", name="How your feed is steered")).to_contain_text("cooking")
    sheet.get_by_role("button", name="Clear").click()
    expect(sheet).to_contain_text("Not steered")
    assert app.call("GET", "/feed/steer", token=token)["text"] is None
    cam.check()


def test_trending_shows_a_fresh_video_while_the_box_is_empty(people: Any, app: LiveApp) -> None:
    author = register(app, "flora", "Flora Finch")
    fresh = published(app, author, "a flamingo dancing on ice", "flamingo on ice")
    dee = people("dee", MOBILE, app=app)
    sign_up(dee, "dee", "Dee Viewer", screenshots=False)
    app.call("PUT", f"/videos/{fresh}/like", token=token_of(app, "dee"))  # rising: someone liked it
    dee.go("/search")
    trending = dee.page.get_by_role("region", name="Trending")
    expect(trending.locator(f"li[data-video-id='{fresh}']")).to_be_visible()
    dee.shot("search-trending", show=trending)
    # Typing hides it; emptying the box brings it back.
    box = dee.page.get_by_role("searchbox", name="Search")
    box.fill("flamingo")
    expect(trending).to_be_hidden()
    box.fill("")
    expect(trending.locator(f"li[data-video-id='{fresh}']")).to_be_visible()
    dee.check()
