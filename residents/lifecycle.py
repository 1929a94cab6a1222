"""Services for a contract's life after signing: notices, decisions on a missed notice window,
omklap check-ins and warnings, and the omklap evaluation (flip, extend, end).

Each is keyword-only and atomic, locks the contract it changes, validates with full_clean()
before saving, and raises ValidationError with a message for the user when a rule says no.
"""

import datetime as dt
from dataclasses import dataclass

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from .dates import add_months, long_date
from .models import (
    REGULAR_TYPE_CODE,
    CheckIn,
    Contract,
    ContractStatus,
    ContractType,
    EndReason,
    GuidanceExtension,
    LapseDecision,
    LapseOutcome,
    Notice,
    Person,
    ResidentWarning,
)
from .services import announce_end, contract_end, record_end


def _locked(contract: Contract) -> Contract:
    return (
        Contract.objects.select_for_update(of=("self",))
        .select_related("contract_type", "person", "unit__project")
        .get(pk=contract.pk)
    )


def _require_active(contract: Contract) -> None:
    if contract.status != ContractStatus.ACTIVE:
        raise ValidationError(_("This contract is not active."))


def _require_omklap(contract: Contract) -> None:
    _require_active(contract)
    if not contract.contract_type.is_omklap:
        raise ValidationError(_("This is not an omklap contract."))


def _not_future(day: dt.date, today: dt.date, field: str) -> None:
    if day > today:
        raise ValidationError({field: _("This date lies in the future.")})


@transaction.atomic
def notice_record(
    *,
    contract: Contract,
    given_on: dt.date,
    means: str,
    given_by,
    today: dt.date,
    document=None,
    again: bool = False,
) -> Notice:
    """Record that notice was given; refused outside the legal window, with the window given.

    A contract has one notice; a second one (a letter sent again, say) only with `again`, so
    that a double submit or a colleague's second entry does not pass unnoticed.
    """
    contract = _locked(contract)
    _require_active(contract)
    earlier = contract.notices.order_by("given_on").first()
    if earlier is not None and not again:
        raise ValidationError(
            {
                "again": _(
                    "Notice was recorded already: given on %(day)s. Tick the box to record "
                    "another notice as well."
                )
                % {"day": long_date(earlier.given_on)}
            }
        )
    window = contract.notice_window
    if window is None:
        raise ValidationError(_("A contract of this type needs no notice."))
    _not_future(given_on, today, "given_on")
    if given_on not in window:
        side = _("before the window opens") if given_on < window.opens else _("after it closed")
        raise ValidationError(
            {
                "given_on": _(
                    "Notice for a contract ending %(end)s must be given from %(opens)s up to and "
                    "including %(closes)s; %(day)s is %(side)s. Outside the window the notice "
                    "does not count and the tenancy continues open-ended."
                )
                % {
                    "end": long_date(contract.end_date),
                    "opens": long_date(window.opens),
                    "closes": long_date(window.closes),
                    "day": long_date(given_on),
                    "side": side,
                }
            }
        )
    notice = Notice(
        contract=contract, given_on=given_on, means=means, given_by=given_by, document=document
    )
    notice.full_clean()
    notice.save()
    notice.effects = announce_end(contract, today).effects
    return notice


def next_checkin(contract: Contract) -> dt.date:
    """The day the next check-in is due: the project's cadence after the last one (or the start).

    `contract` needs `last_checkin` (ContractQuerySet.with_deadline_facts).
    """
    return add_months(
        contract.last_checkin or contract.start_date, contract.unit.project.checkin_every_months
    )


# The omklap evaluation is due this many days before the guidance period's last day.
EVALUATION_DAYS = 60


def checkin_grace() -> dt.timedelta:
    return dt.timedelta(days=settings.REMINDER_CHECKIN_GRACE_DAYS)


@dataclass(frozen=True)
class TrajectoryFacts:
    """Where an omklap trajectory stands on a day, for lists and detail pages."""

    contract: Contract
    next_checkin: dt.date
    checkin_due: bool
    checkin_overdue: bool
    guidance_end: dt.date | None
    evaluation_soon: bool
    evaluation_overdue: bool


def trajectory_facts(contract: Contract, today: dt.date) -> TrajectoryFacts:
    due = next_checkin(contract)
    end = contract.guidance_end
    return TrajectoryFacts(
        contract=contract,
        next_checkin=due,
        checkin_due=due <= today,
        checkin_overdue=due + checkin_grace() <= today,
        guidance_end=end,
        evaluation_soon=bool(end) and end - dt.timedelta(days=EVALUATION_DAYS) <= today <= end,
        evaluation_overdue=bool(end) and today > end,
    )


@transaction.atomic
def lapse_decide(
    *, contract: Contract, outcome: str, reason: str, decided_by, today: dt.date
) -> LapseDecision:
    """Decide on a missed window: convert to open-ended, or record an exception with a reason."""
    contract = _locked(contract)
    if not contract.continues_open_ended(today):
        raise ValidationError(_("This contract has no missed notice window to decide on."))
    if not reason.strip():
        raise ValidationError({"reason": _("Give the reason for this decision.")})
    decision = LapseDecision(
        contract=contract,
        outcome=outcome,
        reason=reason.strip(),
        previous_end_date=contract.end_date,
        decided_by=decided_by,
    )
    decision.full_clean()
    decision.save()
    if outcome == LapseOutcome.CONVERTED:
        contract.contract_type = ContractType.objects.get(code=REGULAR_TYPE_CODE)
        contract.end_date = None
        contract.full_clean()
        contract.save()
        decision.effects = []
    else:  # the end date holds after all
        decision.effects = announce_end(contract, today).effects
    return decision


@transaction.atomic
def checkin_record(
    *, contract: Contract, held_on: dt.date, held_by, today: dt.date, note: str = "", **scores
) -> CheckIn:
    """Record a monitoring check-in on an omklap contract (scores 1-5 per domain)."""
    contract = _locked(contract)
    _require_omklap(contract)
    _not_future(held_on, today, "held_on")
    if held_on < contract.start_date:
        raise ValidationError({"held_on": _("This date lies before the contract started.")})
    checkin = CheckIn(contract=contract, held_on=held_on, held_by=held_by, note=note, **scores)
    checkin.full_clean()
    checkin.save()
    return checkin


@transaction.atomic
def warning_give(
    *, person: Person, given_on: dt.date, reason: str, given_by, today: dt.date, contract=None
) -> ResidentWarning:
    _not_future(given_on, today, "given_on")
    if contract is not None and contract.person_id != person.pk:
        raise ValidationError(_("This contract belongs to another resident."))
    warning = ResidentWarning(
        person=person, contract=contract, given_on=given_on, reason=reason, given_by=given_by
    )
    warning.full_clean()
    warning.save()
    return warning


@transaction.atomic
def contract_flip(
    *, contract: Contract, last_day: dt.date, signed_by=None, today: dt.date | None = None
) -> Contract:
    """Flip an omklap contract: it ends on `last_day` ("omgeklapt") and a regular contract in the
    tenant's own name, linked to it and signed by the same decision, starts the next day.
    Returns the new contract."""
    today = today or timezone.localdate()
    contract = _locked(contract)
    _require_omklap(contract)
    if last_day < contract.start_date:
        raise ValidationError({"last_day": _("This date lies before the contract started.")})
    record_end(contract=contract, ended_on=last_day, reason=EndReason.FLIPPED, outflow="")
    regular = Contract(
        person=contract.person,
        unit=contract.unit,
        contract_type=ContractType.objects.get(code=REGULAR_TYPE_CODE),
        start_date=last_day + dt.timedelta(days=1),
        status=ContractStatus.ACTIVE,
        signed_on=today,
        signed_by=signed_by,
        flipped_from=contract,
    )
    regular.full_clean()
    regular.save()
    regular.effects = announce_end(contract, today).effects
    return regular


@transaction.atomic
def guidance_extend(
    *, contract: Contract, new_end: dt.date, reason: str, decided_by
) -> GuidanceExtension:
    """Extend an omklap contract's guidance to `new_end` (later than now), with a reason."""
    contract = _locked(contract)
    _require_omklap(contract)
    current = contract.guidance_end
    if current and new_end <= current:
        raise ValidationError(
            {
                "new_end": _("The new end must lie after the current end of guidance, %(day)s.")
                % {"day": long_date(current)}
            }
        )
    if not reason.strip():
        raise ValidationError({"reason": _("Give the reason for extending the guidance.")})
    extension = GuidanceExtension(
        contract=contract,
        previous_end=current or contract.start_date,
        new_end=new_end,
        reason=reason.strip(),
        decided_by=decided_by,
    )
    extension.full_clean()
    extension.save()
    contract.guidance_extended_until = new_end
    contract.full_clean()
    contract.save()
    return extension


@transaction.atomic
def omklap_end(
    *,
    contract: Contract,
    last_day: dt.date,
    reason: str,
    outflow: str,
    today: dt.date | None = None,
) -> Contract:
    """End an omklap trajectory without a flip: the contract ends, with where the tenant went."""
    contract = _locked(contract)
    _require_omklap(contract)
    if reason == EndReason.FLIPPED:
        raise ValidationError({"reason": _("To flip the contract, choose Flip.")})
    return contract_end(
        contract=contract, ended_on=last_day, reason=reason, outflow=outflow, today=today
    )
