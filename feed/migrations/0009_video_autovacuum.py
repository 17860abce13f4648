"""The covering and hot-score indexes of feed_video are read index-only (For You's per-author reads,
video search's rank order: feed.selectors, feed.ranking), which holds only for the table pages the
visibility map marks all-visible; a page a write touched since the last VACUUM costs a visit to the
table for each of its entries. PostgreSQL's default vacuums a table once a fifth of its rows are
dead or newly inserted: 200,000 at a million videos. On the benchmark's data 60,000 dead rows (drafts
a worker rendered) had left 16% of the pages unmarked, and a two-word search read 4,065 table
pages: 30 ms, 12 ms after a VACUUM (BENCHMARKS.md § Discovery). So feed_video is vacuumed after 2%:
the freshest videos, which every ranked read begins with, are the newest inserts."""

from django.db import migrations

SETTINGS = "autovacuum_vacuum_scale_factor = 0.02, autovacuum_vacuum_insert_scale_factor = 0.02"


def forwards(apps, schema_editor):  # type: ignore[no-untyped-def]
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(f"ALTER TABLE feed_video SET ({SETTINGS})")


def backwards(apps, schema_editor):  # type: ignore[no-untyped-def]
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(
            "ALTER TABLE feed_video RESET (autovacuum_vacuum_scale_factor, autovacuum_vacuum_insert_scale_factor)"
        )


class Migration(migrations.Migration):
    dependencies = [("feed", "0008_video_search_rum")]
    operations = [migrations.RunPython(forwards, backwards)]
