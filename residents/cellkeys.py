"""Record keys for the dashboard's cell key method (magicmix.dashboard.disclosure).

Every record the dashboard counts (a contract, a warning, an elector) gets one random key when
it is made. The key never changes, is never shown (not in a form, the admin or an export), and
says nothing about the record: it only decides, added up over the records a figure counts, how
that figure is perturbed, so the same records give the same published number everywhere.
"""

import secrets

from django.db import models
from django.utils.translation import gettext_lazy as _

KEY_RANGE = 4096


def random_cell_key() -> int:
    return secrets.randbelow(KEY_RANGE)


def cell_key_field() -> models.PositiveSmallIntegerField:
    return models.PositiveSmallIntegerField(
        _("statistics key"), default=random_cell_key, editable=False
    )


def fill_cell_keys(apps, model_label: str) -> None:
    """Migration step: give every existing row of `model_label` a key of its own."""
    model = apps.get_model(model_label)
    batch = []
    for row in model.objects.only("pk").iterator(chunk_size=2000):
        row.cell_key = random_cell_key()
        batch.append(row)
        if len(batch) == 2000:
            model.objects.bulk_update(batch, ["cell_key"])
            batch = []
    model.objects.bulk_update(batch, ["cell_key"])
