"""Benchmark: the dashboard and the staff worklist on the large data set, on PostgreSQL.

Renders, in-process through Django's test client (the whole request: middleware, queries, the
cell key method, template), the dashboard of the municipality with the most units (as its
policy officer): a closed quarter served from storage and computed on its first visit, its
biggest CSV, a calendar year, today's live view and its CSV; then the dashboard of the biggest
corporation (as its staff) and that staff member's start page with the worklist. Reports the
median and slowest of RUNS runs after one warm-up, and the number of queries. Run from the
project root:

    make bench-dashboard        # makes the database magicmix_bench, loads the data, runs this

or by hand, on a database that `manage.py load_scale` has filled:

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/magicmix_bench .venv/bin/python \
        bench/dashboard_bench.py
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

from django.db import connection  # noqa: E402
from django.db.models import Count  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402

from magicmix.models import PublishedDashboard  # noqa: E402
from magicmix.scale import scale_present  # noqa: E402
from projects.models import Membership, Organisation, Project, Role  # noqa: E402
from residents.models import Contract, Person  # noqa: E402
from tests.logins import log_in  # noqa: E402 - past both factors, as a real login

RUNS = 7
TODAY_CSV = "/dashboard/ending-types.csv?period=today"


def biggest(kind_field: str) -> Organisation:
    row = (
        Project.objects.values(kind_field).annotate(units=Count("units")).order_by("-units").first()
    )
    return Organisation.objects.get(pk=row[kind_field])


def user_of(organisation: Organisation, role: str):
    membership = Membership.objects.filter(organisation=organisation, role=role).first()
    if membership is None:
        sys.exit(f"{organisation} has no user with role {role}: load the data with load_scale")
    return membership.user


def measure(client: Client, path: str, *, fresh: bool = False) -> tuple[float, float, int, int]:
    """Median and slowest of RUNS requests after a warm-up (which also stores a closed
    period); with `fresh`, the stored periods are dropped before each run, so every run
    computes the period as its first visitor does."""
    client.get(path)  # warm-up: templates, translations, connection
    times = []
    for _run in range(RUNS):
        if fresh:
            PublishedDashboard.objects.all().delete()
        with CaptureQueriesContext(connection) as queries:
            start = time.perf_counter()
            response = client.get(path)
            times.append(time.perf_counter() - start)
        if response.status_code != 200:
            sys.exit(f"{path}: HTTP {response.status_code}")
    return statistics.median(times), max(times), len(queries), len(response.content)


def main() -> None:
    if connection.vendor != "postgresql":
        sys.exit("Run this on PostgreSQL (DATABASE_URL=postgres://...): see the docstring.")
    if not scale_present():
        sys.exit("No large data set here: run `manage.py load_scale` first.")
    municipality = biggest("municipality")
    corporation = biggest("corporation")
    policy = Client()
    log_in(policy, user_of(municipality, Role.POLICY))
    staff = Client()
    log_in(staff, user_of(corporation, Role.STAFF))
    print(
        f"data: {Project.objects.count():,} projects, "
        f"{Project.objects.aggregate(n=Count('units'))['n']:,} units, "
        f"{Person.objects.count():,} persons, {Contract.objects.count():,} contracts"
    )
    for label, organisation in (("municipality", municipality), ("corporation", corporation)):
        projects = Project.objects.filter(**{label: organisation})
        units = projects.aggregate(n=Count("units"))["n"]
        print(f"{label}: {organisation.name}, {projects.count()} projects, {units:,} units")
    print(f"{'page':<44} {'median':>8} {'slowest':>8} {'queries':>8} {'bytes':>9}")
    for name, client, path, fresh in (
        ("closed quarter, biggest municipality (policy)", policy, "/dashboard/", False),
        ("  the same, computed (its first visit)", policy, "/dashboard/", True),
        ("CSV of its composition table", policy, "/dashboard/groups.csv", False),
        ("calendar year (stored)", policy, "/dashboard/?period=2025", False),
        ("today's view (live)", policy, "/dashboard/?period=today", False),
        ("CSV of today's ending contracts", policy, TODAY_CSV, False),
        ("closed quarter, biggest corporation (staff)", staff, "/dashboard/", False),
        ("start page with worklist (staff)", staff, "/", False),
    ):
        median, slowest, queries, size = measure(client, path, fresh=fresh)
        times = f"{median * 1000:>6.0f}ms {slowest * 1000:>6.0f}ms"
        print(f"{name:<44} {times} {queries:>8} {size:>9,}")


if __name__ == "__main__":
    main()
