"""The dashboard's figures, read as counts grouped by project: never a row about one person.

Every function takes project ids and a day or a quarter, runs one aggregate query (GROUP BY,
COUNT, SUM) and returns plain dicts of numbers. Nothing here selects a name, a date of birth, an
e-mail or any other column of a person; `tests/test_dashboard.py` checks the SQL for that.
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
from django.utils.translation import gettext_lazy as _

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


@dataclass(frozen=True, order=True)
class Quarter:
    year: int
    number: int

    @classmethod
    def containing(cls, day: dt.date) -> "Quarter":
        return cls(day.year, (day.month - 1) // 3 + 1)

    @classmethod
    def parse(cls, text: str) -> "Quarter | None":
        """'2026-Q3' (the form the dashboard's links use), or None."""
        year, _sep, number = text.partition("-Q")
        if not (year.isdigit() and number in {"1", "2", "3", "4"}):
            return None
        return cls(int(year), int(number))

    @property
    def slug(self) -> str:
        return f"{self.year}-Q{self.number}"

    @property
    def label(self) -> str:
        return str(_("Q%(number)s %(year)s") % {"number": self.number, "year": self.year})

    @property
    def start(self) -> dt.date:
        return dt.date(self.year, 3 * self.number - 2, 1)

    @property
    def end(self) -> dt.date:
        return add_months(self.start, 3) - dt.timedelta(days=1)

    @property
    def days(self) -> int:
        return (self.end - self.start).days + 1

    def back(self, count: int) -> list["Quarter"]:
        """The `count` quarters up to and including this one, oldest first."""
        quarters = [self]
        while len(quarters) < count:
            quarters.insert(0, quarters[0].previous())
        return quarters

    def previous(self) -> "Quarter":
        return (
            Quarter(self.year - 1, 4) if self.number == 1 else Quarter(self.year, self.number - 1)
        )


def closed_quarters(today: dt.date, count: int) -> list[Quarter]:
    """The `count` most recent quarters that have ended, newest first.

    Only closed quarters: a figure "so far" changes from day to day, and two days side by side
    would give away who moved in or out in between.
    """
    return Quarter.containing(today).previous().back(count)[::-1]


in_force = ContractQuerySet.in_force_q

ENDING_BANDS = (("0-3", 0, 3), ("3-6", 3, 6), ("6-12", 6, 12))

# Contracts that end without the tenant leaving the project are no outflow.
NOT_OUTFLOW = (EndReason.FLIPPED, EndReason.MOVED_WITHIN)


def _nested(rows, outer: str, inner: str, value: str = "n") -> dict:
    result: dict = defaultdict(dict)
    for row in rows:
        result[row[outer]][row[inner]] = row[value]
    return result


def _in(ids) -> Q:
    return Q(unit__project_id__in=ids)


@dataclass
class People:
    """Residents on the last quarter end of `trend`, per project: by role, by target group, and
    the dragend residents' contribution norms added up. A resident is the holder of a contract
    in force, so residents and occupied units are the same count (one contract per unit)."""

    by_role: dict = field(default_factory=lambda: defaultdict(Counter))
    by_group: dict = field(default_factory=lambda: defaultdict(Counter))
    hours: Counter = field(default_factory=Counter)


def occupied_days(ids, quarter: Quarter) -> dict:
    """{project: unit-days with a contract in force} within the quarter."""
    first, last = Value(quarter.start), Value(quarter.end)
    lapsed = ContractQuerySet.lapsed_q()  # in force past its end date
    until = Case(
        When(Q(end_date__isnull=True) | lapsed, then=last),
        default=Least(F("end_date"), last),
        output_field=DateField(),
    )
    span = ExpressionWrapper(until - Greatest(F("start_date"), first), output_field=DurationField())
    rows = (
        Contract.objects.filter(_in(ids), status__in=(ContractStatus.ACTIVE, ContractStatus.ENDED))
        .filter(start_date__lte=quarter.end)
        .filter(not_over_q(quarter.start))
        .values("unit__project_id")
        .annotate(span=Sum(span), n=Count("pk"))
        .order_by()
    )
    # Each contract's own last day counts too: one day more per contract than the difference.
    return {
        row["unit__project_id"]: (row["span"] or dt.timedelta()).days + row["n"] for row in rows
    }


def ending(ids, on: dt.date) -> dict:
    """{(project, contract type id, band): contracts} ending after `on`, within 12 months."""
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
        .annotate(n=Count("pk"))
        .order_by()
    )
    return {(r["unit__project_id"], r["contract_type_id"], r["band"]): r["n"] for r in rows}


def _ended_in(start: dt.date, end: dt.date) -> Q:
    """Contracts whose certain last day (residents.models.state) lies in [start, end]: a
    termination recorded, or a fixed term that ended by its notice."""
    return certain_end_q() & Q(end_date__gte=start, end_date__lte=end)


def _outflow_q(start: dt.date, end: dt.date) -> Q:
    return _ended_in(start, end) & ~Q(end_reason__in=NOT_OUTFLOW)


def outflow(ids, quarter: Quarter) -> dict:
    """{project: {destination: contracts ended in the quarter}}; no destination is 'unknown'."""
    rows = (
        Contract.objects.filter(_in(ids), _outflow_q(quarter.start, quarter.end))
        .annotate(
            where=Case(When(outflow="", then=Value(Outflow.UNKNOWN.value)), default=F("outflow"))
        )
        .values("unit__project_id", "where")
        .annotate(n=Count("pk"))
        .order_by()
    )
    return _nested(rows, "unit__project_id", "where")


OMKLAP_STATES = ("running", "extended", "flipped", "ended")


def omklap(ids, quarter: Quarter) -> dict:
    """{project: {state: trajectories}}: running at the quarter's end (extended or not), and
    flipped or ended without a flip within the quarter. Each trajectory is in one state."""
    end = quarter.end
    running = in_force(end) & ~(certain_end_q() & Q(end_date=end))
    extended = Q(
        Exists(GuidanceExtension.objects.filter(contract=OuterRef("pk"), decided_at__date__lte=end))
    )
    concluded = _ended_in(quarter.start, end)
    flipped = concluded & Q(end_reason=EndReason.FLIPPED)
    rows = (
        Contract.objects.filter(_in(ids), contract_type__is_omklap=True)
        .values("unit__project_id")
        .annotate(
            running=Count("pk", filter=running & ~extended),
            extended=Count("pk", filter=running & extended),
            flipped=Count("pk", filter=flipped),
            ended=Count("pk", filter=concluded & ~flipped),
        )
        .order_by()
    )
    return {r["unit__project_id"]: {s: r[s] for s in OMKLAP_STATES} for r in rows}


def flip_spans(ids, quarter: Quarter) -> dict:
    """{project: Counter(days from start to flip)} for the flips within the quarter."""
    span = ExpressionWrapper(F("end_date") - F("start_date"), output_field=DurationField())
    rows = (
        Contract.objects.filter(
            _in(ids),
            _ended_in(quarter.start, quarter.end),
            contract_type__is_omklap=True,
            end_reason=EndReason.FLIPPED,
        )
        .annotate(span=span)
        .values("unit__project_id", "span")
        .annotate(n=Count("pk"))
        .order_by()
    )
    result: dict = defaultdict(Counter)
    for row in rows:
        result[row["unit__project_id"]][row["span"].days] += row["n"]
    return result


def warnings(ids, quarter: Quarter) -> dict:
    """{project: warnings given within the quarter} (a warning counts where its contract is)."""
    rows = (
        ResidentWarning.objects.filter(
            contract__unit__project_id__in=ids,
            given_on__gte=quarter.start,
            given_on__lte=quarter.end,
        )
        .values("contract__unit__project_id")
        .annotate(n=Count("pk"))
        .order_by()
    )
    return {r["contract__unit__project_id"]: r["n"] for r in rows}


def _closed_rounds(ids, quarter: Quarter, via: str) -> Q:
    """Rounds of the projects that closed (not cancelled) within the quarter, seen from a model
    `via` a lookup path to the round."""
    return Q(
        **{
            f"{via}__status": RoundStatus.CLOSED,
            f"{via}__closes_at__date__gte": quarter.start,
            f"{via}__closes_at__date__lte": quarter.end,
            f"{via}__project_id__in": ids,
        }
    )


def votes(ids, quarter: Quarter) -> dict:
    """{project: {"rounds", "electors", "voted"}} for association votes closed in the quarter.

    Only who took part is counted (Participation), never how anyone voted.
    """
    result: dict = defaultdict(lambda: {"rounds": 0, "electors": 0, "voted": 0})
    electors = (
        Elector.objects.filter(_closed_rounds(ids, quarter, "round"))
        .values("round__project_id")
        .annotate(n=Count("pk"), rounds=Count("round", distinct=True))
        .order_by()
    )
    for row in electors:
        result[row["round__project_id"]].update(electors=row["n"], rounds=row["rounds"])
    voted = (
        Participation.objects.filter(_closed_rounds(ids, quarter, "elector__round"))
        .values("elector__round__project_id")
        .annotate(n=Count("pk"))
        .order_by()
    )
    for row in voted:
        result[row["elector__round__project_id"]]["voted"] = row["n"]
    return result


def _index_case(field_name: str, days: list[dt.date], *, after: bool) -> Case:
    """The position of a contract's date among the sorted `days`: with `after`, how many days
    come before it (the first day it can count on); else the last day on or before it."""
    if after:
        whens = [When(**{f"{field_name}__lte": day}, then=Value(i)) for i, day in enumerate(days)]
        return Case(*whens, default=Value(len(days)), output_field=IntegerField())
    whens = [When(**{f"{field_name}__lt": day}, then=Value(i - 1)) for i, day in enumerate(days)]
    return Case(*whens, default=Value(len(days) - 1), output_field=IntegerField())


def trend(ids, quarters: list[Quarter]) -> tuple[dict, People]:
    """({quarter: {"dragend", "vragend", "occupied", "ended", "flipped"}} for the municipality,
    and the People per project on the last quarter's end).

    Two queries for any number of quarters. Residents: each contract counts on the quarter ends
    from its start to its end, so contracts are grouped by project, role, group and (first,
    last) quarter end, and the groups spread out here, instead of one count per quarter end.
    """
    ends = [q.end for q in quarters]
    now = len(ends) - 1
    lapsed = ContractQuerySet.lapsed_q()
    rows = (
        Contract.objects.filter(_in(ids), status__in=(ContractStatus.ACTIVE, ContractStatus.ENDED))
        .filter(start_date__lte=ends[-1])
        .filter(not_over_q(ends[0]))
        .annotate(
            first=_index_case("start_date", ends, after=True),
            last=Case(
                When(Q(end_date__isnull=True) | lapsed, then=Value(now)),
                default=_index_case("end_date", ends, after=False),
                output_field=IntegerField(),
            ),
        )
        .values("unit__project_id", "person__role", "person__target_group_id", "first", "last")
        .annotate(
            n=Count("pk"),
            hours=Sum(
                Coalesce("person__contribution_hours", "unit__project__contribution_hours"),
                filter=Q(person__role=ResidentRole.DRAGEND),
                output_field=IntegerField(),
            ),
        )
        .order_by()
    )
    result: dict = {q: dict.fromkeys((*ResidentRole.values, "occupied"), 0) for q in quarters}
    people = People()
    for row in rows:
        role, n = row["person__role"], row["n"]
        # A contract ending on a quarter's last day still counts on that day.
        for i in range(row["first"], row["last"] + 1):
            result[quarters[i]][role] += n
            result[quarters[i]]["occupied"] += n
        if row["last"] == now:  # in force on the last quarter's end
            project = row["unit__project_id"]
            people.by_role[project][role] += n
            people.by_group[project][row["person__target_group_id"]] += n
            people.hours[project] += row["hours"] or 0
    flows = Contract.objects.filter(_in(ids)).aggregate(
        **{
            f"ended{i}": Count("pk", filter=_outflow_q(q.start, q.end))
            for i, q in enumerate(quarters)
        },
        **{
            f"flipped{i}": Count(
                "pk",
                filter=_ended_in(q.start, q.end)
                & Q(contract_type__is_omklap=True, end_reason=EndReason.FLIPPED),
            )
            for i, q in enumerate(quarters)
        },
    )
    for i, q in enumerate(quarters):
        result[q].update(ended=flows[f"ended{i}"], flipped=flows[f"flipped{i}"])
    return result, people
