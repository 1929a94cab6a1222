# ruff: noqa: F811 - the worker fixtures (harness, redis_url) come from test_reminder_worker
"""A persons import queued from its page runs on a real worker (prefork, Redis broker, no eager
mode), and its page shows the rows checked while it runs, then the outcome."""

import re

import pytest
from django.test import Client
from django.urls import reverse

from residents.models import CsvImport, ImportStatus, Person

from .test_csv import PEOPLE, person_row, table, upload
from .test_reminder_worker import (  # noqa: F401 - the fixtures, shared
    STARTUP_TIMEOUT,
    default_queue,
    harness,
    redis_url,
    wait_for,
)

pytestmark = [
    pytest.mark.worker,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]

ROWS = 3000


def checked_on(client: Client, url: str) -> int:
    page = client.get(url).content.decode()
    match = re.search(r"([\d.]+) van ([\d.]+) rijen gecontroleerd", page)
    return int(match.group(1).replace(".", "")) if match else -1


def test_a_large_import_shows_progress_and_completes_on_a_real_worker(
    project_a, staff_a, client_for, harness
):
    rows = [
        person_row(reference=f"W-{i}", unit="", contract_type="", start_date="", status="")
        for i in range(ROWS)
    ]
    worker = harness.start_worker("worker", concurrency=1)
    wait_for(lambda: "ready" in worker.text(), "the worker to start", STARTUP_TIMEOUT, [worker])
    client = client_for(staff_a)
    with default_queue(harness.queue):
        response = client.post(
            reverse("residents:project_people_import", args=[project_a.pk]),
            {"file": upload(table(PEOPLE, rows))},
        )
    job = CsvImport.objects.get()
    url = reverse("residents:csv_import", args=[job.pk])
    assert response["Location"] == url
    seen = wait_for(
        lambda: 0 < checked_on(client, url) < ROWS and checked_on(client, url),
        "the page to show rows checked while the import runs",
        60,
        [worker],
        interval=0.02,
    )
    assert seen % 250 == 0
    assert not Person.objects.filter(reference__startswith="W-").exists()  # not yet committed
    wait_for(
        lambda: CsvImport.objects.filter(pk=job.pk, status=ImportStatus.DONE).exists(),
        "the import to finish",
        120,
        [worker],
    )
    assert Person.objects.filter(reference__startswith="W-").count() == ROWS
    done = client.get(url).content.decode()
    assert "3.000 van 3.000 rijen gecontroleerd" in done
    assert "Personen: 3000 aangemaakt" in done
