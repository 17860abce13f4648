"""Checking an uploaded image by its content before anything is stored (API conventions: size, pixel
caps, a decode under a limit; a rejected upload leaves nothing behind)."""

from __future__ import annotations

import io
import warnings
from dataclasses import dataclass

import numpy as np
from PIL import Image, ImageOps

from core.exceptions import InvalidInput
from generation.backends.composite import cover_crop, cover_region
from generation.conf import conf

FORMATS = {"JPEG": "jpg", "PNG": "png", "WEBP": "webp"}


@dataclass(frozen=True)
class CheckedImage:
    data: bytes
    extension: str
    width: int
    height: int
    bgr: np.ndarray  # decoded, EXIF orientation applied


def _refuse(message: str) -> InvalidInput:
    return InvalidInput({"image": [message]}, detail=message)


def check_image(upload) -> CheckedImage:  # type: ignore[no-untyped-def]
    """An uploaded file that must be a JPEG, PNG or WebP image within the byte and pixel caps."""
    knobs = conf()
    size = getattr(upload, "size", None)
    if size is not None and size > knobs.image_max_bytes:
        raise _refuse(f"The image is larger than {knobs.image_max_bytes // (1024 * 1024)} MB.")
    data = upload.read(knobs.image_max_bytes + 1)
    if len(data) > knobs.image_max_bytes:
        raise _refuse(f"The image is larger than {knobs.image_max_bytes // (1024 * 1024)} MB.")
    if not data:
        raise _refuse("The image is empty.")
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            image = Image.open(io.BytesIO(data))  # reads the header only
            if image.format not in FORMATS:
                raise _refuse("Send a JPEG, PNG or WebP image.")
            width, height = image.size
            if width * height > knobs.image_max_pixels:  # before decoding: a bomb never expands
                raise _refuse(
                    f"The image has {width * height / 1e6:.0f} megapixels; at most "
                    f"{knobs.image_max_pixels / 1e6:.0f} are accepted."
                )
            if min(width, height) < 64:
                raise _refuse("The image is too small (at least 64 pixels on each side).")
            image.load()
            try:
                upright = ImageOps.exif_transpose(image)
            except Exception as exc:  # Pillow's EXIF parser raises struct.error, KeyError, TypeError...
                # Refused rather than used unturned: the render decodes the same bytes and would
                # read the orientation its own way, and the consent check must see what is rendered.
                raise _refuse("The image's orientation data (EXIF) is damaged; save the image again.") from exc
            if upright.mode.startswith("I"):  # 16-bit grey (a PNG's I;16)
                # Pillow's RGB of it clips every level over 255 to white; OpenCV, which the worker
                # decodes and renders with, keeps the top 8 bits: the gate must see what is rendered.
                upright = Image.fromarray((np.asarray(upright) >> 8).astype(np.uint8))
            rgb = upright.convert("RGB")
    except InvalidInput:
        raise
    except (Image.DecompressionBombError, Image.DecompressionBombWarning) as exc:  # Pillow's own header check
        raise _refuse(f"The image has too many pixels; at most {knobs.image_max_pixels / 1e6:.0f} million.") from exc
    except (OSError, ValueError, SyntaxError) as exc:
        raise _refuse("This file is not an image we can read.") from exc
    array = np.asarray(rgb)[:, :, ::-1].copy()
    return CheckedImage(data=data, extension=FORMATS[str(image.format)], width=width, height=height, bgr=array)


def video_region(image: np.ndarray, aspect: str) -> np.ndarray:
    """The part of an uploaded image a video of `aspect` shows, at the upload's resolution: its centre
    at the video's aspect. The worker gives backends only this, never the upload: a model that renders
    at another aspect (a landscape native size for a portrait video) crops it further, and never shows
    a part the gate cropped away and did not check (a second person at the side of a wide photo)."""
    width, height = conf().sizes[aspect]
    return cover_region(image, width, height)


def as_rendered(image: np.ndarray, aspect: str) -> np.ndarray:
    """The uploaded image as every backend starts from it: its video region (`video_region`) scaled to
    the video's size. The gate looks for faces in this, not in the upload: a face too small to find in
    a 6,000 px wide panorama fills the frame once the panorama is cropped to it, and one cropped away
    is not shown."""
    width, height = conf().sizes[aspect]
    return cover_crop(video_region(image, aspect), width, height)
