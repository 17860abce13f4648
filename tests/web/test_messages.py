"""What the screens say when something is wrong, at phone width: a field's error goes once the field is
changed, a refused search says why in words (not the API's field code), and "Scan for videos of me"
without a cameo says so where the button is, with the way to make one."""

from __future__ import annotations

import re
from typing import Any

import pytest

from tests.web.conftest import MOBILE
from tests.web.pages import expect, sign_up

pytestmark = [pytest.mark.browser, pytest.mark.slow]
PHONE = {"width": 390, "height": 844}


def test_errors_say_what_is_wrong_and_go_once_it_is_fixed(people: Any) -> None:
    nia = people("nia", MOBILE)
    sign_up(nia, "nia", "Nia Novak", screenshots=False)
    page = nia.page

    # Create with no prompt: the field says so; once something is typed, that error is gone.
    with page.expect_response(lambda r: r.url.endswith("/api/v1/generations")):  # the screen is ready
        nia.go("/create")
    page.get_by_role("button", name="Generate").click()
    prompt = page.get_by_label("Describe your video")
    error = page.locator(f"#{prompt.get_attribute('id')}-error")
    expect(error).to_have_text("Describe your video.")
    expect(prompt).to_have_attribute("aria-invalid", "true")
    prompt.press_sequentially("a lighthouse in a storm")
    expect(error).to_be_hidden()
    expect(prompt).not_to_have_attribute("aria-invalid", "true")
    nia.shot("create-error-cleared", show=prompt)

    # A search the API refuses: its reason, without the field's code ("q: ").
    nia.go("/search")
    with nia.expecting_http_error(400, "/api/v1/search"):
        page.get_by_role("searchbox", name="Search").fill("x" * 101)
        alert = page.get_by_role("tabpanel").get_by_role("alert")
        expect(alert).to_have_text("Ensure this field has no more than 100 characters.")
    nia.shot("search-too-long", show=alert)

    # Scanning for videos of her without a cameo: said next to the button, with the way to make one.
    nia.go("/of-me")
    with nia.expecting_http_error(404, "/api/v1/cameo/scan"):
        page.get_by_role("button", name="Scan for videos of me").click()
        note = page.locator("[data-scan-note]")
        expect(note).to_contain_text("you have no cameo yet")
    nia.shot("scan-without-cameo", show=note)
    note.get_by_role("link", name="Set up your cameo").click()
    expect(page).to_have_url(re.compile(r"#/cameo$"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Your cameo")
    nia.check()


def test_a_prompt_the_check_refuses_says_why_while_typing(people: Any) -> None:
    """The check while typing answers 400 for a quoted line in sound codes (submit refuses it alike):
    the screen says why under the prompt; before, the check just disappeared, and the person learnt
    only on Generate."""
    wren = people("wren", MOBILE)
    sign_up(wren, "wren", "Wren Ueda", screenshots=False)
    page = wren.page
    with page.expect_response(lambda r: r.url.endswith("/api/v1/generations")):  # the screen is ready
        wren.go("/create")
    prompt = page.get_by_label("Describe your video")
    prompt.fill("a parrot on a perch")
    with wren.expecting_http_error(400, "/api/v1/consent/check"):
        prompt.fill('a parrot says "[[həlˈoʊ]]"')
        note = page.locator(".policy-note")
        expect(note).to_have_text("Write quoted lines in words: [[...]] would be spoken as sound codes.")
    wren.shot("create-sound-codes", show=note)
    prompt.fill('a parrot says "hello"')
    expect(note).to_be_hidden()
    wren.check()


def test_quoted_lines_too_long_for_any_video_say_so_while_typing(people: Any) -> None:
    """Lines no video could hold (submit would refuse them at any length): the check while typing
    answers 400, and the screen says why under the prompt, with the longest video's seconds. Before,
    the check said nothing was wrong, and Generate refused them."""
    yara = people("yara", MOBILE)
    sign_up(yara, "yara", "Yara Okafor", screenshots=False)
    page = yara.page
    with page.expect_response(lambda r: r.url.endswith("/api/v1/generations")):  # the screen is ready
        yara.go("/create")
    prompt = page.get_by_label("Describe your video")
    prompt.fill("a hiker on a summit")
    speech = (
        "we finally made it to the top of the mountain, and the view is even better than the photos said,"
        " so let us sit down up here for a while, eat all of our sandwiches and watch the clouds roll by"
        " until the sun goes down behind the hills"
    )
    with yara.expecting_http_error(400, "/api/v1/consent/check"):
        prompt.fill(f'a hiker on a summit saying "{speech}"')
        note = page.locator(".policy-note")
        expect(note).to_have_text(
            "The quoted lines are too long to say in any video, even one of 10 seconds: shorten them."
        )
    yara.shot("create-lines-too-long", show=note)
    prompt.fill('a hiker on a summit saying "what a view"')
    expect(note).to_be_hidden()
    yara.check()


def test_a_refusal_brought_into_view_leaves_the_tab_bar_at_the_bottom(people: Any) -> None:
    """The refusal is scrolled into view: only the screen scrolls, never the app's frame (which lifted
    the tab bar off the bottom, a dark band under it, and cut off the top of the screen)."""
    ola = people("ola", PHONE)
    sign_up(ola, "ola", "Ola Nowak", screenshots=False)
    page = ola.page
    with page.expect_response(lambda r: r.url.endswith("/api/v1/generations")):  # the screen is ready
        ola.go("/create")
    page.get_by_label("Describe your video").fill("Barack Obama dancing on the moon with @nobody_here")
    expect(page.get_by_text("Who's in it")).to_be_visible()  # the check while typing: a longer screen
    with ola.expecting_http_error(403, "/api/v1/generations"):
        page.get_by_role("button", name="Generate").click()
        expect(page.get_by_text("We can't make this video")).to_be_visible()
    page.wait_for_timeout(500)  # the scroll into view has happened
    frame = page.evaluate(
        "() => ({app: document.querySelector('.app').scrollTop, innerHeight,"
        " tabbar: document.querySelector('.tabbar').getBoundingClientRect().bottom})"
    )
    assert frame["app"] == 0, frame
    assert round(frame["tabbar"]) == frame["innerHeight"], frame
    ola.shot("create-refused", show=page.get_by_text("We can't make this video"))
    ola.check()


def test_generate_before_the_drafts_are_listed_makes_the_video(people: Any) -> None:
    """Generate pressed while the screen still waits for its drafts: the video is made and listed once
    they come (before, the browser submitted the form itself: a reload that lost the prompt)."""
    pia = people("pia", MOBILE)
    sign_up(pia, "pia", "Pia Park", screenshots=False)
    page = pia.page
    jobs = re.compile(r"/api/v1/generations$")
    held: list[Any] = []  # the screen's GET of its drafts, answered only when the test says

    def hold_the_list(route: Any) -> None:
        if route.request.method == "GET":
            held.append(route)
        else:
            route.continue_()

    page.route(jobs, hold_the_list)
    pia.go("/create")
    prompt = page.get_by_label("Describe your video")
    prompt.fill("a lighthouse in a storm")
    page.get_by_role("button", name="Generate").click()
    expect(page.get_by_text("Generating your video")).to_have_count(0)
    page.wait_for_timeout(1000)
    assert held, "the drafts were not asked for"
    expect(page).to_have_url(re.compile(r"#/create$"))
    expect(prompt).to_have_value("a lighthouse in a storm")
    for route in held:
        route.continue_()
    page.unroute(jobs)
    expect(page.locator("li[data-job-id]").filter(has_text="a lighthouse in a storm")).to_have_count(1)
    pia.check()
