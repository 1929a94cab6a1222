"""The allocation planner (allocation.planner) and its command `plan_allocation`.

Small instances are checked against a brute force written here (every partial matching, rules
checked with Fractions); large ones against optima argued in the test or computed another way.
Every returned plan must pass check_plan. No test needs the database.
"""

import io
import json
import os
import random
import re
import subprocess
import sys
from dataclasses import replace
from fractions import Fraction
from pathlib import Path

import numpy as np
import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy.optimize import linear_sum_assignment

from allocation.planner import (
    Plan,
    PlanCandidate,
    PlanResident,
    PlanUnit,
    Problem,
    ProblemError,
    Rules,
    SolverError,
    check_plan,
    parse_problem,
    plan_to_dict,
    solve,
)

ROOT = Path(__file__).resolve().parent.parent


# Brute force


def fits(unit, cand) -> bool:
    return (
        cand.household <= unit.max_household
        and (unit.accessible or not cand.needs_accessible)
        and (
            cand.contract_types is None
            or unit.contract_type is None
            or unit.contract_type in cand.contract_types
        )
    )


def meets_rules(problem: Problem, people: list[tuple]) -> bool:
    """people: (cluster, role, group) of everyone living there after the plan."""

    def inside(scope, band, hit) -> bool:
        n = sum(1 for p in scope if hit(p))
        return band is None or Fraction(band[0]) * len(scope) <= n <= Fraction(band[1]) * len(scope)

    rules = problem.rules
    if not inside(people, rules.dragend_share, lambda p: p[1] == "dragend"):
        return False
    for cluster in {u.cluster for u in problem.units} - {None}:
        band = rules.cluster_bands.get(cluster, rules.cluster_dragend_share)
        scope = [p for p in people if p[0] == cluster]
        if not inside(scope, band, lambda p: p[1] == "dragend"):
            return False
    return all(
        inside(people, (0, share), lambda p, g=group: p[2] == g)
        for group, share in rules.group_max_share.items()
    )


def brute_force(problem: Problem) -> tuple[int, int] | None:
    """The best (filled, total priority) over every valid partial matching; None if none is."""
    cluster_of = {u.id: u.cluster for u in problem.units}
    residents = [(cluster_of[r.unit], r.role, r.group) for r in problem.residents]
    occupied = {r.unit for r in problem.residents}
    vacant = [u for u in problem.units if u.id not in occupied]
    best = None

    def walk(i: int, used: frozenset, people: list, filled: int, total: int) -> None:
        nonlocal best
        if i == len(vacant):
            if (best is None or (filled, total) > best) and meets_rules(problem, people):
                best = (filled, total)
            return
        walk(i + 1, used, people, filled, total)
        unit = vacant[i]
        for cand in problem.candidates:
            if cand.id not in used and fits(unit, cand):
                person = (unit.cluster, cand.role, cand.group)
                walk(i + 1, used | {cand.id}, [*people, person], filled + 1, total + cand.priority)

    walk(0, frozenset(), residents, 0, 0)
    return best


def assert_matches_brute_force(problem: Problem) -> Plan:
    plan = solve(problem)
    assert check_plan(problem, plan) == []
    expected = brute_force(problem)
    if expected is None:
        assert plan.status == "infeasible"
        assert_blame_is_right(problem, plan.reason)
    else:
        assert plan.status == "optimal", plan.reason
        assert (plan.filled, plan.total_priority) == expected
    return plan


RULE_NAME = re.compile(
    r'the dragend share of (?:the project|cluster "([^"]+)") must|the share of group "([^"]+)"'
)


def without(problem: Problem, rule: re.Match) -> Problem:
    """The problem without the rule a reason names."""
    rules, (cluster, group) = problem.rules, rule.groups()
    if cluster:
        bands = {**rules.cluster_bands, cluster: (Fraction(0), Fraction(1))}
        return replace(problem, rules=replace(rules, cluster_bands=bands))
    if group:
        limits = {g: s for g, s in rules.group_max_share.items() if g != group}
        return replace(problem, rules=replace(rules, group_max_share=limits))
    return replace(problem, rules=replace(rules, dragend_share=None))


def assert_blame_is_right(problem: Problem, reason: str) -> None:
    """A rule named as to blame alone must allow a plan when dropped; when none is, dropping any
    single rule must still allow none."""
    if "no single rule is to blame" in reason:
        every = list(RULE_NAME.finditer(reason.split("The rules: ")[1]))
        assert len(every) >= 2
        assert all(brute_force(without(problem, rule)) is None for rule in every)
    else:
        assert reason.startswith("No plan meets")
        named = list(RULE_NAME.finditer(reason))
        assert named
        assert all(brute_force(without(problem, rule)) is not None for rule in named)


# Hand-made cases, each making one rule bind


def unit(uid, cluster="A", max_household=2, accessible=False, contract_type=None):
    return PlanUnit(uid, cluster, max_household, accessible, contract_type)


def cand(cid, role="dragend", group="student", household=1, needs=False, priority=0, types=None):
    return PlanCandidate(cid, role, group, household, needs, priority, types)


def problem(units, candidates, residents=(), **rules) -> Problem:
    return Problem(tuple(units), tuple(residents), tuple(candidates), Rules(**rules))


HALF_TO_80 = (Fraction(1, 2), Fraction(4, 5))

CASES = {
    # three empty units, one vragend resident, only dragend candidates: d <= (1 + d) / 2
    "dragend band leaves units empty": problem(
        [unit("U1"), unit("U2"), unit("U3"), unit("U4")],
        [cand("K1", priority=5), cand("K2", priority=9), cand("K3", priority=7)],
        [PlanResident("U4", "vragend", "ex-dakloos")],
        dragend_share=(Fraction(0), Fraction(1, 2)),
    ),
    "dragend lower bound needs a dragend first": problem(
        [unit("U1"), unit("U2"), unit("U3")],
        [cand("K1", "vragend", priority=50), cand("K2", "vragend", priority=40), cand("K3")],
        dragend_share=HALF_TO_80,
    ),
    "cluster band": problem(
        [unit("U1", "A"), unit("U2", "A"), unit("U3", "B"), unit("U4", "B")],
        [cand("K1", priority=3), cand("K2", priority=4), cand("K3", "vragend", priority=1)],
        [PlanResident("U4", "vragend", "statushouder")],
        cluster_dragend_share=(Fraction(2, 5), Fraction(9, 10)),
    ),
    "cluster band override": problem(
        [unit("U1", "A"), unit("U2", "A"), unit("U3", "B"), unit("U4", "B")],
        [cand("K1", priority=3), cand("K2", priority=4), cand("K3", priority=1)],
        cluster_dragend_share=(Fraction(0), Fraction(1)),
        cluster_bands={"B": (Fraction(0), Fraction(1, 2))},
    ),
    # two werkend residents: one statushouder among four is 25%, two among five 40%
    "group limit": problem(
        [unit("U1"), unit("U2"), unit("U3"), unit("U4"), unit("U5"), unit("U6")],
        [
            cand("K1", "vragend", "statushouder", priority=90),
            cand("K2", "vragend", "statushouder", priority=80),
            cand("K3", priority=1),
        ],
        [PlanResident("U5", "dragend", "werkend"), PlanResident("U6", "dragend", "werkend")],
        group_max_share={"statushouder": Fraction(7, 20)},
    ),
    "accessible unit kept for who needs it": problem(
        [unit("U1", accessible=True), unit("U2")],
        [cand("K1", needs=True, priority=1), cand("K2", priority=100)],
    ),
    "household size": problem(
        [unit("U1", max_household=1), unit("U2", max_household=3)],
        [cand("K1", household=3, priority=1), cand("K2", priority=50), cand("K3", priority=60)],
    ),
    "big household fills the unit nobody else can": problem(
        [unit("U1", max_household=1), unit("U2", max_household=3), unit("U3", max_household=1)],
        [cand("K1", household=3, priority=1), cand("K2", priority=50), cand("K3", priority=60)],
    ),
    "negative priorities still fill": problem(
        [unit("U1"), unit("U2")], [cand("K1", priority=-10), cand("K2", priority=-3)]
    ),
    "contract types": problem(
        [unit("U1", contract_type="campus"), unit("U2", contract_type="social")],
        [cand("K1", priority=9, types=frozenset({"social"})), cand("K2", priority=1)],
    ),
    "residents alone break the band": problem(
        [unit("U1"), unit("U2", max_household=1)],
        [cand("K1", household=2)],
        [PlanResident("U1", "vragend", "ex-dakloos")],
        dragend_share=HALF_TO_80,
    ),
    "no units, no candidates": problem([], [], dragend_share=HALF_TO_80),
}


@pytest.mark.parametrize("name", CASES)
def test_hand_made_case_matches_brute_force(name):
    assert_matches_brute_force(CASES[name])


def test_hand_made_optima():
    """The optima the cases above were built for."""
    expected = {
        "dragend band leaves units empty": (1, 9),
        "dragend lower bound needs a dragend first": (2, 50),
        "cluster band": (3, 8),
        "cluster band override": (2, 7),  # only dragend candidates: cluster B stays empty
        "group limit": (2, 91),
        "accessible unit kept for who needs it": (2, 101),
        "household size": (2, 110),
        "big household fills the unit nobody else can": (3, 111),
        "negative priorities still fill": (2, -13),
        "contract types": (2, 10),
        "no units, no candidates": (0, 0),
    }
    for name, totals in expected.items():
        plan = solve(CASES[name])
        assert (plan.filled, plan.total_priority) == totals, name


def test_ties_go_to_the_lowest_id():
    plan = solve(problem([unit("U1")], [cand("K2", priority=5), cand("K1", priority=5)]))
    assert plan.assignments == (("U1", "K1"),)


def test_infeasible_reason_names_the_rule_with_numbers():
    plan = solve(CASES["residents alone break the band"])
    assert plan == Plan(
        "infeasible",
        reason="No plan meets the rules: the dragend share of the project must be between 50% "
        "and 80%, but the highest any plan meeting the other rules allows is 0% (0 dragend "
        "among 1 resident).",
    )


def test_infeasible_reason_for_a_group_and_a_cluster():
    units = [unit("U1", "A"), unit("U2", "A"), unit("U3", "B")]
    residents = [PlanResident("U1", "vragend", "statushouder")]
    plan = solve(
        problem(
            units,
            [cand("K1", "vragend", "statushouder", household=3)],
            residents,
            group_max_share={"statushouder": Fraction(1, 4)},
        )
    )
    assert plan.reason == (
        'No plan meets the rules: the share of group "statushouder" in the project must be at '
        "most 25%, but the lowest any plan meeting the other rules allows is 100% (1 of 1 "
        "resident)."
    )
    plan = solve(
        problem(
            units,
            [cand("K1", "vragend"), cand("K2")],
            residents,
            cluster_bands={"A": (Fraction(3, 5), Fraction(3, 5))},
            cluster_dragend_share=(Fraction(0), Fraction(0)),
        )
    )
    assert plan.reason == (
        'No plan meets the rules: the dragend share of cluster "A" must be exactly 60%, but the '
        "highest any plan meeting the other rules allows is 50% (1 dragend among 2 residents)."
    )


def test_each_rule_to_blame_alone_is_named():
    """A vragend resident in cluster B and a project band of at least a third dragend force a
    dragend into cluster A, whose two units then hold 50% or 100% dragend, never 60%..90%.
    Dropping either rule allows a plan."""
    plan = solve(
        problem(
            [unit("U1", "A"), unit("U2", "A"), unit("U3", "B")],
            [cand("K1"), cand("K2", "vragend"), cand("K3")],
            [PlanResident("U3", "vragend", "x")],
            dragend_share=(Fraction(1, 3), Fraction(1)),
            cluster_bands={"A": (Fraction(3, 5), Fraction(9, 10))},
        )
    )
    assert plan.reason == (
        "No plan meets all the rules; dropping any one of these would allow one: the dragend "
        "share of the project must be between 33.33% and 100%, but the highest any plan meeting "
        "the other rules allows is 0% (0 dragend among 1 resident); the dragend share of cluster "
        '"A" must be between 60% and 90%, but no plan meeting the other rules lands in that band '
        "(their shares range from 50% to 100%)."
    )


def test_two_rules_to_blame_together():
    # Project at most 50% dragend and group "student" at most 0%: a dragend student resident
    # breaks both, and dropping either alone still leaves the other broken.
    plan = solve(
        problem(
            [unit("U1"), unit("U2")],
            [],
            [PlanResident("U1", "dragend", "student")],
            dragend_share=(Fraction(0), Fraction(1, 2)),
            group_max_share={"student": Fraction(0)},
        )
    )
    assert plan.status == "infeasible"
    assert "no single rule is to blame" in plan.reason
    assert "at least 2" in plan.reason


# Random small instances

CLUSTERS = st.sampled_from(["A", "B", None])
LOW = st.sampled_from([0, 0, 0.2, 0.25, 1 / 3, 0.4, 0.5, 0.5])
HIGH = st.sampled_from([0.5, 0.6, 2 / 3, 0.75, 0.8, 0.9, 1])
BANDS = st.tuples(LOW, HIGH).map(sorted)
SHARES = st.sampled_from([0, 0.2, 0.25, 1 / 3, 0.35, 0.5, 0.75])


@st.composite
def instances(draw) -> dict:
    n_units = draw(st.integers(2, 6))
    units = [
        {
            "id": f"U{i}",
            "cluster": draw(CLUSTERS),
            "max_household": draw(st.integers(1, 3)),
            "accessible": draw(st.booleans()),
            "contract_type": draw(st.sampled_from([None, None, None, "social", "campus"])),
        }
        for i in range(n_units)
    ]
    residents = [
        {
            "unit": u["id"],
            "role": draw(st.sampled_from(["dragend", "vragend"])),
            "group": draw(st.sampled_from(["x", "y"])),
        }
        for u in units
        if draw(st.integers(0, 2)) == 0
    ]
    candidates = [
        {
            "id": f"K{i}",
            "role": draw(st.sampled_from(["dragend", "vragend"])),
            "group": draw(st.sampled_from(["x", "y", "z"])),
            "household": draw(st.integers(1, 3)),
            "needs_accessible": draw(st.integers(0, 4)) == 0,
            "priority": draw(st.integers(-3, 6)),
            "contract_types": draw(st.sampled_from([None, None, None, ["social"], ["campus"]])),
        }
        for i in range(draw(st.integers(1, 7)))
    ]
    rules: dict = {}
    if draw(st.booleans()):
        rules["dragend_share"] = draw(BANDS)
    if draw(st.booleans()):
        rules["cluster_dragend_share"] = draw(BANDS)
    if draw(st.booleans()):
        rules["cluster_bands"] = {
            c: draw(BANDS) for c in sorted({u["cluster"] for u in units} - {None})[:1]
        }
    if draw(st.booleans()):
        rules["group_max_share"] = {"x": draw(SHARES)}
    return {"units": units, "residents": residents, "candidates": candidates, "rules": rules}


@settings(max_examples=200, deadline=None, derandomize=True)
@given(instances())
def test_random_instances_match_brute_force(data):
    assert_matches_brute_force(parse_problem(data))


# Large instances


def seeded(seed: int) -> random.Random:
    return random.Random(seed)  # noqa: S311 - reproducible test data, not secrets


GROUPS = ("student", "starter", "statushouder", "ex-dakloos", "jongere-uit-zorg", "werkend")


def large_instance(seed: int, units: int = 300, candidates: int = 5000) -> dict:
    rng = seeded(seed)
    unit_list = [
        {
            "id": f"U{i:04d}",
            "cluster": f"C{rng.randrange(20):02d}",
            "max_household": rng.choice((1, 1, 2, 2, 3, 4)),
            "accessible": rng.random() < 0.05,
        }
        for i in range(units)
    ]
    residents = [
        {"unit": u["id"], "role": rng.choice(("dragend", "vragend")), "group": rng.choice(GROUPS)}
        for u in rng.sample(unit_list, units // 3)
    ]
    candidate_list = [
        {
            "id": f"K{i:05d}",
            "role": "dragend" if rng.random() < 0.6 else "vragend",
            "group": rng.choice(GROUPS),
            "household": rng.choice((1, 1, 1, 2, 3, 4)),
            "needs_accessible": rng.random() < 0.03,
            "priority": rng.randint(0, 1000),
        }
        for i in range(candidates)
    ]
    rules = {
        "dragend_share": [0.5, 0.8],
        "cluster_dragend_share": [0.4, 0.9],
        "group_max_share": {"statushouder": 0.35},
    }
    return {
        "units": unit_list,
        "residents": residents,
        "candidates": candidate_list,
        "rules": rules,
    }


def test_large_instance_is_valid_and_deterministic():
    data = large_instance(7)
    plan = solve(parse_problem(data))
    assert plan.status == "optimal"
    assert check_plan(parse_problem(data), plan) == []
    vacant = 300 - 100
    assert 0 < plan.filled <= vacant
    # The same problem in another order gives the same plan, byte for byte.
    rng = seeded(1)
    for key in ("units", "residents", "candidates"):
        rng.shuffle(data[key])
    again = solve(parse_problem(data))
    assert json.dumps(plan_to_dict(again)) == json.dumps(plan_to_dict(plan))


def test_large_instance_with_a_binding_dragend_share_reaches_the_argued_optimum():
    """200 vacant units that fit everyone; 50 dragend and 50 vragend residents; 60 vragend
    candidates and plenty of dragend. With at most 60% dragend, 50 + d <= 0.6 (100 + d + v) and
    v <= 60 give d <= 25 + 1.5 v <= 115, so at most 175 units fill, and only with every vragend
    candidate and the best 115 dragend ones."""
    rng = seeded(3)
    units = [PlanUnit(f"U{i:03d}", f"C{i % 15}", 4, False) for i in range(300)]
    residents = [PlanResident(f"U{i:03d}", ("dragend", "vragend")[i % 2], "x") for i in range(100)]
    candidates = [
        cand(
            f"K{i:04d}",
            "vragend" if i < 60 else "dragend",
            rng.choice(GROUPS),
            rng.randint(1, 4),
            priority=rng.randint(-50, 1000),
        )
        for i in range(4000)
    ]
    prob = problem(units, candidates, residents, dragend_share=(Fraction(0), Fraction(3, 5)))
    plan = solve(prob)
    assert check_plan(prob, plan) == []
    dragend = sorted((c.priority for c in candidates if c.role == "dragend"), reverse=True)
    vragend = [c.priority for c in candidates if c.role == "vragend"]
    assert (plan.filled, plan.total_priority) == (175, sum(vragend) + sum(dragend[:115]))


def test_large_instance_without_rules_matches_an_assignment_solver():
    """Without rules the optimum is a maximum-weight maximum matching: linear_sum_assignment
    with weight BIG + priority on each fitting pair (BIG outweighs any priority sum)."""
    data = large_instance(11, units=300, candidates=1500)
    data["rules"] = {}
    prob = parse_problem(data)
    plan = solve(prob)
    assert check_plan(prob, plan) == []
    occupied = {r.unit for r in prob.residents}
    vacant = [u for u in prob.units if u.id not in occupied]
    big = 10**7
    weight = np.array(
        [[big + c.priority if fits(u, c) else 0 for c in prob.candidates] for u in vacant]
    )
    rows, cols = linear_sum_assignment(weight, maximize=True)
    chosen = [(r, c) for r, c in zip(rows, cols, strict=True) if weight[r, c] > 0]
    assert plan.filled == len(chosen)
    assert plan.total_priority == sum(prob.candidates[c].priority for _, c in chosen)


# Engine API details


def test_check_plan_finds_violations():
    prob = CASES["group limit"]
    bad = Plan("optimal", 2, 170, (("U1", "K1"), ("U2", "K2")))
    assert any("statushouder" in v for v in check_plan(prob, bad))
    twice = Plan("optimal", 2, 180, (("U1", "K1"), ("U2", "K1")))
    assert any("twice" in v for v in check_plan(prob, twice))
    assert check_plan(prob, Plan("optimal", 1, 0, (("U1", "K3"),))) != []  # wrong total


def test_validate_rejects_bad_problems_built_in_code():
    with pytest.raises(ProblemError, match=r'residents\[0\]: "unit" must be the id'):
        solve(problem([unit("U1")], [], [PlanResident("U9", "vragend", "x")]))
    with pytest.raises(ProblemError, match=r'candidates\[1\] \(id "K1"\): duplicate candidate'):
        solve(problem([unit("U1")], [cand("K1"), cand("K1")]))
    with pytest.raises(ProblemError, match=r'"household" must be a whole number'):
        solve(problem([unit("U1")], [cand("K1", household=True)]))
    with pytest.raises(ProblemError, match="not floats"):
        solve(problem([unit("U1")], [], dragend_share=(0.5, Fraction(4, 5))))


def test_time_limit_that_runs_out_is_an_error_not_a_plan():
    with pytest.raises(SolverError, match="time limit"):
        solve(parse_problem(large_instance(5)), time_limit=1e-9)


@pytest.mark.parametrize(("low", "filled"), [(0.3333333333333333, 3), (0.3333333333333334, 2)])
def test_shares_with_long_decimals_are_exact(low, filled):
    """The JSON floats just below and just above 1/3: one dragend among three meets only the
    first. The share is taken as the decimal written, exactly."""
    data = {
        "units": [{"id": f"U{i}", "max_household": 1, "accessible": False} for i in range(3)],
        "candidates": [
            {
                "id": f"K{i}",
                "role": role,
                "group": "x",
                "household": 1,
                "needs_accessible": False,
                "priority": 1,
            }
            for i, role in enumerate(("dragend", "vragend", "vragend"))
        ],
        "rules": {"dragend_share": [low, 1]},
    }
    assert assert_matches_brute_force(parse_problem(data)).filled == filled


# The command

GOOD = {
    "units": [
        {"id": "U2", "cluster": "A", "max_household": 2, "accessible": False},
        {"id": "U1", "cluster": "A", "max_household": 1, "accessible": True},
        {"id": "U3", "cluster": None, "max_household": 3, "accessible": False},
    ],
    "residents": [{"unit": "U3", "role": "dragend", "group": "werkend"}],
    "candidates": [
        {
            "id": "K1",
            "role": "dragend",
            "group": "student",
            "household": 1,
            "needs_accessible": False,
            "priority": 17,
        },
        {
            "id": "K2",
            "role": "vragend",
            "group": "statushouder",
            "household": 2,
            "needs_accessible": False,
            "priority": 5,
        },
        {
            "id": "K3",
            "role": "dragend",
            "group": "werkend",
            "household": 1,
            "needs_accessible": True,
            "priority": 2,
        },
    ],
    "rules": {
        "dragend_share": [0.5, 0.8],
        "cluster_dragend_share": [0.4, 0.9],
        "group_max_share": {"statushouder": 0.35},
    },
}


def write(tmp_path: Path, data: object, name: str = "problem.json") -> Path:
    path = tmp_path / name
    path.write_text(data if isinstance(data, str) else json.dumps(data), encoding="utf-8")
    return path


def test_command_writes_the_plan(tmp_path):
    out = tmp_path / "plan.json"
    call_command("plan_allocation", str(write(tmp_path, GOOD)), "--out", str(out))
    assert json.loads(out.read_text()) == {
        "status": "optimal",
        "filled": 2,
        "total_priority": 22,
        "assignments": [{"unit": "U1", "candidate": "K1"}, {"unit": "U2", "candidate": "K2"}],
    }
    assert sorted(p.name for p in tmp_path.iterdir()) == ["plan.json", "problem.json"]


def test_command_prints_the_plan_without_out(tmp_path):
    stdout = io.StringIO()
    call_command("plan_allocation", str(write(tmp_path, GOOD)), stdout=stdout)
    assert json.loads(stdout.getvalue())["filled"] == 2


def test_command_infeasible_is_an_answer(tmp_path):
    data = json.loads(json.dumps(GOOD))
    data["rules"]["group_max_share"]["werkend"] = 0.1  # the resident alone is a third at least
    out = tmp_path / "plan.json"
    call_command("plan_allocation", str(write(tmp_path, data)), "--out", str(out))
    plan = json.loads(out.read_text())
    assert list(plan) == ["status", "reason"]
    assert plan["status"] == "infeasible"
    assert 'the share of group "werkend" in the project must be at most 10%' in plan["reason"]


def test_command_time_limit_exits_1_and_keeps_the_old_plan(tmp_path):
    out = write(tmp_path, "old plan", "plan.json")
    problem_path = write(tmp_path, large_instance(5))
    with pytest.raises(CommandError, match="time limit") as excinfo:
        call_command(
            "plan_allocation", str(problem_path), "--out", str(out), "--time-limit", "1e-9"
        )
    assert excinfo.value.returncode == 1
    assert out.read_text() == "old plan"


def edited(change) -> dict:
    data = json.loads(json.dumps(GOOD))
    change(data)
    return data


BAD_INPUTS = {
    "invalid JSON": ('{"units": [', "invalid JSON at line 1"),
    "NaN": ('{"units": [], "candidates": [], "rules": {"dragend_share": [NaN, 1]}}', "NaN"),
    "duplicate JSON key": ('{"units": [], "units": [], "candidates": []}', 'duplicate key "units"'),
    "not an object": ("[]", "the problem must be a JSON object"),
    "missing candidates": ({"units": []}, 'the problem: missing key "candidates"'),
    "unknown top key": (edited(lambda d: d.update(unit=[])), 'unknown key "unit"'),
    "typo in a rule": (
        edited(lambda d: d["rules"].update(dragend_shares=[0, 1])),
        '"rules": unknown key "dragend_shares"',
    ),
    "unknown unit key": (
        edited(lambda d: d["units"][1].update(acessible=True)),
        'units[1] (id "U1"): unknown key "acessible"',
    ),
    "missing candidate key": (
        edited(lambda d: d["candidates"][2].pop("priority")),
        'candidates[2] (id "K3"): missing key "priority"',
    ),
    "household zero": (
        edited(lambda d: d["candidates"][1].update(household=0)),
        'candidates[1] (id "K2"): "household" must be a whole number of at least 1, got 0',
    ),
    "household bool": (
        edited(lambda d: d["candidates"][0].update(household=True)),
        'candidates[0] (id "K1"): "household" must be a whole number of at least 1, got true',
    ),
    "priority float": (
        edited(lambda d: d["candidates"][0].update(priority=1.5)),
        'candidates[0] (id "K1"): "priority" must be a whole number',
    ),
    "max_household zero": (
        edited(lambda d: d["units"][0].update(max_household=0)),
        'units[0] (id "U2"): "max_household" must be a whole number of at least 1, got 0',
    ),
    "accessible not bool": (
        edited(lambda d: d["units"][0].update(accessible="no")),
        'units[0] (id "U2"): "accessible" must be true or false, got "no"',
    ),
    "duplicate unit": (
        edited(lambda d: d["units"][2].update(id="U2")),
        'units[2] (id "U2"): duplicate unit id (also units[0])',
    ),
    "duplicate candidate": (
        edited(lambda d: d["candidates"][2].update(id="K1")),
        'candidates[2] (id "K1"): duplicate candidate id (also candidates[0])',
    ),
    "resident in no unit": (
        edited(lambda d: d["residents"][0].update(unit="U9")),
        'residents[0]: "unit" must be the id of one of the units, got "U9"',
    ),
    "bad role": (
        edited(lambda d: d["candidates"][0].update(role="Dragend")),
        'candidates[0] (id "K1"): "role" must be "dragend" or "vragend", got "Dragend"',
    ),
    "share above 1": (
        edited(lambda d: d["rules"]["group_max_share"].update(statushouder=35)),
        'rules.group_max_share: "statushouder" must be a share between 0 and 1, got 35',
    ),
    "band upside down": (
        edited(lambda d: d["rules"].update(dragend_share=[0.8, 0.5])),
        'rules: "dragend_share" must be a pair [low, high] of shares with 0 <= low <= high '
        "<= 1, got [0.8, 0.5]",
    ),
    "band of one": (
        edited(lambda d: d["rules"].update(cluster_dragend_share=[0.5])),
        '"cluster_dragend_share" must be a pair',
    ),
    "unknown cluster band": (
        edited(lambda d: d["rules"].update(cluster_bands={"Z": [0, 1]})),
        'rules.cluster_bands: "Z" must name the cluster of one of the units',
    ),
    "units not a list": (edited(lambda d: d.update(units={})), '"units" must be a list'),
}


@pytest.mark.parametrize("case", BAD_INPUTS)
def test_command_rejects_bad_input_with_status_2(tmp_path, case):
    data, message = BAD_INPUTS[case]
    out = tmp_path / "plan.json"
    with pytest.raises(CommandError) as excinfo:
        call_command("plan_allocation", str(write(tmp_path, data)), "--out", str(out))
    assert excinfo.value.returncode == 2
    assert message in str(excinfo.value)
    assert "\n" not in str(excinfo.value)
    assert not out.exists()


def test_command_missing_file_is_status_2(tmp_path):
    with pytest.raises(CommandError) as excinfo:
        call_command("plan_allocation", str(tmp_path / "nope.json"))
    assert excinfo.value.returncode == 2


def test_command_exit_status_in_a_real_process(tmp_path):
    """Run manage.py for real: exit 0 with the plan written, exit 2 with one line on stderr."""
    env = {**os.environ, "DATABASE_URL": "sqlite:////tmp/planner-test.sqlite3"}
    out = tmp_path / "plan.json"
    bad = edited(lambda d: d["candidates"][2].update(household=0))
    for data, status in ((GOOD, 0), (bad, 2)):
        run = subprocess.run(  # noqa: S603 - our own manage.py, fixed arguments
            [
                sys.executable,
                "manage.py",
                "plan_allocation",
                str(write(tmp_path, data)),
                "--out",
                str(out),
            ],
            cwd=ROOT,
            env=env,
            capture_output=True,
            text=True,
            timeout=120,
            check=False,
        )
        assert run.returncode == status, run.stderr
        if status == 0:
            assert json.loads(out.read_text())["status"] == "optimal"
            assert run.stderr == ""
        else:
            assert run.stderr.strip().splitlines() == [
                f'CommandError: {tmp_path / "problem.json"}: candidates[2] (id "K3"): '
                '"household" must be a whole number of at least 1, got 0'
            ]
