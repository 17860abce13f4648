"""The jobs' admin: staff may look, never edit (that would skip the consent checks), and never see
the private uploaded image or where it is stored."""

import pytest
from django.core.files.base import ContentFile
from django.test import Client

from generation.models import GenerationJob

pytestmark = pytest.mark.django_db


def test_staff_see_a_job_without_its_private_image_and_cannot_edit_it(me, make_user):
    staff = make_user("staff.one")
    staff.is_staff = staff.is_superuser = True
    staff.save()
    job = GenerationJob.objects.create(author=me, prompt="a cat on a beach", duration_s=2, seed=1)
    job.image.save("0123abcd.png", ContentFile(b"\x89PNG not shown"), save=True)
    client = Client()
    client.force_login(staff)

    page = client.get(f"/admin/generation/generationjob/{job.pk}/change/")

    assert page.status_code == 200
    html = page.content.decode()
    assert "a cat on a beach" in html and "image uploaded" in html.lower()
    assert job.image.name not in html and "0123abcd" not in html
    client.post(f"/admin/generation/generationjob/{job.pk}/change/", {"prompt": "edited", "status": "published"})
    job.refresh_from_db()
    assert (job.prompt, job.status) == ("a cat on a beach", "queued")
    assert client.get("/admin/generation/generationjob/add/").status_code == 403
    assert client.get(f"/admin/generation/generationjob/{job.pk}/delete/").status_code == 403
