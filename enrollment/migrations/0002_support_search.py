"""Indexes for the support console's search, on PostgreSQL only.

- A pg_trgm GIN index on the normalised full name, so that misspelt names ("Benjamn
  Cheevr") still find "Benjamin Cheever" fast on a million trainers.
- A vocabulary of the distinct first and last names (lower-cased), kept up to date by a
  trigger, with its own trigram index: a misspelt single name ("Chever") is matched
  against the few thousand distinct names instead of the thousands of trainers holding
  each, then those names are looked up through btree indexes.
- Prefix-capable btree indexes on the lower-cased emails, and one on the first name.

SQLite has none of these: the search selector falls back to plain lookups there, and
this migration does nothing.
"""

from django.conf import settings
from django.db import migrations

# The expression the search selector queries; the index only serves it if they match.
TRAINER_SEARCH_NAME_SQL = "lower(first_name || ' ' || last_name)"
NAME_WORD_TABLE = "enrollment_search_name_word"


def _indexes(apps) -> list[tuple[str, str, str]]:
    trainer_table = apps.get_model("enrollment", "Trainer")._meta.db_table
    user_table = apps.get_model(settings.AUTH_USER_MODEL)._meta.db_table
    return [
        (
            "trainer_search_name_trgm",
            trainer_table,
            f"USING gin (({TRAINER_SEARCH_NAME_SQL}) gin_trgm_ops)",
        ),
        ("trainer_first_name_lower_idx", trainer_table, "(lower(first_name), lower(last_name))"),
        ("trainer_email_prefix_idx", trainer_table, "(lower(email) text_pattern_ops)"),
        ("user_email_prefix_idx", user_table, "(lower(email) text_pattern_ops)"),
        ("search_name_word_trgm", NAME_WORD_TABLE, "USING gin (word gin_trgm_ops)"),
    ]


def create_search_indexes(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    trainer_table = schema_editor.quote_name(apps.get_model("enrollment", "Trainer")._meta.db_table)
    execute = schema_editor.execute
    execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
    execute(f"CREATE TABLE IF NOT EXISTS {NAME_WORD_TABLE} (word varchar(100) PRIMARY KEY)")
    execute(
        f"""
        CREATE OR REPLACE FUNCTION {NAME_WORD_TABLE}_collect() RETURNS trigger AS $$
        BEGIN
            INSERT INTO {NAME_WORD_TABLE} (word)
            SELECT DISTINCT name FROM unnest(ARRAY[lower(NEW.first_name), lower(NEW.last_name)])
                AS name WHERE name <> ''
            ON CONFLICT DO NOTHING;
            RETURN NULL;
        END
        $$ LANGUAGE plpgsql
        """  # noqa: S608 — constants only
    )
    execute(f"DROP TRIGGER IF EXISTS {NAME_WORD_TABLE}_collect ON {trainer_table}")
    execute(
        f"CREATE TRIGGER {NAME_WORD_TABLE}_collect "
        f"AFTER INSERT OR UPDATE OF first_name, last_name ON {trainer_table} "
        f"FOR EACH ROW EXECUTE FUNCTION {NAME_WORD_TABLE}_collect()"
    )
    execute(
        f"INSERT INTO {NAME_WORD_TABLE} (word) "  # noqa: S608 — constants only
        f"SELECT lower(first_name) FROM {trainer_table} WHERE first_name <> '' "
        f"UNION SELECT lower(last_name) FROM {trainer_table} WHERE last_name <> '' "
        "ON CONFLICT DO NOTHING"
    )
    for name, table, definition in _indexes(apps):
        execute(
            f"CREATE INDEX IF NOT EXISTS {name} ON {schema_editor.quote_name(table)} {definition}"
        )


def drop_search_indexes(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    trainer_table = schema_editor.quote_name(apps.get_model("enrollment", "Trainer")._meta.db_table)
    # The extension stays: other objects may have come to depend on it.
    for name, _table, _definition in _indexes(apps):
        schema_editor.execute(f"DROP INDEX IF EXISTS {name}")
    schema_editor.execute(f"DROP TRIGGER IF EXISTS {NAME_WORD_TABLE}_collect ON {trainer_table}")
    schema_editor.execute(f"DROP FUNCTION IF EXISTS {NAME_WORD_TABLE}_collect()")
    schema_editor.execute(f"DROP TABLE IF EXISTS {NAME_WORD_TABLE}")


class Migration(migrations.Migration):
    dependencies = [
        ("enrollment", "0001_initial"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.RunPython(create_search_indexes, drop_search_indexes, elidable=False),
    ]
