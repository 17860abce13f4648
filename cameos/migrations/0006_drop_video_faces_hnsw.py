"""The video face index is only ever searched exactly (a person must not miss a video of themselves:
gallery.videos_with_face), so its HNSW index was never used and only slowed inserts: dropped."""

from django.db import migrations

CREATE = ("CREATE INDEX IF NOT EXISTS cameos_videoface_hnsw ON cameos_videoface "
          "USING hnsw (embedding vector_cosine_ops) WITH (m = 16, ef_construction = 64)")
DROP = "DROP INDEX IF EXISTS cameos_videoface_hnsw"


def forwards(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(DROP)


def backwards(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(CREATE)


class Migration(migrations.Migration):
    dependencies = [("cameos", "0005_appearances")]
    operations = [migrations.RunPython(forwards, backwards)]
