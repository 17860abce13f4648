"""The one interface every video backend implements (DESIGN.md §6).

Pure: numpy arrays and dataclasses in, frames out; no ORM, no Django models. The pipeline
(generation/pipeline.py) builds a RenderRequest from a job and streams the frames into the media
pipeline (generation/media/).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Protocol

import numpy as np

Progress = Callable[[float], None]  # fraction done, 0.0–1.0; cheap to call often


@dataclass(frozen=True)
class CameoRef:
    """A person to show: their handle (as the prompt mentions it), the instructions their owner adds
    to every prompt, and their reference crops (BGR uint8, square, the face centred with a margin
    showing hair and chin, typically 224×224)."""

    handle: str
    instructions: str
    crops: list[np.ndarray] = field(default_factory=list)


@dataclass(frozen=True)
class RenderRequest:
    prompt: str  # as the author wrote it (with @handles)
    cameos: list[CameoRef]
    image: np.ndarray | None  # BGR uint8: an uploaded image to animate (image-to-video), or None
    duration_s: float
    width: int
    height: int
    fps: int
    seed: int

    @property
    def frame_count(self) -> int:
        return max(1, round(self.duration_s * self.fps))

    @property
    def full_prompt(self) -> str:
        """The prompt with each cameo's instructions appended ("@ana: always wearing a blue cap")."""
        extra = [f"@{c.handle}: {c.instructions}" for c in self.cameos if c.instructions]
        return self.prompt if not extra else f"{self.prompt}. " + ". ".join(extra)


class Backend(Protocol):
    name: str  # recorded on the job and in the Content Credentials ("composite", "diffusers:<class>")

    def render(self, request: RenderRequest, progress: Progress) -> Iterator[np.ndarray]:
        """Yield exactly request.frame_count BGR uint8 frames of request.height × request.width,
        calling progress() as work is done. Deterministic for a given request (same seed, same frames)
        where the backend can be."""
        ...


class BackendError(RuntimeError):
    """The backend cannot render this request (bad configuration, unsupported input): not retried."""
