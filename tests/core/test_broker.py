"""The embedded default's broker (core.broker): a worker polling while a message is being written
finds nothing rather than an empty file. With kombu's own filesystem transport it took the file as
soon as it was created and read an empty message: its consumer died on the JSON error and the job
was never run (a browser test's job stayed queued in CI on a busy machine)."""

from __future__ import annotations

from queue import Empty
from typing import Any

import pytest
from kombu import Connection
from kombu.transport import filesystem

from core import broker


def _channel(tmp_path: Any, transport: Any) -> Any:
    folder = tmp_path / "broker"
    (folder / "processed").mkdir(parents=True)
    options = {"data_folder_in": str(folder), "data_folder_out": str(folder), "store_processed": False}
    return Connection("filesystem://", transport=transport, transport_options=options).channel()


@pytest.mark.parametrize("transport", [broker.Transport, "core.broker:Transport"])
def test_a_worker_polling_while_a_message_is_written_finds_none_then_the_whole_message(
    tmp_path, monkeypatch, transport
):
    channel = _channel(tmp_path, transport)
    seen: list[Any] = []

    def dumps_while_a_worker_polls(payload: Any) -> str:
        try:
            seen.append(channel._get("jobs"))
        except Empty:
            seen.append(None)
        return filesystem.dumps(payload)

    monkeypatch.setattr(broker, "dumps", dumps_while_a_worker_polls)
    channel._put("jobs", {"task": "render", "id": 1})

    assert seen == [None]  # nothing to take while it was being written
    assert channel._get("jobs") == {"task": "render", "id": 1}
    with pytest.raises(Empty):
        channel._get("jobs")


def test_the_embedded_default_uses_it_and_a_broker_server_does_not(settings):
    filesystem_broker = settings.CELERY_BROKER_URL.startswith("filesystem")
    expected = "core.broker:Transport" if filesystem_broker else None
    assert getattr(settings, "CELERY_BROKER_TRANSPORT", None) == expected
