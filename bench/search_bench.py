"""Benchmark: person search (residents/search.py) on the large data set, on PostgreSQL.

For each kind of query staff type (a reference, a common last name, "last, first", an accent
typed without it, a unit number, an e-mail fragment, a typo that finds only similar names) it
times the search as the people list runs it: the scoped QuerySet narrowed by `person_search`,
its count and its first page of 50 (three queries, the database doing the work), over every
person of the data set (a site administrator's scope, ~67,000 persons). Then the whole people
list request for the biggest corporation's staff, through Django's test client. Reports the
median and slowest of RUNS runs after one warm-up. Run from the project root:

    make bench-search        # makes and fills magicmix_bench once, then runs this

or by hand, on a database that `manage.py load_scale` has filled:

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/magicmix_bench .venv/bin/python \
        bench/search_bench.py
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

from django.conf import settings  # noqa: E402
from django.db import connection  # noqa: E402
from django.db.models import Count  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402

from magicmix.scale import scale_present  # noqa: E402
from projects.models import Membership, Project, Role  # noqa: E402
from residents.models import Contract, Person  # noqa: E402
from residents.search import fold, person_search  # noqa: E402
from tests.logins import log_in  # noqa: E402 - past both factors, as a real login

RUNS = 11


def queries_from_the_data() -> list[tuple[str, str]]:
    """Real values of the data set, so that each query finds what staff would look for."""
    person = Person.objects.exclude(reference="").order_by("pk")[1000]
    accented = Person.objects.filter(last_name__contains="ı").order_by("pk").first()
    common = (
        Person.objects.values("last_name")
        .annotate(n=Count("pk"))
        .order_by("-n")
        .values_list("last_name", flat=True)
        .first()
    )
    contract = Contract.objects.filter(status="active").select_related("unit").order_by("pk")[500]
    queries = [
        ("reference", person.reference),
        ("common last name", common),
        ("last, first", f"{person.last_name}, {person.first_name}"),
        ("first last", f"{person.first_name} {person.last_name}"),
        ("unit number", contract.unit.number),
        ("e-mail fragment", person.email.split("@")[0][:8] if person.email else person.last_name),
        ("typo (similar names)", person.last_name + "x" + person.first_name[:2]),
    ]
    if accented is not None:
        queries.insert(4, ("accent typed without", fold(accented.last_name)))
    return queries


def time_search(query: str) -> tuple[float, float, int, bool]:
    def run():
        found = person_search(Person.objects.all(), query)
        total = found.people.count()
        list(found.people.select_related("target_group")[: settings.PAGE_SIZE])
        return total, found.similar

    run()  # warm-up
    times = []
    for _ in range(RUNS):
        start = time.perf_counter()
        total, similar = run()
        times.append(time.perf_counter() - start)
    return statistics.median(times), max(times), total, similar


def time_page(client: Client, path: str) -> tuple[float, float, int]:
    client.get(path)
    times = []
    for _ in range(RUNS):
        with CaptureQueriesContext(connection) as captured:
            start = time.perf_counter()
            response = client.get(path)
            times.append(time.perf_counter() - start)
        if response.status_code != 200:
            sys.exit(f"{path}: HTTP {response.status_code}")
    return statistics.median(times), max(times), len(captured)


def main() -> None:
    if connection.vendor != "postgresql":
        sys.exit("Run this on PostgreSQL (DATABASE_URL=postgres://...): see the docstring.")
    if not scale_present():
        sys.exit("No large data set here: run `manage.py load_scale` first.")
    print(f"data: {Person.objects.count():,} persons, {Contract.objects.count():,} contracts")
    print(f"{'query':<24} {'text':<28} {'median':>8} {'slowest':>8} {'found':>7}")
    medians = []
    for label, query in queries_from_the_data():
        median, slowest, total, similar = time_search(query)
        medians.append(median)
        found = f"{total}{'~' if similar else ''}"
        print(
            f"{label:<24} {query[:28]:<28} {median * 1000:>6.1f}ms {slowest * 1000:>6.1f}ms "
            f"{found:>7}"
        )
    print(f"median of the medians: {statistics.median(medians) * 1000:.1f} ms (~: similar names)")

    corporation = (
        Project.objects.values("corporation").annotate(n=Count("units")).order_by("-n").first()
    )
    member = Membership.objects.filter(
        organisation_id=corporation["corporation"], role=Role.STAFF
    ).first()
    client = Client()
    log_in(client, member.user)
    scoped = Person.objects.for_user(member.user).count()
    last_name = Person.objects.for_user(member.user).order_by("pk")[10].last_name
    print(f"people list of the biggest corporation ({scoped:,} persons), whole request:")
    for path in (f"/people/?q={last_name}", "/people/?sort=-end"):
        median, slowest, count = time_page(client, path)
        print(f"  {path:<40} {median * 1000:>6.0f}ms {slowest * 1000:>6.0f}ms {count} queries")


if __name__ == "__main__":
    main()
