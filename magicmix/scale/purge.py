"""Remove the scale data set: its organisations and accounts and every row that depends on them.

Deleting through the ORM would load every row, send a signal per row and write a history record
per deleted person and contract: far too slow for 100,000 contracts. Instead this walks the
models' reverse relations (hidden ones too: history tables and many-to-many rows) and deletes
each dependent set with one SQL statement, dependents first. A nullable reference that is
SET_NULL or PROTECT, or that closes a cycle (a contract flipped from another), is cleared instead.
"""

from django.contrib.auth import get_user_model
from django.db import models

from projects.models import Organisation

from .sites import PREFIX, USER_DOMAIN

# A nullable reference of these kinds is cleared, not followed: the rows holding it go with their
# own parents (a contract with its tenant, a round with its project), and clearing one breaks
# every cycle (a round's winner is one of the round's candidates).
CLEARED = (models.SET_NULL, models.PROTECT)


def purge_scale() -> None:
    purge(Organisation.objects.filter(name__startswith=PREFIX))
    purge(get_user_model()._base_manager.filter(email__contains=USER_DOMAIN))


def purge(queryset, path: tuple = ()) -> None:
    """Delete `queryset` and, first, every row that refers to it (recursively)."""
    model = queryset.model
    path = (*path, model)
    for relation in model._meta.get_fields(include_hidden=True):
        if not (relation.auto_created and not relation.concrete) or relation.many_to_many:
            continue  # only reverse foreign keys; many-to-many rows come through their table
        field = relation.field
        related = relation.related_model._base_manager.filter(**{f"{field.name}__in": queryset})
        clears = relation.related_model in path or relation.on_delete in CLEARED
        if clears and field.null:
            related.update(**{field.name: None})
        elif relation.related_model in path:
            raise RuntimeError(f"Cannot break the cycle through {field}")
        else:
            purge(related, path)
    queryset._raw_delete(queryset.db)
