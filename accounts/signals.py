"""Hooks that later apps connect to (they may import accounts; accounts never imports them).

Receivers must be thin: call the receiving app's service, which does the work.
"""

from collections.abc import Callable
from typing import Any

from django.dispatch import Signal

# Sent inside the erasure transaction, before account_erasing, with `user`, when the person asked that
# every video that shows them go with the account (DELETE /me?appearances=delete). Before: the apps'
# erasure deletes the rows that say where the person appears.
account_appearances_deleting = Signal()

# Sent inside the erasure transaction, before the user row is deleted, with `user`. Each app
# deletes what is the person's (rows its foreign keys would not cascade, files via
# core.storage.delete_after_commit) so that nothing of them remains once the transaction commits.
account_erasing = Signal()

# Sent by accounts.services.people_hold, inside the caller's transaction, with `user_ids` (in id
# order): each app locks what it must lock of these people before their account rows, in the order of
# the apps (cameos: their cameo rows; generation: their jobs). Everything that takes consent away from
# two people at once (a block, an unfollow, a grant's decision) or erases one holds the people so, and
# so in the same order: a publish holds the cameo rows of the people it shows, then needs their user
# rows at commit; a publish of a person's own holds its job, then updates the video; an erasure deletes
# their follows, grants and videos. Any other order deadlocked with one of those on PostgreSQL.
# `erasing` (True from an erasure): the apps hold what of others' names the person too (generation:
# others' jobs that name them), which the erasure rewrites after deleting the person's rows.
# `deleting_videos_of` (person id, author id), or None: the transaction then deletes the videos by
# that author that show that person (a revocation or a block with the videos), and the apps hold what
# of theirs points at those videos in the same order (generation: their jobs, remixes of them by
# anyone included): taken later, a remix's author holding themselves and one of the two people
# deadlocked with it.
# `videos` (video ids, maybe none): the transaction then locks these videos to add one of the people to
# them (a possible match confirmed, a video a scan reveals) or to delete them, and the apps hold what of
# theirs points at them in the same order (generation: their jobs): taken after the people's, an erasure
# of the videos' author, which holds both in one id order, deadlocked with it.
# `only_videos` (True: a person deleting a video of them, holding its author): the transaction writes
# nothing else of the people's but rows naming them (a notification); the apps hold what points at the
# `videos` and, of the people, what comes before the jobs (cameos: their cameo rows), not the rest
# (generation: not every job of theirs, which it never touches; still in the same order).
people_holding = Signal()

# Sent by an erasure after people_holding and before it holds the person's account row, with `user` and
# `delete_appearances`: each receiver returns the ids of the other people whose account rows the
# erasure's writes name, which PostgreSQL checks at its commit (feed: the authors of the videos whose
# counts it changes and the people those show, a video's row and its person rows updated twice in one
# transaction being checked again; cameos, with delete_appearances: the authors of the videos of them,
# told that a person in it deleted it). The erasure holds them as a row naming them would
# (accounts.services.people_keep) with the person's account row, in one id order: taken at commit,
# after the person's row, two people erased at once each waited for the other's account row, or one
# for the other's, which held it and waited for a like the first held (a deadlock).
account_erasure_naming = Signal()

# Sent inside the transaction that creates a block, with `blocker` and `blocked`: consent
# cascades (stop jobs that use the blocker's cameo) hook in here.
user_blocked = Signal()

# Sent when an unfollow ends a mutual follow (`follower`, `followee`): a cameo shared with mutuals is
# no longer shared between them, so the consent cascade rechecks their jobs.
mutual_follow_ended = Signal()

# Sent inside the transaction in which support (`by_id`, or None) corrects a date of birth so that the
# person counts as a minor (`user`, before the row is saved): only people they approved one by one may
# show them from then on, so the consent cascade hooks in here.
became_minor = Signal()

# Sent inside the transaction in which support sets `approval_only` on these people (`users`, saved;
# `by_id` or None): as for a minor, only people they approved one by one may show them from then on,
# so their cameo closes to everyone and the consent cascade hooks in here.
became_approval_only = Signal()

# Sent inside the transaction in which support (`by_id`, or None) deactivates an account (`user`, held by
# people_hold, before the row is saved): no one may show them from then on (cameos.selectors.may_use), so
# the consent cascade hooks in; and nothing they published is shown to anyone, so the feed hides their
# published videos.
account_deactivated = Signal()

# Sent inside the transaction in which support (`by_id`, or None) opens a deactivated account again
# (`user`, held by people_hold, before the row is saved): the feed publishes again exactly the videos
# it hid for the deactivation.
account_reactivated = Signal()

# Sent when someone chooses a handle (`handle`: normalised and well formed), before anything is stored.
# A receiver that finds it unusable raises InvalidInput({"handle": [...]}): moderation refuses a handle
# whose words break the content policy, as every prompt that mentions it would be refused.
handle_choosing = Signal()

# GET /me/export: sent with `user` and `out` (a dict); each app adds its section of the person's
# data (never a face template), e.g. out["videos"] = [...].
account_exporting = Signal()


def connect_person_data(app: str, *, erase: Callable[..., Any], export: Callable[..., dict[str, Any]]) -> None:
    """An app's thin receivers: `erase(user=)` on account_erasing, and `export(user=)`'s sections
    added to the export on account_exporting (dispatch_uid "<app>.erase" and "<app>.export")."""

    def on_erasing(sender: Any, user: Any, **kwargs: Any) -> None:
        erase(user=user)

    def on_exporting(sender: Any, user: Any, out: dict[str, Any], **kwargs: Any) -> None:
        out.update(export(user=user))

    account_erasing.connect(on_erasing, weak=False, dispatch_uid=f"{app}.erase")
    account_exporting.connect(on_exporting, weak=False, dispatch_uid=f"{app}.export")
