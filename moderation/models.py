"""Moderation: the protected-person registry and the append-only audit log.

The audit log names people by user id only (never handles, prompts' faces or templates), so that it
can outlive an account without keeping anything personal but the fact that a decision was taken.
"""

import secrets
import uuid

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
    or what they are known for (workers, by meaning), and by face (`faces`) in uploads, generated
    frames and enrollments.

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
    # Matched like the description, each on its own: a prompt that says one thing someone is known for
    # ("the singer of Umbrella") is far from a line that lists several (moderation.descriptions).
    known_for = models.JSONField(
        default=list,
        blank=True,
        help_text='What they are best known for, one short description each: "the singer of Umbrella".',
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
    # Set by an operator who verified that these accounts are not this person, though their face
    # matches the registry's photos: they may enroll, and their own cameo decides for a face closer to
    # it than to these photos (moderation.consent).
    lookalikes = models.ManyToManyField(
        settings.AUTH_USER_MODEL,
        blank=True,
        related_name="cleared_lookalike_of",
        help_text="Accounts an operator verified are not this person, though their face matches the registry's photos.",
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
        TAKEDOWN = "takedown"  # a takedown request verified, matched, confirmed or dismissed
        # An operator linked (or unlinked) a protected person's own account, or cleared (or no longer
        # clears) an account as the person's look-alike: who may now show a face like the person's.
        PROTECTED_ACCOUNT_LINKED = "protected_account_linked"
        LOOKALIKE_CLEARED = "lookalike_cleared"

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
    """One row, given a new random token whenever the registry changes (a name, a face, a cameo's
    protect_name, a protected owner's display name): a process that sees a token it has not seen
    applies the changes (NamesChange) to its name index and re-reads the faces. Random, not a
    counter: a rolled-back change's value never comes back to mean something else."""

    token = models.CharField(max_length=32, default="")

    def __str__(self) -> str:
        return f"names {self.token}"


class NamesChange(models.Model):
    """Append-only: whose names changed (a registry entry, or a cameo owner's protection or display
    name), written with every new NamesVersion token that changes names. A process's name index is a
    base built at some position of this log plus the current names of the people changed since,
    read on the request path in milliseconds (moderation.selectors.name_index)."""

    class Kind(models.TextChoices):
        REGISTRY = "registry"  # a ProtectedPerson's id
        CAMEO = "cameo"  # a cameo owner's user id
        ALL = "all"  # anyone (a bulk write that named nobody): every process rebuilds its index

    id = models.BigAutoField(primary_key=True)
    kind = models.CharField(max_length=8, choices=Kind.choices)
    person_id = models.BigIntegerField()
    at = models.DateTimeField(default=timezone.now, db_index=True)

    def __str__(self) -> str:
        return f"{self.kind} {self.person_id} at {self.at}"


# --- takedown requests: anyone, with or without an account, asks for videos of their face to go -----


def takedown_tracking() -> str:
    """A tracking number to give a person: 16 random characters, unguessable, easy to read out."""
    alphabet = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"  # no 0/O, 1/I
    raw = "".join(secrets.choice(alphabet) for _ in range(16))
    return "TD-" + "-".join(raw[i : i + 4] for i in range(0, 16, 4))


class TakedownChallenge(models.Model):
    """The head poses a takedown selfie must perform (as for enrollment, with its own short expiry):
    single use, no account."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    steps = models.JSONField()
    created_at = models.DateTimeField(default=timezone.now)
    expires_at = models.DateTimeField()
    used_at = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return f"takedown challenge {self.id}"


class TakedownRequest(models.Model):
    """A person asks for every video of their face to be taken down (US TAKE IT DOWN Act): a verified
    selfie, a tracking number, matching videos hidden at once, a reviewer's decision within 48 hours.
    The selfie and its template are deleted when the request closes (a confirmed one's template once no
    job under way at the confirmation can still store a draft, or TAKEDOWN_TEMPLATE_KEEP_HOURS after it:
    moderation.takedowns.templates_expire)."""

    class Status(models.TextChoices):
        VERIFYING = "verifying"  # the selfie waits for the worker
        REJECTED = "rejected"  # not a live face answering the challenge (closed)
        NO_MATCH = "no_match"  # a live face that is in no video (closed)
        HIDDEN = "hidden"  # waiting for review: the matching published videos hidden (none if only drafts matched)
        REMOVED = "removed"  # confirmed: the videos and their copies are gone (closed)
        DISMISSED = "dismissed"  # the reviewer found no grounds: hidden videos back (closed)

    OPEN = (Status.VERIFYING, Status.HIDDEN)

    tracking = models.CharField(max_length=24, unique=True, default=takedown_tracking, editable=False)
    email = models.EmailField()
    address = models.GenericIPAddressField(null=True, blank=True)
    challenge = models.OneToOneField(TakedownChallenge, on_delete=models.PROTECT, related_name="request")
    videos_named = models.JSONField(default=list, blank=True)  # ids the person gave (shown to reviewers)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.VERIFYING)
    reason_code = models.CharField(max_length=40, blank=True)
    reason = models.CharField(max_length=300, blank=True)
    # Biometric data: the selfie (private storage) until verification has made its template, and the
    # template while the request waits for review (moderation.takedowns.published_hold) and, once
    # confirmed, until every job under way then has ended or TAKEDOWN_TEMPLATE_KEEP_HOURS have passed
    # (draft_taken_down, templates_expire; then closed_at, the confirmation, is what refuses such a
    # job's draft).
    upload_name = models.CharField(max_length=200, blank=True)
    template = VectorField(dimensions=EMBEDDING_DIMENSIONS, null=True, blank=True)
    videos_hidden = models.PositiveIntegerField(default=0)
    videos_removed = models.PositiveIntegerField(default=0)
    received_at = models.DateTimeField(default=timezone.now)
    due_at = models.DateTimeField()  # received + 48 hours: removal must be decided by then
    verified_at = models.DateTimeField(null=True, blank=True)
    closed_at = models.DateTimeField(null=True, blank=True)
    # When the periodic task found it still waiting for review past due_at (logged and audited once).
    overdue_at = models.DateTimeField(null=True, blank=True)
    # The status the requester was last mailed about (moderation.takedowns.requester_mail): each status
    # is mailed once, whatever retries or repeats its task.
    mailed_status = models.CharField(max_length=10, choices=Status.choices, blank=True)
    reviewer = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    class Meta:
        indexes = [
            models.Index(
                fields=["due_at"], name="moderation_takedown_open", condition=Q(status__in=["verifying", "hidden"])
            ),
            models.Index(fields=["email", "-received_at"], name="moderation_takedown_email"),
            # The few requests that hold a template, which every draft being stored holds (takedowns.
            # draft_taken_down) among every request ever made.
            models.Index(fields=["id"], name="moderation_takedown_templated", condition=Q(template__isnull=False)),
            # The confirmed requests by confirmation time: a draft being stored looks for those confirmed
            # since its job was created whose template is gone (takedowns.draft_taken_down).
            models.Index(fields=["closed_at"], name="moderation_takedown_confirmed", condition=Q(status="removed")),
        ]

    def __str__(self) -> str:
        return f"{self.tracking} ({self.status})"


class TakedownMatch(models.Model):
    """A video a takedown request's face matched: hidden if it was published, kept for the reviewer."""

    class Source(models.TextChoices):
        FACE = "face"  # a face track of the video matched the selfie
        CAMEO = "cameo"  # the selfie matched a cameo the video was made with

    request = models.ForeignKey(TakedownRequest, on_delete=models.CASCADE, related_name="matches")
    video = models.ForeignKey("feed.Video", on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    video_ref = models.BigIntegerField()  # the video's id, kept after it is deleted
    source = models.CharField(max_length=5, choices=Source.choices)
    similarity = models.FloatField()
    was_published = models.BooleanField(default=False)  # hidden by this request; put back on dismissal

    class Meta:
        constraints = [models.UniqueConstraint(fields=["request", "video_ref"], name="moderation_takedown_match")]

    def __str__(self) -> str:
        return f"{self.request_id} → video {self.video_ref}"
