from django.db import migrations, models

SQLITE_CREATE = [
    # External-content FTS5 table: the text lives once, in search_searchentry.
    """
    CREATE VIRTUAL TABLE search_entry_fts USING fts5(
        title, content,
        content='search_searchentry', content_rowid='id',
        tokenize='porter unicode61 remove_diacritics 2',
        prefix='2 3'
    )
    """,
    """
    CREATE TRIGGER search_entry_fts_insert AFTER INSERT ON search_searchentry BEGIN
        INSERT INTO search_entry_fts(rowid, title, content)
        VALUES (new.id, new.title, new.content);
    END
    """,
    """
    CREATE TRIGGER search_entry_fts_delete AFTER DELETE ON search_searchentry BEGIN
        INSERT INTO search_entry_fts(search_entry_fts, rowid, title, content)
        VALUES ('delete', old.id, old.title, old.content);
    END
    """,
    """
    CREATE TRIGGER search_entry_fts_update AFTER UPDATE ON search_searchentry BEGIN
        INSERT INTO search_entry_fts(search_entry_fts, rowid, title, content)
        VALUES ('delete', old.id, old.title, old.content);
        INSERT INTO search_entry_fts(rowid, title, content)
        VALUES (new.id, new.title, new.content);
    END
    """,
]
SQLITE_DROP = [
    "DROP TRIGGER IF EXISTS search_entry_fts_update",
    "DROP TRIGGER IF EXISTS search_entry_fts_delete",
    "DROP TRIGGER IF EXISTS search_entry_fts_insert",
    "DROP TABLE IF EXISTS search_entry_fts",
]

POSTGRESQL_CREATE = [
    "ALTER TABLE search_searchentry ADD COLUMN search_vector tsvector",
    "CREATE INDEX search_entry_vector ON search_searchentry USING gin (search_vector)",
]
# English stemming over unaccented words: "élections" and "election" share a lexeme, and
# ts_headline marks accented words in the original text.
POSTGRESQL_CONFIGURATION = [
    "CREATE TEXT SEARCH CONFIGURATION town_search (COPY = pg_catalog.english)",
    """
    ALTER TEXT SEARCH CONFIGURATION town_search
        ALTER MAPPING FOR hword, hword_part, word WITH unaccent, english_stem
    """,
]


def full_text_create(apps, schema_editor):
    connection = schema_editor.connection
    if connection.vendor == "sqlite":
        for statement in SQLITE_CREATE:
            schema_editor.execute(statement)
    elif connection.vendor == "postgresql":
        for statement in POSTGRESQL_CREATE:
            schema_editor.execute(statement)
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1 FROM pg_available_extensions WHERE name = 'unaccent'")
            available = cursor.fetchone() is not None
        if not available:
            # The backend then folds accents in Python before indexing and querying.
            return
        schema_editor.execute("CREATE EXTENSION IF NOT EXISTS unaccent")
        for statement in POSTGRESQL_CONFIGURATION:
            schema_editor.execute(statement)


def full_text_drop(apps, schema_editor):
    connection = schema_editor.connection
    if connection.vendor == "sqlite":
        for statement in SQLITE_DROP:
            schema_editor.execute(statement)
    elif connection.vendor == "postgresql":
        schema_editor.execute("DROP TEXT SEARCH CONFIGURATION IF EXISTS town_search")


class Migration(migrations.Migration):
    initial = True

    dependencies = []

    operations = [
        migrations.CreateModel(
            name="SearchEntry",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("kind", models.CharField(max_length=40)),
                ("object_id", models.CharField(max_length=64)),
                ("title", models.TextField(blank=True)),
                ("content", models.TextField(blank=True)),
                ("audience", models.CharField(max_length=12)),
                ("audience_key", models.CharField(blank=True, max_length=64)),
                ("body_id", models.BigIntegerField(blank=True, null=True)),
                ("body_name", models.CharField(blank=True, max_length=200)),
                ("date", models.DateField(blank=True, null=True)),
                ("status", models.CharField(blank=True, max_length=40)),
                ("parent", models.CharField(blank=True, max_length=120)),
                ("version", models.BigIntegerField()),
                ("indexed_at", models.DateTimeField(auto_now=True)),
            ],
            options={
                "verbose_name_plural": "search entries",
                "indexes": [
                    models.Index(fields=["audience", "kind"], name="search_sear_audienc_295fb0_idx"),
                    models.Index(fields=["date"], name="search_sear_date_58da88_idx"),
                    models.Index(fields=["parent"], name="search_sear_parent_ffcd4f_idx"),
                ],
                "constraints": [
                    models.UniqueConstraint(
                        fields=("kind", "object_id"), name="search_entry_identity"
                    )
                ],
            },
        ),
        migrations.RunPython(full_text_create, full_text_drop),
    ]
