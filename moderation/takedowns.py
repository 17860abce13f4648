"""Writes for takedown requests: anyone, with or without an account, asks for the videos of their face
to be taken down (DESIGN.md §1.6; the US TAKE IT DOWN Act).

1. `challenge_create`: head poses to perform, as for enrollment, with their own short expiry.
2. `request_submit`: the selfie video answering it, a contact email and optionally the videos the
   person means (ids or links). Checked as an enrollment upload, stored privately, queued; the
   person gets a tracking number.
3. `request_verify` (worker, moderation.tasks.verify_takedown): the selfie passes the enrollment's own
   liveness check or the request is closed `rejected`; its face is matched against the video face
   index (cameos.VideoFace: faces found in generated videos) and the cameos (videos made with a cameo
   whose template it matches). Matching published videos are hidden at once, pending review (no
   copy of them may be published meanwhile; their authors are told, naming no one); drafts are kept
   for the reviewer and never shown to the requester. No match: closed `no_match`.
4. `request_confirm` / `request_dismiss` (reviewers, in the admin): every matched video (a draft of
   the face made since verification included, matched then) deleted everywhere with its fingerprint
   kept so no copy can be published (feed.services.video_remove), or the hidden videos put back
   (their authors told).

The selfie video is deleted once verification has made its template (or the request closes); the
template, when the request closes, or, for a confirmed one, once every job that was under way at the
confirmation has ended (`templates_expire`: until then a draft of the face such a job stores is refused,
`draft_taken_down`), TAKEDOWN_TEMPLATE_KEEP_HOURS after it at the latest (then any draft with a face that
such a job stores is refused). The person sees the status and two counts
(`GET /api/v1/takedowns/{tracking}`), never anything about anyone else, and is mailed the same at each
change of status (`requester_mail`, moderation.tasks.mail_takedown_requester).
"""

from __future__ import annotations

import contextlib
import datetime as dt
import hashlib
import logging
import re
import secrets
import shutil
import tempfile
from functools import partial
from pathlib import Path
from typing import Any
from urllib.parse import quote, urlencode, urlsplit

import numpy as np
from django.conf import settings
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import UploadedFile
from django.core.mail import mail_admins, send_mail
from django.db import connection, transaction
from django.db.models import F, QuerySet
from django.http.request import validate_host
from django.urls import reverse
from django.utils import timezone

from accounts.models import Notification, User
from accounts.services import notify
from cameos import gallery
from cameos.conf import conf as cameos_conf
from cameos.models import Cameo
from cameos.selectors import face_templates
from cameos.services import ChallengeInvalid, challenge_steps, check_upload
from core.exceptions import Conflict, InvalidInput, NotFound, TooManyRequests
from core.storage import delete_after_commit
from core.throttling import clock, hit_window, hit_window_taken_back, parse_rate
from feed import services as feed_services
from feed.models import Video, VideoPerson
from moderation.conf import conf
from moderation.models import AuditEvent, TakedownChallenge, TakedownMatch, TakedownRequest
from moderation.services import audit
from moderation.signals import drafts_pending

logger = logging.getLogger(__name__)
Status = TakedownRequest.Status
VIDEO_ID = re.compile(r"\d{1,18}")
VIDEO_PATH = re.compile(r"(?:/(?:.*/)?)?videos/(\d{1,18})/?")  # the API's /api/v1/videos/<id>, or /videos/<id>
VIDEO_ROUTE = re.compile(r"/v/(\d{1,18})/?(?:\?.*)?")  # the web client's video page: #/v/<id>


def challenge_create() -> TakedownChallenge:
    """The enrollment's head poses (cameos.services.challenge_steps), valid for TAKEDOWN_CHALLENGE_SECONDS."""
    now = timezone.now()
    return TakedownChallenge.objects.create(
        steps=challenge_steps(),
        created_at=now,
        expires_at=now + dt.timedelta(seconds=conf().takedown_challenge_seconds),
    )


def _video_id(value: str) -> int | None:
    """The id an id or a link to one of our videos names: the web client's page (`https://<host>/#/v/123`),
    the API's URL (`.../videos/123`), either without scheme and host; None for anything else, a link to
    another site (a host not in ALLOWED_HOSTS) included."""
    if VIDEO_ID.fullmatch(value):
        return int(value)
    try:
        link = urlsplit(value)
        host = link.hostname
    except ValueError:
        return None
    if link.scheme or link.netloc:
        if link.scheme not in ("http", "https") or not host or link.username is not None:
            return None
        if not validate_host(f"[{host}]" if ":" in host else host, settings.ALLOWED_HOSTS):
            return None
    found = VIDEO_ROUTE.fullmatch(link.fragment) or VIDEO_PATH.fullmatch(link.path)
    return int(found.group(1)) if found else None


def parse_videos(values: list[str]) -> list[int]:
    """Video ids from ids or links to our videos; InvalidInput naming the ones that are neither."""
    ids: list[int] = []
    bad: list[str] = []
    for value in values:
        found = _video_id(value.strip())
        if found is not None:
            ids.append(found)
        else:
            bad.append(value)
    if bad:
        raise InvalidInput({"videos": [f"Not a video id or a link to a video here: {bad[0][:80]!r}."]})
    return sorted(set(ids))


def _email_key(email: str) -> str:
    """One mailbox however it is written: the local part lower-cased and cut at its first `+` (a tag),
    the domain IDNA-encoded (its Unicode and punycode forms alike) and lower-cased."""
    local, _, domain = email.strip().rpartition("@")
    with contextlib.suppress(UnicodeError):  # a name IDNA cannot encode is counted as written
        domain = domain.encode("idna").decode("ascii")
    return f"{local.split('+', 1)[0].lower()}@{domain.lower()}"


def _limit_email(email: str) -> None:
    """At most TAKEDOWN_PER_EMAIL requests per email address per period, counted under the address's
    normal form (_email_key) hashed (the counter's key says nothing), across processes (the shared
    store)."""
    limit, period = parse_rate(conf().takedown_per_email)
    key = "takedown:email:" + hashlib.sha256(_email_key(email).encode()).hexdigest()[:32]
    now = clock()
    within, left = hit_window(key, limit, period, now=now)
    if not within:  # a refused request spends nothing; Retry-After: until one would be accepted
        hit_window_taken_back(key, period, now=now)
        raise TooManyRequests("Too many takedown requests for this email address.", retry_after=int(left) + 1)


def request_submit(
    *, challenge_id: Any, video: UploadedFile, email: str, videos: list[str], address: str | None
) -> TakedownRequest:
    """Store the selfie privately and queue its verification. Nothing is stored for a bad file, an
    unknown, used or expired challenge, or malformed video links; the challenge is spent only by a
    request that was accepted. The selfie is checked (decoded) outside any transaction."""
    container = check_upload(video)
    named = parse_videos(videos)
    with transaction.atomic():
        return _request_create(
            challenge_id=challenge_id, video=video, container=container, email=email, named=named, address=address
        )


def _request_create(
    *, challenge_id: Any, video: UploadedFile, container: str, email: str, named: list[int], address: str | None
) -> TakedownRequest:
    challenge = TakedownChallenge.objects.select_for_update().filter(pk=challenge_id).first()
    if challenge is None or challenge.used_at is not None or challenge.expires_at <= timezone.now():
        raise ChallengeInvalid(fields={"challenge": ["Unknown, used or expired: ask for a new challenge."]})
    _limit_email(email)
    now = timezone.now()
    challenge.used_at = now
    challenge.save(update_fields=["used_at"])
    name = default_storage.save(f"takedowns/{secrets.token_urlsafe(16)}.{container}", video)
    try:
        request = TakedownRequest.objects.create(
            email=email.strip(),
            address=address,
            challenge=challenge,
            videos_named=named,
            upload_name=name,
            received_at=now,
            due_at=now + dt.timedelta(hours=conf().takedown_due_hours),
        )
    except Exception:
        default_storage.delete(name)  # no selfie is kept for a request that was not made
        raise
    from moderation.tasks import verify_takedown  # tasks import this module

    transaction.on_commit(lambda: verify_takedown.delay(request.pk))
    return request


def _tell_requester(request_id: int) -> None:
    """Once this transaction commits, mail the requester the request's new status
    (moderation.mail_takedown_requester; only the id is queued: the address is read when the mail is
    sent). A queue that fails (or a mail, where tasks run eagerly) is logged and never fails the change
    that queued it: the mail is worth less than the decision."""
    from moderation.tasks import mail_takedown_requester  # tasks import this module

    def mail_requester() -> None:  # a named function: a failure is logged under its name
        mail_takedown_requester.delay(request_id)

    transaction.on_commit(mail_requester, robust=True)


def _close(request: TakedownRequest, status: str, *, code: str = "", reason: str = "", **fields: Any) -> None:
    """The request ends: the selfie (if still kept) and its template are deleted (a confirmed request's
    template a little later: templates_expire), and the requester is mailed the outcome after the
    commit."""
    TakedownRequest.objects.filter(pk=request.pk).update(
        status=status,
        reason_code=code,
        reason=reason[:300],
        upload_name="",
        closed_at=timezone.now(),
        **({} if status == Status.REMOVED else {"template": None}),
        **fields,
    )
    delete_after_commit([request.upload_name] if request.upload_name else [])
    _tell_requester(request.pk)


def _reviewed(
    request: TakedownRequest, status: str, *, reviewer: User, fields: dict[str, Any], **audited: Any
) -> TakedownRequest:
    """A reviewer's decision: the request closes (with `fields`), is audited (outcome: the status,
    with `audited`) and read again."""
    _close(request, status, reviewer=reviewer, **fields)
    audit(
        AuditEvent.Kind.TAKEDOWN,
        actor_id=reviewer.pk,
        object_type="takedown",
        object_id=request.pk,
        outcome=str(status),
        **audited,
    )
    request.refresh_from_db()
    return request


def request_verify(*, request_id: int) -> TakedownRequest | None:
    """The worker's part (idempotent: a request no longer verifying is left alone): liveness, then
    matching, then published matches hidden."""
    from celery.exceptions import SoftTimeLimitExceeded

    from cameos.likeness.enrollment import Rules, verify
    from cameos.likeness.faces import engine
    from cameos.likeness.video import UnreadableVideo, VideoOverCap, sample_frames
    from cameos.services import upload_caps, upload_refusal

    request = TakedownRequest.objects.select_related("challenge").filter(pk=request_id).first()
    if request is None or request.status != Status.VERIFYING:
        return request
    enrollment = cameos_conf()
    try:
        with tempfile.TemporaryDirectory() as folder:
            local = Path(folder) / "selfie"
            with default_storage.open(request.upload_name, "rb") as stored, local.open("wb") as target:
                shutil.copyfileobj(stored, target)
            # The enrollment's caps: pixel cap in the decoder, long side, frames, a deadline.
            frames = sample_frames(local, fps=enrollment.sample_fps, caps=upload_caps())
        verdict = verify(frames, request.challenge.steps, engine=engine(), rules=Rules(**enrollment.rules))
    except (VideoOverCap, SoftTimeLimitExceeded) as exc:
        code = exc.code if isinstance(exc, VideoOverCap) else "timed_out"
        reason = upload_refusal(code) if code != "timed_out" else "Verification took too long. Please try again."
        with transaction.atomic():
            _close(request, Status.REJECTED, code=code, reason=reason)
        return TakedownRequest.objects.get(pk=request.pk)
    except (UnreadableVideo, FileNotFoundError):
        with transaction.atomic():
            _close(request, Status.REJECTED, code="video_unreadable", reason="We could not read this video.")
        return TakedownRequest.objects.get(pk=request.pk)
    if not verdict.accepted or verdict.template is None:
        with transaction.atomic():
            _close(request, Status.REJECTED, code=verdict.code, reason=verdict.reason)
            audit(AuditEvent.Kind.TAKEDOWN, object_type="takedown", object_id=request.pk, outcome="rejected")
        return TakedownRequest.objects.get(pk=request.pk)
    matches = _matches(verdict.template)
    with transaction.atomic():
        locked = TakedownRequest.objects.select_for_update().filter(pk=request.pk, status=Status.VERIFYING).first()
        if locked is None:
            return TakedownRequest.objects.get(pk=request.pk)
        if not matches:
            _close(locked, Status.NO_MATCH, code="no_match", reason="This face is in none of our videos.")
            audit(AuditEvent.Kind.TAKEDOWN, object_type="takedown", object_id=locked.pk, outcome="no_match")
            return TakedownRequest.objects.get(pk=request.pk)
        hidden = 0
        # Their jobs first (feed.services.videos_hold_for_changing), as a deletion of one of them, or
        # of a video one of them remixes, takes them before the videos. Then the videos, in id order
        # (as a dismissal and a confirmation hold them): a dismissal of another request waits for this
        # one's matches before it decides whether to publish a video again.
        feed_services.videos_hold_for_changing(video_ids=matches)
        videos = {v.pk: v for v in Video.objects.select_for_update().filter(pk__in=list(matches)).order_by("pk")}
        sure = cameos_conf().reveal_published_threshold
        for video_id, (source, similarity) in matches.items():
            video = videos.get(video_id)
            if video is None:
                continue
            # Hidden at once only above the bar that reveals a published video to its person (the
            # false-match budget: docs/videos-of-me.md); a weaker match waits for the reviewer.
            was_published = similarity >= sure and (
                _hide(video, reason=f"takedown request {locked.tracking}")
                or _hidden_for_another(video)  # hidden already, for another person in it: for her too
            )
            hidden += was_published
            TakedownMatch.objects.create(
                request=locked,
                video=video,
                video_ref=video_id,
                source=source,
                similarity=similarity,
                was_published=was_published,
            )
        # The template replaces the selfie: no reviewer sees the video, so it is deleted now; the
        # template is kept while the request waits (published_hold) and goes when it closes.
        TakedownRequest.objects.filter(pk=locked.pk).update(
            status=Status.HIDDEN,
            template=verdict.template.tolist(),
            upload_name="",
            verified_at=timezone.now(),
            videos_hidden=hidden,
        )
        delete_after_commit([locked.upload_name])
        _tell_requester(locked.pk)  # received, her face verified, waiting for review
        audit(
            AuditEvent.Kind.TAKEDOWN,
            object_type="takedown",
            object_id=locked.pk,
            outcome="hidden",
            matched=len(matches),
            hidden=hidden,
        )
    return TakedownRequest.objects.get(pk=request.pk)


def _hide(video: Video, *, reason: str) -> bool:
    """Hide a published video pending review (feed.services.video_hide: no copy of it may be
    published meanwhile either) and tell its author, naming no one: not the requester, their email
    or tracking number. False when it was not published (hidden already, drafts)."""
    if not feed_services.video_hide(video=video, reason=reason):
        return False
    notify(user_id=video.author_id, kind=Notification.Kind.VIDEO_HIDDEN_FOR_REVIEW, video_id=video.pk)
    return True


def _hidden_for_another(video: Video) -> bool:
    """The video (held) is hidden pending another request's review: published, until that decision."""
    return (
        video.status == Video.Status.REMOVED
        and TakedownMatch.objects.filter(video=video, was_published=True, request__status=Status.HIDDEN).exists()
    )


def _matches(template: Any) -> dict[int, tuple[str, float]]:
    """Video id → (how it matched, similarity), for the videos that show this face: a face track
    of the video (the video face index), or a cameo the video shows (tagged or detected) whose
    template is this face. Exact comparisons, at the threshold for published videos."""
    threshold = conf().takedown_match_threshold
    found: dict[int, tuple[str, float]] = {
        video_id: (TakedownMatch.Source.FACE, similarity)
        for video_id, similarity in gallery.videos_with_face(template, min_similarity=threshold)
    }
    cameos = gallery.search(template, k=3, min_similarity=threshold, exact=True)
    owners = dict(Cameo.objects.filter(pk__in=[m.cameo_id for m in cameos]).values_list("pk", "owner_id"))
    for match in cameos:
        owner = owners.get(match.cameo_id)
        if owner is None:
            continue
        for video_id in VideoPerson.objects.filter(user_id=owner).values_list("video_id", flat=True):
            if video_id not in found:
                found[video_id] = (TakedownMatch.Source.CAMEO, match.similarity)
    return found


def published_hold(*, video: Video) -> int:
    """A video just published (generation's publish) that shows the face of a request waiting for
    review, surely (the bar that hid its matches): a draft it matched, or a video of that face made
    since (the hidden one made again). Hidden at once, as its matches were, and listed on each such
    request as hidden by it (a dismissal of the last puts it back). Returns how many requests hold it."""
    sure = cameos_conf().reveal_published_threshold
    held = set(
        TakedownMatch.objects.filter(
            video=video,  # the foreign key's index, not video_ref's scan, on every publish
            request__status=Status.HIDDEN,
            similarity__gte=sure,
        ).values_list("request_id", flat=True)
    )
    found: dict[int, float] = {}
    tracks = [np.asarray(t, dtype=np.float32) for t in face_templates(video.pk)]
    if tracks:
        faces = np.stack([t / (np.linalg.norm(t) or 1.0) for t in tracks])
        waiting = TakedownRequest.objects.filter(status=Status.HIDDEN, template__isnull=False).exclude(pk__in=held)
        for request_id, template in waiting.values_list("pk", "template"):
            probe = np.asarray(template, dtype=np.float32)
            similarity = float(np.max(faces @ (probe / (np.linalg.norm(probe) or 1.0))))
            if similarity >= sure:
                found[request_id] = similarity
    if not (held or found) or not _hide(video, reason="takedown request waiting for review"):
        return 0
    TakedownMatch.objects.filter(video=video, request_id__in=held).update(was_published=True)
    for request_id, similarity in found.items():  # a new match, or a weaker one listed before its faces were
        TakedownMatch.objects.update_or_create(
            request_id=request_id,
            video_ref=video.pk,
            defaults={
                "video": video,
                "source": TakedownMatch.Source.FACE,
                "similarity": similarity,
                "was_published": True,
            },
        )
    TakedownRequest.objects.filter(pk__in=held | set(found)).update(videos_hidden=F("videos_hidden") + 1)
    for request_id in sorted(held | set(found)):
        audit(
            AuditEvent.Kind.TAKEDOWN,
            object_type="takedown",
            object_id=request_id,
            outcome="hidden",
            hidden=1,
            video=video.pk,  # hidden on publish
        )
    return len(held) + len(found)


# What draft_taken_down says of a draft that is not to be stored: it shows the face of a request
# confirmed while its job ran, or it could no longer be compared with that face (the job outlived the
# template's keeping).
DRAFT_TAKEN_DOWN, DRAFT_UNCHECKED = "taken_down", "unchecked"


def draft_taken_down(*, tracks: list[Any], since: dt.datetime, job_id: Any) -> str | None:
    """Whether (DRAFT_TAKEN_DOWN) a draft a job is storing now (generation's scanning → ready, in its
    transaction, before the video exists) shows, surely (the bar a confirmation removes a draft at),
    the face of a request confirmed after the job was created (`since`): a job still generating at
    the confirmation, whose draft neither of the confirmation's searches could see. Then nothing of it
    is to be stored, and the request's audit log says so. A request waiting for review changes nothing here (its
    confirmation's second search finds the draft). `tracks`: the draft's face tracks, as
    cameos.services.video_faces_record takes them.

    A request confirmed after the job was created whose template is gone (templates_expire erased it
    TAKEDOWN_TEMPLATE_KEEP_HOURS after the confirmation, with this job still unfinished) refuses a draft
    with any face in it, compared with nothing (DRAFT_UNCHECKED): its confirmation time says the job is
    one the template was kept for, and the face may be hers. None: the draft may be stored.

    Every request still holding a template is held FOR KEY SHARE (PostgreSQL, in id order), which
    only a decision (FOR UPDATE) waits for and is waited for by: a confirmation committed first is
    seen here; one that comes after waits for this draft and then finds it (_confirm_late). Drafts
    stored at once do not wait for each other."""
    if not tracks:
        return None
    held = TakedownRequest.objects.filter(template__isnull=False)
    if connection.vendor == "postgresql":  # SQLite has no row locks: its write lock serialises them
        with connection.cursor() as cursor:
            cursor.execute(
                f"SELECT id FROM {TakedownRequest._meta.db_table} WHERE template IS NOT NULL"  # noqa: S608
                " ORDER BY id FOR KEY SHARE"
            )
            held = TakedownRequest.objects.filter(pk__in=[row[0] for row in cursor.fetchall()])
    confirmed = held.filter(status=Status.REMOVED, closed_at__gt=since, template__isnull=False)
    faces = np.stack([np.asarray(t[0], dtype=np.float32).reshape(-1) for t in tracks])
    faces /= np.maximum(np.linalg.norm(faces, axis=1, keepdims=True), 1e-12)
    bar = max(cameos_conf().reveal_published_threshold, cameos_conf().reveal_draft_threshold)
    for request_id, template in confirmed.order_by("pk").values_list("pk", "template"):
        probe = np.asarray(template, dtype=np.float32)
        similarity = float(np.max(faces @ (probe / (np.linalg.norm(probe) or 1.0))))
        if similarity >= bar:
            audit(
                AuditEvent.Kind.TAKEDOWN,
                object_type="takedown",
                object_id=request_id,
                outcome="draft_refused",
                job=str(job_id),  # generating when the request was confirmed: nothing of it was stored
            )
            return DRAFT_TAKEN_DOWN
    # Read after the templates were (a sweep that erases one meanwhile is seen here, or its template
    # was compared above).
    gone = (
        TakedownRequest.objects.filter(status=Status.REMOVED, closed_at__gt=since, template__isnull=True)
        .order_by("pk")
        .values_list("pk", flat=True)
        .first()
    )
    if gone is not None:
        audit(
            AuditEvent.Kind.TAKEDOWN,
            object_type="takedown",
            object_id=gone,
            outcome="draft_refused",
            job=str(job_id),
            compared=False,  # its template erased after TAKEDOWN_TEMPLATE_KEEP_HOURS, the job unfinished
        )
        return DRAFT_UNCHECKED
    return None


def _open(request_id: int) -> TakedownRequest:
    request = TakedownRequest.objects.select_for_update().filter(pk=request_id).first()
    if request is None:
        raise NotFound("No such takedown request.")
    if request.status != Status.HIDDEN:
        raise Conflict(f"This request is {request.status}; only a request waiting for review can be decided.")
    return request


def request_confirm(*, request_id: int, reviewer: User) -> TakedownRequest:
    """Remove every surely matched video everywhere (rows, files, index rows), its fingerprint kept so
    that no copy of it can be published; close the request. A draft of the face made since it was
    verified (its author made the hidden video again, to publish once the review is over; a published
    one was hidden on publish: published_hold) is matched now, while the template is kept, and goes
    too: the face index is searched first, outside the transaction (an exact scan), and once more after
    it commits (_confirm_late), for a draft stored between that search and the commit."""
    template = (
        TakedownRequest.objects.filter(pk=request_id, status=Status.HIDDEN).values_list("template", flat=True).first()
    )
    probe = np.asarray(template, dtype=np.float32) if template is not None else None
    since = _matches(probe) if probe is not None else {}
    request = _confirm(request_id=request_id, reviewer=reviewer, since=since)
    if probe is None or request.status != Status.REMOVED:
        return request
    return _confirm_late(request_id=request.pk, reviewer=reviewer, since=_matches(probe))


@transaction.atomic
def _confirm(*, request_id: int, reviewer: User, since: dict[int, tuple[str, float]]) -> TakedownRequest:
    """request_confirm's transaction. The jobs of every video it may remove are held first, at once
    and in id order (feed.services.videos_hold_for_deleting), then the request: held video by video,
    after the request, they deadlocked with someone holding their author (accounts.services.people_hold:
    every job of theirs) and with a publish of a draft it matched (which holds the job, then counts
    the video on the request)."""
    matched = TakedownMatch.objects.filter(request_id=request_id, video__isnull=False)
    feed_services.videos_hold_for_deleting(video_ids=[*matched.values_list("video_id", flat=True), *since])
    request = _open(request_id)
    _matches_add(request, since)
    removed = _remove_sure(request, TakedownMatch.objects.filter(request=request))
    return _reviewed(request, Status.REMOVED, reviewer=reviewer, fields={"videos_removed": removed}, removed=removed)


@transaction.atomic
def _confirm_late(*, request_id: int, reviewer: User | None, since: dict[int, tuple[str, float]]) -> TakedownRequest:
    """After a confirmation commits: the videos of the face that its search, made before its
    transaction, could not see (a draft that a job stored in between, which nothing would have found
    once the template went with the request) are matched on the request and removed as its others
    were, counted and audited the same way. `since`: the face index searched again after the commit,
    with the template the confirmation read."""
    known = set(TakedownMatch.objects.filter(request_id=request_id).values_list("video_ref", flat=True))
    late = {v: m for v, m in since.items() if v not in known}
    feed_services.videos_hold_for_deleting(video_ids=late)  # their jobs first, as _confirm holds them
    request = TakedownRequest.objects.select_for_update().get(pk=request_id)
    if not late or request.status != Status.REMOVED:
        return request
    added = _matches_add(request, late)
    removed = _remove_sure(request, TakedownMatch.objects.filter(request=request, video_ref__in=added))
    if removed:
        TakedownRequest.objects.filter(pk=request.pk).update(videos_removed=F("videos_removed") + removed)
    if added:
        audit(
            AuditEvent.Kind.TAKEDOWN,
            actor_id=reviewer.pk if reviewer is not None else None,  # None: a reviewer since erased
            object_type="takedown",
            object_id=request.pk,
            outcome=str(Status.REMOVED),
            removed=removed,
            late=len(added),  # made while the confirmation was searching
        )
    request.refresh_from_db()
    return request


def _matches_add(request: TakedownRequest, found: dict[int, tuple[str, float]]) -> list[int]:
    """List on the request (held) the videos of `found` it does not list yet that match surely
    enough to be hidden (the reveal bar for published videos) and still exist. Their ids."""
    sure = cameos_conf().reveal_published_threshold
    known = set(TakedownMatch.objects.filter(request=request).values_list("video_ref", flat=True))
    new = [v for v, (_, similarity) in found.items() if v not in known and similarity >= sure]
    ids = sorted(Video.objects.filter(pk__in=new).values_list("pk", flat=True))
    TakedownMatch.objects.bulk_create(
        TakedownMatch(request=request, video_id=v, video_ref=v, source=found[v][0], similarity=found[v][1]) for v in ids
    )
    return ids


def _remove_sure(request: TakedownRequest, matches: QuerySet[TakedownMatch]) -> int:
    """Remove the videos of these matches of a confirmed request (held) that match surely; how many
    count to the requester (published ones, and those hidden for it that their author deleted since)."""
    removed = 0
    faces = cameos_conf()
    # In video order: two confirmations that share videos lock them in the same order.
    for match in matches.select_related("video").order_by("video_id"):
        video = match.video
        if video is None:
            removed += match.was_published  # hidden for this request, deleted by its author since: gone
            continue
        # Only the sure matches (the reveal bar, stricter for drafts); a weaker one stays, for the
        # reviewer to take down from the video's own page if it really is the person.
        published = match.was_published or video.is_published
        bar = faces.reveal_published_threshold if published else faces.reveal_draft_threshold
        if match.similarity >= bar:
            feed_services.video_remove(video=video, reason=f"takedown request {request.tracking}")
            removed += published  # a draft goes too, but is never counted to the requester
            # Its author is told as when a person in it deletes it (cameos' appearance_delete).
            notify(
                user_id=video.author_id, kind=Notification.Kind.VIDEO_REMOVED, video_id=video.pk, by="a person in it"
            )
    return removed


@transaction.atomic
def request_dismiss(*, request_id: int, reviewer: User) -> TakedownRequest:
    """No grounds: the videos this request hid are published again, unless another request still
    pending matched them too (it then publishes them again when dismissed); close the request. One
    its author deleted while it was hidden is gone, but copies of it may be published again (unless
    another request still holds it, or confirmed it). The jobs of the videos it hid are held first
    (feed.services.videos_hold_for_changing), before the request's row, as a confirmation holds them."""
    hid = TakedownMatch.objects.filter(request_id=request_id, was_published=True, video__isnull=False)
    feed_services.videos_hold_for_changing(video_ids=hid.values_list("video_id", flat=True))
    request = _open(request_id)
    gone = []
    matches = TakedownMatch.objects.filter(request=request, was_published=True).select_related("video")
    # The videos held first, in id order: a request being verified that matched one of them commits
    # its match before this reads who else holds it (or waits for this to publish it again).
    list(Video.objects.select_for_update().filter(pk__in=matches.values("video_id")).order_by("pk").values_list("pk"))
    for match in matches:
        if match.video is None:
            gone.append(match.video_ref)
            continue
        pending = TakedownMatch.objects.filter(
            video_ref=match.video_ref,
            request__status=Status.HIDDEN,
            similarity__gte=cameos_conf().reveal_published_threshold,  # one that would have hidden it
        )
        if pending.exclude(request=request).update(was_published=True):
            continue  # hidden until they are decided
        if feed_services.video_unhide(video=match.video):  # its author was told it was hidden: now that it is back
            notify(user_id=match.video.author_id, kind=Notification.Kind.VIDEO_RESTORED, video_id=match.video_ref)
    held = TakedownMatch.objects.filter(
        video_ref__in=gone, request__status__in=[Status.HIDDEN, Status.REMOVED]
    ).exclude(request=request)
    feed_services.removed_fingerprints_forget(video_ids=set(gone) - set(held.values_list("video_ref", flat=True)))
    return _reviewed(request, Status.DISMISSED, reviewer=reviewer, fields={"videos_hidden": 0})


def requests_expire(*, older_than: dt.timedelta | None = None) -> int:
    """Close requests stuck in `verifying` (a lost task): their selfies are deleted."""
    cutoff = timezone.now() - (older_than or dt.timedelta(seconds=cameos_conf().stale_seconds))
    stale = list(TakedownRequest.objects.filter(status=Status.VERIFYING, received_at__lt=cutoff))
    for request in stale:
        with transaction.atomic():
            _close(request, Status.REJECTED, code="expired", reason="We could not check this request in time.")
    return len(stale)


# A job whose submit was being stored while a request was confirmed (a transaction of a moment) is
# stored, and seen unfinished by templates_expire, well within this.
TEMPLATE_GRACE = dt.timedelta(minutes=5)


def templates_expire() -> int:
    """Erase the templates of confirmed requests that no job can need any more (draft_taken_down):
    those confirmed before every job that may still store a draft was created (generation answers
    drafts_pending: the oldest job not ended and without its draft), and over TEMPLATE_GRACE ago.
    With no job under way, a few minutes after the confirmation; else once those jobs have ended
    (ready, blocked, failed: a job whose worker dies each time fails after MAX_ATTEMPTS, one whose
    message is lost is sent again), and TAKEDOWN_TEMPLATE_KEEP_HOURS after the confirmation whatever is
    still unfinished: a job queued with no worker running, or stuck, would keep the face of someone
    with no account forever (draft_taken_down then refuses such a job's draft by its creation time).
    Before a template goes, the face index is searched with it a last time and what the confirmation
    missed is removed as it would have (_confirm_late): its own search after the commit may have failed
    (the reviewer then saw an error) and is not run again. How many were erased."""
    now = timezone.now()
    cutoff: dt.datetime = now - TEMPLATE_GRACE
    for _, oldest in drafts_pending.send(sender=TakedownRequest):
        if isinstance(oldest, dt.datetime):
            cutoff = min(cutoff, oldest)
    cutoff = max(cutoff, now - dt.timedelta(hours=conf().takedown_template_keep_hours))
    kept = TakedownRequest.objects.filter(status=Status.REMOVED, template__isnull=False, closed_at__lt=cutoff)
    erased = 0
    for request in kept.select_related("reviewer").order_by("pk"):
        _confirm_late(
            request_id=request.pk,
            reviewer=request.reviewer,
            since=_matches(np.asarray(request.template, dtype=np.float32)),
        )
        erased += TakedownRequest.objects.filter(pk=request.pk, template__isnull=False).update(template=None)
    return erased


def challenges_expire(*, older_than: dt.timedelta = dt.timedelta(hours=1)) -> int:
    """Delete the challenges that expired unanswered (a used one stays with its request). Only those
    expired a while ago: a request that took one just before it expired has long been stored."""
    cutoff = timezone.now() - older_than
    deleted, _ = TakedownChallenge.objects.filter(used_at__isnull=True, expires_at__lt=cutoff).delete()
    return deleted


def _duration(seconds: int) -> str:
    return f"{seconds // 3600} h {seconds % 3600 // 60} min"


def requests_overdue() -> int:
    """Requests still waiting for review past their due time (48 hours from receipt): their videos
    stay hidden (consent first), and each is flagged to operators once: `overdue_at` set, a WARNING
    naming it and how late it is, an audit event (`takedown` `overdue`), and a mail to the operators
    (moderation.mail_takedown_overdue, queued after the commit). Returns how many were new."""
    from moderation.tasks import mail_takedown_overdue  # tasks import this module

    now = timezone.now()
    flagged = 0
    late = TakedownRequest.objects.filter(status=Status.HIDDEN, due_at__lte=now, overdue_at__isnull=True)
    for request in late.order_by("due_at"):
        with transaction.atomic():
            waiting = TakedownRequest.objects.filter(pk=request.pk, status=Status.HIDDEN, overdue_at__isnull=True)
            if not waiting.update(overdue_at=now):
                continue  # decided, or flagged by another run, meanwhile
            overdue_s = int((now - request.due_at).total_seconds())
            audit(
                AuditEvent.Kind.TAKEDOWN,
                object_type="takedown",
                object_id=request.pk,
                outcome="overdue",
                overdue_s=overdue_s,
            )
            # Only the run that flagged it queues the mail: once per request.
            transaction.on_commit(partial(mail_takedown_overdue.delay, request.pk))
        logger.warning(
            "takedown request %s is overdue by %s (due %s): no reviewer decided it; its videos stay hidden",
            request.tracking,
            _duration(overdue_s),
            request.due_at.isoformat(),
        )
        flagged += 1
    return flagged


def overdue_mail(*, request_id: int) -> bool:
    """Mail the operators (settings.ADMINS, through Django's mail_admins and the configured
    EMAIL_BACKEND) that this request is past its due time: its tracking number and due time, and
    nothing else of the requester (no email, address, videos or face). Not for one decided since it
    was flagged. Whether a mail went."""
    request = TakedownRequest.objects.filter(pk=request_id, status=Status.HIDDEN, overdue_at__isnull=False).first()
    if request is None:
        return False
    due = request.due_at.astimezone(dt.UTC).strftime("%Y-%m-%d %H:%M UTC")
    late = _duration(max(0, int((timezone.now() - request.due_at).total_seconds())))
    # The admin's queue searched for it (where its confirm and dismiss actions are): a link on a line
    # of its own where the site's public address is configured, else the path.
    queue = reverse("admin:moderation_takedownrequest_changelist") + "?" + urlencode({"q": request.tracking})
    link = _on_site(queue)
    mail_admins(
        f"Takedown request {request.tracking} is overdue",
        f"Takedown request {request.tracking} was due for review at {due} and no reviewer has decided it "
        f"({late} late). Its videos stay hidden until someone confirms or dismisses it.\n\n"
        f"Admin: Moderation > Takedown requests, search {request.tracking}"
        + (f":\n{link}\n" if link else f" ({queue}).\n"),
    )
    return True


def _on_site(path: str) -> str:
    """The link a reader of a mail can open: the path under the site's public address
    (CASTFEED_SITE_URL), or "" where none is configured."""
    return settings.CASTFEED_SITE_URL + path if settings.CASTFEED_SITE_URL else ""


def _videos(count: int) -> str:
    return f"{count} video" if count == 1 else f"{count} videos"


def _requester_message(request: TakedownRequest) -> tuple[str, str]:
    """The subject and text of the mail for the request's status: the tracking number, when it was
    received, the status and the counts its tracking page shows (GET /api/v1/takedowns/{tracking}), in
    the web client's words, a link to that page where the site's address is configured
    (CASTFEED_SITE_URL), and nothing about anyone else (no video, author or other request)."""
    tracking = request.tracking
    received = request.received_at.astimezone(dt.UTC).strftime("%Y-%m-%d %H:%M UTC")
    selfie_gone = "Your selfie video has been deleted."
    if request.status == Status.HIDDEN:
        subject = f"We received your takedown request {tracking}"
        hidden = request.videos_hidden
        waiting = (
            f"{_videos(hidden)} showing you {'is' if hidden == 1 else 'are'} now hidden: no one can see "
            f"{'it' if hidden == 1 else 'them'}. A person reviews your request within 48 hours of receiving it: "
            f"{'it is' if hidden == 1 else 'they are'} then deleted for good, with any copy blocked, or put back."
            if hidden
            else "A person reviews your request within 48 hours of receiving it."
        )
        text = (
            f"We received your takedown request {tracking} on {received} and verified that your selfie video "
            f"shows you.\n\n{waiting} {selfie_gone}\n\nWe will write to you again when it is decided."
        )
    elif request.status == Status.REJECTED:
        subject = f"We could not verify your takedown request {tracking}"
        # A request whose check was lost on our side (requests_expire) is no fault of the selfie's.
        why = (
            "but we could not check your selfie video in time, on our side"
            if request.reason_code == "expired"
            else "but we could not verify that the selfie video shows a live person doing the steps asked"
        )
        text = (
            f"We received your takedown request {tracking} on {received}, {why}."
            + (f" What went wrong: {request.reason}" if request.reason and request.reason_code != "expired" else "")
            + f"\n\nNothing was taken down, and the request is closed. {selfie_gone}\n\nWhat to do next: send "
            f"a new request with a new selfie video, in good light, with only you in the picture, holding each "
            f"pose for a second."
        )
    elif request.status == Status.NO_MATCH:
        subject = f"Your takedown request {tracking}: no video here shows your face"
        text = (
            f"We received your takedown request {tracking} on {received} and verified your selfie video. We "
            f"compared it with every video here and found none that shows you, so the request is closed. "
            f"{selfie_gone}\n\nIf a video of you appears later, send a new request."
        )
    elif request.status == Status.REMOVED:
        removed = request.videos_removed
        subject = f"Your takedown request {tracking}: videos removed"
        text = (
            f"A reviewer confirmed your takedown request {tracking} (received {received}), and it is closed. "
            + (
                f"{_videos(removed)} showing you {'is' if removed == 1 else 'are'} deleted everywhere, and "
                f"copies of {'it' if removed == 1 else 'them'} cannot be published."
                if removed
                else "The videos are deleted everywhere, and copies of them cannot be published."
            )
            + f" {selfie_gone}"
        )
    else:  # dismissed
        subject = f"Your takedown request {tracking} was dismissed"
        text = (
            f"A reviewer looked at your takedown request {tracking} (received {received}) and found no grounds "
            f"to remove the videos, so nothing was removed and the request is closed. {selfie_gone}\n\n"
            f"If you think this is wrong, send a new request."
        )
    # Its page in the web client (#/removal/<tracking>, escaped as the client escapes it), on a line
    # of its own, where the site's public address is configured; otherwise where on the site to type
    # the number in.
    page = _on_site(reverse("web-shell") + "#/removal/" + quote(tracking, safe=""))
    follow = (
        f"Your tracking number is {tracking}: keep it to follow your request"
        + (f" on its page:\n{page}" if page else ", under Request removal on our site.")
        + "\n\nYou get this mail because this address was given with the request; we write to it only "
        "about this request."
    )
    return subject, f"{text}\n\n{follow}\n"


def requester_mail(*, request_id: int) -> bool:
    """Mail the requester, at the address given with the request (read now: only the id is queued, so
    a request deleted meanwhile sends nothing), its status as it is now, once per status: received and
    her face verified (`hidden`) or not (`rejected`, `no_match`), then decided (`removed`, `dismissed`).
    A mail queued for an earlier status tells the current one: a request decided before its "received"
    mail went gets the decision, once. Through Django's send_mail, from DEFAULT_FROM_EMAIL. Whether a
    mail went.

    The status is marked mailed (`mailed_status`) in the transaction that sends: a second task for it
    (a status set twice, a task run again after its mail went) waits for this one's commit and finds it
    mailed; a send that fails rolls the mark back for the task's retry. (A worker killed after the mail
    server took the mail but before the commit may send it again.)"""
    with transaction.atomic():
        # FOR NO KEY UPDATE: another mail task and a decision wait for it, but not a draft being stored
        # (draft_taken_down's FOR KEY SHARE), which would otherwise wait for the mail server.
        request = TakedownRequest.objects.select_for_update(no_key=True).filter(pk=request_id).first()
        if request is None or request.status in (Status.VERIFYING, request.mailed_status):
            return False
        # The mark, conditional: it also holds the row where select_for_update does not (SQLite).
        marked = (
            TakedownRequest.objects.filter(pk=request.pk, status=request.status)
            .exclude(mailed_status=request.status)
            .update(mailed_status=request.status)
        )
        if not marked:
            return False
        subject, text = _requester_message(request)
        send_mail(subject, text, None, [request.email])
    logger.info("takedown request %s: its requester was mailed its status %s", request.tracking, request.status)
    return True
