"""Writes for cameos: who a video shows (appearances, possible matches), videos of me and their deletion."""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

import numpy as np
from django.db import IntegrityError, connection, transaction
from django.db.models import Q

from accounts.models import Notification, User
from accounts.services import notifications_withdraw, notify, people_hold, people_keep
from cameos import gallery
from cameos.conf import conf
from cameos.models import Appearance, Cameo
from core.exceptions import NotFound
from feed import selectors as feed_selectors
from feed import services as feed_services
from feed.models import Video, VideoPerson


def appearances_record(*, video: Video, tagged: Sequence[int], detected: dict[int, float]) -> list[int]:
    """Who a generated video shows: the cameos it was made with (tagged) and the people the output
    scan found (detected, with the similarity). The feed learns the tagged people and the detected
    ones whose similarity reaches the reveal bar for the video's status (a new video is a draft) as
    the video's people; a detected face below the bar is a possible match: recorded, never shown to
    that person, and its author is asked to confirm or remove them. video_faces_record then holds the
    rest of the bar (track length, margin) once it has the tracks. Returns the ids of the people the
    video shows (tagged and confirmed), for whoever tells them."""
    rows = {uid: Appearance(video=video, user_id=uid, source=Appearance.Source.TAGGED) for uid in tagged}
    bar = _reveal_bar(published=video.is_published)
    for uid, similarity in detected.items():
        if uid in rows:
            rows[uid].similarity = similarity
            continue
        sure = uid == video.author_id or similarity >= bar
        rows[uid] = Appearance(
            video=video,
            user_id=uid,
            source=Appearance.Source.DETECTED,
            similarity=similarity,
            match=Appearance.Match.CONFIRMED if sure else Appearance.Match.POSSIBLE,
        )
    Appearance.objects.bulk_create(rows.values(), ignore_conflicts=True)
    shown = [uid for uid, row in rows.items() if row.match == Appearance.Match.CONFIRMED]
    feed_services.video_set_people(video=video, users=User.objects.filter(pk__in=shown))
    for uid, row in rows.items():
        if row.match == Appearance.Match.POSSIBLE:
            _possible_match_found(video, uid)
    return shown


def _reveal_bar(*, published: bool) -> float:
    faces = conf()
    return faces.reveal_published_threshold if published else faces.reveal_draft_threshold


def track_reveals(*, similarity: float, frames: int, runner_up: float, published: bool) -> bool:
    """Whether a face track this like a person's template shows them surely enough to reveal its video
    to them (media, poster, author) and let them delete it (docs/videos-of-me.md § Possible matches,
    benchmarks/false_match.py): at least the reveal threshold for the video's status (stricter for a
    draft), seen in at least TRACK_MIN_FRAMES of the scan's regular samples (the quality gate: `frames`,
    Track.frames, leaves out the frames either side of a cut), and closer to them
    than to any other enrolled cameo (`runner_up`, -1.0 if none) by REVEAL_MARGIN."""
    faces = conf()
    return (
        similarity >= _reveal_bar(published=published)
        and frames >= faces.track_min_frames
        and similarity - runner_up >= faces.reveal_margin
    )


def _possible_match_found(video: Video, user_id: int) -> None:
    """Ask the author of `video` to confirm or remove a person it may show (a possible match), naming
    them; only when the person's cameo admits the author (cameos.selectors.admitting): not when
    it is `only_me`, say, nor when the two are in a block, either way (the author is never told who
    blocked them). The caller holds the author, whom the notification names (their account row, at
    commit): the output scan (appearances_record, video_faces_record) holds the video's job, which
    their erasure holds before their account row; a scan of existing videos holds them (_found_tell)."""
    from cameos.selectors import admitting

    if video.author_id == user_id or user_id not in admitting(video.author, [user_id]):
        return
    match = Appearance.objects.filter(video=video, user_id=user_id, match=Appearance.Match.POSSIBLE).first()
    handle = User.objects.filter(pk=user_id).values_list("handle", flat=True).first()
    if match is not None and handle is not None:
        notify(
            user_id=video.author_id,
            kind=Notification.Kind.APPEARANCE_TO_CONFIRM,
            video_id=video.pk,
            match_id=match.pk,
            about=user_id,
            handle=handle,
        )


@transaction.atomic
def possible_match_decide(*, author: User, match_id: int, confirm: bool) -> Appearance:
    """The author of a video answers a possible match: `confirm` (it is that person: they see the
    video and may delete it, and are told) or remove (it is not them: not raised again, unless a later
    scan finds the video published and above the bar: existing_videos_scan). 404 for a match that is
    not on one of the author's videos or is no longer open."""
    from cameos.selectors import possible_matches_on_videos_of

    open_matches = possible_matches_on_videos_of(author).filter(pk=match_id)
    video_id, person_id = open_matches.values_list("video_id", "user_id").first() or (None, None)
    # A confirm adds a row naming the person (their account row, at commit) after holding the video:
    # the person first, as their erasure holds them before it updates the video (their like, their
    # comment), which otherwise deadlocked with it. Then the video's jobs, the video, the match: the
    # order a deletion of the video takes them (its jobs, its row, its appearances). The video's jobs
    # with the person's, in one id order: an erasure of someone both name holds them so.
    held = [] if video_id is None else [video_id]
    if confirm and person_id is not None and person_id not in people_hold(user_ids=[person_id], videos=held):
        raise NotFound("No such possible match.")  # erased meanwhile
    if video_id is None or feed_services.video_hold_for_people(video_id=video_id) is None:
        raise NotFound("No such possible match.")
    appearance = open_matches.select_for_update(of=("self",)).select_related("video").first()
    if appearance is None:
        raise NotFound("No such possible match.")
    appearance.match = Appearance.Match.CONFIRMED if confirm else Appearance.Match.REMOVED
    appearance.save(update_fields=["match"])
    _questions_withdraw(author_id=author.pk, match_ids=[appearance.pk])  # answered: nothing left to ask
    if confirm:
        credited = _consented(appearance.video, appearance.user_id)
        feed_services.video_add_person(video=appearance.video, user=appearance.user, credited=credited)
        notify(user_id=appearance.user_id, kind=Notification.Kind.VIDEO_OF_YOU_FOUND, video_ids=[appearance.video_id])
    return appearance


# --- videos of me ----------------------------------------------------------------------------------


def schedule_scan(cameo_id: int) -> None:
    from cameos.tasks import scan_existing_videos

    transaction.on_commit(lambda: scan_existing_videos.delay(cameo_id))


def existing_videos_scan(*, cameo_id: int) -> list[int]:
    """Search the video face index for this cameo's face (exact: a person must not miss a video of
    themselves). Every video with a track at MATCH_THRESHOLD or above becomes a `detected` appearance
    of the owner: confirmed, so they see it and may delete it, when one of its tracks passes the
    reveal bar (track_reveals); otherwise a possible match: they are told a video may show them,
    without anything of it, and its author is asked to confirm or remove them. A possible match that
    now passes (its video was published since, or a closer enrolled face is gone) is confirmed, and so
    is one its author removed once its video is published and passes. Returns the ids of the videos newly
    revealed to the owner."""
    cameo = Cameo.objects.filter(pk=cameo_id).select_related("owner", "gallery_entry").first()
    if cameo is None or not hasattr(cameo, "gallery_entry"):
        return []
    faces = conf()
    stored = cameo.gallery_entry.embedding
    template = np.asarray(json.loads(stored) if isinstance(stored, str) else stored, dtype=np.float32)
    hits = gallery.video_tracks_like(template, min_similarity=faces.match_threshold)
    if not hits:
        return []
    others = gallery.best_other(
        np.stack([h.embedding for h in hits]),
        exclude_cameo_id=cameo.pk,
        min_similarity=min(h.similarity for h in hits) - faces.reveal_margin,
    )
    by_video: dict[int, list[tuple[gallery.TrackHit, float]]] = {}
    for hit, other in zip(hits, others, strict=True):
        by_video.setdefault(hit.video_id, []).append((hit, other))
    owner = cameo.owner
    known = set(VideoPerson.objects.filter(user=owner, video_id__in=list(by_video)).values_list("video_id", flat=True))
    revealed: list[int] = []
    possible: list[Video] = []
    earlier = {a.video_id: a for a in Appearance.objects.filter(user=owner, video_id__in=list(by_video))}
    # Not a removed video, but for one hidden for now (with its author's deactivated account, or
    # pending a takedown review): it may be published again, so its person finds it now and may
    # delete it first. Such a video was published when it was hidden: held to the published bar.
    videos = Video.objects.filter(
        ~Q(status=Video.Status.REMOVED) | feed_selectors.hidden_for_now(),
        pk__in=[v for v in by_video if v not in known],
    )
    for video in videos:
        found = by_video[video.pk]
        similarity = max(hit.similarity for hit, _ in found)
        published = video.status != Video.Status.DRAFT
        sure = video.author_id == owner.pk or any(
            track_reveals(similarity=hit.similarity, frames=hit.frames, runner_up=other, published=published)
            for hit, other in found
        )
        before = earlier.get(video.pk)
        removed = before is not None and before.match == Appearance.Match.REMOVED
        if before is not None and (not sure or (removed and not published)):
            continue  # still only a possible match, or one its author said is not them
        # A match its author removed ("not them") is revealed all the same once the video is public and
        # above the published bar: the author's answer keeps their draft private, but does not hide from
        # a person a video of them that anyone may watch.
        match = Appearance.Match.CONFIRMED if sure else Appearance.Match.POSSIBLE
        try:
            # One video at a time: a video deleted since it was read fails its foreign keys when its
            # rows commit, and loses only itself, not every video of the scan and the notification.
            with transaction.atomic():
                # Held, and read again: hidden or put back since, its person row takes its status now.
                held = _hold_for_revealing(video.pk, owner.pk) if sure else video
                if held is None:
                    continue  # deleted since it was read, or its person erased
                Appearance.objects.update_or_create(
                    video=video,
                    user=owner,
                    defaults={"source": Appearance.Source.DETECTED, "similarity": similarity, "match": match},
                )
                if sure:
                    feed_services.video_add_person(video=held, user=owner, credited=_consented(held, owner.pk))
                    # Confirmed by the scan: its author is no longer asked about it.
                    _questions_withdraw(author_id=video.author_id, match_ids=[before.pk] if before else [])
        except IntegrityError:
            continue
        if sure:
            revealed.append(video.pk)
        else:
            possible.append(video)
    _found_tell(owner, revealed, possible)
    return revealed


def _found_tell(owner: User, revealed: list[int], possible: list[Video]) -> None:
    """Ask the authors of `possible` about the person, and tell the person what a scan found, unless
    they erased their account meanwhile: they are held first (accounts.services.people_hold), as
    their erasure holds them before it deletes the rows that name them. Then the authors, as the
    questions to them hold them (accounts.services.people_keep: only their erasure waits, or is
    waited for); an author erased meanwhile is not asked, nor is their video (gone with them)
    counted. Unheld, an author's erasure that committed first failed the questions' foreign key at
    commit, and the whole tell with it: the person was told nothing."""
    if not (revealed or possible):
        return
    with transaction.atomic():
        if owner.pk not in people_hold(user_ids=[owner.pk]):
            return  # erased meanwhile: no one to tell, nothing to ask about them
        authors = people_keep({video.author_id for video in possible})
        possible = [video for video in possible if video.author_id in authors]
        if not (revealed or possible):
            return
        for video in possible:
            _possible_match_found(video, owner.pk)
        extra = {"possible": len(possible)} if possible else {}
        notify(user_id=owner.pk, kind=Notification.Kind.VIDEO_OF_YOU_FOUND, video_ids=revealed, **extra)


def _consented(video: Video, person_id: int) -> bool:
    """Whether a person found in `video` after it was made is named in its public `cameos`: only when
    their cameo admits its author (cameos.selectors.admitting: as if the author had tagged them), or
    it is the author's own. A face scan must not tell everyone who is in a stranger's video; the
    person sees it in their videos of me all the same."""
    from cameos.selectors import admitting

    return video.author_id == person_id or person_id in admitting(video.author, [person_id])


def _hold_for_revealing(video_id: int, person_id: int) -> Video | None:
    """The person, then the video's jobs and row (feed.services.video_hold_for_people), held until the
    transaction ends, before the person is added to the video: the order a confirmed match takes them
    (possible_match_decide). Their erasure holds them, then takes back their like or view of the video
    (its row): adding them (a row naming their account) after holding the video deadlocked with it.
    None if either is gone."""
    if person_id not in people_hold(user_ids=[person_id], videos=[video_id]):  # with the video's jobs
        return None
    return feed_services.video_hold_for_people(video_id=video_id)


def appearance_delete(*, person: User, video_id: int, hold_author: bool) -> None:
    """A person deletes a video that shows them, whoever made it, draft or published: gone
    everywhere at once (feed.services.video_delete), and its author is told who it was not.
    `hold_author`, from a caller that holds nothing yet (DELETE /cameo/appearances: a transaction of
    its own): the author is held first, with the jobs of this video (accounts.services.people_hold,
    in the order their erasure takes them; only_videos: not every job of the author's, which this
    touches none of): an erasure of the author at the same time commits first (this is a 404) or
    waits for the deletion and its notification. Unheld, the erasure waited for the video, went on
    once it was deleted, and the notification naming the erased author failed its foreign key check
    (a 500). Not from inside a caller's transaction (appearances_delete in a cameo's deletion, a
    revocation...), which held the videos' jobs already: people held after them broke that order;
    the jobs stand for the author there, as their erasure holds them before the account row."""
    if not VideoPerson.objects.filter(user=person, video_id=video_id).exists():
        raise NotFound("No video of you with this id.")  # someone else's business does not exist for you
    video = Video.objects.filter(pk=video_id).first()
    if video is None:
        raise NotFound("No video of you with this id.")
    author_id = video.author_id
    with transaction.atomic():
        if hold_author and author_id != person.pk:
            held = people_hold(user_ids=[author_id], videos=[video_id], only_videos=True)
            if author_id not in held:  # erased meanwhile, the video with them
                raise NotFound("No video of you with this id.")
        feed_services.video_delete(video=video, by=person)
        if author_id != person.pk:
            notify(user_id=author_id, kind=Notification.Kind.VIDEO_REMOVED, video_id=video_id, by="a person in it")


def appearance_authors(*, person: User) -> set[int]:
    """The authors of the videos that show `person`, others than them: their erasure with the videos of
    them (DELETE /me?appearances=delete) deletes these videos and tells each author (a notification
    naming them, their account row checked at its commit), so it holds them first
    (accounts.signals.account_erasure_naming)."""
    return set(VideoPerson.objects.filter(user=person).exclude(author=person).values_list("author_id", flat=True))


def appearances_delete(*, person: User, author: User | None = None, erasing: bool = False) -> int:
    """Delete every video that shows `person` (by `author` only, when given), in id order. How many
    this call deleted: not those someone else deleted meanwhile. `erasing`: inside the person's
    erasure, whose feed part comes next: their own likes and comments are held with the videos'
    (feed.services.videos_hold_for_deleting's `erasing`)."""
    rows = VideoPerson.objects.filter(user=person)
    if author is not None:
        rows = rows.filter(author=author)
    video_ids = list(rows.order_by("video_id").values_list("video_id", flat=True))
    one_transaction = connection.in_atomic_block  # a cameo's deletion, a revocation...: the caller's
    if one_transaction:
        # Their jobs, then their likes and comments, held at once, in id order, not video by video
        # (feed.services.videos_hold_for_deleting).
        feed_services.videos_hold_for_deleting(video_ids=video_ids, erasing=person if erasing else None)
    deleted = 0
    for video_id in video_ids:
        try:
            # Each in a transaction of its own otherwise, nothing held before it: its author first.
            appearance_delete(person=person, video_id=video_id, hold_author=not one_transaction)
        except NotFound:
            continue  # deleted meanwhile
        deleted += 1
    return deleted


def video_faces_record(*, video_id: int, tracks: list[tuple[Any, int, int, int]]) -> None:
    """Keep the face tracks of a generated video (template, first_ms, last_ms, frames) in the video
    face index, replacing any earlier scan of it; then hold the people the output scan detected in it
    (appearances_record) to the whole reveal bar: one whose track is too short, or not closer to them
    than to every other cameo by the margin, becomes a possible match."""
    gallery.video_faces_put(video_id, tracks)
    detected = list(
        Appearance.objects.filter(
            video_id=video_id, source=Appearance.Source.DETECTED, match=Appearance.Match.CONFIRMED
        ).select_related("video")
    )
    if not detected or not tracks:
        return
    video = detected[0].video
    templates = np.stack([np.asarray(t[0], dtype=np.float32).reshape(-1) for t in tracks])
    frames = [int(t[3]) for t in tracks]
    entries = {
        owner: (cameo, np.asarray(json.loads(e) if isinstance(e, str) else e, dtype=np.float32))
        for owner, cameo, e in Cameo.objects.filter(owner_id__in=[a.user_id for a in detected])
        .exclude(gallery_entry=None)
        .values_list("owner_id", "pk", "gallery_entry__embedding")
    }
    demoted = []
    for appearance in detected:
        if appearance.user_id == video.author_id or appearance.user_id not in entries:
            continue
        cameo_id, template = entries[appearance.user_id]
        scores = templates @ template
        best = int(np.argmax(scores))
        similarity = float(scores[best])
        margin = conf().reveal_margin
        other = gallery.best_other(templates[best], exclude_cameo_id=cameo_id, min_similarity=similarity - margin)[0]
        if not track_reveals(similarity=similarity, frames=frames[best], runner_up=other, published=video.is_published):
            demoted.append(appearance.user_id)
    if demoted:
        Appearance.objects.filter(video_id=video_id, user_id__in=demoted).update(match=Appearance.Match.POSSIBLE)
        keep = set(VideoPerson.objects.filter(video_id=video_id).values_list("user_id", flat=True)) - set(demoted)
        feed_services.video_set_people(video=video, users=User.objects.filter(pk__in=keep))
        for user_id in demoted:
            _possible_match_found(video, user_id)


def _questions_withdraw(*, author_id: int, match_ids: list[int]) -> None:
    """Take back the author's `appearance_to_confirm` notifications about these possible matches, which
    are no longer open (answered, confirmed by a scan, or gone with their video): tapping one would
    lead to nothing."""
    if match_ids:
        notifications_withdraw(
            kind=Notification.Kind.APPEARANCE_TO_CONFIRM, key="match_id", values=match_ids, user_id=author_id
        )


def questions_withdraw_not_admitted(*, owners: Sequence[User]) -> None:
    """These people let fewer use their cameo (a narrower audience, a revoked grant, a mutual follow
    ended, a date of birth that makes them a minor): the authors it no longer admits are no longer
    asked about their possible matches, and the notifications naming them go (the authors' list,
    possible_matches_on_videos_of, no longer shows them either). The owners as given: a minor's
    birthdate is read before it is saved (accounts.signals.became_minor)."""
    from cameos.selectors import cameo_access_by_authors

    given = {owner.pk: owner for owner in owners}
    for cameo in Cameo.objects.filter(owner_id__in=sorted(given)).order_by("owner_id"):
        cameo.owner = given[cameo.owner_id]
        by_author: dict[int, list[int]] = {}
        for match_id, author_id in Appearance.objects.filter(
            user_id=cameo.owner_id, match=Appearance.Match.POSSIBLE
        ).values_list("pk", "video__author_id"):
            by_author.setdefault(author_id, []).append(match_id)
        access = cameo_access_by_authors(cameo, by_author)
        for author_id, match_ids in sorted(by_author.items()):
            if not access[author_id].available:
                _questions_withdraw(author_id=author_id, match_ids=match_ids)


def video_questions_withdraw(*, video_id: int, author_id: int) -> None:
    """This video was deleted, whoever asked (feed.signals.video_deleted, in the deletion's
    transaction): its possible matches went with it, and so do its author's notifications asking
    about them. After the deletion, not before: it has held the video's jobs and row by then, in the
    order a confirm takes them before it withdraws its own question (possible_match_decide)."""
    notifications_withdraw(
        kind=Notification.Kind.APPEARANCE_TO_CONFIRM, key="video_id", values=[video_id], user_id=author_id
    )


def possible_matches_forget(person: User, *, withdraw: bool = True) -> None:
    """The possible matches of this person's face, and the authors' notifications naming them (their
    cameo erased, or their face enrolled again: the matches were of the face before); and the
    similarity of the matches their authors removed ("not them"), a number derived from that face.
    The removed rows stay, scoreless: they keep the author's answer (a draft stays private to a later
    scan), not the face (DESIGN.md §1.3). Not `withdraw` (their account's erasure): the notifications
    stay for the erasure, which holds every notification naming the person or theirs in one id order
    before it deletes them (accounts.services.account_erase); deleted here first, two people erased at
    once each held some of the other's (on PostgreSQL a deadlock)."""
    matches = Appearance.objects.filter(user=person, match=Appearance.Match.POSSIBLE)
    ids = list(matches.values_list("pk", flat=True))
    if ids:
        # The matches, then the notifications: the order an author's answer takes them (no deadlock).
        matches.delete()
        if withdraw:
            notifications_withdraw(kind=Notification.Kind.APPEARANCE_TO_CONFIRM, key="match_id", values=ids)
    # After the delete: a match an author removed meanwhile (it was possible until then) is among these.
    Appearance.objects.filter(user=person, match=Appearance.Match.REMOVED, similarity__isnull=False).update(
        similarity=None
    )
