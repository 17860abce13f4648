"""The video face index's HNSW index (cosine) on PostgreSQL; other databases search exactly."""

from django.db import migrations

CREATE = ("CREATE INDEX IF NOT EXISTS cameos_videoface_hnsw ON cameos_videoface "
          "USING hnsw (embedding vector_cosine_ops) WITH (m = 16, ef_construction = 64)")
DROP = "DROP INDEX IF EXISTS cameos_videoface_hnsw"


def forwards(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(CREATE)


def backwards(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(DROP)


class Migration(migrations.Migration):
    dependencies = [("cameos", "0003_video_faces")]
    operations = [migrations.RunPython(forwards, backwards)]
