"""Random data with the shape of real social data, for `manage.py seed` steps."""

from __future__ import annotations

import argparse

import numpy as np

MAX_COUNT = 1_000_000_000  # far above what one machine seeds; numpy's sizes overflow beyond
MAX_DAYS = 36_500  # a hundred years back; further overflows the calendar


def _whole(text: str, most: int) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"“{text[:40]}” is not a whole number") from None
    if value < 0:
        raise argparse.ArgumentTypeError(f"{value} is below 0")
    if value > most:
        raise argparse.ArgumentTypeError(f"{value} is above {most:,}")
    return value


def count(text: str) -> int:
    """The argparse type of a seed step's sizes: a whole number from 0 to MAX_COUNT."""
    return _whole(text, MAX_COUNT)


def days(text: str) -> int:
    """The argparse type of a span back in time, in days: a whole number from 0 to MAX_DAYS."""
    return _whole(text, MAX_DAYS)


def popularity(rng: np.random.Generator, n: int, exponent: float = 0.9) -> np.ndarray:
    """A Zipf-like weight per item in random order: the item of rank r weighs about 1/r**exponent."""
    ranks = rng.permutation(n) + 1
    weights = 1.0 / ranks.astype(np.float64) ** exponent
    return weights / weights.sum()


def unique_pairs(
    rng: np.random.Generator,
    left: np.ndarray,
    right: np.ndarray,
    count: int,
    right_weights: np.ndarray | None = None,
    *,
    allow_same: bool = True,
) -> np.ndarray:
    """`count` distinct (l, r) id pairs (as many as there are, if fewer): l uniform over `left`, r
    drawn by `right_weights`. With allow_same=False, pairs with l == r are left out (someone following
    themself). The ids in `left` and in `right` are each distinct."""
    n_left, n_right = len(left), len(right)
    possible = n_left * n_right - (0 if allow_same else len(np.intersect1d(left, right)))
    count = min(count, possible)  # more than there are would never be found
    if count <= 0:
        return np.empty((0, 2), dtype=np.int64)
    if count * 2 > possible:
        # Most of the pairs there are: drawn at random, the last and rarest ones took hours to come up
        # (10 people liking all of 5,000 videos never ended). Every pair is ranked at once instead, by
        # its weight times Gumbel noise, and the first `count` taken: a weighted draw without
        # replacement (the Gumbel top-k trick), the same pairs by the same odds.
        a, b = np.divmod(np.arange(n_left * n_right, dtype=np.int64), n_right)
        weight = right_weights[b] if right_weights is not None else np.ones(len(b))
        if not allow_same:
            weight = np.where(left[a] != right[b], weight, 0.0)
        with np.errstate(divide="ignore"):  # a weight of 0 (a pair of one person) ranks last: log is -inf
            rank = np.log(weight) + rng.gumbel(size=len(weight))
        keys = rng.permutation(np.argpartition(-rank, count - 1)[:count])
        return np.stack([left[keys // n_right], right[keys % n_right]], axis=1)
    found = np.empty(0, dtype=np.int64)
    while len(found) < count:
        want = int((count - len(found)) * 1.3) + 16
        a = rng.integers(0, n_left, size=want)
        b = rng.choice(n_right, size=want, p=right_weights)
        keys = a.astype(np.int64) * n_right + b
        if not allow_same:
            keys = keys[left[a] != right[b]]
        found = np.unique(np.concatenate([found, keys]))
    keys = rng.permutation(found)[:count]
    return np.stack([left[keys // n_right], right[keys % n_right]], axis=1)


def pair_keys(pairs: np.ndarray, base: int) -> np.ndarray:
    """One int64 per (a, b) pair, for fast membership tests with np.isin."""
    return pairs[:, 0].astype(np.int64) * base + pairs[:, 1]
