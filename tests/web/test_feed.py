"""The feed in a real browser, on a seeded app: full-height slides that snap one at a time, only the
visible video playing (muted, looped), the next page loaded before the end, keyboard control."""

from __future__ import annotations

import re
from typing import Any

import pytest

from tests.web.conftest import MOBILE
from tests.web.pages import expect, sign_up

pytestmark = [pytest.mark.browser, pytest.mark.slow]

STATE = """() => {
  const feed = document.querySelector('[role=feed]');
  const slides = [...feed.querySelectorAll('article.slide')];
  const active = feed.querySelector('article.slide.active');
  return {
    count: slides.length,
    active: active ? Number(active.getAttribute('aria-posinset')) : null,
    playing: slides.filter((s) => !s.querySelector('video').paused).map((s) => Number(s.getAttribute('aria-posinset'))),
    muted: slides.every((s) => s.querySelector('video').muted && s.querySelector('video').loop),
    scrollTop: feed.scrollTop,
    height: feed.clientHeight,
    slideHeight: slides[0].getBoundingClientRect().height,
  };
}"""


def wait_playing(page: Any, position: int) -> dict[str, Any]:
    page.wait_for_function(
        """(n) => {
          const slide = document.querySelector(`article.slide.active[aria-posinset="${n}"]`);
          const video = slide && slide.querySelector('video');
          return video && !video.paused && video.currentTime > 0;
        }""",
        arg=position,
        timeout=15_000,
    )
    return page.evaluate(STATE)


def test_the_feed_snaps_plays_the_visible_video_and_loads_more(people: Any, seeded_app: Any) -> None:
    from playwright.sync_api import TimeoutError as PlaywrightTimeout  # a dev dependency: imported when used

    viewer = people("viewer", MOBILE, seeded_app, reduced_motion="reduce")
    sign_up(viewer, "viewer", "Vic Viewer", screenshots=False)
    page = viewer.page
    feed = page.get_by_role("feed", name="Videos for you")
    expect(feed.locator("article.slide").first).to_be_visible()

    state = wait_playing(page, 1)
    page_size = state["count"]
    assert page_size == 20, state
    assert state["playing"] == [1] and state["muted"], state
    assert state["slideHeight"] == state["height"], state  # one video fills the screen
    viewer.shot("feed-seeded")

    feed.focus()
    for position in range(2, page_size + 3):
        page.keyboard.press("ArrowDown")
        state = wait_playing(page, position)
        assert state["playing"] == [position], state  # the others are paused
        assert abs(state["scrollTop"] - (position - 1) * state["height"]) <= 1, state  # snapped to it
        if position == page_size - 1:
            # The viewer stays on the second-to-last video: the next page comes without scrolling
            # to the end. (Waiting here, not racing the key presses against the request.)
            try:
                page.wait_for_function(
                    "(n) => document.querySelectorAll('[role=feed] article.slide').length > n",
                    arg=page_size,
                    timeout=10_000,
                )
            except PlaywrightTimeout:
                pytest.fail("the next page was not loaded before the end of the first")
    viewer.shot("feed-second-page")

    page.keyboard.press("ArrowUp")
    state = wait_playing(page, page_size + 1)
    assert state["playing"] == [page_size + 1], state
    page.keyboard.press(" ")
    active = page.locator("article.slide.active")
    expect(active.get_by_role("button", name="Play video")).to_be_visible()
    assert page.evaluate(STATE)["playing"] == []
    viewer.shot("feed-paused")
    viewer.check()


def test_deleting_ones_own_comment_asks_first(people: Any, seeded_app: Any) -> None:
    carla = people("carla", MOBILE, seeded_app)
    sign_up(carla, "carla", "Carla Commenter", screenshots=False)
    page = carla.page
    slide = page.get_by_role("feed", name="Videos for you").locator("article.slide").first
    # The sheet's first page of comments arrives only after her comment is posted, with it in it (CI
    # saw it so on a slow run): her comment is shown once, not twice.
    held: list[Any] = []
    comments = re.compile(r"/api/v1/videos/[^/?]+/comments(\?.*)?$")
    page.route(comments, lambda route: held.append(route) if route.request.method == "GET" else route.continue_())
    slide.get_by_role("button", name=re.compile(r"^Comments \(")).click()
    sheet = page.get_by_role("dialog", name="Comments")
    sheet.get_by_label("Add a comment").fill("the second take is better")
    sheet.get_by_role("button", name="Post").click()
    mine = sheet.locator("li.comment").filter(has_text="the second take is better")
    expect(mine).to_have_count(1)
    assert len(held) == 1
    held[0].continue_()
    page.unroute(comments)
    expect(sheet.get_by_text("Loading comments…")).to_have_count(0)
    expect(mine).to_have_count(1)

    # The bin asks first, as every other deletion does; Cancel keeps the comment.
    mine.get_by_role("button", name="Delete your comment").click()
    ask = page.get_by_role("dialog", name="Delete your comment?")
    expect(ask).to_contain_text("removed for everyone")
    carla.shot("comment-delete-asks", show=ask)
    ask.get_by_role("button", name="Cancel").click()
    expect(ask).to_be_hidden()
    expect(mine).to_have_count(1)
    expect(sheet).to_be_visible()

    # Confirmed: gone from the sheet, and from the video for good.
    mine.get_by_role("button", name="Delete your comment").click()
    page.get_by_role("dialog", name="Delete your comment?").get_by_role("button", name="Delete").click()
    expect(mine).to_have_count(0)
    video_id = slide.get_attribute("data-video-id")
    texts = [c["text"] for c in seeded_app.call("GET", f"/videos/{video_id}/comments")["results"]]
    assert "the second take is better" not in texts
    carla.check()
