"""Video search on PostgreSQL reads the best-ranked matches of a common word from an index alone
(feed.selectors.videos_search): the hot-score order of published videos with each one's author and
search vector carried in the index entries (INCLUDE), so the ordered scan tests its words without
visiting the table: 15,000 entries read in ~3 ms instead of ~15,000 table rows in ~34 ms
(BENCHMARKS.md § Discovery).

A btree entry holds at most 2,704 bytes, and a prompt of 1,000 characters can make a longer vector,
so the index covers the videos whose vector's text form is at most 2,000 characters (its stored form
is at most ~1.2× that); the longer ones get a GIN index of their own, and statistics on the size
tell the planner how few they are. 2,000 is feed.selectors._COVERED_VECTOR_CHARS."""

from django.db import migrations

COVERED = "status = 'published' AND octet_length(search_vector::text) <= 2000"
LONG = "status = 'published' AND octet_length(search_vector::text) > 2000"
FORWARDS = [
    "CREATE INDEX IF NOT EXISTS feed_video_hot_search ON feed_video (hot_score DESC, id DESC) "
    f"INCLUDE (author_id, search_vector) WHERE {COVERED}",
    f"CREATE INDEX IF NOT EXISTS feed_video_search_vector_long ON feed_video USING gin (search_vector) WHERE {LONG}",
    "CREATE STATISTICS IF NOT EXISTS feed_video_search_size ON (octet_length(search_vector::text)) FROM feed_video",
    "ANALYZE feed_video",
]
BACKWARDS = [
    "DROP STATISTICS IF EXISTS feed_video_search_size",
    "DROP INDEX IF EXISTS feed_video_search_vector_long",
    "DROP INDEX IF EXISTS feed_video_hot_search",
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
    dependencies = [("feed", "0006_steer_video")]

    operations = [migrations.RunPython(forwards, backwards)]
