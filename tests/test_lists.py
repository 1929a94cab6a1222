"""Staff lists sort by their columns, keep their filters while sorting and paging, and show
page numbers with the first and the last (projects/lists.py)."""

import datetime as dt
from urllib.parse import parse_qs, urlparse

import pytest
from django.urls import reverse
from django.utils import timezone

from allocation import services as allocation
from allocation.models import Application, Offer, Vacancy
from magicmix import worklist
from projects.models import Project
from residents.models import ContractType

from .factories import ContractFactory, PersonFactory, UnitFactory
from .test_query_counts import count_queries

TODAY = timezone.localdate()


@pytest.fixture
def many(project_a, settings):
    settings.PAGE_SIZE = 3
    for n in range(10):
        ContractFactory(
            unit=UnitFactory(project=project_a, number=f"U{n:02d}"),
            person=PersonFactory(
                corporation=project_a.corporation, first_name=f"P{n}", last_name=f"Naam{9 - n}"
            ),
            start_date=dt.date(2024, 1, 1),
            end_date=dt.date(2030, 1, 1) + dt.timedelta(days=n),
            contract_type_code="campus",
            person__target_group_code="student",
        )
    return project_a


def names(response):
    return [person.first_name for person, _contract in response.context["rows"]]


def test_the_people_list_sorts_by_each_column_both_ways(staff_a, client_for, many):
    client = client_for(staff_a)
    url = reverse("residents:person_list")
    assert names(client.get(url, {"sort": "end"})) == ["P0", "P1", "P2"]
    assert names(client.get(url, {"sort": "-end"})) == ["P9", "P8", "P7"]
    assert names(client.get(url, {"sort": "name"})) == ["P9", "P8", "P7"]  # Naam0 first
    assert names(client.get(url, {"sort": "unit"})) == ["P0", "P1", "P2"]
    assert names(client.get(url, {"sort": "nonsense"})) == ["P9", "P8", "P7"]  # the default


def test_sort_and_page_links_keep_the_filters(staff_a, client_for, many):
    client = client_for(staff_a)
    response = client.get(
        reverse("residents:person_list"), {"role": "dragend", "sort": "-end", "page": "2"}
    )
    html = response.content.decode()
    sorting = response.context["sorting"]
    end_link = parse_qs(urlparse(sorting.links["end"].url).query)
    assert end_link == {"role": ["dragend"], "sort": ["end"]}  # the other way round, page 1
    assert sorting.links["end"].aria_sort == "descending"
    assert 'aria-sort="descending"' in html
    page = response.context["page_obj"]
    assert page.numbers == [1, 2, 3, 4]
    assert 'aria-current="page"' in html
    for page_number in ("1", "4"):  # first and last
        assert any(
            parse_qs(urlparse(href).query)
            == {"role": ["dragend"], "sort": ["-end"], "page": [page_number]}
            for href in _hrefs(html)
        ), page_number


def _hrefs(html):
    return [part.split('"')[0].replace("&amp;", "&") for part in html.split('href="')[1:]]


def test_the_vacancy_and_candidate_lists_sort(staff_a, client_for, project_a):
    regular = ContractType.objects.get(code="regulier")
    for n, days in enumerate((20, 5, 10)):
        allocation.vacancy_open(
            unit=UnitFactory(project=project_a, number=f"V{n}"),
            available_from=TODAY + dt.timedelta(days=days),
            contract_type=regular,
            user=staff_a,
        )
    client = client_for(staff_a)
    listed = client.get(reverse("allocation:vacancy_list"), {"sort": "-free"})
    assert [v.unit.number for v in listed.context["page_obj"]] == ["V0", "V2", "V1"]
    by_unit = client.get(reverse("allocation:vacancy_list"), {"sort": "unit"})
    assert [v.unit.number for v in by_unit.context["page_obj"]] == ["V0", "V1", "V2"]
    assert client.get(reverse("allocation:application_list"), {"sort": "-name"}).status_code == 200


def test_the_vacancy_list_counts_what_the_worklist_counts(staff_a, client_for, project_a):
    regular = ContractType.objects.get(code="regulier")
    for n in range(3):
        allocation.vacancy_open(
            unit=UnitFactory(project=project_a, number=f"W{n}"),
            available_from=TODAY,
            contract_type=regular,
            user=staff_a,
        )
    Vacancy.objects.filter(unit__number="W0").update(status="offered")  # an offer out
    listed = client_for(staff_a).get(reverse("allocation:vacancy_list"))
    section = worklist.open_vacancies(Project.objects.for_user(staff_a), TODAY)
    assert listed.context["page_obj"].paginator.count == section.total == 3


def test_the_vacancy_list_does_not_grow_with_let_vacancies(staff_a, client_for, project_a):
    client = client_for(staff_a)
    url = reverse("allocation:vacancy_list") + "?status=filled"
    regular = ContractType.objects.get(code="regulier")

    def let(n):
        for _ in range(n):
            vacancy = allocation.vacancy_open(
                unit=UnitFactory(project=project_a),
                available_from=TODAY,
                contract_type=regular,
                user=staff_a,
            )
            contract = ContractFactory(unit=vacancy.unit, start_date=TODAY, status="draft")
            application = Application.objects.create(
                project=project_a, person=contract.person, registered_on=TODAY
            )
            Offer.objects.create(
                vacancy=vacancy,
                application=application,
                rank=1,
                score=50,
                reply_by=TODAY,
                status="accepted",
                contract=contract,
            )
            Vacancy.objects.filter(pk=vacancy.pk).update(status="filled")

    let(1)
    small = count_queries(client, url)
    let(8)
    assert count_queries(client, url) == small
