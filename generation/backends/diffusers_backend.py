"""The `diffusers` backend: a text-to-video, image-to-video or identity-preserving pipeline of the
diffusers library, loaded from a local folder (never downloaded at run time).

Pointing a GPU worker at real weights
-------------------------------------
1. On a machine with network access, download a pipeline folder, for example one of::

       huggingface-cli download damo-vilab/text-to-video-ms-1.7b --local-dir /models/text-to-video-ms-1.7b
       huggingface-cli download THUDM/CogVideoX-5b-I2V --local-dir /models/CogVideoX-5b-I2V
       huggingface-cli download BestWishYsh/ConsisID-preview --local-dir /models/ConsisID-preview

   (or load any pipeline once and `pipeline.save_pretrained("/models/name")`), and copy the folder to
   the GPU host. It must contain `model_index.json`.
2. Set on that host (generation/conf.py): `CASTFEED_GENERATION_BACKEND=diffusers`,
   `CASTFEED_GENERATION_DIFFUSERS_PIPELINE_PATH=/models/<name>`, `CASTFEED_GENERATION_DIFFUSERS_DEVICE=cuda`,
   `CASTFEED_GENERATION_DIFFUSERS_DTYPE=float16` (or `bfloat16`: CogVideoX and ConsisID are trained in
   bfloat16), optionally `CASTFEED_GENERATION_DIFFUSERS_STEPS` (default 25).
3. Run the worker for the generation queue there: `celery -A config worker -Q generation`.

ConsisID (`ConsisIDPipeline`) also needs the face models its authors ship in the repository's
`face_encoder/` folder (antelopev2 from insightface, facexlib's RetinaFace and BiSeNet, EVA02-CLIP-L)
and these packages on the worker: `pip install insightface onnxruntime-gpu facexlib consisid_eva_clip
torchvision`. Without them the backend raises BackendError; it never renders ConsisID without the
identity features.

What the backend does with a request
------------------------------------
- The pipeline class (from `model_index.json`) decides the inputs: text-to-video pipelines get
  `request.full_prompt`; image-to-video pipelines also get the uploaded image (the part of it the
  video shows, then cover-cropped to the model's size), or when there is none,
  the first cameo's reference face on a plain figure against a neutral background (or the composite
  backend's first frame when there is no cameo either); ConsisID gets the first cameo's reference
  crop and the identity features computed from it.
- It renders at the model's native pixel count (its defaults or component configs) in the request's
  aspect ratio, rounded to what the model supports, and the model's native number of frames; then
  resamples the clip in time to exactly `request.frame_count` frames and cover-crops each frame to
  `request.width × request.height`. A `torch.Generator` seeded with `request.seed` makes the result
  reproducible on one machine.
- Sound: `LTX2Pipeline`, `LTX2ImageToVideoPipeline` and `Kandinsky6TI2VAPipeline` make the video and
  its audio together. For them the backend asks for the request's duration (and 0.1 s more) at the
  model's own frame rate instead of its native length, keeps the frames up to the request's last
  one, and returns the model's waveform as `Audio` at the rate of its vocoder (LTX-2) or audio VAE
  (Kandinsky 6), not resampled: the generation pipeline resamples it and fits it to the video.
  Kandinsky 6 takes the uploaded image (or the first cameo's face on a plain figure) when there is
  one, else the prompt alone. Loading Kandinsky 6 needs `accelerate` (pinned). Every other pipeline
  returns no sound (None).
- Progress: each denoising step reports `step / steps × 0.9` (through `callback_on_step_end`, or the
  pipeline's progress bar for pipelines without it); the last 10 % are the output frames.
"""

from __future__ import annotations

import importlib.util
import inspect
import json
import math
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import cv2
import numpy as np
import torch

from generation.backends import diffusers_audio as sound
from generation.backends.base import BackendError, Progress, Rendering, RenderRequest
from generation.backends.composite import cover_crop, cover_region, make_figure
from generation.backends.composite.backend import compose, plan_shot

TEXT_TO_VIDEO = frozenset(
    {
        "TextToVideoSDPipeline",
        "CogVideoXPipeline",
        "WanPipeline",
        "LTXPipeline",
        "MochiPipeline",
        "HunyuanVideoPipeline",
        "AnimateDiffPipeline",
        "AllegroPipeline",
    }
    | sound.SOUND_TEXT_TO_VIDEO
    | sound.OPTIONAL_IMAGE  # text and, when there is one, an image
)
IMAGE_TO_VIDEO = frozenset(
    {
        "I2VGenXLPipeline",
        "CogVideoXImageToVideoPipeline",
        "StableVideoDiffusionPipeline",
        "WanImageToVideoPipeline",
        "LTXImageToVideoPipeline",
    }
    | sound.SOUND_IMAGE_TO_VIDEO
)
IDENTITY = frozenset({"ConsisIDPipeline"})
SUPPORTED = TEXT_TO_VIDEO | IMAGE_TO_VIDEO | IDENTITY

CONSISID_MODULES = ("insightface", "onnxruntime", "facexlib", "consisid_eva_clip", "torchvision")
CONSISID_HELP = (
    "ConsisID needs its face models on the worker: install `insightface onnxruntime-gpu facexlib "
    "consisid_eva_clip torchvision` and use the full BestWishYsh/ConsisID-preview download, whose "
    "face_encoder/ folder holds antelopev2, the facexlib detection/parsing weights and EVA02-CLIP-L."
)
DTYPES = {
    "float32": torch.float32,
    "fp32": torch.float32,
    "float16": torch.float16,
    "fp16": torch.float16,
    "half": torch.float16,
    "bfloat16": torch.bfloat16,
    "bf16": torch.bfloat16,
}
STEP_SHARE = 0.9  # of the progress bar: denoising; the rest is producing the output frames
NEUTRAL = ((0xE4, 0xE2, 0xDE), (0xB8, 0xB6, 0xB2))  # BGR top and bottom of the plain backdrop

_pipelines: dict[tuple[str, str, str], Any] = {}
_face_models: dict[tuple[str, str, str], tuple[Any, ...]] = {}
_lock = threading.Lock()


def pipeline_class(path: Path) -> str:
    """The pipeline class named in a saved pipeline folder's model_index.json."""
    index = path / "model_index.json"
    if not index.is_file():
        raise BackendError(
            f"{path} is not a diffusers pipeline folder (no model_index.json). Download one with "
            "`huggingface-cli download <repo> --local-dir <folder>` or save one with pipeline.save_pretrained()."
        )
    try:
        name = json.loads(index.read_text())["_class_name"]
    except (ValueError, KeyError) as error:
        raise BackendError(f"{index} names no pipeline class ({error}).") from error
    return str(name)


def _cameo_crop(request: RenderRequest) -> bool:
    return bool(request.cameos and request.cameos[0].crops)


def _missing_consisid_modules() -> list[str]:
    return [name for name in CONSISID_MODULES if importlib.util.find_spec(name) is None]


class DiffusersBackend:
    """A diffusers video pipeline from a local folder, loaded once per process and device."""

    def __init__(
        self,
        path: str | Path,
        *,
        device: str = "cpu",
        steps: int = 25,
        dtype: str = "float32",
        size: tuple[int, int] | None = None,
    ) -> None:
        """`path`: a folder saved with save_pretrained (model_index.json and the components);
        `size`: generate at this width × height instead of the model's native pixel count."""
        if not str(path):
            raise BackendError(
                "The diffusers backend needs a pipeline folder: set CASTFEED_GENERATION_DIFFUSERS_PIPELINE_PATH "
                "(see generation/backends/diffusers_backend.py for how to get one)."
            )
        self.path = Path(path).expanduser().resolve()
        if not self.path.is_dir():
            raise BackendError(f"CASTFEED_GENERATION_DIFFUSERS_PIPELINE_PATH {self.path} is not a folder.")
        if str(dtype).lower() not in DTYPES:
            raise BackendError(
                f"Unknown CASTFEED_GENERATION_DIFFUSERS_DTYPE {dtype!r}: use float32, float16 or bfloat16."
            )
        if steps < 1:
            raise BackendError("CASTFEED_GENERATION_DIFFUSERS_STEPS must be at least 1.")
        self.device, self.steps, self.dtype, self.size = device, int(steps), str(dtype).lower(), size
        self.pipeline_class = pipeline_class(self.path)
        if self.pipeline_class not in SUPPORTED:
            raise BackendError(
                f"Unsupported pipeline {self.pipeline_class} in {self.path}: use a text-to-video "
                f"({', '.join(sorted(TEXT_TO_VIDEO))}), image-to-video ({', '.join(sorted(IMAGE_TO_VIDEO))}) "
                "or identity-preserving (ConsisIDPipeline) pipeline."
            )
        if self.pipeline_class in IDENTITY:
            self._check_consisid()
        self.name = f"diffusers:{self.pipeline_class}"

    @classmethod
    def from_settings(cls) -> DiffusersBackend:
        """The backend configured by generation.conf (DIFFUSERS_PIPELINE_PATH, DIFFUSERS_DEVICE,
        DIFFUSERS_STEPS, DIFFUSERS_DTYPE; optional DIFFUSERS_SIZE as "720x480")."""
        from generation.conf import conf

        knobs = conf()
        return cls(
            knobs.diffusers_pipeline_path,
            device=knobs.diffusers_device,
            steps=knobs.diffusers_steps,
            dtype=knobs.diffusers_dtype,
            size=knobs.diffusers_frame_size,
        )

    # -- loading -----------------------------------------------------------------------------------

    def _check_consisid(self) -> None:
        missing = _missing_consisid_modules()
        if missing:
            raise BackendError(f"{CONSISID_HELP} Missing here: {', '.join(missing)}.")
        if not (self.path / "face_encoder").is_dir():
            raise BackendError(f"{CONSISID_HELP} Missing here: {self.path / 'face_encoder'}.")

    def pipeline(self) -> Any:
        """The loaded pipeline (cached per process by folder, device and dtype)."""
        key = (str(self.path), self.device, self.dtype)
        with _lock:
            found = _pipelines.get(key)
            if found is None:
                from diffusers import DiffusionPipeline

                try:
                    found = DiffusionPipeline.from_pretrained(
                        str(self.path), local_files_only=True, dtype=DTYPES[self.dtype]
                    )
                    found = found.to(self.device)
                except (OSError, ValueError, TypeError, RuntimeError, AssertionError) as error:
                    raise BackendError(f"Cannot load the pipeline in {self.path} on {self.device}: {error}") from error
                found.set_progress_bar_config(disable=True)
                _pipelines[key] = found
        return found

    # -- rendering ---------------------------------------------------------------------------------

    def render(self, request: RenderRequest, progress: Progress) -> Rendering:
        """Yield exactly request.frame_count BGR uint8 frames of request.height × request.width; return
        the model's sound (pipelines that make video and audio) or None."""
        pipe = self.pipeline()
        parameters = inspect.signature(pipe.__call__).parameters
        width, height = self.size or generation_size(pipe, parameters, request.width, request.height)
        multiple = max(size_multiple(pipe), sound.SIZE_MULTIPLE.get(self.pipeline_class, 1))
        width, height = _round_size(width, height, multiple)
        with_sound, frame_rate = self.pipeline_class in sound.SOUND, 0.0
        frames: int | None
        if with_sound:  # video and audio together: the request's duration at the model's frame rate
            frames, frame_rate = sound.clip_length(pipe, parameters, request.duration_s)
        else:
            frames = native_frames(pipe, parameters)
        arguments: dict[str, Any] = {
            "prompt": request.full_prompt,
            "height": height,
            "width": width,
            "num_inference_steps": self.steps,
            "generator": torch.Generator(device="cpu").manual_seed(request.seed % 2**63),
            "output_type": "np",
        }
        if frames:
            arguments["num_frames"] = frames
        if with_sound:
            arguments["frame_rate"] = frame_rate
            arguments["sample_audio"] = sound.has_sound(pipe)
        if "decode_chunk_size" in parameters and parameters["decode_chunk_size"].default is None:
            arguments["decode_chunk_size"] = 8
        optional = self.pipeline_class in sound.OPTIONAL_IMAGE
        if self.pipeline_class in IMAGE_TO_VIDEO or (optional and (request.image is not None or _cameo_crop(request))):
            arguments["image"] = self._start_image(request, width, height)
        elif self.pipeline_class in IDENTITY:
            arguments.update(self._identity_inputs(request))

        def report(fraction: float) -> None:
            progress(min(1.0, max(0.0, fraction)) * STEP_SHARE)

        with _reporting_steps(pipe, parameters, arguments, self.steps, report), torch.inference_mode():
            output = pipe(**{k: v for k, v in arguments.items() if k in parameters})
        video = video_frames(output)
        count = request.frame_count
        audio = None
        if with_sound:
            video = sound.covering(video, frame_rate, count, request.fps)
            audio = sound.read_audio(output, sound.audio_rate(pipe)) if sound.has_sound(pipe) else None
        for index, frame in enumerate(resample(video, count, request.width, request.height)):
            progress(STEP_SHARE + (1 - STEP_SHARE) * (index + 1) / count)
            yield frame
        return audio

    def _start_image(self, request: RenderRequest, width: int, height: int) -> Any:
        """The first frame an image-to-video model animates (PIL RGB, width × height)."""
        from PIL import Image

        if request.image is not None:
            # The video's region of the image first (what the consent gate checked, as_rendered), then
            # the model's size: a model whose size has another aspect only loses pixels of it, and
            # never shows a side of the upload that the video's crop removed.
            start = cover_crop(cover_region(request.image, request.width, request.height), width, height)
        elif _cameo_crop(request):
            start = portrait_card(request.cameos[0].crops[0], width, height)
        else:  # no picture at all: the composite backend's take on the prompt
            still = RenderRequest(request.full_prompt, [], None, 1 / 24, width, height, 24, request.seed)
            start = compose(plan_shot(still), 0, width, height, 24)  # the first frame only: no sound
        return Image.fromarray(cv2.cvtColor(start, cv2.COLOR_BGR2RGB))

    def _identity_inputs(self, request: RenderRequest) -> dict[str, Any]:
        """ConsisID's reference face and identity features (id_cond, id_vit_hidden, kps_cond)."""
        if not request.cameos or not request.cameos[0].crops:
            raise BackendError("ConsisID animates a reference face: the prompt must include a cameo.", public=True)
        self._check_consisid()
        from diffusers.pipelines.consisid.consisid_utils import prepare_face_models, process_face_embeddings_infer

        key = (str(self.path), self.device, self.dtype)
        with _lock:
            models = _face_models.get(key)
            if models is None:
                models = _face_models[key] = prepare_face_models(str(self.path), self.device, DTYPES[self.dtype])
        helper_1, helper_2, clip_model, analysis, mean, std = models
        crop = request.cameos[0].crops[0]
        rgb = cv2.cvtColor(crop if crop.ndim == 3 else cv2.cvtColor(crop, cv2.COLOR_GRAY2BGR), cv2.COLOR_BGR2RGB)
        id_cond, id_vit_hidden, image, face_kps = process_face_embeddings_infer(
            helper_1,
            clip_model,
            helper_2,
            mean,
            std,
            analysis,
            self.device,
            DTYPES[self.dtype],
            rgb,
            is_align_face=True,
        )
        return {"image": image, "id_cond": id_cond, "id_vit_hidden": id_vit_hidden, "kps_cond": face_kps}


# ---------------------------------------------------------------------------------------------------
# What the model supports


def _config_value(pipe: Any, component: str, key: str) -> Any:
    module = getattr(pipe, component, None)
    config = getattr(module, "config", None)
    return None if config is None else getattr(config, key, None)


def spatial_scale(pipe: Any) -> int:
    """Pixels per latent pixel of the pipeline's VAE."""
    for attribute in ("vae_scale_factor_spatial", "vae_spatial_compression_ratio", "vae_scale_factor"):
        value = getattr(pipe, attribute, None)
        if isinstance(value, int | float) and value >= 1:
            return int(value)
    return 8


def size_multiple(pipe: Any) -> int:
    """What the generated width and height must be multiples of (VAE scale × transformer patch, ≥ 16)."""
    patch = _config_value(pipe, "transformer", "patch_size") or 1
    if isinstance(patch, list | tuple):
        patch = patch[-1]
    return max(16, spatial_scale(pipe) * int(patch))


def native_size(pipe: Any, parameters: Any) -> tuple[int, int]:
    """The model's default width × height: the call's defaults, else its components' configs."""
    width, height = parameters.get("width"), parameters.get("height")
    if width is not None and height is not None and isinstance(width.default, int) and isinstance(height.default, int):
        return width.default, height.default
    scale = spatial_scale(pipe)
    sample_w, sample_h = (
        _config_value(pipe, "transformer", "sample_width"),
        _config_value(pipe, "transformer", "sample_height"),
    )
    if sample_w and sample_h:
        return int(sample_w) * scale, int(sample_h) * scale
    for component in ("unet", "transformer"):
        sample = _config_value(pipe, component, "sample_size")
        if isinstance(sample, int):
            return sample * scale, sample * scale
        if isinstance(sample, list | tuple) and len(sample) == 2:
            return int(sample[1]) * scale, int(sample[0]) * scale
    return 512, 512


def generation_size(pipe: Any, parameters: Any, width: int, height: int) -> tuple[int, int]:
    """The request's aspect ratio at the model's native pixel count (never more pixels than asked)."""
    native_w, native_h = native_size(pipe, parameters)
    area = min(native_w * native_h, width * height)
    aspect = width / height
    return round(math.sqrt(area * aspect)), round(math.sqrt(area / aspect))


def _round_size(width: int, height: int, multiple: int) -> tuple[int, int]:
    return max(multiple, round(width / multiple) * multiple), max(multiple, round(height / multiple) * multiple)


def native_frames(pipe: Any, parameters: Any) -> int | None:
    """The number of frames the model makes by default (None: let the pipeline decide)."""
    for name in ("num_frames", "video_length"):
        parameter = parameters.get(name)
        if parameter is not None and isinstance(parameter.default, int):
            return int(parameter.default)
    for component, key in (("unet", "num_frames"), ("transformer", "sample_frames")):
        value = _config_value(pipe, component, key)
        if isinstance(value, int) and value > 0:
            return value
    return None


# ---------------------------------------------------------------------------------------------------
# Progress


class _StepCounter:
    """Stands in for a pipeline's tqdm progress bar and reports each denoising step instead."""

    def __init__(self, report: Callable[[float], None], iterable: Any = None, total: int | None = None) -> None:
        self.report, self.iterable = report, iterable
        self.total = max(1, total if total is not None else len(iterable) if iterable is not None else 1)
        self.done = 0

    def __enter__(self) -> _StepCounter:
        return self

    def __exit__(self, *exc: object) -> None:
        return None

    def __iter__(self) -> Iterator[Any]:
        for item in self.iterable or ():
            yield item
            self.update()

    def update(self, n: int = 1) -> None:
        self.done += n
        self.report(self.done / self.total)


@contextmanager
def _reporting_steps(
    pipe: Any, parameters: Any, arguments: dict[str, Any], steps: int, report: Callable[[float], None]
) -> Iterator[None]:
    """Report denoising progress: through callback_on_step_end where the pipeline has it, else by
    standing in for its progress bar for the duration of the call."""
    if "callback_on_step_end" in parameters:

        def on_step_end(pipeline: Any, step: int, timestep: Any, values: dict[str, Any]) -> dict[str, Any]:
            total = getattr(pipeline, "num_timesteps", None) or steps
            report((step + 1) / max(1, int(total)))
            return values

        arguments["callback_on_step_end"] = on_step_end
        yield
        return
    pipe.progress_bar = lambda iterable=None, total=None: _StepCounter(report, iterable, total)
    try:
        yield
    finally:
        del pipe.progress_bar


# ---------------------------------------------------------------------------------------------------
# Inputs and outputs


def portrait_card(crop: np.ndarray, width: int, height: int) -> np.ndarray:
    """A cameo's reference face on a plain head-and-shoulders figure against a neutral backdrop (BGR)."""
    top, bottom = (np.array(c, np.float32) for c in NEUTRAL)
    t = np.linspace(0, 1, height, dtype=np.float32)[:, None, None]
    card = np.broadcast_to(top * (1 - t) + bottom * t, (height, width, 3)).astype(np.uint8)
    face_px = max(24, round(0.4 * min(width, height)))
    head_y = height * 0.42
    figure = make_figure(crop, face_px, (0x5A, 0x5A, 0x5A), np.ones(3, np.float32), height * 1.05 - head_y)
    fx, fy = figure.face
    matrix = np.array([[1, 0, width / 2 - fx], [0, 1, head_y - fy]], np.float64)
    sprite = cv2.warpAffine(figure.sprite, matrix, (width, height), flags=cv2.INTER_LINEAR, borderValue=(0, 0, 0, 0))
    alpha = sprite[:, :, 3:4].astype(np.float32) / 255.0
    return (sprite[:, :, :3] * alpha + card * (1 - alpha)).astype(np.uint8)


def _frame_list(frames: Any) -> list[Any]:
    """The first video of a batch as a list of frames (arrays or PIL images)."""
    if isinstance(frames, torch.Tensor):
        frames = frames.detach().float().cpu().numpy()
        if frames.ndim == 5:
            frames = frames[0]
        if frames.ndim == 4 and frames.shape[-1] not in (1, 3, 4):  # (frames, c, h, w) or (c, frames, h, w)
            frames = frames.transpose(0, 2, 3, 1) if frames.shape[1] in (1, 3, 4) else frames.transpose(1, 2, 3, 0)
    if isinstance(frames, np.ndarray):
        return list(frames[0] if frames.ndim == 5 else frames)
    items = list(frames)
    return list(items[0]) if items and isinstance(items[0], list | tuple) else items


def video_frames(output: Any) -> list[np.ndarray]:
    """A pipeline's output (numpy, PIL or torch; RGB in 0–1, -1–1 or 0–255) as BGR uint8 frames."""
    frames = getattr(output, "frames", None)
    if frames is None:
        frames = output[0] if isinstance(output, tuple | list) else output
    items = _frame_list(frames)
    if not items:
        raise BackendError("The pipeline returned no frames.")
    stack = np.stack([np.asarray(item) for item in items])
    if stack.dtype != np.uint8:
        values: np.ndarray = stack.astype(np.float32)
        if values.min() < -0.01:  # -1…1
            values = (values + 1) / 2
        if values.max() <= 1.0 + 1e-3:
            values = values * 255
        stack = np.clip(np.round(values), 0, 255).astype(np.uint8)
    if stack.ndim == 3:
        stack = stack[:, :, :, None]
    if stack.shape[-1] == 1:
        stack = np.repeat(stack, 3, axis=-1)
    return [np.ascontiguousarray(frame[:, :, 2::-1]) for frame in stack[..., :3]]


def resample(frames: list[np.ndarray], count: int, width: int, height: int) -> Iterator[np.ndarray]:
    """`count` frames spread evenly over the clip (neighbours blended linearly), each cover-cropped
    to width × height."""
    sized: dict[int, np.ndarray] = {}

    def at(index: int) -> np.ndarray:
        if index not in sized:
            sized[index] = cover_crop(frames[index], width, height)
        return sized[index]

    last = len(frames) - 1
    for j in range(count):
        position = j * last / (count - 1) if count > 1 else 0.0
        low = min(math.floor(position), last)
        high, weight = min(low + 1, last), position - low
        for done in [k for k in sized if k < low]:
            del sized[done]
        if weight < 1e-3 or high == low:
            yield at(low).copy()
        elif weight > 1 - 1e-3:
            yield at(high).copy()
        else:
            yield cv2.addWeighted(at(low), 1 - weight, at(high), weight, 0)
