"""Small real media files for the tests (the same real H.264 clips `manage.py seed` uses)."""

from __future__ import annotations

from functools import cache

from feed.seed import sample_clip, sample_poster


@cache
def tiny_mp4() -> bytes:
    return sample_clip(0, width=64, height=112, frames=12)


@cache
def tiny_jpeg() -> bytes:
    return sample_poster(0, width=64, height=112)
