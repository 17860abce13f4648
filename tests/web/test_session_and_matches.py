"""A sign-in that expires while it is in use, is signed out in another tab or changed there to someone
else's, and dialogs that leave with their screen; the author's side of a possible match (a face in my
video may be someone's cameo, shown beside the video's poster: it's them, or not them), and their video
hidden while a takedown request is reviewed; and a cleared look-alike's cameo screen, which offers no
"Everyone"."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from typing import Any

import pytest

from tests.web.conftest import MOBILE, LiveApp, running_app
from tests.web.pages import PASSWORD, expect, sign_up
from tests.web.test_drafts_of_me import generate_ready, token_of
from tests.web.test_removal import django

pytestmark = [pytest.mark.browser, pytest.mark.slow]


@pytest.fixture(scope="module")
def app(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveApp]:
    """An app of its own: the videos published here stay out of the other tests' feeds."""
    with running_app(tmp_path_factory.mktemp("web-session")) as app:
        yield app


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
    people: Any, app: LiveApp
) -> None:
    gil = people("gil", MOBILE, app=app)
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


def test_signing_out_in_one_tab_ends_the_session_in_the_others(people: Any, app: LiveApp) -> None:
    noa = people("noa", MOBILE, app=app)
    sign_up(noa, "noa", "Noa Weiss", screenshots=False)
    other_tab = noa.page.context.new_page()
    other_tab.goto(f"{app.url}#/search")
    expect(other_tab.get_by_role("heading", level=1)).to_have_text("Search")

    noa.go("/profile")
    noa.page.get_by_role("button", name="Sign out").click()
    expect(noa.page.get_by_role("button", name="Sign in")).to_be_visible()

    # The other tab says so and offers to sign in again, back to Search; not a screen whose every
    # call would be refused.
    expect(other_tab.get_by_role("button", name="Sign in")).to_be_visible()
    expect(other_tab).to_have_url(re.compile(r"#/welcome\?next=%2Fsearch"))
    expect(other_tab.get_by_text("Your session ended. Please sign in again.")).to_be_visible()


def test_signing_in_as_someone_else_in_another_tab_switches_the_others(people: Any, app: LiveApp) -> None:
    ora = people("ora", MOBILE, app=app)
    page = ora.page
    sign_up(ora, "ora", "Ora Quist", screenshots=False)
    register(app, "pim")
    quin = register(app, "quin")
    ora.go("/profile")
    expect(page.get_by_role("heading", level=1)).to_have_text("Ora Quist")
    other_tab = page.context.new_page()
    other_tab.goto(f"{app.url}#/profile")
    expect(other_tab.get_by_role("heading", level=1)).to_have_text("Ora Quist")

    # In the other tab Ora signs out and Pim signs in. This tab, sent to sign in when Ora signed out,
    # follows Pim back to the profile it was on: Pim's, and says who is signed in now.
    other_tab.get_by_role("button", name="Sign out").click()
    expect(page.get_by_role("button", name="Sign in")).to_be_visible()
    other_tab.get_by_label("Handle").fill("pim")
    other_tab.get_by_label("Password").fill(PASSWORD)
    other_tab.get_by_role("button", name="Sign in").click()
    expect(other_tab.get_by_role("feed")).to_be_visible()
    expect(page).to_have_url(f"{app.url}#/profile")
    expect(page.get_by_role("heading", level=1)).to_have_text("Pim")
    expect(page.get_by_text("Signed in as @pim in another tab.")).to_be_visible()
    ora.shot("switched-in-another-tab")

    # A tab signs in as Quin over Pim's sign-in (what its sign-in form stores): this tab, on Pim's
    # profile, shows Quin's now, not Pim's screen with Quin's calls.
    other_tab.evaluate("token => localStorage.setItem('castfeed.token', token)", quin)
    expect(page.get_by_role("heading", level=1)).to_have_text("Quin")
    expect(page.get_by_text("Signed in as @quin in another tab.")).to_be_visible()
    # The tab that stored it (no event of its own) catches up on its next screen.
    other_tab.goto(f"{app.url}#/profile")
    expect(other_tab.get_by_role("heading", level=1)).to_have_text("Quin")
    ora.check()


def test_each_possible_match_shows_the_poster_of_the_authors_video(people: Any, app: LiveApp) -> None:
    """The author tells which of their videos is meant by its poster, a draft's at its signed URL."""
    uma = people("uma", MOBILE, app=app)
    page = uma.page
    sign_up(uma, "uma", "Uma Varga", screenshots=False)
    register(app, "vic")
    register(app, "wen")
    uma_token = token_of(app, "uma")
    draft = generate_ready(app, uma_token, "a kite over the dunes")["video"]
    job = generate_ready(app, uma_token, "a tram in the rain")
    published = app.call("POST", f"/generations/{job['id']}/publish", {"caption": "tram"}, uma_token)
    django(
        app,
        "from accounts.models import User; from cameos.models import Appearance, Cameo\n"
        f"for handle, video_id in (('vic', {draft['id']}), ('wen', {published['id']})):\n"
        # Cameos open to everyone: the author is told who a match may be only if the cameo admits them.
        "    Cameo.objects.create(owner=User.objects.get(handle=handle), audience='everyone')\n"
        "    Appearance.objects.create(video_id=video_id, user=User.objects.get(handle=handle), "
        "source='detected', match='possible', similarity=0.5)",
    )

    uma.go("/notifications")
    to_confirm = page.get_by_role("region", name="Who is in your videos?")
    expect(to_confirm.get_by_role("listitem")).to_have_count(2)
    for handle, video, signed in (("vic", draft, True), ("wen", published, False)):
        item = to_confirm.get_by_role("listitem").filter(has_text=f"@{handle}")
        poster = item.get_by_role("img", name="Poster of your video")
        expect(poster).to_be_visible()
        expect(item.get_by_role("link", name="Watch your video")).to_have_attribute("href", f"#/v/{video['id']}")
        # The poster the video's own body gives its author (a draft's token differs from call to call).
        src = poster.get_attribute("src")
        assert src.split("?")[0] == video["poster_url"].split("?")[0]
        assert ("?t=" in src) == signed
        page.wait_for_function("img => img.complete && img.naturalWidth > 0", arg=poster.element_handle())
    uma.shot("possible-matches-with-posters", show=to_confirm)


def test_the_author_answers_possible_matches_from_notifications(people: Any, app: LiveApp) -> None:
    kit = people("kit", MOBILE, app=app)
    page = kit.page
    sign_up(kit, "kit", "Kit Laurent", screenshots=False)
    lia, max_ = register(app, "lia"), register(app, "max")
    job = generate_ready(app, token_of(app, "kit"), "a picnic by the river")
    video = app.call("POST", f"/generations/{job['id']}/publish", {"caption": "picnic"}, token_of(app, "kit"))
    # The face scan found two faces like Lia's and Max's, below the bar that shows the video to them:
    # possible matches, and Kit asked about each (as cameos.services.appearances does).
    django(
        app,
        "from accounts.models import Notification, User; from accounts.services import notify; "
        "from cameos.models import Appearance, Cameo\n"
        "for handle in ('lia', 'max'):\n"
        "    person = User.objects.get(handle=handle)\n"
        "    Cameo.objects.create(owner=person, audience='everyone')\n"
        f"    match = Appearance.objects.create(video_id={video['id']}, user=person, source='detected', "
        "match='possible', similarity=0.5)\n"
        "    notify(user_id=User.objects.get(handle='kit').pk, kind=Notification.Kind.APPEARANCE_TO_CONFIRM, "
        f"video_id={video['id']}, match_id=match.pk, about=person.pk, handle=handle)",
    )
    assert app.call("GET", "/cameo/appearances", token=lia)["results"][0]["video"] is None

    # Lia, on her side, sees "a video by someone" and nothing of it; with no video of her to delete,
    # she is not offered to delete every video of her.
    lia_page = people("lia", MOBILE, app=app)
    lia_page.page.goto("/")
    lia_page.page.evaluate("token => localStorage.setItem('castfeed.token', token)", lia)
    lia_page.go("/of-me")
    expect(lia_page.page.locator("li.appearance.possible")).to_contain_text("A video by someone")
    expect(lia_page.page.get_by_role("button", name="Delete every video of me")).to_be_hidden()
    expect(lia_page.page.locator("[data-empty]")).to_be_hidden()
    lia_page.shot("possible-match-of-me")

    kit.go("/notifications")
    to_confirm = page.get_by_role("region", name="Who is in your videos?")
    expect(to_confirm.get_by_role("listitem")).to_have_count(2)
    expect(page.get_by_text("A face in your video may be @lia: confirm or remove them.")).to_be_visible()
    kit.shot("possible-matches")

    lia_row = to_confirm.get_by_role("listitem").filter(has_text="@lia")
    lia_row.get_by_role("button", name="It's them").click()
    expect(page.get_by_text("@lia can now see the video and delete it.")).to_be_visible()
    to_confirm.get_by_role("listitem").filter(has_text="@max").get_by_role("button", name="Not them").click()
    expect(to_confirm).to_be_hidden()
    kit.shot("possible-matches-answered")

    # Lia now sees the video among the videos of her (and may delete it); Max sees nothing of it.
    [lia_found] = app.call("GET", "/cameo/appearances", token=lia)["results"]
    assert lia_found["video"]["id"] == video["id"], json.dumps(lia_found)
    assert app.call("GET", "/cameo/appearances", token=max_)["results"] == []
    assert app.call("GET", "/cameo/possible-matches", token=token_of(app, "kit"))["results"] == []

    # A takedown request hides the video pending review (as moderation.takedowns does). Kit follows
    # the notification to it: it says the video is hidden, not that it is a draft, and offers no remix.
    django(
        app,
        "from accounts.models import Notification; from accounts.services import notify; "
        "from feed.models import Video; from feed.services import video_hide\n"
        f"video = Video.objects.get(pk={video['id']})\n"
        "assert video_hide(video=video, reason='takedown request')\n"
        "notify(user_id=video.author_id, kind=Notification.Kind.VIDEO_HIDDEN_FOR_REVIEW, video_id=video.pk)",
    )
    page.reload()
    page.get_by_role("link", name="A video of yours is hidden while a request to take it down is reviewed.").click()
    slide = page.locator("article.slide")
    expect(slide.locator(".slide-badges")).to_contain_text("Hidden from everyone")
    expect(slide.locator(".slide-badges")).not_to_contain_text("Draft")
    expect(slide.get_by_role("link", name="Remix this video")).to_have_count(0)
    # In place of a black picture, why; and no play or sound control for a video that cannot play.
    expect(slide.locator("[data-hidden-note]")).to_have_text(
        "Hidden from everyone while a request to take it down is reviewed. We'll tell you when it is decided."
    )
    expect(slide.get_by_role("button", name=re.compile(r"^(Mute|Unmute|Play video|Pause video)$"))).to_have_count(0)
    kit.shot("hidden-for-review")


def test_everyone_is_greyed_out_for_a_cleared_look_alike(people: Any, app: LiveApp) -> None:
    """Support cleared Tess as a well-known person's look-alike (User.approval_only): her cameo screen
    offers "Everyone" no more, and says why; taken off the list, she may choose it again."""
    tess = people("tess", MOBILE, app=app)
    page = tess.page
    sign_up(tess, "tess", "Tess Lind", screenshots=False)

    def cleared(approval_only: bool) -> None:
        django(
            app,
            "from accounts.models import User; from cameos.models import Cameo\n"
            "tess = User.objects.get(handle='tess')\n"
            "Cameo.objects.get_or_create(owner=tess, defaults={'audience': 'approved'})\n"
            f"User.objects.filter(pk=tess.pk).update(approval_only={approval_only})",
        )

    cleared(True)
    assert app.call("GET", "/me", token=token_of(app, "tess"))["approval_only"] is True
    tess.go("/cameo")
    page.reload()  # the client reads her account when it starts
    everyone = page.get_by_role("radio", name="Everyone")
    expect(everyone).to_be_disabled()
    expect(page.locator(f"#{everyone.get_attribute('id')}-hint")).to_have_text(
        "Not available while you look like someone well known."
    )
    expect(page.get_by_role("radio", name="People I approve")).to_be_checked()
    tess.shot("cameo-everyone-greyed-out")

    cleared(False)
    page.reload()
    expect(page.get_by_role("radio", name="Everyone")).to_be_enabled()
    tess.check()
