"""Writes that change a contract's life: keyword-only, atomic, validated before saving."""

import datetime as dt

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from . import events
from .models import Contract, ContractStatus, TargetGroupLimit


def _locked(contract: Contract) -> Contract:
    return (
        Contract.objects.select_for_update(of=("self",))
        .select_related("contract_type", "person", "unit__project")
        .get(pk=contract.pk)
    )


def announce_end(contract: Contract, today: dt.date) -> Contract:
    """Tell the apps above (events.end_known) that `contract` has a certain last day now; what
    they did is kept on `contract.effects` for the page to say."""
    contract.effects = events.end_known(contract, today=today)
    return contract


@transaction.atomic
def contract_sign(*, contract: Contract, signed_on: dt.date, signed_by, today: dt.date) -> Contract:
    """Record that a draft contract is signed, on `signed_on`, by whom: from its start date the
    tenancy holds and the unit counts as let. Refused when the unit has a contract in force
    over these dates, or any other contract rule says no."""
    contract = _locked(contract)
    if contract.status != ContractStatus.DRAFT:
        raise ValidationError(_("This contract is signed already."))
    if signed_on > today:
        raise ValidationError({"signed_on": _("This date lies in the future.")})
    contract.status = ContractStatus.ACTIVE
    contract.signed_on = signed_on
    contract.signed_by = signed_by
    contract.full_clean()
    contract.save()
    return contract


@transaction.atomic
def contract_end(
    *,
    contract: Contract,
    ended_on: dt.date,
    reason: str,
    outflow: str,
    today: dt.date | None = None,
) -> Contract:
    """End a contract on `ended_on` (its last day, today, past or future), with the reason and
    where the tenant went. Until that day the contract stays in force and shows "ends on"; the
    unit's vacancy opens at once when the allocation's rule says so (events.end_known)."""
    contract = record_end(
        contract=_locked(contract), ended_on=ended_on, reason=reason, outflow=outflow
    )
    return announce_end(contract, today or timezone.localdate())


def record_end(*, contract: Contract, ended_on: dt.date, reason: str, outflow: str) -> Contract:
    """The termination's facts on a locked contract, without telling anyone (contract_end and
    contract_flip announce it once everything that belongs to it is saved)."""
    if contract.status != ContractStatus.ACTIVE:
        raise ValidationError(_("Only a signed contract that has not been ended can be ended."))
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
