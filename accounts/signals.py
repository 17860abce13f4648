"""Hooks that later apps connect to (they may import accounts; accounts never imports them).

Receivers must be thin: call the receiving app's service, which does the work.
"""

from django.dispatch import Signal

# Sent inside the erasure transaction, before the user row is deleted, with `user`. Each app
# deletes what is the person's (rows its foreign keys would not cascade, files via
# core.storage.delete_after_commit) so that nothing of them remains once the transaction commits.
account_erasing = Signal()

# Sent inside the transaction that creates a block, with `blocker` and `blocked`: consent
# cascades (stop jobs that use the blocker's cameo) hook in here.
user_blocked = Signal()

# GET /me/export: sent with `user` and `out` (a dict); each app adds its section of the person's
# data (never a face template), e.g. out["videos"] = [...].
account_exporting = Signal()
