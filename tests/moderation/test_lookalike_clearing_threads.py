"""Two connections: a look-alike's own requests racing an operator's clearing of her. Her PATCH
audience=everyone is authenticated (her row read, approval_only false) while the clearing holds her,
then waits on her cameo row: once the clearing commits it still refuses. And the admin's save of the
entry does not deadlock with her PATCH protect_name."""

from __future__ import annotations

import threading
import time
from typing import Any

import pytest
from django.db import transaction
from django.urls import reverse

from accounts.models import User
from moderation import registry
from tests.moderation import test_registry
from tests.moderation.test_protected_lookalikes import change_form
from tests.races import in_thread

pytestmark = pytest.mark.django_db(transaction=True)
staff = test_registry.staff  # a client signed in to the admin as staff


def test_her_patch_racing_the_clearing_leaves_no_cameo_open_to_everyone(make_user, activate_cameo, client_of):
    lia = make_user("lia.lookalike")
    activate_cameo(lia, audience="approved")
    person, _ = registry.person_upsert(name="Odile Marchetti", description="the presenter of a quiz show")
    api = client_of(lia)
    held = threading.Event()
    errors: list[Any] = []
    answers: dict[str, int] = {}

    def clear() -> None:
        with transaction.atomic():
            registry.person_set_lookalikes(person=person, accounts=[User.objects.get(pk=lia.pk)])
            held.set()
            time.sleep(1.5)  # her PATCH authenticates meanwhile, then waits on her cameo row

    clearing = in_thread(clear, name="clear", errors=errors)
    assert held.wait(timeout=30)
    patching = in_thread(
        lambda: answers.update(patch=api.patch("/api/v1/cameo", {"audience": "everyone"}, format="json").status_code),
        name="patch",
        errors=errors,
    )
    clearing.join(timeout=60)
    patching.join(timeout=60)

    assert errors == []
    lia.refresh_from_db()
    assert lia.approval_only
    assert (answers["patch"], lia.cameo.audience) == (400, "approved")


@pytest.mark.postgres  # SQLite serialises whole transactions: no row locks to invert
def test_an_operator_saving_an_entry_and_its_look_alike_protecting_her_name_at_once_do_not_deadlock(
    make_user, activate_cameo, client_of, staff, monkeypatch
):
    """The admin's save writes the entry first (person_update: post_save -> names_changed ->
    NamesVersion row), then person_set_lookalikes holds the look-alike (her cameo row first). Her
    PATCH /cameo protect_name holds her cameo row, then writes NamesVersion: opposite orders, and
    PostgreSQL aborted one of the two (deadlock detected: a 500). The admin holds them first now."""
    lia = make_user("lia.lookalike", display_name="Lia Lookalike")
    activate_cameo(lia, audience="approved")
    person, _ = registry.person_upsert(name="Odile Marchetti", description="the presenter of a quiz show")
    api = client_of(lia)
    wrote_entry, go_on = threading.Event(), threading.Event()
    errors: list[Any] = []
    answers: dict[str, int] = {}
    real = registry.person_set_lookalikes

    def paused(**kwargs: Any) -> Any:
        wrote_entry.set()
        assert go_on.wait(timeout=30)
        return real(**kwargs)

    monkeypatch.setattr(registry, "person_set_lookalikes", paused)
    url = reverse("admin:moderation_protectedperson_change", args=[person.pk])
    form = change_form(person, description="the presenter of a quiz show on Sundays", lookalikes=str(lia.pk))
    saving = in_thread(lambda: answers.update(admin=staff.post(url, form).status_code), name="admin", errors=errors)
    assert wrote_entry.wait(timeout=30)
    patching = in_thread(
        lambda: answers.update(patch=api.patch("/api/v1/cameo", {"protect_name": True}, format="json").status_code),
        name="patch",
        errors=errors,
    )
    time.sleep(1.0)  # her PATCH holds her cameo row and waits on NamesVersion (or, fixed, on the admin's hold)
    go_on.set()
    saving.join(timeout=60)
    patching.join(timeout=60)

    assert (errors, answers) == ([], {"admin": 302, "patch": 200})
