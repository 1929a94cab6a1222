"""Refuse, in the database itself, two contracts in force on one unit over overlapping dates.

PostgreSQL only (a GiST exclusion constraint over the unit and the inclusive date range; an open
end date is an unbounded range). Other databases, used for the demo, rely on Contract.clean().
"""

from django.db import migrations

CREATE = """
CREATE EXTENSION IF NOT EXISTS btree_gist;
ALTER TABLE residents_contract ADD CONSTRAINT contract_no_overlap EXCLUDE USING gist (
    unit_id WITH =,
    daterange(start_date, end_date, '[]') WITH &&
) WHERE (status IN ('active', 'ended'));
"""
DROP = "ALTER TABLE residents_contract DROP CONSTRAINT IF EXISTS contract_no_overlap;"


def forwards(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(CREATE)


def backwards(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(DROP)


class Migration(migrations.Migration):
    dependencies = [("residents", "0001_initial")]
    operations = [migrations.RunPython(forwards, backwards)]
