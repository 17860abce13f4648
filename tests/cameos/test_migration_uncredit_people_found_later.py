"""cameos 0014: a person a scan found in someone else's video after it was made, named in its public
`cameos` before that needed consent, is named there no longer unless their cameo admits its author;
the people the output scan found as the video was made, and the tagged ones, stay named.

The migration freezes the consent gate's rule of its date (cameos.selectors.admitting, may_use) on
the historical models: each case below is what admitting answered then. The migration is run with
the models of its own state, as `migrate` runs it."""

from __future__ import annotations

import datetime as dt
import functools
import importlib

import pytest
from django.db import connection
from django.db.migrations.loader import MigrationLoader
from django.utils import timezone

from accounts.models import Block, Follow, User
from cameos.models import Appearance, Cameo, CameoGrant
from feed.models import VideoPerson

pytestmark = pytest.mark.django_db
NAME = "0014_uncredit_people_found_later"
migration = importlib.import_module(f"cameos.migrations.{NAME}")


@functools.cache
def _historical_apps():  # type: ignore[no-untyped-def]
    """The models as they stand when the migration runs, not the app's own."""
    return MigrationLoader(connection, ignore_no_migrations=True).project_state(("cameos", NAME), at_end=False).apps


def _migrate() -> None:
    migration.uncredit_people_found_later(_historical_apps(), None)


def _found_later(video, *people) -> None:  # type: ignore[no-untyped-def]
    for person in people:
        Appearance.objects.create(
            video=video,
            user=person,
            source="detected",
            similarity=0.9,
            created_at=video.created_at + dt.timedelta(hours=1),
        )


def _credited(video) -> dict[str, bool]:  # type: ignore[no-untyped-def]
    return dict(VideoPerson.objects.filter(video=video).values_list("user__handle", "credited"))


def _birthday(years: int, *, in_days: int = 0) -> dt.date:
    """The birthdate of someone who turns `years` old in `in_days` days."""
    day = timezone.localdate() + dt.timedelta(days=in_days)
    return day.replace(year=day.year - years, day=28 if (day.month, day.day) == (2, 29) else day.day)


def test_people_found_later_without_consent_are_no_longer_named(anon, me, other, make_user, make_video, activate_cameo):
    author, fan = make_user("the.author"), make_user("the.fan")
    activate_cameo(me)  # `approved`: the author was never granted it
    activate_cameo(fan, audience="everyone")
    activate_cameo(other)
    video = make_video(author, people=(me, fan, other), publish=True)
    _found_later(video, me, fan)
    Appearance.objects.create(video=video, user=other, source="detected", similarity=0.9, created_at=video.created_at)
    assert anon.get(f"/api/v1/videos/{video.pk}").json()["cameos"] == ["me.myself", "other.person", "the.fan"]

    _migrate()

    assert anon.get(f"/api/v1/videos/{video.pk}").json()["cameos"] == [
        "other.person",
        "the.fan",
    ]  # other: the output scan's
    assert VideoPerson.objects.filter(video=video, user=me).exists()  # still a video of me, mine to delete


# handle: (their cameo's audience, None for no cameo; how they stand: birthdate, the author's grant,
# follows: "author" (follows them) / "person" (follows the author) / "both", block: "by_person" /
# "by_author", deactivated; named still after the migration: what admitting answered)
CASES = {
    "no.cameo": (None, {}, False),
    "only.me": ("only_me", {}, False),
    "only.me.granted": ("only_me", {"grant": "approved"}, False),
    "approved": ("approved", {}, False),
    "approved.granted": ("approved", {"grant": "approved"}, True),
    "approved.asked": ("approved", {"grant": "requested"}, False),
    "approved.denied": ("approved", {"grant": "denied"}, False),
    "approved.revoked": ("approved", {"grant": "revoked"}, False),
    "mutuals.mutual": ("mutuals", {"follows": "both"}, True),
    "mutuals.fan": ("mutuals", {"follows": "author"}, False),  # the author follows them, not back
    "mutuals.fan.of": ("mutuals", {"follows": "person"}, False),  # they follow the author, not back
    "mutuals.granted": ("mutuals", {"grant": "approved"}, True),
    "mutuals.blocked": ("mutuals", {"follows": "both", "block": "by_author"}, False),
    "approved.mutual": ("approved", {"follows": "both"}, False),
    "everyone": ("everyone", {}, True),
    "everyone.follows": ("everyone", {"follows": "person"}, True),
    "everyone.blocks": ("everyone", {"block": "by_person"}, False),
    "everyone.blocked": ("everyone", {"block": "by_author"}, False),
    "granted.blocks": ("approved", {"grant": "approved", "block": "by_person"}, False),
    "everyone.closed": ("everyone", {"deactivated": True}, False),
    "granted.closed": ("approved", {"grant": "approved", "deactivated": True}, False),
    "minor": ("everyone", {"birthdate": _birthday(15)}, False),
    "minor.mutual": ("mutuals", {"birthdate": _birthday(15), "follows": "both"}, False),
    "minor.granted": ("approved", {"birthdate": _birthday(15), "grant": "approved"}, True),
    "no.birthdate": ("everyone", {"birthdate": None}, False),
    "adult.today": ("everyone", {"birthdate": _birthday(18)}, True),
    "adult.tomorrow": ("everyone", {"birthdate": _birthday(18, in_days=1)}, False),
}


def test_each_case_of_the_consent_rule(make_user, make_video, activate_cameo):
    """Rows written as an older database may hold them (a minor's cameo open to everyone, a grant or
    follows beside a block): raw, as the services would refuse or undo some of them."""
    author = make_user("the.author")
    stranger = make_user("a.stranger")  # follows and blocks with others than the author change nothing
    people = []
    for handle, (audience, how, _) in CASES.items():
        person = make_user(handle, birthdate=how.get("birthdate", dt.date(1990, 5, 17)))
        if audience is not None:
            cameo = activate_cameo(person)
            Cameo.objects.filter(pk=cameo.pk).update(audience=audience)  # a minor's too: as the rows may be
            if "grant" in how:
                CameoGrant.objects.create(cameo=cameo, grantee=author, status=how["grant"])
            CameoGrant.objects.create(cameo=cameo, grantee=stranger, status="approved")
        Follow.objects.create(follower=stranger, followee=person)
        Follow.objects.create(follower=person, followee=stranger)
        people.append(person)
    video = make_video(author, people=tuple(people))
    for person in people:
        audience, how, _ = CASES[person.handle]
        if how.get("follows") in ("author", "both"):
            Follow.objects.create(follower=author, followee=person)
        if how.get("follows") in ("person", "both"):
            Follow.objects.create(follower=person, followee=author)
        if how.get("block") == "by_person":
            Block.objects.create(blocker=person, blocked=author)
        if how.get("block") == "by_author":
            Block.objects.create(blocker=author, blocked=person)
        if how.get("deactivated"):
            User.objects.filter(pk=person.pk).update(is_active=False)
    _found_later(video, *people)

    _migrate()

    assert _credited(video) == {handle: named for handle, (_, _, named) in CASES.items()}


def test_each_author_by_their_own_standing(make_user, make_video, activate_cameo):
    """One person found in the videos of several authors: named in those of the authors their cameo
    admits. An author's own account closed does not matter (the rule asks of the person's)."""
    friend, granted, closed, stranger = (
        make_user(h) for h in ("the.friend", "the.granted", "the.closed", "a.stranger")
    )
    person = make_user("the.person")
    cameo = activate_cameo(person, audience="mutuals")
    videos = {author.handle: make_video(author, people=(person,)) for author in (friend, granted, closed, stranger)}
    for author in (friend, closed):
        Follow.objects.create(follower=author, followee=person)
        Follow.objects.create(follower=person, followee=author)
    Follow.objects.create(follower=person, followee=stranger)
    CameoGrant.objects.create(cameo=cameo, grantee=granted, status="approved")
    User.objects.filter(pk=closed.pk).update(is_active=False)
    for video in videos.values():
        _found_later(video, person)

    _migrate()

    assert {h: _credited(v)["the.person"] for h, v in videos.items()} == {
        "the.friend": True,
        "the.granted": True,
        "the.closed": True,
        "a.stranger": False,
    }


@pytest.mark.parametrize(("adult_age", "named"), [(None, True), ("21", False)])
def test_a_minor_by_the_configured_adult_age(settings, make_user, make_video, activate_cameo, adult_age, named):
    author, person = make_user("the.author"), make_user("the.person", birthdate=_birthday(19, in_days=-30))
    activate_cameo(person, audience="everyone")
    video = make_video(author, people=(person,))
    _found_later(video, person)
    if adult_age is not None:
        settings.CASTFEED_ACCOUNTS = {**settings.CASTFEED_ACCOUNTS, "ADULT_AGE": adult_age}

    _migrate()

    assert _credited(video) == {"the.person": named}


def test_a_new_database_is_left_as_it_is(make_user, make_video, activate_cameo, django_assert_num_queries):
    person = make_user("the.person")
    activate_cameo(person)
    video = make_video(make_user("the.author"), people=(person,))  # tagged: no appearance found later

    with django_assert_num_queries(1):
        _migrate()

    assert _credited(video) == {"the.person": True}
