"""Thin receivers: the consent cascade and the audit log, hooked to what accounts, feed and cameos do.

A change that withdraws consent (a revoked grant, a narrowed audience, an erased cameo, a block, an
unfollow that ends a mutual follow) is
audited in its own transaction and queues the cascade (moderation.tasks.consent_cascade) for when it
commits; nothing can be published in between, because the gate runs again at every later stage.
"""

from typing import Any

from django.db.models.signals import post_delete, post_save, pre_save
from django.dispatch import receiver

from accounts.models import User
from accounts.signals import (
    account_deactivated,
    account_erasing,
    became_approval_only,
    became_minor,
    handle_choosing,
    mutual_follow_ended,
    user_blocked,
)
from cameos import services as cameo_services
from cameos.models import Audience, Cameo
from cameos.signals import (
    audience_narrowed,
    cameo_erased,
    enrollment_checking,
    grant_decided,
    grant_revoked,
    instructions_checking,
    restriction_checking,
)
from core.storage import delete_after_commit
from feed.signals import video_deleted, video_taken_down
from moderation import restrictions, services
from moderation.models import AuditEvent, ProtectedFace, ProtectedPerson

Kind = AuditEvent.Kind


@receiver(grant_decided, dispatch_uid="moderation.grant_decided")
def on_grant_decided(sender: Any, grant: Any, **kwargs: Any) -> None:
    services.audit(
        Kind.GRANT_CHANGED,
        actor_id=grant.cameo.owner_id,
        subject_id=grant.grantee_id,
        object_type="grant",
        object_id=grant.pk,
        status=grant.status,
    )


@receiver(grant_revoked, dispatch_uid="moderation.grant_revoked")
def on_grant_revoked(sender: Any, grant: Any, **kwargs: Any) -> None:
    owner_id = grant.cameo.owner_id
    services.audit(
        Kind.GRANT_CHANGED,
        actor_id=owner_id,
        subject_id=grant.grantee_id,
        object_type="grant",
        object_id=grant.pk,
        status=grant.status,
    )
    services.consent_cascade_after_commit(owner_id=owner_id, author_ids=[grant.grantee_id], reason="grant_revoked")


@receiver(audience_narrowed, dispatch_uid="moderation.audience_narrowed")
def on_audience_narrowed(sender: Any, cameo: Any, previous: str, **kwargs: Any) -> None:
    services.audit(
        Kind.AUDIENCE_NARROWED,
        actor_id=cameo.owner_id,
        subject_id=cameo.owner_id,
        previous=previous,
        audience=cameo.audience,
    )
    services.consent_cascade_after_commit(owner_id=cameo.owner_id, author_ids=None, reason="audience_narrowed")


@receiver(cameo_erased, dispatch_uid="moderation.cameo_erased")
def on_cameo_erased(sender: Any, owner: Any, **kwargs: Any) -> None:
    services.audit(Kind.CAMEO_ERASED, actor_id=owner.pk, subject_id=owner.pk)
    services.consent_cascade_after_commit(owner_id=owner.pk, author_ids=None, reason="cameo_erased")


@receiver(enrollment_checking, dispatch_uid="moderation.enrollment_checking")
def refuse_impersonation(sender: Any, user: Any, template: Any, **kwargs: Any) -> tuple[str, str] | None:
    """Nobody enrolls with a protected person's face, except that person's own account and the
    accounts an operator verified are not that person though they look alike (ProtectedPerson.account
    and .lookalikes, in the admin)."""
    import numpy as np

    from cameos.conf import conf as cameos_conf
    from moderation.selectors import protected_face_matches, protected_lookalikes

    threshold = cameos_conf().protected_threshold
    match = protected_face_matches(np.asarray([template], dtype=np.float32), min_similarity=threshold)[0]
    if match is None or match.account_id == user.pk:
        return None
    if user.pk in protected_lookalikes([match.person_id]).get(match.person_id, ()):
        return None
    services.audit(
        Kind.IMPERSONATION_REFUSED,
        actor_id=user.pk,
        object_type="protected_person",
        object_id=match.person_id,
        similarity=round(match.similarity, 3),
    )
    return (
        "protected_person",
        "This face matches a public figure or a person whose likeness is protected. If this is you, "
        "contact support to have your account verified, then enroll again.",
    )


@receiver(instructions_checking, dispatch_uid="moderation.instructions_checking")
def check_instructions(sender: Any, owner: Any, text: str, **kwargs: Any) -> str | None:
    """A cameo's instructions go into every prompt that uses it: nothing a prompt may not say, and
    nobody but the owner (a mention, a protected person's name, someone described)."""
    return services.instructions_refusal(owner=owner, text=text)


@receiver(restriction_checking, dispatch_uid="moderation.restriction_checking")
def check_restriction(sender: Any, owner: Any, text: str, **kwargs: Any) -> str | None:
    """A restriction the gate could never match, by words or by meaning (moderation.restrictions:
    only words that say "not" or carry no subject, "no videos please"), is refused when saved: it
    would keep nothing out while its owner believes it does."""
    return restrictions.refusal(text)


@receiver(user_blocked, dispatch_uid="moderation.user_blocked")
def on_user_blocked(sender: Any, blocker: Any, blocked: Any, delete_videos: bool = False, **kwargs: Any) -> None:
    services.audit(Kind.BLOCK, actor_id=blocker.pk, subject_id=blocked.pk, delete_videos=delete_videos)
    cameo_services.grants_end_for_block(blocker=blocker, blocked=blocked)
    services.consent_cascade_after_commit(owner_id=blocker.pk, author_ids=[blocked.pk], reason="blocked")
    services.consent_cascade_after_commit(owner_id=blocked.pk, author_ids=[blocker.pk], reason="blocked")
    if delete_videos:
        cameo_services.appearances_delete(person=blocker, author=blocked)


@receiver(mutual_follow_ended, dispatch_uid="moderation.mutual_follow_ended")
def on_mutual_follow_ended(sender: Any, follower: Any, followee: Any, **kwargs: Any) -> None:
    """No longer mutuals: a cameo shared with mutuals no longer reaches the other (both cameo rows are
    held already: accounts.services.people_hold)."""
    shared = Cameo.objects.filter(owner_id__in=[follower.pk, followee.pk], audience=Audience.MUTUALS)
    for owner_id in shared.values_list("owner_id", flat=True):
        other = followee.pk if owner_id == follower.pk else follower.pk
        services.consent_cascade_after_commit(owner_id=owner_id, author_ids=[other], reason="unfollowed")


@receiver(became_minor, dispatch_uid="moderation.became_minor")
def on_became_minor(sender: Any, user: Any, by_id: int | None = None, **kwargs: Any) -> None:
    """A minor is shown only by people they approved one by one: everyone else's jobs stop."""
    services.consent_cascade_after_commit(owner_id=user.pk, author_ids=None, reason="became_minor", actor_id=by_id)


@receiver(became_approval_only, dispatch_uid="moderation.became_approval_only")
def on_became_approval_only(sender: Any, users: Any, by_id: int | None = None, **kwargs: Any) -> None:
    """Only people they approve one by one may show them now (a cleared look-alike of a protected
    person): everyone else's jobs stop."""
    for user in users:
        services.consent_cascade_after_commit(owner_id=user.pk, author_ids=None, reason="approval_only", actor_id=by_id)


@receiver(handle_choosing, dispatch_uid="moderation.handle_choosing")
def check_handle_words(sender: Any, handle: str, **kwargs: Any) -> None:
    services.handle_check(handle=handle)


@receiver(account_deactivated, dispatch_uid="moderation.account_deactivated")
def on_account_deactivated(sender: Any, user: Any, by_id: int | None = None, **kwargs: Any) -> None:
    """Support closed the account: no one may show them any more, so everyone's jobs stop."""
    services.consent_cascade_after_commit(owner_id=user.pk, author_ids=None, reason="deactivated", actor_id=by_id)


@receiver(account_erasing, dispatch_uid="moderation.account_erasing")
def on_account_erasing(sender: Any, user: Any, **kwargs: Any) -> None:
    services.audit(Kind.ACCOUNT_ERASED, actor_id=user.pk, subject_id=user.pk)


@receiver(video_deleted, dispatch_uid="moderation.video_deleted")
def on_video_deleted(sender: Any, video_id: int, author_id: int, status: str, **kwargs: Any) -> None:
    by = kwargs.get("by_id")
    services.audit(
        Kind.VIDEO_DELETED,
        actor_id=by,
        subject_id=author_id,
        object_type="video",
        object_id=video_id,
        status=status,
        by="author" if by == author_id else ("person_in_it" if by else "system"),
    )


@receiver(video_taken_down, dispatch_uid="moderation.video_taken_down")
def on_video_taken_down(sender: Any, video_id: int, author_id: int, reason: str, **kwargs: Any) -> None:
    services.audit(Kind.VIDEO_TAKEN_DOWN, subject_id=author_id, object_type="video", object_id=video_id, reason=reason)


# --- the protected-names index: every process applies the people whose names changed -------------


@receiver([post_save, post_delete], sender=ProtectedPerson, dispatch_uid="moderation.names_registry")
def on_registry_change(sender: Any, instance: ProtectedPerson, **kwargs: Any) -> None:
    services.names_changed(registry=[instance.pk])


@receiver([post_save, post_delete], sender=ProtectedFace, dispatch_uid="moderation.faces_registry")
def on_registry_face_change(sender: Any, **kwargs: Any) -> None:
    services.names_changed(faces_only=True)  # the faces (and their matrix) change, no name


@receiver(post_delete, sender=ProtectedFace, dispatch_uid="moderation.face_deleted")
def on_face_deleted(sender: Any, instance: ProtectedFace, **kwargs: Any) -> None:
    """A face's photo goes with its row, however the row went (a person deleted with their faces,
    the admin), once the deletion commits."""
    delete_after_commit([instance.photo.name or ""])


@receiver(pre_save, sender=Cameo, dispatch_uid="moderation.cameo_pre_save")
def remember_protection(sender: Any, instance: Cameo, **kwargs: Any) -> None:
    instance._protected_before = bool(  # type: ignore[attr-defined]
        instance.pk and Cameo.objects.filter(pk=instance.pk, protect_name=True).exists()
    )


@receiver(post_save, sender=Cameo, dispatch_uid="moderation.cameo_saved")
def on_cameo_saved(sender: Any, instance: Cameo, **kwargs: Any) -> None:
    if instance.protect_name != getattr(instance, "_protected_before", False):
        services.names_changed(owners=[instance.owner_id])


@receiver(post_delete, sender=Cameo, dispatch_uid="moderation.cameo_deleted")
def on_cameo_deleted(sender: Any, instance: Cameo, **kwargs: Any) -> None:
    if instance.protect_name:
        services.names_changed(owners=[instance.owner_id])


@receiver(post_save, sender=User, dispatch_uid="moderation.user_saved")
def on_user_saved(sender: Any, instance: User, update_fields: Any = None, created: bool = False, **kwargs: Any) -> None:
    if created or (update_fields is not None and "display_name" not in update_fields):
        return
    if Cameo.objects.filter(owner=instance, protect_name=True).exists():
        services.names_changed(owners=[instance.pk])
