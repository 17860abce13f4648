"""moderation 0018: look-alikes an operator cleared before `User.approval_only` existed are shown by
approval only from then on, as clearing one now makes them (registry.person_set_lookalikes): the
flag set, a cameo open to everyone narrowed to approved people. Run with the models of its own state,
as `migrate` runs it."""

from __future__ import annotations

import importlib

import pytest
from django.db import connection
from django.db.migrations.loader import MigrationLoader

from accounts.models import User
from cameos.models import Cameo
from moderation import registry

pytestmark = pytest.mark.django_db
NAME = "0018_lookalikes_approval_only"
migration = importlib.import_module(f"moderation.migrations.{NAME}")


def test_look_alikes_cleared_before_are_shown_by_approval_only(make_user, activate_cameo):
    cleared, mutuals_only, bystander = make_user("cleared.one"), make_user("cleared.two"), make_user("bystander")
    activate_cameo(cleared, audience="everyone")
    activate_cameo(mutuals_only, audience="mutuals")
    activate_cameo(bystander, audience="everyone")
    person, _ = registry.person_upsert(name="Odile Marchetti", description="the presenter of a quiz show")
    person.lookalikes.set([cleared, mutuals_only])  # as 0017 left them, not through the registry: no flag

    apps = MigrationLoader(connection, ignore_no_migrations=True).project_state(("moderation", NAME), at_end=False).apps
    migration.forwards(apps, None)

    flags = dict(User.objects.values_list("handle", "approval_only"))
    assert (flags["cleared.one"], flags["cleared.two"], flags["bystander"]) == (True, True, False)
    audiences = dict(Cameo.objects.values_list("owner__handle", "audience"))
    assert audiences == {"cleared.one": "approved", "cleared.two": "mutuals", "bystander": "everyone"}
