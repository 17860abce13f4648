"""`manage.py embed_videos`: embed every published video that has no embedding yet (feed.embeddings).

For videos published while no worker could embed (CASTFEED_FEED_EMBED_VIDEOS off, a worker without
torch) or before steering existed. Loads MiniLM (torch): run it where the workers run.
"""

from __future__ import annotations

import time
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser


class Command(BaseCommand):
    help = "Embed every published video without an embedding (for steered For You pages)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--batch", type=int, default=2000, help="videos read and stored at a time (1–100000)")

    def handle(self, *args: Any, **options: Any) -> None:
        batch = options["batch"]
        if not 1 <= batch <= 100_000:
            raise CommandError("--batch must be 1 to 100000.")
        from feed.embeddings import embed_missing

        started = time.monotonic()
        stored = embed_missing(batch=batch)
        self.stdout.write(f"embedded {stored} videos in {time.monotonic() - started:.1f} s")
