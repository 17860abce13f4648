"""Video fingerprints (vPDQ) as stored, and the rule that says a video is a copy of another.

Pure: bytes and numpy arrays in, answers out; no ORM, no media decoding. The worker computes a
fingerprint from the MP4 (generation.media.fingerprint, with Meta's `vpdq`); the feed keeps it on the
video and, for removed videos, in `RemovedFingerprint`, and refuses to publish a copy. It lives here,
not in generation/, because the feed decides at publish and may not import the apps to its left.

A fingerprint is a bag of 256-bit PDQ hashes of frames sampled every SECONDS_PER_HASH, each with
PDQ's quality (0–100, how much detail the frame has). The rule is vPDQ's brute-force match
(ThreatExchange's `match_VPDQ_hash_brute`): drop frames below QUALITY and repeated hashes; a frame of
one video matches the other when some frame of the other is within DISTANCE bits; the share of
matching frames is counted both ways.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

import numpy as np

FORMAT = 1  # first byte of the stored form; a new sampling or layout gets a new number
HASH_BYTES = 32  # PDQ: 256 bits
SECONDS_PER_HASH = 0.5  # clips are 2–10 s: at vPDQ's usual 1 s a 2 s clip would have 2 frames to count
# vPDQ's and ThreatExchange's defaults. PDQ's own match threshold is 31 of 256 bits. On our clips a
# frame of a re-encode or resize lands 2–24 bits from its original (26–40 at CRF 45 and a third of
# the pixels), the same composite scene with one person's face swapped for another's 42–50 (but only
# 14–26 when one of three people is swapped: mostly the same picture), the same scene from another
# seed or another prompt 110 and more (benchmarks/copies.py).
DISTANCE = 31
QUALITY = 50  # flat frames (fades, a black frame) say little and look alike: they are not compared
# At least half of the new video's frames are in the removed one and at least half of the removed
# one's frames are in the new one: a copy padded to twice the length or cut to half still matches,
# while two videos that share a shot or two do not.
SHARE = 0.5


@dataclass(frozen=True, eq=False)  # eq=False: arrays do not compare with ==
class Fingerprint:
    hashes: np.ndarray  # (n, 32) uint8: each sampled frame's PDQ hash
    quality: np.ndarray  # (n,) uint8: each frame's PDQ quality, 0–100

    def __post_init__(self) -> None:
        if self.hashes.ndim != 2 or self.hashes.shape[1] != HASH_BYTES or len(self.quality) != len(self.hashes):
            raise ValueError(f"hashes {self.hashes.shape} and quality {self.quality.shape} do not fit")

    def __len__(self) -> int:
        return len(self.hashes)

    @classmethod
    def from_hex(cls, frames: Iterable[tuple[str, int]]) -> Fingerprint:
        """From (64-digit hex PDQ hash, quality) per frame, as vpdq gives them."""
        rows = list(frames)
        hashes = np.array([np.frombuffer(bytes.fromhex(h), np.uint8) for h, _ in rows], np.uint8)
        return cls(hashes.reshape(len(rows), HASH_BYTES), np.array([q for _, q in rows], np.uint8))

    def to_bytes(self) -> bytes:
        """FORMAT, then per frame its quality byte and its 32 hash bytes (33 bytes a frame)."""
        frames = np.concatenate([self.quality[:, None], self.hashes], axis=1).astype(np.uint8)
        return bytes([FORMAT]) + frames.tobytes()

    @classmethod
    def from_bytes(cls, data: bytes | memoryview) -> Fingerprint:
        raw = bytes(data)
        if not raw or raw[0] != FORMAT or (len(raw) - 1) % (HASH_BYTES + 1):
            raise ValueError("not a stored fingerprint")
        frames = np.frombuffer(raw, np.uint8, offset=1).reshape(-1, HASH_BYTES + 1)
        return cls(frames[:, 1:].copy(), frames[:, 0].copy())

    def comparable(self) -> np.ndarray:
        """The frames the rule looks at: quality ≥ QUALITY, each distinct hash once, as (m, 4)
        uint64 words for a vectorised Hamming distance."""
        kept = np.unique(self.hashes[self.quality >= QUALITY], axis=0)
        return np.ascontiguousarray(kept).view(np.uint64).reshape(-1, HASH_BYTES // 8)


def _distances(frame: np.ndarray, frames: np.ndarray) -> np.ndarray:
    """Hamming distances from one (4,) uint64 hash to each of (n, 4)."""
    return np.bitwise_count(frames ^ frame).sum(axis=1, dtype=np.int32)


def shares(query: Fingerprint, other: Fingerprint) -> tuple[float, float]:
    """(share of `query`'s comparable frames found in `other`, share of `other`'s found in `query`),
    each 0–1; (0, 0) when either has no comparable frame."""
    q, o = query.comparable(), other.comparable()
    if not len(q) or not len(o):
        return 0.0, 0.0
    close = np.stack([_distances(frame, o) <= DISTANCE for frame in q])  # (len q, len o)
    return float(close.any(axis=1).mean()), float(close.any(axis=0).mean())


def is_copy(query: Fingerprint, removed: Fingerprint) -> bool:
    """`query` is a copy of `removed` (a re-encode, a resize, a light overlay, a trim or a pad within
    SHARE): enough of its frames match both ways."""
    q_share, r_share = shares(query, removed)
    return q_share >= SHARE and r_share >= SHARE


class CopyIndex:
    """Many removed videos' stored fingerprints in one matrix, searched exactly (no lossy pre-filter).

    DISTANCE = 31 of 256 bits is too far for an exact index on hash pieces (the pigeonhole would need
    32 pieces of 8 bits, each shared by chance with 1 in 256 hashes), so every frame is compared: per
    frame of the query, one XOR and popcount pass over each 64-bit column of the matrix, a few
    milliseconds for 10,000 removed videos (benchmarks/copies.py)."""

    def __init__(self, entries: Iterable[tuple[int, bytes | memoryview]]) -> None:
        """From (removed video id, stored fingerprint) pairs, parsed all at once."""
        ids: list[int] = []
        payloads: list[bytes] = []
        for key, stored in entries:
            raw = bytes(stored)
            if not raw or raw[0] != FORMAT or (len(raw) - 1) % (HASH_BYTES + 1):
                raise ValueError(f"not a stored fingerprint (removed video {key})")
            ids.append(key)
            payloads.append(raw[1:])
        frames = np.frombuffer(b"".join(payloads), np.uint8).reshape(-1, HASH_BYTES + 1)
        owner = np.repeat(np.arange(len(ids)), [len(p) // (HASH_BYTES + 1) for p in payloads])
        kept = frames[:, 0] >= QUALITY
        owner, hashes = owner[kept], frames[kept, 1:]
        # Each distinct hash once per video, as Fingerprint.comparable does for one.
        keyed = np.ascontiguousarray(np.concatenate([owner.astype(">i8").view(np.uint8).reshape(-1, 8), hashes], 1))
        _, first = np.unique(keyed.view(f"V{keyed.shape[1]}").ravel(), return_index=True)
        first.sort()
        self.ids = np.array(ids, np.int64)
        self.owner = owner[first]  # row → position in ids
        self.counts = np.bincount(self.owner, minlength=len(ids))
        # Column-major: each 64-bit word of every hash contiguous, so a pass reads memory in order.
        words = np.ascontiguousarray(hashes[first]).view(np.uint64).reshape(-1, HASH_BYTES // 8)
        self.columns = [np.ascontiguousarray(words[:, k]) for k in range(HASH_BYTES // 8)]

    def __len__(self) -> int:
        return len(self.ids)

    @property
    def frames(self) -> int:
        return len(self.owner)

    def find(self, query: Fingerprint) -> int | None:
        """The id of a removed video `query` is a copy of (is_copy), or None."""
        q = query.comparable()
        if not len(q) or not self.frames:
            return None
        rows_hit = np.zeros(self.frames, bool)
        query_hits = np.zeros(len(self.ids), np.int64)  # per removed video: query frames found in it
        for frame in q:
            distance = np.bitwise_count(self.columns[0] ^ frame[0]).astype(np.uint16)  # uint8 would wrap at 256
            for column, word in zip(self.columns[1:], frame[1:], strict=True):
                distance += np.bitwise_count(column ^ word)
            close = distance <= DISTANCE
            rows_hit |= close
            query_hits[np.unique(self.owner[close])] += 1
        removed_hits = np.bincount(self.owner[rows_hit], minlength=len(self.ids))
        copies = np.flatnonzero((query_hits >= SHARE * len(q)) & (removed_hits >= SHARE * self.counts))
        return int(self.ids[copies[0]]) if len(copies) else None
