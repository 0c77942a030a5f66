"""What a search reads, made cheap on each database: it touches every entry its words match.

SQLite stores a row's columns in order, and ``content`` (pages of extracted text) comes before
the audience and the facets, so reading those from the row walks its overflow pages. Narrow
covering indexes answer them: by entry id in one small lookup, or in facet order.

PostgreSQL keeps long text and long vectors out of line (TOAST): a plan that tests ``@@`` row by
row, or ranks with the full vector, decompresses every matching document's vector. The GIN
index is split by audience, so that a public search finds its entries in the index alone, and
ranking reads ``rank_vector``: the title and the opening of the text, small enough to stay in
the row. Words anywhere in the text still find the entry; only its place among the results
comes from the title and the opening.
"""

from django.db import migrations

# The characters of ``content`` that take part in ranking on PostgreSQL (the backend's
# RANK_CONTENT_CHARS; a copy, so that this migration never changes).
RANK_CONTENT_CHARS = 1000

SQLITE_CREATE = [
    "CREATE INDEX IF NOT EXISTS search_entry_facets ON search_searchentry "
    "(id, audience, audience_key, kind, body_id, date, body_name)",
    # The same columns in facet order: a search matching a large part of the index counts its
    # entries by facet walking this index once, with no sort.
    "CREATE INDEX IF NOT EXISTS search_entry_facet_groups ON search_searchentry "
    "(audience, kind, body_id, body_name, substr(date, 1, 4), date, audience_key, id)",
]
SQLITE_DROP = [
    "DROP INDEX IF EXISTS search_entry_facet_groups",
    "DROP INDEX IF EXISTS search_entry_facets",
]

POSTGRESQL_CREATE = [
    "ALTER TABLE search_searchentry ADD COLUMN rank_vector tsvector",
    "DROP INDEX IF EXISTS search_entry_vector",
    "CREATE INDEX search_entry_vector_public ON search_searchentry USING gin (search_vector) "
    "WHERE audience = 'public'",
    "CREATE INDEX search_entry_vector_restricted ON search_searchentry "
    "USING gin (search_vector) WHERE audience = 'restricted'",
]
POSTGRESQL_DROP = [
    "DROP INDEX IF EXISTS search_entry_vector_restricted",
    "DROP INDEX IF EXISTS search_entry_vector_public",
    "CREATE INDEX IF NOT EXISTS search_entry_vector ON search_searchentry "
    "USING gin (search_vector)",
    "ALTER TABLE search_searchentry DROP COLUMN IF EXISTS rank_vector",
]


def read_paths_create(apps, schema_editor):
    connection = schema_editor.connection
    if connection.vendor == "sqlite":
        for statement in SQLITE_CREATE:
            schema_editor.execute(statement)
    elif connection.vendor == "postgresql":
        for statement in POSTGRESQL_CREATE:
            schema_editor.execute(statement)
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1 FROM pg_ts_config WHERE cfgname = 'town_search'")
            configuration = "town_search" if cursor.fetchone() else "english"
        # Entries indexed before: the next write of each one (or search_reindex) recomputes
        # it exactly as the backend does, accents folded where unaccent is missing.
        schema_editor.execute(
            "UPDATE search_searchentry SET rank_vector = "
            "setweight(to_tsvector(%s::regconfig, title), 'A') || "
            "setweight(to_tsvector(%s::regconfig, left(content, %s)), 'D') "
            "WHERE audience <> 'hidden'",
            [configuration, configuration, RANK_CONTENT_CHARS],
        )


def read_paths_drop(apps, schema_editor):
    connection = schema_editor.connection
    if connection.vendor == "sqlite":
        for statement in SQLITE_DROP:
            schema_editor.execute(statement)
    elif connection.vendor == "postgresql":
        for statement in POSTGRESQL_DROP:
            schema_editor.execute(statement)


class Migration(migrations.Migration):
    dependencies = [("search", "0001_initial")]

    operations = [
        # Searches find entries by their words (FTS5, GIN) and read audience and facets from
        # the indexes below; an index on the audience alone only tempted PostgreSQL's planner
        # into testing the words of every public entry one by one.
        migrations.RemoveIndex(model_name="searchentry", name="search_sear_audienc_295fb0_idx"),
        migrations.RunPython(read_paths_create, read_paths_drop),
    ]
