"""Steps the browser tests share."""

from __future__ import annotations

from typing import Any

from tests.web.conftest import Person

PASSWORD = "a-long-passphrase-for-tests"


# How long an assertion waits for the page by default. Playwright's own default (5 s) is too short for a
# busy 2-core CI machine running the app, its worker and three browser pages at once.
EXPECT_TIMEOUT_MS = 20_000


def expect(locator: Any, **kwargs: Any) -> Any:
    from playwright.sync_api import expect as playwright_expect  # a dev dependency: imported when used

    playwright_expect.set_options(timeout=EXPECT_TIMEOUT_MS)
    return playwright_expect(locator, **kwargs)


def tab(page: Any, name: str) -> Any:
    """A link of the tab bar."""
    return page.get_by_role("navigation", name="Main").get_by_role("link", name=name)


def sign_up(person: Person, handle: str, display_name: str, *, screenshots: bool = True) -> None:
    page = person.page
    page.goto("/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Short videos, made from a prompt")
    if screenshots:
        person.shot("welcome")
    page.get_by_role("tab", name="Create account").click()
    page.get_by_label("Handle").fill(handle)
    page.get_by_label("Display name").fill(display_name)
    page.get_by_label("Birthdate").fill("1990-12-10")
    page.get_by_label("Password").fill(PASSWORD)
    if screenshots:
        person.shot("sign-up")
    page.get_by_role("button", name="Create account").click()
    expect(page.get_by_role("feed")).to_be_visible()
    person.handle = handle


# --- test instrumentation, not stand-ins: the page's own calls go through --------------------------
# The Blobs the page makes URLs for, kept to read the recording it sends (the page's CSP rightly
# forbids fetching blob: URLs, and Playwright does not expose multipart bodies).
KEEP_BLOBS = """(() => {
  const create = URL.createObjectURL;
  window.__blobs = [];
  URL.createObjectURL = (blob) => { window.__blobs.push(blob); return create.call(URL, blob); };
})()"""
# The last of them, base64.
READ_LAST_BLOB = """() => new Promise((resolve) => {
  const reader = new FileReader();
  reader.onload = () => resolve(reader.result.split(",")[1]);
  reader.readAsDataURL(window.__blobs.at(-1));
})"""
