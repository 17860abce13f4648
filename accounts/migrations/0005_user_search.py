"""People search (accounts.selectors.people_search): on PostgreSQL, pg_trgm and GIN trigram indexes on
the handle and the display name; on SQLite, an FTS5 table over both, kept in step by triggers.
A later migration that makes SQLite rebuild accounts_user drops these triggers: it must create them again."""

from django.db import migrations

POSTGRES = [
    "CREATE EXTENSION IF NOT EXISTS pg_trgm",
    "CREATE INDEX IF NOT EXISTS accounts_user_handle_trgm ON accounts_user USING gin (handle gin_trgm_ops)",
    "CREATE INDEX IF NOT EXISTS accounts_user_display_name_trgm ON accounts_user "
    "USING gin (lower(display_name) gin_trgm_ops)",
]
POSTGRES_DROP = [
    "DROP INDEX IF EXISTS accounts_user_display_name_trgm",
    "DROP INDEX IF EXISTS accounts_user_handle_trgm",
]
# An external-content FTS5 table: it stores only the index; the rows stay in accounts_user.
SQLITE = [
    "CREATE VIRTUAL TABLE IF NOT EXISTS accounts_user_fts USING fts5("
    "handle, display_name, content='accounts_user', content_rowid='id')",
    "CREATE TRIGGER IF NOT EXISTS accounts_user_fts_insert AFTER INSERT ON accounts_user BEGIN "
    "INSERT INTO accounts_user_fts(rowid, handle, display_name) VALUES (new.id, new.handle, new.display_name); END",
    "CREATE TRIGGER IF NOT EXISTS accounts_user_fts_delete AFTER DELETE ON accounts_user BEGIN "
    "INSERT INTO accounts_user_fts(accounts_user_fts, rowid, handle, display_name) "
    "VALUES ('delete', old.id, old.handle, old.display_name); END",
    "CREATE TRIGGER IF NOT EXISTS accounts_user_fts_update AFTER UPDATE OF handle, display_name ON accounts_user "
    "BEGIN INSERT INTO accounts_user_fts(accounts_user_fts, rowid, handle, display_name) "
    "VALUES ('delete', old.id, old.handle, old.display_name); "
    "INSERT INTO accounts_user_fts(rowid, handle, display_name) VALUES (new.id, new.handle, new.display_name); END",
    "INSERT INTO accounts_user_fts(accounts_user_fts) VALUES ('rebuild')",
]
SQLITE_DROP = [
    "DROP TRIGGER IF EXISTS accounts_user_fts_update",
    "DROP TRIGGER IF EXISTS accounts_user_fts_delete",
    "DROP TRIGGER IF EXISTS accounts_user_fts_insert",
    "DROP TABLE IF EXISTS accounts_user_fts",
]


def _run(schema_editor, statements):
    for statement in statements:
        schema_editor.execute(statement)


def forwards(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    if vendor == "postgresql":
        _run(schema_editor, POSTGRES)
    elif vendor == "sqlite":
        _run(schema_editor, SQLITE)


def backwards(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    if vendor == "postgresql":
        _run(schema_editor, POSTGRES_DROP)
    elif vendor == "sqlite":
        _run(schema_editor, SQLITE_DROP)


class Migration(migrations.Migration):
    dependencies = [("accounts", "0004_notification_appearance_to_confirm")]
    operations = [migrations.RunPython(forwards, backwards)]
