import pytest

from tests import synthetic_faces as faces


@pytest.fixture
def enroll(db, django_capture_on_commit_callbacks):  # type: ignore[no-untyped-def]
    """Give `user` an active cameo from a real photo, as enrollment would: its SFace template and a
    real aligned reference crop (encrypted in storage)."""
    from cameos import services
    from tests.enroll import finish_enrollment

    def make(user, photo: str = "astronaut", *, audience: str | None = None):  # type: ignore[no-untyped-def]
        with django_capture_on_commit_callbacks(execute=True):
            cameo = finish_enrollment(user, template=faces.template(photo), photo=photo)
        if audience:
            services.cameo_update(owner=user, audience=audience)
            cameo.refresh_from_db()
        return cameo

    return make


@pytest.fixture
def c2pa_dev_dir(settings, tmp_path_factory):  # type: ignore[no-untyped-def]
    """A development C2PA chain of the test's own, made on first use (generation.media.provenance)."""
    settings.CASTFEED_GENERATION = {**settings.CASTFEED_GENERATION, "C2PA_DEV_DIR": tmp_path_factory.mktemp("c2pa")}
