"""Writes for generation: submit, the guarded transitions of a job, cancel, publish, the cascade.

Every change of status is one conditional UPDATE (`_move`): it succeeds only from the states it
names, so a worker, a second worker after a crash, the consent cascade and the author can race and
the job still moves forward exactly once. The consent gate runs here at submit and at publish, and in
the pipeline when a worker starts the job and on the output (generation.pipeline).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import random
import uuid
from collections.abc import Callable, Iterable
from functools import partial
from typing import Any, NotRequired, TypedDict, Unpack

import numpy as np
from django.core.files.base import ContentFile
from django.db import IntegrityError, connection, transaction
from django.db.models import F, Q, QuerySet
from django.utils import timezone

from accounts.models import Notification, User
from accounts.services import PeopleBusy, notify, people_keep
from cameos import services as cameo_services
from cameos.models import Cameo
from cameos.selectors import cameo_access_by_authors, face_templates
from core.exceptions import ApplicationError, Conflict, InvalidInput, NotFound, TooManyRequests
from core.spoken import PHONEME_CODES, phoneme_codes, too_long, too_long_for
from core.storage import delete_after_commit, delete_now
from core.text import MixedScript, canonical, display
from feed import selectors as feed_selectors
from feed import services as feed_services
from feed.models import Video, VideoPerson
from generation.conf import conf
from generation.models import GenerationJob, JobPerson
from generation.uploads import as_rendered, check_image
from moderation import consent, policy, takedowns
from moderation.conf import conf as moderation_conf
from moderation.models import AuditEvent
from moderation.selectors import remix_source
from moderation.services import audit, audit_decision

Status = GenerationJob.Status
ENDED = (Status.PUBLISHED, Status.BLOCKED, Status.FAILED, Status.CANCELLED)
WITHDRAWN = "Someone in this video no longer allows it."
TAKEN_DOWN = "This video was taken down."
TOO_LATE = "This video waited too long to be made to be checked against a removal request. Try again."
# The error codes of jobs that failed for the system's reasons (the backend, a bug in the worker):
# their author is told to try again, and they do not count against the daily quota.
SYSTEM_FAILURES = ("backend_error", "generation_failed")
GAVE_UP = "This video could not be made: it stopped the worker each time. Try again, perhaps with another seed."


class PolicyViolation(ApplicationError):
    code = "policy_violation"
    default_detail = "This prompt is not allowed."


class ConsentRequired(ApplicationError):
    status_code = 403
    code = "consent_required"
    default_detail = "Someone this video would show has not allowed you."


def refuse_policy(categories: list[str], *, what: str = "prompt") -> PolicyViolation:
    labels = ", ".join(policy.LABELS[c] for c in categories)
    return PolicyViolation(f"This {what} is not allowed: {labels}.", categories=categories)


def refuse_consent(decision: consent.Decision) -> ConsentRequired:
    refused = decision.refused[0].public()
    return ConsentRequired(f"Not allowed: {refused['detail']}", subjects=decision.public())


# --- submit ----------------------------------------------------------------------------------------


def _validate(prompt: str, duration_s: Any, aspect: str, seed: Any) -> tuple[str, int, str, int]:
    knobs, errors = conf(), {}
    max_chars = moderation_conf().max_prompt_chars
    try:
        # What is stored, checked and read by the model: one text (core.text.canonical).
        prompt = canonical(prompt or "")
    except MixedScript as exc:
        errors["prompt"] = [exc.message]
    else:
        if not prompt:
            errors["prompt"] = ["Describe the video."]
        elif len(prompt) > max_chars:
            errors["prompt"] = [f"At most {max_chars} characters."]
    if not isinstance(duration_s, int) or not knobs.min_seconds <= duration_s <= knobs.max_seconds:
        errors["duration_s"] = [f"A whole number of seconds from {knobs.min_seconds} to {knobs.max_seconds}."]
    elif "prompt" not in errors and too_long(prompt, duration_s):  # the preflight: at the longest duration
        errors["prompt"] = [too_long_for(duration_s)]
    if "prompt" not in errors and phoneme_codes(prompt):  # the preflight refuses them alike
        errors["prompt"] = [PHONEME_CODES]
    if aspect not in GenerationJob.Aspect.values:
        errors["aspect"] = [f"One of {', '.join(GenerationJob.Aspect.values)}."]
    if seed is None:
        seed = random.SystemRandom().randrange(2**31)
    elif not isinstance(seed, int) or not 0 <= seed < 2**31:
        errors["seed"] = ["A whole number from 0 to 2147483647."]
    if errors:
        raise InvalidInput(errors)
    return prompt, duration_s, aspect, seed


def _check_quota(author: User) -> None:
    """429 `quota_exceeded` when `author` has CONCURRENT_JOBS jobs in progress or made DAILY_JOBS
    in 24 hours. A job that failed through no fault of its author (SYSTEM_FAILURES: its author was
    told to try again) is not one of them; blocked (consent, policy) and cancelled jobs are.
    Decisive only under the author's lock (job_submit)."""
    knobs, now = conf(), timezone.now()
    active = GenerationJob.objects.filter(author=author, status__in=GenerationJob.ACTIVE).count()
    if active >= knobs.concurrent_jobs:
        raise TooManyRequests(
            f"You have {active} videos in progress; wait for one to finish.", retry_after=15, code="quota_exceeded"
        )
    window = now - dt.timedelta(days=1)
    recent = list(
        GenerationJob.objects.filter(author=author, created_at__gte=window)
        .exclude(status=Status.FAILED, error_code__in=SYSTEM_FAILURES)
        .order_by("created_at")
        .values_list("created_at", flat=True)[: knobs.daily_jobs]
    )
    if len(recent) >= knobs.daily_jobs:
        wait = (recent[0] + dt.timedelta(days=1) - now).total_seconds()
        raise TooManyRequests(f"You made {knobs.daily_jobs} videos in the last 24 hours.", retry_after=int(wait) + 1)


class IdempotencyKeyReused(ApplicationError):
    status_code = 422  # as the IETF's Idempotency-Key draft says for a key sent with another payload
    code = "idempotency_key_reused"
    default_detail = "This Idempotency-Key came with a different request before: send a new key for a new video."


def _request_digest(*, prompt: str, duration_s: Any, aspect: str, seed: Any, image: Any, remix_of: Any) -> str:
    """What a retry with the same Idempotency-Key must repeat to get the first job back: the fields as
    sent (the prompt canonical; a seed left out matches a seed left out), the image by its bytes."""
    try:
        text = canonical(prompt or "")
    except MixedScript:
        text = prompt or ""
    picture = None
    if image is not None:
        image.seek(0)
        picture = hashlib.sha256(image.read()).hexdigest()  # the body is capped by RequestBodyLimitMiddleware
        image.seek(0)
    fields = [text, duration_s, aspect, seed, remix_of, picture]
    return hashlib.sha256(json.dumps(fields, default=str).encode()).hexdigest()


def _replayed(author: User, key: str, digest: str) -> GenerationJob | None:
    """The job first made with this key, if any; a different request with the key is refused."""
    existing = GenerationJob.objects.filter(author=author, idempotency_key=key).first() if key else None
    if existing is not None and existing.request_digest and existing.request_digest != digest:
        raise IdempotencyKeyReused()
    return existing


def _stored_meanwhile(author: User, key: str, digest: str) -> GenerationJob | None:
    """_replayed, after waiting for a request of the author's that is storing its job now (it holds the
    author's row until it commits, see job_submit)."""
    with transaction.atomic():
        list(User.objects.select_for_update(no_key=True).filter(pk=author.pk).values_list("pk", flat=True))
        return _replayed(author, key, digest)


def job_submit(
    *,
    author: User,
    prompt: str,
    duration_s: Any,
    aspect: str = GenerationJob.Aspect.PORTRAIT,
    seed: Any = None,
    image: Any = None,
    remix_of: int | None = None,
    idempotency_key: str = "",
) -> tuple[GenerationJob, bool]:
    """Check everything that can be checked now, then queue the job. Returns (job, created): a retry
    with the same Idempotency-Key returns the first job and queues nothing, also when the checks would
    refuse it now (the first request was accepted before consent or the quota changed); the key with a
    different request is refused (IdempotencyKeyReused)."""
    key = (idempotency_key or "").strip()
    if len(key) > 100:
        raise InvalidInput({"Idempotency-Key": ["At most 100 characters."]})
    digest = ""
    if key:
        digest = _request_digest(
            prompt=prompt, duration_s=duration_s, aspect=aspect, seed=seed, image=image, remix_of=remix_of
        )
        if (existing := _replayed(author, key, digest)) is not None:
            return existing, False
    job_id = uuid.uuid4()
    refusal: consent.Decision | None = None
    try:
        prompt, duration_s, aspect, seed = _validate(prompt, duration_s, aspect, seed)
        checked = check_image(image) if image is not None else None
        source = remix_source(remix_of, author) if remix_of is not None else None
        _check_quota(author)  # early, before the gate's work; decided again under the lock below
        categories = policy.categories(prompt)
        if categories:
            raise refuse_policy(categories)
        decision = consent.check(
            author,
            prompt,
            reference_image=as_rendered(checked.bgr, aspect) if checked else None,
            remix_of=source.pk if source else None,
            stage="submit",
            # Recorded below once it is known what it decided: the job it made, or a refusal (no job).
            record=False,
        )
        if not decision.allowed:
            refusal = decision
            raise refuse_consent(decision)
    except ApplicationError:
        # A retry that overtook the first request with its key: once that request stored its job, the
        # job is the answer, whatever changed in between (its job filled the quota, or someone withdrew
        # and the cascade blocked it). Its own decision is not recorded: the first request's is the
        # job's record, and no job was made from this one. A key whose request was refused stored
        # nothing: refused again.
        if key and (existing := _stored_meanwhile(author, key, digest)) is not None:
            return existing, False
        if refusal is not None:  # the audit log keeps every refusal, naming no job (none exists)
            audit_decision(author=author, prompt=prompt, decision=refusal)
        raise
    job = GenerationJob(
        id=job_id,
        author=author,
        prompt=prompt,
        duration_s=duration_s,
        aspect=aspect,
        seed=seed,
        remix_of=source,
        idempotency_key=key,
        request_digest=digest,
        consent=decision.as_record(),
        cameos=[{"user_id": c.user_id, "handle": c.handle} for c in decision.cameos],
        people=sorted({c.user_id for c in decision.cameos}),
        backend=conf().backend,
    )
    try:
        with transaction.atomic():
            # Lock, count, insert in one transaction, so N submits at once leave at most the quota:
            # the author's row FOR NO KEY UPDATE on PostgreSQL; on SQLite the IMMEDIATE transaction
            # (settings) holds the database's write lock from BEGIN.
            list(User.objects.select_for_update(no_key=True).filter(pk=author.pk).values_list("pk", flat=True))
            if (existing := _replayed(author, key, digest)) is not None:
                return existing, False  # a concurrent retry with this key committed first
            _check_quota(author)
            # With the job, in its transaction: a decision names only a job that exists.
            audit_decision(author=author, prompt=prompt, decision=decision, job=str(job.pk))
            _to_store(job, checked)
            job.save(force_insert=True)
            _people_add(job, job.people if job.status == Status.QUEUED else [])  # an ended job is in no index
    except IntegrityError as error:
        delete_after_commit([job.image.name] if job.image and job.image.name else [])
        return _not_stored(author, key, digest, source, error)
    if job.status == Status.QUEUED:
        _enqueue(job.pk)
    return job, True


def _not_stored(
    author: User, key: str, digest: str, source: Video | None, error: IntegrityError
) -> tuple[GenerationJob, bool]:
    """Why a job failed to be stored (`error`), answered: a concurrent retry with its key won the race
    (its job), or the author of the video being remixed deleted it after it was checked (the job's link
    to it failed at commit: 404, as for a video that does not exist); else the error."""
    if (existing := _replayed(author, key, digest)) is not None:
        return existing, False
    if source is not None and not Video.objects.filter(pk=source.pk).exists():
        raise NotFound("This video does not exist.") from None
    raise error


def _after_erasures(store: Callable[[], Any]) -> Any:
    """`store()`, one transaction that writes a record naming people (_erased_of), done again once an
    erasure under way of someone it names has ended: waited for in a transaction of its own, holding
    nothing else (the job `store` held may be one that erasure needs)."""
    while True:
        try:
            return store()
        except PeopleBusy as busy:
            with transaction.atomic():
                people_keep(busy.ids)


def _to_store(job: GenerationJob, checked: Any) -> None:
    """The submitted job as it is stored: with its uploaded image (`checked`), or, if someone the gate
    allowed erased their account before it was stored (the erasure's sweep of others' jobs could not
    see it), as that erasure and the consent cascade after it leave a job that showed them: blocked,
    their place kept with neither id nor handle, no image kept, for no worker to run."""
    if gone := set(job.people) - people_keep(job.people):
        record = _consent_refusing(job.consent, job.cameos, gone)
        job.consent, job.cameos, job.people = _forgetting(record, job.cameos, job.people, gone)
        job.status, job.error_code, job.error = Status.BLOCKED, "consent_withdrawn", WITHDRAWN
        job.finished_at = timezone.now()
    elif checked is not None:
        job.image.save(f"{uuid.uuid4().hex}.{checked.extension}", ContentFile(checked.data), save=False)


def _enqueue(job_id: Any) -> None:
    from generation.tasks import run_job

    transaction.on_commit(lambda: run_job.apply_async(args=[str(job_id)], queue="generation"))


# --- transitions -----------------------------------------------------------------------------------


def _move(job_id: Any, sources: Iterable[str], target: str, **fields: Any) -> bool:
    """job: any of `sources` → `target`, with `fields`; False when it was in no such state. A job
    that ends leaves the cascade's index."""
    moved = bool(
        GenerationJob.objects.filter(pk=job_id, status__in=list(sources)).update(
            status=target, updated_at=timezone.now(), **fields
        )
    )
    if moved and target in ENDED:
        JobPerson.objects.filter(job_id=job_id).delete()
    return moved


def _people_add(job: GenerationJob, people: Iterable[int]) -> None:
    """Index who the job shows, for the consent cascade (jobs_recheck)."""
    JobPerson.objects.bulk_create(
        [JobPerson(job_id=job.pk, person_id=p, author_id=job.author_id) for p in set(people)], ignore_conflicts=True
    )


def job_person_found(*, video_id: int, user_id: int) -> None:
    """Someone was found in a draft after it was made (a scan when they enrolled): its unpublished job
    indexes them as its own output scan would have, so that the consent cascade finds the job even
    once their account, and with it the draft's record of them, is erased."""
    job = GenerationJob.objects.filter(video_id=video_id, status__in=GenerationJob.UNPUBLISHED).first()
    if job is not None and job.author_id != user_id:
        _people_add(job, [user_id])


def _refuse_erased(job: GenerationJob) -> None:
    """Block the job and refuse its publish if someone it showed has erased their account since (their
    drafts' records of them went with it, so the gate no longer sees them). The job's record names
    them by no id: they are gone."""
    if erased := _erased_people(job):
        subjects = tuple(consent.Subject(source="output_face", allowed=False, why="erased") for _ in erased)
        gone = consent.Decision(allowed=False, stage="publish", subjects=subjects)
        job_block(job.pk, reason=subjects[0].public()["detail"], decision=gone.as_record())
        raise refuse_consent(gone)


def _erased_people(job: GenerationJob) -> list[int]:
    """The people the job showed whose accounts are gone since (their drafts' records went with them)."""
    shown = set(JobPerson.objects.filter(job_id=job.pk).values_list("person_id", flat=True)) - {job.author_id}
    return sorted(shown - set(User.objects.filter(pk__in=shown).values_list("pk", flat=True)))


def job_claim(job_id: Any, *, lease_seconds: int) -> GenerationJob | None:
    """A worker takes the job: queued (or active with an expired lease: its worker died) → checking.
    None when another worker holds it, or it is finished."""
    now = timezone.now()
    # A dead attempt's job (its lease ran out) only while attempts are left: past them the sweep fails it.
    retake = Q(status__in=GenerationJob.ACTIVE, lease_until__lt=now, attempts__lt=conf().max_attempts)
    claimed = GenerationJob.objects.filter(Q(status=Status.QUEUED) | retake, pk=job_id).update(
        status=Status.CHECKING,
        lease_until=now + dt.timedelta(seconds=lease_seconds),
        started_at=now,
        progress=0,
        attempts=F("attempts") + 1,
        updated_at=now,
    )
    if not claimed:
        return None
    return GenerationJob.objects.select_related("author").get(pk=job_id)


def job_heartbeat(job_id: Any, *, lease_seconds: int, progress: int | None = None, attempt: int | None = None) -> str:
    """Extend the lease (and record progress) while working; the job's status, so the worker can
    stop at the next boundary when it was cancelled or blocked. With `attempt`: only while that
    attempt holds the job ("" once the sweep or another worker took it)."""
    fields: dict[str, Any] = {"lease_until": timezone.now() + dt.timedelta(seconds=lease_seconds)}
    if progress is not None:
        fields["progress"] = max(0, min(99, progress))
    held = GenerationJob.objects.filter(pk=job_id, status__in=GenerationJob.ACTIVE)
    if attempt is not None:
        held = held.filter(attempts=attempt).exclude(status=Status.QUEUED)
    held.update(**fields)
    now = GenerationJob.objects.filter(pk=job_id).values_list("status", "attempts").first()
    if now is None or (attempt is not None and (now[1] != attempt or now[0] == Status.QUEUED)):
        return ""
    return now[0]


def job_advance(job_id: Any, source: str, target: str, **fields: Any) -> bool:
    return _move(job_id, [source], target, **fields)


def job_release(job_id: Any) -> bool:
    """Give an active job back to the queue, without a lease (its worker lost the database): a retry
    or the requeue sweep claims it again. False when it was no longer active."""
    return _move(job_id, GenerationJob.ACTIVE, Status.QUEUED, lease_until=None)


def job_timings_record(job_id: Any, *, timings: dict[str, float]) -> None:
    """Keep how long each step of the attempt that made the video took (seconds)."""
    GenerationJob.objects.filter(pk=job_id).update(timings={k: round(v, 4) for k, v in timings.items()})


def job_block(job_id: Any, *, reason: str, code: str = "consent_required", decision: dict | None = None) -> bool:
    """Stop a job that may not go on (consent or policy): nothing of it is published, its draft (if
    any) is deleted. `decision` is stored without anyone it names who erased their account, also
    while that erasure is under way (_erased_of)."""
    return _after_erasures(lambda: _job_block(job_id, reason=reason, code=code, decision=decision))


def _job_block(job_id: Any, *, reason: str, code: str, decision: dict | None) -> bool:
    with transaction.atomic():
        job = GenerationJob.objects.select_for_update().filter(pk=job_id).first()
        if job is None or job.status not in GenerationJob.UNPUBLISHED:
            return False
        fields: dict[str, Any] = {"error_code": code, "error": reason[:500], "finished_at": timezone.now()}
        if decision is not None:
            # Decided by the worker before someone it names erased their account: stored without them.
            fields["consent"], _, _ = _forgetting(decision, [], [], _erased_of(decision))
        _move(job_id, GenerationJob.UNPUBLISHED, Status.BLOCKED, lease_until=None, **fields)
        if job.video_id is not None:
            video = Video.objects.filter(pk=job.video_id, status=Video.Status.DRAFT).first()
            if video is not None:
                feed_services.video_delete(video=video)
        _discard_image(job)
    return True


def job_fail(job_id: Any, *, reason: str, code: str = "generation_failed") -> bool:
    job = GenerationJob.objects.filter(pk=job_id).first()
    moved = _move(
        job_id,
        GenerationJob.ACTIVE,
        Status.FAILED,
        error_code=code,
        error=reason[:500],
        finished_at=timezone.now(),
        lease_until=None,
    )
    if moved and job is not None:
        _discard_image(job)
    return moved


def _discard_image(job: GenerationJob) -> None:
    if job.image and job.image.name:
        delete_after_commit([job.image.name])
        GenerationJob.objects.filter(pk=job.pk).update(image="")


class Rendered(TypedDict):
    """What the worker made of a job, besides the files: job_finish's keyword arguments."""

    duration_ms: int
    width: int
    height: int
    tagged: list[int]
    detected: dict[int, float]
    faces: list[tuple[Any, int, int, int]]
    decision: dict[str, Any]
    timings: dict[str, float]
    fingerprint: NotRequired[bytes | None]


def job_finish(job_id: Any, *, media: bytes, poster: bytes, **rendered: Unpack[Rendered]) -> Video | None:
    """scanning → ready: the draft video, its appearances and face index rows, in one transaction.
    None (and nothing kept) when the job is no longer scanning: cancelled or blocked meanwhile.
    `fingerprint`: the MP4's vPDQ fingerprint, computed by the worker before this transaction. The
    files are stored first, outside it (no upload holds a database lock); they are deleted when
    the transaction does not keep them (the job moved on meanwhile, or it failed)."""
    job = GenerationJob.objects.filter(pk=job_id, status=Status.SCANNING).first()
    if job is None:
        return None  # decided again under the lock below; this only saves storing for nothing
    # Asked once outside any lock too: a rule set since the scan is embedded here, not while the rows
    # of everyone shown are held (a worker runs at idle priority); under the lock it is then quick.
    _withdrawn(job, {*rendered["tagged"], *rendered["detected"]} - {job.author_id})
    stored = feed_services.video_files_store(media=ContentFile(media), poster=ContentFile(poster))
    try:
        video = _after_erasures(lambda: _job_finish(job_id, stored=stored, **rendered))
    except BaseException:
        delete_now([stored["media"], stored["poster"]])
        raise
    if video is None:
        delete_now([stored["media"], stored["poster"]])
    return video


def _withdrawn(job: GenerationJob, people: set[int]) -> list[int]:
    """Who of these (each allowed the author when the job was checked) has since stopped allowing
    them (the consent cascade's own rule, jobs_recheck), gone (an erasure takes the cameo), or set a
    rule the prompt breaks (read by meaning, as the worker reads rules): the cascade and the rules'
    recheck cannot find a face the scan found before the job's people are recorded."""
    from moderation import restrictions

    cameos = {c.owner_id: c for c in Cameo.objects.filter(owner_id__in=people).select_related("owner")}
    out = []
    for person in sorted(people):
        cameo = cameos.get(person)
        if (
            cameo is None
            or not cameo_access_by_authors(cameo, [job.author_id])[job.author_id].available
            or (cameo.restrictions and restrictions.broken(job.prompt, cameo.restrictions, semantic=True))
        ):
            out.append(person)
    return out


def _consent_refusing(
    record: dict[str, Any], cameos: list[dict[str, Any]], people: Iterable[int], *, reason: str = "consent_withdrawn"
) -> dict[str, Any]:
    """A job's stored consent decision with these people refused for `reason` (a public reason code,
    moderation.consent.PUBLIC_REASONS), as the job that a withdrawal blocks shows it: the subjects
    that are them (by the record's subject ids; in a record from before those, a mention by the handle
    its cameos had), or one more subject of the draft, with no handle, for someone it did not list
    (found in the draft later). Nobody else's verdict changes; the presenter names no one in a block
    with the author (generation.presenters)."""
    refused = set(people)
    subjects = [dict(s) for s in record.get("subjects", [])]
    ids = _subject_ids(record, cameos)
    verdict = {"verdict": "refused", "reason": reason, "detail": consent.PUBLIC_REASONS[reason]}
    for subject, person in zip(subjects, ids, strict=True):
        if person in refused:
            subject.update(verdict)
    for person in sorted(refused - set(ids)):
        subjects.append({"handle": None, "source": "output_face", **verdict})
        ids.append(person)
    return {**record, "allowed": False, "subjects": subjects, "subject_ids": ids}


def _subject_ids(record: dict[str, Any], cameos: list[dict[str, Any]]) -> list[int | None]:
    """Whose each subject of a job's stored consent decision is, by position: its `subject_ids`, or in
    a record from before those, a mention's by the handle the job's cameos had (None: unknown)."""
    subjects = record.get("subjects", [])
    ids = list(record.get("subject_ids") or [])
    if len(ids) != len(subjects):
        handles = {c["handle"]: c["user_id"] for c in cameos if c.get("handle")}
        ids = [handles.get(s.get("handle")) if s.get("source") == "mention" else None for s in subjects]
    return ids


def _forgetting(
    record: dict[str, Any], cameos: list[dict[str, Any]], people: list[int], gone: set[int]
) -> tuple[dict[str, Any], list[dict[str, Any]], list[int]]:
    """A job's record (consent decision, cameos, people) naming none of `gone` (erased accounts, whose
    handles may be someone else's now): their subjects keep their place and verdict, with no handle
    and no id, as a face no one's; their cameos their place, with neither id nor handle (a cameo of a
    deleted account); and they leave the people."""
    ids = _subject_ids(record, cameos)
    if gone.intersection(ids):
        subjects = [
            {**s, "handle": None} if person in gone else s for s, person in zip(record["subjects"], ids, strict=True)
        ]
        ids = [None if person in gone else person for person in ids]
        record = {**record, "subjects": subjects, "subject_ids": ids}
    cameos = [{"user_id": None, "handle": None} if c.get("user_id") in gone else c for c in cameos]
    return record, cameos, [p for p in people if p not in gone]


def _erased_of(record: dict[str, Any]) -> set[int]:
    """The people a consent decision about to be stored names whose accounts are gone (erased while it
    was made); the others held until the transaction ends (accounts.services.people_keep), so that an erasure of one of
    them that starts now waits for the record and then finds it (jobs_forget_person). Asked with the
    job held, after it as the erasures take them (jobs_hold): an erasure under way of one of them
    (its account row held; it swept others' jobs before this one named them, or is about to) is not
    waited for here, where the job is held, which that erasure may need (it unlinks others' remixes of
    the person's videos): PeopleBusy, and the caller waits for it holding nothing (_after_erasures)."""
    named = {p for p in record.get("subject_ids") or [] if p is not None}
    return named - people_keep(named, nowait=True)


@transaction.atomic
def _job_finish(job_id: Any, *, stored: dict[str, str], **rendered: Unpack[Rendered]) -> Video | None:
    tagged, detected = rendered["tagged"], rendered["detected"]

    # The scan decided without holding anyone's consent (it takes a while), and the cascade cannot
    # find a face it found until the job's people are recorded here: hold the cameo rows of everyone
    # the video shows, then the job (the order every consent change takes), and ask again.
    shown = {*tagged, *detected}
    cameo_services.consent_hold(owner_ids=shown)
    job = (
        GenerationJob.objects.select_for_update(of=("self",))
        .select_related("author", "remix_of")
        .filter(pk=job_id)
        .first()
    )
    if job is None or job.status != Status.SCANNING:
        return None
    withdrawn = _withdrawn(job, shown - {job.author_id})
    if withdrawn:
        # Someone the scan found may have erased their account since (their cameo went with it): they
        # are recorded refused, by no id or handle, as the erasure left the job (jobs_forget_person).
        record = _consent_refusing(rendered["decision"], job.cameos, withdrawn)
        record, cameos, people = _forgetting(record, job.cameos, job.people, _erased_of(record))
        for person in withdrawn:
            audit(
                AuditEvent.Kind.CONSENT_WITHDRAWN,
                subject_id=person,
                object_type="job",
                object_id=str(job.pk),
                reason="before_draft_kept",
                authors=[job.author_id],
                drafts_deleted=[],
            )
        _move(
            job_id,
            [Status.SCANNING],
            Status.BLOCKED,
            error_code="consent_withdrawn",
            error=WITHDRAWN,
            consent=record,
            cameos=cameos,
            people=people,
            finished_at=timezone.now(),
            lease_until=None,
        )
        _discard_image(job)
        return None
    refused = takedowns.draft_taken_down(tracks=rendered["faces"], since=job.created_at, job_id=job.pk)
    if refused is not None:
        # It shows the face of a takedown request confirmed while it was generating: as its draft would
        # have gone had it been stored before (feed.services.video_remove, job_draft_gone). Or it was
        # made so late (hours after such a request, whose face is no longer kept) that it cannot be
        # compared with it: the system's failure, not the author's, who may make it again at once.
        ended, code, error = (
            (Status.BLOCKED, "video_removed", TAKEN_DOWN)
            if refused == takedowns.DRAFT_TAKEN_DOWN
            else (Status.FAILED, "generation_failed", TOO_LATE)
        )
        _move(
            job_id, [Status.SCANNING], ended, error_code=code, error=error, finished_at=timezone.now(), lease_until=None
        )
        _discard_image(job)
        return None
    video = feed_services.video_create(
        author=job.author,
        stored=stored,
        duration_ms=rendered["duration_ms"],
        width=rendered["width"],
        height=rendered["height"],
        caption="",
        remix_of=job.remix_of,
        fingerprint=rendered.get("fingerprint"),
        prompt=job.prompt,
    )
    cameo_services.appearances_record(video=video, tagged=tagged, detected=detected)
    cameo_services.video_faces_record(video_id=video.pk, tracks=rendered["faces"])
    # Who the video shows, after the reveal bar (a possible match is not told, nor shown the author):
    # the feed's people of the video. The cascade's index keeps everyone found, possible matches too:
    # withdrawing consent stops the job either way.
    people = sorted(VideoPerson.objects.filter(video=video).values_list("user_id", flat=True))
    _people_add(job, {*tagged, *detected})
    _move(
        job_id,
        [Status.SCANNING],
        Status.READY,
        video=video,
        progress=100,
        people=people,
        consent=rendered["decision"],
        finished_at=timezone.now(),
        lease_until=None,
        timings=rendered["timings"],
    )
    _discard_image(job)
    for person in people:
        if person != job.author_id:
            notify(
                user_id=person,
                kind=Notification.Kind.DRAFT_OF_YOU,
                video_id=video.pk,
                about=job.author_id,
                author=job.author.handle,
            )
    return video


# --- the author's actions --------------------------------------------------------------------------


def _own(author: User, job_id: Any) -> GenerationJob:
    job = GenerationJob.objects.filter(pk=job_id, author=author).select_related("video").first()
    if job is None:
        raise NotFound("No such job.")
    return job


def job_cancel(*, author: User, job_id: Any) -> GenerationJob:
    """Stop a job before it is ready: the worker stops at its next step. A ready draft is deleted."""
    job = _own(author, job_id)
    with transaction.atomic():
        if not _move(job.pk, GenerationJob.UNPUBLISHED, Status.CANCELLED, finished_at=timezone.now(), lease_until=None):
            now = GenerationJob.objects.filter(pk=job.pk).values_list("status", flat=True).first() or job.status
            raise Conflict(f"This job is already {now}.", code="not_cancellable")  # as it is now, not as read
        # Read again once moved (the row is ours now): a draft the worker kept since the read above is deleted too.
        job = GenerationJob.objects.select_related("video").get(pk=job.pk)
        if job.video is not None and job.video.status == Video.Status.DRAFT:
            feed_services.video_delete(video=job.video)
        _discard_image(job)
    job.refresh_from_db()
    return job


def _caption(caption: str) -> tuple[str, str]:
    """A caption as the feed will show it (as written: emoji sequences, joiners and the writer's
    alphabet kept; nothing that hides or reorders text), at most 300 characters, and its canonical
    form, which every check reads: nothing no prompt may say. Who it names is checked at publish with
    the video's people (job_publish)."""
    shown = display(caption)
    try:
        checked = canonical(shown)
    except MixedScript as exc:
        raise InvalidInput({"caption": [exc.message]}) from exc
    if len(shown) > 300:
        raise InvalidInput({"caption": ["At most 300 characters."]})
    categories = policy.categories(checked) if checked else []
    if categories:
        raise refuse_policy(categories, what="caption")
    return shown, checked


def _decided_with_consent_held(author: User, decide: Callable[[], list[consent.Decision]]) -> list[consent.Decision]:
    """`decide()` (the gate, not recorded) with the cameo rows of everyone it shows held until the
    transaction ends (cameos.services.consent_hold): a revocation that commits while a publish decides
    would otherwise be lost (the cascade then finds the job published). Decided again once the rows
    are held. If that shows someone more, the rows are let go (a savepoint rolled back), the newcomers
    waited for holding no one (whoever holds one of them may be waiting for one of the others: taking
    the others back at once raced it for them, and PostgreSQL broke the deadlock), and then all of
    them held again at once, in order: holding the newcomer after the others could deadlock with a
    publish holding them the other way round."""
    people: set[int] = set()
    while True:
        round_ = transaction.savepoint()
        cameo_services.consent_hold(owner_ids=people)
        decisions = decide()
        shown = {s.user_id for d in decisions for s in d.subjects if s.user_id is not None} - {author.pk}
        if shown <= people:
            transaction.savepoint_commit(round_)
            return decisions
        transaction.savepoint_rollback(round_)
        if people:
            wait = transaction.savepoint()
            cameo_services.consent_hold(owner_ids=shown - people)
            transaction.savepoint_rollback(wait)
        people |= shown


def job_publish(*, author: User, job_id: Any, caption: str | None = None) -> Video:
    """ready → published, after the gate once more on everything the video shows (the prompt's
    people, the remixed video's, the faces the output scan found and everyone the draft shows) and on
    the caption, as on a prompt, with the consent of all of them held until it is published."""
    job = _own(author, job_id)
    if job.status != Status.READY or job.video is None:
        raise Conflict("Only a ready video can be published.", code="not_ready")
    caption, checked = _caption(caption) if caption is not None else (None, None)
    draft = job.video
    _refuse_erased(job)  # the cascade that follows an erasure may not have reached this job yet
    templates = face_templates(draft.pk)
    faces = consent.match_faces(np.array(templates, dtype=np.float32), exact=True) if templates else []

    def decide() -> list[consent.Decision]:
        shown = consent.check(
            author,
            job.prompt,
            remix_of=job.remix_of_id,
            output_faces=faces,
            draft=draft.pk,
            stage="publish",
            record=False,
        )
        said = [consent.check(author, checked, stage="publish", record=False)] if checked else []
        return [shown, *said]

    stale: list[int] = []
    erased: list[int] = []
    with transaction.atomic():
        shown, *said = _decided_with_consent_held(author, decide)
        shown = audit_decision(author=author, prompt=job.prompt, decision=shown, job=str(job.pk))
        said = [audit_decision(author=author, prompt=checked or "", decision=d, job=str(job.pk)) for d in said]
        refused = next((d for d in (shown, *said) if not d.allowed), None)
        if refused is None:  # the people it shows held: no rule is added, no account erased, meanwhile
            stale = _rules_added_since_checked(job, {s.user_id for s in shown.subjects if s.user_id is not None})
            erased = _erased_people(job)
        if refused is None and not stale and not erased:
            try:
                with transaction.atomic():  # a refusal here (a copy of a removed video) keeps the audit rows
                    return _publish(author, job, draft, caption)
            except ApplicationError as exc:
                failed = exc
    if refused is None and stale:
        _recheck_rules_of(stale)  # queued again: the recheck may have run before the job showed them
        raise Conflict(
            "Someone this video shows changed their rules since it was checked; it is being checked again. "
            "Try again in a minute.",
            code="rules_changed",
        )
    if refused is None and erased:
        _refuse_erased(job)
    if refused is None:
        raise failed
    if refused is shown:
        job_block(job.pk, reason=shown.refused[0].public()["detail"], decision=shown.as_record())
    raise refuse_consent(refused)  # the caption's: the draft stays, to be published without it


def _publish(author: User, job: GenerationJob, draft: Video, caption: str | None) -> Video:
    """ready → published, the draft into the feed (unless a copy of a removed video), people told."""
    if not _move(job.pk, [Status.READY], Status.PUBLISHED):
        raise Conflict("This job changed meanwhile; reload it.", code="not_ready")
    video = feed_services.video_publish(video=draft, caption=caption)
    if takedowns.published_hold(video=video):  # it shows a face a takedown request waiting for review matched
        video.refresh_from_db()
    for person in job.people or []:
        if person != author.pk:
            notify(
                user_id=person,
                kind=Notification.Kind.CAMEO_USED,
                video_id=video.pk,
                about=author.pk,
                author=author.handle,
            )
    return video


# --- the consent cascade ---------------------------------------------------------------------------


def jobs_recheck(*, owner_id: int, author_ids: Iterable[int] | None, reason: str) -> list[str]:
    """Block every unpublished job of these authors (None: anyone's) that shows `owner_id` and whose
    author may no longer use that person (cameos.selectors.cameo_access_by_authors, the gate's own
    rule). Runs in the consent cascade's worker task (moderation.tasks.consent_cascade), after the
    change committed: the jobs come from JobPerson's (person, author) index, the access is decided
    once per author, and the jobs are blocked in batches. Returns the ids of the jobs blocked."""
    rows = JobPerson.objects.filter(person_id=owner_id).exclude(author_id=owner_id)
    if author_ids is not None:
        rows = rows.filter(author_id__in=list(author_ids))
    jobs_by_author: dict[int, list[Any]] = {}
    for job_id, author_id in rows.values_list("job_id", "author_id").iterator(chunk_size=5000):
        jobs_by_author.setdefault(author_id, []).append(job_id)
    if not jobs_by_author:
        return []
    cameo = Cameo.objects.filter(owner_id=owner_id).select_related("owner").first()
    access = cameo_access_by_authors(cameo, jobs_by_author) if cameo is not None else {}
    denied = [
        job
        for author, jobs in jobs_by_author.items()
        if not (a := access.get(author)) or not a.available
        for job in jobs
    ]
    # An erased person's erasure recorded them refused in these jobs already, by no id or handle
    # (jobs_forget_person): each batch holds them and writes nothing of them back once they are gone.
    return jobs_block_many(denied, reason=WITHDRAWN, code="consent_withdrawn", person=owner_id)


def job_rules_checked(job_ids: list[Any], *, at: dt.datetime) -> None:
    """These jobs passed everyone's restrictions by meaning, as the rules stood at `at` (held first:
    _in_id_order)."""
    stale = GenerationJob.objects.filter(pk__in=job_ids).filter(
        Q(rules_checked_at__isnull=True) | Q(rules_checked_at__lt=at)
    )
    with transaction.atomic():
        stale.filter(pk__in=_in_id_order(stale)).update(rules_checked_at=at)


def _in_id_order(jobs: QuerySet[GenerationJob]) -> list[Any]:
    """Lock these jobs until the transaction ends, in id order, as jobs_hold takes them, before one
    UPDATE changes them all: that UPDATE alone took them in the order it read them, and someone
    holding two of their authors (accounts.services.people_hold) deadlocked with it. Their ids."""
    return list(jobs.select_for_update().order_by("pk").values_list("pk", flat=True))


def _rules_added_since_checked(job: GenerationJob, people: set[int]) -> list[int]:
    """The people the job shows who added a restriction after the job was last checked by meaning
    (that check is the worker's; the web process reads rules by their words only)."""
    checked = job.rules_checked_at or job.started_at or job.created_at
    newer = Cameo.objects.filter(owner_id__in=people - {job.author_id}, rules_added_at__gt=checked)
    return list(newer.values_list("owner_id", flat=True))


def _recheck_rules_of(owner_ids: list[int]) -> None:
    from generation.tasks import recheck_restrictions

    def queue(owner_id: int) -> None:
        transaction.on_commit(lambda: recheck_restrictions.delay(owner_id=owner_id))

    for owner_id in owner_ids:
        queue(owner_id)


# How many jobs the rules' recheck checks before it blocks those that break a rule and serves the
# drafts of those that pass: a task cut short by its time limit has served those and queues the rest
# (generation.tasks.recheck_restrictions), rather than leave every draft of the person unserved.
_RECHECK_CHUNK = 100


def jobs_recheck_restrictions(*, owner_id: int, after: Any = None, done: list[Any] | None = None) -> list[str]:
    """The owner added restrictions: each unpublished job of someone else that shows them is checked
    again as the worker checks it (restrictions by meaning), and blocked, its draft deleted, if it
    breaks one of theirs. Runs in the worker (generation.tasks.recheck_restrictions). The others'
    drafts of the owner that adding the rule stopped serving are served again once found breaking none
    (_drafts_rules_settled; a draft with no unpublished job, none), a chunk of jobs at a time, in id
    order: `after` a job id, the jobs after it only (what a run cut short left), and the last job of
    each chunk finished is added to `done`.
    Returns the ids of the jobs blocked."""
    rules_read = _rules_version(owner_id)  # before the jobs are checked: each check reads these or more
    rows = JobPerson.objects.filter(person_id=owner_id).exclude(author_id=owner_id).values_list("job_id", flat=True)
    # And the jobs of the others' drafts that show them, whether or not the index names them there.
    drafts = list(feed_selectors.unpublished_showing(owner_id).exclude(author_id=owner_id).values_list("pk", flat=True))
    jobs = GenerationJob.objects.filter(
        Q(pk__in=list(rows)) | Q(video_id__in=drafts), status__in=GenerationJob.UNPUBLISHED
    )
    if after is not None:
        jobs = jobs.filter(pk__gt=after)
    blocked: list[str] = []
    broken_drafts: set[Any] = set()
    settled: set[Any] = set()
    chunk: list[GenerationJob] = []
    for job in jobs.select_related("author").order_by("pk").iterator(chunk_size=500):
        chunk.append(job)
        if len(chunk) == _RECHECK_CHUNK:
            blocked += _recheck_chunk(owner_id, chunk, rules_read, broken_drafts, settled)
            if done is not None:
                done.append(job.pk)
            chunk = []
    blocked += _recheck_chunk(owner_id, chunk, rules_read, broken_drafts, settled)
    # The rest, which no chunk settled: drafts of a job checked by the run this one goes on from
    # (before `after`) or refused for someone else's rule; and the marks left pointing at no video
    # (feed.services.drafts_consent_settled), even when there are none of those. Not a draft with no
    # unpublished job behind it (one made outside generation): no prompt of it can be read against
    # the rules, so it stays unserved until its author or a person it shows deletes it.
    jobless = set(drafts) - set(
        GenerationJob.objects.filter(video_id__in=drafts, status__in=GenerationJob.UNPUBLISHED).values_list(
            "video_id", flat=True
        )
    )
    _drafts_rules_settled(owner_id, rules_read, leave=broken_drafts | settled | jobless)
    return blocked


def _recheck_chunk(
    owner_id: int,
    chunk: list[GenerationJob],
    rules_read: tuple[Any, Any] | None,
    broken_drafts: set[Any],
    settled: set[Any],
) -> list[str]:
    """jobs_recheck_restrictions for these jobs: those that break the owner's rules blocked (their
    drafts added to `broken_drafts`), the drafts of those that pass served again (added to `settled`:
    the recheck's last step leaves them out; one that a rule added meanwhile kept from being served
    is that rule's recheck's to settle, as it would be there)."""
    broken, passed = [], []
    checked_at = timezone.now()  # before the rules are read: one added meanwhile is newer
    for job in chunk:
        decision = consent.check(  # the draft's people too: one shown only by an uploaded photo, since deleted
            job.author,
            job.prompt,
            remix_of=job.remix_of_id,
            draft=job.video_id,
            stage="start",
            semantic=True,
            job=str(job.pk),
        )
        if any(s.why == "restriction" and s.user_id == owner_id for s in decision.refused):
            broken.append(job.pk)
            if job.video_id:
                broken_drafts.add(job.video_id)
        elif not any(s.why == "restriction" for s in decision.refused):
            passed.append(job)
    job_rules_checked([job.pk for job in passed], at=checked_at)
    blocked = jobs_block_many(
        broken,
        reason="Someone in this video set a rule it breaks.",
        code="consent_withdrawn",
        person=owner_id,
        person_reason="restriction",
    )
    drafts = {job.video_id for job in passed if job.video_id}
    if drafts:
        _drafts_rules_settled(owner_id, rules_read, leave=broken_drafts, only=drafts)
        settled |= drafts
    return blocked


def _rules_version(owner_id: int) -> tuple[Any, Any] | None:
    """Which of the person's rules a recheck reads: their cameo and when it last added one
    (Cameo.rules_added_at), None without a cameo."""
    return Cameo.objects.filter(owner_id=owner_id).values_list("pk", "rules_added_at").first()


def _drafts_rules_settled(
    owner_id: int, rules_read: tuple[Any, Any] | None, *, leave: set[Any], only: set[Any] | None = None
) -> None:
    """The others' drafts of the owner (of `only`, when given) that adding a rule stopped serving
    (feed.ConsentPending), but for those in `leave` (those that break it: blocked, or no longer drafts;
    and those settled already by this recheck): served
    again if their authors are still allowed, decided as the consent cascade decides it
    (moderation.services.consent_recheck), with the owner's consent held, so a withdrawal committing
    meanwhile marks them again after and one committed before is seen. Those whose authors are not
    allowed now are handed to the consent cascade that losing the access queued, which deletes them or,
    the access back by then, serves them (kept for the rules, a mark would outlive both). Not when she
    has added a rule since `rules_read` (_rules_version), which this recheck may not have read: that rule's own recheck,
    queued when it committed, settles them."""
    with transaction.atomic():
        cameo_services.consent_hold(owner_ids=[owner_id])
        cameo = Cameo.objects.filter(owner_id=owner_id).select_related("owner").first()
        if cameo is None or rules_read != (cameo.pk, cameo.rules_added_at):
            return
        drafts = feed_selectors.unpublished_showing(owner_id).exclude(author_id=owner_id).exclude(pk__in=leave)
        if only is not None:
            drafts = drafts.filter(pk__in=only)
        authors = dict(drafts.values_list("pk", "author_id"))
        access = cameo_access_by_authors(cameo, set(authors.values()))
        allowed = [pk for pk, author in authors.items() if access[author].available]
        feed_services.drafts_consent_settled(person_id=owner_id, video_ids=allowed, rules=True)
        denied = [pk for pk, author in authors.items() if not access[author].available]
        feed_services.drafts_consent_to_cascade(person_id=owner_id, video_ids=denied)


def jobs_block_many(
    job_ids: list[Any],
    *,
    reason: str,
    code: str,
    person: int | None = None,
    person_reason: str = "consent_withdrawn",
    batch: int = 500,
) -> list[str]:
    """Block these jobs if still unpublished, `batch` at a time (one transaction each): their drafts
    deleted, their uploaded images discarded, their index rows gone, and `person` (whose consent
    went) refused in each job's subjects for `person_reason` (_consent_refusing), unless they have
    erased their account meanwhile (their erasure recorded them refused by no id: jobs_forget_person).
    Returns the ids blocked."""
    blocked: list[str] = []
    for start in range(0, len(job_ids), batch):
        ids = job_ids[start : start + batch]
        blocked += _after_erasures(
            partial(_jobs_block_batch, ids, reason=reason, code=code, person=person, person_reason=person_reason)
        )
    return blocked


def _jobs_block_batch(
    job_ids: list[Any], *, reason: str, code: str, person: int | None, person_reason: str
) -> list[str]:
    with transaction.atomic():
        rows = list(
            GenerationJob.objects.select_for_update()
            .filter(pk__in=job_ids, status__in=GenerationJob.UNPUBLISHED)
            .order_by("pk")  # in id order, as jobs_hold locks them
            .values_list("pk", "video_id", "image", "consent", "cameos")
        )
        if not rows:
            return []
        ids = [pk for pk, *_ in rows]
        # Held as job_block holds the people its decision names (_erased_of): once their erasure has
        # committed (it held these jobs, or the caller read them as existing before), it recorded them
        # refused by no id, and nothing written here names them again.
        if person is not None and person in people_keep([person], nowait=True):
            records = [
                GenerationJob(
                    pk=pk, consent=_consent_refusing(record or {}, cameos or [], [person], reason=person_reason)
                )
                for pk, _, _, record, cameos in rows
            ]
            GenerationJob.objects.bulk_update(records, ["consent"])
        GenerationJob.objects.filter(pk__in=ids).update(
            status=Status.BLOCKED,
            error_code=code,
            error=reason[:500],
            finished_at=timezone.now(),
            lease_until=None,
            image="",
            updated_at=timezone.now(),
        )
        JobPerson.objects.filter(job_id__in=ids).delete()
        drafts = Video.objects.filter(pk__in=[v for _, v, *_ in rows if v], status=Video.Status.DRAFT)
        for video in drafts:
            feed_services.video_delete(video=video)
        delete_after_commit([image for _, _, image, *_ in rows if image])
    return [str(pk) for pk in ids]


def stale_jobs_requeue() -> int:
    """Hand jobs whose worker stopped renewing its lease (it died) to a worker again: queued again
    at once, one message each, unless they had their MAX_ATTEMPTS (_spent_jobs_fail fails them). A
    job queued this long without a worker taking it (a lost broker message) is sent again, at most
    once per QUEUED_RESEND_SECONDS. Both read the partial index on (status, lease_until). How many
    were sent."""
    now = timezone.now()
    running = [Status.CHECKING, Status.RUNNING, Status.SCANNING]
    _spent_jobs_fail(now)
    retake = GenerationJob.objects.filter(status__in=running, lease_until__lt=now, attempts__lt=conf().max_attempts)
    expired = list(retake.values_list("pk", flat=True)[:500])
    if expired:
        with transaction.atomic():
            stale = GenerationJob.objects.filter(pk__in=expired, status__in=running, lease_until__lt=now)
            expired = _in_id_order(stale)
            stale.filter(pk__in=expired).update(status=Status.QUEUED, lease_until=None, updated_at=now)
    resend = now - dt.timedelta(seconds=conf().queued_resend_seconds)
    lost = list(
        GenerationJob.objects.filter(status=Status.QUEUED, lease_until__isnull=True, updated_at__lt=resend)
        .exclude(pk__in=expired)
        .values_list("pk", flat=True)[:500]
    )
    if lost:
        with transaction.atomic():
            waiting = GenerationJob.objects.filter(pk__in=lost, status=Status.QUEUED)
            lost = _in_id_order(waiting)
            waiting.filter(pk__in=lost).update(updated_at=now)
    for job_id in [*expired, *lost]:
        _enqueue(job_id)
    return len(expired) + len(lost)


def _spent_jobs_fail(now: dt.datetime) -> None:
    """Fail the jobs whose worker died on each of their MAX_ATTEMPTS attempts (a job that kills its
    worker: out of memory, a crash in the model), as a failure of the system's the author may try
    again (not counted in their quota): handed to worker after worker, such a job never ended."""
    spent = GenerationJob.objects.filter(
        status__in=[Status.CHECKING, Status.RUNNING, Status.SCANNING],
        lease_until__lt=now,
        attempts__gte=conf().max_attempts,
    )
    for job_id in list(spent.values_list("pk", flat=True)[:500]):
        with transaction.atomic():
            if spent.select_for_update().filter(pk=job_id).exists():  # no attempt renewed it meanwhile
                job_fail(job_id, reason=GAVE_UP)


def jobs_hold(
    *,
    author_ids: Iterable[int],
    naming: Iterable[int] = (),
    videos_of: tuple[int, int] | None = None,
    videos: Iterable[int] = (),
) -> None:
    """Lock these authors' jobs until the transaction ends, in id order, after their cameo rows and
    before their account rows (accounts.signals.people_holding): a publish of theirs holds its job,
    then updates the video, and an erasure that deleted the videos first and then came to the jobs
    deadlocked with it on PostgreSQL. With `naming` (an erasure's person), the others' jobs that name
    them too, in the same statement (one id order): the erasure rewrites them last
    (jobs_forget_person), after deleting the person's rows in those jobs' videos, which an author
    ending their draft deletes after holding its job. And the jobs that point at the videos it
    deletes (the person's, and with appearances=delete those that show them), which each video's
    deletion locks and unlinks (jobs_of_video_hold, SET_NULL): a remix of the person's video that
    names no one was locked there, late, and someone holding its author (people_hold: a cameo
    request, a block) who held that remix and waited for a job of theirs that names the person
    deadlocked with the erasure. With `videos_of` (person, author: a revocation or a block that
    deletes that author's videos of that person), the jobs that point at those videos too, for the
    same reason: someone who remixed one, following or blocking the author, held the remix and waited
    for the author's job that made the video. With `videos` (which the transaction then locks, to add
    someone to them or to delete them), the jobs that point at them too: held after these authors'
    jobs, an erasure of their author (holding the jobs of their videos and those that name them, one
    of these authors' among them) deadlocked with it. No authors, only `videos` (people_hold's
    only_videos: a person deleting a video of them holds its author, and touches no other job of the
    author's): the jobs of those videos alone, which the author's erasure holds too, in the same id
    order, before the account row both then take; every job of the author was a row lock each."""
    ids = sorted({int(i) for i in author_ids})
    adding = sorted({int(v) for v in videos})
    held = Q(author_id__in=ids)
    if connection.vendor == "postgresql":  # SQLite has no row locks: its write lock serialises them
        for person_id in sorted({int(i) for i in naming}):
            theirs = {
                *Video.objects.filter(author_id=person_id).values_list("pk", flat=True),
                *VideoPerson.objects.filter(user_id=person_id).values_list("video_id", flat=True),
            }  # read first, as _naming reads the index: as a subquery in the OR, every job was read
            held |= _naming(person_id) | Q(video_id__in=theirs) | Q(remix_of_id__in=theirs)
        if videos_of is not None:
            person_id, author_id = videos_of
            deleted = set(
                VideoPerson.objects.filter(user_id=person_id, author_id=author_id).values_list("video_id", flat=True)
            )
            held |= Q(video_id__in=deleted) | Q(remix_of_id__in=deleted)
        if adding:
            held |= Q(video_id__in=adding) | Q(remix_of_id__in=adding)
    list(GenerationJob.objects.select_for_update().filter(held).order_by("pk").values_list("pk", flat=True))


def jobs_of_video_hold(*, video_id: int | None = None, video_ids: Iterable[int] = ()) -> None:
    """Lock the jobs that point at this video (the one that made it, remixes of it), in id order,
    before the video's deletion locks its row (feed.signals.video_deleting), or before someone found
    in it is added (video_person_adding): a job before its video, as a publish, a block and an
    erasure lock them. With `video_ids`, those of all of these videos in one id order, before they
    are deleted one by one in one transaction (feed.signals.videos_deleting)."""
    ids = sorted({int(i) for i in video_ids} | ({video_id} if video_id is not None else set()))
    jobs = GenerationJob.objects.select_for_update().filter(Q(video_id__in=ids) | Q(remix_of_id__in=ids))
    list(jobs.order_by("pk").values_list("pk", flat=True))


def job_draft_gone(*, video_id: int, by_id: int | None, taken_down: bool = False) -> None:
    """The draft of a ready job is being deleted or taken down (feed.signals.video_deleting,
    video_taking_down; its job held): the job ends with it, rather than stay ready with nothing to
    publish. Its author deleting it cancels it; a person it shows deleting it, or a moderator taking it
    down, blocks it, naming no one. A deletion by the system (by_id None: the consent cascade) leaves
    the job to the caller, which blocks it saying why (consent_withdrawn)."""
    if by_id is None and not taken_down:
        return
    job = GenerationJob.objects.filter(video_id=video_id, status=Status.READY).first()
    if job is None:
        return  # none, or it ended already (cancelled, blocked, published)
    if taken_down:
        code, reason = "video_removed", TAKEN_DOWN
    elif by_id == job.author_id:
        _move(job.pk, [Status.READY], Status.CANCELLED, finished_at=timezone.now(), lease_until=None)
        return
    else:
        code, reason = "deleted_by_person_in_it", "A person in this video deleted it."
    _move(job.pk, [Status.READY], Status.BLOCKED, error_code=code, error=reason, finished_at=timezone.now())


def user_generation_erase(*, user: User) -> None:
    """An account's jobs and their uploaded images (their videos go with the feed's erasure), and
    what others' jobs recorded of them (jobs_forget_person)."""
    images = list(GenerationJob.objects.filter(author=user).exclude(image="").values_list("image", flat=True))
    GenerationJob.objects.filter(author=user).delete()
    delete_after_commit(images)
    jobs_forget_person(person_id=user.pk)


def jobs_forget_person(*, person_id: int) -> int:
    """In the transaction that erases the person: every job of others keeps its record without naming
    them (_forgetting: no id, no handle; their handle may be someone else's tomorrow). A job not
    ended that shows them is stopped by the consent cascade once the erasure commits; its record
    shows them refused already, as that cascade would (consent_withdrawn), and the cascade writes
    nothing of them back (jobs_recheck). Its JobPerson rows stay: they are how that cascade, and a
    publish before it (_refuse_erased), find the job; they go when it ends. The erasure held the jobs
    from its start (jobs_hold, naming the person); they are read here in id order, as the cascade
    locks them. How many changed."""
    showing = set(JobPerson.objects.filter(person_id=person_id).values_list("job_id", flat=True))
    jobs = GenerationJob.objects.exclude(author_id=person_id)
    if connection.vendor == "postgresql":  # by the GIN indexes of migration 0007; SQLite reads every job
        jobs = jobs.filter(_naming(person_id, showing))
    changed = []
    for job in jobs.select_for_update().order_by("pk"):
        record = job.consent or {}
        if job.pk in showing and job.status in GenerationJob.UNPUBLISHED:
            record = _consent_refusing(record, job.cameos or [], [person_id])
        record, cameos, people = _forgetting(record, job.cameos or [], job.people or [], {person_id})
        if (record, cameos, people) != (job.consent or {}, job.cameos or [], job.people or []):
            job.consent, job.cameos, job.people = record, cameos, people
            changed.append(job)
    GenerationJob.objects.bulk_update(changed, ["consent", "cameos", "people"], batch_size=500)
    return len(changed)


def _naming(person_id: int, showing: Iterable[Any] | None = None) -> Q:
    """The jobs whose record names the person, or which the cascade's index says show them (on
    PostgreSQL, by the GIN indexes of migration 0007): `showing`, the index's job ids, read here when
    not given. They are read first: as a subquery in the OR, PostgreSQL read every job (a sequential
    scan, 0.8 s among a million)."""
    if showing is None:
        showing = JobPerson.objects.filter(person_id=person_id).values_list("job_id", flat=True)
    showing = list(showing)
    return (
        Q(pk__in=showing)
        | Q(people__contains=[person_id])
        | Q(cameos__contains=[{"user_id": person_id}])
        | Q(consent__subject_ids__contains=[person_id])
    )


def jobs_of_author(user: User) -> list[GenerationJob]:
    return list(GenerationJob.objects.filter(author=user).order_by("created_at"))
