"""Person search on PostgreSQL: accent- and case-folding (`mm_fold`) and a trigram index over
one folded text per person (residents/search.py). SQLite, the demo, gets `mm_fold` as a Python
function on each connection and no index.

`unaccent()` is only STABLE (its dictionary could change), so it cannot be used in an index; the
wrapper names the dictionary and is declared IMMUTABLE, the usual way (PostgreSQL docs, F.47).
Creating the extensions needs a role that may create them, as btree_gist in 0002 does.
"""

from django.db import migrations

CREATE = r"""
CREATE EXTENSION IF NOT EXISTS unaccent;
CREATE EXTENSION IF NOT EXISTS pg_trgm;
CREATE OR REPLACE FUNCTION mm_fold(text) RETURNS text
    LANGUAGE sql IMMUTABLE PARALLEL SAFE STRICT
    AS $$ SELECT lower(public.unaccent('public.unaccent'::regdictionary, $1)) $$;
CREATE INDEX IF NOT EXISTS person_search_trgm ON residents_person USING gin (
    mm_fold(first_name || ' ' || last_name || ' ' || reference || ' ' || email || ' ' || phone)
    gin_trgm_ops
);
"""
DROP = """
DROP INDEX IF EXISTS person_search_trgm;
DROP FUNCTION IF EXISTS mm_fold(text);
"""


def forwards(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(CREATE)


def backwards(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(DROP)


class Migration(migrations.Migration):
    dependencies = [("residents", "0008_contract_signing")]
    operations = [migrations.RunPython(forwards, backwards)]
