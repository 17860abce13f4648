"""Faces of nobody: a DCGAN trained on DigiFace-1M (the `gan-face-generate` package ships the
weights), for tests that need many distinct faces no real person has.

The generator draws 64×64 RGB faces that fill the square. `face(i)` upscales seed i's face and adds a
margin (edge pixels repeated) so YuNet finds it; `faces(n)` returns the first n seeds (0, 1, 2, ...)
whose face YuNet detects and whose SFace template is unlike (cosine < DISTINCT) that of every face
chosen before it. Images and templates are cached on disk per seed (CACHE, under the temp folder;
SFace takes ~40 ms a face on two cores), so repeated test runs only read files.

Measured on seeds 0–511 (`python -m tests.gan_faces`): YuNet detects 96.5% of the faces; the SFace
cosine between two different faces has median 0.19, 99th percentile 0.43 and max 0.61 (121,771
pairs), so about one pair in sixteen is at or above DISTINCT and faces() skips those (it keeps 116 of
the first 494 detectable seeds).

Through the composite backend (reference_crop → a rendered 1 s clip → H.264 → the output scan's
sampling and tracking), 48 distinct faces compared with the template of the photo they came from:
at 256×448 a track was found for 44, cosine median 0.74, p10 0.60, min 0.31 (95% at or above 0.5);
at 576×1024 for 46, median 0.83, min 0.48 (98% at or above 0.5); tracks against the other faces:
max 0.41. The losses are dark, low-contrast faces that cv2.seamlessClone washes out; faces(2)
(seeds 0 and 1) come through at about 0.87 and 0.76.
"""

from __future__ import annotations

import os
import tempfile
from functools import cache
from pathlib import Path

import cv2
import numpy as np

NZ = 100  # the generator's latent size
BATCH = 64
SIZE = 256  # side of an image face() returns
INNER = 192  # the GAN's square, upscaled, inside it; the rest is margin
DISTINCT = 0.35  # faces() keeps a face only if its cosine to every face kept before is below this
VERSION = "v1"  # in the cache's file names: change it when the framing changes
CACHE = Path(tempfile.gettempdir()) / "castfeed-gan-faces"


@cache
def _generator():  # type: ignore[no-untyped-def]
    import gan_face_generate
    import torch
    from gan_face_generate.models import Generator

    net = Generator(ngpu=0, nc=3, nz=NZ, ngf=64)
    weights = Path(gan_face_generate.__file__).resolve().parent / "weights.tar"
    net.load_state_dict(torch.load(weights, map_location="cpu")["netG_state_dict"])
    return net.eval()


def _latent(seed: int):  # type: ignore[no-untyped-def]
    import torch

    return torch.randn(NZ, 1, 1, generator=torch.Generator().manual_seed(seed))


def _frame(rgb: np.ndarray) -> np.ndarray:
    """A 64×64 RGB uint8 GAN face → SIZE×SIZE BGR, the face upscaled to INNER with a margin."""
    bgr = cv2.resize(np.ascontiguousarray(rgb[:, :, ::-1]), (INNER, INNER), interpolation=cv2.INTER_CUBIC)
    before = (SIZE - INNER) // 2
    after = SIZE - INNER - before
    return cv2.copyMakeBorder(bgr, before, after, before, after, cv2.BORDER_REPLICATE)


def _generate(seeds: list[int]) -> list[np.ndarray]:
    """The framed faces of `seeds`, BATCH at a time through the GAN (no grad)."""
    import torch

    out: list[np.ndarray] = []
    for start in range(0, len(seeds), BATCH):
        latents = torch.stack([_latent(s) for s in seeds[start : start + BATCH]])
        with torch.no_grad():
            images = _generator()(latents).numpy()  # N × 3 × 64 × 64 in [-1, 1]
        rgb = ((images.transpose(0, 2, 3, 1) + 1.0) * 127.5).round().clip(0, 255).astype(np.uint8)
        out += [_frame(image) for image in rgb]
    return out


def _path(seed: int) -> Path:
    return CACHE / f"{VERSION}-{seed}.png"


def _read(seed: int) -> np.ndarray | None:
    path = _path(seed)
    return cv2.imread(str(path), cv2.IMREAD_COLOR) if path.exists() else None


def _write(seed: int, image: np.ndarray) -> None:
    CACHE.mkdir(parents=True, exist_ok=True)
    ok, data = cv2.imencode(".png", image)
    if not ok:
        return
    partial = CACHE / f".{VERSION}-{seed}.{os.getpid()}.png"
    partial.write_bytes(data.tobytes())
    os.replace(partial, _path(seed))  # atomic: parallel test runs never read half a file


def _images(seeds: list[int]) -> list[np.ndarray]:
    found = {s: _read(s) for s in seeds}
    missing = [s for s, image in found.items() if image is None]
    for seed, image in zip(missing, _generate(missing), strict=True):
        _write(seed, image)
        found[seed] = image
    return [found[s] for s in seeds]  # type: ignore[misc]


def face(i: int) -> np.ndarray:
    """Seed i's face: BGR uint8, SIZE×SIZE, the face about INNER pixels wide in the middle."""
    return _images([i])[0].copy()


@cache
def _template(i: int) -> np.ndarray | None:
    """SFace template of seed i's largest face, or None when YuNet finds none (cached on disk next
    to the image: SFace takes ~40 ms a face on two cores)."""
    from cameos.likeness.faces import engine

    path = CACHE / f"{VERSION}-{i}.npy"
    if path.exists():
        try:
            stored = np.load(path)
        except (OSError, ValueError):
            stored = None
        if stored is not None:
            return stored if stored.size else None
    image = face(i)
    found = engine().detect(image)
    vector = engine().embed([engine().align(image, found[0])])[0] if found else np.zeros(0, np.float32)
    partial = CACHE / f".{VERSION}-{i}.{os.getpid()}.npy"
    np.save(partial, vector)
    os.replace(partial, path)
    return vector if vector.size else None


@cache
def _distinct(n: int) -> tuple[int, ...]:
    chosen: list[int] = []
    vectors: list[np.ndarray] = []
    seed = 0
    while len(chosen) < n:
        _images(list(range(seed, seed + BATCH)))  # one GAN batch for the seeds not cached yet
        for i in range(seed, seed + BATCH):
            vector = _template(i)
            if vector is None or any(float(vector @ v) >= DISTINCT for v in vectors):
                continue
            chosen.append(i)
            vectors.append(vector)
            if len(chosen) == n:
                break
        seed += BATCH
    return tuple(chosen)


def seeds(n: int) -> list[int]:
    """The seeds faces(n) uses (the first n detectable, mutually distinct ones)."""
    return list(_distinct(n))


def faces(n: int) -> list[np.ndarray]:
    """n faces YuNet detects whose SFace templates are mutually distinct (cosine < DISTINCT)."""
    return [face(i) for i in _distinct(n)]


def template(i: int) -> np.ndarray:
    """SFace template of seed i's face (it must be detectable: use seeds())."""
    vector = _template(i)
    if vector is None:
        raise ValueError(f"YuNet finds no face for seed {i}")
    return vector.copy()


def reference_crop(i: int, size: int = 224) -> np.ndarray:
    """Seed i's face framed like a cameo's reference crop (aligned, a margin showing hair and chin),
    as the composite backend expects (generation/backends/base.py CameoRef)."""
    from cameos.likeness.enrollment import reference_crop as crop
    from cameos.likeness.faces import engine

    image = face(i)
    found = engine().detect(image)
    if not found:
        raise ValueError(f"YuNet finds no face for seed {i}")
    return crop(image, found[0], size)


def _measure(count: int = 512) -> None:
    """Print the detection rate and the cosine between different faces over seeds 0..count-1."""
    _images(list(range(count)))
    vectors = [v for v in (_template(i) for i in range(count)) if v is not None]
    matrix = np.stack(vectors)
    pairs = (matrix @ matrix.T)[np.triu_indices(len(vectors), 1)]
    print(f"detected {len(vectors)}/{count} = {len(vectors) / count:.3f}")
    print(
        f"cosine between different faces over {len(pairs)} pairs: median {np.median(pairs):.3f}, "
        f"p99 {np.percentile(pairs, 99):.3f}, max {pairs.max():.3f}, share >= {DISTINCT}: "
        f"{(pairs >= DISTINCT).mean():.3f}"
    )


if __name__ == "__main__":
    _measure()
