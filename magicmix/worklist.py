"""The staff worklist: what needs doing now, one section per kind of work, most urgent first.

Each section is one function of `projects` (the projects the user may see,
`Project.objects.for_user(user)`, perhaps narrowed to one) and `today`. It does a fixed number
of queries however many rows there are, and returns a `Section`: the total and at most `ROWS`
rows, most urgent first.

The rules are the application's own, not copies: the notice window is
`ContractType.notice_window`, a missed one `Contract.continues_open_ended`, check-ins and
evaluations are `residents.lifecycle.trajectory_facts`. As in `magicmix.reminders`, the contract
sections select coarsely in SQL (per contract type or cadence, with `SLACK` for month-end
clamping) and then apply the rule exactly in Python, so that a corporation with 20,000 active
contracts loads only the few near a deadline.
"""

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.db.models import Case, Count, Exists, IntegerField, OuterRef, Q, Value, When
from django.db.models.functions import Coalesce, NullIf
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from allocation import voting
from allocation.models import (
    Offer,
    OfferStatus,
    RoundStatus,
    Vacancy,
    VacancyStatus,
    VoteRound,
)
from allocation.models.core import OPEN_STATUSES
from residents.dates import add_months
from residents.lifecycle import EVALUATION_DAYS, checkin_grace, trajectory_facts
from residents.models import Contract, ContractStatus, ContractType

ROWS = 20
# Month arithmetic clamps to a month's end (31 May - 3 months = 28 February), which moves a date
# by at most 3 days; the SQL filters are this much wider and Python applies the exact rule.
SLACK = dt.timedelta(days=7)
# A deadline this close (in days) is shown as a warning.
SOON_DAYS = 7


@dataclass(frozen=True)
class Deadline:
    """A last day to act on, seen from today: days left, 0 on the last day, negative after it."""

    last_day: dt.date
    today: dt.date

    @property
    def days_left(self) -> int:
        return (self.last_day - self.today).days

    @property
    def overdue(self) -> bool:
        return self.days_left < 0

    @property
    def css(self) -> str:
        if self.days_left < 0:
            return "bad"
        return "warn" if self.days_left <= SOON_DAYS else ""

    def __str__(self) -> str:
        days = self.days_left
        if days > 0:
            return ngettext("%(days)s day left", "%(days)s days left", days) % {"days": days}
        if days == 0:
            return _("last day today")
        return ngettext("overdue by %(days)s day", "overdue by %(days)s days", -days) % {
            "days": -days
        }


@dataclass(frozen=True)
class Section:
    rows: list[Any]
    total: int

    @property
    def more(self) -> int:
        """How many rows are not shown."""
        return self.total - len(self.rows)


def _section(rows: list, key) -> Section:
    """The most urgent ROWS of rows checked in Python, and their total."""
    rows.sort(key=key)
    return Section(rows=rows[:ROWS], total=len(rows))


def _sql_section(queryset) -> Section:
    """The first ROWS of an ordered queryset and its total: two queries."""
    return Section(rows=list(queryset[:ROWS]), total=queryset.count())


# Contracts: notices, missed windows, check-ins, evaluations


def _active(projects):
    return Contract.objects.filter(status=ContractStatus.ACTIVE, unit__project__in=projects)


def _with_facts(contracts):
    return contracts.select_related(
        "person", "unit__project", "contract_type"
    ).with_deadline_facts()


@dataclass(frozen=True)
class NoticeRow:
    contract: Contract
    opens: dt.date
    deadline: Deadline  # the window's last day: the legal deadline


def notices_to_send(projects, today: dt.date) -> Section:
    """Active contracts whose notice window is open today, with no notice recorded and no
    decision on a missed window; the window's last day first."""
    rows = notice_rows(projects, today)
    return Section(rows=rows[:ROWS], total=len(rows))


def notice_rows(projects, today: dt.date) -> list[NoticeRow]:
    """Every row of `notices_to_send`, in its order (the batch of notice letters takes all)."""
    near = Q(pk__in=[])
    for ctype in ContractType.objects.filter(notice_required=True):
        near |= Q(
            contract_type=ctype,
            end_date__gte=add_months(today, ctype.notice_closes_months) - SLACK,
            end_date__lte=add_months(today, ctype.notice_opens_months) + SLACK,
        )
    contracts = _with_facts(_active(projects).filter(near)).filter(
        has_notice=False, lapse_decided=False
    )
    rows = [
        NoticeRow(contract=c, opens=window.opens, deadline=Deadline(window.closes, today))
        for c in contracts
        if (window := c.notice_window) and today in window
    ]
    rows.sort(key=lambda r: (r.deadline.last_day, r.contract.pk))
    return rows


@dataclass(frozen=True)
class OpenEndedRow:
    contract: Contract
    deadline: Deadline  # the window's last day, passed


def continues_open_ended(projects, today: dt.date) -> Section:
    """Active contracts whose notice window closed with no notice and no decision: by law they
    continue open-ended until staff decide. The longest missed first."""
    closed = Q(pk__in=[])
    for ctype in ContractType.objects.filter(notice_required=True):
        closed |= Q(
            contract_type=ctype,
            end_date__lte=add_months(today, ctype.notice_closes_months) + SLACK,
        )
    contracts = _with_facts(_active(projects).filter(closed)).filter(
        has_notice=False, lapse_decided=False
    )
    rows = [
        OpenEndedRow(contract=c, deadline=Deadline(c.notice_window.closes, today))
        for c in contracts
        if c.continues_open_ended(today)
    ]
    return _section(rows, key=lambda r: (r.deadline.last_day, r.contract.pk))


def _omklap(projects):
    return _active(projects).filter(contract_type__is_omklap=True)


@dataclass(frozen=True)
class CheckInRow:
    contract: Contract
    due: dt.date
    overdue: bool
    deadline: Deadline  # the last day before the check-in counts as overdue


def checkins_due(projects, today: dt.date) -> Section:
    """Active omklap contracts whose next check-in (the project's cadence after the last one, or
    the start) is today or past; overdue after the grace period. The longest due first."""
    cadences = set(projects.values_list("checkin_every_months", flat=True))
    near = Q(pk__in=[])
    for months in cadences:
        near |= Q(
            unit__project__checkin_every_months=months,
            checkin_base__lte=add_months(today, -months) + SLACK,
        )
    contracts = (
        _with_facts(_omklap(projects))
        .annotate(checkin_base=Coalesce("last_checkin", "start_date"))
        .filter(near)
    )
    grace = checkin_grace()
    rows = []
    for contract in contracts:
        facts = trajectory_facts(contract, today)
        if facts.checkin_due:
            last_day = facts.next_checkin + grace - dt.timedelta(days=1)
            rows.append(
                CheckInRow(
                    contract=contract,
                    due=facts.next_checkin,
                    overdue=facts.checkin_overdue,
                    deadline=Deadline(last_day, today),
                )
            )
    return _section(rows, key=lambda r: (r.due, r.contract.pk))


@dataclass(frozen=True)
class EvaluationRow:
    contract: Contract
    overdue: bool
    deadline: Deadline  # the guidance period's last day


def evaluations_due(projects, today: dt.date) -> Section:
    """Active omklap contracts within EVALUATION_DAYS of the guidance period's last day (soon) or
    past it (overdue). The earliest end first."""
    horizon = today + dt.timedelta(days=EVALUATION_DAYS)
    months = Coalesce(NullIf("guidance_months", 0), "contract_type__guidance_months")
    periods = set(
        _omklap(projects)
        .filter(guidance_extended_until__isnull=True)
        .annotate(months=months)
        .values_list("months", flat=True)
        .distinct()
        .order_by()
    )
    near = Q(guidance_extended_until__lte=horizon)
    for period in periods - {None}:
        near |= Q(
            guidance_extended_until__isnull=True,
            months=period,
            start_date__lte=add_months(horizon, -period) + SLACK,
        )
    contracts = _with_facts(_omklap(projects)).annotate(months=months).filter(near)
    rows = []
    for contract in contracts:
        facts = trajectory_facts(contract, today)
        if facts.evaluation_soon or facts.evaluation_overdue:
            rows.append(
                EvaluationRow(
                    contract=contract,
                    overdue=facts.evaluation_overdue,
                    deadline=Deadline(facts.guidance_end, today),
                )
            )
    return _section(rows, key=lambda r: (r.deadline.last_day, r.contract.pk))


@dataclass(frozen=True)
class DraftRow:
    contract: Contract
    deadline: Deadline  # the start date: signed by then, or the tenant moves in without one


def drafts_to_sign(projects, today: dt.date) -> Section:
    """Draft contracts (an accepted offer, or entered by hand) waiting for their signing; the
    soonest start first. Until signed a draft does not count as let."""
    drafts = (
        Contract.objects.filter(status=ContractStatus.DRAFT, unit__project__in=projects)
        .select_related("person", "unit__project", "contract_type")
        .order_by("start_date", "pk")
    )
    section = _sql_section(drafts)
    rows = [DraftRow(contract=c, deadline=Deadline(c.start_date, today)) for c in section.rows]
    return Section(rows=rows, total=section.total)


# Allocation: vacancies, votes, offers


def _running_rounds(today: dt.date):
    """Open rounds whose last day is today or later (a round closes at midnight after it)."""
    start_of_today = voting.closes_at(today - dt.timedelta(days=1))
    return VoteRound.objects.filter(status=RoundStatus.OPEN, closes_at__gt=start_of_today)


@dataclass(frozen=True)
class VacancyRow:
    vacancy: Vacancy
    vote_running: bool
    days_open: int


def open_vacancies(projects, today: dt.date) -> Section:
    """Vacancies open or with an offer out. Those waiting for staff first (no offer out, no vote
    running), then the unit free soonest."""
    vacancies = (
        Vacancy.objects.filter(project__in=projects, status__in=OPEN_STATUSES)
        .select_related("unit", "project")
        .annotate(
            vote_running=Exists(_running_rounds(today).filter(vacancy=OuterRef("pk"))),
            waiting=Case(
                When(Q(status=VacancyStatus.OFFERED) | Q(vote_running=True), then=Value(1)),
                default=Value(0),
                output_field=IntegerField(),
            ),
        )
        .order_by("waiting", "available_from", "created_at", "pk")
    )
    section = _sql_section(vacancies)
    rows = [
        VacancyRow(
            vacancy=v,
            vote_running=v.vote_running,
            days_open=(today - timezone.localdate(v.created_at)).days,
        )
        for v in section.rows
    ]
    return Section(rows=rows, total=section.total)


@dataclass(frozen=True)
class VoteRow:
    round: VoteRound
    voted: int
    electorate: int
    deadline: Deadline  # the last day to vote


def running_votes(projects, today: dt.date) -> Section:
    """Association votes running today, with their turnout (never the tally); closing first."""
    rounds = (
        _running_rounds(today)
        .filter(project__in=projects)
        .select_related("vacancy__unit", "project")
        .annotate(
            live_electorate=Count("electors", distinct=True),
            live_voted=Count("electors__participation", distinct=True),
        )
        .order_by("closes_at", "pk")
    )
    section = _sql_section(rounds)
    rows = [
        VoteRow(
            round=r,
            voted=r.live_voted,
            electorate=r.live_electorate,
            deadline=Deadline(r.last_day, today),
        )
        for r in section.rows
    ]
    return Section(rows=rows, total=section.total)


@dataclass(frozen=True)
class OfferRow:
    offer: Offer
    deadline: Deadline  # the reply date


def offers_awaiting_reply(projects, today: dt.date) -> Section:
    """Open offers, the reply date soonest first (past it until the daily task expires them)."""
    offers = (
        Offer.objects.filter(vacancy__project__in=projects, status=OfferStatus.OPEN)
        .select_related("vacancy__unit", "vacancy__project", "application__person")
        .order_by("reply_by", "pk")
    )
    section = _sql_section(offers)
    rows = [OfferRow(offer=o, deadline=Deadline(o.reply_by, today)) for o in section.rows]
    return Section(rows=rows, total=section.total)


def worklist(projects, today: dt.date) -> dict[str, Section]:
    """Every section, in the order the page shows them."""
    return {
        "notices": notices_to_send(projects, today),
        "checkins": checkins_due(projects, today),
        "evaluations": evaluations_due(projects, today),
        "drafts": drafts_to_sign(projects, today),
        "vacancies": open_vacancies(projects, today),
        "votes": running_votes(projects, today),
        "offers": offers_awaiting_reply(projects, today),
        "open_ended": continues_open_ended(projects, today),
    }
