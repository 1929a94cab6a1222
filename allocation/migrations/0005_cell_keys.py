from django.db import migrations, models

import residents.cellkeys


def fill(apps, schema_editor):
    residents.cellkeys.fill_cell_keys(apps, "allocation.Elector")


class Migration(migrations.Migration):
    dependencies = [("allocation", "0004_stored_facts_data"), ("residents", "0010_cell_keys")]

    operations = [
        migrations.AddField(
            model_name="elector",
            name="cell_key",
            field=models.PositiveSmallIntegerField(
                default=0, editable=False, verbose_name="statistics key"
            ),
            preserve_default=False,
        ),
        migrations.RunPython(fill, migrations.RunPython.noop),
        migrations.AlterField(
            model_name="elector",
            name="cell_key",
            field=models.PositiveSmallIntegerField(
                default=residents.cellkeys.random_cell_key,
                editable=False,
                verbose_name="statistics key",
            ),
        ),
    ]
