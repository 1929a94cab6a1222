"""The dashboard of one period, in two steps:

1. `compute(projects, period)` reads the counts (dashboard.data), publishes every one of them
   through `disclosure` and returns the `Figures`: plain numbers and names, no language, no
   HTML, stored as they are for a closed period (dashboard.store);
2. `layout(figures)` turns them into the tables, charts and CSV rows, in the language of the
   request.

So a closed period's page and its CSV files show the same numbers on every visit, and a figure
that two tables share (the residents of a project, the municipality's residents on a quarter's
last day) is one published number.
"""

import datetime as dt
import statistics
from collections import Counter
from dataclasses import dataclass, field
from html import escape

from django.utils import timezone
from django.utils.formats import date_format
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from projects.models import Project
from residents.dates import add_months
from residents.models import ContractType, Outflow, ResidentRole, TargetGroup

from . import charts, data
from .disclosure import (
    EMPTY,
    HIDDEN,
    MIN_BASE,
    Cell,
    decimal_display,
    enough,
    publish,
    publish_at_most,
    share,
    total,
)
from .periods import Period, Today, named

DAYS_PER_MONTH = 365.25 / 12
ROLES = (ResidentRole.DRAGEND.value, ResidentRole.VRAGEND.value)
NO_GROUP = "none"
ALL = "all"
BANDS = [name for name, _low, _high in data.ENDING_BANDS]
WITHIN_6, WITHIN_12 = "0-6", "0-12"
VERSION = 2  # of the stored figures' layout: a stored period of another version is recomputed


# --- step 1: the figures ------------------------------------------------------------------
def figure_key(*parts) -> str:
    """How a figure is named in the stored values: 'mix|12|dragend'."""
    return "|".join(map(str, parts))


@dataclass
class Figures:
    """Everything a period's dashboard publishes, as JSON-able data."""

    period: dict
    projects: list[dict]
    values: dict = field(default_factory=dict)
    names: dict = field(default_factory=dict)  # {"groups": [...], "types": [...]}: nl and en
    generated_at: str = ""
    version: int = VERSION

    def get(self, *key):
        return self.values.get(figure_key(*key))

    def as_json(self) -> dict:
        return {
            "period": self.period,
            "projects": self.projects,
            "values": self.values,
            "names": self.names,
            "generated_at": self.generated_at,
            "version": self.version,
        }

    @classmethod
    def from_json(cls, stored: dict) -> "Figures":
        return cls(**stored)


def _bilingual(obj) -> dict:
    return {"id": obj.pk, "nl": obj.name, "en": obj.name_en or obj.name}


def compute(projects: list[Project], period: Period) -> Figures:
    """The published figures of `projects` (already scoped to the user) for `period`."""
    return _Compute(projects, period).run()


class _Compute:
    def __init__(self, projects: list[Project], period: Period) -> None:
        self.projects, self.period = projects, period
        self.ids = [p.pk for p in projects]
        self.values: dict = {}

    def put(self, value, *key) -> None:
        self.values[figure_key(*key)] = value

    def cell(self, cell: Cell, *key, at_most: int | None = None) -> None:
        """Publish a count of people under `key` (never above `at_most`, a public bound)."""
        self.put(publish(cell) if at_most is None else publish_at_most(cell, at_most), *key)

    def run(self) -> Figures:
        p, ids = self.period, self.ids
        groups = list(TargetGroup.objects.order_by("order", "pk"))
        types = list(ContractType.objects.order_by("order", "pk"))
        rows = [*ids, ALL]
        trend = p.trend() if p.closed else []
        days = sorted({p.end, *(t.end for t in trend)})
        stocks = data.stocks(ids, days)
        stock = stocks[p.end]
        units = {pr.pk: pr.unit_count for pr in self.projects}
        units[ALL] = sum(units.values())
        self._people(stock, rows, units, groups)
        if p.closed:
            self._flows(rows, units)
            self._trend(trend, stocks, units[ALL])
        else:
            self._ending(rows, types)
        return Figures(
            period={"slug": p.slug, "kind": p.kind, "start": str(p.start), "end": str(p.end)},
            projects=[
                {
                    "id": pr.pk,
                    "name": pr.name,
                    "units": pr.unit_count,
                    "band": [pr.dragend_min, pr.dragend_max],
                    "norm": pr.contribution_hours,
                    "association": pr.has_association,
                }
                for pr in self.projects
            ],
            values=self.values,
            names={
                "groups": [_bilingual(g) for g in groups],
                "types": [_bilingual(t) for t in types],
            },
            generated_at=timezone.now().isoformat(timespec="seconds"),
        )

    def _people(self, stock: data.Stock, rows, units: dict, groups) -> None:
        """Residents on the period's last day: occupancy, mix, groups and contribution."""
        bands = {pr.pk: (pr.dragend_min, pr.dragend_max) for pr in self.projects}
        by_role, by_group, hours = {}, {}, {}
        for row in self.ids:
            by_role[row], by_group[row] = stock.by_role(row), stock.by_group(row)
            hours[row] = stock.hours.get(row, 0)
        by_role[ALL] = {r: total(by_role[x].get(r, EMPTY) for x in self.ids) for r in ROLES}
        by_group[ALL] = {}
        for x in self.ids:
            for group, cell in by_group[x].items():
                by_group[ALL][group] = by_group[ALL].get(group, EMPTY) + cell
        hours[ALL] = sum(hours.values())
        if any(None in by_group[x] for x in self.ids):
            self.put(True, "groups", "has_none")
        for row in rows:
            residents = total(by_role[row].get(r, EMPTY) for r in ROLES)
            for role in ROLES:
                self.cell(by_role[row].get(role, EMPTY), "mix", row, role)
            self.cell(residents, "mix", row, "residents", at_most=units[row])
            dragend_share = share(by_role[row].get(ROLES[0], EMPTY), residents)
            self.put(dragend_share, "mix", row, "share")
            if row != ALL and dragend_share is not None:
                low, high = bands[row]
                self.put(low <= round(dragend_share) <= high, "mix", row, "in_band")
            for group in [*(g.pk for g in groups), None]:
                cell = by_group[row].get(group, EMPTY)
                if cell or group is not None:
                    self.cell(cell, "groups", row, group or NO_GROUP)
            occupied = publish_at_most(residents, units[row])
            self.put(
                round(100 * occupied / units[row], 1) if units[row] >= MIN_BASE else None,
                "occ",
                row,
                "rate",
            )
            dragend = by_role[row].get(ROLES[0], EMPTY)
            # Over the published count, so the average gives the true one no better.
            average = hours[row] / publish(dragend) if enough(dragend) else None
            self.put(average, "contrib", row, "avg")

    def _flows(self, rows, units: dict) -> None:
        p, ids = self.period, self.ids
        occupied_days = data.occupied_days(ids, p)
        occupied_days[ALL] = sum(occupied_days.values())
        for row in rows:
            # Unit-days, not people; but none empty would say residents == units, so like
            # the rate they show for 10 units or more only.
            # Rounded to tens: exact unit-days would tell residents == units exactly (none
            # empty), or a small project's days as the total minus the others'.
            vacant = max(units[row] * p.days - occupied_days.get(row, 0), 0)
            vacant = 10 * round(vacant / 10)
            self.put(vacant if units[row] >= MIN_BASE else None, "occ", row, "vacant")
        # Outflow destinations.
        outflow = data.outflow(ids, p)
        destinations = list(Outflow.values)
        outflow[ALL] = {
            d: total(outflow.get(x, {}).get(d, EMPTY) for x in ids) for d in destinations
        }
        for row in rows:
            cells = outflow.get(row, {})
            for dest in destinations:
                self.cell(cells.get(dest, EMPTY), "outflow", row, dest)
            self.cell(total(cells.values()), "outflow", row, "total")
        # Omklap trajectories.
        omklap = data.omklap(ids, p)
        spans = data.flip_spans(ids, p)
        omklap[ALL] = {
            s: total(omklap.get(x, {}).get(s, EMPTY) for x in ids) for s in data.OMKLAP_STATES
        }
        spans[ALL] = sum(spans.values(), Counter())
        for row in rows:
            cells = omklap.get(row, {})
            for state in data.OMKLAP_STATES:
                self.cell(cells.get(state, EMPTY), "omklap", row, state)
            flipped = cells.get("flipped", EMPTY)
            concluded = flipped + cells.get("ended", EMPTY)
            self.cell(concluded, "omklap", row, "concluded")
            self.put(share(flipped, concluded), "omklap", row, "success")
            median = None
            if enough(flipped) and spans.get(row):
                median = statistics.median(spans[row].elements()) / DAYS_PER_MONTH
            self.put(median, "omklap", row, "median")
        # Warnings.
        warnings = data.warnings(ids, p)
        warnings[ALL] = total(warnings.values())
        for row in rows:
            self.cell(warnings.get(row, EMPTY), "warn", row, "n")
        # Votes.
        votes = data.votes(ids, p)
        voters = [pr.pk for pr in self.projects if pr.has_association or pr.pk in votes]
        votes[ALL] = {
            "rounds": sum(votes.get(x, {}).get("rounds", 0) for x in voters),
            "voted": total(votes.get(x, {}).get("voted", EMPTY) for x in voters),
            "not": total(votes.get(x, {}).get("not", EMPTY) for x in voters),
        }
        self.put(voters, "votes", "projects")
        for row in [*voters, ALL]:
            cells = votes.get(row, {})
            voted, not_voted = cells.get("voted", EMPTY), cells.get("not", EMPTY)
            self.put(cells.get("rounds", 0), "votes", row, "rounds")
            self.cell(voted, "votes", row, "voted")
            self.cell(not_voted, "votes", row, "not")
            self.cell(voted + not_voted, "votes", row, "electors")
            self.put(share(voted, voted + not_voted), "votes", row, "turnout")

    def _trend(self, trend: list[Period], stocks: dict, units: int) -> None:
        flows = data.flows(self.ids, trend)
        for t in trend:
            stock = stocks[t.end]
            roles = {r: total(stock.by_role(x).get(r, EMPTY) for x in self.ids) for r in ROLES}
            residents = total(roles.values())
            for role in ROLES:
                self.cell(roles[role], "trend", t.slug, role)
            self.cell(residents, "trend", t.slug, "residents", at_most=units)
            self.put(share(roles[ROLES[0]], residents), "trend", t.slug, "share")
            occupied = publish_at_most(residents, units)
            rate = round(100 * occupied / units, 1) if units >= MIN_BASE else None
            self.put(rate, "trend", t.slug, "rate")
            self.cell(flows[t]["ended"], "trend", t.slug, "ended")
            self.cell(flows[t]["flipped"], "trend", t.slug, "flipped")
        self.put([t.slug for t in trend], "trend", "periods")

    def _ending(self, rows, types) -> None:
        on = self.period.end
        ending = data.ending(self.ids, on)
        present = sorted({t for (_p, t, _b) in ending}, key=[x.pk for x in types].index)
        self.put(present, "ending", "types")
        # Each count goes once into its (type, project) cell and the totals over either: one
        # pass, where asking every cell of every row to sum the whole result was quadratic.
        summed: dict = {}
        for (project, ctype, band), cell in ending.items():
            for key in (
                (ctype, project, band),
                (ctype, ALL, band),
                (ALL, project, band),
                (ALL, ALL, band),
            ):
                summed[key] = summed.get(key, EMPTY) + cell
        for ctype in [*present, ALL]:
            for row in rows:
                cells = {band: summed.get((ctype, row, band), EMPTY) for band in BANDS}
                for band in BANDS:
                    self.cell(cells[band], "ending", ctype, row, band)
                self.cell(cells["0-3"] + cells["3-6"], "ending", ctype, row, WITHIN_6)
                self.cell(total(cells.values()), "ending", ctype, row, WITHIN_12)
        self.put([str(add_months(on, m)) for m in (3, 6, 12)], "ending", "edges")


# --- step 2: the tables -------------------------------------------------------------------
@dataclass
class Row:
    header: str
    cells: list[str]
    total: bool = False


@dataclass
class Table:
    """A table of the dashboard: the page, its chart and its CSV file show the same cells."""

    slug: str
    title: str
    intro: str
    row_header: str
    columns: list[str]
    rows: list[Row] = field(default_factory=list)
    chart: SafeString | None = None

    def body_html(self) -> SafeString:
        """The rows as HTML: a big municipality has thousands of cells, which Django's template
        loop renders several times slower than this (bench/dashboard_bench.py). Every text is
        escaped."""
        lines = []
        for row in self.rows:
            css = ' class="total-row"' if row.total else ""
            cells = "".join(f'<td class="num">{_escaped(cell)}</td>' for cell in row.cells)
            lines.append(f'<tr{css}><th scope="row">{escape(str(row.header))}</th>{cells}</tr>')
        return mark_safe("\n".join(lines))  # noqa: S308 - built from escaped text above


def _escaped(cell) -> str:
    """Most cells are digits, which need no escaping (measured: a tenth of the page's time)."""
    text = str(cell)
    return text if text.isdigit() else escape(text)


@dataclass
class Dashboard:
    figures: Figures
    tables: list[Table]

    @property
    def projects(self) -> list[dict]:
        return self.figures.projects

    @property
    def as_of(self) -> dt.date:
        return dt.date.fromisoformat(self.figures.period["end"])

    @property
    def generated_at(self) -> dt.datetime:
        return dt.datetime.fromisoformat(self.figures.generated_at)

    def table(self, slug: str) -> Table | None:
        return next((t for t in self.tables if t.slug == slug), None)


def layout(figures: Figures) -> Dashboard:
    return Dashboard(figures, _Layout(figures).tables())


def _number(value) -> str:
    return HIDDEN if value is None else str(value)


def _percent(value) -> str:
    return HIDDEN if value is None else f"{value:.0f}%"


class _Layout:
    def __init__(self, figures: Figures) -> None:
        self.f = figures
        self.kind = figures.period["kind"]
        self.english = (get_language() or "nl")[:2] == "en"
        self.rows = [(p["id"], p["name"]) for p in figures.projects] + [(ALL, _("Total"))]

    def name(self, item: dict) -> str:
        return item["en"] if self.english else item["nl"]

    def get(self, *key):
        return self.f.get(*key)

    def tables(self) -> list[Table]:
        if self.kind == Today.kind:
            return [
                *self._ending(),
                self._occupancy(),
                self._mix(),
                self._groups(),
            ]
        return [
            self._occupancy(),
            self._mix(),
            self._groups(),
            self._outflow(),
            self._omklap(),
            self._warnings(),
            self._contribution(),
            self._votes(),
            self._trend(),
        ]

    def _on_day(self) -> str:
        return date_format(dt.date.fromisoformat(self.f.period["end"]), "j F Y")

    def _project_rows(self, cells) -> list[Row]:
        return [Row(name, cells(row), total=row == ALL) for row, name in self.rows]

    def _bars(self, table: str, columns, labels) -> list[charts.Bar]:
        bars = []
        for column, label in zip(columns, labels, strict=True):
            value = self.get(table, ALL, column)
            bars.append(charts.Bar(label, value, _number(value)))
        return bars

    # today --------------------------------------------------------------------------------
    def _ending(self) -> list[Table]:
        types = {t["id"]: self.name(t) for t in self.f.names["types"]}
        edges = [
            date_format(dt.date.fromisoformat(d), "j F Y") for d in self.get("ending", "edges")
        ]
        columns = [
            _("up to %(day)s") % {"day": edges[0]},
            _("then up to %(day)s") % {"day": edges[1]},
            _("then up to %(day)s") % {"day": edges[2]},
            _("Within 6 months"),
            _("Within 12 months"),
        ]
        keys = [*BANDS, WITHIN_6, WITHIN_12]
        intro = _(
            "Signed contracts in force on %(day)s whose last day (the agreed end date, or the "
            "day a recorded termination takes effect) falls within the next 12 months: the "
            "people who will need a next home. Open-ended contracts do not count."
        ) % {"day": self._on_day()}
        present = self.get("ending", "types")
        by_type = [
            Row(types[t], [_number(self.get("ending", t, ALL, k)) for k in keys]) for t in present
        ]
        by_type.append(
            Row(_("Total"), [_number(self.get("ending", ALL, ALL, k)) for k in keys], True)
        )
        labels = [_("within 3 months"), _("after 3 to 6 months"), _("after 6 to 12 months")]
        chart = charts.bar_chart(
            "chart-ending",
            _("Contracts ending in the next 12 months"),
            _("All projects and contract types together, by how soon they end."),
            [
                charts.Bar(
                    label, self.get("ending", ALL, ALL, b), _number(self.get("ending", ALL, ALL, b))
                )
                for b, label in zip(BANDS, labels, strict=True)
            ],
            scale=max([self.get("ending", ALL, ALL, b) or 0 for b in BANDS] + [1]),
            axis=_("contracts"),
        )
        tables = [
            Table(
                "ending-types",
                _("Contracts ending in the next 12 months, per contract type"),
                intro,
                _("Contract type"),
                columns,
                by_type,
                chart,
            )
        ]
        for t in present:
            tables.append(
                Table(
                    f"ending-{t}",
                    _("%(type)s: contracts ending in the next 12 months, per project")
                    % {"type": types[t]},
                    intro,
                    _("Project"),
                    columns,
                    self._project_rows(
                        lambda row, t=t: [_number(self.get("ending", t, row, k)) for k in keys]
                    ),
                )
            )
        return tables

    # every period -------------------------------------------------------------------------
    def _occupancy(self) -> Table:
        units = {p["id"]: p["units"] for p in self.f.projects}
        units[ALL] = sum(units.values())
        closed = self.kind != Today.kind

        def cells(row):
            result = [
                str(units[row]),
                _number(self.get("mix", row, "residents")),
                _percent(self.get("occ", row, "rate")),
            ]
            if closed:
                result.append(_number(self.get("occ", row, "vacant")))
            return result

        columns = [_("Units"), _("Occupied"), _("Occupancy rate")]
        if closed:
            columns.append(_("Vacancy days"))
        return Table(
            "occupancy",
            _("Units and occupancy"),
            _(
                "Units today, units with a contract in force on %(day)s, the occupancy rate "
                "(occupied of all units, over 10 units or more)%(vacancy)s."
            )
            % {
                "day": self._on_day(),
                "vacancy": _(", and the days units stood empty within the period")
                if closed
                else "",
            },
            _("Project"),
            columns,
            self._project_rows(cells),
        )

    def _mix(self) -> Table:
        bands = {p["id"]: p["band"] for p in self.f.projects}
        yes, no = _("yes"), _("no")

        def cells(row):
            in_band = self.get("mix", row, "in_band")
            return [
                _number(self.get("mix", row, ROLES[0])),
                _number(self.get("mix", row, ROLES[1])),
                _number(self.get("mix", row, "residents")),
                _percent(self.get("mix", row, "share")),
                f"{bands[row][0]}–{bands[row][1]}%" if row in bands else "",
                "" if row == ALL else HIDDEN if in_band is None else yes if in_band else no,
            ]

        chart = charts.bar_chart(
            "chart-mix",
            _("Dragend share per project"),
            _("Bars show the dragend share; the shaded area is the project's target band."),
            [
                charts.Bar(
                    p["name"],
                    self.get("mix", p["id"], "share"),
                    _percent(self.get("mix", p["id"], "share")),
                    band=tuple(p["band"]),
                )
                for p in self.f.projects
            ],
            scale=100,
            axis=_("dragend share (%)"),
            legend=[("chart-bar", _("dragend share")), ("chart-band", _("target band"))],
        )
        return Table(
            "mix",
            _("Mix against the target band"),
            _("Residents on %(day)s, dragend and vragend, against each project's target band.")
            % {"day": self._on_day()},
            _("Project"),
            [
                _("Dragend"),
                _("Vragend"),
                _("Residents"),
                _("Dragend share"),
                _("Target band"),
                _("Within band"),
            ],
            self._project_rows(cells),
            chart,
        )

    def _groups(self) -> Table:
        columns = [g["id"] for g in self.f.names["groups"]]
        labels = [self.name(g) for g in self.f.names["groups"]]
        if self.get("groups", "has_none"):
            columns.append(NO_GROUP)
            labels.append(_("No target group"))
        chart = charts.bar_chart(
            "chart-groups",
            _("Residents per target group"),
            _("All projects together."),
            self._bars("groups", columns, labels),
            scale=max([self.get("groups", ALL, c) or 0 for c in columns] + [1]),
            axis=_("residents"),
        )
        return Table(
            "groups",
            _("Composition by target group"),
            _("Residents on %(day)s, by target group.") % {"day": self._on_day()},
            _("Project"),
            [*labels, _("Total")],
            self._project_rows(
                lambda row: (
                    [_number(self.get("groups", row, c) or 0) for c in columns]
                    + [_number(self.get("mix", row, "residents"))]
                )
            ),
            chart,
        )

    def _outflow(self) -> Table:
        columns = list(Outflow.values)
        labels = [str(label) for label in Outflow.labels]
        chart = charts.bar_chart(
            "chart-outflow",
            _("Where people went"),
            _("All projects together, contracts ended within the period, by destination."),
            self._bars("outflow", columns, labels),
            scale=max([self.get("outflow", ALL, c) or 0 for c in columns] + [1]),
            axis=_("contracts ended"),
        )
        return Table(
            "outflow",
            _("Outflow destinations"),
            _(
                "Contracts that ended within the period, by where the tenant went (a flip or a "
                "move within the project is no outflow)."
            ),
            _("Project"),
            [*labels, _("Total")],
            self._project_rows(
                lambda row: [_number(self.get("outflow", row, c)) for c in [*columns, "total"]]
            ),
            chart,
        )

    def _omklap(self) -> Table:
        def cells(row):
            return [
                *(_number(self.get("omklap", row, s)) for s in data.OMKLAP_STATES),
                _number(self.get("omklap", row, "concluded")),
                _percent(self.get("omklap", row, "success")),
                decimal_display(self.get("omklap", row, "median")),
            ]

        return Table(
            "omklap",
            _("Omklap trajectories"),
            _(
                "Running on the period's last day (with guidance extended or not), and flipped or "
                "ended without a flip within the period. Success rate: flipped of those "
                "concluded."
            ),
            _("Project"),
            [
                _("Running, not extended"),
                _("Running, extended"),
                _("Flipped"),
                _("Ended without flip"),
                _("Concluded"),
                _("Success rate"),
                _("Median months to flip"),
            ],
            self._project_rows(cells),
        )

    def _warnings(self) -> Table:
        return Table(
            "warnings",
            _("Warnings"),
            _("Warnings given to residents within the period (nuisance, arrears, agreements)."),
            _("Project"),
            [_("Warnings")],
            self._project_rows(lambda row: [_number(self.get("warn", row, "n"))]),
        )

    def _contribution(self) -> Table:
        norms = {p["id"]: str(p["norm"]) for p in self.f.projects}
        return Table(
            "contribution",
            _("Contribution of dragend residents"),
            _(
                "The hours a month dragend residents have agreed to contribute, against the "
                "project's norm, on %(day)s."
            )
            % {"day": self._on_day()},
            _("Project"),
            [_("Project norm (hours a month)"), _("Dragend residents"), _("Average agreed")],
            self._project_rows(
                lambda row: [
                    norms.get(row, ""),
                    _number(self.get("mix", row, ROLES[0])),
                    decimal_display(self.get("contrib", row, "avg")),
                ]
            ),
        )

    def _votes(self) -> Table:
        voters = set(self.get("votes", "projects") or [])
        rows = [Row(name, [], row == ALL) for row, name in self.rows if row in voters or row == ALL]
        keys = [row for row, _name in self.rows if row in voters or row == ALL]
        for row, key in zip(rows, keys, strict=True):
            row.cells = [
                _number(self.get("votes", key, "rounds")),
                *(_number(self.get("votes", key, c)) for c in ("voted", "not", "electors")),
                _percent(self.get("votes", key, "turnout")),
            ]
        return Table(
            "votes",
            _("Residents' association votes"),
            _(
                "Association votes on who gets a unit, closed within the period: how many of "
                "those entitled to vote took part. How anyone voted is secret and not counted "
                "here."
            ),
            _("Project"),
            [_("Rounds"), _("Voted"), _("Did not vote"), _("Entitled to vote"), _("Turnout")],
            rows,
        )

    def _trend(self) -> Table:
        periods = self.get("trend", "periods")
        measures = ("residents", *ROLES, "share", "rate", "ended", "flipped")
        rows = []
        labels = [named(slug).label for slug in periods]
        for slug, label in zip(periods, labels, strict=True):
            cells = []
            for m in measures:
                value = self.get("trend", slug, m)
                cells.append(_percent(value) if m in ("share", "rate") else _number(value))
            rows.append(Row(label, cells, total=slug == self.f.period["slug"]))
        chart = charts.line_chart(
            "chart-trend",
            _("Dragend share and occupancy rate"),
            _("All projects together, on each period's last day."),
            labels,
            [
                (
                    _("dragend share"),
                    "chart-line",
                    [self.get("trend", slug, "share") for slug in periods],
                ),
                (
                    _("occupancy rate"),
                    "chart-line-2",
                    [self.get("trend", slug, "rate") for slug in periods],
                ),
            ],
            scale=100,
            axis=_("percent"),
        )
        quarterly = self.kind == "quarter"
        return Table(
            "trend",
            _("Trend per quarter") if quarterly else _("Trend per year"),
            _(
                "All projects together: residents, occupied units and the occupancy rate on each "
                "period's last day (against today's units), contracts ended and omklap flips "
                "within each period."
            ),
            _("Quarter") if quarterly else _("Year"),
            [
                _("Residents"),
                _("Dragend"),
                _("Vragend"),
                _("Dragend share"),
                _("Occupancy rate"),
                _("Contracts ended"),
                _("Flips"),
            ],
            rows,
            chart,
        )
