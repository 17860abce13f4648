import numpy as np
import pytest
from django.utils import timezone

from cameos import services
from cameos.models import Cameo, Enrollment, EnrollmentChallenge


def unit(seed: int) -> np.ndarray:
    vector = np.random.default_rng(seed).normal(size=128).astype(np.float32)
    return vector / np.linalg.norm(vector)


@pytest.fixture
def activate_cameo(db, django_capture_on_commit_callbacks):  # type: ignore[no-untyped-def]
    """Give `user` an active cameo through the enrollment service's own finishing step (the video
    analysis itself is tested in test_likeness and test_enrollment_api)."""

    def activate(user, template=None, *, audience=None):  # type: ignore[no-untyped-def]
        challenge = EnrollmentChallenge.objects.create(
            user=user, steps=["center"], used_at=timezone.now(), expires_at=timezone.now()
        )
        enrollment = Enrollment.objects.create(user=user, challenge=challenge)
        with django_capture_on_commit_callbacks(execute=True):
            services._finish(
                enrollment,
                accepted=True,
                code="accepted",
                reason="ok",
                template=unit(user.pk) if template is None else template,
                references=[],
            )
        cameo = Cameo.objects.get(owner=user)
        if audience:
            services.cameo_update(owner=user, audience=audience)
            cameo.refresh_from_db()
        return cameo

    return activate
