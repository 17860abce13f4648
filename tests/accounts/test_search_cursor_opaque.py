"""A search page's cursor is readable by whoever holds it (signed, not encrypted). It carried the last
person's stored follower count, which counts the follows of accounts support deactivated that their
profile leaves out: the cursor told a hidden account follows them. It now holds only the last
person's place by name (closeness) and who they are; the pages still walk everyone once."""

import base64
import json
import zlib

import pytest

from accounts import services

pytestmark = pytest.mark.django_db


def _payload(cursor: str) -> list[int]:
    token = cursor.split(":", maxsplit=1)[0]
    compressed = token.startswith(".")
    data = token.lstrip(".")
    raw = base64.urlsafe_b64decode(data + "=" * (-len(data) % 4))
    return json.loads(zlib.decompress(raw) if compressed else raw)


@pytest.mark.parametrize("kind", ["people", "cameos"])
def test_a_search_cursor_carries_no_follower_count(kind, make_user, client_of, activate_cameo):  # type: ignore[no-untyped-def]
    people = [make_user(f"zed.{name}") for name in ("star", "moon", "sun")]
    for person in people:
        activate_cameo(person, audience="everyone")
    fans = [make_user(f"fan{i}x") for i in range(7)]
    for fan in fans:
        services.follow_create(follower=fan, followee=people[0])
    services.user_active_set(user=fans[0], active=False)
    client = client_of(make_user("viewer.one"))

    assert client.get("/api/v1/users/zed.star").json()["followers_count"] == 6
    page = client.get("/api/v1/search", {"q": "zed", "type": kind, "limit": 1}).json()
    assert [r["handle"] for r in page["results"]] == ["zed.star"]
    assert -7 not in _payload(page["next"]) and 7 not in _payload(page["next"])

    seen = ["zed.star"]
    services.user_active_set(user=people[1], active=False)  # the next page's first leaves meanwhile
    cursor = page["next"]
    while cursor:
        page = client.get("/api/v1/search", {"q": "zed", "type": kind, "limit": 1, "cursor": cursor}).json()
        seen += [r["handle"] for r in page["results"]]
        cursor = page["next"]
    assert seen == ["zed.star", "zed.sun"]
