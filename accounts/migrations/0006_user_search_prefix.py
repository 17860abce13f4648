"""People search on PostgreSQL (accounts.selectors._candidates_postgresql): btree indexes with pattern
operators for names that start with the query. pg_trgm's GIN indexes (0005) answer "similar", but
for a prefix of two or three letters they return every name with those trigrams anywhere (22,000 of
100,000 people for "ma"); an ordered btree range reads only those starting with it."""

from django.db import migrations

FORWARDS = [
    # INCLUDE: what the search reads of each row, so thousands of rows sharing a two-letter start
    # are read from the index alone (an index-only scan), never from the table.
    "CREATE INDEX IF NOT EXISTS accounts_user_handle_prefix ON accounts_user (handle text_pattern_ops) "
    "INCLUDE (is_active)",
    "CREATE INDEX IF NOT EXISTS accounts_user_display_name_prefix ON accounts_user "
    "(lower(display_name) text_pattern_ops) INCLUDE (is_active, display_name)",
]
BACKWARDS = [
    "DROP INDEX IF EXISTS accounts_user_display_name_prefix",
    "DROP INDEX IF EXISTS accounts_user_handle_prefix",
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
    dependencies = [("accounts", "0005_user_search")]

    operations = [migrations.RunPython(forwards, backwards)]
