"""Every allocation page against every persona: the page, a 404, a 403 or the login page; and the
number of queries each page makes, the same for a few rows as for many."""

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from allocation import planning, services
from allocation.models import Application, IntakeOutcome
from residents.models import ContractType, ResidentRole

from .factories import ClusterFactory, ContractFactory, PersonFactory, UnitFactory

TODAY = timezone.localdate()


def add_candidates(project, count: int) -> list[Application]:
    made = []
    for index in range(count):
        application = Application(
            project=project,
            person=PersonFactory(
                corporation=project.corporation,
                role=ResidentRole.DRAGEND if index % 2 else ResidentRole.VRAGEND,
                household_size=1,
            ),
            registered_on=dt.date(2020, 1, 1) + dt.timedelta(days=index * 17),
            intake_outcome=IntakeOutcome.POSITIVE,
            intake_on=dt.date(2026, 1, 1),
            urgent=index % 4 == 0,
        )
        application.save()
        made.append(application)
    return made


def add_vacancy(project, cluster, staff, number):
    return services.vacancy_open(
        unit=UnitFactory(project=project, cluster=cluster, number=number),
        available_from=TODAY,
        contract_type=ContractType.objects.get(code="regulier"),
        user=staff,
    )


@pytest.fixture
def alloc(project_a, staff_a):
    cluster = ClusterFactory(project=project_a, name="Gang C")
    for role in (ResidentRole.DRAGEND, ResidentRole.VRAGEND) * 2:
        ContractFactory(
            unit=UnitFactory(project=project_a, cluster=cluster),
            person=PersonFactory(corporation=project_a.corporation, role=role),
        )
    vacancy = add_vacancy(project_a, cluster, staff_a, "C1")
    offered = add_vacancy(project_a, cluster, staff_a, "C2")
    candidates = add_candidates(project_a, 3)
    offer = services.offer_make(
        vacancy=offered,
        application=candidates[0],
        reason="demo",
        reply_by=TODAY,
        user=staff_a,
        today=TODAY,
    )
    plan = planning.plan_make(project=project_a, user=staff_a, today=TODAY)
    assert len(plan.assignments) == 1
    return {
        "project": project_a,
        "cluster": cluster,
        "vacancy": vacancy,
        "application": candidates[1],
        "offer": offer,
        "plan": plan,
    }


def url(alloc, name):
    a = alloc
    return {
        "vacancy_list": lambda: reverse("allocation:vacancy_list"),
        "application_list": lambda: reverse("allocation:application_list"),
        "vacancy_create": lambda: reverse("allocation:vacancy_create"),
        "application_create": lambda: reverse("allocation:application_create"),
        "vacancy_detail": lambda: reverse("allocation:vacancy_detail", args=[a["vacancy"].pk]),
        "vacancy_edit": lambda: reverse("allocation:vacancy_edit", args=[a["vacancy"].pk]),
        "vacancy_withdraw": lambda: reverse("allocation:vacancy_withdraw", args=[a["vacancy"].pk]),
        "candidate_choose": lambda: reverse(
            "allocation:candidate_choose", args=[a["vacancy"].pk, a["application"].pk]
        ),
        "offer_detail": lambda: reverse("allocation:offer_detail", args=[a["offer"].pk]),
        "offer_answer": lambda: reverse("allocation:offer_answer", args=[a["offer"].pk]),
        "offer_withdraw": lambda: reverse("allocation:offer_withdraw", args=[a["offer"].pk]),
        "application_detail": lambda: reverse(
            "allocation:application_detail", args=[a["application"].pk]
        ),
        "application_edit": lambda: reverse(
            "allocation:application_edit", args=[a["application"].pk]
        ),
        "plan_list": lambda: reverse("allocation:plan_list", args=[a["project"].pk]),
        "allocation_settings": lambda: reverse(
            "allocation:allocation_settings", args=[a["project"].pk]
        ),
        "plan_detail": lambda: reverse("allocation:plan_detail", args=[a["plan"].pk]),
    }[name]()


READ_PAGES = [
    "vacancy_detail",
    "candidate_choose",
    "offer_detail",
    "application_detail",
    "plan_list",
    "plan_detail",
]
LISTS = ["vacancy_list", "application_list"]
WRITE_PAGES = ["vacancy_edit", "vacancy_withdraw", "application_edit", "allocation_settings"]
POST_ONLY = ["offer_answer", "offer_withdraw"]
# Pages a read-only user may open but not post to.
READ_THEN_POST = ["candidate_choose", "plan_list", "plan_detail"]
CREATE_PAGES = ["vacancy_create", "application_create"]
OUTSIDERS = ["staff_b", "policy_a", "member_a", "outsider", "care_worker"]


@pytest.mark.parametrize("name", READ_PAGES + LISTS + WRITE_PAGES + CREATE_PAGES)
def test_staff_of_the_corporation_open_every_page(alloc, staff_a, client_for, name):
    assert client_for(staff_a).get(url(alloc, name)).status_code == 200


@pytest.mark.parametrize("persona", OUTSIDERS)
@pytest.mark.parametrize("name", READ_PAGES + WRITE_PAGES + POST_ONLY)
def test_outsiders_get_404(alloc, request, client_for, persona, name):
    client = client_for(request.getfixturevalue(persona))
    if name not in POST_ONLY:
        assert client.get(url(alloc, name)).status_code == 404
    assert client.post(url(alloc, name), {"reason": "x", "answer": "accept"}).status_code == 404


@pytest.mark.parametrize("persona", ["policy_a", "member_a", "outsider", "care_worker"])
@pytest.mark.parametrize("name", LISTS + CREATE_PAGES)
def test_users_without_corporation_records_get_404_on_lists(
    request, client_for, persona, name, alloc
):
    client = client_for(request.getfixturevalue(persona))
    assert client.get(url(alloc, name)).status_code == 404


def test_another_corporation_sees_none_of_our_vacancies_or_candidates(alloc, staff_b, client_for):
    client = client_for(staff_b)
    vacancies = client.get(url(alloc, "vacancy_list")).content.decode()
    candidates = client.get(url(alloc, "application_list") + "?status=").content.decode()
    assert url(alloc, "vacancy_detail") not in vacancies
    assert url(alloc, "application_detail") not in candidates


@pytest.mark.parametrize("name", READ_PAGES + LISTS)
def test_read_only_role_reads(alloc, readonly_a, client_for, name):
    assert client_for(readonly_a).get(url(alloc, name)).status_code == 200


@pytest.mark.parametrize("name", WRITE_PAGES + POST_ONLY + READ_THEN_POST + CREATE_PAGES)
def test_read_only_role_gets_403_on_every_write(alloc, readonly_a, client_for, name):
    client = client_for(readonly_a)
    if name in WRITE_PAGES + CREATE_PAGES:
        assert client.get(url(alloc, name)).status_code == 403
    data = {"reason": "x", "answer": "accept", "reply_by": TODAY.isoformat()}
    assert client.post(url(alloc, name), data).status_code == 403


def test_read_only_role_changes_nothing(alloc, readonly_a, client_for):
    client_for(readonly_a).post(url(alloc, "offer_answer"), {"answer": "accept"})
    alloc["offer"].refresh_from_db()
    assert alloc["offer"].status == "open"


@pytest.mark.parametrize("name", READ_PAGES + LISTS + WRITE_PAGES + CREATE_PAGES)
def test_anonymous_users_are_sent_to_login(alloc, client, name):
    response = client.get(url(alloc, name))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("account_login"))


# Query counts: the same with a few rows as with many (style.md habit 6)


def queries(client, path) -> int:
    with CaptureQueriesContext(connection) as captured:
        response = client.get(path)
    assert response.status_code == 200
    return len(captured)


@pytest.mark.parametrize(
    "name",
    ["vacancy_detail", "candidate_choose", "vacancy_list", "application_list", "plan_detail"],
)
def test_query_count_does_not_grow_with_rows(alloc, staff_a, client_for, name):
    client = client_for(staff_a)
    few = queries(client, url(alloc, name))
    project = alloc["project"]
    add_candidates(project, 30)
    for number in range(3, 9):
        add_vacancy(project, alloc["cluster"], staff_a, f"C{number}")
    alloc["plan"] = planning.plan_make(project=project, user=staff_a, today=TODAY)
    assert len(alloc["plan"].assignments) >= 5
    many = queries(client, url(alloc, name))
    assert many == few
