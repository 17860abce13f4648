"""The protected-name index of a process (moderation.selectors.name_index): a change to the registry,
to a cameo owner's protection or display name reaches the next check without rebuilding the index
from every name, and a check never waits for a rebuild that is running."""

from __future__ import annotations

import threading

import pytest

from accounts import services as accounts
from cameos import services as cameos
from moderation import consent, selectors
from moderation.names import NameIndex
from moderation.registry import person_delete, person_update
from tests.races import in_thread

pytestmark = pytest.mark.django_db


@pytest.fixture
def builds(monkeypatch):  # type: ignore[no-untyped-def]
    """How many full indexes (every name) this process built."""
    count: list[int] = []

    class Counted(NameIndex):
        def __init__(self, *args, **kwargs) -> None:  # type: ignore[no-untyped-def]
            count.append(1)
            super().__init__(*args, **kwargs)

    monkeypatch.setattr(selectors, "_build_index", Counted)
    return count


def allowed(user, prompt: str) -> bool:  # type: ignore[no-untyped-def]
    return consent.check(user, prompt).allowed


def test_a_name_protected_after_the_index_was_built_is_refused_at_the_next_check_without_a_rebuild(
    me, registry, builds
):
    assert allowed(me, "wilhelmina stroud waving")
    base = selectors.name_index().base
    assert len(builds) == 1
    person = registry("Wilhelmina Stroud", "Willa Stroud")
    assert not allowed(me, "wilhelmina stroud waving")
    assert not allowed(me, "Willa Stroud waving")  # an alias too
    assert not allowed(me, "Wilhelmina Strood waving")  # and a letter wrong
    person_update(
        person=person,
        name="Wilhelmina Stroud-Hale",
        aliases=[],
        description="",
        kind=person.kind,
        deceased=False,
        note="",
    )
    assert allowed(me, "Willa Stroud waving")  # the old alias is free
    assert not allowed(me, "Wilhelmina Stroud-Hale waving")
    assert selectors.name_index().base is base and len(builds) == 1


def test_a_name_no_longer_protected_stops_being_refused_without_a_rebuild(me, registry, builds):
    person = registry("Wilhelmina Stroud")
    assert not allowed(me, "wilhelmina stroud waving")  # built with her in it
    person_delete(person=person)
    assert allowed(me, "wilhelmina stroud waving")
    assert len(builds) == 1


def test_a_protected_owners_new_display_name_is_refused_and_the_old_one_free(me, make_user, activate_cameo, builds):
    owner = make_user("dana.k", display_name="Dana Kowalski")
    activate_cameo(owner, audience="approved")
    assert allowed(me, "Dana Kowalski skydiving")
    cameos.cameo_update(owner=owner, protect_name=True)
    assert not allowed(me, "Dana Kowalski skydiving")
    accounts.user_update(user=owner, display_name="Dana Nowak")
    assert allowed(me, "Dana Kowalski skydiving")
    assert not allowed(me, "Dana Nowak skydiving")
    cameos.cameo_update(owner=owner, protect_name=False)
    assert allowed(me, "Dana Nowak skydiving")
    assert len(builds) == 1


def test_an_owner_who_shares_a_registry_name_is_still_protected_when_the_entry_goes(
    me, make_user, activate_cameo, registry, builds
):
    owner = make_user("chris.e", display_name="Chris Evansworth")
    activate_cameo(owner, audience="approved")
    cameos.cameo_update(owner=owner, protect_name=True)
    person = registry("Chris Evansworth")
    assert [s["reason"] for s in consent.check(me, "Chris Evansworth on a boat").public()] == ["protected_person"]
    person_delete(person=person)
    # the registry entry had the name in the base index: the owner's claim to it is found instead
    assert [s["reason"] for s in consent.check(me, "Chris Evansworth on a boat").public()] == ["needs_approval"]
    assert len(builds) == 1


def test_a_bulk_write_that_names_nobody_rebuilds_at_the_next_check(me, builds):
    from moderation.models import ProtectedPerson
    from moderation.services import names_changed

    assert allowed(me, "wilhelmina stroud waving")
    ProtectedPerson.objects.bulk_create([ProtectedPerson(name="Wilhelmina Stroud", name_key="wilhelmina stroud")])
    names_changed()  # bulk writes send no signals, and this one does not say whom it changed
    assert not allowed(me, "wilhelmina stroud waving")
    assert len(builds) == 2
    assert not allowed(me, "wilhelmina stroud waving")
    assert len(builds) == 2  # once


def test_a_face_added_changes_no_name_and_rebuilds_nothing(me, registry, builds):
    from moderation.registry import face_add
    from tests import synthetic_faces as faces
    from tests.moderation.test_protected_people import jpeg

    person = registry("Eileen Collins")
    assert not allowed(me, "Eileen Collins on the moon")
    face_add(person=person, data=jpeg(faces.photo("astronaut")), source="astronaut.jpg")
    assert not allowed(me, "Eileen Collins on the moon")
    assert len(builds) == 1


@pytest.mark.django_db(transaction=True)
def test_a_check_during_a_rebuild_does_not_wait_for_it_and_refuses_a_name_protected_meanwhile(
    me, registry, monkeypatch
):
    assert allowed(me, "wilhelmina stroud waving")  # the process's first index
    old = selectors.name_index().base
    started, release = threading.Event(), threading.Event()

    class Held(NameIndex):
        def __init__(self, *args, **kwargs) -> None:  # type: ignore[no-untyped-def]
            started.set()
            assert release.wait(120)
            super().__init__(*args, **kwargs)

    monkeypatch.setattr(selectors, "_build_index", Held)
    rebuild = selectors.start_rebuild()
    assert rebuild is not None and started.wait(60)
    assert selectors.start_rebuild() is None  # one rebuild at a time
    registry("Wilhelmina Stroud")
    decided: list[bool] = []
    checker = in_thread(lambda: decided.append(allowed(me, "wilhelmina stroud waving")))
    checker.join(60)  # a deadlock detector: the rebuild is held until the check is done
    finished = not checker.is_alive()
    release.set()
    rebuild.join(120)
    assert finished and decided == [False]
    assert selectors.name_index().base is not old  # the rebuilt base, swapped in
    assert not allowed(me, "wilhelmina stroud waving")
