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
keep the counts (one statement's changes applied in word order, so concurrent statements lock the
same rows in the same order); a word no published video has any longer is deleted, so a removed or
erased video's words do not stay behind.

The index's predicate, `hot_score > '-Infinity'`, is stated only by the statement that reads it in
order: the planner would otherwise take it for a plain match, prefix included, and pay the 200 ms.

Where the extension is not installed (or may not be created by this role) the index is left out and
the search reads GIN as before; the word counts are kept either way."""

from django.db import migrations

# The changes of a statement to feed_videoword: (word, delta) rows, in word order.
APPLY = """
    SELECT array_agg(w ORDER BY w), array_agg(n ORDER BY w) INTO ws, ds FROM ({changes}) c(w, n) WHERE n <> 0;
    IF ws IS NOT NULL THEN
        PERFORM feed_videoword_apply(ws, ds);
    END IF;
    RETURN NULL;"""
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
RUM_INDEX = (
    "CREATE INDEX IF NOT EXISTS feed_video_search_rum ON feed_video "
    "USING rum (search_vector rum_tsvector_addon_ops, hot_score) WITH (attach = 'hot_score', to = 'search_vector') "
    "WHERE status = 'published' AND hot_score > '-Infinity'::float8"
)
FORWARDS = [
    # C order: a prefix is a range of the primary key.
    "CREATE TABLE IF NOT EXISTS feed_videoword (word text COLLATE \"C\" PRIMARY KEY, videos bigint NOT NULL)",
    # Upserts in word order (row locks in one order), then drops the words no video has.
    """CREATE FUNCTION feed_videoword_apply(ws text[], ds bigint[]) RETURNS void LANGUAGE sql AS $$
        INSERT INTO feed_videoword (word, videos) SELECT w, d FROM unnest(ws, ds) c(w, d) ORDER BY w
        ON CONFLICT (word) DO UPDATE SET videos = feed_videoword.videos + EXCLUDED.videos;
        DELETE FROM feed_videoword WHERE word = ANY(ws) AND videos <= 0;
    $$""",
    *[
        f"""CREATE FUNCTION feed_videoword_{op}() RETURNS trigger LANGUAGE plpgsql AS $$
        DECLARE ws text[]; ds bigint[];
        BEGIN {APPLY.format(changes=changes)}
        END $$"""
        for op, changes in COUNTED.items()
    ],
    *[
        f"CREATE TRIGGER feed_videoword_{op} AFTER {op.upper()} ON feed_video REFERENCING {TRANSITIONS[op]} "
        f"FOR EACH STATEMENT EXECUTE FUNCTION feed_videoword_{op}()"
        for op in COUNTED
    ],
    "LOCK TABLE feed_video IN SHARE MODE",  # no video changes between the count and the triggers
    "INSERT INTO feed_videoword (word, videos) SELECT w, count(*) FROM feed_video v, "
    "unnest(tsvector_to_array(v.search_vector)) w WHERE v.status = 'published' GROUP BY w",
    """DO $$ BEGIN
        IF EXISTS (SELECT 1 FROM pg_available_extensions WHERE name = 'rum') THEN
            CREATE EXTENSION IF NOT EXISTS rum;
        END IF;
    EXCEPTION WHEN insufficient_privilege THEN
        RAISE WARNING 'the rum extension may not be created by this role: video search reads GIN only';
    END $$""",
    f"""DO $$ BEGIN
        IF EXISTS (SELECT 1 FROM pg_extension WHERE extname = 'rum') THEN
            EXECUTE $i${RUM_INDEX}$i$;
        END IF;
    END $$""",
    "ANALYZE feed_videoword",
]
BACKWARDS = [
    "DROP INDEX IF EXISTS feed_video_search_rum",
    *[f"DROP TRIGGER IF EXISTS feed_videoword_{op} ON feed_video" for op in COUNTED],
    *[f"DROP FUNCTION IF EXISTS feed_videoword_{op}()" for op in COUNTED],
    "DROP FUNCTION IF EXISTS feed_videoword_apply(text[], bigint[])",
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
