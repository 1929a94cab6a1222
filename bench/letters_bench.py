"""Benchmark: how long a letter takes, and a batch of notice letters (magicmix.notice_batch).

Times `render_pdf` of one notice letter (median and slowest of RUNS after a warm-up), and the
batch's two steps for N contracts: making each letter (render) and joining them into one PDF
(merge). Nothing is stored. Run from the project root on a database the demo was loaded into:

    DATABASE_URL=sqlite:////tmp/bench.sqlite3 .venv/bin/python manage.py migrate
    DATABASE_URL=sqlite:////tmp/bench.sqlite3 .venv/bin/python manage.py load_demo
    DATABASE_URL=sqlite:////tmp/bench.sqlite3 .venv/bin/python bench/letters_bench.py
"""

import os
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "magicmix.settings")

import django  # noqa: E402

django.setup()

from django.utils import timezone  # noqa: E402

from projects.letters import fill, merge_pdfs, render_pdf  # noqa: E402
from residents.letters import notice_letter  # noqa: E402
from residents.models import Contract  # noqa: E402

RUNS = 20


def main() -> None:
    today = timezone.localdate()
    contracts = [
        c
        for c in Contract.objects.filter(end_date__isnull=False)
        .exclude(unit__project__address="")
        .select_related("person", "unit__project__corporation", "contract_type")
        if c.notice_window is not None
    ]
    letters = [notice_letter(c, given_on=today) for c in contracts]
    render_pdf(letters[0])  # warm-up: Typst loads its fonts once per process
    times = []
    for _ in range(RUNS):
        start = time.perf_counter()
        render_pdf(letters[0])
        times.append(time.perf_counter() - start)
    print(
        f"one letter: median {statistics.median(times) * 1000:.0f} ms, "
        f"slowest {max(times) * 1000:.0f} ms ({RUNS} runs)"
    )
    print("| letters | make each | join into one PDF | total |")
    print("|---:|---:|---:|---:|")
    for size in (1, 10, 50):
        batch = (letters * (size // len(letters) + 1))[:size]
        start = time.perf_counter()
        parts = [(fill(letter.subject, letter.facts), render_pdf(letter)) for letter in batch]
        made = time.perf_counter()
        merge_pdfs(parts)
        joined = time.perf_counter()
        print(
            f"| {size} | {(made - start):.2f} s | {(joined - made):.2f} s | "
            f"{(joined - start):.2f} s |"
        )


if __name__ == "__main__":
    main()
