from django.db import migrations

# Art. 7:271 BW: a fixed-term tenancy ends only after the landlord's notice in its window.
NOTICE_REQUIRED = ["tijdelijk", "jongeren"]


def mark(apps, schema_editor):
    ContractType = apps.get_model("residents", "ContractType")
    ContractType.objects.filter(code__in=NOTICE_REQUIRED).update(
        notice_required=True, notice_opens_months=3, notice_closes_months=1
    )


def unmark(apps, schema_editor):
    apps.get_model("residents", "ContractType").objects.update(notice_required=False)


class Migration(migrations.Migration):
    dependencies = [("residents", "0006_contract_lifecycle")]
    operations = [migrations.RunPython(mark, unmark)]
