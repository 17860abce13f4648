"""moderation 0014: a person registered with a Latin letter with a hook in their name gets the key the
registry computes now that fold reads that letter ("Ƈ" is "c"), so an import of them updates them
instead of registering them twice; a key another person has is left alone."""

from __future__ import annotations

import importlib

import pytest
from django.apps import apps

from moderation.models import ProtectedPerson
from moderation.registry import person_upsert

pytestmark = pytest.mark.django_db
migration = importlib.import_module("moderation.migrations.0014_refold_name_keys")


def test_a_name_with_a_hooked_letter_is_found_again_by_an_import_and_a_taken_key_is_left_alone():
    hooked = person_upsert(name="\u0187hiara \u2c6eonti", aliases=[], description="a singer")[0]
    clash = person_upsert(name="\u0187ora Lind", aliases=[], description="a painter")[0]
    # As registered before fold read those letters:
    ProtectedPerson.objects.filter(pk=hooked.pk).update(name_key="\u0188hiara \u0271onti")
    ProtectedPerson.objects.filter(pk=clash.pk).update(name_key="\u0188ora lind")
    taker, created = person_upsert(name="Cora Lind", aliases=[], description="another painter")
    assert created  # "cora lind" is now someone else's key

    migration.refold_keys(apps, None)
    migration.refold_keys(apps, None)  # run again: nothing more

    again, created = person_upsert(name="\u0187hiara \u2c6eonti", aliases=[], description="a singer")
    assert (again.pk, created) == (hooked.pk, False)
    assert ProtectedPerson.objects.filter(name__endswith="onti").count() == 1
    assert ProtectedPerson.objects.get(pk=clash.pk).name_key == "\u0188ora lind"
    assert ProtectedPerson.objects.get(pk=taker.pk).name_key == "cora lind"
