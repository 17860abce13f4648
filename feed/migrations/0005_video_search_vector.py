"""Video search on PostgreSQL reads a stored tsvector (feed.selectors.videos_search): a generated
column of caption (A) and search_text (B), GIN-indexed for published videos. Stored, a video's words
are parsed once, when it is written, not again for every match a query ranks; and PostgreSQL keeps
statistics on it, so it can tell a word found in 77,000 videos from one found in ten and read the
former in rank order (BENCHMARKS.md § Discovery). SQLite keeps its FTS5 table (0003)."""

from django.db import migrations

VECTOR = (
    "(setweight(to_tsvector('english'::regconfig, coalesce(caption, '')), 'A') "
    "|| setweight(to_tsvector('english'::regconfig, coalesce(search_text, '')), 'B'))"
)
FORWARDS = [
    f"ALTER TABLE feed_video ADD COLUMN IF NOT EXISTS search_vector tsvector GENERATED ALWAYS AS ({VECTOR}) STORED",
    "CREATE INDEX IF NOT EXISTS feed_video_search_vector ON feed_video USING gin (search_vector) "
    "WHERE status = 'published'",
    "DROP INDEX IF EXISTS feed_video_search",
    "ANALYZE feed_video",
]
BACKWARDS = [
    "CREATE INDEX IF NOT EXISTS feed_video_search ON feed_video USING gin ("
    "(setweight(to_tsvector('english'::regconfig, caption), 'A') "
    "|| setweight(to_tsvector('english'::regconfig, search_text), 'B'))) WHERE status = 'published'",
    "DROP INDEX IF EXISTS feed_video_search_vector",
    "ALTER TABLE feed_video DROP COLUMN IF EXISTS search_vector",
]


def forwards(apps, schema_editor):  # type: ignore[no-untyped-def]
    if schema_editor.connection.vendor == "postgresql":
        for sql in FORWARDS:
            schema_editor.execute(sql)


def backwards(apps, schema_editor):  # type: ignore[no-untyped-def]
    if schema_editor.connection.vendor == "postgresql":
        for sql in BACKWARDS:
            schema_editor.execute(sql)


class Migration(migrations.Migration):
    dependencies = [("feed", "0004_steer")]

    operations = [migrations.RunPython(forwards, backwards)]
