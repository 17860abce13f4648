"""An index over the jobs that remixed a video (partial: most jobs remix nothing). A video's deletion
locks those jobs (generation.services.jobs_of_video_hold) and unlinks them (SET_NULL); without it,
each deletion read every job: 0.8 s among a million on PostgreSQL (BENCHMARKS.md § Erasure)."""

from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("feed", "0011_removedfingerprint_hidden_for_review"),
        ("generation", "0007_job_people_gin"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.AddIndex(
            model_name="generationjob",
            index=models.Index(
                condition=models.Q(("remix_of__isnull", False)), fields=["remix_of"], name="generation_job_remix_of"
            ),
        ),
    ]
