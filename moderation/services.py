"""Writes for moderation: the audit log, the consent cascade, reports' review, the names registry."""

from __future__ import annotations

import dataclasses
import uuid
from collections.abc import Iterable
from typing import Any

from django.db import transaction

from accounts.models import User
from cameos import services as cameo_services
from cameos.models import Cameo
from cameos.selectors import cameo_access_by_authors
from core.exceptions import Conflict, InvalidInput, NotFound
from core.text import instructed
from feed import services as feed_services
from feed.models import Report, Video
from feed.selectors import unpublished_showing
from moderation import consent, policy, selectors
from moderation.consent import Decision, prompt_digest
from moderation.models import AuditEvent, NamesChange, NamesVersion
from moderation.signals import consent_withdrawn


def audit(
    kind: str,
    *,
    actor_id: int | None = None,
    subject_id: int | None = None,
    object_type: str = "",
    object_id: Any = "",
    allowed: bool | None = None,
    **data: Any,
) -> AuditEvent:
    return AuditEvent.objects.create(
        kind=kind,
        actor_id=actor_id,
        subject_id=subject_id,
        object_type=object_type,
        object_id=str(object_id or ""),
        allowed=allowed,
        data=data,
    )


def audit_decision(*, author: User, prompt: str, decision: Decision, job: str = "") -> Decision:
    """Record a gate decision: who asked, at which stage, every subject's verdict and internal reason
    (user ids only), and a digest of the prompt (the prompt itself stays on the job)."""
    refused = next((s.user_id for s in decision.subjects if not s.allowed and s.user_id), None)
    event = audit(
        AuditEvent.Kind.CONSENT_DECISION,
        actor_id=author.pk,
        subject_id=refused,
        object_type="job" if job else "",
        object_id=job,
        allowed=decision.allowed,
        stage=decision.stage,
        prompt_sha256=prompt_digest(prompt),
        subjects=[s.audit() for s in decision.subjects],
    )
    return dataclasses.replace(decision, audit_id=event.pk)


# --- handles and cameo instructions ---------------------------------------------------------------


def handle_refusal(*, handle: str) -> list[str]:
    """What the prompt policy reads this handle as (its labels), or [] when it may be used."""
    return [policy.LABELS[c] for c in policy.categories(f"@{handle}")]


def handle_check(*, handle: str) -> None:
    """A handle is read in every prompt that mentions it, by the policy's word pass too (its words on
    their own: a video model reads them): one whose words break the policy is refused when chosen,
    not found out later through every prompt that names its owner (manage.py handles_check lists the
    handles taken before)."""
    labels = handle_refusal(handle=handle)
    if labels:
        raise InvalidInput({"handle": ["This handle reads as " + ", ".join(labels) + ": choose another."]})


def instructions_refusal(*, owner: User, text: str) -> str | None:
    """Why a cameo owner may not save these instructions, or None. They are added to the prompt of
    every video that uses the cameo, by anyone: so what no prompt may say is refused, and so is anyone
    they would show but the owner."""
    categories = policy.categories(text)
    if categories:
        return "Instructions may not ask for " + ", ".join(policy.LABELS[c] for c in categories) + "."
    others = _others_named(owner, text)
    if not others:
        # As the model reads them, after the owner's handle, which may complete a name they start
        # ("@quenby: Marchetti in person"). Read so, the handle also brings in the instructions
        # saved now, which these replace: what those alone bring in is left out.
        before = {_said(s) for s in _others_named(owner, instructed(owner.handle, ""))}
        others = [s for s in _others_named(owner, instructed(owner.handle, text)) if _said(s) not in before]
    if others:
        return "Instructions may not name or mention anyone else: " + others[0].public()["detail"]
    return None


def _others_named(owner: User, text: str) -> list[consent.Subject]:
    decision = consent.check(owner, text, stage="preflight", record=False)
    return [s for s in decision.subjects if s.user_id != owner.pk]


def _said(subject: consent.Subject) -> tuple[Any, ...]:
    return (subject.source, subject.user_id, subject.why, subject.label)


# --- the consent cascade ---------------------------------------------------------------------------


def consent_recheck(
    *, owner_id: int, author_ids: Iterable[int] | None, reason: str, actor_id: int | None = None
) -> list[int]:
    """Someone may have lost the right to show `owner_id`: the consent cascade, run by the worker
    task moderation.tasks.consent_cascade after the change committed (consent_cascade_after_commit).
    Drafts of theirs that show this person and whose author may no longer use them (the gate's own
    rule, cameos.selectors.cameo_access_by_authors, decided once per author) are deleted; the
    generation app is told (moderation.signals.consent_withdrawn) to block unpublished jobs. Returns
    the ids of the drafts deleted. `actor_id`: the staff member whose correction this follows (the
    audit row names them), or None (the change was the person's own, audited where it was made)."""
    authors = None if author_ids is None else sorted(set(author_ids) - {owner_id})
    if authors is not None and not authors:
        return []
    with transaction.atomic():
        # The person's consent held while it is decided and the drafts still allowed are served again
        # (feed.services.drafts_consent_settled): a withdrawal committing meanwhile waits, then marks
        # them unserved again for its own cascade. One marked for a rule the person added stays so:
        # this reads no rules, generation's recheck of them settles it.
        cameo_services.consent_hold(owner_ids=[owner_id])
        cameo = Cameo.objects.filter(owner_id=owner_id).select_related("owner").first()
        drafts = list(unpublished_showing(owner_id, authors).exclude(author_id=owner_id))
        access = cameo_access_by_authors(cameo, {d.author_id for d in drafts}) if cameo is not None else {}
        denied = [d for d in drafts if (a := access.get(d.author_id)) is None or not a.available]
        feed_services.drafts_consent_settled(
            person_id=owner_id, video_ids={d.pk for d in drafts} - {d.pk for d in denied}
        )
    deleted = []
    for draft in denied:  # unserved until deleted
        feed_services.video_delete(video=draft)
        deleted.append(draft.pk)
    audit(
        AuditEvent.Kind.CONSENT_WITHDRAWN,
        actor_id=actor_id,
        subject_id=owner_id,
        reason=reason,
        authors=authors,
        drafts_deleted=deleted,
    )
    consent_withdrawn.send(sender=Cameo, owner_id=owner_id, author_ids=authors, reason=reason)
    return deleted


def consent_cascade_after_commit(
    *, owner_id: int, author_ids: Iterable[int] | None, reason: str, actor_id: int | None = None
) -> None:
    """Queue the consent cascade (moderation.tasks.consent_cascade) for when the change commits: the
    request only records the change, and stops serving the drafts it may concern. Until the cascade has
    run (≤ 2 s, BENCHMARKS.md) nothing slips through, because the gate runs again when a worker starts
    a job, on its output and at publish.
    The person's cameo row is held until the change commits (cameos.services.consent_hold): a
    publish deciding meanwhile finishes first, or waits and sees the change."""
    from moderation.tasks import consent_cascade

    cameo_services.consent_hold(owner_ids=[owner_id])
    authors = None if author_ids is None else sorted(set(author_ids))
    # Their drafts of the person are not served from now on (in this transaction, so with the change),
    # until the cascade deletes them or finds the author still allowed: a signed URL to one, handed
    # out before, would otherwise show the person for as long as the cascade takes.
    feed_services.drafts_consent_pending(person_id=owner_id, author_ids=authors)
    task = {"owner_id": owner_id, "author_ids": authors, "reason": reason}
    if actor_id is not None:  # only then: a worker of the version before takes the others during a deploy
        task["actor_id"] = actor_id
    transaction.on_commit(lambda: consent_cascade.delay(**task))


# --- reports ---------------------------------------------------------------------------------------


@transaction.atomic
def report_take_down(*, report_id: int, moderator: User, reason: str = "") -> Video:
    """Act on a report: the video leaves every feed (status removed, files kept for review), and every
    open report of it is closed as actioned."""
    report = Report.objects.select_related("video").filter(pk=report_id).first()
    if report is None:
        raise NotFound("No such report.")
    if report.video.status == Video.Status.REMOVED and not report.video.hidden_with_author:
        raise Conflict("This video was already taken down.", code="already_removed")
    video = feed_services.video_take_down(video=report.video, reason=reason or report.get_reason_display())
    closed = feed_services.report_resolve(video=video, status=Report.Status.ACTIONED)
    _audit_review(report, video, moderator=moderator, outcome="taken_down", closed=closed)
    return video


@transaction.atomic
def report_dismiss(*, report_id: int, moderator: User) -> int:
    report = Report.objects.select_related("video").filter(pk=report_id).first()
    if report is None:
        raise NotFound("No such report.")
    closed = feed_services.report_resolve(video=report.video, status=Report.Status.DISMISSED)
    _audit_review(report, report.video, moderator=moderator, outcome="dismissed", closed=closed)
    return closed


def _audit_review(report: Report, video: Video, *, moderator: User, outcome: str, closed: int) -> None:
    audit(
        AuditEvent.Kind.REPORT_REVIEWED,
        actor_id=moderator.pk,
        subject_id=video.author_id,
        object_type="video",
        object_id=video.pk,
        outcome=outcome,
        report_reason=report.reason,
        reports_closed=closed,
    )


# --- protected names -------------------------------------------------------------------------------


def names_changed(*, registry: Iterable[int] = (), owners: Iterable[int] = (), faces_only: bool = False) -> None:
    """Moves the registry's version: every process re-reads names, descriptions and faces at its
    next check. `registry` (ProtectedPerson ids) and `owners` (cameo owners' user ids) are the people
    whose names changed: logged (NamesChange), so that a process's name index adds their current
    names to its base in milliseconds (moderation.selectors.name_index) instead of rebuilding it.
    Neither (a bulk write that does not say whom it changed): every process rebuilds its index at its
    next check, on the request path. `faces_only`: no name changed (a face was added or removed)."""
    changes = [NamesChange(kind=NamesChange.Kind.REGISTRY, person_id=pk) for pk in sorted(set(registry))]
    changes += [NamesChange(kind=NamesChange.Kind.CAMEO, person_id=pk) for pk in sorted(set(owners))]
    if not changes and not faces_only:
        changes = [NamesChange(kind=NamesChange.Kind.ALL, person_id=0)]
    NamesChange.objects.bulk_create(changes, batch_size=1000)
    token = uuid.uuid4().hex
    if not NamesVersion.objects.filter(pk=1).update(token=token):
        NamesVersion.objects.update_or_create(pk=1, defaults={"token": token})
    selectors.expire_names_version()
