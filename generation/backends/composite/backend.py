"""The backend: a request's shot painted once (scene or uploaded image, figures, camera path), then
composed frame by frame.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass

import cv2
import numpy as np

from generation.backends.base import Audio, BackendError, Progress, Rendering, RenderRequest
from generation.backends.composite import ambience
from generation.backends.composite.camera import (
    Camera,
    _camera_path,
    _covered_from,
    _draw_layer,
    _layer_matrix,
    _warp_rows,
)
from generation.backends.composite.common import (
    FACE_SHARE,
    HEAD_Y,
    LIGHTS,
    MARGIN_X,
    MARGIN_Y,
    MAX_CAMEOS,
    Light,
    Scene,
    _rng,
)
from generation.backends.composite.figures import ACTIONS, Figure, _clothes, _draw_figures, make_figure
from generation.backends.composite.painting import Ctx, Layer
from generation.backends.composite.particles import Particles, _particles
from generation.backends.composite.plan import plan_scene
from generation.backends.composite.scenes import SETTINGS
from generation.backends.composite.speech import Speech, speak


def cover_region(image: np.ndarray, width: int, height: int) -> np.ndarray:
    """The centre of `image` (BGR) at the aspect of width × height, at its own resolution: the part of
    the image a cover crop to that size shows. Cropping it again, to any size, only removes pixels."""
    if image.ndim == 2:
        image = cv2.cvtColor(image, cv2.COLOR_GRAY2BGR)
    image = image[:, :, :3]
    h, w = image.shape[:2]
    crop_w, crop_h = min(w, max(1, round(h * width / height))), min(h, max(1, round(w * height / width)))
    y0, x0 = (h - crop_h) // 2, (w - crop_w) // 2
    return image[y0 : y0 + crop_h, x0 : x0 + crop_w]


def _cover(image: np.ndarray, width: int, height: int) -> np.ndarray:
    """`image` centre-cropped to the aspect of width × height and scaled to exactly that size. Cropped
    first: a 64 × 8,000 strip scaled before cropping would cover a 1024-wide frame at 128,000 rows."""
    crop = cover_region(image, width, height)
    crop_w = crop.shape[1]
    shrinking = width < crop_w
    resized = cv2.resize(crop, (width, height), interpolation=cv2.INTER_AREA if shrinking else cv2.INTER_CUBIC)
    return np.ascontiguousarray(resized)


def cover_crop(image: np.ndarray, width: int, height: int) -> np.ndarray:
    """Public helper: an image (any size and aspect, BGR) cover-cropped to width × height."""
    return _cover(image, width, height)


def _image_layers(image: np.ndarray, width: int, height: int) -> list[Layer]:
    """An uploaded image as two layers: a blurred copy behind, the sharper centre in front."""
    k = 1.15  # canvas resolution over the frame's, so the zoom stays sharp
    cw, ch = round(width * k), round(height * k)
    # The frame's region first: the canvas's rounded size has a slightly different aspect, and what
    # is shown must stay within what the consent gate checked (generation.uploads.as_rendered).
    sharp = _cover(cover_region(image, width, height), cw, ch)
    blurred = cv2.GaussianBlur(sharp, (0, 0), max(2.0, 0.012 * cw))
    back = Layer(np.dstack([blurred, np.full((ch, cw), 255, np.uint8)]), 0.3, scale=1.04 / k)
    mask = np.zeros((ch, cw), np.uint8)
    cv2.ellipse(mask, (cw // 2, ch // 2), (int(cw * 0.4), int(ch * 0.4)), 0, 0, 360, 255, -1)
    feather = cv2.GaussianBlur(mask, (0, 0), 0.08 * min(cw, ch))
    front = Layer(np.dstack([sharp, feather]), 1.0, scale=1.0 / k)
    return [back, front]


@dataclass(frozen=True)
class Shot:
    """Everything painted once for a request; frames are then only warps and composites of it."""

    scene: Scene
    layers: list[Layer]  # back to front; the first is opaque
    particles: Particles | None
    cameras: list[Camera]  # one per frame
    figures: list[Figure]
    openings: np.ndarray | None = None  # (figures, frames): mouth openings while a figure speaks


def _figures(request: RenderRequest, light: Light) -> list[Figure]:
    count = len(request.cameos)
    if not count:
        return []
    face_px = max(24, round(FACE_SHARE[count] * min(request.width, request.height)))
    tint = (np.array(light.grade, np.float32) * 0.5 + 0.5)[::-1].copy()  # half the scene's grade, BGR
    reach = request.height * (1.12 - HEAD_Y)  # below the frame's bottom edge, whatever the bob and zoom
    rng = _rng(request.seed, 7)
    return [make_figure(c.crops[0], face_px, _clothes(c, rng), tint, reach) for c in request.cameos]


def plan_shot(request: RenderRequest) -> Shot:
    """Paint the scene (or prepare the uploaded image), the figures and the camera path of a request."""
    width, height, seed = request.width, request.height, request.seed
    if request.image is not None:
        planned = plan_scene(request.full_prompt, seed)
        direction = 1 if _rng(seed, 2).random() < 0.5 else -1
        scene = Scene("image", "day", "ken_burns", planned.action, "none", direction)
        layers, light = _image_layers(request.image, width, height), LIGHTS["day"]
    else:
        scene = plan_scene(request.full_prompt, seed)
        light = LIGHTS[scene.lighting]
        canvas_w, canvas_h = round(width * (1 + 2 * MARGIN_X)), round(height * (1 + 2 * MARGIN_Y))
        jitter = _rng(seed, 3).uniform(0.92, 1.08, 3).astype(np.float32)
        layers = SETTINGS[scene.setting].paint(Ctx(canvas_w, canvas_h, _rng(seed, 4), light, scene, jitter))
    return Shot(
        scene=scene,
        layers=layers,
        particles=_particles(scene.weather, width, height, _rng(seed, 5)),
        cameras=_camera_path(scene.motion, scene.direction, request.frame_count, _rng(seed, 6), width),
        figures=_figures(request, light),
    )


def compose(shot: Shot, index: int, width: int, height: int, fps: int) -> np.ndarray:
    """Frame `index` of a shot: each layer warped by the camera (only the rows no nearer layer
    covers), the particles, then the figures."""
    camera, layers = shot.cameras[index], shot.layers
    matrices = [_layer_matrix(layer, camera, width, height) for layer in layers]
    stops = [height] * len(layers)  # stops[k]: the row from which a layer in front of layer k covers all
    for k in range(len(layers) - 2, -1, -1):
        stops[k] = min(stops[k + 1], _covered_from(layers[k + 1], matrices[k + 1], height))
    frame = np.empty((height, width, 3), np.uint8)
    if stops[0] > 0:
        _warp_rows(frame, layers[0].bgr, matrices[0], 0, stops[0])
    for k in range(1, len(layers)):
        _draw_layer(frame, layers[k], matrices[k], stops[k])
    seconds = index / fps
    if shot.particles is not None:
        shot.particles.add(frame, seconds)
    _draw_figures(
        frame,
        shot.figures,
        camera,
        motion=ACTIONS[shot.scene.action],
        direction=shot.scene.direction,
        seconds=seconds,
        t=index / max(1, len(shot.cameras) - 1),
        openings=None if shot.openings is None else shot.openings[:, min(index, shot.openings.shape[1] - 1)],
    )
    return frame


class CompositeBackend:
    """Renders a prompt as an animated layered scene with the cameos' faces on moving figures."""

    name = "composite"

    def render(self, request: RenderRequest, progress: Progress) -> Rendering:
        """Yield exactly request.frame_count BGR uint8 frames of request.height × request.width."""
        width, height, fps, count = request.width, request.height, request.fps, request.frame_count
        if width < 16 or height < 16 or fps < 1:
            raise BackendError(f"Cannot render {width}×{height} at {fps} fps.")
        if len(request.cameos) > MAX_CAMEOS:
            raise BackendError(f"The composite backend places at most {MAX_CAMEOS} cameos in a video.", public=True)
        for cameo in request.cameos:
            if not cameo.crops:
                raise BackendError(f"Cameo @{cameo.handle} has no reference crop.")
        shot = plan_shot(request)
        seconds = count / fps
        speech = speak(request.prompt, [c.handle for c in request.cameos], seconds=seconds, fps=fps)
        if speech is not None and len(speech.openings):
            shot = dataclasses.replace(shot, openings=speech.openings)
        for index in range(count):
            frame = compose(shot, index, width, height, fps)
            progress((index + 1) / count)
            yield frame
        return Audio(mix(ambience.bed(shot.scene, seconds, request.seed), speech), ambience.RATE)


def mix(bed: np.ndarray, speech: Speech | None) -> np.ndarray:
    """The ambience bed under the speech: BED_UNDER_DB below the spoken lines (by RMS), and ducked by
    half more while someone speaks. Without speech, the bed alone (the pipeline sets its loudness)."""
    out = bed.astype(np.float32)
    if speech is None:
        return out
    voice = speech.samples[: len(out)]
    spoken, level = _rms(voice[np.abs(voice) > 1e-4]), _rms(out)
    if level > 0 and spoken > 0:
        out *= np.float32(spoken * 10 ** (-BED_UNDER_DB / 20) / level)
    # The ducking envelope: the speech's loudness smoothed over 50 ms, so the bed dips and recovers softly.
    window = max(1, int(0.05 * ambience.RATE))
    envelope = np.convolve(np.abs(voice), np.ones(window, np.float32) / window, mode="same")
    duck = 1.0 - 0.5 * np.clip(envelope / (float(envelope.max()) or 1.0) * 3.0, 0.0, 1.0)
    out[: len(voice)] = out[: len(voice)] * duck + voice
    return out


def _rms(samples: np.ndarray) -> float:
    return float(np.sqrt(np.mean(samples.astype(np.float64) ** 2))) if len(samples) else 0.0


BED_UNDER_DB = 14.0  # the ambience under speech, by RMS: a dialogue mix's usual 12–18 dB
