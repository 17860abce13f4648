"""GET /api/v1/search?type=cameos: the people matching the query whose cameo the caller may use now or
may ask for, in the cameo-access shape, by the consent gate's rules: `only_me` cameos, people without
a cameo and blocks either way never appear."""

import pytest

from accounts import services as accounts_services
from cameos import services

pytestmark = pytest.mark.django_db
SEARCH = "/api/v1/search"


def found(client, q, **params):
    response = client.get(SEARCH, {"q": q, "type": "cameos", **params})
    assert response.status_code == 200, response.content
    return response.json()["results"]


@pytest.fixture
def cast(make_user, me, activate_cameo):
    """astra (everyone), astra.mutual (mutuals, a mutual of me), astra.asks (approved), astra.private
    (only_me), astra.none (no cameo)."""
    people = {}
    for handle, audience in [
        ("astra", "everyone"),
        ("astra.mutual", "mutuals"),
        ("astra.asks", "approved"),
        ("astra.private", "only_me"),
    ]:
        people[handle] = make_user(handle)
        activate_cameo(people[handle], audience=audience)
    people["astra.none"] = make_user("astra.none")
    accounts_services.follow_create(follower=me, followee=people["astra.mutual"])
    accounts_services.follow_create(follower=people["astra.mutual"], followee=me)
    return people


def test_cameos_one_may_use_or_ask_for(api, cast):
    results = found(api, "astra")
    assert results[0] == {"handle": "astra", "available": True, "can_request": False, "request": None}
    assert {r["handle"]: (r["available"], r["can_request"]) for r in results} == {
        "astra": (True, False),
        "astra.mutual": (True, False),
        "astra.asks": (False, True),
    }


def test_a_stranger_never_sees_an_only_me_cameo_but_its_owner_does(client_of, make_user, activate_cameo):
    owner = make_user("secret.star")
    activate_cameo(owner, audience="only_me")
    assert found(client_of(make_user("curious")), "secret") == []
    assert found(client_of(owner), "secret") == [
        {"handle": "secret.star", "available": True, "can_request": False, "request": None}
    ]


def test_a_request_waiting_is_shown_as_requested(api, me, cast):
    services.grant_request(requester=me, owner=cast["astra.asks"])
    assert found(api, "astra.asks") == [
        {"handle": "astra.asks", "available": False, "can_request": False, "request": "requested"}
    ]


def test_prefix_and_typo(api, cast):
    assert {r["handle"] for r in found(api, "ast")} == {"astra", "astra.mutual", "astra.asks"}
    assert found(api, "asrta")[0]["handle"] == "astra"


def test_blocks_hide_cameos_both_ways(api, me, cast):
    accounts_services.block_create(blocker=me, blocked=cast["astra"])
    accounts_services.block_create(blocker=cast["astra.asks"], blocked=me)
    assert [r["handle"] for r in found(api, "astra")] == ["astra.mutual"]


def test_bad_queries_are_400_and_anonymous_is_401(api, anon, cast):
    for params in ({"q": "", "type": "cameos"}, {"q": "x" * 101, "type": "cameos"}, {"q": "astra", "type": "x"}):
        response = api.get(SEARCH, params)
        assert response.status_code == 400
        assert response.json()["error"] == "invalid"
    assert anon.get(SEARCH, {"q": "astra", "type": "cameos"}).status_code == 401


def test_pages_follow_the_cursor(api, cast):
    first = api.get(SEARCH, {"q": "astra", "type": "cameos", "limit": 2}).json()
    second = api.get(SEARCH, {"q": "astra", "type": "cameos", "limit": 2, "cursor": first["next"]}).json()
    assert [r["handle"] for r in first["results"] + second["results"]] == [r["handle"] for r in found(api, "astra")]
    assert len(first["results"]) == 2
    assert second["next"] is None


def test_a_cameo_is_found_among_more_namesakes_than_one_search_considers(api, make_user, activate_cameo):
    """More people match than one search considers (SEARCH_CANDIDATES), none of them with a cameo:
    the one who has one is still found."""
    from accounts.models import User
    from accounts.selectors import SEARCH_CANDIDATES

    User.objects.bulk_create([User(handle=f"vega{n:03d}", display_name="Vega") for n in range(SEARCH_CANDIDATES + 5)])
    owner = make_user("vega_cam", display_name="Vega")
    activate_cameo(owner, audience="everyone")
    assert [r["handle"] for r in found(api, "vega")] == ["vega_cam"]


def test_cameos_ranked_after_many_left_out_are_still_found(api, make_user, activate_cameo):
    """Access is decided a few dozen hits at a time (cameos.selectors.cameos_search): usable cameos
    ranked after more `only_me` ones than one round decides are still found, and only they."""
    from accounts.models import User
    from cameos.models import Audience, Cameo

    usable = [make_user(f"lyra.open{n}", display_name="Lyra") for n in range(3)]
    for person in usable:
        activate_cameo(person, audience="everyone")
    # Newer, so ranked first among equally close and equally followed people.
    private = User.objects.bulk_create([User(handle=f"lyra{n:03d}", display_name="Lyra") for n in range(60)])
    Cameo.objects.bulk_create([Cameo(owner=p, audience=Audience.ONLY_ME) for p in private])
    assert sorted(r["handle"] for r in found(api, "lyra")) == ["lyra.open0", "lyra.open1", "lyra.open2"]


def test_a_deactivated_person_is_found_no_more(api, cast):
    from accounts.models import User

    User.objects.filter(pk=cast["astra"].pk).update(is_active=False)  # as the admin deactivates
    assert "astra" not in [r["handle"] for r in found(api, "astra")]
    assert "astra" not in [r["handle"] for r in api.get(SEARCH, {"q": "astra"}).json()["results"]]


def test_a_minors_cameo_is_asked_for_never_available(api, me, make_user, activate_cameo):
    import datetime as dt

    from django.utils import timezone

    teen = make_user("young.star", birthdate=dt.date(timezone.localdate().year - 15, 1, 1))
    activate_cameo(teen, audience="mutuals")  # and mutuals below: for an adult, available
    accounts_services.follow_create(follower=me, followee=teen)
    accounts_services.follow_create(follower=teen, followee=me)
    assert found(api, "young") == [{"handle": "young.star", "available": False, "can_request": True, "request": None}]


def test_the_queries_do_not_grow_with_the_results(api, make_user, activate_cameo):
    """One round of access decisions (cameos_search) costs the same statements for 2 results as for
    12: nothing is read row by row (a field the cameo load leaves out would be)."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    def statements(q):
        with CaptureQueriesContext(connection) as queries:
            found(api, q)
        return len(queries.captured_queries)

    for n in range(12):
        activate_cameo(make_user(f"nova{n:02d}", display_name="Nova"), audience="everyone" if n % 2 else "mutuals")
    for n in range(2):
        activate_cameo(make_user(f"rigel{n}"), audience="everyone")
    assert len(found(api, "rigel")) == 2 and len(found(api, "nova")) == 12
    assert statements("rigel") == statements("nova")
