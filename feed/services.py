"""Writes for the feed: videos and their life cycle, likes, comments, views, reports.

Counters change only through `_bump`: one UPDATE that adds to the counters and recomputes the rank
from the new values inside the database (no read-modify-write, so concurrent likes never lose one).
"""

from __future__ import annotations

import datetime as dt
import math
import re
from collections import Counter
from collections.abc import Iterable
from typing import Any

from django.core.files import File
from django.db import IntegrityError, connection, transaction
from django.db.models import Count, Exists, F, FloatField, OuterRef, Q, QuerySet, Subquery, Value
from django.db.models.functions import Cast, Greatest, Ln
from django.utils import timezone

from accounts.models import User
from accounts.selectors import relation_between
from accounts.services import people_keep, people_keep_active
from core.exceptions import ApplicationError, Forbidden, InvalidInput, NotFound
from core.presenters import timestamp
from core.storage import delete_after_commit
from core.text import display
from feed import selectors
from feed.conf import FeedSettings, conf
from feed.models import Comment, ConsentPending, Like, RemovedFingerprint, Report, Steer, Video, VideoPerson, View
from feed.signals import (
    video_deleted,
    video_deleting,
    video_person_added,
    video_person_adding,
    video_taken_down,
    video_taking_down,
    videos_changing,
    videos_deleting,
)

PUBLISHED = Video.Status.PUBLISHED


class NotPublished(ApplicationError):
    status_code = 409
    code = "not_published"
    default_detail = "This video is not published."


class AuthorDeactivated(ApplicationError):
    status_code = 403
    code = "account_deactivated"
    default_detail = "This account is deactivated: nothing of it can be published."


class EngagerDeactivated(ApplicationError):
    status_code = 403
    code = "account_deactivated"
    default_detail = "This account is deactivated: it can no longer like or comment."


class CopyOfRemovedVideo(ApplicationError):
    status_code = 409
    code = "copy_of_removed_video"
    default_detail = (
        "This video is a copy of a video that was removed (taken down, or deleted by a person shown in it), "
        "so it cannot be published."
    )


# --- ranking arithmetic (docs/feed-ranking.md) ----------------------------------------------------


def _knobs() -> FeedSettings:
    return conf()


def time_score(published_at: dt.datetime) -> float:
    return published_at.timestamp() / _knobs().tau_seconds


def engagement(*, likes: Any, completed_views: Any, comments: Any, remixes: Any) -> Any:
    """Weighted engagement; works on numbers and on query expressions alike."""
    k = _knobs()
    return (
        likes * k.weight_like
        + completed_views * k.weight_completed_view
        + comments * k.weight_comment
        + remixes * k.weight_remix
    )


def hot_score(
    *, time: float, bonus: float = 0.0, likes: int = 0, completed_views: int = 0, comments: int = 0, remixes: int = 0
) -> float:
    counts = engagement(likes=likes, completed_views=completed_views, comments=comments, remixes=remixes)
    return math.log1p(counts) + time + bonus


def _plus(name: str, deltas: dict[str, Any]) -> Any:
    """The counter plus its delta, never below zero: a count that two deletions both took one off
    (a comment deleted while its author's account is erased) stays a count, not a failed write."""
    return Greatest(F(name) + deltas[name], Value(0)) if name in deltas else F(name)


def _bump(video_ids: int | Iterable[int], **deltas: Any) -> None:
    """Add `deltas` (ints or expressions) to counters and recompute the rank from the new values."""
    ids = [video_ids] if isinstance(video_ids, int) else list(video_ids)
    if not ids:
        return
    new = {
        name: _plus(name, deltas)
        for name in ("like_count", "comment_count", "completed_view_count", "remix_count", "view_count")
    }
    real = {name: Cast(expr, FloatField()) for name, expr in new.items()}
    score = (
        Ln(
            Value(1.0, output_field=FloatField())
            + engagement(
                likes=real["like_count"],
                completed_views=real["completed_view_count"],
                comments=real["comment_count"],
                remixes=real["remix_count"],
            )
        )
        + F("time_score")
        + F("bonus")
    )
    Video.objects.filter(pk__in=ids).update(**{k: new[k] for k in deltas}, hot_score=score)
    _sync_people(ids)


def _sync_people(video_ids: list[int]) -> None:
    """Copy status and rank onto the videos' person rows, whose index serves 'videos showing
    people I follow' in rank order."""
    _sync_person_rows(VideoPerson.objects.filter(video_id__in=video_ids))


def _sync_person_rows(rows: QuerySet[VideoPerson]) -> None:
    """_sync_people for these person rows (all of an author's: one statement, however many videos)."""
    video = Video.objects.filter(pk=OuterRef("video_id"))
    rows.update(
        hot_score=Subquery(video.values("hot_score")[:1]),
        published=Exists(video.filter(status=PUBLISHED)),
    )


def _remixes_count(remixes: QuerySet[Video], sign: int) -> None:
    """Add these remixes to their sources' remix counts (sign 1), or take them off (-1): one update
    per distinct number of them a source has, so an author's thousands of videos cost a few."""
    per_source = remixes.filter(remix_of__isnull=False).values("remix_of_id").annotate(n=Count("*")).order_by()
    _bump_each({row["remix_of_id"]: sign * row["n"] for row in per_source}, "remix_count")


def _counts_hold(video_ids: Iterable[int]) -> None:
    """Lock the rows of these videos, whose counts the transaction changes next, in id order until it
    ends (the last step of the documented order: people, jobs, likes, comments, video rows, counts).
    A transaction that changes the counts of several videos, in several updates (likes, then comments)
    or in one (whose rows the database locks in no set order), holds them all first: changed update by
    update, a block took one video's like count and then another's comment count while an erasure
    took the two in the other order (a deadlock)."""
    ids = sorted(set(video_ids))
    if len(ids) > 1:
        list(
            Video.objects.select_for_update(no_key=True).filter(pk__in=ids).order_by("pk").values_list("pk", flat=True)
        )


def _bump_each(deltas: dict[int, int], counter: str) -> None:
    """Add to each video's `counter` its own delta: one update per distinct delta (_bump), not one per
    video. The videos are locked in id order first (_counts_hold): updated group by group, two such
    changes (two deactivations, a deactivation and a block) could each take one video of the other's
    and wait."""
    _counts_hold(deltas)
    for delta in sorted(set(deltas.values())):
        _bump(sorted(v for v, d in deltas.items() if d == delta), **{counter: delta})


# --- videos ----------------------------------------------------------------------------------------


def video_files_store(*, media: File, poster: File | None = None) -> dict[str, str]:
    """Store a new video's files under a fresh random folder, before the transaction that creates
    its row (video_create(stored=...)): no upload to storage holds a database lock. Its media_key
    and the names of its media and poster ("" for none)."""
    from django.core.files.storage import default_storage

    from feed.models import new_media_key

    key = new_media_key()
    return {
        "media_key": key,
        "media": default_storage.save(f"videos/{key}/video.mp4", media),
        "poster": default_storage.save(f"videos/{key}/poster.jpg", poster) if poster is not None else "",
    }


# An @handle anywhere in a prompt, inside a word too ("with@ana"): what search must not read.
_HANDLES = re.compile(r"@[A-Za-z0-9_.]+")


def prompt_words(prompt: str) -> str:
    """What search and steering read of the prompt a video was made from: its words without the
    @handles. Who a video shows is told per viewer (its `cameos` leave out anyone in a block with
    the viewer and an account support deactivated); a video found by a handle in its prompt, which
    no one is shown, would tell anyone who searched for the handle that the person is in it."""
    return " ".join(_HANDLES.sub(" ", prompt).split())


@transaction.atomic
def video_create(
    *,
    author: User,
    media: File | None = None,
    duration_ms: int,
    width: int,
    height: int,
    poster: File | None = None,
    caption: str = "",
    remix_of: Video | None = None,
    people: Iterable[User] = (),
    fingerprint: bytes | None = None,
    stored: dict[str, str] | None = None,
    prompt: str = "",
) -> Video:
    """A new draft. Its files go under a random folder (`videos/<media_key>/`); a draft's media is
    served only at signed, expiring URLs (feed.media). `fingerprint`: its vPDQ fingerprint
    (feed.fingerprints, computed by the worker), which keeps it from being published if it is a copy
    of a removed video and is kept if it is itself removed. `stored`: its files, already stored by
    video_files_store (instead of `media` and `poster`). `prompt`: the canonical prompt it was made
    from, whose words but its @handles (prompt_words) search finds it by once it is published
    (feed.selectors.videos_search)."""
    video = Video(
        author=author,
        caption=caption.strip(),
        search_text=prompt_words(prompt),
        duration_ms=duration_ms,
        width=width,
        height=height,
        remix_of=remix_of,
        fingerprint=fingerprint,
    )
    if stored is not None:
        video.media_key, video.media.name, video.poster.name = stored["media_key"], stored["media"], stored["poster"]
    elif media is None:
        raise TypeError("video_create needs `media` or `stored`")
    else:
        video.media.save(f"videos/{video.media_key}/video.mp4", media, save=False)
    if poster is not None and stored is None:
        video.poster.save(f"videos/{video.media_key}/poster.jpg", poster, save=False)
    try:
        video.save()
    except Exception:
        delete_after_commit([name for name in (video.media.name, video.poster.name) if name])  # no orphans
        raise
    video_set_people(video=video, users=people)
    return video


def video_set_people(*, video: Video, users: Iterable[User]) -> None:
    """Record who the video shows (cameos tagged or detected; filled by later apps)."""
    wanted = {u.pk for u in users}
    VideoPerson.objects.filter(video=video).exclude(user_id__in=wanted).delete()
    existing = set(VideoPerson.objects.filter(video=video).values_list("user_id", flat=True))
    VideoPerson.objects.bulk_create(
        [
            VideoPerson(
                video=video,
                user_id=uid,
                author_id=video.author_id,
                published=video.is_published,
                hot_score=video.hot_score,
            )
            for uid in wanted - existing
        ],
        ignore_conflicts=True,
    )


def videos_hold_for_deleting(*, video_ids: Iterable[int], erasing: User | None = None) -> None:
    """Before several videos are deleted in this transaction (each by video_delete): what the apps
    above hold of theirs that points at them (videos_deleting: their jobs) is held now, all at once,
    until the transaction ends, and then the videos' likes and comments (_engagement_hold), in the
    order video_delete takes them for one video. Held video by video, the first video's row was held
    before the second's likes: someone erasing their account, who holds their likes in id order, held
    their like on the second and waited for the one on the first (a deadlock). `erasing`: the
    transaction erases this person next (user_feed_erase), and what it holds of theirs (their likes and
    comments, those on their videos) is held with these, in the same order: held after the videos were
    deleted, their like on a fan's video was held by the fan's erasure, which waited for the fan's like
    on one of the videos (a deadlock). video_delete still holds each video's likes and comments again,
    before its row: the videos' rows are not held here, so likes and comments may commit on them
    until then (_delete_held)."""
    ids = sorted({int(i) for i in video_ids})
    if not ids:
        return
    videos_deleting.send(sender=Video, video_ids=ids)
    if erasing is None:
        _engagement_hold(ids)
    else:
        own = Video.objects.filter(author=erasing).values_list("pk", flat=True)
        _engagement_hold([*ids, *own], likes=Q(user=erasing), comments=Q(author=erasing))


def videos_hold_for_changing(*, video_ids: Iterable[int]) -> None:
    """Before several videos are hidden or published again in this transaction (video_hide, video_unhide,
    after the caller locks their rows): what the apps above hold of theirs that points at them
    (videos_changing: their jobs, remixes of them included) is held now, all at once, until the
    transaction ends, as a deletion of them or of a video they remix takes it first."""
    ids = sorted({int(i) for i in video_ids})
    if ids:
        videos_changing.send(sender=Video, video_ids=ids)


def video_hold_for_people(*, video_id: int) -> Video | None:
    """Lock this video before someone more is added to it (video_add_person), until the transaction
    ends: the apps above hold what of theirs points at it first (video_person_adding: its jobs), then
    its row, in the order video_delete takes them, so that the two wait for each other rather than
    deadlock. None if it is gone."""
    video_person_adding.send(sender=Video, video_id=video_id)
    return Video.objects.select_for_update().filter(pk=video_id).first()


def video_add_person(*, video: Video, user: User, credited: bool) -> None:
    """Someone more is shown in this video (found later by a scan of existing videos): the apps above
    are told (video_person_added), so that a draft's job knows whom it shows. `credited`: their
    handle is in the video's `cameos` (VideoPerson.credited). Inside a transaction that holds the
    video (video_hold_for_people)."""
    _, created = VideoPerson.objects.get_or_create(
        video=video,
        user=user,
        defaults={
            "author_id": video.author_id,
            "published": video.is_published,
            "hot_score": video.hot_score,
            "credited": credited,
        },
    )
    if created:
        video_person_added.send(sender=Video, video_id=video.pk, user_id=user.pk)


def drafts_consent_pending(*, person_id: int, author_ids: Iterable[int] | None, rules: bool = False) -> int:
    """In the transaction that may take `person_id`'s consent from these authors (None: anyone):
    their drafts that show the person are not served from now on (ConsentPending), until the consent
    cascade either deletes them or finds the author still allowed (drafts_consent_settled). With
    `rules` (the person added a restriction), until generation's recheck of the rules settles them
    (drafts_consent_settled with rules), whoever else marked them before. How many."""
    drafts = selectors.unpublished_showing(person_id, author_ids).exclude(author_id=person_id)
    rows = [ConsentPending(video_id=pk, person_id=person_id, rules=rules) for pk in drafts.values_list("pk", flat=True)]
    if rules:
        ConsentPending.objects.bulk_create(
            rows, update_conflicts=True, unique_fields=["video", "person_id"], update_fields=["rules"], batch_size=1000
        )
    else:  # a row the rules marked stays theirs to settle
        ConsentPending.objects.bulk_create(rows, ignore_conflicts=True, batch_size=1000)
    return len(rows)


def drafts_consent_settled(*, person_id: int, video_ids: Iterable[int], rules: bool = False) -> None:
    """The consent cascade found the authors of these drafts still allowed to show `person_id` (with
    the person's consent held: a withdrawal committing meanwhile marks them again after): served again,
    unless someone else they show withdrew too and their cascade has not settled it yet, or the person
    added a restriction that the rules' recheck has not read them against yet. With `rules`: that
    recheck found them breaking none of the person's rules, and the authors still allowed."""
    rows = ConsentPending.objects.filter(person_id=person_id, video_id__in=list(video_ids))
    (rows if rules else rows.filter(rules=False)).delete()
    # Marks written as their draft was deleted, which point at no video (ConsentPending.video).
    ConsentPending.objects.filter(~Exists(Video.objects.filter(pk=OuterRef("video_id"))), person_id=person_id).delete()


def drafts_consent_to_cascade(*, person_id: int, video_ids: Iterable[int]) -> None:
    """The rules' recheck found these drafts breaking none of the person's rules but their authors no
    longer allowed: their marks are the consent cascade's from now on (which losing the access
    queued), so that it deletes them or, the access back by then, serves them again."""
    ConsentPending.objects.filter(person_id=person_id, video_id__in=list(video_ids), rules=True).update(rules=False)


@transaction.atomic
def video_publish(*, video: Video, caption: str | None = None) -> Video:
    """draft → published: it enters the feeds with a rank fixed by its publish time. A copy of a
    removed video, or of one hidden pending a takedown review (its fingerprint matches one in
    RemovedFingerprint), is refused and stays a draft. A
    remix of a video its author may no longer remix (removed, or its author in a block with them since
    the remix was made) is published without the link, and adds nothing to that video's count."""
    if selectors.removed_copy_of(video.fingerprint) is not None:
        raise CopyOfRemovedVideo
    now = timezone.now()
    t, bonus = time_score(now), _knobs().boost_fresh
    fields: dict[str, Any] = {
        "status": PUBLISHED,
        "published_at": now,
        "time_score": t,
        "bonus": bonus,
        "hot_score": hot_score(time=t, bonus=bonus),
    }
    if caption is not None:
        fields["caption"] = caption.strip()
    if video.remix_of_id and not selectors.remixable_by(video.remix_of_id, video.author_id):
        fields["remix_of"] = video.remix_of_id = None  # the remix lives on without the link
    if Video.objects.filter(pk=video.pk, status=Video.Status.DRAFT).update(**fields) != 1:
        raise NotPublished("Only a draft can be published.", code="not_draft")
    # Read with the row held: a deactivation holds it too (user_videos_hide), so it either committed
    # before (refused here) or hides this video once this commits.
    if not User.objects.filter(pk=video.author_id, is_active=True).exists():
        raise AuthorDeactivated
    _bump(video.pk)  # rank from whatever engagement the draft already has
    # Published with everyone it shows allowed (generation's publish decides with their consent held):
    # a withdrawal still waiting for its cascade was decided here, and the cascade reads drafts only.
    ConsentPending.objects.filter(video_id=video.pk).delete()
    if video.remix_of_id:
        _bump(video.remix_of_id, remix_count=1)
    if _knobs().embed_videos:  # what it is about, for steered For You pages (feed.steering)
        from feed.tasks import embed_video

        video_id = video.pk
        transaction.on_commit(lambda: embed_video.delay(video_id))
    video.refresh_from_db()
    return video


@transaction.atomic
def video_take_down(*, video: Video, reason: str) -> Video:
    """published or draft → removed (moderation): gone from every feed; files stay for review. A video
    hidden with its author's deactivated account (user_videos_hide) may be taken down too: opening the
    account again then leaves it removed."""
    video_taking_down.send(sender=Video, video_id=video.pk)  # the jobs before the video, as video_delete
    removable = ~Q(status=Video.Status.REMOVED) | Q(removed_reason=Video.AUTHOR_DEACTIVATED)
    if (
        Video.objects.filter(removable, pk=video.pk).update(status=Video.Status.REMOVED, removed_reason=reason[:200])
        != 1
    ):
        raise NotFound
    if video.is_published and video.remix_of_id:
        _bump(video.remix_of_id, remix_count=-1)
    _sync_people([video.pk])
    video.refresh_from_db()
    _remember_removed(video.pk, video.fingerprint, RemovedFingerprint.Reason.TAKEN_DOWN)
    video_taken_down.send(sender=Video, video_id=video.pk, author_id=video.author_id, reason=reason)
    return video


def _files_of(videos: Iterable[Video]) -> set[str]:
    return {name for v in videos for name in (v.media.name, v.poster.name) if name}


@transaction.atomic
def video_delete(*, video: Video, by: User | None = None) -> None:
    """Delete the video everywhere: its row and everything hanging off it (likes, comments, views,
    people, reports cascade), its files once that commits; remixes keep existing without the link.
    `by`: who asked (the author, a person in it); None for the system (a consent cascade). When
    someone other than the author asks, the video's fingerprint is kept so that no copy of it can be
    published; an author deleting their own video may make it again, unless it was taken down or is
    hidden pending a takedown review (then deleting it is no way around the review)."""
    video_deleting.send(sender=Video, video_id=video.pk, by_id=by.pk if by is not None else None)
    _engagement_hold([video.pk])
    locked = Video.objects.select_for_update().filter(pk=video.pk).first()
    if locked is None:
        raise NotFound("This video does not exist.")
    _delete_held(locked, by=by)


def _delete_held(locked: Video, *, by: User | None) -> None:
    """video_delete once the video's likes and comments and then its row (`locked`) are held in this
    transaction (video_delete, video_remove). Its likes and comments are not held again: with its row
    held no new one commits (a like or comment holds the row before it commits), and one that
    committed between the two holds would be held out of order (after the row) either way. Not so for
    videos whose likes and comments alone were held (videos_hold_for_deleting): a like committed since
    then, which someone unliking holds before the video's count, must be held before the row, so
    video_delete holds them again."""
    if locked.status == PUBLISHED and locked.remix_of_id:
        _bump(locked.remix_of_id, remix_count=-1)
    files = _files_of([locked])
    pk, author_id, status = locked.pk, locked.author_id, locked.status
    if by is not None and by.pk != author_id:
        _remember_removed(pk, locked.fingerprint, RemovedFingerprint.Reason.DELETED_BY_PERSON)
    elif status == Video.Status.REMOVED and not locked.hidden_with_author:
        _remember_removed(pk, locked.fingerprint, RemovedFingerprint.Reason.TAKEN_DOWN)
    locked.delete()
    _delete_unreferenced(files)
    video_deleted.send(
        sender=Video, video_id=pk, author_id=author_id, status=status, by_id=by.pk if by is not None else None
    )


def _engagement_hold(video_ids: Iterable[int], *, likes: Q | None = None, comments: Q | None = None) -> None:
    """Lock the videos' likes and comments (and those `likes` and `comments` select, on any video) until
    the transaction ends, before any video's row: every like in id order, then every comment in id
    order, whatever video they are on. The order an unlike, a comment's deletion, a block
    (engagement_end_for_block) and an erasure take them (the like or comment, then the video's count;
    the counts of several videos in id order: _counts_hold); several videos deleted in one transaction
    take those of them all at once, after their jobs and before the first video's row
    (videos_hold_for_deleting).
    Deleted after the video's row was held, a like or comment that someone unliking or erasing their
    account held deadlocked with them; held video by video, the likes and comments of two videos
    deadlocked with an erasure holding its own comments on both in id order. Views are not: a play
    holds the video (_require_published), then updates its view."""
    ids = sorted(set(video_ids))
    for rows, also in ((Like, likes), (Comment, comments)):
        which = Q(video_id__in=ids)
        if also is not None:
            which |= also
        list(rows.objects.select_for_update(of=("self",)).filter(which).order_by("pk").values_list("pk", flat=True))


def _remember_removed(video_id: int, fingerprint: bytes | memoryview | None, reason: str) -> None:
    """Keep the fingerprint of a video removed for someone's sake (only the hash: no media). Once per
    video: a video taken down and later deleted by a person in it keeps its first reason; one hidden
    pending a takedown review (video_hide) takes the reason it is removed for, so that a dismissal
    (video_unhide) no longer forgets it."""
    if fingerprint:
        if reason != RemovedFingerprint.Reason.HIDDEN_FOR_REVIEW:
            RemovedFingerprint.objects.filter(
                video_id=video_id, reason=RemovedFingerprint.Reason.HIDDEN_FOR_REVIEW
            ).update(reason=reason)
        RemovedFingerprint.objects.bulk_create(
            [RemovedFingerprint(video_id=video_id, fingerprint=bytes(fingerprint), reason=reason)],
            ignore_conflicts=True,
        )


def _delete_unreferenced(names: set[str]) -> None:
    """Delete these files after the commit. A video's own files live in its own random folder
    (`videos/<media_key>/`, video_create) and go at once; anything else (the seed's few shared
    clips) only when no remaining video points at it (a scan of the table, so only for those)."""
    own = {n for n in names if n.startswith("videos/")}
    shared = names - own
    still_used: set[str] = set()
    if shared:
        still_used = set(Video.objects.filter(media__in=shared).values_list("media", flat=True)) | set(
            Video.objects.filter(poster__in=shared).values_list("poster", flat=True)
        )
    delete_after_commit(own | (shared - still_used))


@transaction.atomic
def video_hide(*, video: Video, reason: str) -> bool:
    """published → removed, pending a review (a takedown request): gone from every feed and every
    page, files kept, and no copy of it may be published meanwhile (its fingerprint kept as
    `hidden_for_review`). A video hidden with its author's deactivated account (user_videos_hide) is
    hidden for the review from then on (the review's reason replaces the deactivation's), so opening
    the account again does not publish it while the review waits. False when it was neither.
    `video_unhide` puts it back."""
    reason = reason[:200]
    published = Video.objects.filter(pk=video.pk, status=PUBLISHED)
    if published.update(status=Video.Status.REMOVED, removed_reason=reason) != 1:
        with_author = Video.objects.filter(
            pk=video.pk, status=Video.Status.REMOVED, removed_reason=Video.AUTHOR_DEACTIVATED
        )
        if with_author.update(removed_reason=reason) != 1:
            return False
    else:
        if video.remix_of_id:
            _bump(video.remix_of_id, remix_count=-1)  # out of its source's count (one hidden with its author is)
        _sync_people([video.pk])
    _remember_removed(video.pk, video.fingerprint, RemovedFingerprint.Reason.HIDDEN_FOR_REVIEW)
    return True


def removed_fingerprints_forget(*, video_ids: Iterable[int]) -> int:
    """Forget the fingerprints kept for these deleted videos' takedown (a takedown dismissed after the
    author deleted the hidden video): copies of them may be published again."""
    deleted, _ = RemovedFingerprint.objects.filter(
        video_id__in=list(video_ids), reason=RemovedFingerprint.Reason.TAKEN_DOWN
    ).delete()
    return deleted


@transaction.atomic
def video_unhide(*, video: Video) -> bool:
    """removed (hidden pending review) → published again, with the rank it had, and copies of it may
    be published again; but while support has its author's account deactivated, hidden with it instead
    (user_videos_unhide publishes it when the account is opened again). False when it was not
    published again."""
    removed = Video.objects.filter(pk=video.pk, status=Video.Status.REMOVED)
    # The author's state is read with the row held, as a deactivation or a reactivation holds it
    # (_hold_videos_of): whichever commits first, the other sees it.
    if not removed.select_for_update().exists():
        return False
    # The review is over: copies of it may be published again (a deactivation blocks no copies).
    RemovedFingerprint.objects.filter(video_id=video.pk, reason=RemovedFingerprint.Reason.HIDDEN_FOR_REVIEW).delete()
    if not User.objects.filter(pk=video.author_id, is_active=True).exists():
        removed.update(removed_reason=Video.AUTHOR_DEACTIVATED)
        return False
    removed.update(status=PUBLISHED, removed_reason="")
    if video.remix_of_id:
        _bump(video.remix_of_id, remix_count=1)
    _sync_people([video.pk])
    return True


@transaction.atomic
def video_remove(*, video: Video, reason: str) -> None:
    """Delete the video everywhere for someone's sake (a confirmed takedown): as video_delete, and its
    fingerprint is kept so that no copy of it can be published."""
    # The jobs before the video, as video_delete; a ready job whose draft this is ends as one taken
    # down by moderation does (blocked, video_removed), not left ready with nothing to publish.
    video_taking_down.send(sender=Video, video_id=video.pk)
    _engagement_hold([video.pk])
    locked = Video.objects.select_for_update().filter(pk=video.pk).first()
    if locked is None:
        raise NotFound("This video does not exist.")
    _remember_removed(locked.pk, locked.fingerprint, RemovedFingerprint.Reason.TAKEN_DOWN)
    video_deleting.send(sender=Video, video_id=locked.pk, by_id=None)
    _delete_held(locked, by=None)


def _hold_videos_of(user: User) -> None:
    """Lock every video of `user` until the transaction ends, in id order (as a takedown's decision
    holds its videos), after their account row (accounts.services.user_active_set holds it, as an
    erasure does). A publish (video_publish) or a dismissed takedown (video_unhide) of one of them
    meanwhile commits first and is seen here, or waits and sees the account's new state."""
    list(Video.objects.select_for_update().filter(author=user).order_by("pk").values_list("pk", flat=True))


@transaction.atomic
def user_videos_hide(*, user: User) -> int:
    """Support deactivated `user` (accounts.signals.account_deactivated): every published video of
    theirs → removed with the reason Video.AUTHOR_DEACTIVATED, out of every feed, list, search and
    page, as a video hidden pending a takedown is. Its files, counts, rank and people stay; the person
    rows and the remix counts of the videos it remixed follow. In bulk: a few statements for an
    author of thousands. How many."""
    _hold_videos_of(user)
    published = Video.objects.filter(author=user, status=PUBLISHED)
    _remixes_count(published, -1)
    hidden = published.update(status=Video.Status.REMOVED, removed_reason=Video.AUTHOR_DEACTIVATED)
    _sync_person_rows(VideoPerson.objects.filter(author=user))
    return hidden


@transaction.atomic
def user_videos_unhide(*, user: User) -> int:
    """Support opened `user`'s account again (accounts.signals.account_reactivated): the videos
    user_videos_hide hid (and any a dismissed takedown put back meanwhile: video_unhide) are
    published again, with their ids, rank and counts; a video hidden or removed for another reason
    (a takedown waiting for review, moderation) stays so. How many."""
    _hold_videos_of(user)
    hidden = Video.objects.filter(author=user, status=Video.Status.REMOVED, removed_reason=Video.AUTHOR_DEACTIVATED)
    _remixes_count(hidden, 1)
    shown = hidden.update(status=PUBLISHED, removed_reason="")
    _sync_person_rows(VideoPerson.objects.filter(author=user))
    return shown


def user_comments_count(*, user: User, shown: bool) -> None:
    """Support deactivated `user` (shown False) or opened their account again (True): the comment lists
    hide or show their comments (selectors.comments_of), and each video's `counts.comments` and rank
    follow, so the count is what its list shows. Their comments are held first, as engagement_end_for_block
    holds them: a deletion of one at the same time is counted off by one of the two, never both
    (comment_delete counts off only the comment of an open account)."""
    said = Comment.objects.filter(author=user).select_for_update(of=("self",)).order_by("pk")
    per_video = Counter(said.values_list("video_id", flat=True))
    sign = 1 if shown else -1
    _bump_each({video: sign * n for video, n in per_video.items()}, "comment_count")


def expire_fresh(*, now: dt.datetime | None = None) -> int:
    """Take the freshness bonus off videos older than FRESH_SECONDS (run every minute by Celery
    beat). Returns how many videos it changed."""
    cutoff = (now or timezone.now()) - dt.timedelta(seconds=_knobs().fresh_seconds)
    ids = list(Video.objects.filter(bonus__gt=0, published_at__lt=cutoff).values_list("pk", flat=True)[:5000])
    if ids:
        with transaction.atomic():
            Video.objects.filter(pk__in=ids, bonus__gt=0).update(hot_score=F("hot_score") - F("bonus"), bonus=0)
            _sync_people(ids)
    return len(ids)


def fold_video_words() -> int:
    """Add the changes to the words of published videos to their counts, which video search reads
    (feed migration 0008; run every minute by Celery beat). PostgreSQL only; how many changes it
    took."""
    if connection.vendor != "postgresql":
        return 0
    with transaction.atomic(), connection.cursor() as db:
        db.execute("SELECT feed_videoword_fold()")
        return int(db.fetchone()[0])


# --- likes, comments, views, reports ---------------------------------------------------------------


def _require_published(video: Video) -> None:
    """The video is published and stays so until this transaction ends: its row is locked (as the
    counter update would lock it anyway), so a deletion running at the same time either happens
    first (and this is a 404) or waits (and removes what this adds). Never a 500, never a resurrection."""
    if not video.is_published:
        raise NotPublished
    status = Video.objects.select_for_update(no_key=True).filter(pk=video.pk).values_list("status", flat=True).first()
    if status is None:
        raise NotFound("This video does not exist.")
    if status != Video.Status.PUBLISHED:
        raise NotPublished


def _actor_held(user: User) -> None:
    """The person who watches, held before the video's row (accounts.services.people_keep): their
    erasure on another device, which holds their account row and then the videos' counts, waits, or
    is waited for."""
    if user.pk not in people_keep([user.pk]):
        raise NotFound("Your account no longer exists.")


def _engager_held(user: User, *, author_id: int | None = None) -> None:
    """The person who likes, unlikes, comments or deletes a comment, held before anything else
    (people_keep against_blocks: FOR SHARE), as a block holds both of its people (people_hold) before
    it takes their likes and comments off each other's videos (engagement_end_for_block): so the one
    waits for the other to commit. A block that committed first is seen here: adding to the video of
    `author_id` is then a 404, as the video is to them now. Checked only before the transaction
    (selectors.video_visible_to), a like or comment read before the block committed and written after
    its cleanup stayed across it for good. Held before the video and the like or comment rows, in the
    block's order (people, then what it deletes, then the videos' counts), so neither deadlocks."""
    active = people_keep_active([user.pk], against_blocks=True).get(user.pk)
    if active is None:
        raise NotFound("Your account no longer exists.")
    # Read with the row held: deactivation changes the held row too, so it committed before or waits. A
    # like or comment sent as support deactivated the account would be counted while hidden, and counted
    # again on reactivation.
    if not active:
        raise EngagerDeactivated
    if author_id is not None and author_id != user.pk and relation_between(user.pk, author_id).blocked_either_way:
        raise NotFound("This video does not exist.")


@transaction.atomic
def like_create(*, user: User, video: Video) -> None:
    """Idempotent: liking twice counts once. The like is written before the video's row is held
    (_require_published), in the order an unlike, a block, an erasure and a video's deletion take them
    (the like, then the video): held first, the video's row was waited for by an unlike of the same
    like on another device (or a quick second tap), which this waited for on the like's unique key: a
    deadlock, one of the two a 500. Written on a video deleted or hidden meanwhile, it goes with the
    transaction (a 404)."""
    if not video.is_published:
        raise NotPublished
    _engager_held(user, author_id=video.author_id)
    try:
        with transaction.atomic():
            Like.objects.create(user=user, video=video)
        liked = True
    except IntegrityError:
        liked = False  # already liked: counted once
    _require_published(video)
    if liked:
        _bump(video.pk, like_count=1)


@transaction.atomic
def like_delete(*, user: User, video: Video) -> None:
    _engager_held(user)
    deleted, _ = Like.objects.filter(user=user, video=video).delete()
    if deleted:
        _bump(video.pk, like_count=-1)


def engagement_end_for_block(*, blocker: User, blocked: User, delete_videos: bool = False) -> None:
    """A block takes each one's likes and comments off the other's videos (as Instagram does): those
    videos are a 404 to them from now on, so they could never unlike them, and no one else should read
    under the author's video what the author can neither see nor delete, nor should it rank the
    author's videos. An unblock brings none back. `delete_videos`: the blocked's videos that show the
    blocker are deleted next in this transaction (moderation: appearances_delete); their likes and
    comments are held with these, before any count changes, as video_delete holds them: held after
    this changed a count (the video's row), someone's comment on one, deleted meanwhile (the comment,
    then the row), deadlocked with the block. The videos whose counts change are held in id order
    before any count changes (_counts_hold): the like counts changed before the comment counts, a
    third person's erasure, taking its like off one of them and its comment off another, deadlocked
    with the block."""
    across_likes = Q(user=blocked, video__author=blocker) | Q(user=blocker, video__author=blocked)
    across_comments = Q(author=blocked, video__author=blocker) | Q(author=blocker, video__author=blocked)
    deleting = VideoPerson.objects.filter(user=blocker, author=blocked) if delete_videos else VideoPerson.objects.none()
    _engagement_hold(deleting.values_list("video_id", flat=True), likes=across_likes, comments=across_comments)
    likes, comments = Like.objects.filter(across_likes), Comment.objects.filter(across_comments)
    # Held first, and only the rows still there counted off: an unlike or a comment's deletion at the
    # same time holds its row; once it commits, its row is no longer among these (it took its own count off).
    ended = sorted(likes.select_for_update(of=("self",)).order_by("pk").values_list("pk", "video_id"))
    said = sorted(
        comments.select_for_update(of=("self",)).order_by("pk").values_list("pk", "video_id", "author__is_active")
    )
    Like.objects.filter(pk__in=[pk for pk, _ in ended]).delete()
    Comment.objects.filter(pk__in=[pk for pk, _, _ in said]).delete()
    unliked = Counter(video for _, video in ended)
    counted = Counter(video for _, video, active in said if active)  # a deactivated author's are not counted
    _counts_hold([*unliked, *counted])
    # One update of each video's counts (and of its person rows), whatever it loses: a row updated twice
    # in one transaction has its foreign keys checked again at commit on PostgreSQL (its author, the
    # people it shows), and the erasure of someone it shows, holding their account row and waiting for
    # the video's, deadlocked with the block (its like count, then its comment count).
    groups: dict[tuple[int, int], list[int]] = {}
    for video in sorted({*unliked, *counted}):
        groups.setdefault((unliked[video], counted[video]), []).append(video)
    for (likes_off, comments_off), ids in sorted(groups.items()):
        deltas = {"like_count": -likes_off, "comment_count": -comments_off}
        _bump(ids, **{name: delta for name, delta in deltas.items() if delta})


@transaction.atomic
def comment_create(*, author: User, video: Video, text: str) -> Comment:
    """A comment, stored as a caption is (core.text.display): as written, without what can only hide
    or reorder text (bidi overrides, control and other invisible characters), so that every reader
    sees the words written, and a comment that shows nothing is refused."""
    if not video.is_published:
        raise NotPublished
    text = display(text)
    if not text.replace("\u2800", "").strip():  # the braille blank: drawn as a space (as in display names)
        raise InvalidInput({"text": ["Write something."]})
    if len(text) > 500:  # the column's length: NFC may lengthen what the API let through
        raise InvalidInput({"text": ["At most 500 characters."]})
    _engager_held(author, author_id=video.author_id)
    _require_published(video)
    try:
        with transaction.atomic():
            comment = Comment.objects.create(video=video, author=author, text=text)
    except IntegrityError as exc:
        raise NotFound("This video does not exist.") from exc
    _bump(video.pk, comment_count=1)
    return comment


@transaction.atomic
def comment_delete(*, comment: Comment, by: User) -> None:
    """The comment's author, or the author of the video it is on, may delete it. The comment alone is
    held (`of`: a lock on a join locks every row joined on PostgreSQL), then the video's row only to
    change its count, in the order an unlike takes them: held with the comment, the video's row held up
    every like, comment and play of it until the deletion committed."""
    _engager_held(by)
    locked = Comment.objects.select_for_update(of=("self",)).select_related("video").filter(pk=comment.pk).first()
    if locked is None:
        raise NotFound("This comment does not exist.")
    if by.pk not in (locked.author_id, locked.video.author_id):
        raise Forbidden("Only its author or the video's author can delete a comment.")
    locked.delete()
    # Read after the comment is held: a deactivation of its author took it off the count already.
    if User.objects.filter(pk=locked.author_id, is_active=True).exists():
        _bump(locked.video_id, comment_count=-1)


@transaction.atomic
def view_record(*, viewer: User, video: Video, watched_ms: int, completed: bool) -> None:
    """A play of the video. The first play by a viewer counts a view; the first completed play
    counts a completed view (which ranks). Later plays add watch time only. The viewer is held before
    the video (_actor_held), as a like holds them: the video first, the play waited for the viewer's
    account row while their erasure held it and waited for the video's row (a deadlock)."""
    _actor_held(viewer)
    _require_published(video)
    if watched_ms < 0 or watched_ms > _knobs().max_watch_ms:
        raise InvalidInput({"watched_ms": ["Watch time must be between 0 and 6 hours."]})
    now = timezone.now()
    try:
        with transaction.atomic():
            View.objects.create(
                video=video, viewer=viewer, watched_ms=watched_ms, completed=completed, first_at=now, last_at=now
            )
    except IntegrityError:
        newly_completed = (
            completed and View.objects.filter(video=video, viewer=viewer, completed=False).update(completed=True) == 1
        )
        View.objects.filter(video=video, viewer=viewer).update(
            plays=F("plays") + 1, watched_ms=F("watched_ms") + watched_ms, last_at=now
        )
        if newly_completed:
            _bump(video.pk, completed_view_count=1)
        return
    _bump(video.pk, view_count=1, **({"completed_view_count": 1} if completed else {}))


@transaction.atomic
def report_create(*, reporter: User, video: Video, reason: str, detail: str = "") -> Report:
    """One report per person and video; reporting again updates the reason and reopens it. The person
    reporting is held first, as a play holds the viewer (_actor_held): their erasure on another device
    commits first (this is a 404) or waits for the report and deletes it; unheld, the report's row
    waited at commit for their account row, which the erasure held, and failed once it was deleted
    (a 500), or the erasure waited for the video the report held (a deadlock). Then the video, as a like
    holds it (_require_published): a deletion at the same time commits first (this is a 404) or waits
    and deletes the report with the video. Unheld, the report's row failed the foreign key check at
    its commit when the deletion had committed meanwhile (a 500)."""
    _actor_held(reporter)
    if not Video.objects.select_for_update(no_key=True).filter(pk=video.pk).exists():
        raise NotFound("This video does not exist.")
    report, _ = Report.objects.update_or_create(
        video=video,
        reporter=reporter,
        defaults={"reason": reason, "detail": detail.strip(), "status": Report.Status.OPEN},
    )
    return report


@transaction.atomic
def report_resolve(*, video: Video, status: str) -> int:
    """Close every open report of a video as `actioned` or `dismissed`; how many were open."""
    if status not in (Report.Status.ACTIONED, Report.Status.DISMISSED):
        raise ValueError(status)
    return Report.objects.filter(video=video, status=Report.Status.OPEN).update(status=status)


# --- erasure ---------------------------------------------------------------------------------------


def people_of_videos_counted_by(*, user: User) -> set[int]:
    """The authors of the videos whose counts `user`'s erasure changes (their likes, comments and plays,
    the sources of their published remixes) and the people those videos show, others than them: the
    erasure holds them with its account row (accounts.signals.account_erasure_naming), as a like holds
    the person liking first (accounts.services.people_keep). A video's row and its person rows updated
    twice in one transaction (its likes', then its comments' count: _bump) have the people they name
    checked again at commit: unheld, the erasure waited there for the erasure of one of them, which
    held that account row and waited for a like this one held (a deadlock)."""
    counted = Video.objects.filter(
        Q(pk__in=Like.objects.filter(user=user).values("video_id"))
        | Q(pk__in=Comment.objects.filter(author=user).values("video_id"))
        | Q(pk__in=View.objects.filter(viewer=user).values("video_id"))
        | Q(pk__in=Video.objects.filter(author=user, status=PUBLISHED).values("remix_of_id"))
    )
    shown = VideoPerson.objects.filter(video__in=counted).values_list("user_id", flat=True)
    return ({*counted.values_list("author_id", flat=True)} | set(shown)) - {user.pk}


@transaction.atomic
def user_feed_erase(*, user: User) -> None:
    """Everything of `user` in the feed, before the account row goes: their videos and files, and
    their likes, comments and views taken off other people's counters."""
    fields = ("pk", "media", "poster", "status", "remix_of_id", "fingerprint", "removed_reason")
    # Held first, as video_delete holds a video (_engagement_hold, then its row): their videos' likes and
    # comments with their own on others' videos, each kind in one id order, then their videos' rows.
    # Unheld, a play of one of their videos committed between the deletion of its plays and of its row
    # failed the erasure's foreign key at commit; held video by video, or their own after a count
    # changed, they deadlocked with another erasure or a video's deletion. With every video of them
    # (appearances=delete), held already, with those videos' (videos_hold_for_deleting's `erasing`).
    _engagement_hold(
        Video.objects.filter(author=user).values_list("pk", flat=True), likes=Q(user=user), comments=Q(author=user)
    )
    videos = list(Video.objects.filter(author=user).select_for_update().order_by("pk").only(*fields))
    remixed = [v.remix_of_id for v in videos if v.status == PUBLISHED and v.remix_of_id]
    files = _files_of(videos)
    for video in videos:  # taken down or hidden pending a review: erasing the account is no way around it
        if video.status == Video.Status.REMOVED and not video.hidden_with_author:
            _remember_removed(video.pk, video.fingerprint, RemovedFingerprint.Reason.TAKEN_DOWN)
    Video.objects.filter(author=user).delete()
    _delete_unreferenced(files)

    # Each like and comment held before the video's count is changed (its row), as an unlike or a
    # video's deletion takes them (_engagement_hold): the count first deadlocked with the deletion.
    # A view after the count, as a play takes them (view_record). The likes and comments read here are
    # held since the start (_engagement_hold), so only those still there are counted off: the video's
    # author deleting one before took it off the count itself (comment_delete).
    liked = list(Like.objects.filter(user=user).values_list("video_id", flat=True))
    said = sorted(Comment.objects.filter(author=user).values_list("pk", "video_id"))
    views = list(View.objects.filter(viewer=user).values_list("video_id", "completed"))
    # Every video whose counts change, in id order, before any changes (_counts_hold): count by count
    # (remixes, likes, comments, views), a block taking likes and comments off the same videos in
    # another order deadlocked with the erasure.
    _counts_hold([*remixed, *liked, *(video for _, video in said), *(video for video, _ in views)])
    for source in remixed:
        _bump(source, remix_count=-1)
    Like.objects.filter(user=user).delete()
    _bump(liked, like_count=-1)
    Comment.objects.filter(pk__in=[pk for pk, _ in said]).delete()
    # Those of an account support deactivated were taken off the counts then (user_comments_count).
    if User.objects.filter(pk=user.pk, is_active=True).exists():
        _bump_each({video: -n for video, n in Counter(video for _, video in said).items()}, "comment_count")
    _bump([v for v, _ in views], view_count=-1)
    _bump([v for v, done in views if done], completed_view_count=-1)
    View.objects.filter(viewer=user).delete()
    Report.objects.filter(reporter=user).delete()
    # Others' drafts of them are never served again (their person rows, which say whom a draft shows,
    # go now; the cascade that follows the erasure deletes the drafts through their jobs).
    drafts_consent_pending(person_id=user.pk, author_ids=None)
    VideoPerson.objects.filter(user=user).delete()


def user_feed_export(*, user: User) -> dict[str, Any]:
    """The person's videos (with their file URLs; `remix_of` as their job bodies show it:
    selectors.remix_sources_shown), likes, comments, what they watched (each video, how much, when),
    their For You steering (its text), and the reports they made, for GET /me/export."""
    from feed import media

    own = list(Video.objects.filter(author=user).order_by("id"))
    sources = selectors.remix_sources_shown([v.remix_of_id for v in own], user)  # as in their job bodies
    videos = [
        {
            "id": v.pk,
            "status": v.status,
            "caption": v.caption,
            "created_at": timestamp(v.created_at),
            "published_at": timestamp(v.published_at),
            "media_url": media.file_url(
                media_key=v.media_key, status=v.status, name=v.media.name or "", filename="video.mp4"
            ),
            "remix_of": v.remix_of_id if v.remix_of_id in sources else None,
        }
        for v in own
    ]
    return {
        "videos": videos,
        "likes": [
            {"video_id": video, "created_at": timestamp(at)}
            for video, at in Like.objects.filter(user=user)
            .order_by("created_at", "pk")
            .values_list("video_id", "created_at")
        ],
        "comments": [
            {"video_id": c.video_id, "text": c.text, "created_at": timestamp(c.created_at)}
            for c in Comment.objects.filter(author=user).order_by("id")
        ],
        # What they watched, as stored: one row per video, with how much and when.
        "views": [
            {
                "video_id": v.video_id,
                "plays": v.plays,
                "watched_ms": v.watched_ms,
                "completed": v.completed,
                "first_at": timestamp(v.first_at),
                "last_at": timestamp(v.last_at),
            }
            for v in View.objects.filter(viewer=user).order_by("first_at", "pk")
        ],
        "steer": Steer.objects.filter(user=user).values_list("text", flat=True).first(),
        "reports": [
            {
                "video_id": r.video_id,
                "reason": r.reason,
                "detail": r.detail,
                "status": r.status,
                "created_at": timestamp(r.created_at),
            }
            for r in Report.objects.filter(reporter=user).order_by("id")
        ],
    }
