"""Moderation: the protected-person registry and the append-only audit log.

The audit log names people by user id only (never handles, prompts' faces or templates), so that it
can outlive an account without keeping anything personal but the fact that a decision was taken.
"""

from django.db import models
from django.utils import timezone


class ProtectedName(models.Model):
    """A real person whose likeness nobody may generate: a public figure, or the estate of a deceased
    person that opted out. Matched in prompts case- and accent-insensitively on word boundaries."""

    class Kind(models.TextChoices):
        PUBLIC_FIGURE = "public_figure", "Public figure"
        ESTATE = "estate", "Estate of a deceased person (opted out)"

    name = models.CharField(max_length=120)
    aliases = models.JSONField(default=list, blank=True, help_text="Other names, one per item, e.g. nicknames.")
    kind = models.CharField(max_length=20, choices=Kind.choices, default=Kind.PUBLIC_FIGURE)
    note = models.CharField(max_length=300, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        indexes = [models.Index(fields=["name"], name="moderation_protected_name")]

    def __str__(self) -> str:
        return self.name


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
