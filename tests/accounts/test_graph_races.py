"""A follow and a block of the same two people at once: whichever comes first, no follow is left
across the block (the block ends follows both ways; a follow after it is refused). Each request in
its own thread and database connection, against committed data (SQLite with IMMEDIATE transactions
by default; PostgreSQL when DATABASE_URL says so)."""

from __future__ import annotations

import threading
import time

import pytest
from django.db import connections

from accounts import services
from accounts.models import Block, Follow

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

    def follow() -> None:
        try:
            responses["follow"] = follower.put("/api/v1/users/the.blocker/follow")
        finally:
            connections.close_all()

    def block() -> None:
        try:
            checked.wait(timeout=10)
            responses["block"] = blocker.put("/api/v1/users/the.follower/block")
        finally:
            connections.close_all()

    threads = [threading.Thread(target=follow), threading.Thread(target=block)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)

    assert responses["block"].status_code == 204
    assert responses["follow"].status_code in (204, 404)
    assert Block.objects.filter(blocker=other, blocked=me).exists()
    assert not Follow.objects.exists()
