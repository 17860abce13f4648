"""`manage.py handles_check`: the active accounts whose handle the prompt policy refuses.

A handle is checked when it is chosen (moderation.services.handle_check): one taken before handles
were checked, or before a rule of the policy changed, is refused in every prompt that mentions its
owner, who cannot be shown at all. This lists them, one a line (`handle<TAB>user id<TAB>what it reads
as`), for support to ask the owners to choose another; it changes nothing.
"""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand

from accounts.models import User
from moderation import services


class Command(BaseCommand):
    help = "List the active accounts whose handle the prompt policy refuses (handle, user id, what it reads as)."

    def handle(self, *args: Any, **options: Any) -> None:
        found = 0
        people = User.objects.filter(is_active=True).order_by("pk").values_list("pk", "handle")
        for pk, handle in people.iterator(chunk_size=5000):
            labels = services.handle_refusal(handle=handle)
            if labels:
                found += 1
                self.stdout.write(f"{handle}\t{pk}\t{', '.join(labels)}")
        self.stderr.write(f"{found} handle{'s' if found != 1 else ''} the policy refuses.")
