"""A vacancy from open to accepted offer: who may be offered it, what is kept, what each step
changes, and what a refused step leaves unchanged. Through the services and through the pages."""

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.formats import date_format

from allocation import planning, services
from allocation.models import (
    AllocationEvent,
    Application,
    ApplicationStatus,
    EventKind,
    IntakeOutcome,
    Offer,
    OfferStatus,
    Vacancy,
    VacancyStatus,
)
from allocation.models.core import OfferReason
from allocation.ranking import vacancy_ranking
from allocation.tasks import allocation_daily
from residents.dates import add_months, term_last_day
from residents.models import (
    ContractStatus,
    ContractType,
    EndReason,
    Notice,
    NoticeMeans,
    Outflow,
    ResidentRole,
)

from .factories import ClusterFactory, ContractFactory, PersonFactory, UnitFactory

TODAY = timezone.localdate()


@pytest.fixture(autouse=True)
def _english():
    """Services speak the active language; these tests read their messages in English (the
    pages, through the middleware, speak Dutch)."""
    with translation.override("en"):
        yield


def apply(project, *, role=ResidentRole.DRAGEND, group="student", registered=None, **fields):
    person = PersonFactory(
        corporation=project.corporation, role=role, target_group_code=group, first_name="Kand"
    )
    application = Application(
        project=project,
        person=person,
        registered_on=registered or dt.date(2024, 1, 1),
        intake_outcome=fields.pop("intake_outcome", IntakeOutcome.POSITIVE),
        intake_on=dt.date(2026, 1, 1),
        **fields,
    )
    application.full_clean()
    application.save()
    return application


@pytest.fixture
def scene(project_a, staff_a, care_org):
    """Project A (band 50-80) with cluster "Gang B" (40-60): 2 dragend and 2 vragend residents,
    and one vacant room on the cluster on a regular contract, open from today. One more dragend
    makes 60% (inside both bands); one more vragend makes 40%, below the project's band."""
    project_a.care_partners.add(care_org)
    cluster = ClusterFactory(project=project_a, name="Gang B", dragend_min=40, dragend_max=60)
    for index in range(4):
        role = ResidentRole.DRAGEND if index < 2 else ResidentRole.VRAGEND
        ContractFactory(
            unit=UnitFactory(project=project_a, cluster=cluster),
            person=PersonFactory(corporation=project_a.corporation, role=role),
            start_date=dt.date(2024, 1, 1),
        )
    unit = UnitFactory(project=project_a, cluster=cluster, number="B9")
    vacancy = services.vacancy_open(
        unit=unit,
        available_from=TODAY,
        contract_type=ContractType.objects.get(code="regulier"),
        user=staff_a,
    )
    return {"project": project_a, "cluster": cluster, "unit": unit, "vacancy": vacancy}


def offer(scene, application, *, reason="", user, reply_by=None):
    return services.offer_make(
        vacancy=scene["vacancy"],
        application=application,
        reason=reason,
        reply_by=reply_by or TODAY + dt.timedelta(days=14),
        user=user,
        today=TODAY,
    )


# Opening vacancies


def test_a_contract_that_ended_opens_a_vacancy_once(project_a):
    unit = UnitFactory(project=project_a)
    contract = ContractFactory(unit=unit, start_date=dt.date(2024, 1, 1))
    contract.status = ContractStatus.ENDED
    contract.end_date = TODAY - dt.timedelta(days=3)
    contract.end_reason = EndReason.TENANT_NOTICE
    contract.outflow = Outflow.SOCIAL_RENT
    contract.save()

    opened = services.vacancies_open_from_contracts(today=TODAY)
    assert [(v.unit, v.available_from, v.source_contract) for v in opened] == [
        (unit, TODAY - dt.timedelta(days=2), contract)
    ]
    assert services.vacancies_open_from_contracts(today=TODAY) == []
    assert AllocationEvent.objects.filter(kind=EventKind.OPENED).count() == 1


def test_a_notice_opens_a_vacancy_but_a_fixed_term_without_one_does_not(project_a, staff_a):
    noticed, silent = (
        ContractFactory(
            unit=UnitFactory(project=project_a),
            contract_type_code="tijdelijk",
            start_date=add_months(TODAY, -12),
            end_date=add_months(TODAY, 2),
        )
        for _ in range(2)
    )
    Notice.objects.create(
        contract=noticed, given_on=TODAY, means=NoticeMeans.LETTER, given_by=staff_a
    )
    opened = services.vacancies_open_from_contracts(today=TODAY)
    assert [v.source_contract for v in opened] == [noticed]
    assert opened[0].available_from == noticed.end_date + dt.timedelta(days=1)
    assert opened[0].contract_type.code == "tijdelijk"
    assert not Vacancy.objects.filter(unit=silent.unit).exists()


def test_no_vacancy_when_someone_else_moves_in_after_the_end(project_a):
    unit = UnitFactory(project=project_a)
    ending = ContractFactory(
        unit=unit,
        contract_type_code="tijdelijk",
        start_date=add_months(TODAY, -20),
        end_date=TODAY - dt.timedelta(days=1),
        status=ContractStatus.ENDED,
        end_reason=EndReason.TERM_ENDED,
        outflow=Outflow.SOCIAL_RENT,
    )
    ContractFactory(unit=unit, start_date=TODAY, status=ContractStatus.DRAFT)
    assert services.vacancies_open_from_contracts(today=TODAY) == []
    assert ending.pk  # the ended contract is there, and still opened nothing


def test_a_unit_has_at_most_one_open_vacancy(scene, staff_a):
    with pytest.raises(ValidationError, match="open vacancy already"):
        services.vacancy_open(
            unit=scene["unit"],
            available_from=TODAY,
            contract_type=ContractType.objects.get(code="regulier"),
            user=staff_a,
        )
    assert Vacancy.objects.filter(unit=scene["unit"]).count() == 1


def test_a_vacancy_cannot_open_while_a_contract_runs_on(project_a, staff_a):
    contract = ContractFactory(unit=UnitFactory(project=project_a), start_date=dt.date(2024, 1, 1))
    with pytest.raises(ValidationError) as error:
        services.vacancy_open(
            unit=contract.unit,
            available_from=TODAY,
            contract_type=contract.contract_type,
            user=staff_a,
        )
    assert "available_from" in error.value.message_dict
    assert not Vacancy.objects.exists()


# Offers


def test_number_one_is_offered_without_a_reason_and_the_moment_is_kept(scene, staff_a):
    first = apply(scene["project"], urgent=True, registered=dt.date(2020, 1, 1))
    apply(scene["project"])
    expected = vacancy_ranking(scene["vacancy"], today=TODAY).find(first.pk)
    made = offer(scene, first, user=staff_a)
    assert (made.rank, made.status, made.reason) == (1, OfferStatus.OPEN, "")
    assert float(made.score) == expected.score
    assert all(set(item) == {"key", "params", "warn"} for item in made.explanation)
    assert any("Gang B" in line.text for line in made.explanation_lines)
    scene["vacancy"].refresh_from_db()
    assert scene["vacancy"].status == VacancyStatus.OFFERED
    event = AllocationEvent.objects.get(kind=EventKind.OFFERED)
    assert (event.actor, event.application, event.rank, event.score) == (
        staff_a,
        first,
        1,
        made.score,
    )


def test_passing_over_number_one_needs_a_reason_and_nothing_is_saved_without(scene, staff_a):
    apply(scene["project"], urgent=True, registered=dt.date(2020, 1, 1))
    second = apply(scene["project"])
    with pytest.raises(ValidationError) as error:
        offer(scene, second, user=staff_a)
    assert "reason" in error.value.message_dict
    assert not Offer.objects.exists()
    assert Vacancy.objects.get().status == VacancyStatus.OPEN
    made = offer(scene, second, reason="Past beter bij de gang.", user=staff_a)
    assert (made.rank, made.reason) == (2, "Past beter bij de gang.")
    assert AllocationEvent.objects.get(kind=EventKind.OFFERED).reason == "Past beter bij de gang."


def test_a_placement_that_breaks_a_band_needs_a_reason_even_for_number_one(scene, staff_a):
    # With Gang B's band at 40-55, the one candidate (dragend) takes it to 3 of 5 = 60%.
    scene["cluster"].dragend_max = 55
    scene["cluster"].save()
    only = apply(scene["project"])
    ranking = vacancy_ranking(scene["vacancy"], today=TODAY)
    assert ranking.find(only.pk).breaks_band
    with pytest.raises(ValidationError, match="breaks a band"):
        offer(scene, only, user=staff_a)
    made = offer(scene, only, reason="Geen vragende kandidaat beschikbaar.", user=staff_a)
    assert made.breaks_band


def test_one_open_offer_per_vacancy_and_per_candidate(scene, staff_a):
    first = apply(scene["project"])
    second = apply(scene["project"])
    offer(scene, first, user=staff_a)
    with pytest.raises(ValidationError, match="offer out already"):
        offer(scene, second, reason="x", user=staff_a)
    # The database holds the same line, whatever code path writes.
    with pytest.raises(IntegrityError), transaction.atomic():
        Offer.objects.create(
            vacancy=scene["vacancy"],
            application=second,
            rank=2,
            score=1,
            reply_by=TODAY,
            created_by=staff_a,
        )


def test_an_ineligible_candidate_cannot_be_offered(scene, staff_a):
    too_big = apply(scene["project"])
    too_big.person.household_size = 3
    too_big.person.save()
    with pytest.raises(ValidationError, match="not eligible"):
        offer(scene, too_big, reason="toch", user=staff_a)
    assert not Offer.objects.exists()


def test_a_reply_date_in_the_past_is_refused(scene, staff_a):
    with pytest.raises(ValidationError) as error:
        offer(scene, apply(scene["project"]), user=staff_a, reply_by=TODAY - dt.timedelta(days=1))
    assert "reply_by" in error.value.message_dict


def test_accepting_makes_a_draft_contract_and_fills_the_vacancy(scene, staff_a):
    scene["vacancy"].contract_type = ContractType.objects.get(code="tijdelijk")
    scene["vacancy"].save()
    candidate = apply(scene["project"], group="student")
    made = offer(scene, candidate, user=staff_a)
    accepted = services.offer_accept(offer=made, note="Ja!", user=staff_a)
    contract = accepted.contract
    assert contract.status == ContractStatus.DRAFT
    assert (contract.person, contract.unit, contract.start_date) == (
        candidate.person,
        scene["unit"],
        TODAY,
    )
    assert contract.end_date == term_last_day(TODAY, 24)
    assert Vacancy.objects.get().status == VacancyStatus.FILLED
    assert Application.objects.get(pk=candidate.pk).status == ApplicationStatus.PLACED
    kinds = list(AllocationEvent.objects.order_by("pk").values_list("kind", flat=True))
    assert kinds == [EventKind.OPENED, EventKind.OFFERED, EventKind.ACCEPTED]
    with pytest.raises(ValidationError, match="answered or closed"):
        services.offer_decline(offer=made, user=staff_a)


def test_declining_opens_the_vacancy_for_the_next_one_who_is_then_number_one(scene, staff_a):
    first = apply(scene["project"], urgent=True)
    second = apply(scene["project"])
    services.offer_decline(offer=offer(scene, first, user=staff_a), note="Nee", user=staff_a)
    assert Vacancy.objects.get().status == VacancyStatus.OPEN
    ranking = vacancy_ranking(scene["vacancy"], today=TODAY)
    assert ranking.find(first.pk) is None
    assert ranking.first.candidate.application_id == second.pk
    assert offer(scene, second, user=staff_a).rank == 1


def test_an_offer_expires_the_day_after_its_reply_date_once(scene, staff_a):
    made = offer(scene, apply(scene["project"]), user=staff_a, reply_by=TODAY)
    assert services.offers_expire(today=TODAY) == 0
    assert services.offers_expire(today=TODAY + dt.timedelta(days=1)) == 1
    assert services.offers_expire(today=TODAY + dt.timedelta(days=1)) == 0
    made.refresh_from_db()
    assert made.status == OfferStatus.EXPIRED
    assert Vacancy.objects.get().status == VacancyStatus.OPEN
    event = AllocationEvent.objects.get(kind=EventKind.EXPIRED)
    assert event.actor is None


def test_withdrawing_needs_a_reason(scene, staff_a):
    made = offer(scene, apply(scene["project"]), user=staff_a)
    with pytest.raises(ValidationError):
        services.offer_withdraw(offer=made, note=" ", user=staff_a)
    services.offer_withdraw(offer=made, note="Unit blijkt schade te hebben.", user=staff_a)
    with pytest.raises(ValidationError):
        services.vacancy_withdraw(vacancy=scene["vacancy"], reason="", user=staff_a)
    services.vacancy_withdraw(vacancy=scene["vacancy"], reason="Renovatie.", user=staff_a)
    assert Vacancy.objects.get().status == VacancyStatus.WITHDRAWN


# Through the pages


def test_staff_take_a_vacancy_from_open_to_accepted_offer_on_the_pages(scene, staff_a, client_for):
    client = client_for(staff_a)
    vacancy = scene["vacancy"]
    first = apply(scene["project"], urgent=True)
    second = apply(scene["project"])
    page = client.get(reverse("allocation:vacancy_detail", args=[vacancy.pk])).content.decode()
    assert page.index(f"/candidates/{first.pk}/") < page.index(f"/candidates/{second.pk}/")
    assert "Gang B" in page

    choose = reverse("allocation:candidate_choose", args=[vacancy.pk, second.pk])
    refused = client.post(choose, {"reason": "", "reply_by": TODAY.isoformat()})
    assert refused.status_code == 200
    assert "reden" in refused.content.decode()
    assert not Offer.objects.exists()

    made = client.post(choose, {"reason": "Kent de buren al.", "reply_by": TODAY.isoformat()})
    offer = Offer.objects.get()
    assert made["Location"] == reverse("allocation:offer_detail", args=[offer.pk])
    answered = client.post(
        reverse("allocation:offer_answer", args=[offer.pk]),
        {"answer": "accept", "start_date": TODAY.isoformat(), "note": ""},
    )
    offer.refresh_from_db()
    assert answered["Location"] == reverse("residents:contract_detail", args=[offer.contract.pk])
    history = client.get(reverse("allocation:vacancy_detail", args=[vacancy.pk])).content.decode()
    assert "Kent de buren al." in history


def test_a_read_only_user_sees_the_ranking_but_cannot_offer(scene, readonly_a, client_for):
    candidate = apply(scene["project"])
    client = client_for(readonly_a)
    choose = reverse("allocation:candidate_choose", args=[scene["vacancy"].pk, candidate.pk])
    page = client.get(choose)
    assert page.status_code == 200
    assert 'name="reply_by"' not in page.content.decode()
    assert client.post(choose, {"reason": "x", "reply_by": TODAY.isoformat()}).status_code == 403
    assert not Offer.objects.exists()


# Fill plans


def test_a_fill_plan_keeps_the_rules_and_becomes_offers(scene, staff_a):
    project = scene["project"]
    second_unit = UnitFactory(project=project, cluster=scene["cluster"], number="B10")
    services.vacancy_open(
        unit=second_unit,
        available_from=TODAY,
        contract_type=ContractType.objects.get(code="regulier"),
        user=staff_a,
    )
    # Gang B: 2 dragend, 2 vragend; two places. Two dragend make 4 of 6 (67% > 60), two vragend
    # 2 of 6 (33% < 40): only one of each keeps the bands, and fills both units.
    dragend = [apply(project, registered=dt.date(2019, 1, 1)) for _ in range(3)]
    vragend = apply(
        project,
        role=ResidentRole.VRAGEND,
        group="ex-dakloos",
        nominated_by=project.care_partners.first(),
    )
    plan = planning.plan_make(project=project, user=staff_a, today=TODAY)
    assert plan.status == "optimal"
    assert plan.filled == 2
    placed = {a["application"] for a in plan.assignments}
    assert vragend.pk in placed
    assert len(placed & {a.pk for a in dragend}) == 1

    offers = planning.plan_offers(plan=plan, user=staff_a, today=TODAY, reply_by=TODAY)
    assert len(offers) == 2
    assert all(o.plan == plan and o.reason_code == OfferReason.PLAN for o in offers)
    # The reason names the plan's moment in Amsterdam, not in UTC.
    moment = date_format(timezone.localtime(plan.created_at), "j F Y H:i")
    assert all(o.reason_text.startswith(f"Batch plan of {moment}:") for o in offers)
    with pytest.raises(ValidationError, match="made already"):
        planning.plan_offers(plan=plan, user=staff_a, today=TODAY, reply_by=TODAY)


def test_a_stale_plan_makes_no_offer_at_all(scene, staff_a):
    project = scene["project"]
    candidate = apply(project)
    plan = planning.plan_make(project=project, user=staff_a, today=TODAY)
    assert plan.assignments == [
        {
            "vacancy": scene["vacancy"].pk,
            "application": candidate.pk,
            "priority": plan.total_priority,
        }
    ]
    candidate.status = ApplicationStatus.WITHDRAWN
    candidate.save()
    with pytest.raises(ValidationError, match="out of date"):
        planning.plan_offers(plan=plan, user=staff_a, today=TODAY, reply_by=TODAY)
    assert not Offer.objects.exists()
    plan.refresh_from_db()
    assert plan.offers_made_at is None


def test_outsiders_cannot_reach_another_corporations_plan(scene, staff_a, staff_b, client_for):
    plan = planning.plan_make(project=scene["project"], user=staff_a, today=TODAY)
    url = reverse("allocation:plan_detail", args=[plan.pk])
    assert client_for(staff_b).get(url).status_code == 404
    assert client_for(staff_a).get(url).status_code == 200


def test_the_daily_task_expires_offers_and_opens_vacancies(scene, staff_a, time_machine):
    made = offer(scene, apply(scene["project"]), user=staff_a, reply_by=TODAY)
    ending = ContractFactory(
        unit=UnitFactory(project=scene["project"]),
        start_date=dt.date(2024, 1, 1),
        status=ContractStatus.ENDED,
        end_date=TODAY,
        end_reason=EndReason.TENANT_NOTICE,
        outflow=Outflow.SOCIAL_RENT,
    )
    amsterdam = ZoneInfo("Europe/Amsterdam")
    time_machine.move_to(
        dt.datetime.combine(TODAY + dt.timedelta(days=1), dt.time(7, tzinfo=amsterdam))
    )
    assert allocation_daily() == {"expired": 1, "opened": 1}
    assert allocation_daily() == {"expired": 0, "opened": 0}
    made.refresh_from_db()
    assert made.status == OfferStatus.EXPIRED
    assert Vacancy.objects.get(source_contract=ending).available_from == TODAY + dt.timedelta(1)


def test_registering_a_candidate_on_the_page(project_a, staff_a, care_org, client_for):
    person = PersonFactory(
        corporation=project_a.corporation, role=ResidentRole.VRAGEND, target_group_code="ex-dakloos"
    )
    client = client_for(staff_a)
    data = {
        "project": project_a.pk,
        "person": person.pk,
        "registered_on": "2025-03-01",
        "motivation": "Een eigen plek.",
        "intake_outcome": IntakeOutcome.POSITIVE,
        "intake_on": "",
    }
    refused = client.post(reverse("allocation:application_create"), data)
    page = refused.content.decode()
    assert refused.status_code == 200
    assert "voorgedragen" in page  # a vragend candidate needs a nominating organisation
    assert "intakegesprek" in page  # a held intake needs its date
    assert not Application.objects.exists()
    data |= {"nominated_by": care_org.pk, "intake_on": "2025-04-01"}
    created = client.post(reverse("allocation:application_create"), data)
    application = Application.objects.get()
    assert created["Location"] == reverse("allocation:application_detail", args=[application.pk])


def test_another_corporations_person_cannot_be_registered(project_a, staff_a, client_for):
    foreign = PersonFactory()  # of another corporation
    response = client_for(staff_a).post(
        reverse("allocation:application_create"),
        {
            "project": project_a.pk,
            "person": foreign.pk,
            "registered_on": "2025-03-01",
            "intake_outcome": IntakeOutcome.PENDING,
        },
    )
    assert response.status_code == 200
    assert not Application.objects.exists()


def test_opening_a_vacancy_on_the_page(project_a, staff_a, client_for):
    unit = UnitFactory(project=project_a)
    regular = ContractType.objects.get(code="regulier")
    client = client_for(staff_a)
    form = client.get(reverse("allocation:vacancy_create") + f"?unit={unit.pk}")
    assert form.status_code == 200
    response = client.post(
        reverse("allocation:vacancy_create"),
        {
            "unit": unit.pk,
            "available_from": TODAY.isoformat(),
            "contract_type": regular.pk,
            "route": "staff",
        },
    )
    vacancy = Vacancy.objects.get()
    assert response["Location"] == reverse("allocation:vacancy_detail", args=[vacancy.pk])
    again = client.post(
        reverse("allocation:vacancy_create"),
        {
            "unit": unit.pk,
            "available_from": TODAY.isoformat(),
            "contract_type": regular.pk,
            "route": "staff",
        },
    )
    assert again.status_code == 200
    assert Vacancy.objects.count() == 1


def test_a_fill_plan_does_not_offer_a_unit_again_to_who_declined_it(scene, staff_a):
    project = scene["project"]
    decliner = apply(project, urgent=True, registered=dt.date(2019, 1, 1))
    other = apply(project)
    services.offer_decline(offer=offer(scene, decliner, user=staff_a), note="Nee", user=staff_a)
    plan = planning.plan_make(project=project, user=staff_a, today=TODAY)
    assert [a["application"] for a in plan.assignments] == [other.pk]
