"""A person found in someone else's video after it was made (a scan of existing videos when they
enrolled, or a possible match its author confirmed) is no longer named in the video's public
`cameos` unless their cameo admits its author (feed.VideoPerson.credited,
cameos.services.appearances._consented). The people found so before are named there still: their
rows are marked here, by the same rule. Found later means the appearance was recorded more than a
minute after the video (the output scan records its own within the video's transaction).

The rule is the consent gate's (cameos.selectors.admitting, may_use) as it stood on 2026-12-06,
frozen here on the historical models: a migration must not read the app's code, whose models may
have columns this database does not have yet and whose rules may have changed since (`_admits`).
Nothing to undo."""

import datetime as dt

from django.conf import settings
from django.db import migrations
from django.db.models import DateTimeField, ExpressionWrapper, F
from django.utils import timezone

_CHUNK = 500  # found appearances read together: ~1,000 ids in each query, under SQLite's limit


def uncredit_people_found_later(apps, schema_editor):  # type: ignore[no-untyped-def]
    Appearance = apps.get_model("cameos", "Appearance")
    VideoPerson = apps.get_model("feed", "VideoPerson")
    later = ExpressionWrapper(F("video__created_at") + dt.timedelta(minutes=1), output_field=DateTimeField())
    found = list(
        Appearance.objects.filter(source="detected", match="confirmed", created_at__gt=later)
        .exclude(user_id=F("video__author_id"))
        .values_list("video_id", "video__author_id", "user_id")
        .order_by("pk")
    )
    for start in range(0, len(found), _CHUNK):  # a new database: none
        chunk = found[start : start + _CHUNK]
        admitted = _admitted(apps, {(author, person) for _, author, person in chunk})
        for video_id, author_id, person_id in chunk:
            if (author_id, person_id) not in admitted:
                VideoPerson.objects.filter(video_id=video_id, user_id=person_id).update(credited=False)


def _admitted(apps, pairs):  # type: ignore[no-untyped-def]
    """The (author, person) pairs of `pairs` whose person's cameo admits the author: four queries."""
    Block = apps.get_model("accounts", "Block")
    Follow = apps.get_model("accounts", "Follow")
    Cameo = apps.get_model("cameos", "Cameo")
    CameoGrant = apps.get_model("cameos", "CameoGrant")
    authors, people = {a for a, _ in pairs}, {p for _, p in pairs}
    both = authors | people
    cameos = {c.owner_id: c for c in Cameo.objects.filter(owner_id__in=people).select_related("owner")}
    blocks = set(Block.objects.filter(blocker_id__in=both, blocked_id__in=both).values_list("blocker_id", "blocked_id"))
    follows = set(
        Follow.objects.filter(follower_id__in=both, followee_id__in=both).values_list("follower_id", "followee_id")
    )
    approved = set(
        CameoGrant.objects.filter(cameo__owner_id__in=people, grantee_id__in=authors, status="approved").values_list(
            "cameo__owner_id", "grantee_id"
        )
    )
    return {
        (a, p)
        for a, p in pairs
        if p in cameos
        and _admits(
            cameos[p],
            blocked=(a, p) in blocks or (p, a) in blocks,
            granted=(p, a) in approved,
            mutual=(a, p) in follows and (p, a) in follows,
        )
    }


def _admits(cameo, *, blocked, granted, mutual):  # type: ignore[no-untyped-def]
    """may_use's answer for an author who is not the owner (the found appearances exclude the
    author's own face), first match wins: an account support deactivated never; a block either way
    never; `only_me` never; an approved grant; a minor's cameo (under ADULT_AGE today, or no
    birthdate) only with one; `everyone`; `mutuals` when both follow each other; else not."""
    owner = cameo.owner
    if not owner.is_active or blocked or cameo.audience == "only_me":
        return False
    if granted:
        return True
    if owner.birthdate is None or _age_on(owner.birthdate, timezone.localdate()) < _adult_age():
        return False
    return cameo.audience == "everyone" or (cameo.audience == "mutuals" and mutual)


def _age_on(birthdate, day):  # type: ignore[no-untyped-def]
    return day.year - birthdate.year - ((day.month, day.day) < (birthdate.month, birthdate.day))


def _adult_age():  # type: ignore[no-untyped-def]
    """The deployment's CASTFEED_ACCOUNTS_ADULT_AGE (accounts.conf, checked at start-up), else 18."""
    overrides = {str(key).lower(): value for key, value in (getattr(settings, "CASTFEED_ACCOUNTS", None) or {}).items()}
    return int(overrides.get("adult_age", 18))


class Migration(migrations.Migration):
    dependencies = [
        ("cameos", "0013_removed_matches_scoreless"),
        ("feed", "0016_videoperson_credited"),
    ]

    operations = [migrations.RunPython(uncredit_people_found_later, migrations.RunPython.noop, elidable=True)]
