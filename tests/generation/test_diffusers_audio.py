"""The diffusers backend's sound: LTX-2 (text- and image-to-video-and-audio) and Kandinsky 6 (text-and-
image-to-video-and-audio) as tiny randomly initialised pipelines of the real diffusers classes, built on
the CPU with tokenizers and text encoders made in code (nothing is downloaded), saved to a folder and
run from it as a worker does. Their render() yields the request's frames and returns the model's
waveform at the model's audio rate; video-only pipelines return no sound."""

from __future__ import annotations

import string
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from generation.backends import Audio, RenderRequest, get_backend
from generation.backends.diffusers_audio import clip_length, covering, read_audio
from tests import synthetic_faces as faces
from tests.generation.test_backends import text_to_video_folder  # noqa: F401 (a fixture)

LTX2_RATE = 800  # the tiny vocoder's output rate (a real LTX-2 vocoder: 24 or 48 kHz)
KANDINSKY6_RATE = 64  # the tiny MMAudio VAE's sample rate (the real one: 44.1 kHz)


def run(backend: Any, request: RenderRequest) -> tuple[list[np.ndarray], Audio | None, list[float]]:
    """The frames render() yields, the sound it returns and the progress it reports."""
    reported: list[float] = []
    rendering = backend.render(request, reported.append)
    frames = []
    while True:
        try:
            frames.append(next(rendering))
        except StopIteration as stop:
            return frames, stop.value, reported


def tiny(**overrides: Any) -> RenderRequest:
    values = {"image": None, "duration_s": 0.5, "width": 32, "height": 32, "fps": 8, "seed": 3} | overrides
    return RenderRequest(prompt="a cat surfing at sunset", cameos=[], **values)


def assert_sound_covers(audio: Audio | None, request: RenderRequest, rate: int, channels: int) -> None:
    assert isinstance(audio, Audio)
    assert audio.rate == rate
    assert audio.samples.dtype == np.float32
    assert audio.samples.shape[:-1] == ((channels,) if channels > 1 else ())
    assert np.isfinite(audio.samples).all() and np.abs(audio.samples).max() <= 1.0
    assert float(np.std(audio.samples)) > 0  # a waveform, not silence
    # The model made the request's duration and a 0.1 s margin (at most one latent frame more).
    assert request.duration_s <= audio.seconds <= request.duration_s + 0.5, audio.seconds


# ---------------------------------------------------------------------------------------------------
# Tiny pipelines


def _gemma() -> tuple[Any, Any]:
    """A Gemma tokenizer over single characters and a tiny Gemma 3 (LTX-2's text encoder)."""
    import torch
    from transformers import Gemma3Config, Gemma3ForConditionalGeneration, GemmaTokenizer

    vocab = {"<pad>": 0, "<eos>": 1, "<bos>": 2, "<unk>": 3, "<mask>": 4, "▁": 5}
    for char in string.ascii_letters + string.digits + ".,@:'-!?":
        vocab[char] = len(vocab)
        vocab["▁" + char] = len(vocab)
    torch.manual_seed(0)
    config = Gemma3Config(
        text_config={
            "hidden_size": 32,
            "intermediate_size": 32,
            "num_hidden_layers": 2,
            "num_attention_heads": 2,
            "num_key_value_heads": 1,
            "head_dim": 16,
            "vocab_size": len(vocab),
            "max_position_embeddings": 2048,
            "sliding_window": 64,
        },
        vision_config={
            "hidden_size": 16,
            "intermediate_size": 32,
            "num_hidden_layers": 1,
            "num_attention_heads": 2,
            "image_size": 32,
            "patch_size": 16,
        },
        mm_tokens_per_image=4,
    )
    return GemmaTokenizer(vocab=vocab, merges=[]), Gemma3ForConditionalGeneration(config)


def _ltx2_folder(folder: Path, image_to_video: bool) -> Path:
    import torch
    from diffusers import (
        AutoencoderKLLTX2Audio,
        AutoencoderKLLTX2Video,
        FlowMatchEulerDiscreteScheduler,
        LTX2ImageToVideoPipeline,
        LTX2Pipeline,
        LTX2VideoTransformer3DModel,
    )
    from diffusers.pipelines.ltx2 import LTX2TextConnectors
    from diffusers.pipelines.ltx2.vocoder import LTX2Vocoder

    tokenizer, text_encoder = _gemma()
    hidden, layers = text_encoder.config.text_config.hidden_size, text_encoder.config.text_config.num_hidden_layers
    torch.manual_seed(0)
    transformer = LTX2VideoTransformer3DModel(
        in_channels=4,
        out_channels=4,
        patch_size=1,
        patch_size_t=1,
        num_attention_heads=2,
        attention_head_dim=8,
        cross_attention_dim=16,
        audio_in_channels=4,
        audio_out_channels=4,
        audio_num_attention_heads=2,
        audio_attention_head_dim=4,
        audio_cross_attention_dim=8,
        num_layers=2,
        qk_norm="rms_norm_across_heads",
        caption_channels=hidden,
        rope_double_precision=False,
        rope_type="split",
    )
    connectors = LTX2TextConnectors(
        caption_channels=hidden,
        text_proj_in_factor=layers + 1,
        video_connector_num_attention_heads=4,
        video_connector_attention_head_dim=8,
        video_connector_num_layers=1,
        video_connector_num_learnable_registers=None,
        audio_connector_num_attention_heads=4,
        audio_connector_attention_head_dim=8,
        audio_connector_num_layers=1,
        audio_connector_num_learnable_registers=None,
        connector_rope_base_seq_len=32,
        rope_theta=10000.0,
        rope_double_precision=False,
        causal_temporal_positioning=False,
        rope_type="split",
    )
    vae = AutoencoderKLLTX2Video(  # three levels: 8× smaller in space and time, few latent tokens
        in_channels=3,
        out_channels=3,
        latent_channels=4,
        block_out_channels=(8, 8, 8),
        decoder_block_out_channels=(8, 8, 8),
        layers_per_block=(1, 1, 1),
        decoder_layers_per_block=(1, 1, 1, 1),
        spatio_temporal_scaling=(True, True, True),
        decoder_spatio_temporal_scaling=(True, True, True),
        decoder_inject_noise=(False, False, False, False),
        downsample_type=("spatial", "spatial", "spatial"),
        upsample_residual=(False, False, False),
        upsample_factor=(1, 1, 1),
        timestep_conditioning=False,
        patch_size=1,
        patch_size_t=1,
        encoder_causal=True,
        decoder_causal=False,
    )
    # A low audio rate keeps the sound short: mel hop 4 at 800 Hz, and a vocoder that upsamples 2 × 2 = 4.
    audio_vae = AutoencoderKLLTX2Audio(
        base_channels=4,
        output_channels=2,
        ch_mult=(1,),
        num_res_blocks=1,
        attn_resolutions=None,
        in_channels=2,
        resolution=32,
        latent_channels=2,
        norm_type="pixel",
        causality_axis="height",
        dropout=0.0,
        mid_block_add_attention=False,
        sample_rate=LTX2_RATE,
        mel_hop_length=4,
        is_causal=True,
        mel_bins=8,
    )
    vocoder = LTX2Vocoder(
        in_channels=audio_vae.config.output_channels * audio_vae.config.mel_bins,
        hidden_channels=32,
        out_channels=2,
        upsample_kernel_sizes=[4, 4],
        upsample_factors=[2, 2],
        resnet_kernel_sizes=[3],
        resnet_dilations=[[1, 3, 5]],
        leaky_relu_negative_slope=0.1,
        output_sampling_rate=LTX2_RATE,
    )
    cls = LTX2ImageToVideoPipeline if image_to_video else LTX2Pipeline
    pipeline = cls(
        transformer=transformer,
        vae=vae,
        audio_vae=audio_vae,
        scheduler=FlowMatchEulerDiscreteScheduler(),
        text_encoder=text_encoder,
        tokenizer=tokenizer,
        connectors=connectors,
        vocoder=vocoder,
    )
    pipeline.save_pretrained(folder)
    return folder


@pytest.fixture(scope="module")
def ltx2_folder(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return _ltx2_folder(tmp_path_factory.mktemp("pipelines") / "ltx2", image_to_video=False)


@pytest.fixture(scope="module")
def ltx2_i2v_folder(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return _ltx2_folder(tmp_path_factory.mktemp("pipelines") / "ltx2_i2v", image_to_video=True)


@pytest.fixture(scope="module")
def kandinsky6_folder(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Kandinsky 6 with its real component classes, except that its Qwen2.5-VL processor is the bare
    Qwen2 tokenizer it wraps (the processor's video part needs torchvision; prompts are text only)."""
    import torch
    from diffusers import (
        AutoencoderKLHunyuanVideo,
        FlowMatchEulerDiscreteScheduler,
        Kandinsky6TI2VAPipeline,
        Kandinsky6Transformer3DModel,
        MMAudioVAE,
        MMAudioVocoder,
    )
    from transformers import (
        CLIPTextConfig,
        CLIPTextModel,
        CLIPTokenizer,
        Qwen2_5_VLConfig,
        Qwen2_5_VLForConditionalGeneration,
        Qwen2Tokenizer,
    )
    from transformers.convert_slow_tokenizer import bytes_to_unicode

    vocab = {char: index for index, char in enumerate(bytes_to_unicode().values())}
    special = ["<|im_start|>", "<|im_end|>", "<|vision_start|>", "<|vision_end|>", "<|image_pad|>", "<|video_pad|>"]
    for token in ["<|endoftext|>", *special]:
        vocab[token] = len(vocab)
    qwen_tokenizer = Qwen2Tokenizer(vocab=vocab, merges=[])
    qwen_tokenizer.add_special_tokens({"additional_special_tokens": special})
    torch.manual_seed(0)
    qwen = Qwen2_5_VLForConditionalGeneration(
        Qwen2_5_VLConfig(
            text_config={
                "hidden_size": 32,
                "intermediate_size": 32,
                "num_hidden_layers": 2,
                "num_attention_heads": 2,
                "num_key_value_heads": 2,
                "rope_scaling": {"mrope_section": [2, 2, 4], "rope_type": "default", "type": "default"},
                "rope_theta": 1e6,
                "vocab_size": len(vocab),
                "bos_token_id": vocab["<|endoftext|>"],
                "eos_token_id": vocab["<|im_end|>"],
            },
            vision_config={
                "depth": 1,
                "hidden_size": 32,
                "intermediate_size": 32,
                "num_heads": 2,
                "out_hidden_size": 32,
            },
            hidden_size=32,
            vocab_size=len(vocab),
            vision_start_token_id=vocab["<|vision_start|>"],
            vision_end_token_id=vocab["<|vision_end|>"],
            vision_token_id=vocab["<|image_pad|>"],
            image_token_id=vocab["<|image_pad|>"],
            video_token_id=vocab["<|video_pad|>"],
        )
    )
    clip_vocab = {"<|startoftext|>": 0, "<|endoftext|>": 1}
    for char in string.ascii_lowercase + string.digits + ".,@:'-!":
        clip_vocab[char] = len(clip_vocab)
        clip_vocab[char + "</w>"] = len(clip_vocab)
    clip = CLIPTextModel(
        CLIPTextConfig(
            bos_token_id=0,
            eos_token_id=1,
            pad_token_id=1,
            hidden_size=16,
            intermediate_size=16,
            num_attention_heads=2,
            num_hidden_layers=2,
            vocab_size=len(clip_vocab),
            max_position_embeddings=77,
            projection_dim=16,
        )
    )
    torch.manual_seed(0)
    pipeline = Kandinsky6TI2VAPipeline(
        transformer=Kandinsky6Transformer3DModel(
            in_visual_dim=4,
            out_visual_dim=4,
            in_text_dim=32,
            in_text_dim2=16,
            time_dim=16,
            patch_size=(1, 2, 2),
            model_dim=12,
            ff_dim=24,
            num_text_blocks=1,
            num_visual_blocks=2,
            axes_dims=(2, 1, 1),
            visual_cond=True,
            in_audio_dim=4,
            out_audio_dim=4,
            visual_token_type_num_embeddings=2,
        ),
        vae=AutoencoderKLHunyuanVideo(
            act_fn="silu",
            block_out_channels=[8, 8, 8],
            down_block_types=["HunyuanVideoDownBlock3D"] * 3,
            in_channels=3,
            latent_channels=4,
            layers_per_block=1,
            mid_block_add_attention=False,
            norm_num_groups=2,
            out_channels=3,
            scaling_factor=0.476986,
            spatial_compression_ratio=8,
            temporal_compression_ratio=4,
            up_block_types=["HunyuanVideoUpBlock3D"] * 3,
        ),
        text_encoder=qwen,
        tokenizer=qwen_tokenizer,
        text_encoder_2=clip,
        tokenizer_2=CLIPTokenizer(vocab=clip_vocab, merges=[], model_max_length=77),
        scheduler=FlowMatchEulerDiscreteScheduler(shift=7.0),
        # hop 4 at 64 Hz; the vocoder's upsampling (2 × 2) matches the hop.
        audio_vae=MMAudioVAE(
            mel_bins=8,
            latent_channels=4,
            hidden_channels=8,
            channel_multipliers=(1, 2),
            layers_per_block=1,
            sample_rate=KANDINSKY6_RATE,
            n_fft=16,
            hop_length=4,
        ),
        vocoder=MMAudioVocoder(
            num_mels=8,
            upsample_initial_channel=8,
            upsample_rates=(2, 2),
            upsample_kernel_sizes=(4, 4),
            resblock_kernel_sizes=(3,),
            resblock_dilation_sizes=((1, 3),),
        ),
    )
    folder = tmp_path_factory.mktemp("pipelines") / "kandinsky6"
    pipeline.save_pretrained(folder)
    return folder


# ---------------------------------------------------------------------------------------------------
# The pipelines, run as a worker runs them


@pytest.mark.slow  # runs a (tiny) diffusers pipeline on the CPU
def test_ltx2_yields_the_frames_and_returns_its_sound(ltx2_folder: Path, settings) -> None:  # type: ignore[no-untyped-def]
    from generation.backends.diffusers_backend import DiffusersBackend

    settings.CASTFEED_GENERATION = {
        **settings.CASTFEED_GENERATION,
        "DIFFUSERS_PIPELINE_PATH": str(ltx2_folder),
        "DIFFUSERS_DEVICE": "cpu",
        "DIFFUSERS_STEPS": 2,
        "DIFFUSERS_DTYPE": "float32",
    }
    backend = get_backend("diffusers")
    assert isinstance(backend, DiffusersBackend)
    assert backend.name == "diffusers:LTX2Pipeline"
    request = tiny()
    frames, audio, reported = run(backend, request)
    assert len(frames) == request.frame_count == 4
    assert all(f.shape == (32, 32, 3) and f.dtype == np.uint8 for f in frames)
    assert reported == sorted(reported) and reported[-1] == 1.0
    assert_sound_covers(audio, request, LTX2_RATE, channels=2)  # LTX-2's vocoder is stereo
    assert audio is not None
    again_frames, again, _ = run(backend, request)  # the same seed: the same picture and sound
    assert again is not None and np.array_equal(again.samples, audio.samples)
    assert all(np.array_equal(a, b) for a, b in zip(frames, again_frames, strict=True))
    # A longer request: more frames and a longer sound, still covering the clip.
    longer = tiny(duration_s=1.0, fps=6, seed=4)
    frames, other, _ = run(backend, longer)
    assert len(frames) == 6
    assert_sound_covers(other, longer, LTX2_RATE, channels=2)
    assert other is not None and other.seconds > audio.seconds


@pytest.mark.slow  # runs a (tiny) diffusers pipeline on the CPU
def test_ltx2_image_to_video_takes_the_uploaded_image(ltx2_i2v_folder: Path) -> None:
    from generation.backends.diffusers_backend import DiffusersBackend

    backend = DiffusersBackend(ltx2_i2v_folder, steps=2)
    assert backend.name == "diffusers:LTX2ImageToVideoPipeline"
    upload = tiny(image=faces.photo("scene"), width=40, height=32)
    frames, audio, _ = run(backend, upload)
    assert len(frames) == 4 and all(f.shape == (32, 40, 3) for f in frames)
    assert_sound_covers(audio, upload, LTX2_RATE, channels=2)
    black = tiny(image=np.zeros((48, 64, 3), np.uint8), width=40, height=32)
    other, _, _ = run(backend, black)
    assert not np.array_equal(frames[0], other[0])  # another start image, another video


@pytest.mark.slow  # runs a (tiny) diffusers pipeline on the CPU
def test_kandinsky6_sound_with_and_without_an_image(kandinsky6_folder: Path) -> None:
    from generation.backends.diffusers_backend import DiffusersBackend

    backend = DiffusersBackend(kandinsky6_folder, steps=2)
    assert backend.name == "diffusers:Kandinsky6TI2VAPipeline"
    text_only = tiny()
    frames, audio, reported = run(backend, text_only)
    assert len(frames) == 4 and all(f.shape == (32, 32, 3) and f.dtype == np.uint8 for f in frames)
    assert [round(r, 2) for r in reported[:2]] == [0.45, 0.9]  # each of the 2 denoising steps
    assert_sound_covers(audio, text_only, KANDINSKY6_RATE, channels=1)  # MMAudio: mono
    upload = tiny(image=faces.photo("scene"))
    with_image, sound, _ = run(backend, upload)
    assert len(with_image) == 4
    assert_sound_covers(sound, upload, KANDINSKY6_RATE, channels=1)
    assert not np.array_equal(with_image[0], frames[0])  # the upload conditions the video


@pytest.mark.slow  # runs a (tiny) diffusers pipeline on the CPU
def test_video_only_pipelines_return_no_sound(text_to_video_folder: Path) -> None:  # noqa: F811
    from generation.backends.diffusers_backend import DiffusersBackend

    frames, audio, _ = run(DiffusersBackend(text_to_video_folder, steps=2), tiny())
    assert len(frames) == 4
    assert audio is None


# ---------------------------------------------------------------------------------------------------
# The helpers


def test_the_clip_covers_the_request_on_the_models_frame_grid() -> None:
    import inspect

    def call(frame_rate: float = 24.0) -> None: ...

    parameters = inspect.signature(call).parameters
    pipe = type("Pipe", (), {"vae_temporal_compression_ratio": 8})()
    frames, rate = clip_length(pipe, parameters, 5.0)
    assert rate == 24.0
    assert (frames - 1) % 8 == 0 and frames / rate >= 5.1 and frames - 8 < 5.1 * 24 + 1
    # Frames up to the request's last one, so the picture stays in time with the sound.
    clip = [np.full((2, 2, 3), i, np.uint8) for i in range(frames)]
    kept = covering(clip, rate, 5 * 30, 30)
    assert len(kept) == round(149 / 30 * 24) + 1 == 120


def test_read_audio_takes_the_first_waveform_as_float32() -> None:
    import torch

    stereo = read_audio(type("Out", (), {"audio": torch.full((1, 2, 10), 2.0)})(), 24000)
    assert stereo is not None and stereo.samples.shape == (2, 10) and stereo.rate == 24000
    assert stereo.samples.dtype == np.float32 and float(stereo.samples.max()) == 1.0  # clipped to [-1, 1]
    mono = read_audio(type("Out", (), {"audio": np.full((1, 8), np.nan)})(), 44100)
    assert mono is not None and mono.samples.shape == (8,) and np.isfinite(mono.samples).all()
    assert read_audio(type("Out", (), {"audio": None})(), 16000) is None
