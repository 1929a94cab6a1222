"""List and detail pages do a fixed number of queries, however many rows they show."""

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from magicmix.models import Delivery, Reminder, ReminderKind
from residents.models import (
    CHECKIN_DOMAINS,
    CheckIn,
    ContractStatus,
    GuidanceExtension,
    Notice,
    NoticeMeans,
    ResidentWarning,
)

from .factories import (
    ClusterFactory,
    ContractFactory,
    PersonFactory,
    ProjectFactory,
    UnitFactory,
    UserFactory,
)


def grow(project, n: int) -> None:
    """Add `n` occupied units over two clusters, with varied people and an ended contract each."""
    clusters = [ClusterFactory(project=project), ClusterFactory(project=project)]
    for i in range(n):
        unit = UnitFactory(project=project, cluster=clusters[i % 2])
        ContractFactory(
            unit=unit,
            person__role="vragend" if i % 3 == 0 else "dragend",
            person__target_group_code=["student", "statushouder", "starter"][i % 3],
            start_date=dt.date(2020, 1, 1),
            end_date=dt.date(2022, 12, 31),
            status=ContractStatus.ENDED,
            end_reason="tenant_notice",
            outflow="unknown",
        )
        ContractFactory(unit=unit, start_date=dt.date(2023, 1, 1))
    PersonFactory.create_batch(n // 3, corporation=project.corporation)  # candidates


def count_queries(client, url) -> int:
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(url)
    assert response.status_code == 200
    return len(ctx.captured_queries)


PAGES = {
    "home": lambda p: reverse("home"),
    "project_list": lambda p: reverse("residents:project_list"),
    "project_detail": lambda p: reverse("residents:project_detail", args=[p.pk]),
    "person_list": lambda p: reverse("residents:person_list"),
    "person_list_filtered": lambda p: (
        reverse("residents:person_list") + f"?project={p.pk}&role=dragend&status=resident"
    ),
    # Sorted by what the current contract says, and found by search (residents/search.py).
    "person_list_by_end": lambda p: reverse("residents:person_list") + "?sort=-end",
    "person_list_by_unit": lambda p: reverse("residents:person_list") + "?sort=unit",
    "person_list_by_state": lambda p: reverse("residents:person_list") + "?sort=state",
    "person_list_search": lambda p: reverse("residents:person_list") + "?q=de+vries&sort=born",
    "project_list_by_units": lambda p: reverse("residents:project_list") + "?sort=-units",
    "unit_detail": lambda p: reverse("residents:unit_detail", args=[p.units.first().pk]),
    "person_detail": lambda p: reverse(
        "residents:person_detail", args=[p.units.first().contracts.first().person_id]
    ),
}


@pytest.mark.parametrize("page", PAGES)
def test_staff_pages_do_not_grow_with_rows(staff_a, project_a, client_for, page):
    client = client_for(staff_a)
    grow(project_a, 3)
    small = count_queries(client, PAGES[page](project_a))
    grow(project_a, 30)
    for _ in range(4):
        ProjectFactory(corporation=project_a.corporation)
    large = count_queries(client, PAGES[page](project_a))
    assert large == small, f"{page}: {small} queries with few rows, {large} with many"


def test_policy_home_does_not_grow_with_projects(policy_a, project_a, client_for):
    client = client_for(policy_a)
    grow(project_a, 3)
    small = count_queries(client, reverse("home"))
    for _ in range(5):
        grow(ProjectFactory(municipality=project_a.municipality), 6)
    large = count_queries(client, reverse("home"))
    assert large == small


@pytest.mark.parametrize("page", ["residents:person_detail", "residents:contract_detail"])
def test_change_history_does_not_grow_with_changes(staff_a, project_a, client_for, page):
    client = client_for(staff_a)
    contract = ContractFactory(unit=UnitFactory(project=project_a))
    obj = contract.person if page == "residents:person_detail" else contract
    url = reverse(page, args=[obj.pk])

    def change(times):
        for i in range(times):
            obj.refresh_from_db()
            if page == "residents:person_detail":
                obj.phone = f"06-{i:08d}"
            else:
                obj.end_date = dt.date(2030, 1, 1) + dt.timedelta(days=i)
            obj.save()

    change(2)
    small = count_queries(client, url)
    change(25)
    large = count_queries(client, url)
    assert large == small
    field = "phone" if page == "residents:person_detail" else "end_date"
    label = str(type(obj)._meta.get_field(field).verbose_name)
    # The newest row names the field with its old and new value.
    old, new = (
        ("06-00000023", "06-00000024")
        if page == "residents:person_detail"
        else ("24 januari 2030", "25 januari 2030")
    )
    assert client.get(url).context["history"][0]["changes"] == [(label, old, new)]


# A contract's life after signing: trajectories, the reminder inbox, a busy omklap contract


def add_omklap(project, holder, n: int) -> list:
    """`n` omklap contracts held by `holder`, each with two check-ins and a warning."""
    contracts = []
    for i in range(n):
        contract = ContractFactory(
            unit=UnitFactory(project=project),
            contract_type_code="omklap",
            start_date=dt.date(2025, 1, 1) + dt.timedelta(days=i),
            holder_organisation=holder,
        )
        for month in (2, 5):
            CheckIn.objects.create(
                contract=contract,
                held_on=dt.date(2025, month, 1) + dt.timedelta(days=i),
                held_by=UserFactory(),
                **dict.fromkeys(CHECKIN_DOMAINS, 3),
            )
        ResidentWarning.objects.create(
            person=contract.person,
            contract=contract,
            given_on=dt.date(2025, 3, 1),
            reason="Overlast",
            given_by=UserFactory(),
        )
        contracts.append(contract)
    return contracts


@pytest.mark.parametrize("page", ["residents:trajectory_list", "home"])
def test_care_worker_pages_do_not_grow_with_trajectories(
    care_worker, care_org, project_a, project_b, client_for, page
):
    client = client_for(care_worker)
    add_omklap(project_a, care_org, 2)
    small = count_queries(client, reverse(page))
    add_omklap(project_a, care_org, 8)
    add_omklap(project_b, care_org, 8)  # another corporation's project, same care organisation
    large = count_queries(client, reverse(page))
    if page == "residents:trajectory_list":
        assert len(client.get(reverse(page)).context["rows"]) == 18
    else:
        assert client.get(reverse(page)).context["care_summary"]["total"] == 18
    assert large == small, f"{page}: {small} queries with few rows, {large} with many"


def add_deliveries(project, user, n: int) -> None:
    """`n` reminders of every kind, on omklap and fixed-term contracts, delivered to `user`."""
    today = timezone.localdate()
    omklap = add_omklap(project, None, (n + 1) // 2)
    fixed = [
        ContractFactory(
            unit=UnitFactory(project=project),
            contract_type_code="tijdelijk",
            start_date=dt.date(2025, 1, 1),
            end_date=dt.date(2026, 12, 31),
        )
        for _ in range(n // 2)
    ]
    kinds = {
        "omklap": [ReminderKind.CHECKIN_DUE, ReminderKind.EVALUATION_DUE],
        "fixed": [ReminderKind.NOTICE_OPENS, ReminderKind.NOTICE_MISSED],
    }
    for group, contracts in (("omklap", omklap), ("fixed", fixed)):
        for i, contract in enumerate(contracts):
            reminder = Reminder.objects.create(
                contract=contract, kind=kinds[group][i % 2], due_date=today
            )
            Delivery.objects.create(reminder=reminder, recipient=user)
            Delivery.objects.create(reminder=reminder, recipient=UserFactory())


def test_reminder_inbox_does_not_grow_with_reminders(staff_a, project_a, client_for):
    client = client_for(staff_a)
    add_deliveries(project_a, staff_a, 2)
    small = count_queries(client, reverse("reminder_inbox"))
    add_deliveries(project_a, staff_a, 16)
    large = count_queries(client, reverse("reminder_inbox"))
    assert len(client.get(reverse("reminder_inbox")).context["page_obj"]) == 18
    assert large == small


def enrich(contract, n: int) -> None:
    """`n` more check-ins, warnings, guidance extensions and reminders (each to two people)."""
    for i in range(n):
        CheckIn.objects.create(
            contract=contract,
            held_on=dt.date(2025, 2, 1) + dt.timedelta(days=i),
            held_by=UserFactory(),
            **dict.fromkeys(CHECKIN_DOMAINS, 4),
        )
        ResidentWarning.objects.create(
            person=contract.person,
            contract=contract,
            given_on=dt.date(2025, 2, 1),
            reason="Overlast",
            given_by=UserFactory(),
        )
        GuidanceExtension.objects.create(
            contract=contract,
            previous_end=dt.date(2027, 12, 31),
            new_end=dt.date(2028, 6, 30),
            reason="Meer tijd",
            decided_by=UserFactory(),
        )
        reminder = Reminder.objects.create(
            contract=contract,
            kind=ReminderKind.CHECKIN_DUE,
            due_date=dt.date(2025, 1, 1) + dt.timedelta(days=Reminder.objects.count()),
        )
        for _ in range(2):
            Delivery.objects.create(reminder=reminder, recipient=UserFactory())


@pytest.mark.parametrize(
    ("page", "persona"),
    [
        ("residents:contract_detail", "staff_a"),
        ("residents:evaluate", "staff_a"),
        ("residents:trajectory_detail", "care_worker"),
    ],
)
def test_a_busy_omklap_contract_does_not_grow_the_page(
    request, project_a, care_org, client_for, page, persona
):
    client = client_for(request.getfixturevalue(persona))
    contract = ContractFactory(
        unit=UnitFactory(project=project_a),
        contract_type_code="omklap",
        start_date=dt.date(2025, 1, 1),
        holder_organisation=care_org,
    )
    url = reverse(page, args=[contract.pk])
    enrich(contract, 2)
    small = count_queries(client, url)
    enrich(contract, 15)
    large = count_queries(client, url)
    assert large == small, f"{page}: {small} queries with few rows, {large} with many"


def test_notices_do_not_grow_the_contract_page(staff_a, project_a, client_for):
    client = client_for(staff_a)
    contract = ContractFactory(
        unit=UnitFactory(project=project_a),
        contract_type_code="tijdelijk",
        start_date=dt.date(2025, 1, 1),
        end_date=dt.date(2026, 12, 31),
    )
    url = reverse("residents:contract_detail", args=[contract.pk])

    def notices(n):
        for _ in range(n):
            Notice.objects.create(
                contract=contract,
                given_on=dt.date(2026, 10, 1),
                means=NoticeMeans.LETTER,
                given_by=UserFactory(),
            )

    notices(2)
    small = count_queries(client, url)
    notices(15)
    assert count_queries(client, url) == small
