"""Checking an uploaded image by its content before anything is stored (API conventions: size, pixel
caps, a decode under a limit; a rejected upload leaves nothing behind)."""

from __future__ import annotations

import io
import warnings
from dataclasses import dataclass

import numpy as np
from django.conf import settings
from PIL import Image, ImageOps

from core.exceptions import InvalidInput

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
    knobs = settings.CASTFEED_GENERATION
    size = getattr(upload, "size", None)
    if size is not None and size > knobs["IMAGE_MAX_BYTES"]:
        raise _refuse(f"The image is larger than {knobs['IMAGE_MAX_BYTES'] // (1024 * 1024)} MB.")
    data = upload.read(knobs["IMAGE_MAX_BYTES"] + 1)
    if len(data) > knobs["IMAGE_MAX_BYTES"]:
        raise _refuse(f"The image is larger than {knobs['IMAGE_MAX_BYTES'] // (1024 * 1024)} MB.")
    if not data:
        raise _refuse("The image is empty.")
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            image = Image.open(io.BytesIO(data))  # reads the header only
            if image.format not in FORMATS:
                raise _refuse("Send a JPEG, PNG or WebP image.")
            width, height = image.size
            if width * height > knobs["IMAGE_MAX_PIXELS"]:  # before decoding: a bomb never expands
                raise _refuse(
                    f"The image has {width * height / 1e6:.0f} megapixels; at most "
                    f"{knobs['IMAGE_MAX_PIXELS'] / 1e6:.0f} are accepted."
                )
            if min(width, height) < 64:
                raise _refuse("The image is too small (at least 64 pixels on each side).")
            image.load()
            rgb = ImageOps.exif_transpose(image).convert("RGB")
    except InvalidInput:
        raise
    except (Image.DecompressionBombError, Image.DecompressionBombWarning) as exc:  # Pillow's own header check
        raise _refuse(f"The image has too many pixels; at most {knobs['IMAGE_MAX_PIXELS'] / 1e6:.0f} million.") from exc
    except (OSError, ValueError, SyntaxError) as exc:
        raise _refuse("This file is not an image we can read.") from exc
    array = np.asarray(rgb)[:, :, ::-1].copy()
    return CheckedImage(data=data, extension=FORMATS[str(image.format)], width=width, height=height, bgr=array)
