"""The dashboard: per project and in total, for one closed quarter, what a municipality needs to
steer. The figures come from `dashboard_data` (counts only); every count goes into one
`Disclosure`, which decides what stays hidden; the tables, the charts and the CSV files all
show the same strings from it.
"""

import statistics
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from html import escape

from django.utils.formats import number_format
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext as _

from projects.models import Project
from residents.models import ContractType, Outflow, ResidentRole, TargetGroup

from . import charts
from . import dashboard_data as data
from .aggregates import Disclosure
from .dashboard_data import ENDING_BANDS, OMKLAP_STATES, Quarter

TREND_QUARTERS = 8
DAYS_PER_MONTH = 365.25 / 12
ROLES = (ResidentRole.DRAGEND, ResidentRole.VRAGEND)
NO_GROUP = "none"


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
    chart: "SafeString | Callable[[], SafeString] | None" = None

    def body_html(self) -> SafeString:
        """The rows as HTML: a big municipality has thousands of cells, which Django's template
        loop (or format_html per cell) renders several times slower than this (measured with
        bench/dashboard_bench.py). Every text is escaped."""
        lines = []
        for row in self.rows:
            css = ' class="total-row"' if row.total else ""
            cells = "".join(f'<td class="num">{escape(str(cell))}</td>' for cell in row.cells)
            lines.append(f'<tr{css}><th scope="row">{escape(str(row.header))}</th>{cells}</tr>')
        return mark_safe("\n".join(lines))  # noqa: S308 - built from escaped text above


@dataclass
class Dashboard:
    quarter: Quarter
    projects: list[Project]
    disclosure: Disclosure
    tables: list[Table]

    def table(self, slug: str) -> Table | None:
        return next((t for t in self.tables if t.slug == slug), None)


def build(projects: list[Project], quarter: Quarter) -> Dashboard:
    """The dashboard of `projects` (already scoped to the user) for a closed quarter."""
    return _Builder(projects, quarter).build()


class _Builder:
    def __init__(self, projects: list[Project], quarter: Quarter) -> None:
        self.projects = projects
        self.quarter = quarter
        self.ids = [p.pk for p in projects]
        self.d = Disclosure()
        self.on = quarter.end

    def build(self) -> Dashboard:
        ids, q, on = self.ids, self.quarter, self.on
        self.trend_quarters = q.back(TREND_QUARTERS)
        self.trend, people = data.trend(ids, self.trend_quarters)
        self.people, self.groups = people.by_role, people.by_group
        # One contract in force per unit: the occupied units are the residents.
        self.occupied = {p: sum(roles.values()) for p, roles in self.people.items()}
        self.target_groups = list(TargetGroup.objects.order_by("order", "pk"))
        self.contract_types = {t.pk: t for t in ContractType.objects.order_by("order", "pk")}
        tables = [
            self._occupancy(data.occupied_days(ids, q)),
            self._mix(),
            self._groups(),
            *self._ending(data.ending(ids, on)),
            self._outflow(data.outflow(ids, q)),
            self._omklap(data.omklap(ids, q), data.flip_spans(ids, q)),
            self._warnings(data.warnings(ids, q)),
            self._contribution(dict(people.hours)),
            self._votes(data.votes(ids, q)),
            self._trend(),
        ]
        self._link_trend()
        for table in tables:  # the disclosure is complete now: render what it lets through
            table.rows = [Row(r.header, [c() for c in r.cells], r.total) for r in table.rows]
            if callable(table.chart):
                table.chart = table.chart()
        return Dashboard(q, self.projects, self.d, tables)

    # helpers ----------------------------------------------------------------------------
    def _alias(self, a, b) -> None:
        """Two keys that count the same people are hidden together."""
        if self.d.values[a] == self.d.values[b]:
            self.d.add_sum(a, [b])

    def _count(self, key):
        return lambda: self.d.display(key)

    def _rows(self, name: str, columns, extra=None, *, totals: bool = True) -> list[Row]:
        """One row per project and a total row; cells are the counts of `columns` in table
        `name`, then the row total (with `totals`), then `extra(row)` callables."""
        rows = []
        for project in [*self.projects, None]:
            row = project.pk if project else None
            cells = [self._count((name, row, c)) for c in columns]
            if totals:
                cells.append(self._count((name, row, None)))
            if extra:
                cells += extra(row)
            header = project.name if project else _("Total")
            rows.append(Row(header, cells, total=project is None))
        return rows

    def _bars(self, name: str, columns, labels, *, share_of=None) -> list[charts.Bar]:
        bars = []
        for column, label in zip(columns, labels, strict=True):
            key = (name, None, column)
            if share_of:
                value = self.d.share(key, share_of)
                bars.append(charts.Bar(label, value, self.d.share_display(key, share_of)))
            else:
                bars.append(charts.Bar(label, self.d.value(key), self.d.display(key)))
        return bars

    # tables -----------------------------------------------------------------------------
    def _occupancy(self, occupied_days: dict) -> Table:
        d, days = self.d, self.quarter.days
        d.add_table(
            {p: {"units": self.occupied.get(p, 0)} for p in self.ids}, ["units"], name="occ"
        )
        units = {p.pk: p.unit_count for p in self.projects}
        units[None] = sum(units.values())
        occupied_days[None] = sum(occupied_days.values())

        def extra(row):
            def rate():
                key = ("occ", row, None)
                if d.is_hidden(key) or units[row] < 10:
                    return "–"
                return f"{100 * d.values[key] / units[row]:.0f}%"

            def vacant():
                # Empty unit-days are units times days minus occupied ones: with the units known
                # they would give a hidden occupied count back, so they hide with it (and the
                # total with any project's).
                rows = self.ids if row is None else [row]
                if any(d.is_hidden(("occ", r, None)) for r in rows):
                    return "–"
                return str(max(units[row] * days - occupied_days.get(row, 0), 0))

            return [rate, vacant]

        rows = self._rows("occ", [], extra)
        for row, key in zip(rows, [*self.ids, None], strict=True):
            row.cells.insert(0, lambda key=key: str(units[key]))
        return Table(
            "occupancy",
            _("Units and occupancy"),
            _(
                "Units, units with a contract in force on the quarter's last day, and days units "
                "stood empty within the quarter."
            ),
            _("Project"),
            [_("Units"), _("Occupied"), _("Occupancy"), _("Vacancy days")],
            rows,
        )

    def _mix(self) -> Table:
        d = self.d
        d.add_table(
            {p: {r: self.people.get(p, {}).get(r, 0) for r in ROLES} for p in self.ids},
            ROLES,
            name="mix",
        )
        for p in self.ids:
            self._alias(("mix", p, None), ("occ", p, None))
        bands = {p.pk: (p.dragend_min, p.dragend_max) for p in self.projects}

        def extra(row):
            def in_band():
                share = d.share(("mix", row, ResidentRole.DRAGEND), ("mix", row, None))
                if row is None or share is None:
                    return "–"
                low, high = bands[row]
                return _("yes") if low <= round(share) <= high else _("no")

            band = f"{bands[row][0]}–{bands[row][1]}%" if row else ""
            return [
                lambda: d.share_display(("mix", row, ResidentRole.DRAGEND), ("mix", row, None)),
                lambda: band,
                in_band,
            ]

        def chart():
            bars = [
                charts.Bar(
                    p.name,
                    d.share(("mix", p.pk, ResidentRole.DRAGEND), ("mix", p.pk, None)),
                    d.share_display(("mix", p.pk, ResidentRole.DRAGEND), ("mix", p.pk, None)),
                    band=bands[p.pk],
                )
                for p in self.projects
            ]
            return charts.bar_chart(
                "chart-mix",
                _("Dragend share per project"),
                _("Bars show the dragend share; the shaded area is the project's target band."),
                bars,
                scale=100,
            )

        return Table(
            "mix",
            _("Mix against the target band"),
            _("Residents on the quarter's last day, dragend and vragend."),
            _("Project"),
            [
                _("Dragend"),
                _("Vragend"),
                _("Residents"),
                _("Dragend share"),
                _("Target band"),
                _("Within band"),
            ],
            self._rows("mix", ROLES, extra),
            chart,
        )

    def _groups(self) -> Table:
        d = self.d
        columns = [g.pk for g in self.target_groups]
        labels = [g.label for g in self.target_groups]
        if any(None in groups for groups in self.groups.values()):
            columns.append(NO_GROUP)
            labels.append(_("No target group"))
        rows = {
            p: {(c if c is not None else NO_GROUP): n for c, n in self.groups.get(p, {}).items()}
            for p in self.ids
        }
        d.add_table(rows, columns, name="groups")
        for p in [*self.ids, None]:
            self._alias(("mix", p, None), ("groups", p, None))

        def chart():
            return charts.bar_chart(
                "chart-groups",
                _("Residents per target group"),
                _("All projects together; a hidden number has no bar."),
                self._bars("groups", columns, labels),
                scale=max([d.value(("groups", None, c)) or 0 for c in columns] + [1]),
            )

        return Table(
            "groups",
            _("Composition by target group"),
            _("Residents on the quarter's last day, by target group."),
            _("Project"),
            [*labels, _("Total")],
            self._rows("groups", columns),
            chart,
        )

    def _ending(self, ending: dict) -> list[Table]:
        d = self.d
        bands = [name for name, _low, _high in ENDING_BANDS]
        # The bands follow each other: up to and including 3 months after, then 3 to 6 ...
        labels = [_("within 3 months"), _("after 3 to 6 months"), _("after 6 to 12 months")]
        by_project = {p: {} for p in self.ids}
        by_type = {t: {} for t in self.contract_types}
        for (project, ctype, band), n in ending.items():
            by_project[project][band] = by_project[project].get(band, 0) + n
            by_type[ctype][band] = by_type[ctype].get(band, 0) + n
        by_type = {t: cells for t, cells in by_type.items() if cells}
        d.add_table(by_project, bands, name="ending")
        d.add_table(by_type, bands, name="ending_types")
        for band in [*bands, None]:
            self._alias(("ending", None, band), ("ending_types", None, band))
        type_rows = []
        for ctype in [*by_type, None]:
            cells = [self._count(("ending_types", ctype, b)) for b in [*bands, None]]
            label = self.contract_types[ctype].label if ctype else _("Total")
            type_rows.append(Row(label, cells, total=ctype is None))

        def chart():
            return charts.bar_chart(
                "chart-ending",
                _("Contracts ending after the quarter"),
                _("All projects together, by how soon they end."),
                self._bars("ending", bands, labels),
                scale=max([d.value(("ending", None, b)) or 0 for b in bands] + [1]),
            )

        intro = _(
            "Contracts in force on the quarter's last day that end within the next 12 months, "
            "as agreed: the people who will need a next home."
        )
        return [
            Table(
                "ending",
                _("Contracts ending in the 12 months after the quarter, per project"),
                intro,
                _("Project"),
                [*labels, _("Within 12 months")],
                self._rows("ending", bands),
                chart,
            ),
            Table(
                "ending-types",
                _("Contracts ending in the 12 months after the quarter, per contract type"),
                intro,
                _("Contract type"),
                [*labels, _("Within 12 months")],
                type_rows,
            ),
        ]

    def _outflow(self, outflow: dict) -> Table:
        d = self.d
        columns = list(Outflow.values)
        labels = [str(label) for label in Outflow.labels]
        d.add_table({p: outflow.get(p, {}) for p in self.ids}, columns, name="outflow")

        def chart():
            return charts.bar_chart(
                "chart-outflow",
                _("Where people went"),
                _("Share of the contracts ended in the quarter, by destination."),
                self._bars("outflow", columns, labels, share_of=("outflow", None, None)),
                scale=100,
            )

        return Table(
            "outflow",
            _("Outflow destinations"),
            _(
                "Contracts that ended within the quarter, by where the tenant went (a flip or a "
                "move within the project is no outflow)."
            ),
            _("Project"),
            [*labels, _("Total")],
            self._rows("outflow", columns),
            chart,
        )

    def _omklap(self, omklap: dict, spans: dict) -> Table:
        d = self.d
        d.add_table(
            {p: omklap.get(p, dict.fromkeys(OMKLAP_STATES, 0)) for p in self.ids},
            OMKLAP_STATES,
            name="omklap",
            # Running and concluded trajectories are no parts of one whole worth adding up, and
            # a row total would give away the concluded ones: total minus running.
            row_totals=False,
        )
        for p in [*self.ids, None]:
            flipped, ended = ("omklap", p, "flipped"), ("omklap", p, "ended")
            concluded = ("omklap", p, "concluded")
            d.add(concluded, d.values[flipped] + d.values[ended], anchor=p is None)
            d.add_sum(concluded, [flipped, ended])
        spans[None] = sum(spans.values(), Counter())

        def extra(row):
            def median():
                if not d.enough(("omklap", row, "flipped")):
                    return "–"
                days = statistics.median(spans[row].elements())
                return number_format(round(days / DAYS_PER_MONTH, 1), 1)

            return [
                self._count(("omklap", row, "concluded")),
                lambda: d.share_display(("omklap", row, "flipped"), ("omklap", row, "concluded")),
                median,
            ]

        return Table(
            "omklap",
            _("Omklap trajectories"),
            _(
                "Running on the quarter's last day (with guidance extended or not), and flipped or "
                "ended without a flip within the quarter. Success rate: flipped of those concluded."
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
            self._rows("omklap", OMKLAP_STATES, extra, totals=False),
        )

    def _warnings(self, warnings: dict) -> Table:
        self.d.add_table({p: {"n": warnings.get(p, 0)} for p in self.ids}, ["n"], name="warn")
        rows = self._rows("warn", [])
        return Table(
            "warnings",
            _("Warnings"),
            _("Warnings given to residents within the quarter (nuisance, arrears, agreements)."),
            _("Project"),
            [_("Warnings")],
            rows,
        )

    def _contribution(self, hours: dict) -> Table:
        d = self.d
        hours[None] = sum(hours.values())
        norms = {p.pk: str(p.contribution_hours) for p in self.projects}
        rows = []
        for project in [*self.projects, None]:
            row = project.pk if project else None
            key = ("mix", row, ResidentRole.DRAGEND)

            def average(row=row, key=key):
                # The total's hours minus the projects' shown ones would give a hidden
                # project's hours back: the total shows only when every project does.
                rows = self.ids if row is None else [row]
                if not d.enough(key) or not all(
                    d.enough(("mix", r, ResidentRole.DRAGEND)) for r in rows
                ):
                    return "–"
                return number_format(round(hours.get(row, 0) / d.values[key], 1), 1)

            rows.append(
                Row(
                    project.name if project else _("Total"),
                    [lambda row=row: norms.get(row, ""), self._count(key), average],
                    total=project is None,
                )
            )
        return Table(
            "contribution",
            _("Contribution of dragend residents"),
            _(
                "The hours a month dragend residents have agreed to contribute, against the "
                "project's norm, on the quarter's last day."
            ),
            _("Project"),
            [_("Project norm (hours a month)"), _("Dragend residents"), _("Average agreed")],
            rows,
        )

    def _votes(self, votes: dict) -> Table:
        d = self.d
        projects = [p for p in self.projects if p.has_association or p.pk in votes]
        d.add_table(
            {
                p.pk: {
                    "voted": votes[p.pk]["voted"] if p.pk in votes else 0,
                    "not": votes[p.pk]["electors"] - votes[p.pk]["voted"] if p.pk in votes else 0,
                }
                for p in projects
            },
            ["voted", "not"],
            name="votes",
        )
        rounds = {p.pk: votes[p.pk]["rounds"] if p.pk in votes else 0 for p in projects}
        rounds[None] = sum(rounds.values())
        rows = []
        for project in [*projects, None]:
            row = project.pk if project else None
            rows.append(
                Row(
                    project.name if project else _("Total"),
                    [
                        lambda row=row: str(rounds[row]),
                        self._count(("votes", row, "voted")),
                        self._count(("votes", row, "not")),
                        self._count(("votes", row, None)),
                        lambda row=row: d.share_display(
                            ("votes", row, "voted"), ("votes", row, None)
                        ),
                    ],
                    total=project is None,
                )
            )
        return Table(
            "votes",
            _("Residents' association votes"),
            _(
                "Association votes on who gets a unit, closed within the quarter: how many of "
                "those entitled to vote took part. How anyone voted is secret and not counted "
                "here."
            ),
            _("Project"),
            [_("Rounds"), _("Voted"), _("Did not vote"), _("Entitled to vote"), _("Turnout")],
            rows,
        )

    def _trend(self) -> Table:
        d = self.d
        measures = ("occupied", "ended", "flipped")
        for quarter in self.trend_quarters:
            figures = self.trend[quarter]
            for role in ROLES:
                d.add(("trend", quarter, role), figures[role], anchor=True)
            d.add(("trend", quarter, "residents"), sum(figures[r] for r in ROLES), anchor=True)
            d.add_sum(("trend", quarter, "residents"), [("trend", quarter, r) for r in ROLES])
            for measure in measures:
                d.add(("trend", quarter, measure), figures[measure], anchor=True)
        rows = []
        for quarter in self.trend_quarters:

            def share(quarter=quarter):
                return d.share_display(
                    ("trend", quarter, ResidentRole.DRAGEND), ("trend", quarter, "residents")
                )

            keys = [("trend", quarter, m) for m in ("residents", *ROLES)]
            cells = [self._count(k) for k in keys] + [share]
            cells += [self._count(("trend", quarter, m)) for m in measures]
            rows.append(Row(quarter.label, cells, total=quarter == self.quarter))

        def chart():
            points = [
                (
                    q.label,
                    d.share(("trend", q, ResidentRole.DRAGEND), ("trend", q, "residents")),
                )
                for q in self.trend_quarters
            ]
            return charts.line_chart(
                "chart-trend",
                _("Dragend share per quarter"),
                _("All projects together, on each quarter's last day."),
                points,
                scale=100,
            )

        return Table(
            "trend",
            _("Trend per quarter"),
            _(
                "All projects together: residents and occupied units on each quarter's last day, "
                "and contracts ended and omklap flips within each quarter."
            ),
            _("Quarter"),
            [
                _("Residents"),
                _("Dragend"),
                _("Vragend"),
                _("Dragend share"),
                _("Occupied units"),
                _("Contracts ended"),
                _("Flips"),
            ],
            rows,
            chart,
        )

    def _link_trend(self) -> None:
        """The chosen quarter's row of the trend repeats totals of the tables above."""
        q = self.quarter
        for role in ROLES:
            self._alias(("mix", None, role), ("trend", q, role))
        self._alias(("mix", None, None), ("trend", q, "residents"))
        self._alias(("occ", None, None), ("trend", q, "occupied"))
        self._alias(("outflow", None, None), ("trend", q, "ended"))
        self._alias(("omklap", None, "flipped"), ("trend", q, "flipped"))
