"""Time the allocation planner on realistic generated instances (no Django needed).

Run from the project root: `.venv/bin/python bench/plan_bench.py`. Prints a Markdown table.
"""

import random
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from allocation.planner import _Model, parse_problem, solve  # noqa: E402

# Target groups: (weight among residents and candidates, chance a member is dragend)
GROUPS = {
    "student": (25, 0.9),
    "starter": (20, 0.85),
    "werkend": (15, 0.95),
    "statushouder": (15, 0.1),
    "ex-dakloos": (10, 0.05),
    "jongere-uit-zorg": (15, 0.15),
}
RULES = {
    "dragend_share": [0.5, 0.8],
    "cluster_dragend_share": [0.4, 0.9],
    "group_max_share": {"statushouder": 0.35},
}
# (name, units, candidates, clusters, share of units already lived in, runs)
SIZES = (
    ("project", 300, 5_000, 20, 0.4, 3),
    ("city-wide", 2_000, 50_000, 150, 0.0, 2),
)
SEED = 20240611


def person(rng: random.Random) -> tuple[str, str]:
    group = rng.choices(list(GROUPS), weights=[w for w, _ in GROUPS.values()])[0]
    return ("dragend" if rng.random() < GROUPS[group][1] else "vragend"), group


def instance(units: int, candidates: int, clusters: int, lived_in: float, seed: int) -> dict:
    rng = random.Random(seed)  # noqa: S311 - reproducible test data, not secrets
    unit_list = [
        {
            "id": f"U{i:05d}",
            "cluster": f"C{rng.randrange(clusters):03d}",
            "max_household": rng.choice((1, 1, 1, 2, 2, 3, 4)),
            "accessible": rng.random() < 0.05,
        }
        for i in range(units)
    ]
    residents = []
    for unit in rng.sample(unit_list, round(units * lived_in)):
        role, group = person(rng)
        residents.append({"unit": unit["id"], "role": role, "group": group})
    candidate_list = []
    for i in range(candidates):
        role, group = person(rng)
        candidate_list.append(
            {
                "id": f"K{i:06d}",
                "role": role,
                "group": group,
                "household": rng.choice((1, 1, 1, 1, 2, 2, 3, 4)),
                "needs_accessible": rng.random() < 0.03,
                "priority": rng.randint(0, 1000),
            }
        )
    return {
        "units": unit_list,
        "residents": residents,
        "candidates": candidate_list,
        "rules": RULES,
    }


def main() -> None:
    print(
        "| instance | units | candidates | candidate types | unit types | filled "
        "| total priority | status | seconds |"
    )
    print("|---|---:|---:|---:|---:|---:|---:|---|---:|")
    for number, (name, units, candidates, clusters, lived_in, runs) in enumerate(SIZES):
        data = instance(units, candidates, clusters, lived_in, SEED + number)
        times, plans = [], []
        for _ in range(runs):
            start = time.perf_counter()
            plan = solve(parse_problem(data))
            times.append(time.perf_counter() - start)
            plans.append(plan)
        assert all(p == plans[0] for p in plans), "the planner is not deterministic"
        model = _Model(parse_problem(data))
        print(
            f"| {name} | {units:,} | {candidates:,} | {len(model.members)} "
            f"| {len(model.unit_lists)} | {plan.filled:,} | {plan.total_priority:,} "
            f"| {plan.status} | {min(times):.2f} |"
        )


if __name__ == "__main__":
    main()
