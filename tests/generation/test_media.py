"""The media pipeline (generation/media/): watermark → H.264 MP4 → poster JPEG → C2PA manifest, checked
the way a viewer would see the result: decoded with PyAV, opened with Pillow, read with c2pa."""

from __future__ import annotations

import io
import shutil
import struct
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import av
import numpy as np
import pytest
from cryptography import x509
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import ExtendedKeyUsageOID
from django.core.management import CommandError, call_command
from PIL import Image
from pytest_django.fixtures import Settings as SettingsWrapper

from generation.media import provenance
from generation.media.encode import encode_mp4
from generation.media.poster import poster_jpeg
from generation.media.provenance import TRAINED_ALGORITHMIC_MEDIA, read_manifest, sign_mp4, signing_material
from generation.media.watermark import watermark

FPS = 24


def make_frames(width: int, height: int, count: int, *, seed: int = 0) -> Iterator[np.ndarray]:
    """Realistic-enough BGR frames: a drifting colour gradient, a moving disc and square, light noise."""
    rng = np.random.default_rng(seed)
    noise = [rng.integers(-6, 7, size=(height, width, 3), dtype=np.int16) for _ in range(3)]
    x = np.arange(width, dtype=np.float32)
    y = np.arange(height, dtype=np.float32)[:, None]
    diagonal = ((x + y) / (width + height) * 255).astype(np.int16)
    yy, xx = np.ogrid[0:height, 0:width]
    r = max(2, min(width, height) // 8)
    for i in range(count):
        t = i / FPS
        frame = np.empty((height, width, 3), np.int16)
        frame[..., 0] = (127 + 100 * np.sin(x / width * 6 + t * 2)).astype(np.int16)
        frame[..., 1] = (127 + 100 * np.cos(y / height * 4 - t)).astype(np.int16)
        frame[..., 2] = diagonal
        cx, cy = int(width * (0.2 + 0.6 * (i / max(1, count - 1)))), height // 2
        frame[(xx - cx) ** 2 + (yy - cy) ** 2 <= r * r] = (30, 200, 240)
        frame[height // 5 : height // 5 + r, width - cx // 2 - r : width - cx // 2] = (240, 60, 40)
        frame += noise[i % 3]
        yield np.clip(frame, 0, 255).astype(np.uint8)


def top_level_boxes(path: Path) -> list[str]:
    """The types of an MP4's top-level boxes, in file order."""
    data = path.read_bytes()
    boxes, offset = [], 0
    while offset + 8 <= len(data):
        size, kind = struct.unpack(">I4s", data[offset : offset + 8])
        if size == 1:
            size = struct.unpack(">Q", data[offset + 8 : offset + 16])[0]
        elif size == 0:
            size = len(data) - offset
        boxes.append(kind.decode("latin-1"))
        offset += size
    return boxes


def decode(path: Path) -> list[np.ndarray]:
    with av.open(str(path)) as container:
        return [f.to_ndarray(format="bgr24") for f in container.decode(video=0)]


def psnr(a: np.ndarray, b: np.ndarray) -> float:
    mse = float(np.mean((a.astype(np.float64) - b.astype(np.float64)) ** 2))
    return 10 * np.log10(255**2 / max(mse, 1e-9))


# --- encode -----------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("width", "height", "seconds"), [(576, 1024, 1.5), (1024, 576, 1), (768, 768, 1), (64, 112, 2)]
)
def test_mp4_decodes_to_exactly_the_frames_written(tmp_path: Path, width: int, height: int, seconds: float) -> None:
    count = round(seconds * FPS)
    frames = list(make_frames(width, height, count))
    path = tmp_path / "clip.mp4"

    encoded = encode_mp4(iter(frames), path, fps=FPS)

    assert (encoded.frames, encoded.width, encoded.height) == (count, width, height)
    assert encoded.duration_ms == round(count * 1000 / FPS)
    with av.open(str(path)) as container:
        stream = container.streams.video[0]
        assert stream.codec_context.name == "h264"
        assert stream.codec_context.pix_fmt == "yuv420p"
        assert stream.profile == "High"
        assert (stream.codec_context.width, stream.codec_context.height) == (width, height)
        assert stream.frames == count
        assert container.duration is not None
        assert abs(container.duration / 1e6 - count / FPS) <= 1 / FPS
    decoded = decode(path)
    assert len(decoded) == count
    # Same pictures, in the same order: each decoded frame is closest to the frame written at its index.
    for i in (0, count // 2, count - 1):
        assert psnr(decoded[i], frames[i]) > 27
        assert psnr(decoded[i], frames[i]) > psnr(decoded[i], frames[(i + count // 2) % count]) + 3


def test_mp4_moov_comes_before_mdat_so_browsers_play_while_downloading(tmp_path: Path) -> None:
    path = tmp_path / "clip.mp4"
    encode_mp4(make_frames(576, 1024, 24), path, fps=FPS)

    boxes = top_level_boxes(path)
    assert boxes[0] == "ftyp"
    assert boxes.index("moov") < boxes.index("mdat")


def test_poster_frame_is_the_frame_a_third_in(tmp_path: Path) -> None:
    frames = list(make_frames(576, 1024, 36))

    from_list = encode_mp4(frames, tmp_path / "a.mp4", fps=FPS)
    hinted = encode_mp4(iter(frames), tmp_path / "b.mp4", fps=FPS, frame_count=36)
    streamed = encode_mp4(iter(frames), tmp_path / "c.mp4", fps=FPS)  # count unknown: decoded back

    assert np.array_equal(from_list.poster_frame, frames[12])
    assert np.array_equal(hinted.poster_frame, frames[12])
    assert psnr(streamed.poster_frame, frames[12]) > 30
    assert from_list.poster_frame is not frames[12]  # a copy, not the caller's array


@pytest.mark.parametrize(
    "frames",
    [
        [],
        [np.zeros((1024, 575, 3), np.uint8)],
        [np.zeros((1023, 576, 3), np.uint8)],
        [np.zeros((64, 64, 3), np.uint8), np.zeros((64, 66, 3), np.uint8)],
        [np.zeros((64, 64), np.uint8)],
        [np.zeros((64, 64, 3), np.float32)],
    ],
    ids=["empty", "odd-width", "odd-height", "size-changes", "grey", "float"],
)
def test_encode_rejects_bad_frames_and_leaves_no_file(tmp_path: Path, frames: list[np.ndarray]) -> None:
    path = tmp_path / "clip.mp4"
    with pytest.raises(ValueError):
        encode_mp4(iter(frames), path, fps=FPS)
    assert not path.exists()


# --- watermark --------------------------------------------------------------------------------------


def changed_box(before: np.ndarray, after: np.ndarray, threshold: int = 40) -> tuple[int, int, int, int]:
    """(top, left, bottom, right) of the pixels the watermark changed noticeably."""
    diff = np.abs(after.astype(np.int16) - before.astype(np.int16)).max(axis=2)
    rows, cols = np.nonzero(diff > threshold)
    assert rows.size > 0, "the watermark changed nothing visibly"
    return int(rows.min()), int(cols.min()), int(rows.max()) + 1, int(cols.max()) + 1


@pytest.mark.parametrize(("width", "height"), [(576, 1024), (1024, 576), (768, 768)])
def test_watermark_is_visible_sized_and_moves(width: int, height: int) -> None:
    frame = next(make_frames(width, height, 1))

    first = watermark(frame, 0, FPS, "ana.maria")
    last = watermark(frame, 2 * FPS - 1, FPS, "ana.maria")

    assert not np.shares_memory(first, frame)
    assert np.array_equal(frame, next(make_frames(width, height, 1)))  # the input is left alone
    top, left, bottom, right = changed_box(frame, first)
    assert 0.035 * height <= bottom - top <= 0.07 * height
    assert right - left < 0.65 * width
    t2, l2, _, _ = changed_box(frame, last)
    assert abs(t2 - top) + abs(l2 - left) > 0.05 * height  # it moved noticeably within 2 s


@pytest.mark.parametrize("level", [0, 30, 128, 230, 255])
def test_watermark_readable_on_dark_and_bright_frames(level: int) -> None:
    frame = np.full((1024, 576, 3), level, np.uint8)

    marked = watermark(frame, 5, FPS, "ana")

    top, left, bottom, right = changed_box(frame, marked)
    patch = marked[top:bottom, left:right].astype(np.int16)
    # Light text and a dark outline: on any background, part of the mark contrasts strongly with it.
    assert patch.max() - level > 80 or level - patch.min() > 80
    assert (np.abs(patch - level).max(axis=2) > 40).sum() > 300


def test_watermark_path_covers_the_frame_over_time() -> None:
    """Cropping one corner or band off cannot remove it: over a clip the mark visits every quadrant."""
    frame = np.zeros((1024, 576, 3), np.uint8)
    quadrants = set()
    for i in range(0, 24 * FPS, FPS // 2):
        top, left, bottom, right = changed_box(frame, watermark(frame, i, FPS, "ana"))
        quadrants.add(((top + bottom) // 2 >= 512, (left + right) // 2 >= 288))
        assert top >= 0 and bottom <= 1024 and left >= 0 and right <= 576
    assert len(quadrants) == 4


def test_watermark_survives_encoding(tmp_path: Path) -> None:
    frames = list(make_frames(576, 1024, 24))
    marked = [watermark(f, i, FPS, "ana") for i, f in enumerate(frames)]
    path = tmp_path / "clip.mp4"
    encode_mp4(marked, path, fps=FPS)

    decoded = decode(path)

    box = changed_box(frames[0], marked[0])
    top, left, bottom, right = box
    assert psnr(decoded[0][top:bottom, left:right], marked[0][top:bottom, left:right]) > psnr(
        decoded[0][top:bottom, left:right], frames[0][top:bottom, left:right]
    )


# --- poster -----------------------------------------------------------------------------------------


def test_poster_is_a_progressive_rgb_jpeg_of_the_right_size() -> None:
    frame = np.zeros((1024, 576, 3), np.uint8)
    frame[:, :] = (0, 0, 255)  # BGR red

    full = poster_jpeg(frame)
    small = poster_jpeg(frame, max_side=512)

    image = Image.open(io.BytesIO(full))
    assert full[:2] == b"\xff\xd8"
    assert (image.format, image.mode, image.size) == ("JPEG", "RGB", (576, 1024))
    assert image.info.get("progressive") or image.info.get("progression")
    r, g, b = np.asarray(image)[512, 288]
    assert r > 240 and g < 20 and b < 20
    assert Image.open(io.BytesIO(small)).size == (288, 512)


# --- provenance -------------------------------------------------------------------------------------


@pytest.fixture
def c2pa_dir(settings: SettingsWrapper, tmp_path: Path) -> Path:
    """Content Credentials signed with a development chain made under this test's tmp_path."""
    folder = tmp_path / "c2pa"
    settings.CASTFEED_GENERATION = {
        **settings.CASTFEED_GENERATION,
        "C2PA_CERT_CHAIN": "",
        "C2PA_PRIVATE_KEY": "",
        "C2PA_TRUST_ANCHORS": "",
        "C2PA_DEV_DIR": folder,
    }
    return folder


@pytest.fixture
def clip(tmp_path: Path) -> Path:
    """A short watermarked MP4, as the pipeline makes it."""
    path = tmp_path / "clip.mp4"
    frames = (watermark(f, i, FPS, "ana") for i, f in enumerate(make_frames(576, 1024, 30)))
    encode_mp4(frames, path, fps=FPS, frame_count=30)
    return path


def test_signed_mp4_reads_as_trusted_ai_generated_content(c2pa_dir: Path, clip: Path, tmp_path: Path) -> None:
    signed = tmp_path / "signed.mp4"

    sign_mp4(clip, signed, job_id="job-42", model="composite", author="ana")
    manifest = read_manifest(signed)

    assert manifest.valid, manifest.validation_errors
    assert manifest.validation_errors == []
    assert manifest.digital_source_type == TRAINED_ALGORITHMIC_MEDIA
    assert (manifest.job_id, manifest.model) == ("job-42", "composite")
    active = manifest.raw["manifests"][manifest.raw["active_manifest"]]
    assert active["title"] == "castfeed video"
    assert active["claim_generator_info"][0]["name"] == "castfeed"
    generation = next(a["data"] for a in active["assertions"] if a["label"] == "castfeed.generation")
    assert generation["author"] == "ana"
    # Still the same video, still streamable.
    assert len(decode(signed)) == 30
    boxes = top_level_boxes(signed)
    assert boxes.index("moov") < boxes.index("mdat")


def test_tampered_video_reads_invalid(c2pa_dir: Path, clip: Path, tmp_path: Path) -> None:
    signed, tampered = tmp_path / "signed.mp4", tmp_path / "tampered.mp4"
    sign_mp4(clip, signed, job_id="job-42", model="composite", author="ana")
    data = bytearray(signed.read_bytes())
    mdat = data.index(b"mdat")
    for i in range(mdat + 1000, mdat + 1064):
        data[i] ^= 0xFF
    tampered.write_bytes(bytes(data))

    manifest = read_manifest(tampered)

    assert not manifest.valid
    assert any("mismatch" in code for code in manifest.validation_errors), manifest.validation_errors


def test_unsigned_video_has_no_manifest(c2pa_dir: Path, clip: Path) -> None:
    manifest = read_manifest(clip)

    assert not manifest.valid
    assert (manifest.digital_source_type, manifest.job_id, manifest.model) == (None, None, None)


def test_a_file_that_is_not_an_mp4_reads_invalid_without_raising(c2pa_dir: Path, tmp_path: Path) -> None:
    path = tmp_path / "junk.mp4"
    path.write_bytes(b"definitely not a video" * 100)

    assert not read_manifest(path).valid


@pytest.mark.parametrize(
    ("where", "message"),
    [
        ("nothing there", "no such file"),
        ("a folder", "a folder, not a file"),
        ("a file it may not read", "cannot be read (Permission denied)"),
        ("a name too long", "cannot be read (File name too long)"),  # a traceback from is_dir() before
    ],
)
def test_c2pa_read_of_a_path_it_cannot_read_is_a_one_line_error(c2pa_dir: Path, tmp_path: Path, where, message) -> None:
    # procfs refuses even root a file whose mode has no read bit (chmod 000 does not, for root)
    unreadable = Path("/proc/sys/vm/compact_memory")
    if where == "a file it may not read" and not unreadable.is_file():
        pytest.skip("no unreadable file on this system")
    path = {
        "nothing there": tmp_path / "gone.mp4",
        "a folder": tmp_path,
        "a file it may not read": unreadable,
        "a name too long": tmp_path / f"{'x' * 300}.mp4",  # over the system's 255 bytes a name
    }[where]

    with pytest.raises(CommandError) as caught:
        call_command("c2pa_read", str(path), stdout=io.StringIO())

    assert str(caught.value) == f"{path}: {message}."


def signed_elsewhere(settings: SettingsWrapper, clip: Path, dest: Path, assertions: list[dict]) -> Path:
    """`clip` signed with a chain of its own, as anyone can sign a file with any assertions: untrusted
    here (the test's own development chain is made afterwards, in c2pa_dir)."""
    import c2pa

    ours = settings.CASTFEED_GENERATION
    settings.CASTFEED_GENERATION = {**ours, "C2PA_DEV_DIR": dest.parent / "elsewhere"}
    chain, key, anchors = provenance.signing_material()
    settings.CASTFEED_GENERATION = ours
    manifest = {
        "claim_generator_info": [{"name": "elsewhere", "version": "1"}],
        "title": "not ours",
        "format": "video/mp4",
        "assertions": [
            *assertions,
            {
                "label": "c2pa.actions",
                "data": {
                    "actions": [{"action": "c2pa.created", "digitalSourceType": provenance.TRAINED_ALGORITHMIC_MEDIA}]
                },
            },
        ],
    }
    info = c2pa.C2paSignerInfo(c2pa.C2paSigningAlg.ES256, chain, key, None)
    with (
        provenance._context(anchors) as context,
        c2pa.Signer.from_info(info) as signer,
        c2pa.Builder(manifest, context=context) as builder,
        clip.open("rb") as source,
        dest.open("w+b") as target,
    ):
        builder.sign(signer, "video/mp4", source, target)
    return dest


@pytest.mark.parametrize("data", [["a", "list"], "a string"], ids=["list", "string"])
def test_c2pa_read_of_a_manifest_of_another_shape_says_invalid_without_a_traceback(
    settings: SettingsWrapper, c2pa_dir: Path, clip: Path, tmp_path: Path, data
) -> None:
    """A castfeed.generation assertion that is not an object (anyone may sign one) ended c2pa_read in
    an AttributeError traceback; a model name with a terminal escape in it was printed raw."""
    path = signed_elsewhere(
        settings, clip, tmp_path / "elsewhere.mp4", [{"label": provenance.GENERATION_LABEL, "data": data}]
    )
    escaped = signed_elsewhere(
        settings, clip, tmp_path / "escape.mp4", [{"label": provenance.GENERATION_LABEL, "data": {"model": "m\x1b[2J"}}]
    )
    printed = io.StringIO()

    for file in (path, escaped):
        with pytest.raises(CommandError, match="missing or invalid"):
            call_command("c2pa_read", str(file), stdout=printed)

    assert "model: None" in printed.getvalue()
    assert "\x1b" not in printed.getvalue() and "model: m\\x1b[2J" in printed.getvalue()


@pytest.mark.parametrize(
    ("setting", "content"),
    [
        ("C2PA_TRUST_ANCHORS", b""),
        ("C2PA_TRUST_ANCHORS", b"not a certificate\n"),
        ("C2PA_TRUST_ANCHORS", b"\xb5\x00\xff binary junk" * 20),
        ("C2PA_TRUST_ANCHORS", b"-----BEGIN CERTIFICATE-----\nMIIBszCCAVmgAwIBAgIU\n"),
        ("C2PA_CERT_CHAIN", b"not a certificate\n"),
    ],
)
def test_c2pa_read_with_trust_anchors_that_are_not_certificates_is_a_one_line_error(
    settings: SettingsWrapper, c2pa_dir: Path, clip: Path, tmp_path: Path, setting: str, content: bytes
) -> None:
    """A trust-anchor file that is empty, text or binary junk ended c2pa_read in a traceback."""
    pem = tmp_path / "anchors.pem"
    pem.write_bytes(content)
    settings.CASTFEED_GENERATION = {**settings.CASTFEED_GENERATION, setting: str(pem)}
    printed = io.StringIO()

    with pytest.raises(CommandError) as caught:
        call_command("c2pa_read", str(clip), stdout=printed)

    assert str(caught.value) == f"{pem}: no PEM certificate in it (CASTFEED_GENERATION_{setting})."
    assert printed.getvalue() == ""
    assert not c2pa_dir.exists()  # no development chain made instead


def test_manifest_signed_by_an_untrusted_ca_reads_invalid(
    settings: SettingsWrapper, c2pa_dir: Path, clip: Path, tmp_path: Path
) -> None:
    signed = tmp_path / "signed.mp4"
    sign_mp4(clip, signed, job_id="job-42", model="composite", author="ana")
    # Another deployment's development CA is not ours.
    settings.CASTFEED_GENERATION = {**settings.CASTFEED_GENERATION, "C2PA_DEV_DIR": tmp_path / "other"}

    manifest = read_manifest(signed)

    assert not manifest.valid
    assert "signingCredential.untrusted" in manifest.validation_errors
    assert manifest.job_id == "job-42"  # still readable, just not trusted


def test_configured_chain_is_used(settings: SettingsWrapper, c2pa_dir: Path, clip: Path, tmp_path: Path) -> None:
    chain, key, ca = signing_material()
    conf = tmp_path / "conf"
    conf.mkdir()
    for name, data in (("chain.pem", chain), ("key.pem", key), ("ca.pem", ca)):
        (conf / name).write_bytes(data)
    shutil.rmtree(c2pa_dir)
    settings.CASTFEED_GENERATION = {
        **settings.CASTFEED_GENERATION,
        "C2PA_CERT_CHAIN": str(conf / "chain.pem"),
        "C2PA_PRIVATE_KEY": str(conf / "key.pem"),
        "C2PA_TRUST_ANCHORS": str(conf / "ca.pem"),
    }
    signed = tmp_path / "signed.mp4"

    assert signing_material() == (chain, key, ca)
    sign_mp4(clip, signed, job_id="job-7", model="composite", author="ana")

    assert read_manifest(signed).valid
    assert not c2pa_dir.exists()  # no development chain was made


def test_dev_chain_is_made_once_and_reused(c2pa_dir: Path) -> None:
    first = signing_material()
    files = {p.name: p.read_bytes() for p in c2pa_dir.glob("*.pem")}
    second = signing_material()

    assert second == first
    assert files == {"chain.pem": first[0], "key.pem": first[1], "ca.pem": first[2]}
    assert {p.name: p.read_bytes() for p in c2pa_dir.glob("*.pem")} == files
    leaf, root = x509.load_pem_x509_certificates(first[0])
    assert root.public_bytes(serialization.Encoding.PEM) == first[2]
    assert root.extensions.get_extension_for_class(x509.BasicConstraints).value.ca
    assert root.extensions.get_extension_for_class(x509.KeyUsage).value.key_cert_sign
    assert not leaf.extensions.get_extension_for_class(x509.BasicConstraints).value.ca
    assert leaf.extensions.get_extension_for_class(x509.KeyUsage).value.digital_signature
    eku = leaf.extensions.get_extension_for_class(x509.ExtendedKeyUsage).value
    assert ExtendedKeyUsageOID.EMAIL_PROTECTION in eku
    public_key = leaf.public_key()
    assert isinstance(public_key, ec.EllipticCurvePublicKey)
    assert public_key.curve.name == "secp256r1"
    assert (leaf.not_valid_after_utc - leaf.not_valid_before_utc).days > 3 * 365
    assert (c2pa_dir / "key.pem").stat().st_mode & 0o077 == 0


def test_dev_chain_racing_makers_agree(tmp_path: Path) -> None:
    folder = tmp_path / "race"
    with ThreadPoolExecutor(8) as pool:
        results = list(pool.map(lambda _: provenance._dev_material(folder), range(8)))

    assert all(r == results[0] for r in results)
    assert sorted(p.name for p in folder.glob("*.pem")) == ["ca.pem", "chain.pem", "key.pem"]
