from django.db import migrations, models

import residents.cellkeys


def fill(apps, schema_editor):
    residents.cellkeys.fill_cell_keys(apps, "residents.Contract")
    residents.cellkeys.fill_cell_keys(apps, "residents.ResidentWarning")


class Migration(migrations.Migration):
    dependencies = [("residents", "0009_person_search")]

    operations = [
        migrations.AddField(
            model_name=model,
            name="cell_key",
            field=models.PositiveSmallIntegerField(
                default=0, editable=False, verbose_name="statistics key"
            ),
            preserve_default=False,
        )
        for model in ("contract", "residentwarning")
    ] + [
        migrations.RunPython(fill, migrations.RunPython.noop),
    ] + [
        migrations.AlterField(
            model_name=model,
            name="cell_key",
            field=models.PositiveSmallIntegerField(
                default=residents.cellkeys.random_cell_key,
                editable=False,
                verbose_name="statistics key",
            ),
        )
        for model in ("contract", "residentwarning")
    ]
