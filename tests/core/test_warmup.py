"""core.warmup: the steps apps register run in order when a worker pool process starts; one that fails
is logged and the rest still run (the first job then loads what failed, as without a warm-up)."""

import logging

from core import warmup


def test_the_apps_register_what_a_workers_first_jobs_load():
    assert [what for what, _ in warmup._steps] == [
        "the voice step's models",
        "the protected faces",
        "the checking step's model",
        "the protected-name index",
    ]


def test_a_failing_step_is_logged_and_the_next_still_runs(monkeypatch, caplog):
    ran: list[str] = []

    def broken() -> None:
        raise RuntimeError("no database yet")

    monkeypatch.setattr(warmup, "_steps", [])
    warmup.register("a broken step", broken)
    warmup.register("a good step", lambda: ran.append("good"))
    warmup.register("a broken step", broken)  # once only
    with caplog.at_level(logging.ERROR, logger="core.warmup"):
        warmup.run()
    assert ran == ["good"]
    assert [r.getMessage() for r in caplog.records] == [
        "worker warm-up: a broken step not loaded; the first job loads it"
    ]
