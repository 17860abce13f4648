"""Video search on PostgreSQL reads a phrase that many of the best-ranked videos share in hot-score
order, from the covering index of migration 0007, and stops as soon as no match further down can
reach the page (feed.selectors.videos_search): a video's score is its hot score plus at most a known
bound for the text match, so once the next match's hot score plus that bound falls below the page's
last score, the page is exact. A phrase of three common words then reads about 9,000 index entries
for its first page instead of the 25,000–75,000 that its best 300 matches took (BENCHMARKS.md
§ Discovery).

The read runs in feed_video_search_best_first(), a PL/pgSQL function: it fetches the matches one at a
time from an ordered scan and decides after each whether to go on, in one round trip. Its arguments:
the tsquery; the weight of the text match and its bound; k, the rows the page needs; at most `most`
matches read (SEARCH_CANDIDATES, the page's candidates) and `entries` index entries; the cursor's
(score, id) to read below, or NULLs; the authors never to return (blocks). It returns (id, score) rows, and a last row of NULLs
where the entries it was allowed ran out before it could be sure: the caller then reads the
planner's way."""

from django.db import migrations

# Migration 0007's two arms: the vectors its covering index holds, and the longer ones.
COVERED = "v.status = 'published' AND octet_length(v.search_vector::text) <= 2000"
LONG = "v.status = 'published' AND octet_length(v.search_vector::text) > 2000"
FORWARDS = f"""
CREATE OR REPLACE FUNCTION feed_video_search_best_first(
    query tsquery, weight float8, bound float8, k int, most int, entries int,
    below_score float8, below_id bigint, hidden bigint[])
RETURNS TABLE (id bigint, score float8) LANGUAGE plpgsql STABLE AS $$
DECLARE
    matches refcursor;
    r record;
    kept float8[] := '{{}}';  -- the best scores below the cursor so far, at most k, best first
    seen int := 0;          -- matches read, those above the cursor too
BEGIN
    -- The two arms of migration 0007 merged in hot-score order: the covered vectors from the
    -- covering index (at most `entries` of its entries), the few long ones from their GIN index.
    OPEN matches NO SCROLL FOR
        SELECT m.id, m.hot_score, m.hot_score + weight * ts_rank(m.search_vector, query, 32)::float8 AS score
        FROM (
            (SELECT v.id, v.hot_score, v.search_vector
             FROM (SELECT v.id, v.hot_score, v.search_vector, v.author_id FROM feed_video v
                   WHERE {COVERED}
                   ORDER BY v.hot_score DESC, v.id DESC LIMIT entries) v
             WHERE ts_match_vq(v.search_vector, query) AND v.author_id <> ALL (hidden)
             ORDER BY v.hot_score DESC, v.id DESC)
            UNION ALL
            (SELECT v.id, v.hot_score, v.search_vector FROM feed_video v
             WHERE {LONG} AND v.search_vector @@ query AND v.author_id <> ALL (hidden)
             ORDER BY v.hot_score DESC, v.id DESC)
        ) m
        ORDER BY m.hot_score DESC, m.id DESC;
    LOOP
        FETCH matches INTO r;
        IF NOT FOUND THEN  -- every match in the entries read: all there are, or not sure
            id := NULL;
            score := NULL;
            RETURN NEXT;
            EXIT;
        END IF;
        -- Below kept[k] whatever its text match: so is every match after it.
        EXIT WHEN cardinality(kept) >= k AND r.hot_score + bound < kept[k];
        seen := seen + 1;
        IF below_score IS NULL OR r.score < below_score OR (r.score = below_score AND r.id < below_id) THEN
            id := r.id;
            score := r.score;
            RETURN NEXT;
            kept := ARRAY(SELECT s FROM unnest(kept || r.score) s ORDER BY s DESC LIMIT k);
        END IF;
        EXIT WHEN seen >= most;
    END LOOP;
    CLOSE matches;
END $$
"""
BACKWARDS = "DROP FUNCTION IF EXISTS feed_video_search_best_first(tsquery, float8, float8, int, int, int, float8, bigint, bigint[])"


def forwards(apps, schema_editor):  # type: ignore[no-untyped-def]
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(FORWARDS)


def backwards(apps, schema_editor):  # type: ignore[no-untyped-def]
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(BACKWARDS)


class Migration(migrations.Migration):
    dependencies = [("feed", "0009_video_autovacuum")]
    operations = [migrations.RunPython(forwards, backwards)]
