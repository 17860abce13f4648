"""Make someone's cameo active as an accepted enrollment would, through the enrollment service's own
finishing step (the video analysis itself is tested in tests/cameos). Used by fixtures and benchmarks."""

from __future__ import annotations

import datetime as dt
from typing import Any

import numpy as np


def random_template(seed: int) -> np.ndarray:
    vector = np.random.default_rng(seed).normal(size=128).astype(np.float32)
    return vector / np.linalg.norm(vector)


def finish_enrollment(user: Any, *, template: np.ndarray, photo: str | None = None) -> Any:
    """Accept an enrollment of `user` with this template; with `photo` (a name in
    tests.synthetic_faces), also store a real aligned reference crop of that face, encrypted."""
    from django.utils import timezone

    from cameos.models import Cameo, Enrollment, EnrollmentChallenge
    from cameos.services import enrollment as services

    references: list[str] = []
    if photo is not None:
        from cameos.likeness.enrollment import reference_crop
        from cameos.likeness.faces import engine
        from tests import synthetic_faces as faces

        image = faces.photo(photo)
        references = services._references_save([reference_crop(image, engine().detect(image)[0], 256)])
    now = timezone.now()
    challenge = EnrollmentChallenge.objects.create(
        user=user, steps=["center"], used_at=now, expires_at=now + dt.timedelta(minutes=1)
    )
    enrollment = Enrollment.objects.create(user=user, challenge=challenge)
    services._finish(enrollment, accepted=True, code="accepted", reason="ok", template=template, references=references)
    return Cameo.objects.get(owner=user)
