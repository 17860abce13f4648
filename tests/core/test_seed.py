"""`manage.py seed` makes a skewed, consistent data set that people can sign in to."""

import io

import pytest
from django.core.management import call_command
from django.db.models import Count, F

from accounts.models import Block, Follow, User
from accounts.seed import SEED_PASSWORD

pytestmark = pytest.mark.django_db


def test_seed_makes_a_realistic_graph(anon):
    call_command("seed", users=400, follows=6000, blocks=20, stdout=io.StringIO())
    assert User.objects.count() == 400
    assert Block.objects.count() == 20
    follows = Follow.objects.count()
    assert 5800 <= follows <= 6000  # follows across a block are dropped
    assert not Follow.objects.filter(follower=F("followee")).exists()
    for block in Block.objects.all():
        assert not Follow.objects.filter(follower=block.blocker_id, followee=block.blocked_id).exists()
        assert not Follow.objects.filter(follower=block.blocked_id, followee=block.blocker_id).exists()
    counts = sorted(Follow.objects.values("followee").annotate(n=Count("*")).values_list("n", flat=True))
    assert counts[-1] > 10 * counts[len(counts) // 2]  # a few popular people, most with few followers
    assert 0 < sum(u.is_minor for u in User.objects.all()) < 100
    handle = User.objects.order_by("?").values_list("handle", flat=True).first()
    response = anon.post("/api/v1/auth/token", {"handle": handle, "password": SEED_PASSWORD}, format="json")
    assert response.status_code == 200


def test_seed_twice_adds_more_people_without_clashes():
    call_command("seed", users=50, follows=100, stdout=io.StringIO())
    call_command("seed", users=50, follows=100, seed=7, stdout=io.StringIO())
    assert User.objects.count() == 100
    user = User.objects.create_user("after.seed", "a-long-enough-password")  # the id sequence moved on
    assert user.pk > 100
