"""Writes of the allocation: keyword-only, atomic, validated before saving, each step logged.

Every function that changes a vacancy locks its row first (select_for_update), so two staff
members acting at once cannot both make an offer; the partial unique constraints on Vacancy and
Offer hold the same line in the database.
"""

import datetime as dt
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Exists, OuterRef, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from residents.dates import long_date, term_last_day
from residents.models import Contract, ContractStatus, ContractType, EndReason
from residents.models.lifecycle import Notice

from .models import (
    OPEN_STATUSES,
    AllocationEvent,
    Application,
    ApplicationStatus,
    EventKind,
    FillPlan,
    Offer,
    OfferStatus,
    RoundStatus,
    UnitScope,
    Vacancy,
    VacancyRoute,
    VacancyStatus,
    VoteRound,
    VoteSettings,
)
from .ranking import vacancy_ranking


def _log(
    vacancy: Vacancy, kind: str, *, user=None, offer=None, reason="", facts: dict | None = None
) -> None:
    """Append a step. `reason` is what a person typed; what the system knew goes into `facts`,
    which the history renders in the reader's language (AllocationEvent.text)."""
    AllocationEvent.objects.create(
        vacancy=vacancy,
        kind=kind,
        actor=user,
        offer=offer,
        application_id=offer.application_id if offer else None,
        rank=offer.rank if offer else None,
        score=offer.score if offer else None,
        reason=reason,
        facts=facts or {},
    )


def goes_to_vote(unit, settings: VoteSettings | None = None) -> bool:
    """Whether a vacancy of this unit is let through the residents' association's vote."""
    project = unit.project
    if not project.has_association:
        return False
    settings = settings or VoteSettings.for_project(project)
    if settings.unit_scope == UnitScope.ALL:
        return True
    return settings.pk is not None and settings.units.filter(pk=unit.pk).exists()


def route_for(unit) -> str:
    return VacancyRoute.ASSOCIATION if goes_to_vote(unit) else VacancyRoute.STAFF


def vote_running(vacancy: Vacancy) -> bool:
    return VoteRound.objects.filter(vacancy=vacancy, status=RoundStatus.OPEN).exists()


@transaction.atomic
def vacancy_open(
    *,
    unit,
    available_from: dt.date,
    contract_type: ContractType,
    route: str = VacancyRoute.STAFF,
    note: str = "",
    user=None,
    source_contract: Contract | None = None,
) -> Vacancy:
    """Open a vacancy for `unit`, free from `available_from`."""
    vacancy = Vacancy(
        project=unit.project,
        unit=unit,
        available_from=available_from,
        contract_type=contract_type,
        route=route,
        note=note,
        created_by=user,
        source_contract=source_contract,
    )
    vacancy.full_clean()
    if Vacancy.objects.filter(unit=unit, status__in=OPEN_STATUSES).exists():
        raise ValidationError({"unit": _("This unit has an open vacancy already.")})
    clash = Contract.objects.overlapping(unit_id=unit.pk, start=available_from, end=None).exclude(
        pk=getattr(source_contract, "pk", None)
    )
    other = clash.select_related("person").first()
    if other is not None:
        raise ValidationError(
            {
                "available_from": _(
                    "The unit is not free from this date: %(person)s's contract runs on."
                )
                % {"person": other.person}
            }
        )
    vacancy.save()
    _log(
        vacancy,
        EventKind.OPENED,
        user=user,
        reason=note,
        facts={"contract": source_contract.pk} if source_contract else None,
    )
    return vacancy


@transaction.atomic
def vacancy_update(*, vacancy: Vacancy, user, **changes) -> Vacancy:
    vacancy = Vacancy.objects.select_for_update(of=("self",)).get(pk=vacancy.pk)
    if vacancy.status != VacancyStatus.OPEN:
        raise ValidationError(_("Only an open vacancy without an offer out can be changed."))
    if vote_running(vacancy):
        raise ValidationError(_("A vote is running for this vacancy: cancel it first."))
    for name, value in changes.items():
        setattr(vacancy, name, value)
    vacancy.full_clean()
    vacancy.save()
    return vacancy


# A vacancy opens this many days before the unit is free (the daily task, and at once when a
# contract's last day becomes known).
LEAD_DAYS = 90


def ending_contracts(*, today: dt.date, lead_days: int = LEAD_DAYS):
    """Contracts whose end is certain (ended, or notice given) within `lead_days` from today (or
    ended in the last 60 days), on a unit nobody else holds from the next day, not yet behind a
    vacancy: each frees its unit. A flip or a move to another unit of the same tenant is the
    same as any end here: the unit is free unless a later contract holds it (a flip's does)."""
    later = Contract.objects.filter(
        unit=OuterRef("unit"),
        status__in=(ContractStatus.ACTIVE, ContractStatus.ENDED, ContractStatus.DRAFT),
        start_date__gt=OuterRef("end_date"),
    )
    return (
        Contract.objects.filter(
            end_date__gte=today - dt.timedelta(days=60),
            end_date__lte=today + dt.timedelta(days=lead_days),
        )
        .annotate(has_notice=Exists(Notice.objects.filter(contract=OuterRef("pk"))))
        .filter(
            Q(status=ContractStatus.ENDED)
            | Q(status=ContractStatus.ACTIVE, contract_type__notice_required=False)
            | Q(status=ContractStatus.ACTIVE, has_notice=True)
        )
        .exclude(end_reason=EndReason.FLIPPED)
        .exclude(Exists(later))
        .exclude(Exists(Vacancy.objects.filter(source_contract=OuterRef("pk"))))
        .exclude(Exists(Vacancy.objects.filter(unit=OuterRef("unit"), status__in=OPEN_STATUSES)))
        .select_related("unit__project", "contract_type")
        .order_by("end_date", "pk")
    )


def _open_for(contract: Contract) -> Vacancy | None:
    try:
        return vacancy_open(
            unit=contract.unit,
            available_from=contract.end_date + dt.timedelta(days=1),
            contract_type=contract.contract_type,
            route=route_for(contract.unit),
            source_contract=contract,
        )
    except ValidationError:
        return None  # a later contract or an open vacancy: the unit is not free


def vacancies_open_from_contracts(*, today: dt.date, lead_days: int = LEAD_DAYS) -> list[Vacancy]:
    """Open a vacancy for every contract whose end frees its unit. Idempotent: a contract opens
    at most one vacancy (Vacancy.source_contract is unique), so reruns open nothing new."""
    opened = [
        _open_for(contract) for contract in ending_contracts(today=today, lead_days=lead_days)
    ]
    return [vacancy for vacancy in opened if vacancy is not None]


def vacancy_open_when_end_known(*, contract: Contract, today: dt.date) -> str | None:
    """Registered with residents.events: the moment a contract's last day is known, open its
    unit's vacancy as the daily task would (same rule, same lead time), in the same
    transaction. Says what happened, or when the vacancy will open."""
    due = ending_contracts(today=today).filter(pk=contract.pk).first()
    vacancy = _open_for(due) if due is not None else None
    if vacancy is not None:
        return _("The vacancy of unit %(unit)s is open, free from %(day)s.") % {
            "unit": vacancy.unit.number,
            "day": long_date(vacancy.available_from),
        }
    later = ending_contracts(today=today, lead_days=100 * 366).filter(pk=contract.pk).exists()
    if later:
        opens = contract.end_date - dt.timedelta(days=LEAD_DAYS)
        return _(
            "The vacancy of unit %(unit)s opens by itself on %(day)s, %(lead)s days before it "
            "is free."
        ) % {
            "unit": contract.unit.number,
            "day": long_date(opens),
            "lead": LEAD_DAYS,
        }
    return None


@transaction.atomic
def vacancy_withdraw(*, vacancy: Vacancy, reason: str, user) -> Vacancy:
    vacancy = Vacancy.objects.select_for_update(of=("self",)).get(pk=vacancy.pk)
    if vote_running(vacancy):
        raise ValidationError(_("A vote is running for this vacancy: cancel it first."))
    if vacancy.status != VacancyStatus.OPEN:
        raise ValidationError(
            _(
                "Only an open vacancy without an offer out can be withdrawn; "
                "withdraw the offer first."
            )
        )
    if not reason.strip():
        raise ValidationError({"reason": _("Give the reason.")})
    vacancy.status = VacancyStatus.WITHDRAWN
    vacancy.closed_at = timezone.now()
    vacancy.save(update_fields=["status", "closed_at"])
    _log(vacancy, EventKind.WITHDRAWN, user=user, reason=reason)
    return vacancy


@transaction.atomic
def offer_make(
    *,
    vacancy: Vacancy,
    application: Application,
    reason: str,
    reply_by: dt.date,
    user,
    today: dt.date,
    plan: FillPlan | None = None,
    reason_code: str = "",
) -> Offer:
    """Offer the vacancy's unit to one candidate, recording the rank and score it has now.

    Anyone but number one, or a candidate whose placement breaks a band, needs a reason: typed
    by staff, or `reason_code` (OfferReason) when the association's vote or a plan chose.
    """
    has_reason = bool(reason.strip() or reason_code)
    vacancy = (
        Vacancy.objects.select_for_update(of=("self",))
        .select_related("project", "unit__cluster", "contract_type")
        .get(pk=vacancy.pk)
    )
    if vacancy.status != VacancyStatus.OPEN:
        raise ValidationError(_("This vacancy has an offer out already, or is closed."))
    if vote_running(vacancy):
        raise ValidationError(
            _("The association is voting on this vacancy: wait for the result or cancel the vote.")
        )
    if reason_code:
        # The system's reason stands in for staff's only where it is true.
        from .models import Outcome
        from .models.core import OfferReason

        outcome = {
            OfferReason.VOTE_WINNER: Outcome.WINNER,
            OfferReason.VOTE_TIE: Outcome.TIE,
            OfferReason.VOTE_NO_QUORUM: Outcome.NO_QUORUM,
        }.get(reason_code)
        if reason_code == OfferReason.PLAN:
            holds = plan is not None
        else:
            holds = (
                outcome is not None
                and VoteRound.objects.filter(
                    vacancy=vacancy, status=RoundStatus.CLOSED, outcome=outcome, decision=""
                ).exists()
            )
        if not holds:
            raise ValueError(f"The reason '{reason_code}' does not hold for this offer.")
    if vacancy.route != VacancyRoute.STAFF and plan is None and not has_reason:
        raise ValidationError(
            {
                "reason": _(
                    "This vacancy goes to the association's vote: give the reason staff decide "
                    "instead."
                )
            }
        )
    ranking = vacancy_ranking(vacancy, today=today)
    item = ranking.find(application.pk)
    if item is None:
        raise ValidationError(_("This candidate is not eligible for this vacancy."))
    errors = {}
    if (item.rank != 1 or item.breaks_band) and not has_reason:
        errors["reason"] = (
            _("This placement breaks a band of the project: give the reason.")
            if item.breaks_band
            else _("This candidate is number %(rank)s: give the reason for passing over number 1.")
            % {"rank": item.rank}
        )
    if reply_by < today:
        errors["reply_by"] = _("The reply date lies in the past.")
    if errors:
        raise ValidationError(errors)
    offer = Offer(
        vacancy=vacancy,
        application=application,
        rank=item.rank,
        score=Decimal(f"{item.score:.1f}"),
        explanation=[line.stored() for line in item.lines],
        breaks_band=item.breaks_band,
        reason=reason.strip(),
        reason_code=reason_code,
        reply_by=reply_by,
        created_by=user,
        plan=plan,
    )
    offer.full_clean()
    offer.save()
    vacancy.status = VacancyStatus.OFFERED
    vacancy.save(update_fields=["status"])
    facts = {"offer_reason": reason_code} if reason_code else {}
    if reason_code and plan is not None:
        facts["plan_at"] = plan.created_at.isoformat()
    _log(vacancy, EventKind.OFFERED, user=user, offer=offer, reason=offer.reason, facts=facts)
    return offer


def _locked_open_offer(offer: Offer) -> Offer:
    offer = (
        Offer.objects.select_for_update(of=("self",))
        .select_related("vacancy__unit__project", "vacancy__contract_type", "application__person")
        .get(pk=offer.pk)
    )
    if offer.status != OfferStatus.OPEN:
        raise ValidationError(_("This offer has been answered or closed already."))
    return offer


def proposed_start(vacancy: Vacancy, today: dt.date) -> dt.date:
    """The start a contract from this vacancy is proposed with: free-from, but never the past."""
    return max(vacancy.available_from, today)


def draft_contract(offer: Offer, *, start: dt.date, start_note: str = "") -> Contract:
    """The draft contract of an accepted offer, from `start`; a fixed-term type gets its
    longest term counted from that start."""
    vacancy, application = offer.vacancy, offer.application
    ctype = vacancy.contract_type
    contract = Contract(
        person=application.person,
        unit=vacancy.unit,
        contract_type=ctype,
        start_date=start,
        end_date=term_last_day(start, ctype.max_months) if ctype.max_months else None,
        holder_organisation=application.nominated_by if ctype.is_omklap else None,
        status=ContractStatus.DRAFT,
        start_note=start_note,
    )
    contract.full_clean()
    contract.save()
    return contract


@transaction.atomic
def offer_accept(
    *,
    offer: Offer,
    user,
    start_date: dt.date | None = None,
    start_note: str = "",
    note: str = "",
    today: dt.date | None = None,
) -> Offer:
    """The candidate said yes: a draft contract from `start_date` (proposed: the later of the
    vacancy's free-from date and today), the vacancy filled, the candidate placed.

    A start before the unit is free is refused; a start in the past needs `start_note`, which
    the contract keeps.
    """
    today = today or timezone.localdate()
    offer = _locked_open_offer(offer)
    vacancy = Vacancy.objects.select_for_update(of=("self",)).get(pk=offer.vacancy_id)
    start = start_date or proposed_start(vacancy, today)
    start_note = start_note.strip()
    if start < vacancy.available_from:
        raise ValidationError(
            {
                "start_date": _("The unit is free from %(day)s: the contract cannot start earlier.")
                % {"day": long_date(vacancy.available_from)}
            }
        )
    if start < today and not start_note:
        raise ValidationError(
            {
                "start_note": _(
                    "The start date %(day)s lies in the past: give the reason (for example, the "
                    "tenant has had the keys since then), or choose today or later."
                )
                % {"day": long_date(start)}
            }
        )
    offer.contract = draft_contract(
        offer, start=start, start_note=start_note if start < today else ""
    )
    offer.status = OfferStatus.ACCEPTED
    offer.responded_at = timezone.now()
    offer.response_note = note
    offer.save()
    vacancy.status = VacancyStatus.FILLED
    vacancy.closed_at = offer.responded_at
    vacancy.save(update_fields=["status", "closed_at"])
    Application.objects.filter(pk=offer.application_id).update(status=ApplicationStatus.PLACED)
    _log(vacancy, EventKind.ACCEPTED, user=user, offer=offer, reason=note)
    return offer


def _reopen(offer: Offer, status: str, kind: str, *, note: str, user) -> Offer:
    offer.status = status
    offer.responded_at = timezone.now()
    offer.response_note = note
    offer.save(update_fields=["status", "responded_at", "response_note"])
    Vacancy.objects.filter(pk=offer.vacancy_id, status=VacancyStatus.OFFERED).update(
        status=VacancyStatus.OPEN
    )
    _log(offer.vacancy, kind, user=user, offer=offer, reason=note)
    return offer


@transaction.atomic
def offer_decline(*, offer: Offer, note: str = "", user) -> Offer:
    """The candidate said no: the vacancy is open again for the next candidate."""
    return _reopen(
        _locked_open_offer(offer), OfferStatus.DECLINED, EventKind.DECLINED, note=note, user=user
    )


@transaction.atomic
def offer_withdraw(*, offer: Offer, note: str, user) -> Offer:
    if not note.strip():
        raise ValidationError({"note": _("Give the reason.")})
    return _reopen(
        _locked_open_offer(offer),
        OfferStatus.WITHDRAWN,
        EventKind.OFFER_WITHDRAWN,
        note=note,
        user=user,
    )


def offers_expire(*, today: dt.date, vacancy: Vacancy | None = None) -> int:
    """Expire open offers whose reply date has passed (the day after it). Idempotent: each offer
    is claimed with a conditional update, so a rerun or a second worker expires nothing twice."""
    due = Offer.objects.filter(status=OfferStatus.OPEN, reply_by__lt=today)
    if vacancy is not None:
        due = due.filter(vacancy=vacancy)
    expired = 0
    for pk in due.values_list("pk", flat=True):
        with transaction.atomic():
            claimed = Offer.objects.filter(pk=pk, status=OfferStatus.OPEN).update(
                status=OfferStatus.EXPIRED, responded_at=timezone.now()
            )
            if claimed != 1:
                continue
            offer = Offer.objects.select_related("vacancy", "application").get(pk=pk)
            Vacancy.objects.filter(pk=offer.vacancy_id, status=VacancyStatus.OFFERED).update(
                status=VacancyStatus.OPEN
            )
            _log(
                offer.vacancy,
                EventKind.EXPIRED,
                offer=offer,
                facts={"reply_by": offer.reply_by.isoformat()},
            )
            expired += 1
    return expired
