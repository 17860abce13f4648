"""A video's perceptual fingerprint (vPDQ, Meta's video PDQ), computed in the worker from the MP4.

Re-encodes, resizes and light overlays of a video keep most of its frames within a few bits of PDQ;
the feed keeps the fingerprints of removed videos and refuses to publish a copy of one. The stored
form and the copy rule are `feed.fingerprints` (the feed decides at publish and cannot import this
app); they are re-exported here. PDQ is not robust to crops and mirroring (benchmarks/copies.py).
"""

from __future__ import annotations

from pathlib import Path

import vpdq

from feed.fingerprints import SECONDS_PER_HASH, Fingerprint, is_copy, shares

__all__ = ["Fingerprint", "fingerprint_mp4", "is_copy", "shares"]


def fingerprint_mp4(path: str | Path) -> Fingerprint:
    """The vPDQ fingerprint of the video at `path`: one PDQ hash and quality per SECONDS_PER_HASH.

    One hashing thread: a worker runs jobs side by side, and decoding a 10 s clip takes a fraction
    of a second. Raises ValueError when the file cannot be decoded or has no frame."""
    try:
        features = vpdq.computeHash(str(path), seconds_per_hash=SECONDS_PER_HASH, thread_count=1)
    except Exception as exc:  # vpdq raises a bare Exception when FFmpeg cannot read the file
        raise ValueError(f"cannot fingerprint {path}: {exc}") from exc
    if not features:
        raise ValueError(f"cannot fingerprint {path}: no frames")
    return Fingerprint.from_hex((f.hex, f.quality) for f in features)
