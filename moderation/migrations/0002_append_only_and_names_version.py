"""The audit log refuses changes in the database itself, and the names version row exists.

PostgreSQL refuses UPDATE and DELETE of audit rows (TRUNCATE, used only to empty test databases,
is not a row change). SQLite refuses UPDATE only: its test runner empties tables with DELETE."""

from django.db import migrations

PG_FORWARDS = """
CREATE OR REPLACE FUNCTION moderation_audit_append_only() RETURNS trigger AS $$
BEGIN RAISE EXCEPTION 'the audit log is append-only'; END $$ LANGUAGE plpgsql;
CREATE TRIGGER moderation_audit_append_only BEFORE UPDATE OR DELETE ON moderation_auditevent
FOR EACH ROW EXECUTE FUNCTION moderation_audit_append_only();
"""
PG_BACKWARDS = """
DROP TRIGGER IF EXISTS moderation_audit_append_only ON moderation_auditevent;
DROP FUNCTION IF EXISTS moderation_audit_append_only();
"""
SQLITE_FORWARDS = """
CREATE TRIGGER moderation_audit_append_only BEFORE UPDATE ON moderation_auditevent
BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END;
"""


def forwards(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    if vendor == "postgresql":
        schema_editor.execute(PG_FORWARDS)
    elif vendor == "sqlite":
        schema_editor.execute(SQLITE_FORWARDS)
    apps.get_model("moderation", "NamesVersion").objects.get_or_create(pk=1, defaults={"token": "initial"})


def backwards(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    if vendor == "postgresql":
        schema_editor.execute(PG_BACKWARDS)
    elif vendor == "sqlite":
        schema_editor.execute("DROP TRIGGER IF EXISTS moderation_audit_append_only")


class Migration(migrations.Migration):
    dependencies = [("moderation", "0001_initial")]
    operations = [migrations.RunPython(forwards, backwards)]
