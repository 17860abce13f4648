"""Follower counts for people search (accounts.models.FollowerCount), kept by triggers on
accounts_follow so that every way a follow is made or ended counts: the services, a block, the
cascade of an erased account, the seed's bulk insert. Counting a candidate's followers at query time
read tens of thousands of index entries for the most followed (8–13 ms for a search's 300
candidates, BENCHMARKS.md § Discovery); a stored count is one row. PostgreSQL counts per statement
(transition tables), so a bulk insert of two million follows is one update per person followed;
SQLite per row. A later migration that makes SQLite rebuild accounts_follow drops SQLite's triggers:
it must create them again."""

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models

POSTGRESQL = [
    """CREATE FUNCTION accounts_follow_counted_insert() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
        INSERT INTO accounts_followercount (user_id, followers)
            SELECT followee_id, count(*) FROM made GROUP BY followee_id ORDER BY followee_id
        ON CONFLICT (user_id) DO UPDATE SET followers = accounts_followercount.followers + excluded.followers;
        RETURN NULL;
    END $$""",
    """CREATE FUNCTION accounts_follow_counted_delete() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
        -- The rows locked in one order, so two erasures with followees in common cannot deadlock.
        PERFORM 1 FROM accounts_followercount WHERE user_id IN (SELECT followee_id FROM ended)
            ORDER BY user_id FOR UPDATE;
        UPDATE accounts_followercount c SET followers = c.followers - ended.n
            FROM (SELECT followee_id, count(*) AS n FROM ended GROUP BY followee_id) ended
            WHERE c.user_id = ended.followee_id;
        RETURN NULL;
    END $$""",
    # A follow moved to someone else (the admin can edit one): one less for the old, one more for the new.
    """CREATE FUNCTION accounts_follow_counted_move() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
        UPDATE accounts_followercount SET followers = followers - 1 WHERE user_id = OLD.followee_id;
        INSERT INTO accounts_followercount (user_id, followers) VALUES (NEW.followee_id, 1)
        ON CONFLICT (user_id) DO UPDATE SET followers = accounts_followercount.followers + 1;
        RETURN NULL;
    END $$""",
    "CREATE TRIGGER accounts_follow_counted_move AFTER UPDATE OF followee_id ON accounts_follow FOR EACH ROW "
    "WHEN (OLD.followee_id IS DISTINCT FROM NEW.followee_id) EXECUTE FUNCTION accounts_follow_counted_move()",
    "CREATE TRIGGER accounts_follow_counted_insert AFTER INSERT ON accounts_follow REFERENCING NEW TABLE AS made "
    "FOR EACH STATEMENT EXECUTE FUNCTION accounts_follow_counted_insert()",
    "CREATE TRIGGER accounts_follow_counted_delete AFTER DELETE ON accounts_follow REFERENCING OLD TABLE AS ended "
    "FOR EACH STATEMENT EXECUTE FUNCTION accounts_follow_counted_delete()",
]
POSTGRESQL_BACKWARDS = [
    "DROP TRIGGER IF EXISTS accounts_follow_counted_move ON accounts_follow",
    "DROP FUNCTION IF EXISTS accounts_follow_counted_move()",
    "DROP TRIGGER IF EXISTS accounts_follow_counted_insert ON accounts_follow",
    "DROP TRIGGER IF EXISTS accounts_follow_counted_delete ON accounts_follow",
    "DROP FUNCTION IF EXISTS accounts_follow_counted_insert()",
    "DROP FUNCTION IF EXISTS accounts_follow_counted_delete()",
]
SQLITE = [
    "CREATE TRIGGER accounts_follow_counted_insert AFTER INSERT ON accounts_follow BEGIN "
    "INSERT INTO accounts_followercount (user_id, followers) VALUES (NEW.followee_id, 1) "
    "ON CONFLICT (user_id) DO UPDATE SET followers = followers + 1; END",
    "CREATE TRIGGER accounts_follow_counted_delete AFTER DELETE ON accounts_follow BEGIN "
    "UPDATE accounts_followercount SET followers = followers - 1 WHERE user_id = OLD.followee_id; END",
    "CREATE TRIGGER accounts_follow_counted_move AFTER UPDATE OF followee_id ON accounts_follow "
    "WHEN OLD.followee_id IS NOT NEW.followee_id BEGIN "
    "UPDATE accounts_followercount SET followers = followers - 1 WHERE user_id = OLD.followee_id; "
    "INSERT INTO accounts_followercount (user_id, followers) VALUES (NEW.followee_id, 1) "
    "ON CONFLICT (user_id) DO UPDATE SET followers = followers + 1; END",
]
SQLITE_BACKWARDS = [
    "DROP TRIGGER IF EXISTS accounts_follow_counted_move",
    "DROP TRIGGER IF EXISTS accounts_follow_counted_insert",
    "DROP TRIGGER IF EXISTS accounts_follow_counted_delete",
]
COUNT_EXISTING = (
    "INSERT INTO accounts_followercount (user_id, followers) "
    "SELECT followee_id, count(*) FROM accounts_follow GROUP BY followee_id"
)


def forwards(apps, schema_editor):  # type: ignore[no-untyped-def]
    postgresql = schema_editor.connection.vendor == "postgresql"
    if postgresql:  # no follow made or ended between the count and the triggers (the migration's transaction)
        schema_editor.execute("LOCK TABLE accounts_follow IN SHARE ROW EXCLUSIVE MODE")
    statements = POSTGRESQL if postgresql else SQLITE
    schema_editor.execute(COUNT_EXISTING)
    for sql in statements:
        schema_editor.execute(sql)


def backwards(apps, schema_editor):  # type: ignore[no-untyped-def]
    statements = POSTGRESQL_BACKWARDS if schema_editor.connection.vendor == "postgresql" else SQLITE_BACKWARDS
    for sql in statements:
        schema_editor.execute(sql)


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0006_user_search_prefix"),
    ]

    operations = [
        migrations.CreateModel(
            name="FollowerCount",
            fields=[
                (
                    "user",
                    models.OneToOneField(
                        on_delete=django.db.models.deletion.CASCADE,
                        primary_key=True,
                        related_name="+",
                        serialize=False,
                        to=settings.AUTH_USER_MODEL,
                    ),
                ),
                ("followers", models.IntegerField(default=0)),
            ],
        ),
        migrations.RunPython(forwards, backwards),
    ]
