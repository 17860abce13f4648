"""For You: what a viewer would notice about the ranking, the filters and the pages."""

import datetime as dt

import pytest
from django.utils import timezone

from accounts import services as accounts_services
from feed import services
from feed.conf import conf
from feed.models import Video

pytestmark = pytest.mark.django_db
FEED = "/api/v1/feed"


def age(video, hours):
    """Pretend the video was published `hours` ago (its rank keeps its engagement)."""
    published = timezone.now() - dt.timedelta(hours=hours)
    Video.objects.filter(pk=video.pk).update(published_at=published, time_score=services.time_score(published))
    services._bump(video.pk)
    services.expire_fresh()  # what the every-minute task would have done by now


def engage(video, likes=0, comments=0):
    Video.objects.filter(pk=video.pk).update(like_count=likes, comment_count=comments)
    services._bump(video.pk)


def ids(response):
    assert response.status_code == 200, response.content
    return [v["id"] for v in response.json()["results"]]


def all_pages(client, limit=5, **query):
    seen, cursor, pages = [], None, 0
    while True:
        params = {"limit": limit, **query} | ({"cursor": cursor} if cursor else {})
        body = client.get(FEED, params).json()
        seen += [v["id"] for v in body["results"]]
        cursor, pages = body["next"], pages + 1
        if not cursor or pages > 100:
            return seen


@pytest.fixture
def authors(make_user):
    return [make_user(f"author{i}") for i in range(6)]


def test_engagement_ranks_and_time_decays(api, authors, make_video):
    old_hit, new_hit, new_dud = make_video(authors[0]), make_video(authors[1]), make_video(authors[2])
    engage(old_hit, likes=500)
    age(old_hit, 100)  # ln(501) - 100/8 ranks below a fresh-ish video with no likes
    engage(new_hit, likes=50)
    engage(new_dud, likes=0)
    for v in (new_hit, new_dud):
        age(v, 30)  # outside the fresh window, like old_hit
    assert ids(api.get(FEED)) == [new_hit.pk, new_dud.pk, old_hit.pk]
    age(old_hit, 31)
    assert ids(api.get(FEED))[0] == old_hit.pk  # as recent and far more liked


def test_comments_and_completed_views_count_more_than_likes(api, authors, make_video):
    liked, discussed = make_video(authors[0]), make_video(authors[1])
    engage(liked, likes=5)
    engage(discussed, comments=2)
    assert ids(api.get(FEED))[:2] == [discussed.pk, liked.pk]


def test_people_i_follow_and_mutuals_rank_higher(api, me, authors, make_video):
    stranger_hit, followed, mutual = make_video(authors[0]), make_video(authors[1]), make_video(authors[2])
    engage(stranger_hit, likes=3)
    for v in (stranger_hit, followed, mutual):
        age(v, 30)  # out of the fresh window: boosts do not add up, the largest applies
    accounts_services.follow_create(follower=me, followee=authors[1])
    accounts_services.follow_create(follower=me, followee=authors[2])
    accounts_services.follow_create(follower=authors[2], followee=me)
    assert ids(api.get(FEED))[:3] == [mutual.pk, followed.pk, stranger_hit.pk]


def test_videos_showing_people_i_follow_rank_higher(api, me, authors, make_video):
    plain, showing = make_video(authors[0]), make_video(authors[1], people=(authors[3],))
    engage(plain, likes=1)
    for v in (plain, showing):
        age(v, 30)
    assert ids(api.get(FEED))[:2] == [plain.pk, showing.pk]
    accounts_services.follow_create(follower=me, followee=authors[3])
    assert ids(api.get(FEED))[:2] == [showing.pk, plain.pk]


def test_someone_found_in_a_video_without_their_consent_does_not_lift_it_for_their_followers(
    api, me, authors, make_video
):
    """A face scan found authors[3] in authors[1]'s video, where their cameo does not admit its author
    (not named in its `cameos`): following authors[3] does not rank it higher. Before, it did, which
    told their followers where they had been found."""
    plain, found_in = make_video(authors[0]), make_video(authors[1])
    services.video_add_person(video=found_in, user=authors[3], credited=False)
    engage(plain, likes=1)
    for v in (plain, found_in):
        age(v, 30)
    accounts_services.follow_create(follower=me, followee=authors[3])
    assert ids(api.get(FEED))[:2] == [plain.pk, found_in.pk]
    assert api.get(f"/api/v1/videos/{found_in.pk}").json()["cameos"] == []


def test_fresh_videos_get_seen(api, authors, make_video):
    veteran, newcomer = make_video(authors[0]), make_video(authors[1])
    engage(veteran, likes=8)
    age(veteran, 25)
    age(newcomer, 1)
    # 24 hours of decay would leave the veteran far ahead; the fresh boost puts the newcomer first.
    assert ids(api.get(FEED))[:2] == [newcomer.pk, veteran.pk]


def test_no_more_than_two_in_a_row_from_one_author(api, authors, make_video):
    prolific = [make_video(authors[0]) for _ in range(6)]
    for i, v in enumerate(prolific):
        engage(v, likes=100 - i)
    others = [make_video(authors[1 + i % 3]) for i in range(6)]
    feed = all_pages(api, limit=4)
    by_id = {v.pk: v.author_id for v in prolific + others}
    authors_in_order = [by_id[i] for i in feed]
    assert sorted(feed) == sorted(by_id)
    for a, b, c in zip(authors_in_order, authors_in_order[1:], authors_in_order[2:], strict=False):
        assert not (a == b == c)


def test_watched_blocked_and_own_videos_are_left_out(api, me, authors, make_video):
    watched, partly, _blocked, _blocker, _mine, fine = (
        make_video(authors[0]),
        make_video(authors[1]),
        make_video(authors[2]),
        make_video(authors[3]),
        make_video(me),
        make_video(authors[4]),
    )
    services.view_record(viewer=me, video=watched, watched_ms=500, completed=True)
    services.view_record(viewer=me, video=partly, watched_ms=100, completed=False)
    accounts_services.block_create(blocker=me, blocked=authors[2])
    accounts_services.block_create(blocker=authors[3], blocked=me)
    assert sorted(ids(api.get(FEED))) == sorted([partly.pk, fine.pk])


def test_drafts_and_removed_videos_never_show(anon, authors, make_video):
    shown = make_video(authors[0])
    make_video(authors[1], publish=False)
    services.video_take_down(video=make_video(authors[2]), reason="x")
    assert ids(anon.get(FEED)) == [shown.pk]


def test_pages_cover_every_video_exactly_once(api, me, authors, make_video):
    accounts_services.follow_create(follower=me, followee=authors[0])
    accounts_services.follow_create(follower=me, followee=authors[1])
    accounts_services.follow_create(follower=authors[1], followee=me)
    videos = [make_video(authors[i % 6], people=(authors[5],) if i % 4 == 0 else ()) for i in range(37)]
    accounts_services.follow_create(follower=me, followee=authors[5])
    for i, v in enumerate(videos):
        engage(v, likes=(i * 7) % 11)
        if i % 3 == 0:
            age(v, 30 + i)
    for limit in (1, 4, 20):
        feed = all_pages(api, limit=limit)
        assert len(feed) == len(set(feed)) == 37, limit


def test_a_follow_back_while_scrolling_shows_no_video_twice(api, me, authors, make_video):
    accounts_services.follow_create(follower=me, followee=authors[0])  # followed, not yet mutual
    for i in range(40):
        make_video(authors[i % 2])
    body = api.get(FEED, {"limit": 3}).json()
    shown = [v["id"] for v in body["results"]]
    accounts_services.follow_create(follower=authors[0], followee=me)  # mutual from now on
    cursor = body["next"]
    while cursor:
        body = api.get(FEED, {"limit": 3, "cursor": cursor}).json()
        shown += [v["id"] for v in body["results"]]
        cursor = body["next"]
    assert len(shown) == len(set(shown))


def test_anonymous_gets_the_global_ranking(anon, authors, make_video):
    videos = [make_video(authors[i]) for i in range(3)]
    for i, v in enumerate(videos):
        engage(v, likes=i)
    assert ids(anon.get(FEED)) == [videos[2].pk, videos[1].pk, videos[0].pk]
    assert anon.get(FEED).json()["results"][0]["liked"] is False


def test_tampered_cursor_is_400(api, authors, make_video):
    for i in range(4):
        make_video(authors[i])
    cursor = api.get(FEED, {"limit": 2}).json()["next"]
    response = api.get(FEED, {"cursor": cursor[:-3] + "abc"})
    assert response.status_code == 400
    assert response.json()["error"] == "invalid_cursor"
    assert api.get(FEED, {"cursor": "x" * 5000}).status_code == 400


def test_a_fixed_number_of_queries_whatever_the_page_size_or_depth(
    api, me, authors, make_video, django_assert_max_num_queries
):
    accounts_services.follow_create(follower=me, followee=authors[0])
    for i in range(60):
        video = make_video(authors[i % 6], people=(authors[0],) if i % 5 == 0 else ())
        engage(video, likes=i % 9, comments=i % 3)
    cursor = None
    for limit in (1, 10, 50):
        with django_assert_max_num_queries(5):  # auth + candidates + videos + people + likes
            body = api.get(FEED, {"limit": limit}).json()
        assert len(body["results"]) == limit
    for _ in range(10):  # deep pages cost the same
        with django_assert_max_num_queries(5):
            body = api.get(FEED, {"limit": 5, **({"cursor": cursor} if cursor else {})}).json()
        cursor = body["next"]


def test_new_videos_carry_a_freshness_bonus_until_the_periodic_task_expires_it(me, other, make_video, settings):
    video = make_video(other, people=(me,))
    assert video.bonus == conf().boost_fresh
    before = video.hot_score
    assert services.expire_fresh() == 0  # still new
    later = timezone.now() + dt.timedelta(seconds=conf().fresh_seconds + 60)
    assert services.expire_fresh(now=later) == 1
    video.refresh_from_db()
    assert video.bonus == 0
    assert video.hot_score == pytest.approx(before - conf().boost_fresh)
    assert video.person_rows.get().hot_score == pytest.approx(video.hot_score)
    assert services.expire_fresh(now=later) == 0
    assert "feed.expire_fresh" in {entry["task"] for entry in settings.CELERY_BEAT_SCHEDULE.values()}


def test_liked_is_right_on_every_page(api, me, authors, make_video):
    videos = [make_video(authors[i % 2]) for i in range(9)]
    for i, v in enumerate(videos):
        engage(v, likes=20 - i)
    liked = {v.pk for v in videos[::3]}
    for video in videos:
        if video.pk in liked:
            services.like_create(user=me, video=video)
    seen, cursor = {}, None
    while True:
        body = api.get(FEED, {"limit": 2} | ({"cursor": cursor} if cursor else {})).json()
        seen.update({v["id"]: v["liked"] for v in body["results"]})
        cursor = body["next"]
        if not cursor:
            break
    assert seen == {v.pk: v.pk in liked for v in videos}
