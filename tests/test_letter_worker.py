# ruff: noqa: F811 - the worker fixtures (harness, redis_url) come from test_reminder_worker
"""The letters' Celery tasks on a real worker (prefork) and a real Redis broker, as in
production: the batch of notice letters started from its page, and the offer e-mail queued when
an offer commits. No eager mode; the worker sees only what the test's web requests committed."""

import datetime as dt
import json

import pytest
from django.urls import reverse
from django.utils import timezone

from allocation import services
from allocation.models import Application, IntakeOutcome, LetterMail, Offer
from residents.dates import add_months
from residents.models import BatchStatus, ContractType, Notice, NoticeBatch

from .factories import ContractFactory, PersonFactory, UnitFactory
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

TODAY = timezone.localdate()


@pytest.fixture
def project(project_a):
    project_a.address = "Oosterpoortlaan 7"
    project_a.postcode = "3511 AB"
    project_a.save()
    return project_a


def test_a_batch_and_an_offer_email_run_on_a_real_worker(
    project, staff_a, client_for, harness, settings, tmp_path
):
    settings.MEDIA_ROOT = tmp_path / "media"
    end = add_months(TODAY, 2)
    for number in ("1", "2", "3"):
        ContractFactory(
            unit=UnitFactory(project=project, number=number),
            contract_type_code="tijdelijk",
            start_date=add_months(end, -24) + dt.timedelta(days=1),
            end_date=end,
        )
    worker = harness.start_worker("worker", concurrency=1, MEDIA_ROOT=settings.MEDIA_ROOT)
    wait_for(lambda: "ready" in worker.text(), "the worker to start", STARTUP_TIMEOUT, [worker])
    client = client_for(staff_a)

    with default_queue(harness.queue):
        page = client.get(reverse("notice_batch_new"))
        ids = [row.contract.pk for row in page.context["rows"]]
        started = client.post(reverse("notice_batch_new"), {"means": "letter", "contracts": ids})
        batch = NoticeBatch.objects.get()
        assert started["Location"] == reverse("notice_batch", args=[batch.pk])
        wait_for(
            lambda: NoticeBatch.objects.filter(pk=batch.pk, status=BatchStatus.DONE).exists(),
            "the batch to finish",
            30,
            [worker],
        )
        assert Notice.objects.filter(contract_id__in=ids, given_by=staff_a).count() == 3
        done = client.get(reverse("notice_batch", args=[batch.pk])).content.decode()
        assert "3 van 3" in done
        assert reverse("notice_batch_file", args=[batch.pk]) in done

        person = PersonFactory(corporation=project.corporation, email="sanne@example.org")
        application = Application.objects.create(
            project=project,
            person=person,
            registered_on=dt.date(2024, 1, 1),
            intake_outcome=IntakeOutcome.POSITIVE,
            intake_on=dt.date(2026, 1, 1),
        )
        vacancy = services.vacancy_open(
            unit=UnitFactory(project=project, number="B9"),
            available_from=TODAY,
            contract_type=ContractType.objects.get(code="regulier"),
            user=staff_a,
        )
        client.post(
            reverse("allocation:candidate_choose", args=[vacancy.pk, application.pk]),
            {"reason": "Past goed.", "reply_by": TODAY.isoformat(), "send_letter": "on"},
        )
        wait_for(
            lambda: Offer.objects.filter(letter_mail=LetterMail.SENT).exists(),
            "the offer letter to be e-mailed",
            30,
            [worker],
        )
    [line] = [json.loads(raw) for raw in harness.sink.read_text().splitlines()]
    assert line["to"] == ["sanne@example.org"]
