"""A follow and a block of the same two people at once: whichever comes first, no follow is left
across the block (the block ends follows both ways; a follow after it is refused). Each request in
its own thread and database connection, against committed data (SQLite with IMMEDIATE transactions
by default; PostgreSQL when DATABASE_URL says so)."""

from __future__ import annotations

import threading
import time
from typing import Any

import pytest

from accounts import services
from accounts.models import Block, Follow, User
from tests.races import in_thread, while_erasing_paused_at_the_end

pytestmark = pytest.mark.django_db(transaction=True)


def test_a_follow_racing_a_block_leaves_no_follow_across_the_block(make_user, client_of, monkeypatch):
    me, other = make_user("the.follower"), make_user("the.blocker")
    follower, blocker = client_of(me), client_of(other)
    checked = threading.Event()
    real = services.relation_between

    def slow_relation(me_id, other_id):  # type: ignore[no-untyped-def]
        """The follow has read how the two stand; the block is made while it goes on."""
        relation = real(me_id, other_id)
        checked.set()
        time.sleep(0.5)
        return relation

    monkeypatch.setattr(services, "relation_between", slow_relation)
    responses = {}

    def block() -> None:
        checked.wait(timeout=10)
        responses["block"] = blocker.put("/api/v1/users/the.follower/block")

    threads = [
        in_thread(lambda: responses.update(follow=follower.put("/api/v1/users/the.blocker/follow"))),
        in_thread(block),
    ]
    for thread in threads:
        thread.join(timeout=60)

    assert responses["block"].status_code == 204
    assert responses["follow"].status_code in (204, 404)
    assert Block.objects.filter(blocker=other, blocked=me).exists()
    assert not Follow.objects.exists()


@pytest.mark.postgres
@pytest.mark.parametrize("url", ["follow", "block", "block?videos=delete"])
def test_a_follow_or_block_sent_while_my_account_is_erased_on_another_device_is_a_404(url, make_user, client_of):
    """My erasure holds my account row while my other device follows or blocks someone: the follow or
    block waits for it (people_hold), then finds me gone. Before, it checked only the other person and
    wrote the follow or block of an account that no longer existed, which failed its foreign key at
    commit: a 500."""
    me, other = make_user("the.follower"), make_user("the.other")
    other_device = client_of(me)  # signed in before the erasure
    answers: dict[str, Any] = {}
    errors = while_erasing_paused_at_the_end(  # my account row held
        me, lambda: answers.update(answer=other_device.put(f"/api/v1/users/the.other/{url}")), names=("erase", "follow")
    )

    assert errors == []
    assert answers["answer"].status_code == 404, answers["answer"].content
    assert not User.objects.filter(pk=me.pk).exists() and User.objects.filter(pk=other.pk).exists()
    assert not Follow.objects.exists() and not Block.objects.exists()
