import datetime as dt

import pytest
from django.utils import timezone

from tests import synthetic_faces as faces


@pytest.fixture
def enroll(db, django_capture_on_commit_callbacks):  # type: ignore[no-untyped-def]
    """Give `user` an active cameo from a real photo, as enrollment would: its SFace template and a
    real aligned reference crop (encrypted in storage), through the enrollment service's finish."""
    from cameos import services
    from cameos.likeness.enrollment import reference_crop
    from cameos.likeness.faces import engine
    from cameos.models import Cameo, Enrollment, EnrollmentChallenge

    def make(user, photo: str = "astronaut", *, audience: str | None = None):  # type: ignore[no-untyped-def]
        image = faces.photo(photo)
        crop = reference_crop(image, engine().detect(image)[0], 256)
        challenge = EnrollmentChallenge.objects.create(
            user=user, steps=["center"], used_at=timezone.now(), expires_at=timezone.now() + dt.timedelta(minutes=1)
        )
        enrollment = Enrollment.objects.create(user=user, challenge=challenge)
        with django_capture_on_commit_callbacks(execute=True):
            services._finish(
                enrollment,
                accepted=True,
                code="accepted",
                reason="ok",
                template=faces.template(photo),
                references=services._references_save([crop]),
            )
        if audience:
            services.cameo_update(owner=user, audience=audience)
        return Cameo.objects.get(owner=user)

    return make
