"""Benchmark: what the security baseline costs a page, on the demo data, on PostgreSQL.

Times whole requests through Django's test client, as staff and as an association member: a
person's page (audited: two more queries), a contract's page (audited), the people list and the
home page (not audited; the second-factor check is one query on every request), and the
member's ballot list. Reports the median and slowest of RUNS requests after two warm-ups, and the
queries of one. Run from the project root, on a database the demo was loaded into:

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/magicmix_pages .venv/bin/python \\
        manage.py migrate && ... manage.py load_demo
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/magicmix_pages .venv/bin/python \\
        bench/pages_bench.py

It runs unchanged on a checkout from before the baseline (there it logs in with force_login),
which is how the README's before/after figures were made.
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

from django.contrib.auth import get_user_model  # noqa: E402
from django.db import connection  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402

from residents.models import Contract, Person  # noqa: E402

try:
    from tests.logins import log_in  # noqa: E402 - past both factors, as a real login
except ImportError:  # before the security baseline: the password was all there was

    def log_in(client, user):
        client.force_login(user)
        return client


RUNS = int(os.environ.get("RUNS", "60"))


def time_page(client, path) -> tuple[float, float, int]:
    for _warmup in range(2):
        client.get(path)
    times = []
    for _run in range(RUNS):
        start = time.perf_counter()
        response = client.get(path)
        times.append(time.perf_counter() - start)
        if response.status_code != 200:
            sys.exit(f"{path}: HTTP {response.status_code}")
    with CaptureQueriesContext(connection) as queries:
        client.get(path)
    return statistics.median(times), max(times), len(queries)


def main() -> None:
    if connection.vendor != "postgresql":
        sys.exit("Run this on PostgreSQL (DATABASE_URL=postgres://...): see the docstring.")
    users = get_user_model().objects
    staff = log_in(Client(), users.get(email="staff@stadswonen.example"))
    member = log_in(Client(), users.get(email="member@majella.example"))
    person = Person.objects.filter(corporation__name="Stadswonen").order_by("pk").first()
    contract = Contract.objects.filter(person=person).order_by("pk").first()
    pages = [
        ("person's page (staff)", staff, f"/people/{person.pk}/"),
        ("contract's page (staff)", staff, f"/contracts/{contract.pk}/"),
        ("people list (staff)", staff, "/people/"),
        ("home (staff)", staff, "/"),
        ("votes list (member)", member, "/votes/"),
    ]
    print(f"{'page':<28} {'median':>8} {'slowest':>8} {'queries':>8}")
    for label, client, path in pages:
        median, slowest, count = time_page(client, path)
        print(f"{label:<28} {median * 1000:>6.1f}ms {slowest * 1000:>6.1f}ms {count:>8}")


if __name__ == "__main__":
    main()
