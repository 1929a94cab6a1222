"""Benchmark: a 20,000-row persons import, as the worker runs it (residents.csv_jobs).

Each shape gets a new project in a new corporation, the file is checked as the upload page does
(csv_jobs.check_file) and then imported by the task's own function (csv_jobs.run), which checks
and saves every row in one transaction. Shapes:
- "persons": 20,000 persons (candidates), no contracts;
- "persons + contracts": 20,000 persons, each with a signed contract on a unit of its own;
- "again, unchanged": the second file imported a second time (every row found, nothing changed).
Prints rows per second. Run on PostgreSQL (`make bench-import` makes its own database):

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/magicmix_bench_import \\
        .venv/bin/python bench/import_bench.py [rows]
"""

import io
import os
import sys
import time
import uuid
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "magicmix.settings")
os.environ.setdefault("MFA_REQUIRED", "0")

import django  # noqa: E402

django.setup()

from django.contrib.auth import get_user_model  # noqa: E402
from django.db import connection  # noqa: E402

from projects.models import Organisation, OrganisationKind, Project, Unit  # noqa: E402
from residents import csv_io, csv_jobs  # noqa: E402
from residents.models import CsvImport, ImportStatus  # noqa: E402

COLUMNS = csv_io.PROJECT_PERSON_COLUMNS


def project_with_units(n: int) -> Project:
    tag = uuid.uuid4().hex[:8]
    corporation = Organisation.objects.create(
        name=f"Bench corporatie {tag}", kind=OrganisationKind.CORPORATION
    )
    municipality = Organisation.objects.create(
        name=f"Bench gemeente {tag}", kind=OrganisationKind.MUNICIPALITY
    )
    project = Project.objects.create(
        name=f"Bench {tag}", corporation=corporation, municipality=municipality, city="Utrecht"
    )
    Unit.objects.bulk_create(
        Unit(project=project, number=f"U{i:05d}", kind="room", floor_area=18, rent=450)
        for i in range(n)
    )
    return project


def people_csv(n: int, *, contracts: bool) -> bytes:
    lines = [";".join(COLUMNS)]
    for i in range(n):
        row = {
            "reference": f"B-{i:06d}",
            "first_name": "Sanne",
            "last_name": f"de Vries {i}",
            "date_of_birth": "2000-03-15",
            "email": f"sanne{i}@example.org",
            "target_group": ("student", "statushouder", "starter")[i % 3],
            "role": "vragend" if i % 3 == 1 else "dragend",
        }
        if contracts:
            row |= {
                "unit": f"U{i:05d}",
                "contract_type": "regulier",
                "start_date": "2025-01-01",
                "status": "active",
            }
        lines.append(";".join(row.get(column, "") for column in COLUMNS))
    return ("\r\n".join(lines) + "\r\n").encode()


def run(project: Project, data: bytes, user) -> tuple[float, CsvImport]:
    start = time.perf_counter()
    _data, total = csv_jobs.check_file(kind="people", upload=io.BytesIO(data))
    job = CsvImport.objects.create(
        project=project,
        kind="people",
        created_by=user,
        language="nl",
        file_name="bench.csv",
        data=data,
        total_rows=total,
    )
    status = csv_jobs.run(job.pk)
    seconds = time.perf_counter() - start
    job.refresh_from_db()
    assert status == ImportStatus.DONE, (job.file_errors, job.errors[:5])
    return seconds, job


def main() -> None:
    rows = int(sys.argv[1]) if len(sys.argv) > 1 else 20_000
    user, _ = get_user_model().objects.get_or_create(
        username="bench@magicmix.example", defaults={"email": "bench@magicmix.example"}
    )
    print(f"database: {connection.vendor}; {rows} rows; file limit {csv_io.MAX_FILE_SIZE} bytes")
    print("| shape | file | time | rows/s |")
    print("|---|---:|---:|---:|")
    shapes = [("persons", False), ("persons + contracts", True)]
    for name, contracts in shapes:
        project = project_with_units(rows if contracts else 0)
        data = people_csv(rows, contracts=contracts)
        seconds, job = run(project, data, user)
        size = f"{len(data) / 1e6:.1f} MB"
        print(f"| {name} | {size} | {seconds:.1f} s | {rows / seconds:,.0f} |")
    seconds, job = run(project, data, user)
    print(f"| again, unchanged | {size} | {seconds:.1f} s | {rows / seconds:,.0f} |")
    print(job.summary)


if __name__ == "__main__":
    main()
