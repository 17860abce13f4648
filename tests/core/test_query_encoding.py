"""A query string that is not UTF-8 is a 400 `bad_request` in the error shape, on every endpoint:
Django read each bad byte as U+FFFD, so a search for it answered 200 with nothing found."""

import pytest

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    "query",
    [
        "q=%ED%A0%80",  # a lone surrogate, UTF-8 encoded
        "q=%FF",  # a byte no UTF-8 text has
        "q=caf%C3",  # a sequence cut short
        "q=a&type=videos&cursor=%C0%AF",  # an overlong encoding, in another parameter
    ],
)
@pytest.mark.parametrize("path", ["/api/v1/search", "/api/v1/feed", "/api/v1/users/me.myself/followers"])
def test_a_query_that_is_not_utf8_is_a_400(api, path, query):
    response = api.get(f"{path}?{query}")
    assert response.status_code == 400, response.content
    assert response.json() == {"error": "bad_request", "detail": "The query is not valid UTF-8."}


@pytest.mark.parametrize("query", ["q=caf%C3%A9", "q=%F0%9F%8E%AC", "q=na%C3%AFve+caf%C3%A9", "q=plain"])
def test_a_utf8_query_is_searched(api, query):
    response = api.get(f"/api/v1/search?{query}")
    assert response.status_code == 200, response.content
    assert response.json() == {"results": [], "next": None}
