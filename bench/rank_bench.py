"""Benchmark: rank 10,000 candidates for one vacancy, with every explanation line, in Dutch.

Times `allocation.scoring.rank` (eligibility, score, explanation, sort) on generated candidate
facts, as the vacancy page gets them from one query. Run from the project root:

    .venv/bin/python bench/rank_bench.py

The instance is fixed (seed and sizes below) so results can be compared over time.
"""

import datetime as dt
import os
import random
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "magicmix.settings")

import django  # noqa: E402

django.setup()

from django.utils import translation  # noqa: E402

from allocation import scoring  # noqa: E402

SEED = 20261123
CANDIDATES = 10_000
RUNS = 5
GROUPS = {1: "Student", 2: "Starter", 3: "Statushouder", 4: "Ex-dakloos", 5: "GGZ", 6: "Werkend"}
INTAKE = {"positive": "positief", "doubts": "positief met twijfels", "pending": "nog niet"}


def candidates() -> list[scoring.Candidate]:
    rng = random.Random(SEED)  # noqa: S311 - benchmark data
    today = dt.date(2026, 11, 23)
    made = []
    for pk in range(1, CANDIDATES + 1):
        group = rng.choice(list(GROUPS))
        made.append(
            scoring.Candidate(
                application_id=pk,
                person_id=pk,
                name=f"Kandidaat {pk}",
                role="dragend" if group in (1, 2, 6) else "vragend",
                group_id=group,
                household=rng.choice([1, 1, 1, 2, 3]),
                needs_accessible=rng.random() < 0.03,
                date_of_birth=today - dt.timedelta(days=rng.randint(18 * 365, 60 * 365)),
                urgent=rng.random() < 0.1,
                intake=rng.choice(["positive", "positive", "doubts", "pending", "negative"]),
                registered_on=today - dt.timedelta(days=rng.randint(1, 3650)),
                nominated_by_id=rng.choice([None, 7]),
            )
        )
    return made


def context() -> scoring.Context:
    project = scoring.Counts()
    cluster = scoring.Counts()
    for group, n in {1: 40, 2: 30, 3: 25, 4: 15, 5: 10, 6: 20}.items():
        role = "dragend" if group in (1, 2, 6) else "vragend"
        project.add(role, group, n)
        cluster.add(role, group, n // 8)
    return scoring.Context(
        today=dt.date(2026, 11, 23),
        available_from=dt.date(2026, 12, 1),
        weights={"project": 3, "cluster": 3, "spread": 2, "urgency": 2, "waiting": 1, "intake": 2},
        project=project,
        project_band=(50, 80),
        cluster=cluster,
        cluster_band=(40, 60),
        cluster_name="Gang B",
        cluster_kind="gang",
        group_limits={3: 35},
        group_names=GROUPS,
        unit_max_household=2,
        unit_accessible=False,
        contract=scoring.ContractRules("Tijdelijk", None, 18, 67, None, False, False),
    )


def main() -> None:
    data = candidates()
    times = []
    with translation.override("nl"):
        for _ in range(RUNS):
            ctx = context()  # a fresh context: no cached mix effects between runs
            start = time.perf_counter()
            ranked, ineligible = scoring.rank(ctx, data, INTAKE)
            lines = sum(len(r.lines) for r in ranked)
            times.append(time.perf_counter() - start)
    print(
        "| instance | candidates | eligible | ineligible | explanation lines | median s | best s |"
    )
    print("|---|---|---|---|---|---|---|")
    print(
        f"| one vacancy | {CANDIDATES:,} | {len(ranked):,} | {len(ineligible):,} | {lines:,} | "
        f"{statistics.median(times):.3f} | {min(times):.3f} |"
    )
    print(f"first: {ranked[0].candidate.name}, {ranked[0].score}: {ranked[0].lines[0].text}")


if __name__ == "__main__":
    main()
