"""Records that tell the truth: a contract's state follows its facts and the date
(residents/models/state.py), on its edge days; signing; the start date of an accepted offer; a
known last day opens the vacancy at once; the pages, lists, filters and the CSV agree."""

import datetime as dt

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone, translation

from allocation import services as allocation
from allocation.models import Application, IntakeOutcome, Offer, Vacancy, VacancyStatus
from residents import lifecycle, services
from residents.dates import add_months, term_last_day
from residents.models import (
    IN_FORCE_STATES,
    Contract,
    ContractState,
    ContractStatus,
    ContractType,
    EndReason,
    LapseDecision,
    LapseOutcome,
    Notice,
    NoticeMeans,
    Outflow,
)

from .factories import ContractFactory, PersonFactory, UnitFactory, UserFactory
from .test_lifecycle_views import day_en, english

D = dt.date
TODAY = timezone.localdate()
DAY = dt.timedelta(days=1)


@pytest.fixture(autouse=True)
def _english():
    with translation.override("en"):
        yield


def state_on(contract: Contract, day: dt.date) -> str:
    return Contract.objects.with_state(day).values_list("state_code", flat=True).get(pk=contract.pk)


FIXED_START, FIXED_END = D(2025, 3, 1), D(2027, 2, 28)


def fixed_term(project, *, start=FIXED_START, end=FIXED_END, **fields):
    return ContractFactory(
        unit=UnitFactory(project=project),
        person=PersonFactory(corporation=project.corporation, target_group_code="student"),
        contract_type_code="tijdelijk",
        start_date=start,
        end_date=end,
        **fields,
    )


# 1. The state on each edge day


def test_a_signed_contract_starts_on_its_start_date(project_a):
    start = D(2027, 1, 1)
    contract = ContractFactory(unit=UnitFactory(project=project_a), start_date=start)
    assert state_on(contract, start - DAY) == ContractState.UPCOMING
    assert state_on(contract, start) == ContractState.ACTIVE
    assert state_on(contract, start + DAY) == ContractState.ACTIVE


def test_a_draft_is_a_draft_whatever_the_day(project_a):
    contract = ContractFactory(
        unit=UnitFactory(project=project_a), start_date=D(2026, 1, 1), status=ContractStatus.DRAFT
    )
    for day in (D(2025, 12, 31), D(2026, 1, 1), D(2030, 1, 1)):
        assert state_on(contract, day) == ContractState.DRAFT


def test_a_termination_ends_on_its_last_day_not_before(project_a):
    last = D(2027, 1, 31)
    contract = ContractFactory(unit=UnitFactory(project=project_a), start_date=D(2024, 1, 1))
    services.contract_end(
        contract=contract, ended_on=last, reason=EndReason.TENANT_NOTICE, outflow=Outflow.UNKNOWN
    )
    assert state_on(contract, last - DAY) == ContractState.ENDING
    assert state_on(contract, last) == ContractState.ENDING
    assert state_on(contract, last + DAY) == ContractState.ENDED
    # In force up to and including the last day: the tenant still lives there.
    assert Contract.objects.in_force(last).filter(pk=contract.pk).exists()
    assert not Contract.objects.in_force(last + DAY).filter(pk=contract.pk).exists()


def test_a_fixed_term_with_its_notice_ends_on_its_end_date(project_a, staff_a):
    contract = fixed_term(project_a)
    assert state_on(contract, D(2026, 12, 1)) == ContractState.ACTIVE  # no notice yet
    Notice.objects.create(
        contract=contract, given_on=D(2026, 12, 1), means=NoticeMeans.LETTER, given_by=staff_a
    )
    assert state_on(contract, D(2027, 2, 27)) == ContractState.ENDING
    assert state_on(contract, D(2027, 2, 28)) == ContractState.ENDING
    assert state_on(contract, D(2027, 3, 1)) == ContractState.ENDED


def test_a_missed_window_continues_open_ended_from_the_day_after_it_closed(project_a):
    contract = fixed_term(project_a)  # ends 28 February 2027: window 28 Nov - 28 Jan
    closes = contract.notice_window.closes
    assert closes == D(2027, 1, 28)
    assert state_on(contract, closes) == ContractState.ACTIVE
    assert state_on(contract, closes + DAY) == ContractState.OPEN_ENDED
    assert state_on(contract, contract.end_date + DAY) == ContractState.OPEN_ENDED
    assert state_on(contract, D(2030, 1, 1)) == ContractState.OPEN_ENDED


def test_an_exception_on_a_missed_window_makes_the_end_date_hold(project_a, staff_a):
    contract = fixed_term(project_a)
    LapseDecision.objects.create(
        contract=contract,
        outcome=LapseOutcome.EXCEPTION,
        reason="Brief op tijd, laat ingevoerd.",
        previous_end_date=contract.end_date,
        decided_by=staff_a,
    )
    assert state_on(contract, contract.end_date) == ContractState.ENDING
    assert state_on(contract, contract.end_date + DAY) == ContractState.ENDED


# Month ends: the SQL rule and the Python rules (is_in_force, continues_open_ended) agree on
# every day around the window's close and the end date, for end dates whose window clamps.
END_DATES = [D(2027, 5, 31), D(2028, 5, 31), D(2027, 3, 31), D(2027, 2, 28), D(2028, 2, 29)]


@pytest.mark.parametrize("end", END_DATES)
def test_the_state_agrees_with_the_python_rules_around_month_ends(project_a, end):
    contract = fixed_term(project_a, start=add_months(end, -20), end=end)
    closes = contract.notice_window.closes
    loaded = Contract.objects.with_deadline_facts().get(pk=contract.pk)
    days = [closes + dt.timedelta(days=n) for n in range(-3, 4)]
    days += [end + dt.timedelta(days=n) for n in range(-2, 3)]
    for day in days:
        state = state_on(contract, day)
        assert (state in IN_FORCE_STATES) == loaded.is_in_force(day), day
        assert (state == ContractState.OPEN_ENDED) == loaded.continues_open_ended(day), day


def test_a_contract_recorded_before_states_existed_reads_ending(project_a, client_for, staff_a):
    """What the old code left: status 'ended' with a last day in the future and no signing
    date. It is in force and shows "ends on" everywhere; its signing is 'not recorded'."""
    last = TODAY + dt.timedelta(days=40)
    contract = ContractFactory(
        unit=UnitFactory(project=project_a),
        start_date=D(2023, 1, 1),
        end_date=last,
        status=ContractStatus.ENDED,
        end_reason=EndReason.TENANT_NOTICE,
        outflow=Outflow.UNKNOWN,
    )
    assert contract.signed_on is None
    client = english(client_for(staff_a))
    ends = f"Ends on {day_en(last)}"
    for url in (
        reverse("residents:contract_detail", args=[contract.pk]),
        reverse("residents:person_detail", args=[contract.person.pk]),
        reverse("residents:unit_detail", args=[contract.unit.pk]),
        reverse("residents:person_list"),
    ):
        html = client.get(url).content.decode()
        assert ends in html, url
        assert ">Ended" not in html, url
    assert "signing date not recorded" in client.get(contract.get_absolute_url()).content.decode()


# 2. Ending a contract on a future day, through the pages


def test_staff_end_a_contract_per_a_future_date(project_a, staff_a, client_for):
    last = TODAY + dt.timedelta(days=59)
    contract = ContractFactory(unit=UnitFactory(project=project_a), start_date=D(2024, 1, 1))
    client = english(client_for(staff_a))
    url = reverse("residents:contract_end", args=[contract.pk])
    form = client.get(url).content.decode()
    for name in ("end_reason", "outflow"):  # nothing chosen for the user
        select = form.split(f'name="{name}"')[1].split("</select>")[0]
        assert select.count("selected") == 1
        assert 'value="" selected' in select
    assert 'value="flipped"' not in form  # only an omklap contract flips
    assert 'value="term_ended"' not in form  # an open-ended contract has no term
    data = {"end_date": last.isoformat(), "end_reason": "tenant_notice", "outflow": "social_rent"}
    client.post(url, data)
    response = client.post(url, data | {"confirmed": "1"}, follow=True)
    html = response.content.decode()
    assert f"Notice of termination recorded: the contract ends on {day_en(last)}." in html
    assert f"Ends on {day_en(last)}" in html
    # The unit's vacancy is open at once, free from the next day, in the same request.
    vacancy = Vacancy.objects.get(unit=contract.unit)
    assert (vacancy.status, vacancy.available_from) == (VacancyStatus.OPEN, last + DAY)
    assert vacancy.source_contract_id == contract.pk
    assert f"free from {day_en(last + DAY)}" in html
    # "Contracts ending soon" (the home page's link) lists it, soonest first.
    home = client.get(reverse("home")).content.decode()
    link = next(
        part.split('"')[0].replace("&amp;", "&")
        for part in home.split('href="')
        if "ending_after" in part
    )
    assert f"ending_before={add_months(TODAY, 6).isoformat()}" in link
    listed = client.get(link)
    assert [p.pk for p, _c in listed.context["rows"]] == [contract.person.pk]


def test_the_end_form_asks_where_the_tenant_went_unless_they_stay(project_a, staff_a, client_for):
    contract = ContractFactory(unit=UnitFactory(project=project_a), start_date=D(2024, 1, 1))
    client = english(client_for(staff_a))
    url = reverse("residents:contract_end", args=[contract.pk])
    refused = client.post(url, {"end_date": TODAY.isoformat(), "end_reason": "tenant_notice"})
    assert "outflow" in refused.context["form"].errors
    moved = client.post(url, {"end_date": TODAY.isoformat(), "end_reason": "moved_within"})
    assert moved.context["summary"]  # the confirmation, with no outflow asked


def test_ending_a_fixed_term_offers_its_term(project_a, staff_a, client_for):
    contract = fixed_term(project_a)
    html = client_for(staff_a).get(reverse("residents:contract_end", args=[contract.pk]))
    assert 'value="term_ended"' in html.content.decode()


def test_a_vacancy_opens_by_itself_later_when_the_end_is_far(project_a):
    last = TODAY + dt.timedelta(days=200)
    contract = ContractFactory(unit=UnitFactory(project=project_a), start_date=D(2024, 1, 1))
    ended = services.contract_end(
        contract=contract, ended_on=last, reason=EndReason.TENANT_NOTICE, outflow=Outflow.UNKNOWN
    )
    assert not Vacancy.objects.exists()
    opens = last - dt.timedelta(days=allocation.LEAD_DAYS)
    assert ended.effects == [
        f"The vacancy of unit {contract.unit.number} opens by itself on {day_en(opens)}, "
        f"{allocation.LEAD_DAYS} days before it is free."
    ]


def test_a_notice_opens_the_vacancy_at_once(project_a, staff_a):
    contract = fixed_term(project_a, start=add_months(TODAY, -20), end=add_months(TODAY, 2))
    notice = lifecycle.notice_record(
        contract=contract,
        given_on=TODAY,
        means=NoticeMeans.LETTER,
        given_by=staff_a,
        today=TODAY,
    )
    assert Vacancy.objects.get(unit=contract.unit).available_from == contract.end_date + DAY
    assert notice.effects


def test_a_move_within_the_project_frees_the_unit(project_a):
    contract = ContractFactory(unit=UnitFactory(project=project_a), start_date=D(2024, 1, 1))
    services.contract_end(
        contract=contract, ended_on=TODAY, reason=EndReason.MOVED_WITHIN, outflow=""
    )
    assert Vacancy.objects.filter(unit=contract.unit).exists()


def test_a_flip_per_a_future_date_reads_ending_and_starts_on(project_a, care_org, staff_a):
    person = PersonFactory(corporation=project_a.corporation, role="vragend")
    omklap = ContractFactory(
        unit=UnitFactory(project=project_a),
        person=person,
        contract_type_code="omklap",
        start_date=D(2024, 1, 1),
        holder_organisation=care_org,
    )
    last = TODAY + dt.timedelta(days=49)
    regular = lifecycle.contract_flip(
        contract=omklap, last_day=last, signed_by=staff_a, today=TODAY
    )
    assert state_on(omklap, TODAY) == ContractState.ENDING
    assert state_on(regular, TODAY) == ContractState.UPCOMING
    assert state_on(regular, last + DAY) == ContractState.ACTIVE
    assert state_on(omklap, last + DAY) == ContractState.ENDED
    assert Contract.objects.get(pk=regular.pk).state_label == f"Starts on {day_en(last + DAY)}"
    assert Contract.objects.get(pk=omklap.pk).state_label == f"Flips on {day_en(last)}"
    assert not Vacancy.objects.exists()  # the tenant stays: the unit is not free


# 3. An accepted offer asks for the start date; 4. signing


@pytest.fixture
def offered(project_a, staff_a):
    """An open vacancy, free from four weeks ago, on a temporary contract; an offer out."""
    unit = UnitFactory(project=project_a)
    vacancy = allocation.vacancy_open(
        unit=unit,
        available_from=TODAY - dt.timedelta(days=28),
        contract_type=ContractType.objects.get(code="tijdelijk"),
        user=staff_a,
    )
    person = PersonFactory(corporation=project_a.corporation, target_group_code="student")
    application = Application(
        project=project_a,
        person=person,
        registered_on=D(2024, 1, 1),
        intake_outcome=IntakeOutcome.POSITIVE,
        intake_on=D(2026, 1, 1),
    )
    application.full_clean()
    application.save()
    return allocation.offer_make(
        vacancy=vacancy,
        application=application,
        reason="De enige kandidaat.",
        reply_by=TODAY + dt.timedelta(days=14),
        user=staff_a,
        today=TODAY,
    )


def test_accepting_proposes_today_when_the_unit_is_free_since_weeks(offered, staff_a, client_for):
    client = english(client_for(staff_a))
    page = client.get(reverse("allocation:offer_detail", args=[offered.pk]))
    assert page.context["answer_form"]["start_date"].value() == TODAY
    answer = reverse("allocation:offer_answer", args=[offered.pk])
    past = TODAY - dt.timedelta(days=28)
    refused = client.post(answer, {"answer": "accept", "start_date": past.isoformat()})
    assert "start_note" in refused.context["answer_form"].errors
    assert Offer.objects.get().status == "open"
    too_early = client.post(
        answer,
        {"answer": "accept", "start_date": (past - DAY).isoformat(), "start_note": "sleutel"},
    )
    assert "start_date" in too_early.context["answer_form"].errors
    accepted = client.post(
        answer,
        {"answer": "accept", "start_date": past.isoformat(), "start_note": "Sleutel al op 5/11"},
    )
    contract = Offer.objects.get().contract
    assert accepted["Location"] == contract.get_absolute_url()
    assert (contract.start_date, contract.start_note) == (past, "Sleutel al op 5/11")
    assert contract.end_date == term_last_day(past, 24)  # the longest term from that start
    assert contract.status == ContractStatus.DRAFT


def test_a_draft_is_signed_and_every_page_agrees(offered, staff_a, client_for):
    allocation.offer_accept(offer=offered, user=staff_a, start_date=TODAY, today=TODAY)
    contract = Offer.objects.get().contract
    client = english(client_for(staff_a))
    offer_url = reverse("allocation:offer_detail", args=[offered.pk])
    assert ">Draft<" in client.get(offer_url).content.decode()
    assert Contract.objects.in_force(TODAY).filter(pk=contract.pk).exists() is False
    sign = reverse("residents:contract_sign", args=[contract.pk])
    assert sign in client.get(contract.get_absolute_url()).content.decode()
    future = client.post(sign, {"signed_on": (TODAY + DAY).isoformat()})
    assert "signed_on" in future.context["form"].errors
    response = client.post(sign, {"signed_on": TODAY.isoformat()}, follow=True)
    contract.refresh_from_db()
    assert (contract.status, contract.signed_on, contract.signed_by) == (
        ContractStatus.ACTIVE,
        TODAY,
        staff_a,
    )
    html = response.content.decode()
    assert f"on {day_en(TODAY)}, recorded by" in html
    assert ">In force<" in html
    assert ">In force<" in client.get(offer_url).content.decode()
    assert Contract.objects.in_force(TODAY).filter(pk=contract.pk).exists()
    vacancies = client.get(reverse("allocation:vacancy_list"), {"status": "filled"})
    assert contract.get_absolute_url() in vacancies.content.decode()
    # Signed once: the page sends staff back.
    again = client.get(sign, follow=True)
    assert "signed already" in again.content.decode()


def test_signing_is_refused_when_the_unit_is_let_over_those_dates(project_a, staff_a):
    unit = UnitFactory(project=project_a)
    ContractFactory(unit=unit, start_date=D(2025, 1, 1))
    draft = ContractFactory(unit=unit, start_date=D(2026, 6, 1), status=ContractStatus.DRAFT)
    with pytest.raises(ValidationError) as error:
        services.contract_sign(contract=draft, signed_on=TODAY, signed_by=staff_a, today=TODAY)
    assert "already has a contract over these dates" in str(error.value)
    draft.refresh_from_db()
    assert draft.status == ContractStatus.DRAFT


def test_signing_refuses_the_read_only_role_and_outsiders(
    project_a, readonly_a, staff_b, client_for
):
    draft = ContractFactory(
        unit=UnitFactory(project=project_a), start_date=TODAY, status=ContractStatus.DRAFT
    )
    sign = reverse("residents:contract_sign", args=[draft.pk])
    assert client_for(readonly_a).get(sign).status_code == 403
    assert client_for(readonly_a).post(sign, {"signed_on": TODAY}).status_code == 403
    assert client_for(staff_b).post(sign, {"signed_on": TODAY}).status_code == 404
    draft.refresh_from_db()
    assert draft.status == ContractStatus.DRAFT


def test_a_new_contract_in_the_past_needs_a_reason_unless_signed(project_a, staff_a, client_for):
    person = PersonFactory(corporation=project_a.corporation)
    unit = UnitFactory(project=project_a)
    url = reverse("residents:contract_create", args=[person.pk])
    data = {
        "unit": unit.pk,
        "contract_type": ContractType.objects.get(code="regulier").pk,
        "start_date": (TODAY - dt.timedelta(days=10)).isoformat(),
    }
    client = client_for(staff_a)
    assert "start_note" in client.post(url, data).context["form"].errors
    client.post(url, data | {"start_note": "Sleutel eerder gegeven"})
    assert Contract.objects.get(person=person).status == ContractStatus.DRAFT


# 7. Small truths


def test_a_second_notice_needs_confirmation(project_a, staff_a, client_for):
    contract = fixed_term(project_a, start=add_months(TODAY, -20), end=add_months(TODAY, 2))
    client = english(client_for(staff_a))
    url = reverse("residents:notice_create", args=[contract.pk])
    client.post(url, {"given_on": TODAY.isoformat(), "means": "letter"})
    second = client.post(url, {"given_on": TODAY.isoformat(), "means": "email"})
    assert "again" in second.context["form"].errors
    assert Notice.objects.filter(contract=contract).count() == 1
    client.post(url, {"given_on": TODAY.isoformat(), "means": "email", "again": "on"})
    assert Notice.objects.filter(contract=contract).count() == 2


def test_the_history_names_an_author_whose_account_is_gone(project_a, client_for, staff_a):
    from residents.models import Person

    person = PersonFactory(corporation=project_a.corporation, phone="06-1")
    ContractFactory(unit=UnitFactory(project=project_a), person=person)
    colleague = UserFactory(first_name="Ans", last_name="Kok", email="ans@a.example")
    person = Person.objects.get(pk=person.pk)
    person._history_user = colleague
    person.phone = "06-2"
    person.save()
    colleague.delete()
    rows = english(client_for(staff_a)).get(person.get_absolute_url()).context["history"]
    assert rows[0]["who"] == "Ans Kok (ans@a.example)"
    assert rows[0]["changes"] == [("phone", "06-1", "06-2")]


def test_the_vacancy_list_offers_no_vacancy_on_a_unit_let_from_later(
    project_a, staff_a, client_for
):
    later = UnitFactory(project=project_a, number="LATER")
    ContractFactory(unit=later, start_date=TODAY + dt.timedelta(days=30))
    empty = UnitFactory(project=project_a, number="EMPTY")
    html = client_for(staff_a).get(reverse("allocation:vacancy_list")).content.decode()
    assert f"?unit={empty.pk}" in html
    assert f"?unit={later.pk}" not in html


def test_the_exports_carry_the_state_and_an_import_ignores_it(project_a, staff_a, client_for):
    last = TODAY + dt.timedelta(days=30)
    contract = ContractFactory(unit=UnitFactory(project=project_a), start_date=D(2024, 1, 1))
    services.contract_end(
        contract=contract, ended_on=last, reason=EndReason.TENANT_NOTICE, outflow=Outflow.UNKNOWN
    )
    client = client_for(staff_a)
    for url in (
        reverse("residents:project_people_export", args=[project_a.pk]),
        reverse("residents:people_export"),
    ):
        lines = client.get(url).content.decode("utf-8-sig").splitlines()
        header = lines[0].split(";")
        assert header[-1] == "state", url
        assert lines[1].split(";")[-1] == "ending", url


def test_the_dashboard_counts_a_fixed_term_ended_by_its_notice_as_outflow(project_a, staff_a):
    from magicmix.dashboard.data import outflow
    from magicmix.dashboard.periods import Quarter

    quarter = Quarter.containing(D(2026, 8, 15))
    ended = fixed_term(project_a, start=D(2024, 9, 1), end=D(2026, 8, 31))
    Notice.objects.create(
        contract=ended, given_on=D(2026, 6, 15), means=NoticeMeans.LETTER, given_by=staff_a
    )
    fixed_term(project_a, start=D(2024, 9, 1), end=D(2026, 8, 31))  # no notice: it runs on
    assert outflow([project_a.pk], quarter)[project_a.pk][Outflow.UNKNOWN].n == 1
    assert len(outflow([project_a.pk], quarter)[project_a.pk]) == 1


def test_a_let_vacancy_shows_who_got_it_instead_of_the_ranking(offered, staff_a, client_for):
    vacancy = offered.vacancy
    client = english(client_for(staff_a))
    before = client.get(vacancy.get_absolute_url())
    assert before.context["page_obj"] is not None
    person = offered.application.person
    person.reference = "R-7001"
    person.save()
    ranked = client.get(vacancy.get_absolute_url()).content.decode()
    assert "R-7001, 2000" in ranked  # the reference and year of birth beside the name
    allocation.offer_accept(offer=offered, user=staff_a, start_date=TODAY, today=TODAY)
    html = client.get(vacancy.get_absolute_url()).content.decode()
    contract = Offer.objects.get().contract
    assert f"Let to {person.full_name}" in html
    assert contract.get_absolute_url() in html
    assert reverse("residents:contract_sign", args=[contract.pk]) in html
    assert 'id="ranking"' not in html


def test_the_ranking_sorts_by_name(offered, staff_a, client_for, project_a):
    vacancy = offered.vacancy
    allocation.offer_withdraw(offer=offered, note="Test", user=staff_a)
    for name in ("Zoë", "Anna"):
        application = Application(
            project=project_a,
            person=PersonFactory(
                corporation=project_a.corporation, first_name=name, target_group_code="student"
            ),
            registered_on=D(2025, 1, 1),
            intake_outcome=IntakeOutcome.POSITIVE,
            intake_on=D(2026, 1, 1),
        )
        application.full_clean()
        application.save()
    page = client_for(staff_a).get(vacancy.get_absolute_url(), {"sort": "name"})
    names = [item.candidate.name.split()[0] for item in page.context["page_obj"]]
    assert names == sorted(names, key=str.casefold)
    assert names[0] == "Anna"


def test_the_end_form_of_an_omklap_contract_flips_it(project_a, care_org, staff_a, client_for):
    omklap = ContractFactory(
        unit=UnitFactory(project=project_a),
        person=PersonFactory(corporation=project_a.corporation, role="vragend"),
        contract_type_code="omklap",
        start_date=D(2024, 1, 1),
        holder_organisation=care_org,
    )
    client = client_for(staff_a)
    url = reverse("residents:contract_end", args=[omklap.pk])
    assert 'value="flipped"' in client.get(url).content.decode()
    data = {"end_date": TODAY.isoformat(), "end_reason": "flipped", "confirmed": "1"}
    client.post(url, data)
    regular = Contract.objects.get(flipped_from=omklap)
    assert (regular.start_date, regular.signed_by) == (TODAY + DAY, staff_a)
    assert not Vacancy.objects.exists()
