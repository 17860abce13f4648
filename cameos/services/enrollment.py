"""Writes for cameos: enrollment challenges, upload checks, submission, verification and expiry."""

from __future__ import annotations

import datetime as dt
import logging
import secrets
import shutil
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.utils import timezone

from accounts.models import User
from accounts.services import people_hold, people_keep
from cameos import crypto, gallery
from cameos.conf import conf
from cameos.models import Cameo, Enrollment, EnrollmentChallenge, GalleryEntry, IdentityConflict, Voice
from cameos.services.appearances import possible_matches_forget, schedule_scan
from cameos.signals import enrollment_checking
from core.exceptions import ApplicationError, NotFound
from core.sql import serialised
from core.storage import delete_after_commit, delete_now

if TYPE_CHECKING:
    from cameos.likeness.video import Caps

logger = logging.getLogger(__name__)

STEPS = ("center", "turn_left", "turn_right", "look_up", "look_down")


class InvalidUpload(ApplicationError):
    code = "invalid_upload"
    default_detail = "This file is not a video we can use."


class ChallengeInvalid(ApplicationError):
    code = "invalid_challenge"
    default_detail = "This challenge is unknown, used or expired: ask for a new one."


# --- enrollment ------------------------------------------------------------------------------------


def challenge_steps() -> list[str]:
    """A random sequence of 3–4 head poses, always starting at `center` (enrollment, takedowns)."""
    rng = secrets.SystemRandom()
    return ["center", *rng.sample(STEPS[1:], k=rng.choice((2, 3)))]


def challenge_digits() -> str:
    """VOICE_DIGITS_MIN–VOICE_DIGITS_MAX random digits to read aloud (the voice step)."""
    rules = conf()
    count = rules.voice_digits_min + secrets.randbelow(rules.voice_digits_max - rules.voice_digits_min + 1)
    return "".join(str(secrets.randbelow(10)) for _ in range(count))


def _enrolling_held(user: User) -> None:
    """The person who asks for a challenge or sends their enrollment video, held until the transaction
    ends (accounts.services.people_keep), before the challenge: their erasure on another device, which
    holds their account row and then deletes their challenges with it, commits first (a 404) or waits.
    Unheld, the new row named an account the erasure deleted meanwhile and failed its foreign key at
    commit (a 500), and an enrollment holding its challenge deadlocked with the erasure."""
    if user.pk not in people_keep([user.pk]):
        raise NotFound("Your account no longer exists.")


@transaction.atomic
def challenge_create(*, user: User, voice: bool = False) -> EnrollmentChallenge:
    """challenge_steps, for this user, expiring in 3 minutes; with `voice`, digits to read aloud too.
    The person is held first (_enrolling_held): their erasure on another device at the same time
    commits first (this is a 404) or waits and deletes the challenge with the account."""
    _enrolling_held(user)
    now = timezone.now()
    return EnrollmentChallenge.objects.create(
        user=user,
        steps=challenge_steps(),
        say_digits=challenge_digits() if voice else None,
        created_at=now,
        expires_at=now + dt.timedelta(seconds=conf().challenge_seconds),
    )


def upload_caps() -> Caps:
    """cameos.likeness.video.Caps of an uploaded video (enrollment, takedown selfie), from settings."""
    from cameos.likeness.video import Caps

    rules = conf()
    return Caps(
        max_side=rules.max_side,
        max_frames=rules.max_frames,
        max_seconds=rules.max_seconds,
        decode_seconds=rules.decode_seconds,
        codecs=frozenset(rules.codecs),
    )


def _refuse(text: str) -> InvalidUpload:
    return InvalidUpload(text, fields={"video": [text]})


def check_upload(upload: UploadedFile) -> str:
    """The video's container ("mp4" or "webm") if the file is one we accept, by content: size; then
    from its headers alone, before any frame is decoded: a real container, an accepted codec,
    duration, resolution (long side at most MAX_SIDE, short side at least MIN_SIDE) and frame count;
    then its first frames decoded under the caps (a decoder may not allocate a frame over the pixel
    cap); InvalidUpload otherwise."""
    from cameos.likeness.video import UnreadableVideo, VideoOverCap, probe, read_header  # PyAV: loaded only here

    rules, caps = conf(), upload_caps()
    if upload.size is None or upload.size == 0:
        raise InvalidUpload("The file is empty.", fields={"video": ["The file is empty."]})
    if upload.size > rules.max_bytes:
        limit = rules.max_bytes // (1024 * 1024)
        raise InvalidUpload(f"Videos are limited to {limit} MB.", fields={"video": [f"At most {limit} MB."]})
    too_large = f"The video may be at most {rules.max_side} pixels on its long side."
    with tempfile.NamedTemporaryFile(suffix=".video") as copy:
        upload.seek(0)
        shutil.copyfileobj(upload, copy)
        copy.flush()
        try:
            header = read_header(copy.name, caps=caps)
            if not rules.min_seconds <= header.duration_s <= rules.max_seconds:
                raise _refuse(
                    f"Record {rules.min_seconds}–{rules.max_seconds} seconds (this one is {header.duration_s:.1f})."
                )
            if max(header.width, header.height) > rules.max_side:
                raise _refuse(too_large)
            if header.frames > rules.max_frames:
                frames = f"{rules.max_frames} frames (this one has {header.frames})"
                raise _refuse(f"The video may have at most {frames}.")
            if min(header.width, header.height) < rules.min_side:  # no face big enough to verify fits
                raise _refuse(
                    f"The video must be at least {rules.min_side} pixels on its short side "
                    f"(this one is {header.width}×{header.height})."
                )
            found = probe(copy.name, caps=caps)
        except VideoOverCap as exc:
            raise _refuse(too_large if exc.code == "video_too_large" else "This video takes too long to read.") from exc
        except UnreadableVideo as exc:
            codecs = ", ".join(c.upper() for c in rules.codecs)
            raise InvalidUpload(
                "This file is not a video we can read (MP4, WebM or MOV).",
                fields={"video": [f"Not a readable MP4, WebM or MOV video ({codecs})."]},
            ) from exc
    upload.seek(0)
    return found.container


SILENT = "We heard nothing in this video's sound. Record it again with the microphone on, reading the digits aloud."
# What check_sound decodes in the request: the codecs phones and browsers record sound in, within a
# short time (any other, or a track slow to decode, is left to the worker, under its own limits).
REQUEST_AUDIO_CODECS = ("aac", "opus", "vorbis", "mp3")
REQUEST_DECODE_SECONDS = 2.0


def check_sound(upload: UploadedFile) -> None:
    """For a challenge with digits to read aloud (the voice step): InvalidUpload, `reason_code`
    `no_audio`, when the video has no sound track we can read, or nothing in it above the voice
    step's floor (silence, a faint hiss), which the worker would reject anyway (`no_audio`,
    `digits_missing`) after the person waited for it. It reads the samples the worker reads
    (cameos.likeness.voice.read_audio, under the same caps: tens of milliseconds), but only in
    REQUEST_AUDIO_CODECS and for REQUEST_DECODE_SECONDS at most (what it could not read in that time
    is not judged silent); the rest of the voice step, a track of samples that are not numbers or in
    another codec included, is the worker's."""
    from cameos.likeness.voice import NoAudio, OtherCodec, UnreadableAudio, read_audio, speech_seconds

    rules = conf()
    with tempfile.NamedTemporaryFile(suffix=".video") as copy:
        upload.seek(0)
        shutil.copyfileobj(upload, copy)
        copy.flush()
        samples: Any = None
        try:
            started = time.monotonic()
            samples = read_audio(
                copy.name,
                max_seconds=rules.max_seconds,
                decode_seconds=min(rules.decode_seconds, REQUEST_DECODE_SECONDS),
                codecs=REQUEST_AUDIO_CODECS,
            )
            if time.monotonic() - started > REQUEST_DECODE_SECONDS:
                samples = None  # cut short: what was not read may be the speech
        except NoAudio:
            text = VOICE_REFUSALS["no_audio"]
            raise InvalidUpload(text, fields={"video": [text]}, reason_code="no_audio") from None
        except (UnreadableAudio, OtherCodec):
            samples = None  # the worker's: `video_unreadable`, or a codec it decodes under its own limits
    upload.seek(0)
    if samples is not None and speech_seconds(samples) == 0.0:
        raise InvalidUpload(SILENT, fields={"video": [SILENT]}, reason_code="no_audio")


def enrollment_submit(*, user: User, challenge_id: Any, video: UploadedFile) -> Enrollment:
    """Store the video privately and queue its verification. The challenge is spent only by an
    upload that passed the checks (a bad file stores nothing and can be retried); with digits to
    read aloud, a video without sound is one (check_sound). The file is checked and stored before
    the short transaction that spends the challenge and creates the row (no decode or upload holds
    a database lock); if that transaction fails, the file is deleted."""
    container = check_upload(video)
    usable = (
        EnrollmentChallenge.objects.filter(pk=challenge_id, user=user, used_at=None, expires_at__gt=timezone.now())
        .only("say_digits")
        .first()
    )
    if usable is None:  # checked again, locked, below: this only saves storing a file for nothing
        if not User.objects.filter(pk=user.pk).exists():  # erased on another device since signing this in
            raise NotFound("Your account no longer exists.")
        raise ChallengeInvalid(fields={"challenge": ["Unknown, used or expired: ask for a new challenge."]})
    if usable.say_digits:
        check_sound(video)
    name = default_storage.save(f"enrollments/{secrets.token_urlsafe(16)}.{container}", video)
    try:
        with transaction.atomic():
            _enrolling_held(user)  # before the challenge, which their erasure deletes after their account row
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
    rules = conf()
    return UPLOAD_REFUSALS[code].format(side=rules.max_side, seconds=rules.max_seconds)


def _verify(enrollment_id: Any) -> Enrollment | None:
    from cameos.likeness.enrollment import Rules, verify
    from cameos.likeness.faces import engine
    from cameos.likeness.video import UnreadableVideo, VideoOverCap, sample_frames

    enrollment = Enrollment.objects.select_related("challenge").filter(pk=enrollment_id).first()
    if enrollment is None or enrollment.status != Enrollment.Status.VERIFYING:
        return enrollment
    digits = enrollment.challenge.say_digits
    sound: Any = None
    try:
        with tempfile.TemporaryDirectory() as folder:
            local = Path(folder) / "upload"
            with default_storage.open(enrollment.upload_name, "rb") as source, local.open("wb") as target:
                shutil.copyfileobj(source, target)
            frames = sample_frames(local, fps=conf().sample_fps, caps=upload_caps())
            if digits:
                sound = _read_sound(local)
        verdict = verify(frames, enrollment.challenge.steps, engine=engine(), rules=Rules(**conf().rules))
    except VideoOverCap as exc:
        logger.info("enrollment %s: refused, over a cap: %s", enrollment.pk, exc)
        return _finish(enrollment, accepted=False, code=exc.code, reason=upload_refusal(exc.code))
    except (UnreadableVideo, FileNotFoundError) as exc:  # the message may name private paths: not logged
        logger.info("enrollment %s: unreadable video (%s)", enrollment.pk, type(exc).__name__)
        return _finish(
            enrollment, accepted=False, code="video_unreadable", reason="We could not read this video. Record it again."
        )
    if not verdict.accepted:
        return _finish(enrollment, accepted=False, code=verdict.code, reason=verdict.reason)
    voice_template = None
    if digits:
        voice_refusal, voice_template = _check_voice(enrollment, sound, digits)
        if voice_refusal is not None:
            return _finish(enrollment, accepted=False, code=voice_refusal[0], reason=voice_refusal[1])
    if verdict.template is None:  # an accepted verdict always has one
        raise RuntimeError("accepted verdict without a template")
    searched_at = timezone.now()  # a cameo accepted from now on is looked at again in _accept
    others = _others_with_face(enrollment, gallery.search(verdict.template, k=5, min_similarity=_same(), exact=True))
    if others:
        return _refuse_duplicate(enrollment, others)
    for _, refusal in enrollment_checking.send(sender=Enrollment, user=enrollment.user, template=verdict.template):
        if refusal:
            code, reason = refusal  # type: ignore[str-unpack]  # receivers return (code, reason)
            return _finish(enrollment, accepted=False, code=code, reason=reason)
    return _accept(enrollment, verdict, voice_template, searched_at=searched_at)


ACCEPTANCES = 0x63616D656F  # core.sql.serialised's key: one acceptance at a time ("cameo")
LATE_MARGIN = dt.timedelta(minutes=5)  # cameos accepted this long before a search are looked at again


def _same() -> float:
    return conf().duplicate_threshold


def _others_with_face(enrollment: Enrollment, matches: Sequence[gallery.Match]) -> list[gallery.Match]:
    """The matches that are the cameos of other accounts."""
    own = set(Cameo.objects.filter(owner=enrollment.user).values_list("pk", flat=True))
    return [m for m in matches if m.cameo_id not in own]


FACE_MISMATCH = "This face is not the one enrolled with this cameo. To enroll another face, delete this cameo first."


def _another_face(user: User, template: Any) -> bool:
    """A re-enrollment shows another person than the cameo's enrolled face. Refused: the people
    allowed to use the cameo, and its audience, were given for that face, not this one (the voice
    step refuses another voice alike)."""
    own = list(Cameo.objects.filter(owner=user).values_list("pk", flat=True))
    if not GalleryEntry.objects.filter(cameo_id__in=own).exists():
        return False  # a first enrollment (or nothing enrolled to compare with)
    return not gallery.similar_among(template, own, min_similarity=conf().match_threshold)


def _refuse_duplicate(enrollment: Enrollment, others: Sequence[gallery.Match]) -> Enrollment:
    """Refuse the enrollment as another account's face, and log the conflict for review, naming
    both. The other account is held as the conflict's row holds it (accounts.services.people_keep):
    its erasure waits for the refusal and then takes the conflict with it, or it was erased first and
    nothing is logged; either way the enrollment is refused, as it would be had the erasure come just
    after (the face was that account's when it was compared; enrolling again, it no longer is).
    Unheld, an erasure that committed first failed the conflict's foreign key at commit, and the
    refusal with it: the task failed, and the person waited until the enrollment expired
    (`timed_out`, "took too long") instead of learning why."""
    owner_id = Cameo.objects.filter(pk=others[0].cameo_id).values_list("owner_id", flat=True).first()
    with transaction.atomic():
        # The person first (the conflict's row names them), as their erasure holds them before it
        # deletes their enrollments: marking the enrollment first deadlocked with it.
        if enrollment.user_id not in people_hold(user_ids=[enrollment.user_id]):
            return enrollment  # erased meanwhile: their enrollment went with them, no one to log
        if owner_id is not None and owner_id not in people_keep([owner_id]):
            owner_id = None  # erased meanwhile: no one to log the face against
        done = _finish(
            enrollment,
            accepted=False,
            code="duplicate_identity",
            reason="This face is already the cameo of another account. If it is yours, contact support.",
        )
        if owner_id is not None:
            IdentityConflict.objects.create(
                enrollment=enrollment, user=enrollment.user, existing_owner_id=owner_id, similarity=others[0].similarity
            )
    # Who and how similar are in the conflict's row, which goes with either account; a log line stays.
    logger.warning("enrollment %s refused: the face of another account's cameo; logged for review", enrollment.pk)
    return done


def _accept(enrollment: Enrollment, verdict: Any, voice_template: Any, *, searched_at: Any) -> Enrollment:
    """Accept, one acceptance at a time: a face accepted for another account since the search (two
    people enrolling the same face at once) is refused as any duplicate, an enrollment of the
    person's own that is newer and already accepted is not replaced by this older one, and a
    re-enrollment of another face than the cameo's is refused (checked here, under the same lock, so
    that two first enrollments of two faces at once cannot leave the second's). The person is held
    before the enrollment's row (accounts.services.people_hold: their cameo, then their account row),
    as their erasure holds them before it cancels or deletes their enrollments: the other way round,
    an erasure at that moment deadlocked with it."""
    names = _references_save(verdict.references)
    try:
        with transaction.atomic():
            serialised(ACCEPTANCES)
            people_hold(user_ids=[enrollment.user_id])
            # With a margin: a cameo's enrolled_at is taken before its transaction commits (and by
            # another host's clock), so one committed after the search may carry an earlier time.
            since = Cameo.objects.filter(enrolled_at__gte=searched_at - LATE_MARGIN).exclude(owner=enrollment.user)
            late = gallery.similar_among(
                verdict.template, list(since.values_list("pk", flat=True)), min_similarity=_same()
            )
            newer = Enrollment.objects.filter(
                user=enrollment.user, status=Enrollment.Status.ACCEPTED, created_at__gt=enrollment.created_at
            )
            another = not late and _another_face(enrollment.user, verdict.template)
            if late or newer.exists() or another:
                delete_after_commit(names)
            if late:
                return _refuse_duplicate(enrollment, late)
            if newer.exists():
                reason = "A newer video of yours was accepted meanwhile; this one was not used."
                return _finish(enrollment, accepted=False, code="superseded", reason=reason)
            if another:
                return _finish(enrollment, accepted=False, code="face_mismatch", reason=FACE_MISMATCH)
            return _finish(
                enrollment,
                accepted=True,
                code="accepted",
                reason=verdict.reason,
                template=verdict.template,
                references=names,
                voice=voice_template,
            )
    except BaseException:
        delete_now(names)  # the face crops of a finish that rolled back (a retry saves its own)
        raise


UNREADABLE_SOUND = "We could not read this video's sound. Record it again with the microphone on."
VOICE_REFUSALS = {  # code → what the person is told
    "no_audio": "This video has no sound. Record it again with the microphone on, reading the digits aloud.",
    "digits_missing": "We did not hear the digits. Record it again, reading the digits aloud clearly.",
    "digits_wrong": "We heard other digits than the ones shown. Record it again, reading the digits shown.",
    "voice_mismatch": "This voice is not the one enrolled with this cameo. Record it again in your own voice.",
}


_UNREADABLE_SOUND = object()  # _read_sound's answer for a track of samples that are not numbers


def _read_sound(path: Path) -> Any:
    """The upload's sound track (mono 16 kHz samples), None when it has none, _UNREADABLE_SOUND when it
    decodes to samples that are not numbers (refused by _check_voice, after the face checks)."""
    from cameos.likeness.voice import NoAudio, UnreadableAudio, read_audio

    rules = conf()
    try:
        return read_audio(path, max_seconds=rules.max_seconds, decode_seconds=rules.decode_seconds)
    except NoAudio:
        return None
    except UnreadableAudio:  # a float track of NaN: refused as unreadable, not as digits unheard
        logger.info("unreadable sound track (samples that are not numbers)")
        return _UNREADABLE_SOUND


def _check_voice(enrollment: Enrollment, sound: Any, digits: str) -> tuple[tuple[str, str] | None, Any]:
    """The voice step, after the face checks passed: ((code, reason) of a refusal, or None; the
    voice template of an accepted recording)."""
    from cameos.likeness.voice import digits_heard, digits_match, similarity, voice_template

    rules = conf()
    if sound is None:
        return ("no_audio", VOICE_REFUSALS["no_audio"]), None
    if sound is _UNREADABLE_SOUND:
        return ("video_unreadable", UNREADABLE_SOUND), None
    heard = digits_heard(sound)
    if heard.speech_s < rules.voice_min_speech_seconds or not heard.digits:
        return ("digits_missing", VOICE_REFUSALS["digits_missing"]), None
    # Logged: whether it matched and counts, never the words or digits heard nor the challenge's (what a
    # person said on camera, and the answer to a liveness challenge, are not for whoever reads the logs).
    if heard.digit_share < rules.voice_min_digit_share:  # other speech, forced into digits by the grammar
        logger.info(
            "enrollment %s: speech that is not digits (%d words, %.0f%% digits)",
            enrollment.pk,
            len(heard.words),
            100 * heard.digit_share,
        )
        return ("digits_missing", VOICE_REFUSALS["digits_missing"]), None
    if not digits_match(heard.digits, digits):
        logger.info(
            "enrollment %s: the digits heard do not match (%d heard, %d asked)",
            enrollment.pk,
            len(heard.digits),
            len(digits),
        )
        return ("digits_wrong", VOICE_REFUSALS["digits_wrong"]), None
    template = voice_template(sound)
    enrolled = _enrolled_voice(enrollment.user)
    if enrolled is not None and similarity(template, enrolled) < rules.voice_same_threshold:
        return ("voice_mismatch", VOICE_REFUSALS["voice_mismatch"]), None
    return None, template


def _enrolled_voice(user: User) -> Any:
    import numpy as np

    token = Voice.objects.filter(cameo__owner=user).values_list("template", flat=True).first()
    return None if token is None else np.frombuffer(crypto.decrypt(bytes(token)), dtype=np.float32)


@transaction.atomic
def _finish(
    enrollment: Enrollment,
    *,
    accepted: bool,
    code: str,
    reason: str,
    template: Any = None,
    references: Sequence[str] = (),
    voice: Any = None,
) -> Enrollment:
    status = Enrollment.Status.ACCEPTED if accepted else Enrollment.Status.REJECTED
    changed = Enrollment.objects.filter(pk=enrollment.pk, status=Enrollment.Status.VERIFYING).update(
        status=status, reason_code=code, reason=reason[:300], finished_at=timezone.now(), upload_name=""
    )
    delete_after_commit([enrollment.upload_name])
    if changed != 1:  # finished by another run of the task meanwhile, cancelled, or the account erased
        delete_after_commit(references)
        return Enrollment.objects.filter(pk=enrollment.pk).first() or enrollment
    if accepted:
        cameo, created = Cameo.objects.select_for_update().get_or_create(owner=enrollment.user)
        old = [] if created else list(cameo.reference_names)
        cameo.reference_names = list(references)
        cameo.enrolled_at = timezone.now()
        cameo.save(update_fields=["reference_names", "enrolled_at", "updated_at"])
        gallery.put(cameo.pk, template)  # the new template replaces the old one
        Voice.objects.filter(cameo=cameo).delete()  # an enrollment without the voice step keeps no old voice
        if voice is not None:
            token = crypto.encrypt(voice.astype("<f4").tobytes())
            Voice.objects.create(cameo=cameo, template=token, enrolled_at=timezone.now())
        delete_after_commit(old)  # nothing of the old enrollment remains
        if not created:
            possible_matches_forget(enrollment.user)  # matches of the face before
        schedule_scan(cameo.pk)  # videos made before this enrollment that show this face
    enrollment.refresh_from_db()
    return enrollment


def enrollments_cancel(*, user: User) -> int:
    """Reject the person's enrollments still being checked (they erased their cameo meanwhile): their
    uploads are deleted, and a check that ends later creates nothing. How many."""
    pending = list(Enrollment.objects.filter(user=user, status=Enrollment.Status.VERIFYING))
    for enrollment in pending:
        _finish(enrollment, accepted=False, code="cancelled", reason="Cancelled: you erased your cameo.")
    return len(pending)


def enrollments_expire(*, older_than: dt.timedelta | None = None) -> int:
    """Reject enrollments stuck in `verifying` (a lost task) and delete their uploads."""
    cutoff = timezone.now() - (older_than or dt.timedelta(seconds=conf().stale_seconds))
    stale = list(Enrollment.objects.filter(status=Enrollment.Status.VERIFYING, created_at__lt=cutoff))
    for enrollment in stale:
        _finish(enrollment, accepted=False, code="timed_out", reason="Verification took too long. Please try again.")
    return len(stale)
