"""An uploaded image (image-to-video) is bounded by its pixel count before it is decoded: a header
that claims a huge size, or a real decompression bomb (a small file of many pixels), is refused with
a 400 that says so, and nothing is stored."""

from __future__ import annotations

import io
import struct
import zlib

import numpy as np
import pytest
from PIL import Image

from generation.models import GenerationJob
from tests.generation.test_jobs import URL, stored_files

pytestmark = pytest.mark.django_db


def upload(data: bytes, name: str = "x.png") -> io.BytesIO:
    handle = io.BytesIO(data)
    handle.name = name
    return handle


def png_claiming(width: int, height: int) -> bytes:
    """A valid PNG signature and IHDR (its CRC right) claiming `width`×`height`, then one tiny
    compressed row: what a decoder would have to allocate is what the header says."""

    def chunk(kind: bytes, body: bytes) -> bytes:
        return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))

    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(b"\0" * 64)) + chunk(b"IEND", b"")
    )


def bomb(width: int, height: int) -> bytes:
    """A real, complete PNG of one colour: tens of megapixels in a few kilobytes."""
    out = io.BytesIO()
    Image.new("L", (width, height), 0).save(out, "PNG", optimize=True)
    return out.getvalue()


def jpeg_claiming(width: int, height: int) -> bytes:
    """A real small JPEG whose frame header (SOF0) is rewritten to claim `width`×`height`."""
    out = io.BytesIO()
    Image.new("RGB", (64, 64), (10, 20, 30)).save(out, "JPEG")
    data = bytearray(out.getvalue())
    sof = data.index(b"\xff\xc0")
    data[sof + 5 : sof + 9] = struct.pack(">HH", height, width)
    return bytes(data)


@pytest.mark.parametrize(
    ("data", "megapixels"),
    [
        (png_claiming(50_000, 50_000), None),  # past Pillow's own bomb limit: refused by Pillow at open
        (png_claiming(6_000, 6_000), "36 megapixels"),  # under Pillow's limit, over ours
        (bomb(6_000, 6_000), "36 megapixels"),  # a real decompression bomb, about 40 kB
        (jpeg_claiming(8_000, 5_000), "40 megapixels"),
    ],
    ids=["png-header-50000", "png-header-6000", "png-bomb", "jpeg-header"],
)
def test_an_image_with_too_many_pixels_is_refused_before_decoding_and_nothing_is_stored(
    api, settings, data, megapixels
):
    settings.CASTFEED_GENERATION = {**settings.CASTFEED_GENERATION, "IMAGE_MAX_PIXELS": 24_000_000}
    assert len(data) < 100_000
    response = api.post(URL, {"prompt": "this", "duration_s": 2, "image": upload(data)}, format="multipart")
    assert response.status_code == 400, response.json()
    body = response.json()
    assert body["error"] == "invalid"
    message = body["fields"]["image"][0]
    assert "pixels" in message and "at most" in message and "24" in message, message
    if megapixels:
        assert megapixels in message
    assert not GenerationJob.objects.exists()
    assert not [p for p in stored_files() if "generation" in p.parts]


def test_an_image_within_the_cap_is_decoded(settings):
    settings.CASTFEED_GENERATION = {**settings.CASTFEED_GENERATION, "IMAGE_MAX_PIXELS": 1_000_000}
    out = io.BytesIO()
    Image.new("RGB", (1000, 1000), (200, 100, 50)).save(out, "PNG")
    from generation.uploads import check_image

    checked = check_image(upload(out.getvalue()))
    assert (checked.width, checked.height, checked.bgr.shape) == (1000, 1000, (1000, 1000, 3))


def jpeg_with_damaged_exif() -> bytes:
    """A real JPEG whose EXIF names ImageWidth (0x0100) as text: Pillow's EXIF reader fails on it
    (struct.error) though the pixels decode."""
    exif = Image.Exif()
    exif[0x010F] = "Cam"  # Make, text; the byte below turns it into ImageWidth, which must be a number
    exif[0x0112] = 6  # rotated
    out = io.BytesIO()
    Image.new("RGB", (100, 100), (1, 2, 3)).save(out, "JPEG", exif=exif.tobytes())
    data = bytearray(out.getvalue())
    tag = data.index(b"Exif\0\0") + 6 + 8 + 2  # past the TIFF header and the entry count
    assert data[tag : tag + 2] == b"\x01\x0f"
    data[tag + 1] = 0x00
    return bytes(data)


def test_an_image_whose_exif_is_damaged_is_refused_and_nothing_is_stored(api):
    response = api.post(
        URL, {"prompt": "this", "duration_s": 2, "image": upload(jpeg_with_damaged_exif(), "x.jpg")}, format="multipart"
    )
    assert response.status_code == 400, response.content
    body = response.json()
    assert body["error"] == "invalid"
    assert "EXIF" in body["fields"]["image"][0]
    assert not GenerationJob.objects.exists()
    assert not [p for p in stored_files() if "generation" in p.parts]
    ok = io.BytesIO()
    Image.new("RGB", (100, 100), (1, 2, 3)).save(ok, "JPEG")
    assert (
        api.post(
            URL, {"prompt": "this", "duration_s": 2, "image": upload(ok.getvalue(), "x.jpg")}, format="multipart"
        ).status_code
        == 202
    )


def test_a_thin_strip_is_cropped_to_the_frame_before_it_is_scaled():
    """A 64 × 4,000 image within every cap, scaled to cover a 16:9 frame before cropping, became
    1,024 × 64,000 pixels (196 MB) in the request; at 64 × 375,000 (24 megapixels) it would be 18 GB."""
    import tracemalloc

    import numpy as np

    from generation.conf import conf
    from generation.uploads import as_rendered

    strip = np.full((4000, 64, 3), 128, np.uint8)
    tracemalloc.start()
    try:
        frame = as_rendered(strip, "16:9")
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    width, height = conf().sizes["16:9"]
    assert frame.shape == (height, width, 3)
    assert peak < 16 * 2**20, f"{peak / 2**20:.0f} MiB"


def test_a_16_bit_grey_photo_of_a_real_person_is_refused_at_submit_as_the_worker_reads_it(api, settings):
    """A 16-bit greyscale PNG: Pillow's RGB of it clipped every level over 255 to white, so the gate
    at submit looked at a blank page and answered 202, and only the worker (OpenCV, which keeps the
    top 8 bits) saw the face, after the job was stored and queued. The gate now reads the levels as
    the worker does."""
    import cv2

    from tests import synthetic_faces as faces

    grey = cv2.cvtColor(faces.group_photo(["hopper"], size=(960, 540)), cv2.COLOR_BGR2GRAY)
    deep = grey.astype(np.uint16) * 257  # the same picture in 16 bits a level
    png = cv2.imencode(".png", deep)[1].tobytes()
    assert Image.open(io.BytesIO(png)).mode == "I;16"

    response = api.post(
        URL, {"prompt": "this, animated", "duration_s": 2, "image": upload(png, "scan.png")}, format="multipart"
    )

    assert response.status_code == 403, response.content
    assert [s["reason"] for s in response.json()["subjects"]] == ["unknown_face"]
    assert not GenerationJob.objects.exists() and stored_files() == []
