"""Writes that change a contract's life: keyword-only, atomic, validated before saving."""

import datetime as dt

from django.db import transaction

from .models import Contract, ContractStatus, TargetGroupLimit


@transaction.atomic
def contract_end(*, contract: Contract, ended_on: dt.date, reason: str, outflow: str) -> Contract:
    """End a contract on `ended_on` (its last day), with the reason and where the tenant went."""
    contract = Contract.objects.select_for_update().get(pk=contract.pk)
    contract.status = ContractStatus.ENDED
    contract.end_date = ended_on
    contract.end_reason = reason
    contract.outflow = outflow
    contract.full_clean()
    contract.save()
    return contract


@transaction.atomic
def project_group_limits_set(*, project, limits: dict[int, int | None]) -> None:
    """Replace a project's maximum shares per target group (None removes a maximum)."""
    TargetGroupLimit.objects.filter(project=project).exclude(
        target_group_id__in=[g for g, share in limits.items() if share is not None]
    ).delete()
    for group_id, share in limits.items():
        if share is not None:
            TargetGroupLimit.objects.update_or_create(
                project=project, target_group_id=group_id, defaults={"max_share": share}
            )
