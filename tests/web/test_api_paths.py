"""What the web client puts in an API path stays in its segment (web/static/web/api.js): an id, a
handle or a cursor with "/", "?", "#" or ".." in it reaches the endpoint it was meant for, never
another one. A link like #/v/..%2Fme used to have the signed-in browser fetch /api/v1/me as a video
(and a blank screen); a DELETE of such a "video" would have been a DELETE of the account. And a link
whose escapes are broken is a page that does not exist (web/static/web/router.js)."""

from __future__ import annotations

import re
import time
from collections.abc import Iterator
from typing import Any
from urllib.parse import parse_qs, quote, urlsplit

import pytest

from tests.web.conftest import MOBILE, LiveApp, running_app
from tests.web.pages import expect, sign_up

pytestmark = [pytest.mark.browser, pytest.mark.slow]

DATA = "7/../../me?x=1#y"  # what an id, a handle or a job id from a link could be
CURSOR = "next&limit=1000#"
SEGMENT = quote(DATA, safe="-_.!~*'()")  # encodeURIComponent's output

# Each helper the screens call with data, and where it must go: (method, path, query).
CALLS = """async ([v, c]) => {
  const { api } = await import("/static/web/api.js");
  const calls = {
    user: () => api.user(v),
    follow: () => api.follow(v),
    block: () => api.block(v, true),
    followers: () => api.followers(v, c),
    userVideos: () => api.userVideos(v, c),
    video: () => api.video(v),
    deleteVideo: () => api.deleteVideo(v),
    like: () => api.like(v, false),
    comments: () => api.comments(v, c),
    comment: () => api.comment(v, "hi"),
    deleteComment: () => api.deleteComment(v),
    view: () => api.view(v, 900, false),
    report: () => api.report(v, "spam", ""),
    cameoAccess: () => api.cameoAccess(v),
    requestCameo: () => api.requestCameo(v),
    decideRequest: () => api.decideRequest(v, true),
    revokeGrant: () => api.revokeGrant(v),
    deleteAppearance: () => api.deleteAppearance(v),
    deleteAppearancesBy: () => api.deleteAppearancesBy(v),
    possibleMatches: () => api.possibleMatches(c),
    decidePossibleMatch: () => api.decidePossibleMatch(v, false),
    job: () => api.job(v),
    cancelJob: () => api.cancelJob(v),
    publish: () => api.publish(v, ""),
    takedownStatus: () => api.takedownStatus(v),
  };
  const answers = {};
  for (const [name, call] of Object.entries(calls)) {
    try {
      await call();
      answers[name] = "sent";
    } catch (error) {
      answers[name] = `refused ${error.status}`;
    }
  }
  return answers;
}"""
EXPECTED = {
    "user": ("GET", f"/users/{SEGMENT}", {}),
    "follow": ("PUT", f"/users/{SEGMENT}/follow", {}),
    "block": ("PUT", f"/users/{SEGMENT}/block", {"videos": ["keep"]}),
    "followers": ("GET", f"/users/{SEGMENT}/followers", {"cursor": [CURSOR]}),
    "userVideos": ("GET", f"/users/{SEGMENT}/videos", {"cursor": [CURSOR]}),
    "video": ("GET", f"/videos/{SEGMENT}", {}),
    "deleteVideo": ("DELETE", f"/videos/{SEGMENT}", {}),
    "like": ("DELETE", f"/videos/{SEGMENT}/like", {}),
    "comments": ("GET", f"/videos/{SEGMENT}/comments", {"cursor": [CURSOR]}),
    "comment": ("POST", f"/videos/{SEGMENT}/comments", {}),
    "deleteComment": ("DELETE", f"/comments/{SEGMENT}", {}),
    "view": ("POST", f"/videos/{SEGMENT}/views", {}),
    "report": ("POST", f"/videos/{SEGMENT}/report", {}),
    "cameoAccess": ("GET", f"/cameos/{SEGMENT}", {}),
    "requestCameo": ("POST", f"/cameos/{SEGMENT}/requests", {}),
    "decideRequest": ("POST", f"/cameo/requests/{SEGMENT}/approve", {}),
    "revokeGrant": ("DELETE", f"/cameo/grants/{SEGMENT}", {"videos": ["keep"]}),
    "deleteAppearance": ("DELETE", f"/cameo/appearances/{SEGMENT}", {}),
    "deleteAppearancesBy": ("DELETE", "/cameo/appearances", {"author": [DATA]}),
    "possibleMatches": ("GET", "/cameo/possible-matches", {"cursor": [CURSOR]}),
    "decidePossibleMatch": ("POST", f"/cameo/possible-matches/{SEGMENT}/remove", {}),
    "job": ("GET", f"/generations/{SEGMENT}", {}),
    "cancelJob": ("POST", f"/generations/{SEGMENT}/cancel", {}),
    "publish": ("POST", f"/generations/{SEGMENT}/publish", {}),
    "takedownStatus": ("GET", f"/takedowns/{SEGMENT}", {}),
}


@pytest.fixture(scope="module")
def app(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveApp]:
    with running_app(tmp_path_factory.mktemp("web-paths"), worker=False) as app:
        yield app


def test_a_link_with_a_path_in_its_id_shows_not_found_and_fetches_nothing_else(people: Any, app: LiveApp) -> None:
    ana = people("ana", MOBILE, app=app)
    sign_up(ana, "ana", "Ana Silva", screenshots=False)
    page = ana.page
    sent: list[str] = []
    page.on("request", lambda request: sent.append(urlsplit(request.url).path))

    # "../me" is one video id that does not exist, not the way to /api/v1/me.
    with ana.expecting_http_error(404, "/api/v1/videos/..%2Fme"):
        page.goto(f"{app.url}#/v/..%2Fme")
        expect(page.get_by_role("heading", level=1)).to_have_text("Not available")
        expect(page.get_by_role("alert")).to_have_text("It was deleted, or it isn't shown to you.")
        expect(page.get_by_role("link", name="Go to the feed")).to_be_visible()
    assert "/api/v1/videos/..%2Fme" in sent
    assert "/api/v1/me" not in sent
    ana.check()

    # ".." itself, which a URL resolves away however it is encoded, is not sent at all.
    sent.clear()
    for route in ("#/v/..", "#/u/.%2E"):
        page.goto(f"{app.url}{route}")
        expect(page.get_by_role("heading", level=1)).to_have_text("Not available")
        expect(page.get_by_role("alert")).to_have_text("It was deleted, or it isn't shown to you.")
    assert not [path for path in sent if path.startswith("/api/") and path != "/api/v1/notifications"], sent
    ana.check()


def test_a_link_with_a_broken_escape_is_not_found_not_a_blank_page(people: Any, app: LiveApp) -> None:
    """A link cut short in the middle of an escape ("%E0%A4", "%") threw in the router: the screen
    stayed as it was, and opened from outside the app never got past "Loading castfeed…"."""
    cleo = people("cleo", MOBILE, app=app)
    sign_up(cleo, "cleo", "Cleo Park", screenshots=False)
    page = cleo.page
    for route in ("#/u/%E0%A4", "#/v/%", "#/removal/TD-%ZZ"):
        page.goto(f"{app.url}{route}")
        expect(page.get_by_role("heading", level=1)).to_have_text("Nothing here")
        page.reload()  # the app starting on that link
        expect(page.get_by_role("heading", level=1)).to_have_text("Nothing here")
        expect(page.get_by_role("navigation", name="Main")).to_be_visible()
    cleo.check()


def test_every_call_keeps_ids_handles_and_cursors_inside_their_place(people: Any, app: LiveApp) -> None:
    ben = people("ben", MOBILE, app=app)
    sign_up(ben, "ben", "Ben Okafor", screenshots=False)
    page = ben.page
    seen: list[tuple[str, str]] = []

    def answer(route: Any) -> None:  # nothing reaches the app: the calls are only looked at
        seen.append((route.request.method, route.request.url))
        route.fulfill(status=200, json={})

    page.route(re.compile(r"/api/v1/"), answer)
    answers = page.evaluate(CALLS, [DATA, CURSOR])
    assert answers == dict.fromkeys(EXPECTED, "sent")
    requests = [(method, urlsplit(url)) for method, url in seen if "/api/v1/notifications" not in url]
    assert [(method, url.path, parse_qs(url.query)) for method, url in requests] == [
        (method, f"/api/v1{path}", query) for method, path, query in EXPECTED.values()
    ]
    assert not any(url.fragment for _, url in requests)

    # A segment that is only dots is refused before anything is sent.
    seen.clear()
    answers = page.evaluate(CALLS, ["..", ""])
    sent = {"deleteAppearancesBy", "possibleMatches"}  # the dots go in the query, not the path
    assert answers == {name: "sent" if name in sent else "refused 404" for name in EXPECTED}
    assert [urlsplit(url).path for _, url in seen if "/notifications" not in url] == [
        "/api/v1/cameo/appearances",
        "/api/v1/cameo/possible-matches",
    ]


# Wrong passwords, one after the other from one address, as fast as the page can send them, each for
# another handle (each account has a limit of its own on wrong passwords: this spends the address's).
SPEND_SIGN_INS = """async (n) => {
  const statuses = [];
  for (let i = 0; i < n; i += 1) {
    const response = await fetch("/api/v1/auth/token", {
      method: "POST", headers: { "Content-Type": "application/json" },
      body: JSON.stringify({ handle: `nobody${i}`, password: "not-the-password" }) });
    statuses.push(response.status);
  }
  return statuses;
}"""


def test_over_the_sign_in_limit_the_form_says_when_to_try_again(people: Any, app: LiveApp) -> None:
    """Over a limit (here 30 sign-ins a minute from one address) the form said only "Too many
    requests.", leaving the person to guess how long to wait; it now says when (the Retry-After).
    Last in this module: it spends the address's sign-ins for a minute."""
    dana = people("dana", MOBILE, app=app)
    page = dana.page
    page.goto(f"{app.url}#/welcome")
    # The limit counts in fixed windows of a clock minute (core.throttling): 30 sign-ins (about 7 s)
    # and the form's one must fall in the same window, or the last ones start a new count.
    left = 60 - time.time() % 60
    if left < 25:
        time.sleep(left + 0.5)
    with dana.expecting_http_error(400, "/api/v1/auth/token"):
        assert set(page.evaluate(SPEND_SIGN_INS, 30)) == {400}
    with dana.expecting_http_error(429, "/api/v1/auth/token"):
        page.get_by_label("Handle").fill("nobody")
        page.get_by_label("Password").fill("not-the-password")
        page.get_by_role("button", name="Sign in").click()
        expect(page.get_by_role("alert")).to_have_text(
            re.compile(r"^Too many requests\. Try again in (\d+ seconds|a minute)\.$")
        )
    dana.shot("sign-in-throttled")
