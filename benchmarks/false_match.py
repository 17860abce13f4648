"""False matches of face-track templates at scale: what "videos of me" may reveal (docs/videos-of-me.md).

    .venv/bin/python benchmarks/false_match.py                 # ~17 min on 2 cores the first time, ~4 min cached
    .venv/bin/python benchmarks/false_match.py --gan 100 --probes 200 --synthetic 100000   # a quick look

"Videos of me" and the scan of existing videos compare one person's template with every face track of
every generated video (cameos.VideoFace). A false match shows a stranger's draft to a look-alike and
lets them delete it, so what matters is the expected number of false hits per scan of a large index:
N_tracks × FMR(t). DESIGN.md §1 promise 7 asks for at most 0.01 at 1M tracks, so FMR(t) ≤ 1e-8: far
beyond what can be counted, so it is estimated from the tail of the impostor distribution.

Identities (all distinct people or faces of nobody):
- real photos: the three labelled ones (scikit-image's astronaut and camera, matplotlib's Grace
  Hopper) and the 100 faces of scikit-image's LFW subset (25×25 px, upscaled; unlabelled and LFW
  repeats people, so LFW-vs-LFW pairs are left out of the impostor set);
- `--probes` DCGAN faces of nobody (`tests/gan_faces.py`, every detectable seed from 0 up, with no
  distinctness filter: near-duplicate faces are look-alikes, which is what we measure), the first
  `--gan` of them rendered, the rest probes only (an enrollment template: more impostor pairs
  against the rendered tracks without rendering).

Each identity gets an enrollment-like template (the mean of the normalised SFace embeddings of the
source image, its mirror image and a slightly rotated and scaled copy: what the enrollment averages
over poses), and is rendered on its own through the composite backend (its reference crop as the
cameo, 360×640, 2 s, a scene from a rotating list of prompts, watermarked like a real job) → H.264 →
the output scan's own sampling and tracking (`cameos.likeness.video.sample_frames` at SCAN_FPS, with the
frames either side of each cut, and
`cameos.likeness.tracks.face_tracks`, as `moderation.scan.scan_video` runs them; the database match
is replaced by the comparisons below). Its longest track is the identity's; any other track (a
background shape read as a face) is nobody's. Renders are cached under /tmp/castfeed-false-match.

Then:
- impostor scores: every enrollment template against every track of another identity, with the
  track's template made from its first k frames (k = 1: a single-frame template; the full track: the
  multi-frame template the index stores), and with the quality gate (TRACK_MIN_FRAMES);
- FMR(t) from the tail: a generalized-Pareto fit of the exceedances over the 99.9th percentile
  (maximum likelihood, scipy.stats.genpareto; cosine is bounded, so the fitted shape is negative and
  the tail ends) and its 95% upper bound over BOOTSTRAP resamples of the exceedances (the design
  estimate), the exponential tail (shape 0: the pessimistic check), a normal fit of all scores for
  comparison, and the counted rate with its 95% upper bound (Poisson) as a model-free bound where it
  is informative;
- expected false hits per scan of 1M tracks = 1e6 × FMR(t), for the old bar (MATCH_THRESHOLD) and
  the new ones (REVEAL_PUBLISHED_THRESHOLD, REVEAL_DRAFT_THRESHOLD);
- genuine scores: each identity's enrollment template against its own tracks: the miss rate (not
  revealed, shown as a possible match instead) at each operating point, with the margin rule
  (REVEAL_MARGIN over every other enrolled identity) and the quality gate;
- scale check: `--synthetic` (default 1,000,000) "face-like" track templates (benchmarks/likeness.py:
  a Gaussian fitted to real SFace embeddings, plus per-frame noise resampled from the real tracks,
  averaged over the real tracks' lengths), every enrollment template scanned against all of them and
  the real tracks: the counted false hits per scan at 1M tracks.
"""

from __future__ import annotations

import argparse
import os
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from _common import setup_django

os.environ.setdefault("DJANGO_DEBUG", "1")

CACHE = Path(tempfile.gettempdir()) / "castfeed-false-match"
VERSION = "v2"  # in the cache's file names: change it when the rendering changes
# width, height: 9:16 at the size the scan looks at (SCAN_MAX_SIDE 640; jobs render 576×1024 and the
# scan scales it down to this), which halves the render and encode time of the benchmark
SIZE = (360, 640)
SECONDS = 2.0  # the shortest video a job makes
RENDER_FPS = 8  # the scan samples SCAN_FPS (4) of them per second: the same frames as at 24 fps
PROMPTS = (
    "dancing on the beach at golden hour",
    "walking down a city street at night",
    "running through a forest",
    "standing in a neon club",
    "waving in the snow",
    "idle in a kitchen, overcast",
    "walking in the desert, camera pans",
    "dancing in space",
)
LENGTHS = (1, 2, 4, 8)  # track lengths (sampled frames) compared
TARGET = 1_000_000  # face tracks in the index
BOOTSTRAP = 500  # resamples of the tail's exceedances for the GPD's upper bound


@dataclass
class Rendered:
    """One identity: its enrollment-like template and the tracks of its rendered clip."""

    key: str
    enrollment: np.ndarray  # (128,)
    frames: list[np.ndarray]  # per track: (n, 128) normalised frame embeddings, first = the identity's


def _normalise(v: np.ndarray) -> np.ndarray:
    return v / np.maximum(np.linalg.norm(v, axis=-1, keepdims=True), 1e-12)


# --- identities and renders ------------------------------------------------------------------------


def _real_images() -> list[tuple[str, np.ndarray]]:
    import cv2
    from skimage import data as skdata

    from tests import synthetic_faces

    out = [(f"photo-{n}", synthetic_faces.photo(n)) for n in synthetic_faces.PEOPLE]
    for i, img in enumerate(skdata.lfw_subset()[:100]):
        canvas = np.full((300, 300), 128, np.uint8)
        canvas[75:225, 75:225] = cv2.resize((img * 255).astype(np.uint8), (150, 150), interpolation=cv2.INTER_CUBIC)
        out.append((f"lfw-{i}", cv2.cvtColor(canvas, cv2.COLOR_GRAY2BGR)))
    return out


def _variants(image: np.ndarray) -> list[np.ndarray]:
    """The source image, mirrored, and turned 6° and scaled 0.9: an enrollment's few poses."""
    import cv2

    h, w = image.shape[:2]
    turned = cv2.warpAffine(
        image, cv2.getRotationMatrix2D((w / 2, h / 2), 6, 0.9), (w, h), borderMode=cv2.BORDER_REPLICATE
    )
    return [image, np.ascontiguousarray(image[:, ::-1]), turned]


def _render_one(job: tuple[str, np.ndarray, int, bool]) -> Rendered | None:
    """Enrollment template and (unless `render` is false: a probe only) rendered tracks of one
    identity (cached on disk)."""
    key, image, index, render = job
    path = CACHE / f"{VERSION}-{key}.npz" if render else CACHE / f"{VERSION}-probe-{key}.npz"
    if path.exists():
        try:
            stored = np.load(path)
            if stored["enrollment"].size == 0:
                return None
            counts = [int(c) for c in stored["counts"]]
            flat, out, start = stored["frames"], [], 0
            for c in counts:
                out.append(flat[start : start + c])
                start += c
            return Rendered(key, stored["enrollment"], out)
        except (OSError, ValueError, KeyError):
            pass
    import cv2

    from cameos.likeness.enrollment import reference_crop
    from cameos.likeness.faces import engine
    from cameos.likeness.tracks import face_tracks
    from cameos.likeness.video import Cuts, sample_frames
    from generation.backends.base import CameoRef, RenderRequest
    from generation.backends.composite import CompositeBackend
    from generation.media.encode import encode_mp4
    from generation.media.watermark import watermark

    cv2.setNumThreads(1)
    e = engine()
    vectors = []
    crop = None
    for variant in _variants(image):
        found = e.detect(variant)
        if found:
            vectors.append(e.embed([e.align(variant, found[0])])[0])
            if crop is None:
                crop = reference_crop(variant, found[0], 224)
    result: Rendered | None = None
    enrollment = np.zeros(0, np.float32)
    frames: list[np.ndarray] = []
    if vectors and crop is not None and not render:
        enrollment = _normalise(np.mean(_normalise(np.array(vectors)), axis=0)).astype(np.float32)
        result = Rendered(key, enrollment, [])
    elif vectors and crop is not None:
        enrollment = _normalise(np.mean(_normalise(np.array(vectors)), axis=0)).astype(np.float32)
        request = RenderRequest(
            prompt=PROMPTS[index % len(PROMPTS)],
            cameos=[CameoRef(handle="", instructions="", crops=[crop])],
            image=None,
            duration_s=SECONDS,
            width=SIZE[0],
            height=SIZE[1],
            fps=RENDER_FPS,
            seed=index,
        )
        try:
            rendered = [
                watermark(f, i, RENDER_FPS, "bench")
                for i, f in enumerate(CompositeBackend().render(request, lambda _: None))
            ]
        except (ValueError, RuntimeError):
            rendered = []
        if rendered:
            with tempfile.NamedTemporaryFile(suffix=".mp4") as clip:
                encode_mp4(rendered, clip.name, fps=RENDER_FPS)
                tracks = face_tracks(sample_frames(clip.name, fps=4.0, max_side=640, cuts=Cuts()), engine=e)
            tracks.sort(key=lambda t: -len(t.embeddings))
            frames = [np.array(t.embeddings, dtype=np.float32) for t in tracks]
        result = Rendered(key, enrollment, frames)
    CACHE.mkdir(parents=True, exist_ok=True)
    partial = CACHE / f".{VERSION}-{key}.{os.getpid()}.npz"
    np.savez(
        partial,
        enrollment=enrollment,
        counts=np.array([len(f) for f in frames], dtype=np.int64),
        frames=np.concatenate(frames) if frames else np.zeros((0, 128), np.float32),
    )
    os.replace(partial, path)
    return result


def _worker_init() -> None:
    setup_django()


def identities(gan: int, probes: int, workers: int) -> list[Rendered]:
    """The real identities and `gan` GAN ones, rendered; then GAN ones up to `probes` in all with an
    enrollment template only (more impostor pairs against the rendered tracks, without rendering)."""
    from multiprocessing import get_context

    from tests import gan_faces

    jobs = [(k, img, i, True) for i, (k, img) in enumerate(_real_images())]
    seeds = list(range(int(max(gan, probes) / 0.96) + 64))  # YuNet detects ~96.5% of the GAN's faces
    t = time.perf_counter()
    images = gan_faces._images(seeds)  # generated BATCH at a time, cached as PNG
    print(f"GAN faces: {len(seeds)} seeds ready in {time.perf_counter() - t:.0f} s", flush=True)
    rendered = int(gan / 0.96) + 16
    jobs += [(f"gan-{s}", img, 1000 + s, s < rendered) for s, img in zip(seeds, images, strict=True)]
    t = time.perf_counter()
    out: list[Rendered] = []
    kept = {True: 0, False: 0}
    with get_context("spawn").Pool(workers, initializer=_worker_init) as pool:  # cv2 hangs after fork
        for done, found in enumerate(pool.imap(_render_one, jobs, chunksize=4), 1):
            job_render = jobs[done - 1][3]
            if found is not None and (found.frames or not job_render):
                if found.key.startswith("gan-"):
                    limit = gan if job_render else probes - gan
                    if kept[job_render] >= limit:
                        continue
                    kept[job_render] += 1
                out.append(found)
            if done % 200 == 0:
                print(f"  {done}/{len(jobs)} done, {time.perf_counter() - t:.0f} s", flush=True)
    print(
        f"identities: {len(out)} ({kept[True]} GAN rendered, {kept[False]} GAN probes only), "
        f"{time.perf_counter() - t:.0f} s",
        flush=True,
    )
    return out


# --- statistics ------------------------------------------------------------------------------------


@dataclass
class Tail:
    """FMR(t) estimated from a sample of impostor scores."""

    n: int
    mean: float
    sd: float
    u: float  # tail threshold: the 99.9th percentile
    p_u: float  # share of scores above u
    shape: float  # GPD maximum-likelihood shape (xi) and scale of the exceedances over u
    scale: float
    mean_excess: float  # the exponential tail's scale (xi = 0)
    scores: np.ndarray
    boot: np.ndarray  # (B, 2): GPD (shape, scale) refitted on bootstrap resamples of the exceedances

    @classmethod
    def fit(cls, scores: np.ndarray, quantile: float = 0.999) -> Tail:
        from scipy.stats import genpareto

        scores = np.asarray(scores, dtype=np.float64)
        u = float(np.quantile(scores, quantile))
        excess = scores[scores > u] - u
        shape, _, scale = genpareto.fit(excess, floc=0.0)
        rng = np.random.default_rng(1)
        boot = np.array([genpareto.fit(rng.choice(excess, len(excess)), floc=0.0)[::2] for _ in range(BOOTSTRAP)])
        return cls(
            n=len(scores),
            mean=float(scores.mean()),
            sd=float(scores.std()),
            u=u,
            p_u=len(excess) / len(scores),
            shape=float(shape),
            scale=float(scale),
            mean_excess=float(excess.mean()),
            scores=scores,
            boot=boot,
        )

    def gpd(self, t: float) -> float:
        """The GPD fit (xi < 0: the tail ends, as cosine is bounded)."""
        from scipy.stats import genpareto

        if t <= self.u:
            return float(np.mean(self.scores >= t))
        return self.p_u * float(genpareto.sf(t - self.u, self.shape, loc=0.0, scale=self.scale))

    def gpd_upper(self, t: float) -> float:
        """The 95% upper bound of the GPD estimate (bootstrap of the exceedances): the design estimate."""
        from scipy.stats import genpareto

        if t <= self.u:
            return float(np.mean(self.scores >= t))
        rates = [genpareto.sf(t - self.u, xi, loc=0.0, scale=sc) for xi, sc in self.boot]
        return self.p_u * float(np.quantile(rates, 0.95))

    def exponential(self, t: float) -> float:
        """The exponential tail (xi = 0): the pessimistic end of light tails, the design estimate."""
        if t <= self.u:
            return float(np.mean(self.scores >= t))
        return self.p_u * float(np.exp(-(t - self.u) / self.mean_excess))

    def normal(self, t: float) -> float:
        from scipy.stats import norm

        return float(norm.sf((t - self.mean) / self.sd))

    def counted(self, t: float) -> tuple[int, float]:
        """(count at or above t, 95% upper bound of the rate: Poisson)."""
        from scipy.stats import chi2

        k = int(np.sum(self.scores >= t))
        return k, float(chi2.ppf(0.95, 2 * (k + 1)) / 2 / self.n)

    def threshold_for(self, rate: float, model: str = "gpd_upper") -> float:
        """The smallest t (0.005 steps) whose estimated FMR is at most `rate`."""
        estimate = getattr(self, model)
        for t in np.arange(0.3, 1.0001, 0.005):
            if estimate(float(t)) <= rate:
                return round(float(t), 3)
        return 1.0

    def endpoint(self) -> float:
        """Where the GPD fit ends (xi < 0): no impostor score beyond it."""
        return self.u - self.scale / self.shape if self.shape < 0 else float("inf")


def _fmt(x: float) -> str:
    return f"{x:.2e}" if x else "0"


def report_tail(name: str, tail: Tail, thresholds: list[float]) -> None:
    print(
        f"\n{name}: {tail.n:,} pairs; mean {tail.mean:.3f}, sd {tail.sd:.3f}, p99.9 {tail.u:.3f}, "
        f"max {tail.scores.max():.3f}; over p99.9: GPD xi {tail.shape:.3f}, scale {tail.scale:.4f} "
        f"(ends at {tail.endpoint():.3f}), xi 95% interval {np.quantile(tail.boot[:, 0], 0.025):.3f} to "
        f"{np.quantile(tail.boot[:, 0], 0.975):.3f}; mean excess {tail.mean_excess:.4f}"
    )
    print(
        "   t     counted (95% bound)   FMR: normal  GPD        GPD 95% up  exponential | "
        "false hits/scan at 1M: GPD 95% up / exp"
    )
    for t in thresholds:
        k, up = tail.counted(t)
        print(
            f"  {t:.3f}  {k:>7} ({_fmt(up):>8})     {_fmt(tail.normal(t)):>9}  {_fmt(tail.gpd(t)):>9}  "
            f"{_fmt(tail.gpd_upper(t)):>9}  {_fmt(tail.exponential(t)):>9}   | "
            f"{TARGET * tail.gpd_upper(t):.3g} / {TARGET * tail.exponential(t):.3g}"
        )


# --- the analysis ----------------------------------------------------------------------------------


@dataclass
class Data:
    keys: list[str]
    real: np.ndarray  # per identity: a real photo (not GAN)
    lfw: np.ndarray  # per identity: from the LFW subset
    enrollment: np.ndarray  # (identities, 128)
    owners: np.ndarray  # per track: its identity's index, -1 for nobody's
    frames: list[np.ndarray]  # per track: (n, 128)
    lengths: np.ndarray  # per track: sampled frames
    full: np.ndarray  # per track: the multi-frame template (what the index stores)

    @classmethod
    def of(cls, people: list[Rendered]) -> Data:
        keys = [p.key for p in people]
        owners, frames = [], []
        for i, p in enumerate(people):
            for j, f in enumerate(p.frames):
                owners.append(i if j == 0 else -1)
                frames.append(f)
        return cls(
            keys=keys,
            real=np.array([not k.startswith("gan-") for k in keys]),
            lfw=np.array([k.startswith("lfw-") for k in keys]),
            enrollment=np.stack([p.enrollment for p in people]).astype(np.float32),
            owners=np.array(owners),
            frames=frames,
            lengths=np.array([len(f) for f in frames]),
            full=np.stack([_template(f, None) for f in frames]).astype(np.float32),
        )

    def impostors(self, templates: np.ndarray, track_owner: np.ndarray) -> np.ndarray:
        """Every enrollment template against every track template of another identity (LFW against
        LFW left out: unlabelled, and LFW repeats people)."""
        scores = self.enrollment @ templates.T
        other = track_owner[None, :] != np.arange(len(self.keys))[:, None]
        owner_lfw = np.where(track_owner >= 0, self.lfw[np.maximum(track_owner, 0)], False)
        other &= ~(self.lfw[:, None] & owner_lfw[None, :])
        return scores[other]


def _template(f: np.ndarray, k: int | None) -> np.ndarray:
    return _normalise(np.mean(f[:k] if k else f, axis=0))


@dataclass(frozen=True)
class Knobs:
    old: float
    published: float
    draft: float
    margin: float
    min_frames: int

    @property
    def thresholds(self) -> list[float]:
        return sorted({0.4, self.old, 0.55, 0.6, 0.65, 0.7, 0.75, self.published, 0.8, self.draft, 0.85})


def impostor_tails(data: Data, knobs: Knobs) -> Tail:
    """Impostor distributions: single frames, k-frame and full-track templates, with the quality gate;
    the gated multi-frame tail (what decides a reveal) is returned."""
    single_t = np.concatenate(data.frames)
    single_o = np.concatenate([np.full(len(f), o) for f, o in zip(data.frames, data.owners, strict=True)])
    tails = {"single-frame templates (each sampled frame)": Tail.fit(data.impostors(single_t, single_o))}
    for k in LENGTHS[1:]:
        keep = np.where(data.lengths >= k)[0]
        templates = np.stack([_template(data.frames[i], k) for i in keep])
        tails[f"{k}-frame templates (first {k} frames of tracks with >= {k})"] = Tail.fit(
            data.impostors(templates, data.owners[keep])
        )
    tails["multi-frame track templates, all tracks"] = Tail.fit(data.impostors(data.full, data.owners))
    gated = data.lengths >= knobs.min_frames
    chosen = Tail.fit(data.impostors(data.full[gated], data.owners[gated]))
    tails[f"multi-frame track templates with the quality gate (>= {knobs.min_frames} frames)"] = chosen
    for name, tail in tails.items():
        report_tail(name, tail, knobs.thresholds)

    scores = data.enrollment @ data.full[gated].T
    owner = data.owners[gated]
    other = owner[None, :] != np.arange(len(data.keys))[:, None]
    track_real = np.where(owner >= 0, data.real[np.maximum(owner, 0)], False)
    print("\nby population (gated multi-frame; real faces only meet GAN faces):")
    for name, rows, cols in (
        ("real probes vs GAN tracks", data.real[:, None], ~track_real[None, :]),
        ("GAN probes vs GAN tracks", ~data.real[:, None], ~track_real[None, :]),
        ("GAN probes vs real tracks", ~data.real[:, None], track_real[None, :]),
    ):
        part = scores[other & rows & cols]
        if len(part) > 10_000:
            tail = Tail.fit(part)
            print(
                f"  {name}: {len(part):,} pairs, mean {tail.mean:.3f}, p99.9 {tail.u:.3f}, max {part.max():.3f}; "
                f"exponential-tail FMR at {knobs.old}: {_fmt(tail.exponential(knobs.old))}, at {knobs.published}: "
                f"{_fmt(tail.exponential(knobs.published))}, at {knobs.draft}: {_fmt(tail.exponential(knobs.draft))}"
            )
    return chosen


def genuine(data: Data, knobs: Knobs) -> None:
    """Each identity's enrollment template against its own track: the miss rate at each operating point
    (a miss is shown as a possible match, not lost), and what the margin costs and buys."""
    own = data.owners[data.owners >= 0]
    tracks = np.where(data.owners >= 0)[0]
    multi = np.einsum("ij,ij->i", data.enrollment[own], data.full[tracks])
    single = np.concatenate([data.frames[n] @ data.enrollment[i] for n, i in zip(tracks, own, strict=True)])
    scores = data.full[tracks] @ data.enrollment.T  # own tracks × identities
    others = scores.copy()
    others[np.arange(len(own)), own] = -2.0
    gap = multi - others.max(axis=1)
    gate = data.lengths[tracks] >= knobs.min_frames
    print(
        f"\ngenuine (enrollment template vs own track): {len(multi)} tracks; multi-frame median "
        f"{np.median(multi):.3f}, p10 {np.quantile(multi, 0.1):.3f}, p5 {np.quantile(multi, 0.05):.3f}; "
        f"single-frame median {np.median(single):.3f}, p10 {np.quantile(single, 0.1):.3f}; margin over the best "
        f"other enrolled identity: p1 {np.quantile(gap, 0.01):.3f}, min {gap.min():.3f}"
    )
    print("  operating point                    t       miss: multi-frame  single frame  with gate and margin")
    for name, t in (
        ("MATCH_THRESHOLD (tagging)", knobs.old),
        ("REVEAL_PUBLISHED_THRESHOLD", knobs.published),
        ("REVEAL_DRAFT_THRESHOLD", knobs.draft),
    ):
        full_bar = np.mean(~((multi >= t) & gate & (gap >= knobs.margin)))
        print(
            f"  {name:<32} {t:.3f}   {np.mean(multi < t):>8.3f}          {np.mean(single < t):>8.3f}"
            f"      {full_bar:.3f}"
        )
    for name, sub in (("real", data.real[own]), ("GAN", ~data.real[own])):
        if sub.any():
            print(
                f"  {name} identities ({int(sub.sum())}): miss at {knobs.published}: "
                f"{np.mean(multi[sub] < knobs.published):.3f}, "
                f"at {knobs.draft}: {np.mean(multi[sub] < knobs.draft):.3f}"
            )
    # Impostors whose face's owner is enrolled: the look-alike must also beat the real person by the margin.
    top2 = np.sort(scores, axis=1)[:, -2:]
    for t in (knobs.old, knobs.published, knobs.draft):
        above = scores >= t
        above[np.arange(len(own)), own] = False
        passes = above & (scores == top2[:, 1:]) & ((top2[:, 1] - top2[:, 0])[:, None] >= knobs.margin)
        print(
            f"  margin {knobs.margin} at {t:.3f}: impostor pairs above t {int(above.sum())} "
            f"of {scores.size - len(own):,}; "
            f"left with the margin (the face's owner enrolled): {int(passes.sum())}"
        )


def scale_check(data: Data, knobs: Knobs, synthetic: int) -> None:
    """Every enrollment template scanned against TARGET tracks: face-like synthetic ones and the
    rendered ones; false hits per scan, counted."""
    from benchmarks import likeness

    started = time.perf_counter()
    rng = np.random.default_rng(7)
    residuals = np.concatenate([f - _template(f, None) for f in data.frames])
    picks = rng.choice(data.lengths, size=synthetic)
    hits = dict.fromkeys(knobs.thresholds, 0)
    gated = dict.fromkeys(knobs.thresholds, 0)
    chunk = 50_000
    for start in range(0, synthetic, chunk):
        ids = np.arange(10_000_000 + start, 10_000_000 + min(synthetic, start + chunk))
        centres = likeness._centres(ids)
        k = picks[start : start + len(ids)]
        noise = np.zeros_like(centres)
        for n in np.unique(k):
            rows = np.where(k == n)[0]
            noise[rows] = residuals[rng.integers(0, len(residuals), size=(len(rows), int(n)))].mean(axis=1)
        s = data.enrollment @ _normalise(centres + noise).astype(np.float32).T
        for t in knobs.thresholds:
            above = s >= t
            hits[t] += int(above.sum())
            gated[t] += int((above & (k >= knobs.min_frames)[None, :]).sum())
    rendered = data.enrollment @ data.full.T
    rendered_other = data.owners[None, :] != np.arange(len(data.keys))[:, None]
    scans = len(data.keys)
    print(
        f"\nscale check: {scans} scans (one per enrollment template) of {synthetic + len(data.frames):,} tracks "
        f"({synthetic:,} face-like synthetic + {len(data.frames)} rendered), {time.perf_counter() - started:.0f} s"
    )
    print("   t      false hits per scan     with the quality gate")
    for t in knobs.thresholds:
        extra = int(((rendered >= t) & rendered_other).sum())
        print(
            f"  {t:.3f}   {(hits[t] + extra) / scans:.4f} ({hits[t] + extra} in all)"
            f"      {(gated[t] + extra) / scans:.4f}"
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--gan", type=int, default=500, help="DCGAN identities rendered (faces of nobody)")
    parser.add_argument("--probes", type=int, default=1000, help="DCGAN identities in all as probes (>= --gan)")
    parser.add_argument("--synthetic", type=int, default=TARGET, help="face-like track templates (scale check)")
    parser.add_argument("--workers", type=int, default=2)
    args = parser.parse_args()

    setup_django()
    from cameos.conf import conf

    faces = conf()
    knobs = Knobs(
        old=faces.match_threshold,
        published=faces.reveal_published_threshold,
        draft=faces.reveal_draft_threshold,
        margin=faces.reveal_margin,
        min_frames=faces.track_min_frames,
    )
    started = time.perf_counter()
    data = Data.of(identities(args.gan, max(args.gan, args.probes), args.workers))
    print(
        f"tracks: {len(data.frames)} ({int(np.sum(data.owners < 0))} nobody's); sampled frames per track: median "
        f"{np.median(data.lengths):.0f}, min {data.lengths.min()}, max {data.lengths.max()}"
    )
    chosen = impostor_tails(data, knobs)
    genuine(data, knobs)
    if args.synthetic > len(data.frames):
        scale_check(data, knobs, args.synthetic - len(data.frames))

    print("\nsummary: expected false hits per scan at 1M tracks (gated multi-frame impostor tail)")
    for name, t in (
        ("before: MATCH_THRESHOLD revealed", knobs.old),
        ("REVEAL_PUBLISHED_THRESHOLD", knobs.published),
        ("REVEAL_DRAFT_THRESHOLD", knobs.draft),
    ):
        k, up = chosen.counted(t)
        print(
            f"  {name:<34} {t:.3f}: GPD 95% upper bound {TARGET * chosen.gpd_upper(t):.3g} (GPD "
            f"{TARGET * chosen.gpd(t):.3g}, exponential tail {TARGET * chosen.exponential(t):.3g}, normal "
            f"{TARGET * chosen.normal(t):.3g}); counted {k} of {chosen.n:,} (95% bound {TARGET * up:.3g})"
        )
    for rate, label in ((1e-8, "0.01"), (1e-9, "0.001")):
        print(
            f"  threshold for {label} false hits per scan at 1M: GPD 95% upper bound {chosen.threshold_for(rate)}, "
            f"GPD {chosen.threshold_for(rate, 'gpd')}, exponential tail {chosen.threshold_for(rate, 'exponential')}, "
            f"normal {chosen.threshold_for(rate, 'normal')}"
        )
    print(f"total {time.perf_counter() - started:.0f} s")


if __name__ == "__main__":
    main()
