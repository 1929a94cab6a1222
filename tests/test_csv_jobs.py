"""CSV imports as a background task: the file checked at once, then queued; progress while the
task runs; all or nothing; a stopped worker's import started again; only the starter sees it."""

import datetime as dt

import pytest
from django.core.cache import cache
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone

from projects.models import Membership, Role
from residents import csv_io, csv_jobs
from residents.models import CsvImport, ImportStatus, Person

from .test_csv import PEOPLE, english, person_row, table, upload


def units_file(n: int) -> SimpleUploadedFile:
    text = "number;kind;floor_area;rent\r\n" + "".join(f"U{i};room;18;450\r\n" for i in range(n))
    return upload(text)


def people_file(n: int) -> SimpleUploadedFile:
    rows = [
        person_row(reference=f"R-{i}", unit="", contract_type="", start_date="", status="")
        for i in range(n)
    ]
    return upload(table(PEOPLE, rows))


def start(client, project, file, kind="people"):
    name = "project_people_import" if kind == "people" else "units_import"
    return client.post(reverse(f"residents:{name}", args=[project.pk]), {"file": file})


def test_the_import_reports_its_progress_as_it_goes(project_a, monkeypatch):
    monkeypatch.setattr(csv_io, "PROGRESS_EVERY", 2)
    seen = []
    result = csv_io.units_import(
        project=project_a, file=units_file(5), progress=lambda *counts: seen.append(counts)
    )
    assert result.ok
    assert seen == [(0, 0), (2, 2), (4, 4)]


def test_the_progress_page_estimates_the_time_left(staff_a, project_a, client_for):
    job = CsvImport.objects.create(
        project=project_a,
        kind="people",
        created_by=staff_a,
        language="nl",
        file_name="mensen.csv",
        data=b"x",
        total_rows=200,
        status=ImportStatus.RUNNING,
        started_at=timezone.now() - dt.timedelta(seconds=120),
    )
    cache.set(csv_jobs._progress_key(job.pk), {"checked": 50, "saved": 48, "at": 0})
    progress = csv_jobs.progress_of(job)
    assert progress["percent"] == 25
    assert 355 <= progress["seconds_left"] <= 365  # 120 s for 50 rows: 360 s for 150 more
    page = client_for(staff_a).get(reverse("residents:csv_import", args=[job.pk]))
    text = page.content.decode()
    assert "50 van 200 rijen gecontroleerd" in text
    assert "ongeveer 6" in text
    assert 'http-equiv="refresh"' in text
    cache.delete(csv_jobs._progress_key(job.pk))


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"PK\x03\x04\x14\x00\x06\x00", "This is an Excel workbook"),
        (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1", "old Excel workbook (.xls)"),
        (b"%PDF-1.7\n", "This is a PDF document"),
        ("reference;first_name\r\nR-1;Zoë\r\n".encode("cp1252"), "not in UTF-8"),
    ],
)
def test_a_file_that_is_not_csv_is_answered_at_once_and_nothing_is_queued(
    staff_a, project_a, client_for, content, message
):
    client = english(client_for(staff_a))
    response = start(client, project_a, SimpleUploadedFile("mensen.xlsx", content))
    assert response.status_code == 200
    assert message in response.content.decode()
    assert not CsvImport.objects.exists()


def test_a_file_over_the_limit_is_answered_at_once(staff_a, project_a, client_for, monkeypatch):
    monkeypatch.setattr(csv_io, "MAX_FILE_SIZE", 200)
    response = start(english(client_for(staff_a)), project_a, people_file(5))
    assert "larger than" in response.content.decode()
    assert not CsvImport.objects.exists()


def test_one_bad_row_among_many_saves_none(staff_a, project_a, client_for):
    rows = [
        person_row(reference=f"R-{i}", unit="", contract_type="", start_date="", status="")
        for i in range(300)
    ]
    rows[257]["role"] = "helper"
    start(client_for(staff_a), project_a, upload(table(PEOPLE, rows)))
    job = CsvImport.objects.get()
    assert csv_jobs.run(job.pk) == ImportStatus.FAILED
    job.refresh_from_db()
    assert [row for row, _column, _message in job.errors] == [259]
    assert not Person.objects.filter(reference__startswith="R-").exists()
    assert csv_jobs.progress_of(job)["saved"] == 0


def test_a_second_delivery_does_nothing_and_a_stopped_one_starts_again(
    staff_a, project_a, client_for
):
    start(client_for(staff_a), project_a, people_file(3))
    job = CsvImport.objects.get()
    CsvImport.objects.filter(pk=job.pk).update(
        status=ImportStatus.RUNNING, started_at=timezone.now()
    )
    cache.set(
        csv_jobs._progress_key(job.pk), {"checked": 1, "saved": 1, "at": timezone.now().timestamp()}
    )
    assert csv_jobs.run(job.pk) == "skipped"  # alive elsewhere
    stopped = timezone.now().timestamp() - csv_jobs.STALE_SECONDS - 1
    cache.set(csv_jobs._progress_key(job.pk), {"checked": 1, "saved": 1, "at": stopped})
    assert csv_jobs.run(job.pk) == ImportStatus.DONE
    assert Person.objects.filter(reference__startswith="R-").count() == 3
    assert csv_jobs.run(job.pk) == "skipped"  # done: never twice
    assert Person.objects.filter(reference__startswith="R-").count() == 3


def test_the_import_page_lists_the_users_recent_imports(staff_a, project_a, client_for):
    client = client_for(staff_a)
    start(client, project_a, people_file(2))
    page = client.get(reverse("residents:project_people_import", args=[project_a.pk]))
    assert reverse("residents:csv_import", args=[CsvImport.objects.get().pk]) in (
        page.content.decode()
    )


@pytest.mark.parametrize("persona", ["staff_b", "policy_a", "member_a", "outsider", "readonly_a"])
def test_only_the_starter_sees_an_import(request, staff_a, project_a, client_for, persona):
    start(client_for(staff_a), project_a, people_file(2))
    url = reverse("residents:csv_import", args=[CsvImport.objects.get().pk])
    assert client_for(request.getfixturevalue(persona)).get(url).status_code == 404


def test_a_starter_whose_role_became_read_only_gets_403(staff_a, corp_a, project_a, client_for):
    client = client_for(staff_a)
    start(client, project_a, people_file(2))
    Membership.objects.filter(user=staff_a, organisation=corp_a).update(role=Role.READONLY)
    url = reverse("residents:csv_import", args=[CsvImport.objects.get().pk])
    assert client_for(staff_a).get(url).status_code == 403


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_a_second_run_waits_for_the_first_and_never_saves_twice(staff_a, project_a, monkeypatch):
    """Two deliveries of one import at once, the second taking it for stopped (STALE_SECONDS 0):
    it waits on the import's row lock, which the first holds while it imports, then finds the
    import finished. Rows without a reference would otherwise be saved twice."""
    import threading
    import time

    from django.db import connection

    monkeypatch.setattr(csv_jobs, "STALE_SECONDS", 0)
    rows = [person_row(unit="", contract_type="", start_date="", status="") for _ in range(1500)]
    job = CsvImport.objects.create(
        project=project_a,
        kind="people",
        created_by=staff_a,
        language="nl",
        file_name="mensen.csv",
        data=table(PEOPLE, rows).encode(),
        total_rows=len(rows),
    )
    outcome = {}

    def delivery(name):
        try:
            outcome[name] = csv_jobs.run(job.pk)
        finally:
            connection.close()

    first = threading.Thread(target=delivery, args=("first",))
    first.start()
    while not CsvImport.objects.filter(pk=job.pk, status=ImportStatus.RUNNING).exists():
        time.sleep(0.01)
    second = threading.Thread(target=delivery, args=("second",))
    second.start()
    first.join(timeout=60)
    second.join(timeout=60)
    assert outcome == {"first": ImportStatus.DONE, "second": "skipped"}
    assert Person.objects.count() == 1500
