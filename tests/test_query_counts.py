"""List and detail pages do a fixed number of queries, however many rows they show."""

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from residents.models import ContractStatus

from .factories import ClusterFactory, ContractFactory, PersonFactory, ProjectFactory, UnitFactory


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
    assert client.get(url).context["history"][0]["changed"] == [label]
