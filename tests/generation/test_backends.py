"""The video backends, for real: the composite renderer (scenes, determinism, uploaded images, and the
acceptance test that real cameo faces survive rendering well enough for the face engine to find and
match them) and the diffusers backend on tiny randomly initialised pipelines of real diffusers classes
built on the CPU (nothing is downloaded)."""

from __future__ import annotations

import json
import string
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from cameos.likeness.enrollment import reference_crop
from cameos.likeness.faces import engine
from generation.backends import BackendError, CameoRef, RenderRequest, get_backend
from generation.backends.composite import CompositeBackend, cover_crop, plan_scene
from tests import synthetic_faces as faces

ROOT = Path(__file__).resolve().parents[2]


def render(request: RenderRequest, backend: object | None = None) -> tuple[list[np.ndarray], list[float]]:
    reported: list[float] = []
    frames = list((backend or CompositeBackend()).render(request, reported.append))  # type: ignore[attr-defined]
    return frames, reported


def request(prompt: str = "walking in the park", *, cameos: tuple[CameoRef, ...] = (), **overrides) -> RenderRequest:  # type: ignore[no-untyped-def]
    values = {"image": None, "duration_s": 1.0, "width": 288, "height": 512, "fps": 24, "seed": 7} | overrides
    return RenderRequest(prompt=prompt, cameos=list(cameos), **values)


@pytest.fixture(scope="module")
def crops() -> dict[str, np.ndarray]:
    """Reference crops made exactly as enrollment makes them: largest face, aligned, 224 px."""
    found = engine()
    out = {}
    for name in ("astronaut", "hopper"):
        image = faces.photo(name)
        out[name] = reference_crop(image, found.detect(image)[0], 224)
    return out


# ---------------------------------------------------------------------------------------------------
# get_backend


def test_get_backend_by_name(settings) -> None:  # type: ignore[no-untyped-def]
    assert get_backend("composite").name == "composite"
    with pytest.raises(BackendError, match="Unknown generation backend"):
        get_backend("sora")
    settings.CASTFEED_GENERATION = {
        **settings.CASTFEED_GENERATION,
        "DIFFUSERS_PIPELINE_PATH": "",
        "DIFFUSERS_DEVICE": "cpu",
        "DIFFUSERS_STEPS": 2,
        "DIFFUSERS_DTYPE": "float32",
    }
    with pytest.raises(BackendError, match="DIFFUSERS_PIPELINE_PATH"):
        get_backend("diffusers")


def test_backends_package_imports_nothing_heavy() -> None:
    """The web process imports generation.backends: no cv2, torch or diffusers may come with it."""
    code = (
        "import sys, generation.backends; "
        "heavy = [m for m in ('cv2', 'torch', 'diffusers', 'transformers') if m in sys.modules]; "
        "assert not heavy, heavy"
    )
    result = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True)  # noqa: S603
    assert result.returncode == 0, result.stderr


# ---------------------------------------------------------------------------------------------------
# Composite


def test_composite_yields_exact_frames_and_reports_progress(crops: dict[str, np.ndarray]) -> None:
    cameo = CameoRef("astro", "always in a green jacket", [crops["astronaut"]])
    req = request("dancing at the beach", cameos=(cameo,), duration_s=0.55, fps=24)
    frames, reported = render(req)
    assert req.frame_count == 13
    assert len(frames) == 13
    assert all(f.shape == (512, 288, 3) and f.dtype == np.uint8 and f.flags.c_contiguous for f in frames)
    assert reported == sorted(reported)
    assert reported[-1] == 1.0
    assert 0.0 <= reported[0] < 0.2


def test_composite_is_deterministic_for_a_seed(crops: dict[str, np.ndarray]) -> None:
    cameo = CameoRef("astro", "", [crops["astronaut"]])
    req = request("a chase through the city at night", cameos=(cameo,), duration_s=0.5)
    first, _ = render(req)
    again, _ = render(req)
    other, _ = render(request("a chase through the city at night", cameos=(cameo,), duration_s=0.5, seed=8))
    assert all(np.array_equal(a, b) for a, b in zip(first, again, strict=True))
    assert not all(np.array_equal(a, b) for a, b in zip(first, other, strict=True))
    assert not np.array_equal(first[0], first[-1])  # the camera and the person move


@pytest.mark.parametrize(
    ("prompt", "setting", "lighting", "motion"),
    [
        ("@ana at sunset on the beach", "beach", "golden", None),
        ("in a snowy forest at night", "snow", "night", None),
        ("a chase through the city", "city", None, "shake"),
        ("zoom in on us cooking in the kitchen", "kitchen", "indoor", "zoom_in"),
        ("floating in space", "space", "space", None),
        ("party in a neon club", "club", "neon", None),
        ("hanging out", "park", "day", None),  # nothing known: the default setting
    ],
)
def test_plan_scene_reads_the_prompt(prompt: str, setting: str, lighting: str | None, motion: str | None) -> None:
    scene = plan_scene(prompt, seed=3)
    assert scene.setting == setting
    assert lighting is None or scene.lighting == lighting
    assert motion is None or scene.motion == motion
    assert plan_scene(prompt, seed=3) == scene


def test_plan_scene_lets_the_seed_choose_what_the_words_leave_open() -> None:
    motions = {plan_scene("just hanging out", seed).motion for seed in range(40)}
    assert len(motions) >= 3
    assert motions <= {"pan", "zoom_in", "zoom_out", "orbit"}


def test_different_prompts_give_visibly_different_scenes() -> None:
    sunset, _ = render(request("at sunset on the beach", duration_s=0.25))
    night, _ = render(request("in a snowy forest at night", duration_s=0.25))
    sunset_mean = np.mean([f.reshape(-1, 3).mean(axis=0) for f in sunset], axis=0)
    night_mean = np.mean([f.reshape(-1, 3).mean(axis=0) for f in night], axis=0)
    assert np.linalg.norm(sunset_mean - night_mean) > 60, (sunset_mean, night_mean)
    assert sunset_mean[2] > night_mean[2] + 60  # far more red in the sunset (BGR)


def test_uploaded_image_is_animated() -> None:
    image = faces.photo("scene")  # 600×400 landscape photo into a portrait frame
    frames, reported = render(request("make it move", image=image, duration_s=1.0, fps=12))
    assert len(frames) == 12
    assert reported[-1] == 1.0
    target = cover_crop(image, 288, 512).astype(np.float32).ravel()
    first = float(np.corrcoef(frames[0].astype(np.float32).ravel(), target)[0, 1])
    assert first > 0.8  # it is that image
    motion = [float(np.abs(frames[i].astype(np.int16) - frames[i - 1]).mean()) for i in range(1, 12)]
    assert all(m > 0.3 for m in motion)  # every frame moves
    assert float(np.abs(frames[-1].astype(np.int16) - frames[0]).mean()) > 5  # and it adds up


def test_composite_refuses_what_it_cannot_show(crops: dict[str, np.ndarray]) -> None:
    with pytest.raises(BackendError, match="no reference crop"):
        render(request(cameos=(CameoRef("ghost", "", []),)))
    many = tuple(CameoRef(f"p{i}", "", [crops["astronaut"]]) for i in range(5))
    with pytest.raises(BackendError, match="at most 4"):
        render(request(cameos=many))


# ---------------------------------------------------------------------------------------------------
# Acceptance: the faces the composite backend places are the cameos' faces, for the face engine.


def _matches(frames: list[np.ndarray], names: list[str]) -> list[list[tuple[float, ...]]]:
    """For each sampled frame and each detected face (left to right): (x centre, cosine to each
    cameo's template)."""
    found = engine()
    templates = np.stack([faces.template(n) for n in names])
    readings: list[list[tuple[float, ...]]] = []
    for frame in frames[::4]:
        detected = sorted(found.detect(frame), key=lambda f: f.box[0])
        vectors = found.embed([found.align(frame, f) for f in detected])
        readings.append(
            [(f.box[0] + f.box[2] / 2, *map(float, vectors[k] @ templates.T)) for k, f in enumerate(detected)]
        )
    return readings


def test_acceptance_one_cameo_is_found_and_matches(crops: dict[str, np.ndarray]) -> None:
    cameo = CameoRef("astro", "", [crops["astronaut"]])
    req = request("@astro walking on the beach at sunset", cameos=(cameo,), duration_s=2.0, width=576, height=1024)
    frames, _ = render(req)
    assert len(frames) == 48
    readings = _matches(frames, ["astronaut"])
    best = [max((r[1] for r in faces_in), default=0.0) for faces_in in readings]
    assert all(len(faces_in) == 1 for faces_in in readings), [len(r) for r in readings]  # no stray faces
    assert sum(b >= 0.6 for b in best) >= 0.9 * len(best), best
    assert float(np.median(best)) > 0.8, best


def test_acceptance_two_cameos_are_both_found_and_not_confused(crops: dict[str, np.ndarray]) -> None:
    cameos = (CameoRef("astro", "", [crops["astronaut"]]), CameoRef("grace", "in a red coat", [crops["hopper"]]))
    req = request("@astro and @grace dancing at a neon club", cameos=cameos, duration_s=2.0, width=576, height=1024)
    frames, _ = render(req)
    readings = _matches(frames, ["astronaut", "hopper"])
    good = 0
    own: list[tuple[float, float]] = []
    for faces_in in readings:
        if len(faces_in) != 2:
            continue
        (_, left_astro, left_hopper), (_, right_astro, right_hopper) = faces_in
        own.append((left_astro, right_hopper))
        # Left is the first cameo, right the second: each matches its own template, not the other's.
        if left_astro >= 0.6 and right_hopper >= 0.6 and left_hopper < 0.4 and right_astro < 0.4:
            good += 1
    assert good >= 0.9 * len(readings), (good, readings)
    assert float(np.median([o[0] for o in own])) > 0.8, own
    assert float(np.median([o[1] for o in own])) > 0.75, own


# ---------------------------------------------------------------------------------------------------
# Diffusers: tiny real pipelines, randomly initialised, saved to a folder and loaded back.


def _tokenizer():  # type: ignore[no-untyped-def]
    """A CLIP tokenizer built offline from a tiny character vocabulary (no merges)."""
    from transformers import CLIPTokenizer

    vocab = {"<|startoftext|>": 0, "<|endoftext|>": 1}
    for char in string.ascii_lowercase + string.digits + ".,@:'-!":
        vocab[char] = len(vocab)
        vocab[char + "</w>"] = len(vocab)
    return CLIPTokenizer(vocab=vocab, merges=[], model_max_length=77)


@pytest.fixture(scope="module")
def text_to_video_folder(tmp_path_factory: pytest.TempPathFactory) -> Path:
    import torch
    from diffusers import AutoencoderKL, DDIMScheduler, TextToVideoSDPipeline, UNet3DConditionModel
    from transformers import CLIPTextConfig, CLIPTextModel

    torch.manual_seed(0)
    tokenizer = _tokenizer()
    unet = UNet3DConditionModel(
        block_out_channels=(4, 8),
        layers_per_block=1,
        sample_size=16,
        in_channels=4,
        out_channels=4,
        down_block_types=("CrossAttnDownBlock3D", "DownBlock3D"),
        up_block_types=("UpBlock3D", "CrossAttnUpBlock3D"),
        cross_attention_dim=8,
        attention_head_dim=4,
        norm_num_groups=2,
    )
    vae = AutoencoderKL(
        block_out_channels=(8, 8),
        in_channels=3,
        out_channels=3,
        down_block_types=["DownEncoderBlock2D"] * 2,
        up_block_types=["UpDecoderBlock2D"] * 2,
        latent_channels=4,
        sample_size=32,
        norm_num_groups=2,
    )
    text_encoder = CLIPTextModel(
        CLIPTextConfig(
            bos_token_id=0,
            eos_token_id=1,
            pad_token_id=1,
            hidden_size=8,
            intermediate_size=16,
            num_attention_heads=2,
            num_hidden_layers=2,
            vocab_size=len(tokenizer),
            max_position_embeddings=77,
            projection_dim=8,
        )
    )
    scheduler = DDIMScheduler(
        beta_start=0.00085, beta_end=0.012, beta_schedule="scaled_linear", clip_sample=False, set_alpha_to_one=False
    )
    pipeline = TextToVideoSDPipeline(
        vae=vae, text_encoder=text_encoder, tokenizer=tokenizer, unet=unet, scheduler=scheduler
    )
    folder = tmp_path_factory.mktemp("pipelines") / "t2v"
    pipeline.save_pretrained(folder)  # type: ignore[attr-defined]
    return folder


@pytest.fixture(scope="module")
def image_to_video_folder(tmp_path_factory: pytest.TempPathFactory) -> Path:
    import torch
    from diffusers import (
        AutoencoderKLTemporalDecoder,
        EulerDiscreteScheduler,
        StableVideoDiffusionPipeline,
        UNetSpatioTemporalConditionModel,
    )
    from transformers import CLIPImageProcessor, CLIPVisionConfig, CLIPVisionModelWithProjection

    torch.manual_seed(0)
    unet = UNetSpatioTemporalConditionModel(
        block_out_channels=(32, 64),
        layers_per_block=1,
        sample_size=16,
        in_channels=8,
        out_channels=4,
        down_block_types=("CrossAttnDownBlockSpatioTemporal", "DownBlockSpatioTemporal"),
        up_block_types=("UpBlockSpatioTemporal", "CrossAttnUpBlockSpatioTemporal"),
        cross_attention_dim=8,
        num_attention_heads=2,
        projection_class_embeddings_input_dim=24,
        addition_time_embed_dim=8,
        num_frames=6,
    )
    vae = AutoencoderKLTemporalDecoder(
        block_out_channels=[32, 32],
        in_channels=3,
        out_channels=3,
        down_block_types=["DownEncoderBlock2D"] * 2,
        latent_channels=4,
        layers_per_block=1,
    )
    encoder = CLIPVisionModelWithProjection(
        CLIPVisionConfig(
            hidden_size=8,
            projection_dim=8,
            num_hidden_layers=1,
            num_attention_heads=2,
            image_size=224,
            intermediate_size=16,
            patch_size=32,
        )
    )
    scheduler = EulerDiscreteScheduler(
        beta_start=0.00085,
        beta_end=0.012,
        beta_schedule="scaled_linear",
        interpolation_type="linear",
        num_train_timesteps=1000,
        prediction_type="v_prediction",
        sigma_max=700.0,
        sigma_min=0.002,
        steps_offset=1,
        timestep_spacing="leading",
        timestep_type="continuous",
        use_karras_sigmas=True,
    )
    pipeline = StableVideoDiffusionPipeline(
        vae=vae,
        image_encoder=encoder,
        unet=unet,
        scheduler=scheduler,
        feature_extractor=CLIPImageProcessor(crop_size=224, size=224),
    )
    folder = tmp_path_factory.mktemp("pipelines") / "svd"
    pipeline.save_pretrained(folder)  # type: ignore[attr-defined]
    return folder


def tiny(**overrides) -> RenderRequest:  # type: ignore[no-untyped-def]
    values = {"image": None, "duration_s": 0.5, "width": 64, "height": 64, "fps": 8, "seed": 3} | overrides
    return RenderRequest(prompt="a cat surfing at sunset", cameos=[], **values)


@pytest.mark.slow  # runs a (tiny) diffusers pipeline on the CPU
def test_text_to_video_pipeline_renders_exact_deterministic_frames(text_to_video_folder: Path, settings) -> None:  # type: ignore[no-untyped-def]
    from generation.backends.diffusers_backend import DiffusersBackend

    settings.CASTFEED_GENERATION = {
        **settings.CASTFEED_GENERATION,
        "DIFFUSERS_PIPELINE_PATH": str(text_to_video_folder),
        "DIFFUSERS_DEVICE": "cpu",
        "DIFFUSERS_STEPS": 2,
        "DIFFUSERS_DTYPE": "float32",
    }
    backend = get_backend("diffusers")
    assert isinstance(backend, DiffusersBackend)
    assert backend.name == "diffusers:TextToVideoSDPipeline"
    frames, reported = render(tiny(), backend)
    assert len(frames) == 4
    assert all(f.shape == (64, 64, 3) and f.dtype == np.uint8 for f in frames)
    assert reported == sorted(reported) and reported[-1] == 1.0
    assert [round(r, 2) for r in reported[:2]] == [0.45, 0.9]  # each of the 2 denoising steps
    again, _ = render(tiny(), backend)
    assert all(np.array_equal(a, b) for a, b in zip(frames, again, strict=True))
    other, _ = render(tiny(seed=4), backend)
    assert not all(np.array_equal(a, b) for a, b in zip(frames, other, strict=True))
    # Another size and length: the model's frames are resampled and cover-cropped to the request.
    wide, _ = render(tiny(width=96, height=40, duration_s=1.5, fps=10), backend)
    assert len(wide) == 15
    assert all(f.shape == (40, 96, 3) for f in wide)


@pytest.mark.slow  # runs a (tiny) diffusers pipeline on the CPU
def test_image_to_video_pipeline_animates_the_image_or_the_cameo(
    image_to_video_folder: Path, crops: dict[str, np.ndarray]
) -> None:
    from generation.backends.diffusers_backend import DiffusersBackend

    backend = DiffusersBackend(image_to_video_folder, steps=2)
    assert backend.name == "diffusers:StableVideoDiffusionPipeline"
    upload = tiny(image=faces.photo("scene"), width=40, height=32)
    frames, reported = render(upload, backend)
    assert len(frames) == 4 and all(f.shape == (32, 40, 3) and f.dtype == np.uint8 for f in frames)
    assert [round(r, 2) for r in reported[:2]] == [0.45, 0.9]  # callback_on_step_end
    again, _ = render(upload, backend)
    assert all(np.array_equal(a, b) for a, b in zip(frames, again, strict=True))
    cameo = RenderRequest("@astro waves", [CameoRef("astro", "", [crops["astronaut"]])], None, 1.0, 40, 32, 8, 3)
    with_cameo, _ = render(cameo, backend)
    assert len(with_cameo) == 8
    assert not np.array_equal(with_cameo[0], frames[0])  # another start image, another video
    no_picture, _ = render(
        tiny(fps=6, width=32, height=32), backend
    )  # neither image nor cameo: the composite's first frame
    assert len(no_picture) == 3


def test_diffusers_backend_configuration_errors(tmp_path: Path) -> None:
    from generation.backends.diffusers_backend import DiffusersBackend, _missing_consisid_modules

    with pytest.raises(BackendError, match="DIFFUSERS_PIPELINE_PATH"):
        DiffusersBackend("")
    with pytest.raises(BackendError, match="not a folder"):
        DiffusersBackend(tmp_path / "absent")
    with pytest.raises(BackendError, match=r"no model_index\.json"):
        DiffusersBackend(tmp_path)
    (tmp_path / "model_index.json").write_text(json.dumps({"_class_name": "StableDiffusionPipeline"}))
    with pytest.raises(BackendError, match="Unsupported pipeline StableDiffusionPipeline"):
        DiffusersBackend(tmp_path)
    with pytest.raises(BackendError, match="DIFFUSERS_DTYPE"):
        DiffusersBackend(tmp_path, dtype="int3")
    if not _missing_consisid_modules():
        pytest.skip("the ConsisID face models' packages are installed here")
    (tmp_path / "model_index.json").write_text(json.dumps({"_class_name": "ConsisIDPipeline"}))
    with pytest.raises(BackendError, match="insightface"):
        DiffusersBackend(tmp_path)


def test_pipeline_outputs_become_bgr_uint8_frames() -> None:
    import torch
    from PIL import Image

    from generation.backends.diffusers_backend import resample, video_frames

    red = np.zeros((1, 3, 4, 5, 3), np.float32)
    red[..., 0] = 1.0  # RGB in 0–1, (batch, frames, h, w, c)
    for output in (
        red,
        torch.from_numpy(red * 2 - 1).permute(0, 1, 4, 2, 3),  # -1…1, (batch, frames, c, h, w)
        [[Image.fromarray((frame * 255).astype(np.uint8)) for frame in red[0]]],
    ):
        frames = video_frames(type("Output", (), {"frames": output})())
        assert len(frames) == 3
        assert frames[0].shape == (4, 5, 3) and frames[0].dtype == np.uint8
        assert tuple(frames[0][0, 0]) == (0, 0, 255)  # red, in BGR
    ramp = [np.full((4, 4, 3), v, np.uint8) for v in (0, 100, 200)]
    out = list(resample(ramp, 5, 8, 6))
    assert [int(f[0, 0, 0]) for f in out] == [0, 50, 100, 150, 200]
    assert all(f.shape == (6, 8, 3) for f in out)


@pytest.mark.slow  # runs a (tiny) diffusers pipeline on the CPU
def test_a_model_of_another_aspect_is_never_shown_the_side_of_the_upload_the_video_crops_away(
    image_to_video_folder: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A wide photo with a face at its side, for a portrait video: the consent gate looks for faces
    only in the video's crop of it (generation.uploads.as_rendered) and finds none. A model that
    renders landscape cover-cropped the whole upload to its own aspect and was given the face. What
    the model is given is recorded as it is called, and its run stopped there: the render of a 384 px
    model input is what it would show, and took 25 s a video on two cores."""
    import functools

    from diffusers import StableVideoDiffusionPipeline

    from generation.backends.diffusers_backend import DiffusersBackend

    given: list[np.ndarray] = []

    class Given(Exception):
        pass

    @functools.wraps(StableVideoDiffusionPipeline.__call__)
    def recording(pipe, *args, **kwargs):  # type: ignore[no-untyped-def]
        given.append(np.asarray(kwargs["image"])[:, :, ::-1].copy())  # PIL RGB → BGR
        raise Given

    monkeypatch.setattr(StableVideoDiffusionPipeline, "__call__", recording)
    backend = DiffusersBackend(image_to_video_folder, steps=1, size=(384, 192))  # landscape, 2:1
    found = engine()

    def model_input(face_x: int) -> np.ndarray:
        photo = faces.paste_faces(faces.scene((1536, 512)), [("hopper", face_x, 256)], 150)
        with pytest.raises(Given):
            render(tiny(image=photo, width=36, height=64), backend)  # a 9:16 video: the photo's centre 288 px
        return given[-1]

    at_the_centre = model_input(768)
    assert at_the_centre.shape == (192, 384, 3)
    assert len(found.detect(at_the_centre)) == 1  # the model's input is large enough to show a face

    at_the_side = model_input(400)  # in the landscape crop (256..1280), not in the video's (624..912)
    assert at_the_side.shape == (192, 384, 3)
    assert found.detect(at_the_side) == []
