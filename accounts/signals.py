"""Hooks that later apps connect to (they may import accounts; accounts never imports them).

Receivers must be thin: call the receiving app's service, which does the work.
"""

from collections.abc import Callable
from typing import Any

from django.dispatch import Signal

# Sent inside the erasure transaction, before the user row is deleted, with `user`. Each app
# deletes what is the person's (rows its foreign keys would not cascade, files via
# core.storage.delete_after_commit) so that nothing of them remains once the transaction commits.
account_erasing = Signal()

# Sent inside the erasure transaction before anything is locked, the user row included, with `user`:
# what must be locked before the account row and the person's videos are. (A publish holds the cameo
# rows of the people it shows, then needs their user rows at commit; a publish of the person's own
# holds its job, then updates the video: an erasure that locked those first deadlocked with either.)
account_erase_starting = Signal()

# Sent first in a block and in an unfollow, inside their transaction, with `user_ids` (the two
# people): what must be locked before their follow rows are (cameos holds their cameo rows, as an
# account erasure does before it deletes the person's follows: the other order deadlocked).
relation_changing = Signal()

# Sent inside the transaction that creates a block, with `blocker` and `blocked`: consent
# cascades (stop jobs that use the blocker's cameo) hook in here.
user_blocked = Signal()

# Sent when an unfollow ends a mutual follow (`follower`, `followee`): a cameo shared with mutuals is
# no longer shared between them, so the consent cascade rechecks their jobs.
mutual_follow_ended = Signal()

# Sent inside the transaction in which support corrects a date of birth so that the person counts
# as a minor (`user`, before the row is saved): only people they approved one by one may show them
# from then on, so the consent cascade hooks in here.
became_minor = Signal()

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
