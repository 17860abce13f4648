"""Generation jobs: a prompt on its way to a draft video (DESIGN.md §6).

queued → checking → running → scanning → ready (a draft) → published, or blocked, failed, cancelled.
Every transition is a guarded conditional UPDATE (generation.services), so two workers, a cascade
and a cancel can race without a job ever moving backwards or producing two videos.
"""

import uuid

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone


class GenerationJob(models.Model):
    class Status(models.TextChoices):
        QUEUED = "queued"
        CHECKING = "checking"
        RUNNING = "running"
        SCANNING = "scanning"
        READY = "ready"
        PUBLISHED = "published"
        BLOCKED = "blocked"
        FAILED = "failed"
        CANCELLED = "cancelled"

    ACTIVE = (Status.QUEUED, Status.CHECKING, Status.RUNNING, Status.SCANNING)
    UNPUBLISHED = (*ACTIVE, Status.READY)

    class Aspect(models.TextChoices):
        PORTRAIT = "9:16"
        SQUARE = "1:1"
        LANDSCAPE = "16:9"

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+", db_index=False)
    prompt = models.TextField()
    duration_s = models.PositiveSmallIntegerField()
    aspect = models.CharField(max_length=5, choices=Aspect.choices, default=Aspect.PORTRAIT)
    seed = models.BigIntegerField()
    # An uploaded image to animate: a private file (never served), deleted when the job ends.
    image = models.FileField(upload_to="generation/images/", blank=True)
    remix_of = models.ForeignKey(
        "feed.Video", on_delete=models.SET_NULL, null=True, blank=True, related_name="+", db_index=False
    )
    idempotency_key = models.CharField(max_length=100, blank=True)
    # What a retry with the key must repeat (services._request_digest); empty on jobs from before it.
    request_digest = models.CharField(max_length=64, blank=True, default="")
    # When the job was last checked against everyone's restrictions by meaning (the worker's
    # checking stage, a recheck after someone added one): publish waits for a newer rule's check.
    rules_checked_at = models.DateTimeField(null=True, blank=True)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.QUEUED)
    progress = models.PositiveSmallIntegerField(default=0)  # 0–100
    error_code = models.CharField(max_length=40, blank=True)
    error = models.CharField(max_length=500, blank=True)
    backend = models.CharField(max_length=80, blank=True)
    # The latest consent decision (public form: subjects, verdicts, reasons) and who the video shows.
    # An erased person keeps their place in these with no id and no handle (jobs_forget_person).
    consent = models.JSONField(default=dict, blank=True)
    cameos = models.JSONField(default=list, blank=True)  # [{"user_id", "handle"}] allowed at submit
    # User ids shown (tagged + detected): the job's record. The consent cascade reads JobPerson.
    people = models.JSONField(default=list, blank=True)
    video = models.OneToOneField(
        "feed.Video", on_delete=models.SET_NULL, null=True, blank=True, related_name="generation_job"
    )
    attempts = models.PositiveSmallIntegerField(default=0)
    lease_until = models.DateTimeField(null=True, blank=True)  # a worker holds the job until then
    created_at = models.DateTimeField(default=timezone.now)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    updated_at = models.DateTimeField(auto_now=True)
    timings = models.JSONField(default=dict, blank=True)  # seconds per stage, for BENCHMARKS.md

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["author", "idempotency_key"], condition=~Q(idempotency_key=""), name="generation_idempotency"
            ),
            models.CheckConstraint(condition=Q(progress__lte=100), name="generation_progress_range"),
        ]
        indexes = [
            models.Index(fields=["author", "-created_at"], name="generation_job_author"),
            models.Index(
                fields=["status", "lease_until"],
                name="generation_job_active",
                condition=Q(status__in=["queued", "checking", "running", "scanning"]),
            ),
            # The jobs that remixed a video, which its deletion locks (jobs_of_video_hold) and unlinks
            # (SET_NULL): without it each deletion read every job (0.8 s among a million). Partial:
            # most jobs remix nothing.
            models.Index(fields=["remix_of"], name="generation_job_remix_of", condition=Q(remix_of__isnull=False)),
        ]

    def __str__(self) -> str:
        return f"job {self.id} ({self.status})"

    @property
    def is_active(self) -> bool:
        return self.status in self.ACTIVE


class JobPerson(models.Model):
    """A person an unpublished job shows: the consent cascade's index (person → jobs, by author).
    Written with the job (the cameos the gate allowed at submit) and when its output is scanned (the
    faces found); deleted when the job ends (published, blocked, failed, cancelled)."""

    job = models.ForeignKey(GenerationJob, on_delete=models.CASCADE, related_name="+", db_index=False)
    # Plain ids, not foreign keys: the row outlives an erased account, whose cascade (after the
    # commit that erased it) must still find and block the jobs showing them.
    person_id = models.BigIntegerField()
    author_id = models.BigIntegerField()  # the job's author, copied so the cascade reads one index

    class Meta:
        constraints = [models.UniqueConstraint(fields=["job", "person_id"], name="generation_jobperson_unique")]
        indexes = [models.Index(fields=["person_id", "author_id"], name="generation_jobperson_person")]

    def __str__(self) -> str:
        return f"job {self.job_id} shows {self.person_id}"
