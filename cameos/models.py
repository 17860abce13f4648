"""Cameos: a person's verified likeness, who may use it, and how it was enrolled.

What is biometric here is minimal and erasable (DESIGN.md §1.3): a 128-number face template in the
gallery and a few aligned reference crops, encrypted, in storage; with the voice step, a 256-number
voice template, encrypted, in the database. The enrollment video is deleted
after verification whatever the outcome.
"""

import uuid

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.db.models.functions import Coalesce
from django.utils import timezone
from pgvector.django import VectorField

EMBEDDING_DIMENSIONS = 128


class Audience(models.TextChoices):
    ONLY_ME = "only_me", "Only me"
    APPROVED = "approved", "People I approve"
    MUTUALS = "mutuals", "Mutuals and people I approve"
    EVERYONE = "everyone", "Everyone"


class Cameo(models.Model):
    """One per person, created when their first enrollment is accepted."""

    owner = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="cameo")
    audience = models.CharField(max_length=10, choices=Audience.choices, default=Audience.APPROVED)
    instructions = models.CharField(max_length=300, blank=True)
    restrictions = models.JSONField(default=list, blank=True)
    # When a restriction was last added: a job checked by meaning before then is checked again
    # (generation.services.jobs_recheck_restrictions) before it may be published.
    rules_added_at = models.DateTimeField(null=True, blank=True)
    protect_name = models.BooleanField(default=False)
    # Encrypted aligned crops in storage, for generation ("cameos/<random>/ref<n>.bin").
    reference_names = models.JSONField(default=list, blank=True)
    enrolled_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=Q(audience__in=["only_me", "approved", "mutuals", "everyone"]), name="cameos_audience_valid"
            ),
        ]

    def __str__(self) -> str:
        return f"cameo of {self.owner_id}"


class GalleryEntry(models.Model):
    """The face template of an active cameo, searched 1:N (cameos.gallery). PostgreSQL: pgvector with
    an HNSW index (cosine), made by migration 0002; elsewhere the column is text and search is exact."""

    cameo = models.OneToOneField(Cameo, on_delete=models.CASCADE, primary_key=True, related_name="gallery_entry")
    embedding = VectorField(dimensions=EMBEDDING_DIMENSIONS)

    def __str__(self) -> str:
        return f"template of cameo {self.cameo_id}"


class Voice(models.Model):
    """The voice template of a cameo (the voice step of its enrollment): 256 float32 numbers,
    encrypted at rest (cameos.crypto), replaced by each accepted enrollment, erased with the cameo.
    Never in a response or an export (the cameo body says only whether there is one)."""

    cameo = models.OneToOneField(Cameo, on_delete=models.CASCADE, primary_key=True, related_name="voice")
    template = models.BinaryField()  # Fernet token of the float32 bytes
    enrolled_at = models.DateTimeField(default=timezone.now)

    def __str__(self) -> str:
        return f"voice of cameo {self.cameo_id}"


class EnrollmentChallenge(models.Model):
    """A random sequence of head poses to perform in the enrollment video; single use, short-lived."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    steps = models.JSONField()
    created_at = models.DateTimeField(default=timezone.now)
    expires_at = models.DateTimeField()
    used_at = models.DateTimeField(null=True, blank=True)
    # Digits to read aloud in the video (the voice step, docs/liveness.md), or null without it.
    say_digits = models.CharField(max_length=12, null=True, blank=True)  # noqa: DJ001 - null: no voice step

    class Meta:
        indexes = [models.Index(fields=["user", "-created_at"], name="cameos_challenge_user")]

    def __str__(self) -> str:
        return f"challenge {self.id}"


class Enrollment(models.Model):
    """One attempt: the uploaded video (until verified), and the outcome."""

    class Status(models.TextChoices):
        VERIFYING = "verifying"
        ACCEPTED = "accepted"
        REJECTED = "rejected"

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    challenge = models.OneToOneField(EnrollmentChallenge, on_delete=models.CASCADE, related_name="enrollment")
    upload_name = models.CharField(max_length=200, blank=True)  # emptied when the upload is deleted
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.VERIFYING)
    reason_code = models.CharField(max_length=40, blank=True)
    reason = models.CharField(max_length=300, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        indexes = [models.Index(fields=["user", "-created_at"], name="cameos_enrollment_user")]

    def __str__(self) -> str:
        return f"enrollment {self.id} ({self.status})"


class IdentityConflict(models.Model):
    """An enrollment refused because the face is already the active cameo of another account; kept for
    support's review (cameos.admin lists them, without the similarity). Holds who and how similar,
    and goes with either account."""

    enrollment = models.OneToOneField(Enrollment, on_delete=models.CASCADE, related_name="conflict")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    existing_owner = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    similarity = models.FloatField()
    created_at = models.DateTimeField(default=timezone.now)
    reviewed = models.BooleanField(default=False)

    def __str__(self) -> str:
        # Not the similarity: it measures two people's faces, and this is shown in the admin.
        return f"{self.user_id} enrolled the face of {self.existing_owner_id}'s cameo"


class CameoGrant(models.Model):
    """Someone asking to use a cameo, and the owner's answer. One row per (cameo, grantee)."""

    class Status(models.TextChoices):
        REQUESTED = "requested"
        APPROVED = "approved"
        DENIED = "denied"
        REVOKED = "revoked"

    cameo = models.ForeignKey(Cameo, on_delete=models.CASCADE, related_name="grants", db_index=False)
    grantee = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+", db_index=False)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.REQUESTED)
    requested_at = models.DateTimeField(default=timezone.now)
    decided_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["cameo", "grantee"], name="cameos_grant_unique")]
        indexes = [
            # The owner's lists, newest first and paged by keyset (cameos.apis RequestsApi, GrantsApi):
            # open requests by when they were asked, approvals by when they were approved (an older
            # row with no decision time by its request, as cameos.selectors.grants_for orders them).
            models.Index(
                "cameo",
                F("requested_at").desc(),
                F("id").desc(),
                condition=Q(status="requested"),
                name="cameos_grant_requests",
            ),
            models.Index(
                "cameo",
                Coalesce("decided_at", "requested_at").desc(),
                F("id").desc(),
                condition=Q(status="approved"),
                name="cameos_grant_approvals",
            ),
            models.Index(fields=["grantee", "status"], name="cameos_grant_grantee"),
        ]

    def __str__(self) -> str:
        return f"{self.grantee_id} → cameo {self.cameo_id}: {self.status}"


class VideoFace(models.Model):
    """One face track of a generated video: its mean template, found by the output scan. Kept so a
    cameo enrolled later can be matched against existing videos (DESIGN.md §1.2); erased with the
    video. Searched exactly (gallery.videos_with_face): a person must not miss a video of themselves."""

    video = models.ForeignKey("feed.Video", on_delete=models.CASCADE, related_name="+", db_index=False)
    embedding = VectorField(dimensions=EMBEDDING_DIMENSIONS)
    first_ms = models.PositiveIntegerField(default=0)
    last_ms = models.PositiveIntegerField(default=0)
    frames = models.PositiveIntegerField(default=0)  # regular samples (not cut frames) the face was seen in
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        indexes = [models.Index(fields=["video"], name="cameos_videoface_video")]

    def __str__(self) -> str:
        return f"a face in video {self.video_id}"


class Appearance(models.Model):
    """A person shown in a video: tagged (their cameo was used) or detected (the output scan, or a
    later scan, found their face). What "videos of me" lists (DESIGN.md §1.2).

    A detected face is `confirmed` only when its track passes the reveal bar (cameos.conf
    reveal_*: docs/videos-of-me.md § Possible matches); then the person is one of the video's people
    (feed.VideoPerson): they see it, media and all, and may delete it. Below the bar it is `possible`:
    no VideoPerson row, so nothing of the video is shown to them and they cannot delete it; its
    author is asked to confirm (→ confirmed) or remove (→ removed: not raised again, unless a later
    scan finds the video published and above the bar) the person."""

    class Source(models.TextChoices):
        TAGGED = "tagged"
        DETECTED = "detected"

    class Match(models.TextChoices):
        CONFIRMED = "confirmed"
        POSSIBLE = "possible"
        REMOVED = "removed"

    video = models.ForeignKey("feed.Video", on_delete=models.CASCADE, related_name="+", db_index=False)
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+", db_index=False)
    source = models.CharField(max_length=10, choices=Source.choices)
    match = models.CharField(max_length=10, choices=Match.choices, default=Match.CONFIRMED)
    similarity = models.FloatField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["video", "user"], name="cameos_appearance_unique")]
        indexes = [models.Index(fields=["user", "-created_at"], name="cameos_appearance_user")]

    def __str__(self) -> str:
        return f"{self.user_id} in video {self.video_id} ({self.source})"
