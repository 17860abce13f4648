"""Video search (feed.selectors.videos_search): the prompt words a video is found by, and a full-text
index over them and the caption, in each database's own engine.

PostgreSQL: a GIN index on the weighted tsvector of caption (A) and search_text (B), of published
videos only; the selector's expression must stay exactly this one for the index to serve it.
SQLite: an FTS5 table over feed_video's caption and search_text (external content: it stores only the
index), kept in step by triggers. A later migration that remakes feed_video on SQLite drops its
triggers with the old table and must create them again (SQLITE_TRIGGERS).
"""

from django.db import migrations, models

PG_VECTOR = (
    "(setweight(to_tsvector('english'::regconfig, caption), 'A') "
    "|| setweight(to_tsvector('english'::regconfig, search_text), 'B'))"
)
PG_CREATE = (
    f"CREATE INDEX IF NOT EXISTS feed_video_search ON feed_video USING gin ({PG_VECTOR}) WHERE status = 'published'"
)
PG_DROP = "DROP INDEX IF EXISTS feed_video_search"

SQLITE_TABLE = (
    "CREATE VIRTUAL TABLE IF NOT EXISTS feed_video_fts USING fts5(caption, search_text, "
    "content='feed_video', content_rowid='id', tokenize='porter unicode61')"
)
SQLITE_TRIGGERS = [
    "CREATE TRIGGER IF NOT EXISTS feed_video_fts_insert AFTER INSERT ON feed_video BEGIN "
    "INSERT INTO feed_video_fts(rowid, caption, search_text) VALUES (new.id, new.caption, new.search_text); END",
    "CREATE TRIGGER IF NOT EXISTS feed_video_fts_delete AFTER DELETE ON feed_video BEGIN "
    "INSERT INTO feed_video_fts(feed_video_fts, rowid, caption, search_text) "
    "VALUES ('delete', old.id, old.caption, old.search_text); END",
    "CREATE TRIGGER IF NOT EXISTS feed_video_fts_update AFTER UPDATE OF caption, search_text ON feed_video BEGIN "
    "INSERT INTO feed_video_fts(feed_video_fts, rowid, caption, search_text) "
    "VALUES ('delete', old.id, old.caption, old.search_text); "
    "INSERT INTO feed_video_fts(rowid, caption, search_text) VALUES (new.id, new.caption, new.search_text); END",
]
SQLITE_REBUILD = "INSERT INTO feed_video_fts(feed_video_fts) VALUES ('rebuild')"
SQLITE_DROP = [
    "DROP TRIGGER IF EXISTS feed_video_fts_insert",
    "DROP TRIGGER IF EXISTS feed_video_fts_delete",
    "DROP TRIGGER IF EXISTS feed_video_fts_update",
    "DROP TABLE IF EXISTS feed_video_fts",
]


def forwards(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    if vendor == "postgresql":
        schema_editor.execute(PG_CREATE)
    elif vendor == "sqlite":
        for sql in [SQLITE_TABLE, *SQLITE_TRIGGERS, SQLITE_REBUILD]:
            schema_editor.execute(sql)


def backwards(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    if vendor == "postgresql":
        schema_editor.execute(PG_DROP)
    elif vendor == "sqlite":
        for sql in SQLITE_DROP:
            schema_editor.execute(sql)


class Migration(migrations.Migration):
    dependencies = [("feed", "0002_video_fingerprint")]

    operations = [
        migrations.AddField(
            model_name="video",
            name="search_text",
            field=models.TextField(blank=True, editable=False),
        ),
        migrations.RunPython(forwards, backwards),
    ]
