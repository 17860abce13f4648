"""Videos and what people do with them. The feed knows who appears in a video only through
`VideoPerson` rows that later apps fill through `feed.services` (it never imports them)."""

import secrets

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from pgvector.django import VectorField

from core.sentences import DIMENSIONS


def new_media_key() -> str:
    """Random, unguessable name of a video's media folder and URL (128 bits)."""
    return secrets.token_urlsafe(16)


class Video(models.Model):
    class Status(models.TextChoices):
        DRAFT = "draft"
        PUBLISHED = "published"
        REMOVED = "removed"

    # The removed_reason of a published video hidden because support deactivated its author's account
    # (feed.services.user_videos_hide): opening the account again publishes exactly these
    # (user_videos_unhide), never a video removed or hidden for any other reason.
    AUTHOR_DEACTIVATED = "hidden while its author's account is deactivated"

    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="videos", db_index=False
    )
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.DRAFT)
    caption = models.CharField(max_length=300, blank=True)
    media_key = models.CharField(max_length=32, unique=True, default=new_media_key, editable=False)
    media = models.FileField(max_length=200, db_index=True)
    poster = models.FileField(max_length=200, blank=True)
    duration_ms = models.PositiveIntegerField()
    width = models.PositiveSmallIntegerField()
    height = models.PositiveSmallIntegerField()
    remix_of = models.ForeignKey("self", on_delete=models.SET_NULL, null=True, blank=True, related_name="remixes")
    created_at = models.DateTimeField(default=timezone.now)
    published_at = models.DateTimeField(null=True, blank=True)
    removed_reason = models.CharField(max_length=200, blank=True)
    # vPDQ fingerprint (feed.fingerprints), computed by the worker from the MP4; null for videos made
    # without one (seeded). Never in an API body; kept in RemovedFingerprint when the video is removed.
    fingerprint = models.BinaryField(null=True, blank=True, editable=False)
    # The words search finds it by besides its caption: the canonical prompt it was made from (given
    # by the generation app to feed.services.video_create), less its @handles (prompt_words); empty
    # for videos made otherwise. Never in an API body. Indexed with the caption for full-text search
    # (migration 0003, feed.selectors).
    search_text = models.TextField(blank=True, editable=False)

    # Counters, changed only by conditional UPDATEs with F() in feed.services (no lost updates).
    like_count = models.PositiveIntegerField(default=0)
    comment_count = models.PositiveIntegerField(default=0)
    view_count = models.PositiveIntegerField(default=0)
    completed_view_count = models.PositiveIntegerField(default=0)
    remix_count = models.PositiveIntegerField(default=0)
    # Ranking (docs/feed-ranking.md): hot_score = ln(1 + engagement) + time_score + bonus, where
    # time_score = published epoch seconds / TAU is fixed at publish and bonus is the freshness boost
    # while the video is new (feed.expire_fresh takes it away). Kept in step with the counters.
    time_score = models.FloatField(default=0)
    bonus = models.FloatField(default=0)
    hot_score = models.FloatField(default=0)

    people = models.ManyToManyField(
        settings.AUTH_USER_MODEL, through="VideoPerson", through_fields=("video", "user"), related_name="videos_showing"
    )

    class Meta:
        indexes = [
            # For You: the global ranking, read from the cursor down.
            models.Index(fields=["-hot_score", "-id"], name="feed_video_hot", condition=Q(status="published")),
            # For You: videos of the authors a viewer follows, by rank (one index probe per author).
            models.Index(
                fields=["author", "-hot_score", "-id"], name="feed_video_author_hot", condition=Q(status="published")
            ),
            # Following feed and a person's videos: newest first.
            models.Index(
                fields=["author", "-published_at", "-id"], name="feed_video_author_new", condition=Q(status="published")
            ),
            # feed.expire_fresh: the few videos still carrying their freshness bonus.
            models.Index(fields=["published_at"], name="feed_video_fresh", condition=Q(bonus__gt=0)),
            # The author's own drafts and everything of theirs on erasure.
            models.Index(fields=["author", "status"], name="feed_video_author_status"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(status__in=["draft", "published", "removed"]), name="feed_video_status_valid"
            ),
            models.CheckConstraint(
                condition=~Q(status="published") | Q(published_at__isnull=False), name="feed_video_published_has_time"
            ),
        ]

    def __str__(self) -> str:
        return f"video {self.pk} by {self.author_id} ({self.status})"

    @property
    def is_published(self) -> bool:
        return self.status == self.Status.PUBLISHED

    @property
    def hidden_with_author(self) -> bool:
        """Published, and hidden only while its author's account is deactivated."""
        return self.status == self.Status.REMOVED and self.removed_reason == self.AUTHOR_DEACTIVATED


class VideoPerson(models.Model):
    """A person whose likeness a video shows (filled by the cameo and generation apps)."""

    video = models.ForeignKey(Video, on_delete=models.CASCADE, related_name="person_rows", db_index=False)
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+", db_index=False)
    # The video's author, status and rank copied here, so "videos showing people I follow" is read per
    # person from one index, in rank order, without visiting the videos (feed.ranking).
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+", db_index=False)
    published = models.BooleanField(default=False)
    hot_score = models.FloatField(default=0)
    # Named by handle in the video's `cameos`: someone in it with consent (their cameo was used, or
    # they were found where their cameo admits the author). False for a face found in someone else's
    # video that the person never let its author use (a later scan, a confirmed possible match): they
    # see it and may delete it, but nobody is told it is them.
    credited = models.BooleanField(default=True, db_default=True)  # a database default: bulk loads leave it out

    class Meta:
        constraints = [models.UniqueConstraint(fields=["video", "user"], name="feed_videoperson_unique")]
        indexes = [
            models.Index(
                fields=["user", "-hot_score", "-video"],
                name="feed_person_named_hot",
                include=["author"],
                # The people it names: For You's "shows people I follow" and trending's cameos count
                # nobody found in it without their consent (`credited`).
                condition=Q(published=True, credited=True),
            ),
            models.Index(fields=["author"], name="feed_videoperson_author"),
            # The drafts that show a person (selectors.unpublished_showing): read in the request that
            # withdraws their consent (services.drafts_consent_pending) and by its cascade. The index
            # above holds published rows only, so this read every person row.
            models.Index(fields=["user"], name="feed_videoperson_user_draft", condition=Q(published=False)),
        ]

    def __str__(self) -> str:
        return f"{self.user_id} in video {self.video_id}"


class ConsentPending(models.Model):
    """A draft whose author may have lost the right to show a person it shows: written in the
    transaction that withdrew that person's consent (moderation.services.consent_cascade_after_commit),
    deleted by the consent cascade once it finds the author still allowed (otherwise it deletes the
    draft, and the row with it). While one stands, the draft's files are not served
    (feed.apis.media_file): a signed URL handed out before the withdrawal dies with the consent, not
    seconds later with the cascade. One row per person, so one person's cascade that finds the author
    still allowed never serves a draft whose other person's withdrawal is still waiting for its own.
    A restriction the person adds marks their drafts too (cameos.services.cameo_update), for generation's
    recheck of the rules (generation.services.jobs_recheck_restrictions), which deletes the drafts that
    break it and serves the others again."""

    # No constraint in the database (the ORM still deletes the rows with their video): a mark written
    # as the author deletes that draft (read before the deletion, committed after it) failed the
    # database's check at commit, and the withdrawal or rule that wrote it answered with an error.
    # Such a mark points at no video and serves nothing (ids are never reused); the consent cascade
    # deletes it (services.drafts_consent_settled).
    video = models.ForeignKey(Video, on_delete=models.CASCADE, related_name="+", db_index=False, db_constraint=False)
    # A plain id, not a foreign key: the row outlives an erased account (whose VideoPerson rows go
    # with it), so its drafts stay unserved until the cascade that follows the erasure deletes them.
    person_id = models.BigIntegerField()
    # The person added a restriction the draft may break: only the rules' recheck settles the row (it
    # decides the author's access too), as the consent cascade reads no rules.
    rules = models.BooleanField(default=False, db_default=False)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["video", "person_id"], name="feed_consentpending_unique")]
        indexes = [models.Index(fields=["person_id"], name="feed_consentpending_person")]

    def __str__(self) -> str:
        return f"video {self.video_id} waits for {self.person_id}'s consent cascade"


class Like(models.Model):
    video = models.ForeignKey(Video, on_delete=models.CASCADE, related_name="+", db_index=False)
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+", db_index=False)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["user", "video"], name="feed_like_unique")]
        indexes = [models.Index(fields=["video"], name="feed_like_video")]

    def __str__(self) -> str:
        return f"{self.user_id} likes {self.video_id}"


class Comment(models.Model):
    video = models.ForeignKey(Video, on_delete=models.CASCADE, related_name="+", db_index=False)
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+", db_index=False)
    text = models.CharField(max_length=500)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        indexes = [
            models.Index(fields=["video", "-id"], name="feed_comment_video"),
            models.Index(fields=["author"], name="feed_comment_author"),
        ]
        constraints = [models.CheckConstraint(condition=~Q(text=""), name="feed_comment_not_empty")]

    def __str__(self) -> str:
        return f"comment {self.pk} on {self.video_id}"


class View(models.Model):
    """One row per viewer and video: how much they watched, and whether they watched to the end."""

    video = models.ForeignKey(Video, on_delete=models.CASCADE, related_name="+", db_index=False)
    viewer = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+", db_index=False)
    plays = models.PositiveIntegerField(default=1)
    watched_ms = models.PositiveBigIntegerField(default=0)
    completed = models.BooleanField(default=False)
    first_at = models.DateTimeField(default=timezone.now)
    last_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["viewer", "video"], name="feed_view_unique")]
        indexes = [models.Index(fields=["video"], name="feed_view_video")]

    def __str__(self) -> str:
        return f"{self.viewer_id} watched {self.video_id}"


class Report(models.Model):
    class Reason(models.TextChoices):
        MY_LIKENESS = "my_likeness", "Uses my likeness without my consent"
        SEXUAL = "sexual", "Sexual content"
        MINOR_SAFETY = "minor_safety", "Endangers a minor"
        VIOLENCE = "violence", "Graphic violence"
        SELF_HARM = "self_harm", "Self-harm"
        HATE = "hate", "Hate"
        HARASSMENT = "harassment", "Harassment or bullying"
        IMPERSONATION = "impersonation", "Impersonation"
        SPAM = "spam", "Spam"
        OTHER = "other", "Something else"

    class Status(models.TextChoices):
        OPEN = "open"
        DISMISSED = "dismissed"
        ACTIONED = "actioned"

    video = models.ForeignKey(Video, on_delete=models.CASCADE, related_name="reports", db_index=False)
    reporter = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+", db_index=False)
    reason = models.CharField(max_length=20, choices=Reason.choices)
    detail = models.CharField(max_length=1000, blank=True)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.OPEN)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["video", "reporter"], name="feed_report_unique")]
        indexes = [
            models.Index(fields=["status", "created_at"], name="feed_report_queue"),
            models.Index(fields=["reporter"], name="feed_report_reporter"),
        ]

    def __str__(self) -> str:
        return f"report {self.pk} on {self.video_id}: {self.reason}"


class RemovedFingerprint(models.Model):
    """The fingerprint of a video removed for someone's sake (taken down by moderation, or deleted by
    a person shown in it), kept after the video and its files are gone so that a copy of it cannot be
    published (feed.services.video_publish). Only the hash: no media, no caption, no people. A video
    hidden pending a takedown review (feed.services.video_hide) has one too while it stays hidden, so
    that no copy of it is published meanwhile: gone when the video is put back, made `taken_down` (or
    `deleted_by_person`) when it is removed for good."""

    class Reason(models.TextChoices):
        TAKEN_DOWN = "taken_down"
        DELETED_BY_PERSON = "deleted_by_person"
        HIDDEN_FOR_REVIEW = "hidden_for_review"

    video_id = models.PositiveBigIntegerField(unique=True)  # a plain id: the video row may be gone
    fingerprint = models.BinaryField()
    reason = models.CharField(max_length=20, choices=Reason.choices)
    removed_at = models.DateTimeField(default=timezone.now)

    # No index beyond the keys: publish compares against every removed fingerprint, exactly, from a
    # matrix each process keeps and reloads when the table changes (feed.selectors.removed_copy_of).

    def __str__(self) -> str:
        return f"fingerprint of removed video {self.video_id} ({self.reason})"


class VideoEmbedding(models.Model):
    """What a published video is about: its caption and prompt embedded with MiniLM by the worker when
    it is published (feed.tasks.embed_video). pgvector on PostgreSQL; elsewhere the same column holds
    the vector as text and closeness is computed in numpy (feed.steering)."""

    video = models.OneToOneField(Video, on_delete=models.CASCADE, primary_key=True, related_name="+")
    embedding = VectorField(dimensions=DIMENSIONS)

    def __str__(self) -> str:
        return f"embedding of video {self.video_id}"


class Steer(models.Model):
    """A person's standing preference for their For You, in their own words (PUT /api/v1/feed/steer),
    parsed into what to show more of and less of. The worker embeds each part (feed.tasks.embed_steer);
    until it has, `vectors` is null and For You is not steered."""

    user = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, primary_key=True, related_name="+")
    text = models.CharField(max_length=200)
    more = models.JSONField(default=list)
    less = models.JSONField(default=list)
    # float32 rows, one per part: `more` first, then `less` (never in an API body).
    vectors = models.BinaryField(null=True, editable=False)
    updated_at = models.DateTimeField(default=timezone.now)
    # When the worker last matched the best-ranked videos against it (SteerVideo); null: not yet.
    matched_at = models.DateTimeField(null=True, blank=True, editable=False)

    class Meta:
        indexes = [models.Index(fields=["matched_at"], name="feed_steer_matched")]

    def __str__(self) -> str:
        return f"steer of {self.user_id}: {self.text}"


class SteerVideo(models.Model):
    """A video among the best-ranked ones that is close to what a person asked their For You for
    (`more`) or against (`less`), as the worker matched it (feed.steering.steer_match). For You reads
    these as two more streams (feed.ranking)."""

    class Kind(models.TextChoices):
        MORE = "more"
        LESS = "less"

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+", db_index=False)
    # The video and its author without a constraint in the database (the ORM still deletes the rows
    # with them): the worker reads the videos, then writes its match; a video deleted or an author
    # erased in between failed the whole match at its commit, and the minute's refresh of everyone
    # after that person. Such a row points at nothing For You shows (its stream joins published
    # videos) and goes with the person's next match.
    video = models.ForeignKey(Video, on_delete=models.CASCADE, related_name="+", db_index=False, db_constraint=False)
    kind = models.CharField(max_length=4, choices=Kind.choices)
    # The video's author and rank when matched, copied here so a stream reads this index alone in
    # rank order (as VideoPerson's copies); the rank is as fresh as the last match (STEER_REFRESH_SECONDS).
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+", db_index=False, db_constraint=False
    )
    hot_score = models.FloatField()

    class Meta:
        constraints = [models.UniqueConstraint(fields=["user", "kind", "video"], name="feed_steervideo_unique")]
        indexes = [
            models.Index(
                fields=["user", "kind", "-hot_score", "-video"], name="feed_steervideo_hot", include=["author"]
            ),
            models.Index(fields=["video"], name="feed_steervideo_video"),
            models.Index(fields=["author"], name="feed_steervideo_author"),
        ]

    def __str__(self) -> str:
        return f"{self.user_id} asked {self.kind} like video {self.video_id}"
