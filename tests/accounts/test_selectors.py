"""The relation selectors the consent gate calls on every generation: right answers, one query."""

import pytest

from accounts import selectors, services

pytestmark = pytest.mark.django_db


def test_relations_in_every_direction(me, make_user, django_assert_num_queries):
    fan, star, friend, blocked, blocker, stranger = (make_user() for _ in range(6))
    services.follow_create(follower=fan, followee=me)
    services.follow_create(follower=me, followee=star)
    services.follow_create(follower=me, followee=friend)
    services.follow_create(follower=friend, followee=me)
    services.block_create(blocker=me, blocked=blocked)
    services.block_create(blocker=blocker, blocked=me)
    people = [fan, star, friend, blocked, blocker, stranger]
    with django_assert_num_queries(1):
        relations = selectors.relations_from(me.pk, [p.pk for p in people])
    assert relations[fan.pk].follows_me and not relations[fan.pk].i_follow
    assert relations[star.pk].i_follow and not relations[star.pk].is_mutual
    assert relations[friend.pk].is_mutual
    assert relations[blocked.pk].blocked_by_me and relations[blocked.pk].blocked_either_way
    assert relations[blocker.pk].blocked_by_them and relations[blocker.pk].blocked_either_way
    assert relations[stranger.pk] == selectors.NO_RELATION
    assert selectors.are_mutuals(me.pk, friend.pk) and selectors.are_mutuals(friend.pk, me.pk)
    assert not selectors.are_mutuals(me.pk, fan.pk)
    assert selectors.is_blocked_between(me.pk, blocker.pk)
    assert selectors.is_blocked_between(blocker.pk, me.pk)
    assert selectors.is_blocked_between(blocked.pk, me.pk)
    assert not selectors.is_blocked_between(me.pk, stranger.pk)


def test_relation_with_myself_or_nobody_costs_nothing(me, django_assert_num_queries):
    with django_assert_num_queries(0):
        assert selectors.relations_from(me.pk, [me.pk]) == {}
        assert selectors.relations_from(me.pk, []) == {}
