"""Writes for cameos: the cameo's settings and audience, grants and requests, erasure and export."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone

from accounts.models import Follow, Notification, User
from accounts.selectors import blockers_of, relation_between
from accounts.services import notifications_about_withdraw, notify, people_hold
from cameos import gallery
from cameos.conf import conf
from cameos.models import Appearance, Audience, Cameo, CameoGrant, Enrollment, Voice
from cameos.services.appearances import (
    appearances_delete,
    possible_matches_forget,
    questions_withdraw_not_admitted,
)
from cameos.services.enrollment import enrollments_cancel
from cameos.signals import (
    audience_narrowed,
    cameo_erased,
    grant_decided,
    grant_revoked,
    instructions_checking,
    restriction_checking,
    restrictions_added,
)
from core.exceptions import Conflict, Forbidden, InvalidInput, NotFound
from core.presenters import timestamp
from core.storage import delete_after_commit
from core.text import MixedScript, canonical
from feed import services as feed_services
from feed.models import VideoPerson

APPROVAL_ONLY_NOT_EVERYONE = (
    "Support verified that you look like someone well known: only people you approve one by one may use "
    "your cameo, so it cannot be open to everyone."
)

# may_use's reasons for an author who may ask (cameos.selectors.may_use).
ASKS_APPROVAL = ("needs_approval", "minor_needs_approval", "approval_only")
INSTRUCTIONS_MAX_CHARS = 300  # the column's size
AUDIENCE_ORDER = {Audience.ONLY_ME: 0, Audience.APPROVED: 1, Audience.MUTUALS: 2, Audience.EVERYONE: 3}


# --- consent held while it is decided ---------------------------------------------------------------


def consent_hold(*, owner_ids: Iterable[int]) -> None:
    """Lock these people's cameo rows until the transaction ends (in id order: no deadlock between two
    holders). Every change that can take consent away holds the row of the person it concerns: the
    cameo's own updates and deletion lock it; the consent cascade's queueing
    (moderation.services.consent_cascade_after_commit) locks it for grants, blocks and unfollows; an
    account erasure locks it before the account row (cameos.receivers). Publish holds the rows of
    everyone a video shows while it decides and publishes. So a revocation either waits for a publish
    in progress or is seen by it: never lost between the two. A person with no cameo has nothing to
    hold (nobody may show them)."""
    ids = sorted({int(i) for i in owner_ids})
    if ids:
        list(Cameo.objects.select_for_update(no_key=True).filter(owner_id__in=ids).order_by("pk").values_list("pk"))


# --- settings and grants ---------------------------------------------------------------------------


def _clean_restrictions(owner: User, values: Sequence[Any]) -> list[str]:
    """The restrictions as stored: spaces collapsed, each 2–RESTRICTION_MAX_LENGTH characters, one of
    each (case aside), unless moderation refuses one (restriction_checking: one that names nothing to
    keep out would never refuse anything, while the owner believes it does)."""
    limits = conf()
    cleaned: list[str] = []
    for value in values:
        text = " ".join(str(value).split())
        if not 2 <= len(text) <= limits.restriction_max_length:
            raise InvalidInput({"restrictions": [f"Each restriction is 2–{limits.restriction_max_length} characters."]})
        for _, refusal in restriction_checking.send(sender=Cameo, owner=owner, text=text):
            if refusal:
                raise InvalidInput({"restrictions": [str(refusal)]})
        if text.lower() not in (c.lower() for c in cleaned):
            cleaned.append(text)
    if len(cleaned) > limits.restriction_max_items:
        raise InvalidInput({"restrictions": [f"At most {limits.restriction_max_items} restrictions."]})
    return cleaned


def _checked_instructions(owner: User, text: str) -> str:
    """The instructions as the model will read them (core.text.canonical, as prompts are), unless
    moderation refuses them (instructions_checking): they reach the model with every prompt that uses
    this cameo, and no gate reads them there."""
    try:
        cleaned = " ".join(canonical(text).split())
    except MixedScript as exc:
        raise InvalidInput({"instructions": [exc.message]}) from exc
    if len(cleaned) > INSTRUCTIONS_MAX_CHARS:  # NFKC can lengthen text ("㍻" is four letters)
        raise InvalidInput({"instructions": [f"At most {INSTRUCTIONS_MAX_CHARS} characters."]})
    if cleaned:
        for _, refusal in instructions_checking.send(sender=Cameo, owner=owner, text=cleaned):
            if refusal:
                raise InvalidInput({"instructions": [str(refusal)]})
    return cleaned


@transaction.atomic
def cameo_update(
    *,
    owner: User,
    audience: str | None = None,
    instructions: str | None = None,
    restrictions: Sequence[str] | None = None,
    protect_name: bool | None = None,
    delete_videos: bool = False,
) -> Cameo:
    """Change the cameo's settings. Narrowing the audience runs the consent cascade; with
    `delete_videos`, published videos of the owner by people no longer allowed are deleted too."""
    cameo = Cameo.objects.select_for_update().filter(owner=owner).first()
    if cameo is None:
        raise NotFound("You have no cameo yet: enroll first.")
    previous = cameo.audience
    if audience is not None:
        # Read again under the cameo's lock: a clearing or a birthdate correction that held it has
        # committed by now, and the request's user was loaded before.
        owner.birthdate, owner.approval_only = (
            User.objects.filter(pk=owner.pk).values_list("birthdate", "approval_only").get()
        )
        if audience == Audience.EVERYONE and owner.is_minor:
            raise InvalidInput({"audience": ["A cameo of someone under 18 cannot be open to everyone."]})
        if audience == Audience.EVERYONE and owner.approval_only:
            raise InvalidInput({"audience": [APPROVAL_ONLY_NOT_EVERYONE]})
        cameo.audience = audience
    if instructions is not None:
        cameo.instructions = _checked_instructions(owner, instructions)
    added: list[str] = []
    if restrictions is not None:
        before = {r.casefold() for r in cameo.restrictions or []}
        cameo.restrictions = _clean_restrictions(owner, restrictions)
        added = [r for r in cameo.restrictions if r.casefold() not in before]
        if added:
            cameo.rules_added_at = timezone.now()
    if protect_name is not None:
        cameo.protect_name = protect_name
    cameo.save()
    if added:
        # Stamped again once committed: a check that read her rules between the first stamp and the
        # commit did not see the new one, yet comes after the first stamp (generation's publish
        # waits for a check later than the rule). Before the recheck is queued, which reads after this.
        cameo_pk = cameo.pk
        transaction.on_commit(lambda: Cameo.objects.filter(pk=cameo_pk).update(rules_added_at=timezone.now()))
        restrictions_added.send(sender=Cameo, cameo=cameo, added=added)
    if AUDIENCE_ORDER[Audience(cameo.audience)] < AUDIENCE_ORDER[Audience(previous)]:
        # The videos deleted before the cascade is queued: queueing it marks the others' drafts of the
        # owner unserved (feed.services.drafts_consent_pending), which holds those videos' keys, and
        # their jobs locked after that would wait on the author deleting one (its job, then its row).
        if delete_videos:
            _delete_videos_of_people_no_longer_allowed(owner, cameo)
        audience_narrowed.send(sender=Cameo, cameo=cameo, previous=previous)
        questions_withdraw_not_admitted(owners=[owner])
    if added:
        # Others' drafts of the owner are not served from now on, until generation's recheck deletes
        # those that break the new rule and serves the others again: a signed URL handed out before
        # would otherwise show her breaking it for as long as the recheck takes. After the videos
        # deleted above, as the cascade's own marking comes after them.
        feed_services.drafts_consent_pending(person_id=owner.pk, author_ids=None, rules=True)
    return cameo


def cameo_approval_only_audience(*, owners: Sequence[User]) -> None:
    """People whom only those they approve one by one may now show (cameos.selectors.may_use:
    support corrected a date of birth that makes them a minor, or cleared them as a protected person's
    look-alike): a cameo open to everyone is narrowed to approved people, as they may not choose it
    (cameo_update), so that trending and their own page say what the gate does. The consent cascade
    comes from the signal that calls this."""
    Cameo.objects.filter(owner__in=[o.pk for o in owners], audience=Audience.EVERYONE).update(
        audience=Audience.APPROVED
    )


def _delete_videos_of_people_no_longer_allowed(owner: User, cameo: Cameo) -> None:
    from cameos.selectors import cameo_access_many

    authors = set(VideoPerson.objects.filter(user=owner).exclude(author=owner).values_list("author_id", flat=True))
    denied = [a for a in User.objects.filter(pk__in=authors) if not cameo_access_many(a, [cameo])[cameo.pk].available]
    # The jobs of all their videos held at once, in id order, not author by author: someone holding
    # two of these authors (a follow between them: accounts.services.people_hold) deadlocked with it.
    videos = VideoPerson.objects.filter(user=owner, author__in=denied).values_list("video_id", flat=True)
    feed_services.videos_hold_for_deleting(video_ids=list(videos))
    for author in denied:
        appearances_delete(person=owner, author=author)


@transaction.atomic
def cameo_delete(*, owner: User, delete_appearances: bool = False, erasing: bool = False) -> None:
    """Erase the cameo at once: gallery entry, reference crops (files after commit), settings and
    grants, an enrollment still being checked (its upload; it will create nothing), and the possible
    matches its face raised (authors are no longer asked about them). With delete_appearances, every
    video that shows the person is deleted too, as if they deleted each one (appearances_delete). The
    cameo's row is held before the enrollments still being checked are cancelled, as an acceptance of
    one holds it before it marks the enrollment (an erasure too). `erasing` (their account's erasure):
    the authors' notifications naming them are left to it (possible_matches_forget)."""
    consent_hold(owner_ids=[owner.pk])
    if delete_appearances:
        # The jobs of the videos of them (then their likes and comments) before the grants go with the
        # cameo, as anyone changing a grant holds jobs first: after them, an erasure of someone they
        # approved, which holds its jobs and then deletes the grants naming them, deadlocked with it.
        # An erasure holds likes and comments before grants too (the feed's part comes before the cameos').
        videos = VideoPerson.objects.filter(user=owner).values_list("video_id", flat=True)
        feed_services.videos_hold_for_deleting(video_ids=list(videos))
    cancelled = enrollments_cancel(user=owner)
    cameo = Cameo.objects.select_for_update().filter(owner=owner).first()
    if cameo is None:
        if not cancelled:
            raise NotFound("You have no cameo.")
        if delete_appearances:  # an earlier cameo's videos of me, kept when it was erased
            appearances_delete(person=owner)
        return
    names = list(cameo.reference_names)
    gallery.remove(cameo.pk)
    cameo.delete()
    delete_after_commit(names)
    possible_matches_forget(owner, withdraw=not erasing)
    if delete_appearances:  # as the person deleting each (copies of others' blocked, authors told)
        appearances_delete(person=owner)
    cameo_erased.send(sender=Cameo, owner=owner)


def grants_hold(*, user_ids: Iterable[int]) -> None:
    """Lock the grants of these people's cameos and those naming them on others' cameos until the
    transaction ends, all in one id order: for their erasure, which deletes them (with their cameo, and
    with the account row), after their account row as anyone changing a grant holds its two people
    first (people_hold), and before their cameo goes. Two people who approved each other, erased at
    once, each deleted their own cameo's grants and then waited for the one naming them on the other's
    (on PostgreSQL a deadlock)."""
    ids = sorted({int(i) for i in user_ids})
    if ids:
        grants = CameoGrant.objects.filter(Q(grantee_id__in=ids) | Q(cameo__owner_id__in=ids))
        list(grants.select_for_update(of=("self",)).order_by("pk").values_list("pk"))


@transaction.atomic
def grant_request(*, requester: User, owner: User) -> CameoGrant:
    """Ask to use `owner`'s cameo. Idempotent while a request or approval stands; a denied or
    revoked request can be asked again after a cool-down. The two are held first, as a block holds
    them (accounts.services.people_hold), so a block made at the same time is seen: no request is left
    across it, and the owner is never told of one."""
    from cameos.selectors import cameo_access

    held = people_hold(user_ids=[requester.pk, owner.pk])
    if requester.pk not in held:  # erased on another device while the hold waited: the request would fail at commit
        raise NotFound("Your account no longer exists.")
    if owner.pk not in held:  # erased while the hold waited
        raise NotFound("No one has this handle.")
    cameo = Cameo.objects.filter(owner=owner).select_related("owner").first()
    access = cameo_access(cameo, requester)
    if cameo is not None and access.request == CameoGrant.Status.REQUESTED and access.reason in ASKS_APPROVAL:
        return CameoGrant.objects.get(cameo=cameo, grantee=requester)  # asked already: the same request
    decided = access.request in (CameoGrant.Status.DENIED, CameoGrant.Status.REVOKED)
    cooling = decided and access.reason in ASKS_APPROVAL  # told below when they may ask again
    if cameo is None or not (access.can_request or cooling):
        if access.available:
            raise Conflict("You can already use this cameo.", code="already_available")
        raise Forbidden("This cameo is not available.", code="not_available")
    try:
        grant, created = CameoGrant.objects.get_or_create(cameo=cameo, grantee=requester)
    except IntegrityError:  # a cameo enrolled after the hold (so not held) and deleted since it was read
        raise Forbidden("This cameo is not available.", code="not_available") from None
    if not created and grant.status == CameoGrant.Status.REQUESTED:
        return grant  # a second ask that read the access before the first one wrote (a double tap): told once
    if not created and grant.status in (CameoGrant.Status.DENIED, CameoGrant.Status.REVOKED):
        cool_down = dt.timedelta(seconds=conf().request_cooldown_seconds)
        if grant.decided_at and timezone.now() - grant.decided_at < cool_down:
            # Refused before anything is stored or anyone is told: asking again and again is no way
            # to flood the owner's notifications.
            again = (grant.decided_at + cool_down).date().isoformat()
            raise Conflict(
                f"Your last request was answered recently; you can ask again from {again}.", code="request_cooldown"
            )
        asked = CameoGrant.objects.filter(pk=grant.pk, status=grant.status).update(
            status=CameoGrant.Status.REQUESTED, requested_at=timezone.now(), decided_at=None
        )
        grant.refresh_from_db()
        if not asked:  # asked again by a request at the same moment, which told the owner
            return grant
    notify(user_id=owner.pk, kind=Notification.Kind.CAMEO_REQUESTED, about=requester.pk, handle=requester.handle)
    return grant


def _own_grant(owner: User, grant_id: int, *, deleting_videos: bool = False) -> CameoGrant:
    """The owner's grant, locked, after both people (`deleting_videos`: with the jobs of the grantee's
    videos of the owner, which the caller deletes: accounts.services.people_hold)."""
    grantee_id = CameoGrant.objects.filter(pk=grant_id, cameo__owner=owner).values_list("grantee_id", flat=True).first()
    if grantee_id is not None:  # both people before the grant's row, as either one's erasure locks them
        people_hold(
            user_ids=[owner.pk, grantee_id], deleting_videos_of=(owner.pk, grantee_id) if deleting_videos else None
        )
    grant = CameoGrant.objects.select_for_update().filter(pk=grant_id, cameo__owner=owner).first()
    if grant is None:
        raise NotFound("No such request.")
    return grant


@transaction.atomic
def grant_decide(*, owner: User, grant_id: int, approve: bool) -> CameoGrant:
    grant = _own_grant(owner, grant_id)
    relation = relation_between(owner.pk, grant.grantee_id)
    if relation.blocked_by_them or not User.objects.filter(pk=grant.grantee_id, is_active=True).exists():
        # They blocked the owner, or support closed their account: as gone as an unknown request
        # (neither is in the owner's list).
        raise NotFound("No such request.")
    if approve and relation.blocked_by_me:  # before the status: the block ended their request
        raise Conflict("Unblock this person before approving them.", code="blocked")
    if grant.status != CameoGrant.Status.REQUESTED:
        raise Conflict(f"This request was already {grant.status}.", code="already_decided")
    if approve and owner.is_minor and not relation.i_follow:
        # Someone under 18 is asked only by people they follow (cameos.selectors.may_use): a request
        # from someone they stopped following waits, unlisted, until they follow them again. Denying
        # it stays open to them.
        raise Conflict(
            "Follow this person before approving them: people under 18 approve only people they follow.",
            code="not_following",
        )
    grant.status = CameoGrant.Status.APPROVED if approve else CameoGrant.Status.DENIED
    grant.decided_at = timezone.now()
    grant.save(update_fields=["status", "decided_at"])
    grant_decided.send(sender=CameoGrant, grant=grant)
    return grant


@transaction.atomic
def grant_revoke(*, owner: User, grant_id: int, delete_videos: bool = False) -> CameoGrant:
    """Take back an approval. The consent cascade (stop unpublished jobs) hooks grant_revoked; with
    `delete_videos`, the grantee's published videos that show the owner go too."""
    grant = _own_grant(owner, grant_id, deleting_videos=delete_videos)
    if grant.status != CameoGrant.Status.APPROVED:
        raise NotFound("No such grant.")
    grant.status, grant.decided_at = CameoGrant.Status.REVOKED, timezone.now()
    grant.save(update_fields=["status", "decided_at"])
    grant_revoked.send(sender=CameoGrant, grant=grant)
    questions_withdraw_not_admitted(owners=[owner])
    if delete_videos:
        appearances_delete(person=owner, author=grant.grantee)
    return grant


def grants_end_for_block(*, blocker: User, blocked: User) -> int:
    """A block ends what stands between the two, both ways: an approval (revoked) and a request still
    waiting for an answer (denied), so that neither stays in a list the owner can do nothing with.
    After an unblock either asks again, once the cool-down has passed. Nobody is told (the person
    blocked reads it only after an unblock, as any denial: docs/consent.md rule 3). The consent cascade
    the block runs stops their jobs. How many ended."""
    between = Q(cameo__owner=blocker, grantee=blocked) | Q(cameo__owner=blocked, grantee=blocker)
    now = timezone.now()
    ended = CameoGrant.objects.filter(between, status=CameoGrant.Status.APPROVED).update(
        status=CameoGrant.Status.REVOKED, decided_at=now
    )
    asked = CameoGrant.objects.filter(between, status=CameoGrant.Status.REQUESTED)
    for owner_id, asker_id in asked.values_list("cameo__owner_id", "grantee_id"):
        # The owner's "asked to use your cameo": hidden while the block stands, and after an unblock it
        # would ask about a request that is no longer open.
        notifications_about_withdraw(user_id=owner_id, kind=Notification.Kind.CAMEO_REQUESTED, about=asker_id)
    return ended + asked.update(status=CameoGrant.Status.DENIED, decided_at=now)


# --- erasure ---------------------------------------------------------------------------------------


def user_cameo_erase(*, user: User) -> None:
    """Everything biometric of `user`, before their account goes: cameo, template, crops, uploads,
    and the possible matches of their face (with the authors' notifications naming them); the grants
    of their cameo and naming them held first, all at once (grants_hold)."""
    grants_hold(user_ids=[user.pk])
    if Cameo.objects.filter(owner=user).exists():
        cameo_delete(owner=user, erasing=True)
    possible_matches_forget(user, withdraw=False)
    uploads = list(Enrollment.objects.filter(user=user).exclude(upload_name="").values_list("upload_name", flat=True))
    delete_after_commit(uploads)


def user_cameo_export(*, user: User) -> dict[str, Any]:
    """The person's cameo settings, enrollment attempts, requests and grants (with when they were
    asked and decided), and the videos that show them; never the
    face or voice template or the crops (no response carries them: how many crops are kept is
    said); that a voice is held, and since when, is said."""
    cameo = Cameo.objects.filter(owner=user).first()
    given = CameoGrant.objects.filter(cameo__owner=user, grantee__is_active=True).exclude(
        grantee_id__in=blockers_of(user)
    )
    if user.is_minor:  # nor, to a minor, a request from someone they do not follow (cameos.selectors.requests_for)
        followed = Follow.objects.filter(follower=user).values("followee_id")
        given = given.exclude(Q(status=CameoGrant.Status.REQUESTED) & ~Q(grantee_id__in=followed))
    voice = None if cameo is None else Voice.objects.filter(cameo=cameo).values_list("enrolled_at", flat=True).first()
    return {
        "cameo": None
        if cameo is None
        else {
            "audience": cameo.audience,
            "instructions": cameo.instructions,
            "restrictions": cameo.restrictions,
            "protect_name": cameo.protect_name,
            "enrolled_at": timestamp(cameo.enrolled_at),
            "reference_images": len(cameo.reference_names),
            "voice_enrolled_at": None if voice is None else timestamp(voice),
        },
        # Not naming someone who blocked them (who does not exist for them), an account support
        # deactivated (found by no handle), or, to a minor, someone they do not follow who asked (no
        # one else may ask them: docs/consent.md rule 6), as their lists of requests do not.
        "grants_given": [
            {"handle": h, "status": st, "requested_at": timestamp(asked), "decided_at": timestamp(decided)}
            for h, st, asked, decided in given.order_by("requested_at", "pk").values_list(
                "grantee__handle", "status", "requested_at", "decided_at"
            )
        ],
        "grants_received": [
            {"handle": h, "status": st, "requested_at": timestamp(asked), "decided_at": timestamp(decided)}
            for h, st, asked, decided in CameoGrant.objects.filter(grantee=user, cameo__owner__is_active=True)
            .exclude(cameo__owner_id__in=blockers_of(user))
            .order_by("requested_at", "pk")
            .values_list("cameo__owner__handle", "status", "requested_at", "decided_at")
        ],
        # Each enrollment attempt and its outcome, as GET /cameo told it (never the upload, which
        # is deleted once checked, nor whose cameo a refused face looked like).
        "enrollments": [
            {
                "status": e.status,
                "reason_code": e.reason_code,
                "reason": e.reason,
                "created_at": timestamp(e.created_at),
                "finished_at": timestamp(e.finished_at),
            }
            for e in Enrollment.objects.filter(user=user).order_by("created_at", "pk")
        ],
        "appearances": [
            {"video_id": v, "source": src, "similarity": sim}
            # Possible matches are not theirs to see (a look-alike must learn nothing of a stranger's video).
            for v, src, sim in Appearance.objects.filter(user=user, match=Appearance.Match.CONFIRMED).values_list(
                "video_id", "source", "similarity"
            )
        ],
    }
