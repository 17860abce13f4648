"""Writes for cameos: challenges, enrollment and its verification, settings, grants, erasure."""

from __future__ import annotations

import datetime as dt
import json
import logging
import secrets
import shutil
import tempfile
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
from django.conf import settings
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.utils import timezone

from accounts.models import Notification, User
from accounts.selectors import relation_between
from accounts.services import notify
from cameos import crypto, gallery
from cameos.models import (
    Appearance,
    Audience,
    Cameo,
    CameoGrant,
    Enrollment,
    EnrollmentChallenge,
    IdentityConflict,
)
from cameos.signals import audience_narrowed, cameo_erased, enrollment_checking, grant_decided, grant_revoked
from core.exceptions import ApplicationError, Conflict, Forbidden, InvalidInput, NotFound
from core.storage import delete_after_commit, delete_now
from feed import services as feed_services
from feed.models import Video, VideoPerson

if TYPE_CHECKING:
    from cameos.likeness.video import Caps

logger = logging.getLogger(__name__)

STEPS = ("center", "turn_left", "turn_right", "look_up", "look_down")
AUDIENCE_ORDER = {Audience.ONLY_ME: 0, Audience.APPROVED: 1, Audience.MUTUALS: 2, Audience.EVERYONE: 3}


class InvalidUpload(ApplicationError):
    code = "invalid_upload"
    default_detail = "This file is not a video we can use."


class ChallengeInvalid(ApplicationError):
    code = "invalid_challenge"
    default_detail = "This challenge is unknown, used or expired: ask for a new one."


def _rules() -> dict[str, Any]:
    return settings.CASTFEED_ENROLLMENT


# --- enrollment ------------------------------------------------------------------------------------


def challenge_steps() -> list[str]:
    """A random sequence of 3–4 head poses, always starting at `center` (enrollment, takedowns)."""
    rng = secrets.SystemRandom()
    return ["center", *rng.sample(STEPS[1:], k=rng.choice((2, 3)))]


def challenge_create(*, user: User) -> EnrollmentChallenge:
    """challenge_steps, for this user, expiring in 3 minutes."""
    now = timezone.now()
    return EnrollmentChallenge.objects.create(
        user=user,
        steps=challenge_steps(),
        created_at=now,
        expires_at=now + dt.timedelta(seconds=_rules()["CHALLENGE_SECONDS"]),
    )


def upload_caps() -> Caps:
    """cameos.likeness.video.Caps of an uploaded video (enrollment, takedown selfie), from settings."""
    from cameos.likeness.video import Caps

    rules = _rules()
    return Caps(
        max_side=int(rules["MAX_SIDE"]),
        max_frames=int(rules["MAX_FRAMES"]),
        max_seconds=float(rules["MAX_SECONDS"]),
        decode_seconds=float(rules["DECODE_SECONDS"]),
        codecs=frozenset(rules["CODECS"]),
    )


def _refuse(text: str) -> InvalidUpload:
    return InvalidUpload(text, fields={"video": [text]})


def check_upload(upload: UploadedFile) -> str:
    """The video's container ("mp4" or "webm") if the file is one we accept, by content: size; then
    from its headers alone, before any frame is decoded: a real container, an accepted codec,
    duration, resolution and frame count; then its first frames decoded under the caps (a
    decoder may not allocate a frame over the pixel cap); InvalidUpload otherwise."""
    from cameos.likeness.video import UnreadableVideo, VideoOverCap, probe, read_header  # PyAV: loaded only here

    rules, caps = _rules(), upload_caps()
    if upload.size is None or upload.size == 0:
        raise InvalidUpload("The file is empty.", fields={"video": ["The file is empty."]})
    if upload.size > rules["MAX_BYTES"]:
        limit = rules["MAX_BYTES"] // (1024 * 1024)
        raise InvalidUpload(f"Videos are limited to {limit} MB.", fields={"video": [f"At most {limit} MB."]})
    too_large = f"The video may be at most {rules['MAX_SIDE']} pixels on its long side."
    with tempfile.NamedTemporaryFile(suffix=".video") as copy:
        upload.seek(0)
        shutil.copyfileobj(upload, copy)
        copy.flush()
        try:
            header = read_header(copy.name, caps=caps)
            if not rules["MIN_SECONDS"] <= header.duration_s <= rules["MAX_SECONDS"]:
                raise _refuse(
                    f"Record {rules['MIN_SECONDS']}–{rules['MAX_SECONDS']} seconds "
                    f"(this one is {header.duration_s:.1f})."
                )
            if max(header.width, header.height) > rules["MAX_SIDE"]:
                raise _refuse(too_large)
            if header.frames > rules["MAX_FRAMES"]:
                frames = f"{rules['MAX_FRAMES']} frames (this one has {header.frames})"
                raise _refuse(f"The video may have at most {frames}.")
            found = probe(copy.name, caps=caps)
        except VideoOverCap as exc:
            raise _refuse(too_large if exc.code == "video_too_large" else "This video takes too long to read.") from exc
        except UnreadableVideo as exc:
            codecs = ", ".join(c.upper() for c in rules["CODECS"])
            raise InvalidUpload(
                "This file is not a video we can read (MP4, WebM or MOV).",
                fields={"video": [f"Not a readable MP4, WebM or MOV video ({codecs})."]},
            ) from exc
    upload.seek(0)
    return found.container


def enrollment_submit(*, user: User, challenge_id: Any, video: UploadedFile) -> Enrollment:
    """Store the video privately and queue its verification. The challenge is spent only by an
    upload that passed the checks (a bad file stores nothing and can be retried). The file is
    checked and stored before the short transaction that spends the challenge and creates the row
    (no decode or upload holds a database lock); if that transaction fails, the file is deleted."""
    container = check_upload(video)
    usable = EnrollmentChallenge.objects.filter(
        pk=challenge_id, user=user, used_at=None, expires_at__gt=timezone.now()
    ).exists()
    if not usable:  # checked again, locked, below: this only saves storing a file for nothing
        raise ChallengeInvalid(fields={"challenge": ["Unknown, used or expired: ask for a new challenge."]})
    name = default_storage.save(f"enrollments/{secrets.token_urlsafe(16)}.{container}", video)
    try:
        with transaction.atomic():
            challenge = EnrollmentChallenge.objects.select_for_update().filter(pk=challenge_id, user=user).first()
            if challenge is None or challenge.used_at is not None or challenge.expires_at <= timezone.now():
                raise ChallengeInvalid(fields={"challenge": ["Unknown, used or expired: ask for a new challenge."]})
            challenge.used_at = timezone.now()
            challenge.save(update_fields=["used_at"])
            enrollment = Enrollment.objects.create(user=user, challenge=challenge, upload_name=name)
            from cameos.tasks import verify_enrollment  # tasks import this module

            transaction.on_commit(lambda: verify_enrollment.delay(str(enrollment.pk)))
    except BaseException:
        delete_now([name])
        raise
    return enrollment


def _references_save(crops: Sequence[Any]) -> list[str]:
    """Encrypt and store the aligned reference crops (JPEG); their storage names."""
    import cv2  # worker-side

    folder = f"cameos/{secrets.token_urlsafe(16)}"
    names = []
    for i, crop in enumerate(crops):
        ok, jpeg = cv2.imencode(".jpg", crop, [cv2.IMWRITE_JPEG_QUALITY, 92])
        if ok:
            names.append(default_storage.save(f"{folder}/ref{i}.bin", ContentFile(crypto.encrypt(jpeg.tobytes()))))
    return names


def enrollment_verify(*, enrollment_id: Any) -> Enrollment | None:
    """Verify a queued enrollment (the Celery task's body). Idempotent: an enrollment no longer
    verifying is left alone. The upload is deleted whatever the outcome, the task's soft time limit
    included (rejected, `timed_out`)."""
    from celery.exceptions import SoftTimeLimitExceeded

    try:
        return _verify(enrollment_id)
    except SoftTimeLimitExceeded:
        enrollment = Enrollment.objects.filter(pk=enrollment_id, status=Enrollment.Status.VERIFYING).first()
        if enrollment is None:
            return Enrollment.objects.filter(pk=enrollment_id).first()
        logger.warning("enrollment %s: verification reached its time limit", enrollment.pk)
        return _finish(
            enrollment, accepted=False, code="timed_out", reason="Verification took too long. Please try again."
        )


UPLOAD_REFUSALS = {  # VideoOverCap.code → what the person is told
    "video_too_large": "This video is too large: record it again at most {side} pixels on its long side.",
    "video_too_long": "This video is too long: record {seconds:g} seconds at most.",
    "video_too_slow": "This video takes too long to read. Record it again.",
}


def upload_refusal(code: str) -> str:
    """What a person is told of an upload over a cap (VideoOverCap.code), in the worker."""
    rules = _rules()
    return UPLOAD_REFUSALS[code].format(side=rules["MAX_SIDE"], seconds=rules["MAX_SECONDS"])


def _verify(enrollment_id: Any) -> Enrollment | None:
    from cameos.likeness.enrollment import Rules, verify
    from cameos.likeness.faces import engine
    from cameos.likeness.video import UnreadableVideo, VideoOverCap, sample_frames

    enrollment = Enrollment.objects.select_related("challenge").filter(pk=enrollment_id).first()
    if enrollment is None or enrollment.status != Enrollment.Status.VERIFYING:
        return enrollment
    try:
        with tempfile.TemporaryDirectory() as folder:
            local = Path(folder) / "upload"
            with default_storage.open(enrollment.upload_name, "rb") as source, local.open("wb") as target:
                shutil.copyfileobj(source, target)
            frames = sample_frames(local, fps=_rules()["SAMPLE_FPS"], caps=upload_caps())
        verdict = verify(frames, enrollment.challenge.steps, engine=engine(), rules=Rules(**_rules()["RULES"]))
    except VideoOverCap as exc:
        logger.info("enrollment %s: refused, over a cap: %s", enrollment.pk, exc)
        return _finish(enrollment, accepted=False, code=exc.code, reason=upload_refusal(exc.code))
    except (UnreadableVideo, FileNotFoundError) as exc:
        logger.info("enrollment %s: unreadable video: %s", enrollment.pk, exc)
        return _finish(
            enrollment, accepted=False, code="video_unreadable", reason="We could not read this video. Record it again."
        )
    if not verdict.accepted:
        return _finish(enrollment, accepted=False, code=verdict.code, reason=verdict.reason)
    threshold = settings.CASTFEED_FACES["DUPLICATE_THRESHOLD"]
    if verdict.template is None:  # an accepted verdict always has one
        raise RuntimeError("accepted verdict without a template")
    others = [
        m
        for m in gallery.search(verdict.template, k=5, min_similarity=threshold, exact=True)
        if not Cameo.objects.filter(pk=m.cameo_id, owner=enrollment.user).exists()
    ]
    if others:
        owner_id = Cameo.objects.filter(pk=others[0].cameo_id).values_list("owner_id", flat=True).first()
        with transaction.atomic():
            done = _finish(
                enrollment,
                accepted=False,
                code="duplicate_identity",
                reason="This face is already the cameo of another account. If it is yours, contact support.",
            )
            if owner_id is not None:
                IdentityConflict.objects.create(
                    enrollment=enrollment,
                    user=enrollment.user,
                    existing_owner_id=owner_id,
                    similarity=others[0].similarity,
                )
        logger.warning(
            "enrollment %s refused: matches cameo %s (%.3f); logged for review",
            enrollment.pk,
            others[0].cameo_id,
            others[0].similarity,
        )
        return done
    for _, refusal in enrollment_checking.send(sender=Enrollment, user=enrollment.user, template=verdict.template):
        if refusal:
            code, reason = refusal  # type: ignore[str-unpack]  # receivers return (code, reason)
            return _finish(enrollment, accepted=False, code=code, reason=reason)
    names = _references_save(verdict.references)
    return _finish(
        enrollment, accepted=True, code="accepted", reason=verdict.reason, template=verdict.template, references=names
    )


@transaction.atomic
def _finish(
    enrollment: Enrollment,
    *,
    accepted: bool,
    code: str,
    reason: str,
    template: Any = None,
    references: Sequence[str] = (),
) -> Enrollment:
    status = Enrollment.Status.ACCEPTED if accepted else Enrollment.Status.REJECTED
    changed = Enrollment.objects.filter(pk=enrollment.pk, status=Enrollment.Status.VERIFYING).update(
        status=status, reason_code=code, reason=reason[:300], finished_at=timezone.now(), upload_name=""
    )
    delete_after_commit([enrollment.upload_name])
    if changed != 1:  # finished by another run of the task meanwhile
        delete_after_commit(references)
        return Enrollment.objects.get(pk=enrollment.pk)
    if accepted:
        cameo, created = Cameo.objects.select_for_update().get_or_create(owner=enrollment.user)
        old = [] if created else list(cameo.reference_names)
        cameo.reference_names = list(references)
        cameo.enrolled_at = timezone.now()
        cameo.save(update_fields=["reference_names", "enrolled_at", "updated_at"])
        gallery.put(cameo.pk, template)  # the new template replaces the old one
        delete_after_commit(old)  # nothing of the old enrollment remains
        schedule_scan(cameo.pk)  # videos made before this enrollment that show this face
    enrollment.refresh_from_db()
    return enrollment


def enrollments_expire(*, older_than: dt.timedelta | None = None) -> int:
    """Reject enrollments stuck in `verifying` (a lost task) and delete their uploads."""
    cutoff = timezone.now() - (older_than or dt.timedelta(seconds=_rules()["STALE_SECONDS"]))
    stale = list(Enrollment.objects.filter(status=Enrollment.Status.VERIFYING, created_at__lt=cutoff))
    for enrollment in stale:
        _finish(enrollment, accepted=False, code="timed_out", reason="Verification took too long. Please try again.")
    return len(stale)


# --- settings and grants ---------------------------------------------------------------------------


def _clean_restrictions(values: Sequence[Any]) -> list[str]:
    limits = _rules()["RESTRICTIONS"]
    cleaned: list[str] = []
    for value in values:
        text = " ".join(str(value).split())
        if not 2 <= len(text) <= limits["MAX_LENGTH"]:
            raise InvalidInput({"restrictions": [f"Each restriction is 2–{limits['MAX_LENGTH']} characters."]})
        if text.lower() not in (c.lower() for c in cleaned):
            cleaned.append(text)
    if len(cleaned) > limits["MAX_ITEMS"]:
        raise InvalidInput({"restrictions": [f"At most {limits['MAX_ITEMS']} restrictions."]})
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
        if audience == Audience.EVERYONE and owner.is_minor:
            raise InvalidInput({"audience": ["A cameo of someone under 18 cannot be open to everyone."]})
        cameo.audience = audience
    if instructions is not None:
        cameo.instructions = " ".join(instructions.split())
    if restrictions is not None:
        cameo.restrictions = _clean_restrictions(restrictions)
    if protect_name is not None:
        cameo.protect_name = protect_name
    cameo.save()
    if AUDIENCE_ORDER[Audience(cameo.audience)] < AUDIENCE_ORDER[Audience(previous)]:
        audience_narrowed.send(sender=Cameo, cameo=cameo, previous=previous)
        if delete_videos:
            _delete_videos_of_people_no_longer_allowed(owner, cameo)
    return cameo


def _delete_videos_of_people_no_longer_allowed(owner: User, cameo: Cameo) -> None:
    from cameos.selectors import cameo_access_many

    authors = set(VideoPerson.objects.filter(user=owner).exclude(author=owner).values_list("author_id", flat=True))
    for author in User.objects.filter(pk__in=authors):
        if not cameo_access_many(author, [cameo])[cameo.pk].available:
            appearances_delete(person=owner, author=author)


@transaction.atomic
def cameo_delete(*, owner: User, delete_appearances: bool = False) -> None:
    """Erase the cameo at once: gallery entry, reference crops (files after commit), settings and
    grants. With delete_appearances, every video that shows the person is deleted too."""
    cameo = Cameo.objects.select_for_update().filter(owner=owner).first()
    if cameo is None:
        raise NotFound("You have no cameo.")
    names = list(cameo.reference_names)
    gallery.remove(cameo.pk)
    cameo.delete()
    delete_after_commit(names)
    if delete_appearances:
        for video in Video.objects.filter(pk__in=VideoPerson.objects.filter(user=owner).values("video_id")):
            feed_services.video_delete(video=video)
    cameo_erased.send(sender=Cameo, owner=owner)


def grant_request(*, requester: User, owner: User) -> CameoGrant:
    """Ask to use `owner`'s cameo. Idempotent while a request or approval stands; a denied or
    revoked request can be asked again after a cool-down."""
    from cameos.selectors import cameo_access

    cameo = Cameo.objects.filter(owner=owner).first()
    access = cameo_access(cameo, requester)
    if cameo is not None and access.request == CameoGrant.Status.REQUESTED and access.reason.endswith("needs_approval"):
        return CameoGrant.objects.get(cameo=cameo, grantee=requester)  # asked already: the same request
    if cameo is None or not access.can_request:
        if access.available:
            raise Conflict("You can already use this cameo.", code="already_available")
        raise Forbidden("This cameo is not available.", code="not_available")
    grant, created = CameoGrant.objects.get_or_create(cameo=cameo, grantee=requester)
    if not created and grant.status in (CameoGrant.Status.DENIED, CameoGrant.Status.REVOKED):
        cool_down = dt.timedelta(seconds=_rules()["REQUEST_COOLDOWN_SECONDS"])
        if grant.decided_at and timezone.now() - grant.decided_at < cool_down:
            # Refused before anything is stored or anyone is told: asking again and again is no way
            # to flood the owner's notifications.
            raise Conflict("You asked recently; you can ask again later.", code="request_cooldown")
        CameoGrant.objects.filter(pk=grant.pk).update(
            status=CameoGrant.Status.REQUESTED, requested_at=timezone.now(), decided_at=None
        )
        grant.refresh_from_db()
    notify(user_id=owner.pk, kind=Notification.Kind.CAMEO_REQUESTED, handle=requester.handle)
    return grant


def _own_grant(owner: User, grant_id: int) -> CameoGrant:
    grant = CameoGrant.objects.select_for_update().filter(pk=grant_id, cameo__owner=owner).first()
    if grant is None:
        raise NotFound("No such request.")
    return grant


@transaction.atomic
def grant_decide(*, owner: User, grant_id: int, approve: bool) -> CameoGrant:
    grant = _own_grant(owner, grant_id)
    relation = relation_between(owner.pk, grant.grantee_id)
    if relation.blocked_by_them:
        raise NotFound("No such request.")  # they blocked the owner: as gone as an unknown request
    if grant.status != CameoGrant.Status.REQUESTED:
        raise Conflict(f"This request was already {grant.status}.", code="already_decided")
    if approve and relation.blocked_by_me:
        raise Conflict("Unblock this person before approving them.", code="blocked")
    grant.status = CameoGrant.Status.APPROVED if approve else CameoGrant.Status.DENIED
    grant.decided_at = timezone.now()
    grant.save(update_fields=["status", "decided_at"])
    grant_decided.send(sender=CameoGrant, grant=grant)
    return grant


@transaction.atomic
def grant_revoke(*, owner: User, grant_id: int, delete_videos: bool = False) -> CameoGrant:
    """Take back an approval. The consent cascade (stop unpublished jobs) hooks grant_revoked; with
    `delete_videos`, the grantee's published videos that show the owner go too."""
    grant = _own_grant(owner, grant_id)
    if grant.status != CameoGrant.Status.APPROVED:
        raise NotFound("No such grant.")
    grant.status, grant.decided_at = CameoGrant.Status.REVOKED, timezone.now()
    grant.save(update_fields=["status", "decided_at"])
    grant_revoked.send(sender=CameoGrant, grant=grant)
    if delete_videos:
        appearances_delete(person=owner, author=grant.grantee)
    return grant


def appearances_record(*, video: Video, tagged: Sequence[int], detected: dict[int, float]) -> list[int]:
    """Who a generated video shows: the cameos it was made with (tagged) and the people the output
    scan found (detected, with the similarity). The feed learns the tagged people and the detected
    ones whose similarity reaches the reveal bar for the video's status (a new video is a draft) as
    the video's people; a detected face below the bar is a possible match: recorded, never shown to
    that person, and its author is asked to confirm or remove them. video_faces_record then holds the
    rest of the bar (track length, margin) once it has the tracks. Returns the ids of the people the
    video shows (tagged and confirmed), for whoever tells them."""
    rows = {uid: Appearance(video=video, user_id=uid, source=Appearance.Source.TAGGED) for uid in tagged}
    bar = _reveal_bar(published=video.is_published)
    for uid, similarity in detected.items():
        if uid in rows:
            rows[uid].similarity = similarity
            continue
        sure = uid == video.author_id or similarity >= bar
        rows[uid] = Appearance(
            video=video,
            user_id=uid,
            source=Appearance.Source.DETECTED,
            similarity=similarity,
            match=Appearance.Match.CONFIRMED if sure else Appearance.Match.POSSIBLE,
        )
    Appearance.objects.bulk_create(rows.values(), ignore_conflicts=True)
    shown = [uid for uid, row in rows.items() if row.match == Appearance.Match.CONFIRMED]
    feed_services.video_set_people(video=video, users=User.objects.filter(pk__in=shown))
    for uid, row in rows.items():
        if row.match == Appearance.Match.POSSIBLE:
            _possible_match_found(video, uid)
    return shown


def _reveal_bar(*, published: bool) -> float:
    faces = settings.CASTFEED_FACES
    return float(faces["REVEAL_PUBLISHED_THRESHOLD"] if published else faces["REVEAL_DRAFT_THRESHOLD"])


def track_reveals(*, similarity: float, frames: int, runner_up: float, published: bool) -> bool:
    """Whether a face track this like a person's template shows them surely enough to reveal its video
    to them (media, poster, author) and let them delete it (docs/videos-of-me.md § Possible matches,
    benchmarks/false_match.py): at least the reveal threshold for the video's status (stricter for a
    draft), seen in at least TRACK_MIN_FRAMES sampled frames (the quality gate), and closer to them
    than to any other enrolled cameo (`runner_up`, -1.0 if none) by REVEAL_MARGIN."""
    faces = settings.CASTFEED_FACES
    return (
        similarity >= _reveal_bar(published=published)
        and frames >= int(faces["TRACK_MIN_FRAMES"])
        and similarity - runner_up >= float(faces["REVEAL_MARGIN"])
    )


def _possible_match_found(video: Video, user_id: int) -> None:
    """Ask the author of `video` to confirm or remove a person it may show (a possible match)."""
    if video.author_id == user_id:
        return
    match = Appearance.objects.filter(video=video, user_id=user_id, match=Appearance.Match.POSSIBLE).first()
    handle = User.objects.filter(pk=user_id).values_list("handle", flat=True).first()
    if match is not None and handle is not None:
        notify(
            user_id=video.author_id,
            kind=Notification.Kind.APPEARANCE_TO_CONFIRM,
            video_id=video.pk,
            match_id=match.pk,
            handle=handle,
        )


@transaction.atomic
def possible_match_decide(*, author: User, match_id: int, confirm: bool) -> Appearance:
    """The author of a video answers a possible match: `confirm` (it is that person: they see the
    video and may delete it, and are told) or remove (it is not them: never raised again). 404 for a
    match that is not on one of the author's videos or is no longer open."""
    appearance = (
        Appearance.objects.select_for_update()
        .filter(pk=match_id, video__author=author, match=Appearance.Match.POSSIBLE)
        .select_related("video", "user")
        .first()
    )
    if appearance is None:
        raise NotFound("No such possible match.")
    appearance.match = Appearance.Match.CONFIRMED if confirm else Appearance.Match.REMOVED
    appearance.save(update_fields=["match"])
    if confirm:
        feed_services.video_add_person(video=appearance.video, user=appearance.user)
        notify(user_id=appearance.user_id, kind=Notification.Kind.VIDEO_OF_YOU_FOUND, video_ids=[appearance.video_id])
    return appearance


# --- videos of me ----------------------------------------------------------------------------------


def schedule_scan(cameo_id: int) -> None:
    from cameos.tasks import scan_existing_videos

    transaction.on_commit(lambda: scan_existing_videos.delay(cameo_id))


def existing_videos_scan(*, cameo_id: int) -> list[int]:
    """Search the video face index for this cameo's face (exact: a person must not miss a video of
    themselves). Every video with a track at MATCH_THRESHOLD or above becomes a `detected` appearance
    of the owner: confirmed, so they see it and may delete it, when one of its tracks passes the
    reveal bar (track_reveals); otherwise a possible match: they are told a video may show them,
    without anything of it, and its author is asked to confirm or remove them. A possible match that
    now passes (its video was published since) is confirmed. Returns the ids of the videos newly
    revealed to the owner."""
    cameo = Cameo.objects.filter(pk=cameo_id).select_related("owner", "gallery_entry").first()
    if cameo is None or not hasattr(cameo, "gallery_entry"):
        return []
    faces = settings.CASTFEED_FACES
    stored = cameo.gallery_entry.embedding
    template = np.asarray(json.loads(stored) if isinstance(stored, str) else stored, dtype=np.float32)
    hits = gallery.video_tracks_like(template, min_similarity=float(faces["MATCH_THRESHOLD"]))
    if not hits:
        return []
    others = gallery.best_other(
        np.stack([h.embedding for h in hits]),
        exclude_cameo_id=cameo.pk,
        min_similarity=min(h.similarity for h in hits) - float(faces["REVEAL_MARGIN"]),
    )
    by_video: dict[int, list[tuple[gallery.TrackHit, float]]] = {}
    for hit, other in zip(hits, others, strict=True):
        by_video.setdefault(hit.video_id, []).append((hit, other))
    owner = cameo.owner
    known = set(VideoPerson.objects.filter(user=owner, video_id__in=list(by_video)).values_list("video_id", flat=True))
    revealed: list[int] = []
    possible: list[Video] = []
    with transaction.atomic():
        earlier = {a.video_id: a for a in Appearance.objects.filter(user=owner, video_id__in=list(by_video))}
        videos = Video.objects.filter(pk__in=[v for v in by_video if v not in known]).exclude(
            status=Video.Status.REMOVED
        )
        for video in videos:
            found = by_video[video.pk]
            similarity = max(hit.similarity for hit, _ in found)
            sure = video.author_id == owner.pk or any(
                track_reveals(
                    similarity=hit.similarity, frames=hit.frames, runner_up=other, published=video.is_published
                )
                for hit, other in found
            )
            before = earlier.get(video.pk)
            if before is not None and (before.match == Appearance.Match.REMOVED or not sure):
                continue  # its author said it is not them, or still only a possible match
            match = Appearance.Match.CONFIRMED if sure else Appearance.Match.POSSIBLE
            Appearance.objects.update_or_create(
                video=video,
                user=owner,
                defaults={"source": Appearance.Source.DETECTED, "similarity": similarity, "match": match},
            )
            if sure:
                feed_services.video_add_person(video=video, user=owner)
                revealed.append(video.pk)
            else:
                possible.append(video)
        for video in possible:
            _possible_match_found(video, owner.pk)
        if revealed or possible:
            extra = {"possible": len(possible)} if possible else {}
            notify(user_id=owner.pk, kind=Notification.Kind.VIDEO_OF_YOU_FOUND, video_ids=revealed, **extra)
    return revealed


def appearance_delete(*, person: User, video_id: int) -> None:
    """A person deletes a video that shows them, whoever made it, draft or published: gone
    everywhere at once (feed.services.video_delete), and its author is told who it was not."""
    if not VideoPerson.objects.filter(user=person, video_id=video_id).exists():
        raise NotFound("No video of you with this id.")  # someone else's business does not exist for you
    video = Video.objects.filter(pk=video_id).first()
    if video is None:
        raise NotFound("No video of you with this id.")
    author_id = video.author_id
    feed_services.video_delete(video=video, by=person)
    if author_id != person.pk:
        notify(user_id=author_id, kind=Notification.Kind.VIDEO_REMOVED, video_id=video_id, by="a person in it")


def appearances_delete(*, person: User, author: User | None = None) -> int:
    """Delete every video that shows `person` (by `author` only, when given). How many."""
    rows = VideoPerson.objects.filter(user=person)
    if author is not None:
        rows = rows.filter(author=author)
    ids = list(rows.values_list("video_id", flat=True))
    for video_id in ids:
        try:
            appearance_delete(person=person, video_id=video_id)
        except NotFound:
            continue  # deleted meanwhile
    return len(ids)


def video_faces_record(*, video_id: int, tracks: list[tuple[Any, int, int, int]]) -> None:
    """Keep the face tracks of a generated video (template, first_ms, last_ms, frames) in the video
    face index, replacing any earlier scan of it; then hold the people the output scan detected in it
    (appearances_record) to the whole reveal bar: one whose track is too short, or not closer to them
    than to every other cameo by the margin, becomes a possible match."""
    gallery.video_faces_put(video_id, tracks)
    detected = list(
        Appearance.objects.filter(
            video_id=video_id, source=Appearance.Source.DETECTED, match=Appearance.Match.CONFIRMED
        ).select_related("video")
    )
    if not detected or not tracks:
        return
    video = detected[0].video
    templates = np.stack([np.asarray(t[0], dtype=np.float32).reshape(-1) for t in tracks])
    frames = [int(t[3]) for t in tracks]
    entries = {
        owner: (cameo, np.asarray(json.loads(e) if isinstance(e, str) else e, dtype=np.float32))
        for owner, cameo, e in Cameo.objects.filter(owner_id__in=[a.user_id for a in detected])
        .exclude(gallery_entry=None)
        .values_list("owner_id", "pk", "gallery_entry__embedding")
    }
    demoted = []
    for appearance in detected:
        if appearance.user_id == video.author_id or appearance.user_id not in entries:
            continue
        cameo_id, template = entries[appearance.user_id]
        scores = templates @ template
        best = int(np.argmax(scores))
        similarity = float(scores[best])
        margin = float(settings.CASTFEED_FACES["REVEAL_MARGIN"])
        other = gallery.best_other(templates[best], exclude_cameo_id=cameo_id, min_similarity=similarity - margin)[0]
        if not track_reveals(similarity=similarity, frames=frames[best], runner_up=other, published=video.is_published):
            demoted.append(appearance.user_id)
    if demoted:
        Appearance.objects.filter(video_id=video_id, user_id__in=demoted).update(match=Appearance.Match.POSSIBLE)
        keep = set(VideoPerson.objects.filter(video_id=video_id).values_list("user_id", flat=True)) - set(demoted)
        feed_services.video_set_people(video=video, users=User.objects.filter(pk__in=keep))
        for user_id in demoted:
            _possible_match_found(video, user_id)


# --- erasure ---------------------------------------------------------------------------------------


def user_cameo_erase(*, user: User) -> None:
    """Everything biometric of `user`, before their account goes: cameo, template, crops, uploads."""
    if Cameo.objects.filter(owner=user).exists():
        cameo_delete(owner=user)
    uploads = list(Enrollment.objects.filter(user=user).exclude(upload_name="").values_list("upload_name", flat=True))
    delete_after_commit(uploads)


def user_cameo_export(*, user: User) -> dict[str, Any]:
    """The person's cameo settings, requests and grants, and the videos that show them; never the
    face template or the crops (the owner downloads crops one by one: GET /cameo/references/{n})."""
    cameo = Cameo.objects.filter(owner=user).first()
    return {
        "cameo": None
        if cameo is None
        else {
            "audience": cameo.audience,
            "instructions": cameo.instructions,
            "restrictions": cameo.restrictions,
            "protect_name": cameo.protect_name,
            "enrolled_at": cameo.enrolled_at.isoformat(),
            "reference_images": len(cameo.reference_names),
        },
        "grants_given": [
            {"handle": h, "status": st}
            for h, st in CameoGrant.objects.filter(cameo__owner=user).values_list("grantee__handle", "status")
        ],
        "grants_received": [
            {"handle": h, "status": st}
            for h, st in CameoGrant.objects.filter(grantee=user).values_list("cameo__owner__handle", "status")
        ],
        "appearances": [
            {"video_id": v, "source": src, "similarity": sim}
            # Possible matches are not theirs to see (a look-alike must learn nothing of a stranger's video).
            for v, src, sim in Appearance.objects.filter(user=user, match=Appearance.Match.CONFIRMED).values_list(
                "video_id", "source", "similarity"
            )
        ],
    }
