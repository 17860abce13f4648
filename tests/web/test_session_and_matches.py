"""A sign-in that expires while it is in use, and dialogs that leave with their screen."""

from __future__ import annotations

from typing import Any

import pytest

from tests.web.conftest import MOBILE, LiveApp
from tests.web.pages import PASSWORD, expect, sign_up
from tests.web.test_drafts_of_me import generate_ready
from tests.web.test_removal import django

pytestmark = [pytest.mark.browser, pytest.mark.slow]


def register(app: LiveApp, handle: str) -> str:
    body = {"handle": handle, "display_name": handle.title(), "birthdate": "1990-01-01", "password": PASSWORD}
    return app.call("POST", "/auth/register", body)["token"]


def unused_for_61_days(app: LiveApp, handle: str) -> None:
    """Every sign-in of `handle` was last used 61 days ago (what the clock does, without waiting)."""
    django(
        app,
        "import datetime as dt; from django.utils import timezone; from accounts.models import AuthToken; "
        f"AuthToken.objects.filter(user__handle={handle!r})"
        ".update(last_used_at=timezone.now() - dt.timedelta(days=61))",
    )


def test_a_dialog_leaves_with_its_screen_and_an_expired_sign_in_comes_back_where_it_was(
    people: Any, live_app: LiveApp
) -> None:
    app = live_app
    gil = people("gil", MOBILE)
    page = gil.page
    sign_up(gil, "gil", "Gil Moreau", screenshots=False)
    hal = register(app, "hal")
    job = generate_ready(app, hal, "a lighthouse at dawn")
    video = app.call("POST", f"/generations/{job['id']}/publish", {"caption": "dawn"}, hal)
    app.call("POST", f"/videos/{video['id']}/comments", {"text": "first light"}, hal)

    # Gil opens the comments and follows the commenter's handle: the profile, not the dialog over it.
    gil.go(f"/v/{video['id']}")
    page.get_by_role("button", name="Comments").first.click()
    comments = page.get_by_role("dialog", name="Comments")
    expect(comments.get_by_text("first light")).to_be_visible()
    comments.get_by_role("link", name="@hal").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Hal")
    expect(page.locator("dialog[open]")).to_have_count(0)
    gil.shot("profile-from-comments")

    # Back on the video, his sign-in expires while the comments are open; he posts one. The session
    # ends: the sign-in screen, told why once, with no dialog over it.
    page.go_back()
    page.get_by_role("button", name="Comments").first.click()
    expect(comments.get_by_text("first light")).to_be_visible()
    unused_for_61_days(app, "gil")
    with gil.expecting_http_error(401, f"/api/v1/videos/{video['id']}/comments"):
        comments.get_by_label("Add a comment").fill("lovely")
        comments.get_by_role("button", name="Post").click()
        expect(page.get_by_role("button", name="Sign in")).to_be_visible()
    expect(page.locator("dialog[open]")).to_have_count(0)
    expect(page.get_by_text("Your session ended. Please sign in again.")).to_have_count(1)
    gil.shot("expired-sign-in")

    # Signing in again brings him back to the video he was on.
    page.get_by_label("Handle").fill("gil")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    expect(page).to_have_url(f"{app.url}#/v/{video['id']}")
    assert app.call("GET", f"/videos/{video['id']}/comments")["results"][0]["text"] == "first light"

