"""The dashboard's figures, read as counts grouped by project: never a row about one person.

Every function takes project ids and a period (or a day), runs one aggregate query (GROUP BY,
COUNT, SUM) and returns plain dicts. A count of people comes as a `Cell`: how many records and
the sum of their statistics keys, which `disclosure.publish` turns into the published number.
Nothing here selects a name, a date of birth, an e-mail or any other column of a person;
`tests/test_dashboard.py` checks the SQL for that.
"""

import datetime as dt
from collections import Counter, defaultdict
from dataclasses import dataclass, field

from django.db.models import (
    Case,
    Count,
    DateField,
    DurationField,
    Exists,
    ExpressionWrapper,
    F,
    IntegerField,
    OuterRef,
    Q,
    Sum,
    Value,
    When,
)
from django.db.models.functions import Coalesce, Greatest, Least

from allocation.models import Elector, Participation, RoundStatus
from residents.dates import add_months
from residents.models import (
    Contract,
    ContractQuerySet,
    ContractStatus,
    EndReason,
    GuidanceExtension,
    Outflow,
    ResidentRole,
    ResidentWarning,
)
from residents.models.state import certain_end_q, not_over_q

from .disclosure import Cell
from .periods import Period

in_force = ContractQuerySet.in_force_q

# From the reference day: up to and including 3 months after it, then 3 to 6, then 6 to 12.
ENDING_BANDS = (("0-3", 0, 3), ("3-6", 3, 6), ("6-12", 6, 12))

# Contracts that end without the tenant leaving the project are no outflow.
NOT_OUTFLOW = (EndReason.FLIPPED, EndReason.MOVED_WITHIN)

OMKLAP_STATES = ("running", "extended", "flipped", "ended")


def _cell(row, n: str = "n", key: str = "k") -> Cell:
    return Cell(row[n] or 0, row[key] or 0)


def _key_sum(filter_q: Q | None = None, *, of: str = "contract"):
    """SUM(key) of the rows (matching `filter_q`) of the model `of` names: with COUNT, the
    two halves of a Cell. (The privacy tests read the records' ids here instead, to know
    which records each published figure counts.)"""
    return Sum("cell_key", filter=filter_q)


def _counted(filter_q: Q | None = None, *, of: str = "contract") -> dict:
    """COUNT and SUM(key) of the rows (matching `filter_q`), as `n` and `k`."""
    return {"n": Count("pk", filter=filter_q), "k": _key_sum(filter_q, of=of)}


def _in(ids) -> Q:
    return Q(unit__project_id__in=ids)


@dataclass
class Stock:
    """Residents on one day, per project: by (role, target group id), and the dragend
    residents' agreed contribution hours added up. A resident is the holder of a contract in
    force, so residents and occupied units are the same records (one contract per unit)."""

    cells: dict = field(default_factory=lambda: defaultdict(dict))  # {project: {(role, g): Cell}}
    hours: Counter = field(default_factory=Counter)

    def by_role(self, project) -> dict:
        result: dict = defaultdict(Cell)
        for (role, _group), cell in self.cells.get(project, {}).items():
            result[role] = result[role] + cell
        return result

    def by_group(self, project) -> dict:
        result: dict = defaultdict(Cell)
        for (_role, group), cell in self.cells.get(project, {}).items():
            result[group] = result[group] + cell
        return result

    def residents(self, project) -> Cell:
        return sum(self.cells.get(project, {}).values(), Cell())


def _index_case(field_name: str, days: list[dt.date], *, after: bool) -> Case:
    """The position of a contract's date among the sorted `days`: with `after`, how many days
    come before it (the first day it can count on); else the last day on or before it."""
    if after:
        whens = [When(**{f"{field_name}__lte": day}, then=Value(i)) for i, day in enumerate(days)]
        return Case(*whens, default=Value(len(days)), output_field=IntegerField())
    whens = [When(**{f"{field_name}__lt": day}, then=Value(i - 1)) for i, day in enumerate(days)]
    return Case(*whens, default=Value(len(days) - 1), output_field=IntegerField())


def stocks(ids, days: list[dt.date]) -> dict[dt.date, Stock]:
    """{day: Stock} for sorted `days`, in one query for any number of days.

    Each contract counts on the days from its start to its end, so contracts are grouped by
    project, role, group, key and (first, last) day, and the groups spread out here, instead
    of one count per day. The keys are summed per group (a Cell), which adds up the same
    whichever days it counts on.
    """
    days = sorted(days)
    now = len(days) - 1
    lapsed = ContractQuerySet.lapsed_q()
    rows = (
        Contract.objects.filter(_in(ids), status__in=(ContractStatus.ACTIVE, ContractStatus.ENDED))
        .filter(start_date__lte=days[-1])
        .filter(not_over_q(days[0]))
        .annotate(
            first=_index_case("start_date", days, after=True),
            last=Case(
                When(Q(end_date__isnull=True) | lapsed, then=Value(now)),
                default=_index_case("end_date", days, after=False),
                output_field=IntegerField(),
            ),
        )
        .values("unit__project_id", "person__role", "person__target_group_id", "first", "last")
        .annotate(
            **_counted(),
            hours=Sum(
                Coalesce("person__contribution_hours", "unit__project__contribution_hours"),
                filter=Q(person__role=ResidentRole.DRAGEND),
                output_field=IntegerField(),
            ),
        )
        .order_by()
    )
    result = {day: Stock() for day in days}
    for row in rows:
        project, cell = row["unit__project_id"], _cell(row)
        where = (row["person__role"], row["person__target_group_id"])
        # A contract ending on a day still counts on that day.
        for i in range(row["first"], row["last"] + 1):
            stock = result[days[i]]
            stock.cells[project][where] = stock.cells[project].get(where, Cell()) + cell
            stock.hours[project] += row["hours"] or 0
    return result


def occupied_days(ids, period: Period) -> dict:
    """{project: unit-days with a contract in force} within the period."""
    first, last = Value(period.start), Value(period.end)
    lapsed = ContractQuerySet.lapsed_q()  # in force past its end date
    until = Case(
        When(Q(end_date__isnull=True) | lapsed, then=last),
        default=Least(F("end_date"), last),
        output_field=DateField(),
    )
    span = ExpressionWrapper(until - Greatest(F("start_date"), first), output_field=DurationField())
    rows = (
        Contract.objects.filter(_in(ids), status__in=(ContractStatus.ACTIVE, ContractStatus.ENDED))
        .filter(start_date__lte=period.end)
        .filter(not_over_q(period.start))
        .values("unit__project_id")
        .annotate(span=Sum(span), n=Count("pk"))
        .order_by()
    )
    # Each contract's own last day counts too: one day more per contract than the difference.
    return {
        row["unit__project_id"]: (row["span"] or dt.timedelta()).days + row["n"] for row in rows
    }


def ending(ids, on: dt.date) -> dict:
    """{(project, contract type id, band): Cell} of the contracts in force on `on` whose last
    day (the agreed end date, or the day a recorded termination takes effect) falls within 12
    months after it. Open-ended contracts and drafts do not count."""
    bands = [
        When(
            end_date__gt=add_months(on, low),
            end_date__lte=add_months(on, high),
            then=Value(name),
        )
        for name, low, high in ENDING_BANDS
    ]
    rows = (
        Contract.objects.filter(_in(ids), in_force(on))
        .filter(end_date__gt=on, end_date__lte=add_months(on, 12))
        .annotate(band=Case(*bands))
        .values("unit__project_id", "contract_type_id", "band")
        .annotate(**_counted())
        .order_by()
    )
    return {(r["unit__project_id"], r["contract_type_id"], r["band"]): _cell(r) for r in rows}


def _ended_in(start: dt.date, end: dt.date) -> Q:
    """Contracts whose certain last day (residents.models.state) lies in [start, end]: a
    termination recorded, or a fixed term that ended by its notice."""
    return certain_end_q() & Q(end_date__gte=start, end_date__lte=end)


def _outflow_q(start: dt.date, end: dt.date) -> Q:
    return _ended_in(start, end) & ~Q(end_reason__in=NOT_OUTFLOW)


def _flipped_q(start: dt.date, end: dt.date) -> Q:
    return _ended_in(start, end) & Q(contract_type__is_omklap=True, end_reason=EndReason.FLIPPED)


def outflow(ids, period: Period) -> dict:
    """{project: {destination: Cell}} of contracts ended in the period; none is 'unknown'."""
    rows = (
        Contract.objects.filter(_in(ids), _outflow_q(period.start, period.end))
        .annotate(
            where=Case(When(outflow="", then=Value(Outflow.UNKNOWN.value)), default=F("outflow"))
        )
        .values("unit__project_id", "where")
        .annotate(**_counted())
        .order_by()
    )
    result: dict = defaultdict(dict)
    for row in rows:
        result[row["unit__project_id"]][row["where"]] = _cell(row)
    return result


def omklap(ids, period: Period) -> dict:
    """{project: {state: Cell}}: running at the period's end (extended or not), and flipped or
    ended without a flip within the period. Each trajectory is in one state."""
    end = period.end
    running = in_force(end) & ~(certain_end_q() & Q(end_date=end))
    extended = Q(
        Exists(GuidanceExtension.objects.filter(contract=OuterRef("pk"), decided_at__date__lte=end))
    )
    concluded = _ended_in(period.start, end)
    flipped = concluded & Q(end_reason=EndReason.FLIPPED)
    filters = {
        "running": running & ~extended,
        "extended": running & extended,
        "flipped": flipped,
        "ended": concluded & ~flipped,
    }
    aggregates = {}
    for state, filter_q in filters.items():
        aggregates[f"{state}_n"] = Count("pk", filter=filter_q)
        aggregates[f"{state}_k"] = _key_sum(filter_q)
    rows = (
        Contract.objects.filter(_in(ids), contract_type__is_omklap=True)
        .values("unit__project_id")
        .annotate(**aggregates)
        .order_by()
    )
    return {
        r["unit__project_id"]: {s: _cell(r, f"{s}_n", f"{s}_k") for s in OMKLAP_STATES}
        for r in rows
    }


def flip_spans(ids, period: Period) -> dict:
    """{project: Counter(days from start to flip)} for the flips within the period."""
    span = ExpressionWrapper(F("end_date") - F("start_date"), output_field=DurationField())
    rows = (
        Contract.objects.filter(_in(ids), _flipped_q(period.start, period.end))
        .annotate(span=span)
        .values("unit__project_id", "span")
        .annotate(n=Count("pk"))
        .order_by()
    )
    result: dict = defaultdict(Counter)
    for row in rows:
        result[row["unit__project_id"]][row["span"].days] += row["n"]
    return result


def warnings(ids, period: Period) -> dict:
    """{project: Cell} of warnings given within the period (counted where the contract is)."""
    rows = (
        ResidentWarning.objects.filter(
            contract__unit__project_id__in=ids,
            given_on__gte=period.start,
            given_on__lte=period.end,
        )
        .values("contract__unit__project_id")
        .annotate(**_counted(of="warning"))
        .order_by()
    )
    return {r["contract__unit__project_id"]: _cell(r) for r in rows}


def votes(ids, period: Period) -> dict:
    """{project: {"rounds": int, "voted": Cell, "not": Cell}} for association votes closed
    (not cancelled) within the period. Only who took part is counted (Participation), never
    how anyone voted."""
    took_part = Q(Exists(Participation.objects.filter(elector=OuterRef("pk"))))
    rows = (
        Elector.objects.filter(
            round__status=RoundStatus.CLOSED,
            round__closes_at__date__gte=period.start,
            round__closes_at__date__lte=period.end,
            round__project_id__in=ids,
        )
        .values("round__project_id")
        .annotate(
            rounds=Count("round", distinct=True),
            voted_n=Count("pk", filter=took_part),
            voted_k=_key_sum(took_part, of="elector"),
            not_n=Count("pk", filter=~took_part),
            not_k=_key_sum(~took_part, of="elector"),
        )
        .order_by()
    )
    return {
        r["round__project_id"]: {
            "rounds": r["rounds"],
            "voted": _cell(r, "voted_n", "voted_k"),
            "not": _cell(r, "not_n", "not_k"),
        }
        for r in rows
    }


def flows(ids, periods: list[Period]) -> dict:
    """{period: {"ended": Cell, "flipped": Cell}} over all the projects, for contiguous
    `periods` (oldest first), in one query: each contract that ended is placed in its period
    by its last day."""
    starts = [p.start for p in periods]
    rows = (
        Contract.objects.filter(_in(ids), certain_end_q())
        .filter(end_date__gte=periods[0].start, end_date__lte=periods[-1].end)
        .annotate(at=_index_case("end_date", starts, after=False))
        .values("at", "end_reason", "contract_type__is_omklap")
        .annotate(**_counted())
        .order_by()
    )
    result = {p: {"ended": Cell(), "flipped": Cell()} for p in periods}
    for row in rows:
        figures = result[periods[row["at"]]]
        if row["end_reason"] not in NOT_OUTFLOW:
            figures["ended"] = figures["ended"] + _cell(row)
        if row["contract_type__is_omklap"] and row["end_reason"] == EndReason.FLIPPED:
            figures["flipped"] = figures["flipped"] + _cell(row)
    return result
