"""One spelling per term (docs/glossary.md): "ggz" in lower case, as the Taalunie writes it.

Only the seeded name changes; a name staff have changed since stays theirs.
"""

from django.db import migrations

OLD, NEW = "Uitstroom GGZ / beschermd wonen", "Uitstroom ggz / beschermd wonen"


def forward(apps, schema_editor):
    TargetGroup = apps.get_model("residents", "TargetGroup")
    TargetGroup.objects.filter(code="ggz-bw", name=OLD).update(name=NEW)


def backward(apps, schema_editor):
    TargetGroup = apps.get_model("residents", "TargetGroup")
    TargetGroup.objects.filter(code="ggz-bw", name=NEW).update(name=OLD)


class Migration(migrations.Migration):
    dependencies = [("residents", "0015_person_responsible_staff")]
    operations = [migrations.RunPython(forward, backward)]
