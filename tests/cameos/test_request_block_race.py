"""A cameo request and a block between the same two people at once: whichever commits first, no
request is left waiting across the block, and the owner is not asked about it. The request holds
both people first, as the block does (accounts.services.people_hold). Each in its own thread and
database connection, against committed data (SQLite with IMMEDIATE transactions by default;
PostgreSQL when DATABASE_URL says so)."""

from __future__ import annotations

import threading
import time
from typing import Any

import pytest

from cameos import selectors
from cameos.models import CameoGrant
from tests.races import in_thread

pytestmark = pytest.mark.django_db(transaction=True)


def _asking_slowly(asker: Any, answers: dict[str, int], errors: list[Any], monkeypatch: Any) -> threading.Thread:
    """The asker's request for @me.myself's cameo in a thread, returned once it has read what the asker
    may do; it goes on half a second later, while the test makes its change."""
    checked = threading.Event()
    real = selectors.cameo_access

    def slow_access(cameo: Any, viewer: Any) -> Any:
        access = real(cameo, viewer)
        checked.set()
        time.sleep(0.5)
        return access

    monkeypatch.setattr(selectors, "cameo_access", slow_access)
    asking = in_thread(
        lambda: answers.update(ask=asker.post("/api/v1/cameos/me.myself/requests").status_code),
        name="ask",
        errors=errors,
    )
    assert checked.wait(timeout=30)
    return asking


@pytest.mark.parametrize("blocker_is_owner", [True, False], ids=["owner-blocks", "requester-blocks"])
def test_a_cameo_request_racing_a_block_leaves_no_request_across_it(
    blocker_is_owner, me, make_user, client_of, activate_cameo, monkeypatch
):
    activate_cameo(me)
    asker = make_user("the.asker")
    answers: dict[str, int] = {}
    errors: list[Any] = []
    asking = _asking_slowly(client_of(asker), answers, errors, monkeypatch)
    if blocker_is_owner:
        block = lambda: answers.update(block=client_of(me).put("/api/v1/users/the.asker/block").status_code)  # noqa: E731
    else:
        block = lambda: answers.update(block=client_of(asker).put("/api/v1/users/me.myself/block").status_code)  # noqa: E731
    blocking = in_thread(block, name="block", errors=errors)
    asking.join(timeout=60)
    blocking.join(timeout=60)

    assert errors == []
    assert answers["block"] == 204
    assert answers["ask"] == 201  # asked before the block: the block then ends it
    assert not CameoGrant.objects.filter(status=CameoGrant.Status.REQUESTED).exists()
    owner = client_of(me)
    assert owner.get("/api/v1/cameo/requests").json()["results"] == []
    kinds = [n["kind"] for n in owner.get("/api/v1/notifications").json()["results"]]
    assert "cameo_requested" not in kinds


def test_asking_while_the_owner_deletes_the_cameo_leaves_no_request(
    me, make_user, client_of, activate_cameo, monkeypatch
):
    """The owner's DELETE /cameo waits for the request that holds her, then erases it with the cameo."""
    from cameos.models import Cameo

    activate_cameo(me)
    asker = make_user("the.asker")
    answers: dict[str, int] = {}
    errors: list[Any] = []
    asking = _asking_slowly(client_of(asker), answers, errors, monkeypatch)
    deleting = in_thread(
        lambda: answers.update(delete=client_of(me).delete("/api/v1/cameo").status_code), name="delete", errors=errors
    )
    asking.join(timeout=60)
    deleting.join(timeout=60)

    assert errors == []
    assert answers == {"ask": 201, "delete": 204}
    assert not Cameo.objects.exists()
    assert not CameoGrant.objects.exists()
