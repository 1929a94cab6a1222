"""Target groups and contract types with Dutch defaults. They are data: staff may change them."""

from django.db import migrations

TARGET_GROUPS = [
    ("statushouder", "Statushouder", "Refugee with a residence permit"),
    ("student", "Student", "Student"),
    ("starter", "Starter / jongere", "Starter / young person"),
    ("ex-dakloos", "Uitstroom maatschappelijke opvang", "Leaving a homeless shelter"),
    ("ggz-bw", "Uitstroom GGZ / beschermd wonen", "Leaving sheltered housing or care"),
    ("gescheiden-ouder", "Gescheiden ouder", "Separated parent"),
    ("oudere", "Oudere", "Older person"),
    ("arbeidsmigrant", "Arbeidsmigrant", "Labour migrant"),
    ("kenniswerker", "Kenniswerker", "Knowledge worker"),
    ("regulier", "Reguliere woningzoekende", "Regular home-seeker"),
]

# code, name, name_en, fixed_term, max_months, min_age, max_age, once, omklap, guidance, groups
CONTRACT_TYPES = [
    (
        "tijdelijk",
        "Tijdelijk",
        "Temporary",
        True,
        24,
        None,
        None,
        False,
        False,
        None,
        # Besluit specifieke groepen tijdelijke huurovereenkomst (Stb. 2024, 152)
        ["statushouder", "student", "ex-dakloos", "ggz-bw", "gescheiden-ouder"],
    ),
    ("jongeren", "Jongerencontract", "Youth contract", True, 60, 18, 27, True, False, None, []),
    ("campus", "Campuscontract", "Campus contract", False, None, None, None, False, False, None,
     ["student"]),
    ("omklap", "Omklapcontract", "Omklap (flip) contract", False, None, None, None, False, True,
     36, []),
    ("regulier", "Regulier (onbepaalde tijd)", "Regular (open-ended)", False, None, None, None,
     False, False, None, []),
]


def seed(apps, schema_editor):
    TargetGroup = apps.get_model("residents", "TargetGroup")
    ContractType = apps.get_model("residents", "ContractType")
    groups = {}
    for order, (code, name, name_en) in enumerate(TARGET_GROUPS):
        groups[code], _ = TargetGroup.objects.get_or_create(
            code=code, defaults={"name": name, "name_en": name_en, "order": order}
        )
    for order, row in enumerate(CONTRACT_TYPES):
        code, name, name_en, fixed, max_m, min_a, max_a, once, omklap, guidance, allowed = row
        ctype, created = ContractType.objects.get_or_create(
            code=code,
            defaults={
                "name": name,
                "name_en": name_en,
                "fixed_term": fixed,
                "max_months": max_m,
                "min_age": min_a,
                "max_age": max_a,
                "once_per_person": once,
                "is_omklap": omklap,
                "guidance_months": guidance,
                "order": order,
            },
        )
        if created and allowed:
            ctype.allowed_groups.set([groups[g] for g in allowed])


class Migration(migrations.Migration):
    dependencies = [("residents", "0002_contract_no_overlap")]
    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
