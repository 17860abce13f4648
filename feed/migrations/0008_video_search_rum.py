"""Video search on PostgreSQL finds the best-ranked matches of a phrase that few videos have
(feed.selectors.videos_search) in an index that keeps each entry's hot score beside it: a RUM index
(the `rum` extension, https://github.com/postgrespro/rum) over the search vector with the hot score
attached, read in hot-score order. GIN could only intersect the words' lists and then visit every
match in the table to sort them: 20–28 ms for a phrase of three common words with a thousand matches,
where RUM answers in 5–9 ms (BENCHMARKS.md § Discovery).

RUM reads a prefix (`car:*`) by gathering every entry of every word it begins (200 ms for a common
one), so the query's last word, which is matched as a prefix, is given as the words it begins:
accounts_nameword's counterpart for videos, feed_videoword, holds each word (lexeme) of the published
videos' search vectors with the number of published videos that have it. Statement-level triggers
append each statement's changes to feed_videoword_change (inserts only: writers never wait on one
another or lock a shared row), and feed_videoword_fold(), run every minute by the beat
(feed.fold_video_words) and one at a time, adds them to the counts and deletes the words no
published video has any longer, so a removed or erased video's words do not stay behind. Search
reads the counts and the changes not yet folded together, so a word is found the moment its video
is published. A TRUNCATE of feed_video empties both.

The index's predicate, `hot_score > '-Infinity'`, is stated only by the statement that reads it in
order: the planner would otherwise take it for a plain match, prefix included, and pay the 200 ms.

Where the extension is not installed (or may not be created by this role, or fails to load) the index
is left out, with a warning, and search reads GIN as before; the word counts are kept either way.
An update's changes pair the rows before and after by id: a statement that changed a video's id
and its words at once would be miscounted (nothing does; Django never changes a primary key)."""

from django.db import migrations

# A statement's changes to the counts, (word, delta) rows, appended for the fold.
APPEND = "INSERT INTO feed_videoword_change (word, delta) SELECT w, n FROM ({changes}) c(w, n) WHERE n <> 0"
WORDS = "unnest(tsvector_to_array({rows}.search_vector)) w"
INSERTED = f"SELECT w, count(*) FROM made r, {WORDS.format(rows='r')} WHERE r.status = 'published' GROUP BY w"
DELETED = f"SELECT w, -count(*) FROM gone o, {WORDS.format(rows='o')} WHERE o.status = 'published' GROUP BY w"
# An update changes the counts only where a video was or is published and its words or its status
# changed (o: the row before, r: after): a hot-score update changes nothing.
CHANGED = (
    "((r.status = 'published') <> (o.status = 'published') "
    "OR r.search_vector IS DISTINCT FROM o.search_vector)"
)
UPDATED = (
    "SELECT w, sum(d) FROM ("
    f"SELECT w, -1 FROM gone o JOIN made r ON r.id = o.id, {WORDS.format(rows='o')} "
    f"WHERE o.status = 'published' AND {CHANGED} "
    f"UNION ALL SELECT w, 1 FROM made r JOIN gone o ON o.id = r.id, {WORDS.format(rows='r')} "
    f"WHERE r.status = 'published' AND {CHANGED}"
    ") x(w, d) GROUP BY w"
)
COUNTED = {"insert": INSERTED, "update": UPDATED, "delete": DELETED}
TRANSITIONS = {
    "insert": "NEW TABLE AS made",
    "update": "OLD TABLE AS gone NEW TABLE AS made",
    "delete": "OLD TABLE AS gone",
}
FOLD_LOCK = 0x76776F7264  # pg_advisory_xact_lock's key for the fold ("vword")
RUM_INDEX = (
    "CREATE INDEX IF NOT EXISTS feed_video_search_rum ON feed_video "
    "USING rum (search_vector rum_tsvector_addon_ops, hot_score) WITH (attach = 'hot_score', to = 'search_vector') "
    "WHERE status = 'published' AND hot_score > '-Infinity'::float8"
)
FORWARDS = [
    # C order: a prefix is a range of the primary key.
    'CREATE TABLE IF NOT EXISTS feed_videoword (word text COLLATE "C" PRIMARY KEY, videos bigint NOT NULL)',
    "CREATE TABLE IF NOT EXISTS feed_videoword_change "
    '(id bigserial PRIMARY KEY, word text COLLATE "C" NOT NULL, delta bigint NOT NULL)',
    "CREATE INDEX IF NOT EXISTS feed_videoword_change_word ON feed_videoword_change (word)",
    *[
        f"""CREATE OR REPLACE FUNCTION feed_videoword_{op}() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN
            {APPEND.format(changes=changes)};
            RETURN NULL;
        END $$"""
        for op, changes in COUNTED.items()
    ],
    *[
        f"CREATE OR REPLACE TRIGGER feed_videoword_{op} AFTER {op.upper()} ON feed_video "
        f"REFERENCING {TRANSITIONS[op]} FOR EACH STATEMENT EXECUTE FUNCTION feed_videoword_{op}()"
        for op in COUNTED
    ],
    """CREATE OR REPLACE FUNCTION feed_videoword_truncate() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
        TRUNCATE feed_videoword, feed_videoword_change;
        RETURN NULL;
    END $$""",
    "CREATE OR REPLACE TRIGGER feed_videoword_truncate AFTER TRUNCATE ON feed_video "
    "FOR EACH STATEMENT EXECUTE FUNCTION feed_videoword_truncate()",
    # One fold at a time (a transaction-level advisory lock): the changes taken, summed by word,
    # upserted in word order, and the words left with no video deleted. How many changes it took.
    f"""CREATE OR REPLACE FUNCTION feed_videoword_fold() RETURNS bigint LANGUAGE plpgsql AS $$
    DECLARE ws text[]; ds bigint[]; taken bigint;
    BEGIN
        PERFORM pg_advisory_xact_lock({FOLD_LOCK});
        WITH gone AS (DELETE FROM feed_videoword_change RETURNING word, delta),
             summed AS (SELECT word, sum(delta) AS n, count(*) AS k FROM gone GROUP BY word)
        SELECT array_agg(word ORDER BY word) FILTER (WHERE n <> 0), array_agg(n ORDER BY word) FILTER (WHERE n <> 0),
               coalesce(sum(k), 0)
        INTO ws, ds, taken FROM summed;
        IF ws IS NOT NULL THEN
            INSERT INTO feed_videoword (word, videos) SELECT w, d FROM unnest(ws, ds) c(w, d) ORDER BY w
            ON CONFLICT (word) DO UPDATE SET videos = feed_videoword.videos + EXCLUDED.videos;
            DELETE FROM feed_videoword WHERE word = ANY(ws) AND videos <= 0;
        END IF;
        RETURN taken;
    END $$""",
    "LOCK TABLE feed_video IN SHARE MODE",  # no video changes between the count and the triggers
    "INSERT INTO feed_videoword (word, videos) SELECT w, count(*) FROM feed_video v, "
    "unnest(tsvector_to_array(v.search_vector)) w WHERE v.status = 'published' GROUP BY w "
    "ON CONFLICT (word) DO NOTHING",
    # Optional: a database without the extension (or a role that may not create it, or an
    # extension that fails to load) gets no index, and search reads GIN.
    f"""DO $$ BEGIN
        IF EXISTS (SELECT 1 FROM pg_available_extensions WHERE name = 'rum') THEN
            CREATE EXTENSION IF NOT EXISTS rum;
            EXECUTE $i${RUM_INDEX}$i$;
        END IF;
    EXCEPTION WHEN OTHERS THEN
        RAISE WARNING 'no RUM index (%%): video search reads GIN only', SQLERRM;  -- %% for psycopg
    END $$""",
    "ANALYZE feed_videoword",
]
BACKWARDS = [
    "DROP INDEX IF EXISTS feed_video_search_rum",
    *[f"DROP TRIGGER IF EXISTS feed_videoword_{op} ON feed_video" for op in [*COUNTED, "truncate"]],
    *[f"DROP FUNCTION IF EXISTS feed_videoword_{op}()" for op in [*COUNTED, "truncate", "fold"]],
    "DROP TABLE IF EXISTS feed_videoword_change",
    "DROP TABLE IF EXISTS feed_videoword",
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
    dependencies = [("feed", "0007_video_search_covering")]

    operations = [migrations.RunPython(forwards, backwards)]
