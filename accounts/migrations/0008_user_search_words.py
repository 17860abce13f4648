"""People search on PostgreSQL corrects a mistyped query word by word (accounts.selectors
_candidates_postgresql): a dictionary of the distinct words of everyone's handle and display name
(accounts_nameword, tens of thousands of rows where people are 100,000), trigram-indexed and with a
symmetric-delete table (accounts_namedelete), gives each query word its closest spellings, and a
full-text index of the same words finds the people who have them. Before, a typo read every name
starting with the query's first two letters and scored each (26–28 ms an arm where 8,334 names start
with "no"), and a typo in those two letters was not found.

Words are runs of letters and digits (dots, underscores and spaces separate them), lower case, split
by PostgreSQL itself both here and for a query (`[^[:alnum:]]+`), so both sides agree on every
script. The dictionary leaves out words with digits ("novak42": one a handle, not a spelling to
correct to); the full-text index has them. Triggers keep the dictionary: a statement-level one for inserts (the seed's bulk insert is
one statement), a row-level one for a changed handle or display name (transition tables cannot go
with a column list), and one that drops the words no active person has any longer when someone is
renamed or erased: an erased account's words do not stay behind."""

from django.db import migrations

# The word itself and the word less each one of its letters.
DELETES = "(SELECT {word} UNION SELECT overlay({word} placing '' from n for 1) FROM generate_series(1, length({word})) n) d(v)"
WORDS = "regexp_split_to_table(lower({handle} || ' ' || {name}), '[^[:alnum:]]+')"
# What the full-text index holds of a person; the prune below asks it whether anyone still has a word.
DOCUMENT = (
    "to_tsvector('simple'::regconfig, regexp_replace(lower({handle} || ' ' || {name}), '[^[:alnum:]]+', ' ', 'g'))"
)
# The words of the rows in {source} (a FROM list naming the words `w`) added to the dictionary.
ADD_WORDS = (
    "INSERT INTO accounts_nameword (word) SELECT DISTINCT w FROM {source} "
    "WHERE w <> '' AND w !~ '[[:digit:]]' ORDER BY w ON CONFLICT DO NOTHING"
)
FORWARDS = [
    "CREATE TABLE IF NOT EXISTS accounts_nameword (word text PRIMARY KEY)",
    "CREATE INDEX IF NOT EXISTS accounts_nameword_trgm ON accounts_nameword USING gin (word gin_trgm_ops)",
    # Each word of three letters or more under itself and under each of its one-letter deletions (a
    # symmetric-delete index): a query word and a word one edit apart share a key, a swapped pair too
    # ("mlia" and "mila" both give "mia"), which trigrams miss in a short word.
    "CREATE TABLE IF NOT EXISTS accounts_namedelete (variant text, "
    "word text REFERENCES accounts_nameword (word) ON DELETE CASCADE, PRIMARY KEY (variant, word))",
    "CREATE INDEX IF NOT EXISTS accounts_namedelete_word ON accounts_namedelete (word)",
    f"""CREATE FUNCTION accounts_nameword_deletes() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
        INSERT INTO accounts_namedelete (variant, word)
            SELECT DISTINCT d.v, made.word FROM made CROSS JOIN LATERAL {DELETES.format(word="made.word")}
            WHERE length(made.word) >= 3 ORDER BY 1, 2
        ON CONFLICT DO NOTHING;
        RETURN NULL;
    END $$""",
    "CREATE TRIGGER accounts_nameword_deletes AFTER INSERT ON accounts_nameword REFERENCING NEW TABLE AS made "
    "FOR EACH STATEMENT EXECUTE FUNCTION accounts_nameword_deletes()",
    f"""CREATE FUNCTION accounts_user_words_insert() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
        {ADD_WORDS.format(source="made, " + WORDS.format(handle="made.handle", name="made.display_name") + " w")};
        RETURN NULL;
    END $$""",
    f"""CREATE FUNCTION accounts_user_words_update() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
        {ADD_WORDS.format(source=WORDS.format(handle="NEW.handle", name="NEW.display_name") + " w")};
        RETURN NULL;
    END $$""",
    f"""CREATE FUNCTION accounts_user_words_prune() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
        DELETE FROM accounts_nameword n
        WHERE n.word IN (SELECT w FROM {WORDS.format(handle="OLD.handle", name="OLD.display_name")} w WHERE w <> '')
        AND NOT EXISTS (
            SELECT 1 FROM accounts_user u WHERE u.is_active
            AND {DOCUMENT.format(handle="u.handle", name="u.display_name")}
                @@ to_tsquery('simple'::regconfig, quote_literal(n.word))
        );
        RETURN NULL;
    END $$""",
    "CREATE TRIGGER accounts_user_words_prune AFTER DELETE OR UPDATE OF handle, display_name ON accounts_user "
    "FOR EACH ROW EXECUTE FUNCTION accounts_user_words_prune()",
    "CREATE TRIGGER accounts_user_words_insert AFTER INSERT ON accounts_user REFERENCING NEW TABLE AS made "
    "FOR EACH STATEMENT EXECUTE FUNCTION accounts_user_words_insert()",
    "CREATE TRIGGER accounts_user_words_update AFTER UPDATE OF handle, display_name ON accounts_user "
    "FOR EACH ROW EXECUTE FUNCTION accounts_user_words_update()",
    ADD_WORDS.format(source="accounts_user u, " + WORDS.format(handle="u.handle", name="u.display_name") + " w"),
    # The same words as a full-text document ('simple': no stemming, no stop words), for the people
    # who have them.
    "CREATE INDEX IF NOT EXISTS accounts_user_words ON accounts_user USING gin "
    f"({DOCUMENT.format(handle='handle', name='display_name')}) WHERE is_active",
    # The prefix ranges of 0006 with the id in the entries too: the search restricted to cameo
    # owners reads thousands of entries to find a few hundred owners, from the index alone.
    "DROP INDEX IF EXISTS accounts_user_handle_prefix",
    "CREATE INDEX accounts_user_handle_prefix ON accounts_user (handle text_pattern_ops) INCLUDE (is_active, id)",
    "DROP INDEX IF EXISTS accounts_user_display_name_prefix",
    "CREATE INDEX accounts_user_display_name_prefix ON accounts_user "
    "(lower(display_name) text_pattern_ops) INCLUDE (is_active, display_name, id)",
    # 0005's trigram indexes on the names themselves: nothing reads them now.
    "DROP INDEX IF EXISTS accounts_user_handle_trgm",
    "DROP INDEX IF EXISTS accounts_user_display_name_trgm",
    "ANALYZE accounts_nameword",
    "ANALYZE accounts_user",
]
BACKWARDS = [
    "CREATE INDEX IF NOT EXISTS accounts_user_handle_trgm ON accounts_user USING gin (handle gin_trgm_ops)",
    "CREATE INDEX IF NOT EXISTS accounts_user_display_name_trgm ON accounts_user "
    "USING gin (lower(display_name) gin_trgm_ops)",
    "DROP INDEX IF EXISTS accounts_user_handle_prefix",
    "CREATE INDEX accounts_user_handle_prefix ON accounts_user (handle text_pattern_ops) INCLUDE (is_active)",
    "DROP INDEX IF EXISTS accounts_user_display_name_prefix",
    "CREATE INDEX accounts_user_display_name_prefix ON accounts_user "
    "(lower(display_name) text_pattern_ops) INCLUDE (is_active, display_name)",
    "DROP INDEX IF EXISTS accounts_user_words",
    "DROP TRIGGER IF EXISTS accounts_user_words_prune ON accounts_user",
    "DROP FUNCTION IF EXISTS accounts_user_words_prune()",
    "DROP TRIGGER IF EXISTS accounts_user_words_update ON accounts_user",
    "DROP TRIGGER IF EXISTS accounts_user_words_insert ON accounts_user",
    "DROP FUNCTION IF EXISTS accounts_user_words_update()",
    "DROP FUNCTION IF EXISTS accounts_user_words_insert()",
    "DROP TRIGGER IF EXISTS accounts_nameword_deletes ON accounts_nameword",
    "DROP FUNCTION IF EXISTS accounts_nameword_deletes()",
    "DROP TABLE IF EXISTS accounts_namedelete",
    "DROP TABLE IF EXISTS accounts_nameword",
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
    dependencies = [("accounts", "0007_follower_count")]

    operations = [migrations.RunPython(forwards, backwards)]
