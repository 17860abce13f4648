"""Moderation: the protected-person registry and the append-only audit log.

The audit log names people by user id only (never handles, prompts' faces or templates), so that it
can outlive an account without keeping anything personal but the fact that a decision was taken.
"""

import secrets

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from pgvector.django import VectorField

from cameos.models import EMBEDDING_DIMENSIONS


def protected_photo_name(instance: "ProtectedFace | None", filename: str) -> str:
    """A random storage name: no URL or path reveals whose photo it is or can be guessed."""
    return f"protected/{secrets.token_urlsafe(16)}.jpg"


class ProtectedPerson(models.Model):
    """A real person whose likeness nobody may generate: a public figure, or a deceased person whose
    estate registered them. Found in prompts by name or alias (whatever the spelling), by description
    (workers, by meaning), and by face (`faces`) in uploads, generated frames and enrollments.

    Written through moderation.registry (which fills `name_key`), not directly."""

    class Kind(models.TextChoices):
        PUBLIC_FIGURE = "public_figure", "Public figure"
        ESTATE = "estate", "Estate (registers a deceased person)"

    name = models.CharField(max_length=120)
    # core.text.fold(name) with whitespace collapsed: how a duplicate is found and an import upserts.
    # If fold ever changes, existing keys need a data migration that recomputes them.
    name_key = models.CharField(max_length=200, unique=True, editable=False)
    aliases = models.JSONField(default=list, blank=True, help_text="Other names, one per item, e.g. nicknames.")
    description = models.CharField(
        max_length=300,
        blank=True,
        help_text='One line that identifies them: "the 44th president of the United States".',
    )
    kind = models.CharField(max_length=20, choices=Kind.choices, default=Kind.PUBLIC_FIGURE)
    deceased = models.BooleanField(default=False)
    note = models.CharField(max_length=300, blank=True)
    # Set by an operator who verified that this account is the person's own: they may use their likeness.
    account = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="protected_person",
    )
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name_plural = "protected people"
        indexes = [models.Index(fields=["name"], name="moderation_protected_name")]
        constraints = [
            # A row saved without its key would collide with the next one: refuse it at once.
            models.CheckConstraint(condition=~Q(name_key=""), name="moderation_person_key_set"),
        ]

    def __str__(self) -> str:
        return self.name


class ProtectedFace(models.Model):
    """A reference photo of a protected person and its face template (SFace, 128-d, L2-normalised),
    searched exactly (moderation.selectors.protected_face_matches). The photo is a re-encoded JPEG
    in the default storage under a random name, never served publicly (the admin shows it to staff);
    it is deleted after commit with its row."""

    person = models.ForeignKey(ProtectedPerson, on_delete=models.CASCADE, related_name="faces")
    photo = models.FileField(upload_to=protected_photo_name, max_length=200)
    embedding = VectorField(dimensions=EMBEDDING_DIMENSIONS)
    source = models.CharField(max_length=300, blank=True)  # the file name it came from
    sha256 = models.CharField(max_length=64)  # of the file as given: the same photo is not added twice
    stored_sha256 = models.CharField(max_length=64, blank=True)  # of the stored JPEG (what an export writes)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["person", "sha256"], name="moderation_face_unique")]

    def __str__(self) -> str:
        return f"face of {self.person_id} ({self.source or self.photo.name})"


class AuditEvent(models.Model):
    """One thing that happened to consent or content: a gate decision, a grant change, a deletion, a
    take-down. Rows are only ever inserted (PostgreSQL refuses UPDATE and DELETE by trigger)."""

    class Kind(models.TextChoices):
        CONSENT_DECISION = "consent_decision"
        GRANT_CHANGED = "grant_changed"
        AUDIENCE_NARROWED = "audience_narrowed"
        CAMEO_ERASED = "cameo_erased"
        BLOCK = "block"
        CONSENT_WITHDRAWN = "consent_withdrawn"
        VIDEO_DELETED = "video_deleted"
        VIDEO_TAKEN_DOWN = "video_taken_down"
        REPORT_REVIEWED = "report_reviewed"
        ACCOUNT_ERASED = "account_erased"
        IMPERSONATION_REFUSED = "impersonation_refused"  # an enrollment with a protected person's face

    kind = models.CharField(max_length=30, choices=Kind.choices)
    actor_id = models.BigIntegerField(null=True, blank=True)  # who did it (a user id; null: the system)
    subject_id = models.BigIntegerField(null=True, blank=True)  # whose likeness or content it concerns
    object_type = models.CharField(max_length=30, blank=True)
    object_id = models.CharField(max_length=64, blank=True)
    allowed = models.BooleanField(null=True, blank=True)  # consent decisions only
    data = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        indexes = [
            models.Index(fields=["kind", "-created_at"], name="moderation_audit_kind"),
            models.Index(fields=["subject_id", "-created_at"], name="moderation_audit_subject"),
            models.Index(fields=["actor_id", "-created_at"], name="moderation_audit_actor"),
        ]

    def __str__(self) -> str:
        return f"{self.created_at:%Y-%m-%d %H:%M:%S} {self.kind}"

    def save(self, *args, **kwargs) -> None:  # type: ignore[no-untyped-def]
        if self.pk is not None and not self._state.adding:
            raise RuntimeError("The audit log is append-only.")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):  # type: ignore[no-untyped-def]
        raise RuntimeError("The audit log is append-only.")


class NamesVersion(models.Model):
    """One row, given a new random token whenever a protected name changes (the registry, a cameo's
    protect_name, a protected owner's display name): every process rebuilds its name index when it
    sees a token it did not build from. Random, not a counter: a rolled-back change's value never
    comes back to mean something else."""

    token = models.CharField(max_length=32, default="")

    def __str__(self) -> str:
        return f"names {self.token}"
