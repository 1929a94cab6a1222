"""Personal-data retention (residents.retention): who is due on which day, that a dry run
changes nothing, that a real run anonymises exactly what the dry run listed (history and notice
documents too) and leaves a closed quarter's dashboard as it was, the run records, the page for
site administrators, the management command on the demo data and the Celery task."""

import datetime as dt
from decimal import Decimal
from io import StringIO
from pathlib import Path

import pytest
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import CommandError, call_command
from django.urls import reverse
from django.utils import timezone

from allocation.models import (
    AllocationEvent,
    Application,
    ApplicationStatus,
    ElectorateKind,
    EventKind,
    Offer,
    OfferStatus,
    RoundCandidate,
    RoundStatus,
    Vacancy,
    VoteRound,
)
from magicmix.dashboard import data
from magicmix.dashboard.periods import Quarter
from magicmix.dashboard.tables import compute
from projects.models import AuditAction, AuditEntry, Project
from residents import retention
from residents.models import (
    CheckIn,
    Contract,
    ContractDocument,
    ContractStatus,
    ContractType,
    EndReason,
    Notice,
    NoticeBatch,
    NoticeMeans,
    Outflow,
    Person,
    ResidentWarning,
    RetentionPolicy,
    RetentionRun,
    RetentionTrigger,
)
from residents.tasks import run_retention

from .factories import ContractFactory, PersonFactory, UnitFactory, UserFactory

TODAY = dt.date(2026, 12, 3)


def former_tenant(project, last_day: dt.date, start: dt.date | None = None, **person) -> Person:
    """A person whose one contract in `project` ended on `last_day`."""
    tenant = PersonFactory(corporation=project.corporation, **person)
    ContractFactory(
        person=tenant,
        unit=UnitFactory(project=project),
        start_date=start or last_day - dt.timedelta(days=400),
        end_date=last_day,
        status=ContractStatus.ENDED,
        end_reason=EndReason.TENANT_NOTICE,
        outflow=Outflow.UNKNOWN,
    )
    return tenant


def candidate(project, applied_on: dt.date, *, status=ApplicationStatus.WITHDRAWN, **person):
    """A person never placed, whose one application to `project` was made on `applied_on`
    (half past midnight in Amsterdam: the day before in UTC)."""
    person = PersonFactory(corporation=project.corporation, **person)
    application = Application.objects.create(
        project=project,
        person=person,
        registered_on=applied_on,
        motivation="Ik wil graag in Project A wonen.",
        contribution="Koken",
        availability="Direct",
        status=status,
    )
    moment = timezone.make_aware(dt.datetime.combine(applied_on, dt.time(0, 30)))
    Application.objects.filter(pk=application.pk).update(created_at=moment)
    return person


def due_ids(today: dt.date, corporation=None) -> dict[int, tuple[str, dt.date]]:
    return {
        due.person_id: (due.kind, due.due_on)
        for plan in retention.plan(today, corporation)
        for due in plan.due
    }


# Who is due on which day


def test_a_former_tenant_is_due_two_years_after_the_last_day_not_a_day_sooner(project_a):
    tenant = former_tenant(project_a, dt.date(2024, 12, 3))
    assert tenant.pk not in due_ids(dt.date(2026, 12, 2))
    assert due_ids(dt.date(2026, 12, 3))[tenant.pk] == ("tenant", dt.date(2026, 12, 3))
    assert tenant.pk in due_ids(dt.date(2027, 6, 1))


def test_the_last_contract_counts_not_the_first(project_a):
    tenant = former_tenant(project_a, dt.date(2022, 1, 31))
    ContractFactory(
        person=tenant,
        unit=UnitFactory(project=project_a),
        start_date=dt.date(2023, 1, 1),
        end_date=dt.date(2024, 12, 3),
        status=ContractStatus.ENDED,
        end_reason=EndReason.TENANT_NOTICE,
        outflow=Outflow.UNKNOWN,
    )
    assert tenant.pk not in due_ids(dt.date(2026, 12, 2))
    assert tenant.pk in due_ids(dt.date(2026, 12, 3))


def test_a_tenancy_that_ended_on_29_february_is_due_on_28_february(project_a):
    tenant = former_tenant(project_a, dt.date(2024, 2, 29))
    assert tenant.pk not in due_ids(dt.date(2026, 2, 27))
    assert due_ids(dt.date(2026, 2, 28))[tenant.pk] == ("tenant", dt.date(2026, 2, 28))


def test_a_candidate_never_placed_is_due_a_year_after_the_last_application(project_a):
    person = candidate(project_a, dt.date(2025, 12, 3))
    # Made at 00:30 in Amsterdam, 23:30 the day before in UTC: the local day counts.
    assert person.pk not in due_ids(dt.date(2026, 12, 2))
    assert due_ids(dt.date(2026, 12, 3))[person.pk] == ("candidate", dt.date(2026, 12, 3))


def test_a_candidate_who_applied_on_29_february_is_due_on_28_february(project_a):
    person = candidate(project_a, dt.date(2024, 2, 29))
    assert person.pk not in due_ids(dt.date(2025, 2, 27))
    assert due_ids(dt.date(2025, 2, 28))[person.pk] == ("candidate", dt.date(2025, 2, 28))


def test_the_last_of_several_applications_counts(project_a):
    person = candidate(project_a, dt.date(2024, 1, 10))
    later = Application.objects.create(
        project=project_a,
        person=person,
        registered_on=dt.date(2024, 1, 10),
        status=ApplicationStatus.WITHDRAWN,
    )
    moment = timezone.make_aware(dt.datetime.combine(dt.date(2025, 12, 3), dt.time(12)))
    Application.objects.filter(pk=later.pk).update(created_at=moment)
    assert person.pk not in due_ids(dt.date(2026, 12, 2))
    assert person.pk in due_ids(dt.date(2026, 12, 3))


def test_a_corporations_own_policy_overrides_the_defaults(project_a, project_b):
    RetentionPolicy.objects.create(corporation=project_b.corporation, tenant_months=6)
    in_a = former_tenant(project_a, dt.date(2026, 6, 3))
    in_b = former_tenant(project_b, dt.date(2026, 6, 3))
    assert in_b.pk not in due_ids(dt.date(2026, 12, 2))
    due = due_ids(dt.date(2026, 12, 3))
    assert due[in_b.pk] == ("tenant", dt.date(2026, 12, 3))
    assert in_a.pk not in due  # A keeps the default two years
    assert in_a.pk in due_ids(dt.date(2028, 6, 3))


def test_a_candidate_policy_of_its_own(project_a):
    RetentionPolicy.objects.create(corporation=project_a.corporation, candidate_months=3)
    person = candidate(project_a, dt.date(2026, 9, 3))
    assert person.pk not in due_ids(dt.date(2026, 12, 2))
    assert due_ids(dt.date(2026, 12, 3))[person.pk] == ("candidate", dt.date(2026, 12, 3))


def test_the_plan_can_be_asked_for_one_corporation(project_a, project_b):
    in_a = former_tenant(project_a, dt.date(2020, 1, 1))
    in_b = former_tenant(project_b, dt.date(2020, 1, 1))
    assert set(due_ids(TODAY, project_b.corporation)) == {in_b.pk}
    assert set(due_ids(TODAY)) == {in_a.pk, in_b.pk}


def test_a_person_with_a_current_or_future_contract_is_never_due(project_a):
    current = former_tenant(project_a, dt.date(2020, 1, 1))
    ContractFactory(person=current, unit=UnitFactory(project=project_a))  # open-ended, in force
    future = former_tenant(project_a, dt.date(2020, 1, 1))
    ContractFactory(
        person=future, unit=UnitFactory(project=project_a), start_date=dt.date(2027, 3, 1)
    )
    draft = former_tenant(project_a, dt.date(2020, 1, 1))
    ContractFactory(person=draft, unit=UnitFactory(project=project_a), status=ContractStatus.DRAFT)
    ends_later = former_tenant(project_a, dt.date(2027, 1, 31), start=dt.date(2025, 2, 1))
    due = due_ids(TODAY)
    assert not {current.pk, future.pk, draft.pk, ends_later.pk} & set(due)


def test_an_open_application_keeps_a_person(project_a):
    waiting = candidate(project_a, dt.date(2020, 1, 1), status=ApplicationStatus.ACTIVE)
    former = former_tenant(project_a, dt.date(2020, 1, 1))
    Application.objects.create(
        project=project_a, person=former, registered_on=dt.date(2026, 1, 1)
    )  # applies again: an active application
    assert not {waiting.pk, former.pk} & set(due_ids(TODAY))


def test_an_open_offer_keeps_a_person(project_a):
    person = candidate(project_a, dt.date(2020, 1, 1))  # withdrawn, but an offer is still out
    unit = UnitFactory(project=project_a)
    vacancy = Vacancy.objects.create(
        project=project_a,
        unit=unit,
        available_from=dt.date(2026, 12, 1),
        contract_type=ContractType.objects.get(code="regulier"),
    )
    offer = Offer.objects.create(
        vacancy=vacancy,
        application=person.applications.get(),
        rank=1,
        score=Decimal("5.0"),
        reply_by=dt.date(2026, 12, 20),
    )
    assert person.pk not in due_ids(TODAY)
    Offer.objects.filter(pk=offer.pk).update(
        status=OfferStatus.DECLINED,
        created_at=timezone.make_aware(dt.datetime.combine(dt.date(2025, 12, 22), dt.time(12))),
        responded_at=timezone.make_aware(dt.datetime.combine(dt.date(2026, 1, 5), dt.time(12))),
    )
    # Declined: the candidate period now counts from the answer.
    assert person.pk not in due_ids(dt.date(2027, 1, 4))
    assert due_ids(dt.date(2027, 1, 5))[person.pk] == ("candidate", dt.date(2027, 1, 5))


def test_a_former_tenant_who_applied_again_waits_for_that_period_too(project_a):
    tenant = former_tenant(project_a, dt.date(2024, 12, 3))
    again = Application.objects.create(
        project=project_a,
        person=tenant,
        registered_on=dt.date(2026, 1, 1),
        status=ApplicationStatus.WITHDRAWN,
    )
    moment = timezone.make_aware(dt.datetime.combine(dt.date(2026, 3, 1), dt.time(12)))
    Application.objects.filter(pk=again.pk).update(created_at=moment)
    assert tenant.pk not in due_ids(dt.date(2027, 2, 28))
    assert due_ids(dt.date(2027, 3, 1))[tenant.pk] == ("tenant", dt.date(2027, 3, 1))


def test_an_anonymised_person_is_never_due_again(project_a):
    tenant = former_tenant(project_a, dt.date(2020, 1, 1))
    retention.run(today=TODAY, dry_run=False, trigger=RetentionTrigger.COMMAND)
    assert tenant.pk not in due_ids(TODAY)
    again = retention.run(today=TODAY, dry_run=False, trigger=RetentionTrigger.COMMAND)
    assert again.persons_count == 0


def test_a_policy_keeps_at_least_a_month_and_at_most_ten_years(corp_a):
    for months in (0, 121):
        with pytest.raises(ValidationError):
            RetentionPolicy(corporation=corp_a, tenant_months=months).full_clean()
    RetentionPolicy(corporation=corp_a, tenant_months=1, candidate_months=120).full_clean()


# Dry run and real run


@pytest.fixture
def world(project_a, settings, tmp_path):
    """A former tenant of project A (with a login, notice document, warning, check-in and a
    history of changes), a candidate never placed, and a resident who stays."""
    settings.MEDIA_ROOT = tmp_path
    staff = UserFactory()
    login = UserFactory(email="oud@bewoner.example")
    tenant = former_tenant(
        project_a,
        dt.date(2024, 10, 31),
        start=dt.date(2023, 11, 1),
        first_name="Geheime",
        last_name="Naam",
        email="geheim@bewoner.example",
        phone="0612345678",
        notes="Begeleid door X.",
        reference="R-9999",
        user=login,
    )
    tenant.first_name = "Geheimer"  # a change: a second history row with the name
    tenant.save()
    contract = tenant.contracts.get()
    contract.start_note = "Afgesproken met Geheime Naam."
    contract.save()
    notice = Notice.objects.create(
        contract=contract,
        given_on=dt.date(2024, 6, 1),
        means=NoticeMeans.LETTER,
        given_by=staff,
        document=SimpleUploadedFile("brief.pdf", b"%PDF-1.4 Geheime Naam", "application/pdf"),
    )
    ResidentWarning.objects.create(
        person=tenant,
        contract=contract,
        given_on=dt.date(2024, 10, 15),
        reason="Overlast door Geheime Naam.",
        given_by=staff,
    )
    CheckIn.objects.create(
        contract=contract,
        held_on=dt.date(2024, 5, 1),
        held_by=staff,
        rent=3,
        household=3,
        social=3,
        neighbours=3,
        support=3,
        note="Gesprek met Geheime.",
    )
    never_placed = candidate(project_a, dt.date(2025, 6, 1), first_name="Kandidaat")
    shortlisted(project_a, never_placed.applications.get(), staff)
    stays = PersonFactory(corporation=project_a.corporation, first_name="Blijft")
    ContractFactory(
        person=stays, unit=UnitFactory(project=project_a), start_date=dt.date(2024, 1, 1)
    )
    return {
        "tenant": tenant,
        "candidate": never_placed,
        "stays": stays,
        "notice": notice,
        "login": login,
        "path": Path(notice.document.path),
    }


def shortlisted(project, application, staff) -> None:
    """The candidate was on the ballot of a closed association vote and declined the offer
    that followed (half a year before the world's today), with what staff typed about them."""
    day = timezone.make_aware(dt.datetime.combine(dt.date(2025, 6, 15), dt.time(12)))
    vacancy = Vacancy.objects.create(
        project=project,
        unit=UnitFactory(project=project),
        available_from=dt.date(2025, 7, 1),
        contract_type=ContractType.objects.get(code="regulier"),
    )
    round_ = VoteRound.objects.create(
        vacancy=vacancy,
        project=project,
        status=RoundStatus.CLOSED,
        opened_at=day - dt.timedelta(days=7),
        closes_at=day,
        closed_at=day,
        electorate_kind=ElectorateKind.MEMBERS,
        quorum_percent=50,
        abstain_counts=True,
    )
    RoundCandidate.objects.create(
        round=round_,
        application=application,
        position=1,
        rank_at_open=1,
        score_at_open=Decimal("7.0"),
        first_name="Kandidaat",
        motivation="Kandidaat wil hier wonen.",
        contribution="Kandidaat kookt.",
    )
    offer = Offer.objects.create(
        vacancy=vacancy,
        application=application,
        rank=1,
        score=Decimal("7.0"),
        reason="Kandidaat past goed.",
        reply_by=dt.date(2025, 6, 29),
    )
    Offer.objects.filter(pk=offer.pk).update(
        status=OfferStatus.DECLINED,
        created_at=day,
        responded_at=day,
        response_note="Kandidaat vindt het te ver.",
    )
    AllocationEvent.objects.create(
        vacancy=vacancy,
        kind=EventKind.DECLINED,
        actor=staff,
        application=application,
        offer=offer,
        reason="Kandidaat belde af.",
    )


def snapshot() -> list:
    return [
        list(Person.objects.order_by("pk").values()),
        list(Person.history.order_by("pk").values()),
        list(Contract.objects.order_by("pk").values()),
        list(Contract.history.order_by("pk").values()),
        list(ResidentWarning.objects.order_by("pk").values()),
        list(Application.objects.order_by("pk").values()),
        list(Notice.objects.order_by("pk").values()),
        list(Offer.objects.order_by("pk").values()),
        list(AllocationEvent.objects.order_by("pk").values()),
        list(RoundCandidate.objects.order_by("pk").values()),
    ]


def quarter_counts(project, quarter) -> dict:
    """The dashboard's unpublished counts (records and their key sums) for one quarter."""
    ids = [project.pk]
    return {
        "stocks": {
            day: dict(stock.cells) for day, stock in data.stocks(ids, [quarter.end]).items()
        },
        "occupied": data.occupied_days(ids, quarter),
        "outflow": data.outflow(ids, quarter),
        "warnings": data.warnings(ids, quarter),
        "omklap": data.omklap(ids, quarter),
        "flows": data.flows(ids, [quarter]),
    }


def test_a_dry_run_lists_what_would_go_and_changes_nothing(world):
    before = snapshot()
    record = retention.run(today=TODAY, dry_run=True, trigger=RetentionTrigger.COMMAND)
    assert snapshot() == before
    assert world["path"].exists()
    assert record.dry_run
    assert record.finished_at
    assert record.today == TODAY
    assert {(row["kind"], row["id"]) for row in record.planned} == {
        ("tenant", world["tenant"].pk),
        ("candidate", world["candidate"].pk),
    }
    tenant_row = next(row for row in record.planned if row["kind"] == "tenant")
    assert tenant_row["due"] == "2026-10-31"
    assert "Geheim" not in str(record.planned) + str(record.counts)
    assert record.tenants_count == 1
    assert record.candidates_count == 1


def test_a_real_run_anonymises_exactly_what_the_dry_run_listed(
    world, project_a, django_capture_on_commit_callbacks
):
    quarter = Quarter.of(2024, 4)
    scoped = list(Project.objects.filter(pk=project_a.pk).with_unit_count())
    figures_before = compute(scoped, quarter)
    counts_before = quarter_counts(project_a, quarter)
    # The tenant's warning and departure are among the counts.
    assert counts_before["warnings"][project_a.pk].n == 1
    assert counts_before["outflow"][project_a.pk]["unknown"].n == 1
    dry = retention.run(today=TODAY, dry_run=True, trigger=RetentionTrigger.COMMAND)
    with django_capture_on_commit_callbacks(execute=True):
        real = retention.run(today=TODAY, dry_run=False, trigger=RetentionTrigger.SCHEDULE)

    listed = {row["id"] for row in dry.planned}
    assert set(Person.objects.filter(anonymised_on=TODAY).values_list("pk", flat=True)) == listed
    assert not real.dry_run
    assert real.planned == []
    assert real.counts[str(project_a.corporation_id)] == {
        "name": project_a.corporation.name,
        "tenants": 1,
        "candidates": 1,
    }

    tenant = Person.objects.get(pk=world["tenant"].pk)
    assert (tenant.first_name, tenant.last_name, tenant.email, tenant.phone) == ("", "", "", "")
    assert tenant.date_of_birth is None
    assert tenant.reference == ""
    assert tenant.notes == ""
    assert tenant.user_id is None
    assert tenant.target_group.code == "student"
    assert tenant.role == "dragend"
    assert str(tenant.pk) in str(tenant)
    assert "Geheim" not in tenant.list_label
    # the resident's login (name, e-mail) is deleted with the rest
    assert not type(world["login"]).objects.filter(pk=world["login"].pk).exists()

    # No history row holds the names any more; no copy of the contract's note either.
    assert not Person.history.filter(first_name__startswith="Geheim").exists()
    assert not Person.history.filter(id=tenant.pk).exists()
    assert not Contract.history.filter(start_note__contains="Geheime").exists()
    assert Contract.history.filter(id=tenant.contracts.get().pk).exists()

    # Free text blanked; the rows the dashboard counts are kept.
    contract = tenant.contracts.get()
    assert contract.start_note == ""
    assert contract.end_date == dt.date(2024, 10, 31)
    assert ResidentWarning.objects.get(person=tenant).reason == ""
    assert CheckIn.objects.get(contract=contract).note == ""
    notice = Notice.objects.get(pk=world["notice"].pk)
    assert not notice.document
    assert not world["path"].exists()
    application = Application.objects.get(person=world["candidate"])
    assert (application.motivation, application.contribution, application.availability) == (
        "",
        "",
        "",
    )
    offer = Offer.objects.get(application=application)
    assert (offer.reason, offer.response_note) == ("", "")
    assert offer.status == OfferStatus.DECLINED
    assert list(
        AllocationEvent.objects.filter(application=application).values_list("reason", flat=True)
    ) == [""]
    on_ballot = RoundCandidate.objects.get(application=application)
    assert (on_ballot.first_name, on_ballot.motivation, on_ballot.contribution) == ("", "", "")
    assert on_ballot.position == 1  # the ballot keeps its places

    # The resident who stays is untouched; the closed quarter counts the same.
    assert Person.objects.get(pk=world["stays"].pk).first_name == "Blijft"
    figures_after = compute(scoped, quarter)
    assert figures_after.values == figures_before.values
    assert figures_after.projects == figures_before.projects
    assert quarter_counts(project_a, quarter) == counts_before
    assert real.finished_at is not None


def test_a_notice_document_is_removed_only_once_the_run_commits(world):
    """A corporation's run that rolls back must not have removed files already."""
    retention.run(today=TODAY, dry_run=False, trigger=RetentionTrigger.COMMAND)
    # The test's own transaction never commits, so on_commit has not run: the file is there.
    assert world["path"].exists()


def test_the_letters_made_for_a_due_person_go_with_their_data(
    world, django_capture_on_commit_callbacks
):
    """Their contract's documents (row and file), the offer letter and the address it went
    to, and the one PDF of a batch of notice letters that holds theirs."""
    contract = world["tenant"].contracts.get()
    staff = UserFactory()
    document = ContractDocument(
        contract=contract, kind="contract", language="nl", title="Samenvatting Geheime Naam"
    )
    document.file.save("samenvatting.pdf", ContentFile(b"%PDF-1.4 Geheime Naam"), save=False)
    document.save()
    offer = Offer.objects.get(application__person=world["candidate"])
    offer.letter.save("aanbieding.pdf", ContentFile(b"%PDF-1.4 Kandidaat"), save=False)
    offer.letter_mailed_to = "kandidaat@example.org"
    offer.save()
    AllocationEvent.objects.create(
        vacancy=offer.vacancy,
        kind=EventKind.LETTER_SENT,
        application=offer.application,
        offer=offer,
        facts={"to": "kandidaat@example.org"},
    )
    other = ContractFactory(unit=UnitFactory(project=contract.unit.project))
    batch = NoticeBatch(
        created_by=staff, given_on=TODAY, means="letter", contract_ids=[other.pk, contract.pk]
    )
    batch.save()
    batch.file.save("batch.pdf", ContentFile(b"%PDF-1.4 Geheime Naam en anderen"))
    paths = [Path(document.file.path), Path(offer.letter.path), Path(batch.file.path)]
    with django_capture_on_commit_callbacks(execute=True):
        retention.run(today=TODAY, dry_run=False, trigger=RetentionTrigger.COMMAND)
    assert not ContractDocument.objects.exists()
    offer.refresh_from_db()
    assert (offer.letter.name, offer.letter_mailed_to) == ("", "")
    assert "kandidaat@example.org" not in str(
        list(AllocationEvent.objects.values_list("facts", flat=True))
    )
    batch.refresh_from_db()
    assert not batch.file
    assert not any(path.exists() for path in paths)


def test_the_run_purges_expired_audit_entries(db):
    moment = timezone.make_aware(dt.datetime.combine(dt.date(2026, 12, 1), dt.time(12)))
    for keep_until in (moment, moment + dt.timedelta(days=30)):
        AuditEntry.objects.create(
            at=moment - dt.timedelta(days=730),
            keep_until=keep_until,
            actor="staff@a.example",
            action=AuditAction.VIEW,
            object_type="residents.person",
            object_id=1,
            path="/people/1/",
        )
    dry = retention.run(today=TODAY, dry_run=True, trigger=RetentionTrigger.COMMAND)
    assert dry.audit_count == 1
    assert AuditEntry.objects.count() == 2
    real = retention.run(today=TODAY, dry_run=False, trigger=RetentionTrigger.COMMAND)
    assert real.audit_count == 1
    assert AuditEntry.objects.count() == 1


def test_the_celery_task_runs_for_real_and_records_it(world):
    result = run_retention()
    record = RetentionRun.objects.get(pk=result["run"])
    assert record.trigger == RetentionTrigger.SCHEDULE
    assert not record.dry_run
    assert result["persons"] == 2
    assert Person.objects.filter(anonymised_on__isnull=False).count() == 2


# The page for site administrators

PAGES = [
    ("get", "residents:retention"),
    ("post", "residents:retention_dry_run"),
    ("post", "residents:retention_run_real"),
]


@pytest.mark.parametrize("persona", ["staff_a", "readonly_a", "policy_a", "outsider"])
@pytest.mark.parametrize(("method", "name"), PAGES)
def test_the_retention_pages_are_404_for_anyone_but_a_site_administrator(
    request, client_for, persona, method, name, world
):
    client = client_for(request.getfixturevalue(persona))
    response = getattr(client, method)(reverse(name), {"confirmed": "1"})
    assert response.status_code == 404
    assert RetentionRun.objects.count() == 0
    assert not Person.objects.filter(anonymised_on__isnull=False).exists()


@pytest.mark.parametrize(("method", "name"), PAGES)
def test_anonymous_users_are_sent_to_login(client, method, name):
    response = getattr(client, method)(reverse(name))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("account_login"))


def test_the_administrator_sees_runs_and_policies(admin_user, client_for, corp_a, corp_b):
    RetentionPolicy.objects.create(corporation=corp_b, tenant_months=36)
    retention.run(today=TODAY, dry_run=True, trigger=RetentionTrigger.COMMAND)
    page = client_for(admin_user).get(reverse("residents:retention"))
    assert page.status_code == 200
    html = page.content.decode()
    assert corp_a.name in html
    assert corp_b.name in html
    assert "36" in html
    assert list(page.context["page_obj"]) == list(RetentionRun.objects.all())
    assert reverse("residents:retention_dry_run") in html
    assert reverse("residents:retention_run_real") in html


def test_the_administrators_dry_run_lists_persons_with_links(admin_user, client_for, world):
    client = client_for(admin_user)
    response = client.post(reverse("residents:retention_dry_run"))
    record = RetentionRun.objects.get()
    assert record.dry_run
    assert record.trigger == RetentionTrigger.PAGE
    assert record.started_by == admin_user.email
    assert response["Location"] == reverse("residents:retention_run", args=[record.pk])
    html = client.get(response["Location"]).content.decode()
    for person in (world["tenant"], world["candidate"]):
        assert reverse("residents:person_detail", args=[person.pk]) in html
    assert "Geheim" not in html
    assert not Person.objects.filter(anonymised_on__isnull=False).exists()


def test_a_real_run_from_the_page_asks_for_confirmation_first(admin_user, client_for, world):
    client = client_for(admin_user)
    asked = client.post(reverse("residents:retention_run_real"))
    assert asked.status_code == 200
    assert 'name="confirmed" value="1"' in asked.content.decode()
    assert RetentionRun.objects.count() == 0
    assert not Person.objects.filter(anonymised_on__isnull=False).exists()

    done = client.post(reverse("residents:retention_run_real"), {"confirmed": "1"})
    record = RetentionRun.objects.get()
    assert done["Location"] == reverse("residents:retention_run", args=[record.pk])
    assert not record.dry_run
    assert record.persons_count == 2
    assert set(Person.objects.filter(anonymised_on__isnull=False)) == {
        world["tenant"],
        world["candidate"],
    }
    person_page = client.get(reverse("residents:person_detail", args=[world["tenant"].pk]))
    assert person_page.status_code == 200
    assert "Geheim" not in person_page.content.decode()


def test_the_admin_shows_runs_read_only(admin_user, client_for):
    record = retention.run(today=TODAY, dry_run=True, trigger=RetentionTrigger.COMMAND)
    client = client_for(admin_user)
    assert client.get(reverse("admin:residents_retentionrun_changelist")).status_code == 200
    change = client.get(reverse("admin:residents_retentionrun_change", args=[record.pk]))
    assert change.status_code == 200
    assert client.get(reverse("admin:residents_retentionrun_add")).status_code == 403
    assert client.get(reverse("admin:residents_retentionpolicy_add")).status_code == 200


# The command on the demo data


def test_the_commands_dry_run_on_the_demo_lists_tenants_and_candidates(db):
    call_command("load_demo", stdout=StringIO())
    before = Person.objects.filter(anonymised_on__isnull=False).count()
    out = StringIO()
    call_command("retention", "--dry-run", stdout=out)
    text = out.getvalue()
    assert "Dry run" in text
    record = RetentionRun.objects.get()
    kinds = {row["kind"] for row in record.planned}
    assert kinds == {"tenant", "candidate"}
    for row in record.planned:
        assert f"{row['kind']:<10} {row['id']:>7}  {row['due']}" in text
    assert Person.objects.filter(anonymised_on__isnull=False).count() == before == 0


def test_the_command_takes_a_day_and_runs_for_real(project_a):
    tenant = former_tenant(project_a, dt.date(2024, 12, 3))
    out = StringIO()
    call_command("retention", "--today", "2026-12-02", stdout=out)
    assert Person.objects.get(pk=tenant.pk).anonymised_on is None
    call_command("retention", "--today", "2026-12-03", stdout=out)
    assert Person.objects.get(pk=tenant.pk).anonymised_on == dt.date(2026, 12, 3)
    assert "1 former tenant(s)" in out.getvalue()
    assert RetentionRun.objects.filter(dry_run=False).count() == 2


def test_a_corporation_that_fails_changes_nothing_and_the_others_go_on(
    project_a, project_b, monkeypatch
):
    in_a = former_tenant(project_a, dt.date(2020, 1, 1))
    in_b = former_tenant(project_b, dt.date(2020, 1, 1))
    anonymise = retention.anonymise

    def failing(person_ids, today):
        anonymise(person_ids, today)  # changes made, then the corporation fails
        if in_a.pk in person_ids:
            raise RuntimeError("disk full")

    monkeypatch.setattr(retention, "anonymise", failing)
    with pytest.raises(RuntimeError):
        retention.run(today=TODAY, dry_run=False, trigger=RetentionTrigger.COMMAND)
    assert Person.objects.get(pk=in_a.pk).anonymised_on is None
    assert Person.objects.get(pk=in_a.pk).first_name
    assert Person.objects.get(pk=in_b.pk).anonymised_on == TODAY
    record = RetentionRun.objects.get()
    assert record.finished_at is not None
    assert record.counts[str(project_a.corporation_id)]["failed"] == "RuntimeError"
    assert record.counts[str(project_b.corporation_id)]["tenants"] == 1


def test_the_command_refuses_a_real_run_for_a_day_to_come(project_a):
    tenant = former_tenant(project_a, dt.date(2024, 12, 3))
    later = (timezone.localdate() + dt.timedelta(days=3650)).isoformat()
    with pytest.raises(CommandError):
        call_command("retention", "--today", later, stdout=StringIO())
    out = StringIO()
    call_command("retention", "--dry-run", "--today", later, stdout=out)
    assert Person.objects.get(pk=tenant.pk).anonymised_on is None
    assert f"tenant     {tenant.pk:>7}" in out.getvalue()


def test_a_login_that_also_works_for_an_organisation_is_only_detached(world, corp_a):
    from projects.models import Membership, Role

    Membership.objects.create(user=world["login"], organisation=corp_a, role=Role.STAFF)
    retention.run(today=TODAY, dry_run=False, trigger=RetentionTrigger.COMMAND)
    assert type(world["login"]).objects.filter(pk=world["login"].pk).exists()
