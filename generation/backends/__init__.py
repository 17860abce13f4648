"""Video backends (DESIGN.md §6): `get_backend(name)` gives the one a job asked for.

This module is imported by the web process, so it imports nothing heavy: each backend's module (cv2,
torch, diffusers) is imported only when that backend is asked for, in a worker.
"""

from __future__ import annotations

from generation.backends.base import Audio, Backend, BackendError, CameoRef, Progress, Rendering, RenderRequest

__all__ = [
    "BACKENDS",
    "Audio",
    "Backend",
    "BackendError",
    "CameoRef",
    "Progress",
    "RenderRequest",
    "Rendering",
    "get_backend",
]

BACKENDS = ("composite", "diffusers")


def get_backend(name: str) -> Backend:
    """The backend called `name`: "composite" (default, CPU) or "diffusers" (a local pipeline folder,
    configured by generation.conf's DIFFUSERS_* fields). Unknown names and bad configuration raise BackendError."""
    if name == "composite":
        from generation.backends.composite import CompositeBackend

        return CompositeBackend()
    if name == "diffusers":
        from generation.backends.diffusers_backend import DiffusersBackend

        return DiffusersBackend.from_settings()
    raise BackendError(f"Unknown generation backend {name!r}: use one of {', '.join(BACKENDS)}.")
