"""People, their sign-in tokens, and the social graph (follows and blocks)."""

import datetime as dt
import hashlib
import string
from typing import Any

from django.conf import settings
from django.contrib.auth.base_user import AbstractBaseUser, BaseUserManager
from django.contrib.auth.models import PermissionsMixin
from django.db import models
from django.db.models import F, Q
from django.db.models.functions import Lower
from django.utils import timezone

from accounts.conf import conf
from core.text import skeleton

HANDLE_PATTERN = r"^[a-z0-9_.]{3,30}$"


# A-Z only: str.lower() also makes the Kelvin sign (U+212A, which looks like K) an ASCII "k".
_ASCII_LOWER = str.maketrans(string.ascii_uppercase, string.ascii_lowercase)


def normalize_handle(handle: str) -> str:
    """Handles are case-insensitive: stored and looked up in lower case, of A-Z alone. "\u212aate" is no
    way of writing "kate": not a handle (refused when chosen, nobody when looked up), as "ｋate" is
    not (a full-width k), where it was taken for "kate"."""
    return (handle or "").strip().translate(_ASCII_LOWER)


def age_on(birthdate: dt.date, day: dt.date) -> int:
    return day.year - birthdate.year - ((day.month, day.day) < (birthdate.month, birthdate.day))


class UserManager(BaseUserManager["User"]):
    use_in_migrations = True

    def create_user(self, handle: str, password: str | None = None, **extra: object) -> "User":
        user = self.model(handle=normalize_handle(handle), **extra)
        user.set_password(password)
        user.save(using=self._db)
        return user

    def create_superuser(self, handle: str, password: str | None = None, **extra: object) -> "User":
        extra.setdefault("is_staff", True)
        extra.setdefault("is_superuser", True)
        return self.create_user(handle, password, **extra)

    def get_by_natural_key(self, username: str | None) -> "User":
        return self.get(handle=normalize_handle(username or ""))


class User(AbstractBaseUser, PermissionsMixin):
    handle = models.CharField(max_length=30, unique=True)
    # The handle's TR39 skeleton (core.text.skeleton): unique, so no one registers a handle that reads
    # like someone else's ("rnike" for "mike", "bi11" for "bill"). Null only for accounts made before it
    # that already looked alike (the migration kept the oldest).
    handle_skeleton = models.CharField(max_length=60, unique=True, null=True, blank=True, editable=False)
    display_name = models.CharField(max_length=50, blank=True)
    birthdate = models.DateField(null=True, blank=True)
    # Set by support, never by the person: only people they approve one by one may show them, as for a
    # minor. Moderation sets it for an operator-cleared look-alike of a protected person
    # (moderation.registry.person_set_lookalikes), whose face people may take for that person's. A
    # database default too: rows inserted without it (the seed's COPY, the code of the version before
    # during a deploy) are not approval only.
    approval_only = models.BooleanField(
        default=False,
        db_default=False,
        help_text="Only people this person approves one by one may show them (a cleared look-alike of a "
        "protected person). Set through the protected person's look-alikes.",
    )
    is_active = models.BooleanField(default=True)
    is_staff = models.BooleanField(default=False)
    date_joined = models.DateTimeField(default=timezone.now)

    objects = UserManager()

    USERNAME_FIELD = "handle"
    REQUIRED_FIELDS = []

    class Meta:
        constraints = [
            # The rules of API.md, in the database: lower case (so unique is case-insensitive),
            # 3–30 characters of a-z 0-9 _ .
            models.CheckConstraint(condition=Q(handle=Lower("handle")), name="accounts_user_handle_lowercase"),
            models.CheckConstraint(condition=Q(handle__regex=HANDLE_PATTERN), name="accounts_user_handle_format"),
        ]

    def __str__(self) -> str:
        return f"@{self.handle}"

    def save(self, *args: Any, **kwargs: Any) -> None:
        # Kept in step with the handle wherever it is set. An old look-alike left null stays null:
        # filling it in would collide with the account it looks like.
        if self._state.adding or self.handle_skeleton is not None:
            self.handle_skeleton = skeleton(self.handle)
            update_fields = kwargs.get("update_fields")
            if update_fields is not None and "handle" in update_fields:
                kwargs["update_fields"] = {*update_fields, "handle_skeleton"}
        super().save(*args, **kwargs)

    @property
    def is_minor(self) -> bool:
        """Under 18, or age unknown: likeness rules for minors apply until a birthdate says otherwise."""
        if self.birthdate is None:
            return True
        return age_on(self.birthdate, timezone.localdate()) < conf().adult_age


def token_digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


class AuthToken(models.Model):
    """A bearer token. Only its SHA-256 digest is stored: a database leak does not leak sessions.
    One not used for `token_idle_days` is refused and deleted (accounts.services.token_in_use)."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="auth_tokens")
    digest = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField(default=timezone.now)
    # When it was last used, to the day (token_in_use writes it at most once a day).
    last_used_at = models.DateTimeField(default=timezone.now, db_index=True)

    def __str__(self) -> str:
        return f"token of {self.user_id} from {self.created_at:%Y-%m-%d}"


class Follow(models.Model):
    follower = models.ForeignKey(User, on_delete=models.CASCADE, related_name="+", db_index=False)
    followee = models.ForeignKey(User, on_delete=models.CASCADE, related_name="+", db_index=False)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["follower", "followee"], name="accounts_follow_unique"),
            models.CheckConstraint(condition=~Q(follower=F("followee")), name="accounts_follow_not_self"),
        ]
        indexes = [
            # followers and following lists, newest first (keyset on id)
            models.Index(fields=["followee", "-id"], name="accounts_follow_followee_id"),
            models.Index(fields=["follower", "-id"], name="accounts_follow_follower_id"),
        ]

    def __str__(self) -> str:
        return f"{self.follower_id} follows {self.followee_id}"


class FollowerCount(models.Model):
    """How many follow a person (follows by deactivated accounts included, as in their profile),
    kept by database triggers on Follow (migration 0007), whatever inserts or deletes the rows: a
    service, a block, a cascade or the seed. A table of its own, never saved by the ORM, so that no
    save of a stale User can write an old count back. People search ranks by it."""

    user = models.OneToOneField(User, on_delete=models.CASCADE, primary_key=True, related_name="+")
    followers = models.IntegerField(default=0)

    class Meta:
        # The most followed first (accounts.selectors._popular_people: 1,000 rows in ~3 ms, where
        # sorting every count took 50 ms).
        indexes = [models.Index(fields=["-followers", "user"], name="accounts_followercount_most")]

    def __str__(self) -> str:
        return f"{self.user_id}: {self.followers} followers"


class Block(models.Model):
    blocker = models.ForeignKey(User, on_delete=models.CASCADE, related_name="+", db_index=False)
    blocked = models.ForeignKey(User, on_delete=models.CASCADE, related_name="+", db_index=False)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["blocker", "blocked"], name="accounts_block_unique"),
            models.CheckConstraint(condition=~Q(blocker=F("blocked")), name="accounts_block_not_self"),
        ]
        indexes = [
            models.Index(fields=["blocker", "-id"], name="accounts_block_blocker_id"),
            models.Index(fields=["blocked", "blocker"], name="accounts_block_blocked"),
        ]

    def __str__(self) -> str:
        return f"{self.blocker_id} blocked {self.blocked_id}"


class Notification(models.Model):
    """Something a person should know: their cameo was used, a draft of them was made, someone asked
    to use their cameo, a video of them was found, a video of theirs was removed by a person in it,
    hidden pending review of a takedown request, or put back when that request was dismissed.
    Lives here, at the bottom of the import order, so that every app can notify."""

    class Kind(models.TextChoices):
        CAMEO_USED = "cameo_used"
        DRAFT_OF_YOU = "draft_of_you"
        CAMEO_REQUESTED = "cameo_requested"
        VIDEO_OF_YOU_FOUND = "video_of_you_found"
        VIDEO_REMOVED = "video_removed"
        # To a video's author: a face in it may be this person's (a possible match): confirm or remove.
        APPEARANCE_TO_CONFIRM = "appearance_to_confirm"
        # To a video's author: a takedown request hid it pending review (naming no one: not the
        # requester, their email or tracking number); and when a dismissal publishes it again.
        VIDEO_HIDDEN_FOR_REVIEW = "video_hidden_for_review"
        VIDEO_RESTORED = "video_restored"

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+", db_index=False)
    kind = models.CharField(max_length=30, choices=Kind.choices)
    data = models.JSONField(default=dict, blank=True)  # ids and handles only; never a face or a prompt of others
    # The person it names (the requester, the author, the person a face may be), by id: a plain id,
    # so that erasing them finds and deletes what names them (their handle may be taken again).
    about_id = models.BigIntegerField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    read_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        indexes = [
            models.Index(fields=["user", "-id"], name="accounts_notification_user"),
            models.Index(fields=["about_id"], name="accounts_notification_about"),
        ]

    def __str__(self) -> str:
        return f"{self.kind} for {self.user_id}"
