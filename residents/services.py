"""Writes that change a contract's life: keyword-only, atomic, validated before saving."""

import datetime as dt

from django.db import transaction

from .models import Contract, ContractStatus


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
