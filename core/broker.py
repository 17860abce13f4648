"""The embedded default's broker: Celery's filesystem transport (kombu), with each message written
whole before a worker can take it (config/settings/base.py sets it as `CELERY_BROKER_TRANSPORT` when
`CELERY_BROKER_URL` is `filesystem://`)."""

from __future__ import annotations

import os
import uuid
from time import monotonic
from typing import Any

from kombu.exceptions import ChannelError
from kombu.transport import filesystem
from kombu.utils.encoding import str_to_bytes
from kombu.utils.json import dumps


class Channel(filesystem.Channel):
    def _put(self, queue: str, payload: Any, **kwargs: Any) -> None:  # type: ignore[override]
        """Put a message on `queue` as kombu names it, but written under a name no worker takes
        (`….msg.part`) and then renamed to it (atomic within one folder). kombu's own creates the file
        where workers look and then writes it: a worker that took it in between read an empty
        message, its consumer died on the JSON error (celery/kombu#1551), and the message was lost,
        so a job stayed queued for good (seen in CI on a busy machine)."""
        name = f"{round(monotonic() * 1000)}_{uuid.uuid4()}.{queue}.msg"
        path = os.path.join(self.data_folder_out, name)
        try:
            with open(f"{path}.part", "wb") as part:
                part.write(str_to_bytes(dumps(payload)))
            os.replace(f"{path}.part", path)
        except OSError as exc:
            raise ChannelError(f"Cannot add file {path!r} to directory") from exc


class Transport(filesystem.Transport):
    Channel = Channel
