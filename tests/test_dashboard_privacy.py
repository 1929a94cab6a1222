"""An attacker against everything a policy officer can reach: hypothesis makes small
municipalities in the database (projects, residents by role and target group, contracts that
started and ended over two years, omklap trajectories, warnings), the dashboard is computed for
every period she may choose (every closed quarter, the year, runs of years, today) as the pages
and CSV files show it, and the attacker, who knows the perturbation table (but no key) and
exactly which records each published figure counts, solves the integer program of all of them
together. It must not pin:

- any count from 1 to 4: a published cell, or an "atom" (the people who share exactly the same
  cells, the finest thing the figures could tell apart);
- the change of a figure from one quarter to the next, when that change is 1 to 4;
- a shared attribute: that everyone in a row (a project's outflow, its residents, its ending
  contracts) falls in one column.

The attacker is stronger than a real one: it knows which combinations of cells hold anyone.
"""

import datetime as dt
import os
import random
import zoneinfo
from decimal import Decimal

import numpy as np
import pytest
from django.db import transaction
from django.db.models import CharField, StringAgg, Value
from django.db.models.functions import Cast, Concat
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st
from scipy.optimize import Bounds, LinearConstraint, milp

from magicmix.dashboard import data, disclosure, tables
from magicmix.dashboard.disclosure import KEY_RANGE, preimage
from magicmix.dashboard.periods import Quarter, offered
from projects.models import Project, Unit, UnitKind
from residents.models import (
    Contract,
    ContractStatus,
    ContractType,
    EndReason,
    Outflow,
    Person,
    ResidentWarning,
    TargetGroup,
)
from tests.factories import ProjectFactory

NOW = dt.datetime(2026, 11, 23, 12, 0, tzinfo=zoneinfo.ZoneInfo("Europe/Amsterdam"))
TODAY = NOW.date()
GROUPS = [
    ("dragend", "student"),
    ("dragend", "starter"),
    ("vragend", "statushouder"),
    ("vragend", "ex-dakloos"),
]
EXAMPLES = int(os.environ.get("MAGICMIX_ATTACK_EXAMPLES", "8"))
# Another salt draws other keys for the same municipalities: longer runs try several.
SALT = os.environ.get("MAGICMIX_ATTACK_SALT", "")
FIRST = dt.date(2024, 10, 1)
RUNS_WITHOUT_MORE = {"2023-2025", "2021-2025"}


class Members:
    """A Cell that knows its records: what the attacker is told each figure counts."""

    def __init__(self, ids=frozenset()):
        self.ids = frozenset(ids)
        self.n = len(self.ids)

    def __add__(self, other):
        if isinstance(other, Members):
            return Members(self.ids | other.ids)
        assert other.n == 0
        return self

    __radd__ = __add__

    def __bool__(self):
        return bool(self.ids)


def members(projects, period):
    """{key: Members} of every count the period's dashboard publishes: the same computation,
    with the records' ids read where their keys are summed."""
    real = (data._key_sum, data._cell, disclosure.publish, tables.publish, tables._Compute.cell)

    def key_sum(filter_q=None, *, of="contract"):
        return StringAgg(
            Concat(Value(f"{of}:"), Cast("pk", CharField())), delimiter=Value(","), filter=filter_q
        )

    def cell(row, n="n", key="k"):
        return Members(row[key].split(",")) if row[key] else Members()

    def publish(c):
        return c.n if isinstance(c, Members) else real[2](c)

    data._key_sum, data._cell = key_sum, cell
    disclosure.publish = tables.publish = publish
    tables._Compute.cell = lambda self, c, *key, at_most=None: self.put(c, *key)
    try:
        values = tables.compute(projects, period).values
    finally:
        data._key_sum, data._cell, disclosure.publish, tables.publish, tables._Compute.cell = real
    return {k: v for k, v in values.items() if isinstance(v, Members)}


contract_data = st.fixed_dictionaries(
    {
        "group": st.sampled_from(GROUPS),
        "kind": st.sampled_from(["regulier", "campus", "omklap"]),
        "start": st.integers(0, 700),  # days after FIRST
        "length": st.one_of(st.none(), st.integers(20, 500)),
        "outflow": st.sampled_from([*Outflow.values, "flip"]),
        "warnings": st.integers(0, 2),
    }
)
municipality_data = st.lists(
    st.lists(contract_data, min_size=1, max_size=14), min_size=1, max_size=3
)


def build(corporation, municipality, specs, staff) -> list[Project]:
    """The municipality `specs` describe; the records' keys come from a generator seeded by
    the specs, so an example found once is found again."""
    keys = random.Random(repr(specs) + SALT)  # noqa: S311 - reproducible test keys, no secret
    types = {t.code: t for t in ContractType.objects.all()}
    groups = {g.code: g for g in TargetGroup.objects.all()}
    made = []
    for i, contracts in enumerate(specs):
        project = ProjectFactory(name=f"P{i}", corporation=corporation, municipality=municipality)
        made.append(project)
        units = Unit.objects.bulk_create(
            Unit(
                project=project,
                number=str(n),
                kind=UnitKind.ROOM,
                floor_area=Decimal(18),
                rent=Decimal(400),
            )
            for n in range(len(contracts) + 1)
        )
        people = Person.objects.bulk_create(
            Person(
                corporation=corporation,
                first_name="X",
                last_name="Y",
                role=spec["group"][0],
                target_group=groups[spec["group"][1]],
            )
            for spec in contracts
        )
        rows = []
        for person, unit, spec in zip(people, units, contracts, strict=False):
            start = FIRST + dt.timedelta(days=spec["start"])
            end = start + dt.timedelta(days=spec["length"]) if spec["length"] else None
            ended = end is not None and end < TODAY
            flip = spec["outflow"] == "flip" and spec["kind"] == "omklap"
            rows.append(
                Contract(
                    person=person,
                    unit=unit,
                    contract_type=types[spec["kind"]],
                    start_date=start,
                    end_date=end,
                    status=ContractStatus.ENDED if ended else ContractStatus.ACTIVE,
                    end_reason=(EndReason.FLIPPED if flip else EndReason.TENANT_NOTICE)
                    if ended
                    else "",
                    outflow="" if not ended or spec["outflow"] == "flip" else spec["outflow"],
                    cell_key=keys.randrange(KEY_RANGE),
                )
            )
        for contract in Contract.objects.bulk_create(rows):
            spec = contracts[rows.index(contract)]
            for w in range(spec["warnings"]):
                ResidentWarning.objects.create(
                    person=contract.person,
                    contract=contract,
                    given_on=contract.start_date + dt.timedelta(days=10 + 40 * w),
                    reason="-",
                    given_by=staff,
                    cell_key=keys.randrange(KEY_RANGE),
                )
    return made


class Attacker:
    """The integer program over atoms: x_a >= 0 people in each atom, and every published
    figure's atoms adding up to a count its published number could stand for."""

    def __init__(self, figures: list[tuple[frozenset, int]], phantom=None, spans=preimage):
        """`phantom`: one more column, a person who may exist in the figures it marks (a
        vector over `figures`): what a shared attribute's check asks about."""
        signature: dict = {}
        for i, (ids, _shown) in enumerate(figures):
            for record in ids:
                signature.setdefault(record, set()).add(i)
        atoms: dict = {}
        for record, cells in signature.items():
            atoms.setdefault(frozenset(cells), set()).add(record)
        self.atoms = list(atoms.values())
        self.index = {r: a for a, records in enumerate(self.atoms) for r in records}
        rows, lower, upper = [], [], []
        for ids, shown in figures:
            row = np.zeros(len(self.atoms))
            for a in {self.index[r] for r in ids}:
                row[a] = 1
            span = spans(shown)
            rows.append(row)
            lower.append(span.start)
            upper.append(span.stop - 1)
        matrix = np.array(rows)
        if phantom is not None:
            matrix = np.column_stack([matrix, phantom])
            self.atoms.append(set())
        self.constraint = LinearConstraint(matrix, lower, upper)

    def vector(self, plus=frozenset(), minus=frozenset()) -> np.ndarray:
        v = np.zeros(len(self.atoms))
        for a in {self.index[r] for r in plus}:
            v[a] += 1
        for a in {self.index[r] for r in minus}:
            v[a] -= 1
        return v

    def _solve(self, v: np.ndarray, sign: int, *, integer: bool) -> float | None:
        result = milp(
            -sign * v,
            constraints=[self.constraint],
            integrality=np.ones(len(v)) if integer else None,
            bounds=Bounds(0, np.inf),
            options={"time_limit": 1} if integer else {},
        )
        if integer and result.status == 1:  # out of time: the linear bound stands
            return None
        assert result.success, result.message  # the truth is always a solution
        return sign * -result.fun

    def bound(self, v: np.ndarray, sign: int) -> int:
        """The largest (sign +1) or smallest (-1) integer value of v . x: the linear program
        first, then the integer one where the linear bound is within one of the answer."""
        linear = self._solve(v, sign, integer=False)
        rounded = int(np.floor(linear + 1e-6)) if sign > 0 else int(np.ceil(linear - 1e-6))
        exact = self._solve(v, sign, integer=True)
        return rounded if exact is None else round(exact)

    def pinned(self, v: np.ndarray, truth: int) -> bool:
        """Whether every integer solution gives v . x == truth."""
        for sign in (+1, -1):
            linear = self._solve(v, sign, integer=False)
            if sign * (linear - truth) >= 2 - 1e-6:
                return False  # far off: an integer solution near the linear one is too
            if self.bound(v, sign) != truth:
                return False
        return True


ROW_TOTALS = {
    "outflow": "total",
    "mix": "residents",
    "omklap": "concluded",
    "votes": "electors",
}


def attribute_pairs(period_keys: dict) -> list[tuple[str, str]]:
    """(row total, cell) pairs: whether everyone in the row can be shown to be in the cell."""
    pairs = []
    for key in period_keys:
        table, *rest = key.split("|")
        if table in ROW_TOTALS and len(rest) == 2 and rest[1] != ROW_TOTALS[table]:
            if table == "omklap" and rest[1] not in ("flipped", "ended"):
                continue
            pairs.append((f"{table}|{rest[0]}|{ROW_TOTALS[table]}", key))
        if table == "groups" and len(rest) == 2:
            pairs.append((f"mix|{rest[0]}|residents", key))
        if table == "ending" and len(rest) == 3 and rest[2] in ("0-3", "3-6", "6-12"):
            pairs.append((f"ending|{rest[0]}|{rest[1]}|0-12", key))
            pairs.append((f"ending|all|{rest[1]}|{rest[2]}", key))
    return [(t, c) for t, c in pairs if t in period_keys]


@pytest.mark.django_db
@settings(
    max_examples=EXAMPLES,
    deadline=None,
    derandomize=True,
    phases=[Phase.explicit, Phase.reuse, Phase.generate],  # a failure shows as made
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(specs=municipality_data)
def test_no_page_or_csv_of_any_period_gives_away_a_small_count_or_a_shared_attribute(
    specs, corp_a, municipality_a, staff_a, time_machine
):
    time_machine.move_to(NOW, tick=False)
    # Every period with data (a run of years reaching back before FIRST holds no other records
    # than the run from 2024, so shows the same figures).
    periods = [p for p in offered(TODAY) if p.end >= FIRST and p.slug not in RUNS_WITHOUT_MORE]
    with transaction.atomic():
        made = build(corp_a, municipality_a, specs, staff_a)
        scoped = list(
            Project.objects.filter(pk__in=[p.pk for p in made]).with_unit_count().order_by("pk")
        )
        shown = {p: tables.compute(scoped, p).values for p in periods}
        counted = {p: members(scoped, p) for p in periods}
        transaction.set_rollback(True)
    figures, seen = [], {}
    for p in periods:
        for key, cell in counted[p].items():
            published = shown[p][key]
            assert not 0 < published < disclosure.SMALL, key
            # The same records show the same number on every page of every period.
            assert seen.setdefault(cell.ids, published) == published, (p, key)
            figures.append((cell.ids, published))
    attacker = Attacker(figures)
    # Counts of 1 to 4: every published figure and every atom.
    small = {ids for ids, _shown in figures if 0 < len(ids) < disclosure.SMALL}
    small |= {frozenset(a) for a in attacker.atoms if len(a) < disclosure.SMALL}
    for ids in small:
        assert not attacker.pinned(attacker.vector(ids), len(ids)), sorted(ids)
    # The change from one quarter to the next of a stock (residents by role and group).
    quarters = sorted(p for p in periods if isinstance(p, Quarter))
    for before, after in zip(quarters, quarters[1:], strict=False):
        for key in counted[after].keys() & counted[before].keys():
            if key.split("|")[0] not in ("mix", "groups"):
                continue
            a, b = counted[after][key].ids, counted[before][key].ids
            change = len(a) - len(b)
            if 0 < abs(change) < disclosure.SMALL:
                v = attacker.vector(plus=a - b, minus=b - a)
                assert not attacker.pinned(v, change), (before, after, key)
    # Shared attributes: a row whose people all fall in one cell. The attacker may not rule
    # out one more person in the row (in every figure that holds the whole row, except the
    # cell's own column): if that person cannot exist, everyone is shown to share the cell.
    keyed = [(p, key) for p in periods for key in counted[p]]
    for p in periods:
        for row_total, key in attribute_pairs(counted[p]):
            everyone, some = counted[p][row_total].ids, counted[p][key].ids
            if not everyone or everyone != some:
                continue
            column = key.split("|")[-1]
            phantom = np.array(
                [
                    float(counted[q][k].ids >= everyone and k.split("|")[-1] != column)
                    for q, k in keyed
                ]
            )
            with_one_more = Attacker(figures, phantom)
            v = np.zeros(len(with_one_more.atoms))
            v[-1] = 1
            assert with_one_more.bound(v, +1) >= 1, (p, row_total, key)


def test_the_attacker_pins_what_exact_figures_would_give_away():
    """The same attacker against figures published exactly: a total of 7 and a part of 4 pin
    the other 3, and a row of 3 with 3 in one column shows they all share it. So the test
    above can fail; with the perturbation table, neither is pinned."""
    records = [f"contract:{i}" for i in range(7)]
    total, part = frozenset(records), frozenset(records[:4])
    exact = Attacker([(total, 7), (part, 4)], spans=lambda p: range(p, p + 1))
    assert exact.pinned(exact.vector(total - part), 3)
    perturbed = Attacker([(total, 7), (part, 5)])
    assert not perturbed.pinned(perturbed.vector(total - part), 3)
    row = frozenset(records[:3])
    exact = Attacker([(row, 3), (row, 3)], np.array([1.0, 0.0]), spans=lambda p: range(p, p + 1))
    v = np.zeros(len(exact.atoms))
    v[-1] = 1
    assert exact.bound(v, +1) == 0  # no one more can exist: all three share the cell
    perturbed = Attacker([(row, 5), (row, 5)], np.array([1.0, 0.0]))
    assert perturbed.bound(v, +1) >= 1
