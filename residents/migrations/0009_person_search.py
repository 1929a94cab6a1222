"""Person search (residents/search.py): `mm_fold` (accents and case folded), a stored generated
column `search_text` per person, and on PostgreSQL a trigram index over it.

On PostgreSQL `mm_fold` is an SQL function over `unaccent()`; `unaccent()` is only STABLE (its
dictionary could change), so the wrapper names the dictionary and is declared IMMUTABLE, the
usual way, which a generated column and an index require. Creating the extensions needs a role
that may create them, as btree_gist in 0002 does. On SQLite (the demo) `mm_fold` is a Python
function registered on every connection (residents.apps), and there is no index.
"""

from django.db import migrations, models

import residents.search

FUNCTION = r"""
CREATE EXTENSION IF NOT EXISTS unaccent;
CREATE EXTENSION IF NOT EXISTS pg_trgm;
CREATE OR REPLACE FUNCTION mm_fold(text) RETURNS text
    LANGUAGE sql IMMUTABLE PARALLEL SAFE STRICT
    AS $$ SELECT lower(public.unaccent('public.unaccent'::regdictionary, $1)) $$;
"""
INDEX = """
CREATE INDEX IF NOT EXISTS person_search_trgm ON residents_person
    USING gin (search_text gin_trgm_ops);
"""


def create_function(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(FUNCTION)


def drop_function(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute("DROP FUNCTION IF EXISTS mm_fold(text);")


def create_index(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(INDEX)


def drop_index(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute("DROP INDEX IF EXISTS person_search_trgm;")


class Migration(migrations.Migration):
    dependencies = [("residents", "0008_contract_signing")]
    operations = [
        migrations.RunPython(create_function, drop_function),
        migrations.AddField(
            model_name="person",
            name="search_text",
            field=models.GeneratedField(
                db_persist=True,
                editable=False,
                expression=residents.search.SearchText(),
                output_field=models.TextField(),
            ),
        ),
        migrations.RunPython(create_index, drop_index),
    ]
