"""GET /api/v1/search?type=people: by handle and display name, prefix and typo tolerant, closest first
then most followed; never anyone in a block with the caller; bad queries are 400 in the error shape.
The same tests run on SQLite (FTS5) and PostgreSQL (pg_trgm)."""

import pytest

from accounts import services

pytestmark = pytest.mark.django_db
SEARCH = "/api/v1/search"


def handles(response):
    assert response.status_code == 200, response.content
    return [person["handle"] for person in response.json()["results"]]


@pytest.fixture
def astra(make_user):
    return make_user("astra", display_name="Astra Nova")


def test_the_exact_handle_comes_first_then_the_most_followed(api, make_user, astra):
    popular = make_user("astra.fan", display_name="Fan Club")
    make_user("astral_plane")
    for n in range(3):
        services.follow_create(follower=make_user(f"follower{n}"), followee=popular)
    make_user("bob", display_name="Bob")
    assert handles(api.get(SEARCH, {"q": "astra"})) == ["astra", "astra.fan", "astral_plane"]
    assert handles(api.get(SEARCH, {"q": "@Astra", "type": "people"}))[0] == "astra"


def test_the_most_followed_of_many_namesakes_comes_first(api, make_user):
    """More names start with the query than one search ranks (SEARCH_CANDIDATES, the first by name),
    and the most followed of them sorts last by name: still first on page 1, as are the followed
    ones after it (the most followed people are always candidates: accounts.selectors._POPULAR)."""
    from accounts.models import User
    from accounts.selectors import SEARCH_CANDIDATES

    User.objects.bulk_create(
        [User(handle=f"jonas.a{i:03d}", display_name=f"Jonas A{i:03d}") for i in range(SEARCH_CANDIDATES + 10)]
    )
    star, runner_up = make_user("jonas.zeta", display_name="Jonas Zeta"), make_user("jonas.yara")
    fans = [make_user(f"fan{n}") for n in range(3)]
    for fan in fans:
        services.follow_create(follower=fan, followee=star)
    services.follow_create(follower=fans[0], followee=runner_up)
    assert handles(api.get(SEARCH, {"q": "jonas"}))[:2] == ["jonas.zeta", "jonas.yara"]
    assert handles(api.get(SEARCH, {"q": "Jon"}))[:2] == ["jonas.zeta", "jonas.yara"]


def test_the_ranking_counts_follows_however_they_start_or_end(api, make_user):
    """Follower counts are kept by the database (accounts.models.FollowerCount): a follow, an
    unfollow, a block (which ends follows both ways), an erased follower and a bulk insert all
    count, so the most followed of equally close people come first."""
    from accounts.models import Follow, FollowerCount

    first, second = make_user("vela.one"), make_user("vela.two")
    fans = [make_user(f"fan{n}") for n in range(4)]
    for fan in fans[:3]:
        services.follow_create(follower=fan, followee=first)
    services.follow_create(follower=fans[0], followee=first)  # again: changes nothing
    services.follow_create(follower=fans[3], followee=second)
    assert handles(api.get(SEARCH, {"q": "vela"})) == ["vela.one", "vela.two"]
    services.follow_delete(follower=fans[0], followee=first)
    services.block_create(blocker=first, blocked=fans[1])
    services.account_erase(user=fans[2])
    Follow.objects.bulk_create([Follow(follower=f, followee=second) for f in (make_user("fan4"), make_user("fan5"))])
    assert handles(api.get(SEARCH, {"q": "vela"})) == ["vela.two", "vela.one"]
    counts = dict(FollowerCount.objects.filter(user__in=[first, second]).values_list("user_id", "followers"))
    assert counts == {first.pk: 0, second.pk: 3}


def test_a_follow_moved_to_someone_else_moves_the_count(db, make_user):
    """The admin can edit a follow's followee: the count follows it (a database trigger)."""
    from accounts.models import Follow, FollowerCount

    fan, first, second = make_user("fan"), make_user("first"), make_user("second")
    services.follow_create(follower=fan, followee=first)
    Follow.objects.filter(follower=fan).update(followee=second)
    counts = dict(FollowerCount.objects.filter(user__in=[first, second]).values_list("user_id", "followers"))
    assert counts == {first.pk: 0, second.pk: 1}


def test_digits_in_a_name_find_the_person(api, make_user):
    make_user("neo.one", display_name="Neo 1999")
    assert handles(api.get(SEARCH, {"q": "1999"})) == ["neo.one"]


@pytest.mark.parametrize("q", ["\U0010ffff", "a\ud7ff", "\U0010ffff\U0010ffff"])
def test_a_query_ending_in_the_last_code_points_is_answered(api, astra, q):
    response = api.get(SEARCH, {"q": q})
    assert response.status_code == 200, response.content
    assert response.json()["results"] == []


def test_a_person_is_found_by_a_prefix_of_their_handle_or_display_name(api, make_user, astra):
    make_user("zed")
    assert handles(api.get(SEARCH, {"q": "ast"})) == ["astra"]
    assert handles(api.get(SEARCH, {"q": "nov"})) == ["astra"]
    assert api.get(SEARCH, {"q": "ast"}).json()["results"] == [{"handle": "astra", "display_name": "Astra Nova"}]


def test_a_typo_still_finds_them(api, make_user, astra):
    make_user("asterix.gaul", display_name="Gaul")
    assert handles(api.get(SEARCH, {"q": "asrta"}))[0] == "astra"
    assert handles(api.get(SEARCH, {"q": "astar nova"}))[0] == "astra"


def test_nobody_matches_nonsense(api, astra):
    assert handles(api.get(SEARCH, {"q": "qqqqzzzz"})) == []


def test_blocks_hide_people_both_ways(api, me, make_user, astra):
    blocked_by_me = make_user("astra.blocked")
    blocker = make_user("astra.blocker")
    services.block_create(blocker=me, blocked=blocked_by_me)
    services.block_create(blocker=blocker, blocked=me)
    assert handles(api.get(SEARCH, {"q": "astra"})) == ["astra"]


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"q": ""}, "q"),
        ({"q": "   "}, "q"),
        ({"q": "a" * 101}, "q"),
        ({}, "q"),
        # Only invisible characters: as blank as spaces (a zero-width space, a BOM, a word joiner).
        ({"q": "\u200b"}, "q"),
        ({"q": " \ufeff\u2060\u200d "}, "q"),
        ({"q": "astra", "type": "songs"}, "type"),
        # Given twice: which one counts would be a guess (the last did, silently).
        ({"q": ["astra", "nova"]}, "q"),
        ({"q": "astra", "type": ["people", "videos"]}, "type"),
        ({"q": "astra", "limit": ["1", "50"]}, "limit"),
        ({"q": "astra", "cursor": ["a", "b"]}, "cursor"),
    ],
)
def test_bad_queries_are_400_in_the_error_shape(api, params, field):
    response = api.get(SEARCH, params)
    assert response.status_code == 400
    assert response.json()["error"] == "invalid"
    assert field in response.json()["fields"]


def test_a_query_of_100_characters_is_fine(api):
    assert handles(api.get(SEARCH, {"q": "a" * 100})) == []


def test_anonymous_is_401(anon):
    response = anon.get(SEARCH, {"q": "astra"})
    assert response.status_code == 401
    assert "error" in response.json()


def test_pages_follow_the_cursor_to_the_end(api, make_user):
    for n in range(5):
        make_user(f"comet{n}")
    first = api.get(SEARCH, {"q": "comet", "limit": 2}).json()
    second = api.get(SEARCH, {"q": "comet", "limit": 2, "cursor": first["next"]}).json()
    third = api.get(SEARCH, {"q": "comet", "limit": 2, "cursor": second["next"]}).json()
    seen = [p["handle"] for page in (first, second, third) for p in page["results"]]
    assert sorted(seen) == [f"comet{n}" for n in range(5)]
    assert len(set(seen)) == 5
    assert third["next"] is None


def test_a_cursor_of_another_query_is_refused(api, make_user):
    for n in range(3):
        make_user(f"comet{n}")
    first = api.get(SEARCH, {"q": "comet", "limit": 1}).json()
    response = api.get(SEARCH, {"q": "come", "cursor": first["next"]})
    assert response.status_code == 400
    assert response.json()["error"] == "invalid_cursor"


def test_searches_are_rate_limited(api, settings, astra, mid_window):
    settings.CASTFEED_CORE = {**settings.CASTFEED_CORE, "THROTTLE_RATES": {"search": "2/minute"}}
    assert [api.get(SEARCH, {"q": "astra"}).status_code for _ in range(3)] == [200, 200, 429]


def test_a_renamed_person_is_found_by_the_new_name(api, me, astra):
    services.user_update(user=astra, display_name="Polaris")
    assert handles(api.get(SEARCH, {"q": "polaris"})) == ["astra"]
    assert handles(api.get(SEARCH, {"q": "nova"})) == []


@pytest.mark.postgres
def test_a_typo_in_the_first_letters_is_found_on_postgresql(api, make_user, astra):
    """PostgreSQL corrects each word against the words people have (trigrams, any position); SQLite's
    FTS5 path needs the first two letters right."""
    make_user("mila.rossi", display_name="Mila Rossi")
    make_user("milo.berg", display_name="Milo Berg")
    assert handles(api.get(SEARCH, {"q": "mlia"}))[0] == "mila.rossi"
    assert handles(api.get(SEARCH, {"q": "mila rsosi"}))[0] == "mila.rossi"
    assert handles(api.get(SEARCH, {"q": "brg"})) == ["milo.berg"]  # a letter left out
    assert handles(api.get(SEARCH, {"q": "rossi"})) == ["mila.rossi"]  # a later word, by its prefix too


@pytest.mark.postgres
def test_a_new_name_is_corrected_too_on_postgresql(api, astra):
    """The word dictionary follows renames and new people (database triggers)."""
    services.user_update(user=astra, display_name="Polaris Vantablack")
    assert handles(api.get(SEARCH, {"q": "vantabalck"})) == ["astra"]
    services.user_register(handle="orion.quasar", password="a long enough password 1")
    assert handles(api.get(SEARCH, {"q": "qusar"})) == ["orion.quasar"]


@pytest.mark.postgres
def test_a_later_word_in_any_script_is_found_on_postgresql(api, make_user):
    """PostgreSQL splits the query as it split the names (letters and digits of every script), so a
    surname with vowel signs or a Turkish dotted capital is found."""
    make_user("rahul.k", display_name="Rahul कुमार")
    make_user("deniz.i", display_name="Deniz İnce")
    assert handles(api.get(SEARCH, {"q": "कुमार"})) == ["rahul.k"]
    assert handles(api.get(SEARCH, {"q": "İnce"})) == ["deniz.i"]


@pytest.mark.postgres
def test_an_erased_persons_words_leave_the_dictionary_on_postgresql(db, make_user):
    """The typo dictionary keeps only words someone active has: an erased account's rare surname goes,
    a word someone else still has stays."""
    from django.db import connection

    def words():
        with connection.cursor() as cursor:
            cursor.execute("SELECT word FROM accounts_nameword WHERE word IN ('quixotic', 'zebulon', 'vane')")
            return sorted(r[0] for r in cursor.fetchall())

    leaving = make_user("zebulon.q", display_name="Zebulon Quixotic")
    make_user("other.z", display_name="Zebulon Vane")
    assert words() == ["quixotic", "vane", "zebulon"]
    services.account_erase(user=leaving)
    assert words() == ["vane", "zebulon"]


@pytest.mark.postgres
def test_postgresql_searches_with_its_own_indexes(db):
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT indexname FROM pg_indexes WHERE tablename IN ('accounts_user', 'accounts_nameword') "
            "AND indexname NOT LIKE '%pkey' AND indexname NOT LIKE '%key' AND indexname NOT LIKE '%like'"
        )
        assert sorted(r[0] for r in cursor.fetchall()) == [
            "accounts_nameword_trgm",
            "accounts_user_display_name_prefix",
            "accounts_user_handle_prefix",
            "accounts_user_words",
        ]
