"""What staff, policy officers and members see and do on the pages."""

import datetime as dt

import pytest
from django.urls import reverse

from projects.models import Cluster, Project, Unit
from residents.models import Contract, ContractStatus, ContractType, Person, TargetGroup

from .factories import ClusterFactory, ContractFactory, PersonFactory, UnitFactory


def test_staff_creates_a_project(staff_a, corp_a, municipality_a, client_for):
    response = client_for(staff_a).post(
        reverse("projects:create"),
        {
            "name": "De Nieuwe Hof",
            "corporation": corp_a.pk,
            "municipality": municipality_a.pk,
            "concept": "temporary",
            "permit_end_date": "2036-06-30",
            "dragend_min": 50,
            "dragend_max": 80,
            "cluster_dragend_min": 40,
            "cluster_dragend_max": 90,
            "contribution_hours": 16,
            "checkin_every_months": 3,
        },
    )
    project = Project.objects.get(name="De Nieuwe Hof")
    assert response.status_code == 302
    assert response["Location"] == reverse("residents:project_detail", args=[project.pk])


def test_project_form_refuses_a_temporary_project_without_permit_end(
    staff_a, corp_a, municipality_a, client_for
):
    response = client_for(staff_a).post(
        reverse("projects:create"),
        {
            "name": "Zonder einddatum",
            "corporation": corp_a.pk,
            "municipality": municipality_a.pk,
            "concept": "temporary",
            "dragend_min": 80,
            "dragend_max": 50,
            "cluster_dragend_min": 40,
            "cluster_dragend_max": 90,
            "contribution_hours": 16,
        },
    )
    assert response.status_code == 200
    form = response.context["form"]
    assert "permit_end_date" in form.errors
    assert "dragend_max" in form.errors
    assert not Project.objects.filter(name="Zonder einddatum").exists()


def test_staff_cannot_create_a_project_for_another_corporation(
    staff_a, corp_b, municipality_a, client_for
):
    response = client_for(staff_a).post(
        reverse("projects:create"),
        {"name": "Kaping", "corporation": corp_b.pk, "municipality": municipality_a.pk},
    )
    assert response.status_code == 200
    assert "corporation" in response.context["form"].errors
    assert not Project.objects.filter(name="Kaping").exists()


def test_unit_numbers_are_unique_within_a_project(staff_a, project_a, client_for):
    UnitFactory(project=project_a, number="A-01")
    response = client_for(staff_a).post(
        reverse("projects:unit_create", args=[project_a.pk]),
        {"number": "a-01", "kind": "room", "floor_area": "20", "rent": "400", "max_household": 1},
    )
    assert response.status_code == 200
    assert "number" in response.context["form"].errors
    assert Unit.objects.filter(project=project_a).count() == 1


def test_cluster_of_another_project_cannot_be_chosen(staff_a, project_a, client_for):
    other_project_cluster = ClusterFactory(project__corporation=project_a.corporation)
    response = client_for(staff_a).post(
        reverse("projects:unit_create", args=[project_a.pk]),
        {
            "number": "B-01",
            "cluster": other_project_cluster.pk,
            "kind": "room",
            "floor_area": "20",
            "rent": "400",
            "max_household": 1,
        },
    )
    assert "cluster" in response.context["form"].errors


def test_staff_adds_a_cluster(staff_a, project_a, client_for):
    client_for(staff_a).post(
        reverse("projects:cluster_create", args=[project_a.pk]),
        {"name": "Gang C", "kind": "corridor", "dragend_min": 40, "dragend_max": 60},
    )
    assert Cluster.objects.get(project=project_a, name="Gang C").band == (40, 60)


def test_staff_adds_a_person_and_the_history_shows_who(staff_a, corp_a, client_for):
    client = client_for(staff_a)
    response = client.post(
        reverse("residents:person_create"),
        {
            "corporation": corp_a.pk,
            "first_name": "Samira",
            "last_name": "El Amrani",
            "date_of_birth": "2001-05-04",
            "preferred_language": "nl",
            "target_group": TargetGroup.objects.get(code="statushouder").pk,
            "role": "vragend",
            "household_size": 1,
        },
    )
    person = Person.objects.get(first_name="Samira")
    assert response["Location"] == reverse("residents:person_detail", args=[person.pk])
    client.post(
        reverse("residents:person_edit", args=[person.pk]),
        {
            "corporation": corp_a.pk,
            "first_name": "Samira",
            "last_name": "El Amrani",
            "date_of_birth": "2001-05-04",
            "phone": "06 1234 5678",
            "preferred_language": "nl",
            "target_group": TargetGroup.objects.get(code="statushouder").pk,
            "role": "vragend",
            "household_size": 1,
        },
    )
    change = person.history.order_by("-history_date").first()
    assert change.history_user == staff_a
    page = client.get(reverse("residents:person_detail", args=[person.pk])).content.decode()
    assert staff_a.email in page


def test_person_notes_carry_the_no_diagnosis_warning(staff_a, client_for):
    page = client_for(staff_a).get(reverse("residents:person_create")).content.decode()
    assert "BSN" in page


def test_person_form_has_no_bsn_field():
    field_names = {f.name.lower() for f in Person._meta.get_fields()}
    assert not {"bsn", "burgerservicenummer", "citizen_service_number"} & field_names


def test_contract_form_shows_the_overlap_and_saves_nothing(staff_a, project_a, client_for):
    unit = UnitFactory(project=project_a)
    ContractFactory(unit=unit, start_date=dt.date(2025, 1, 1))
    newcomer = PersonFactory(corporation=project_a.corporation)
    response = client_for(staff_a).post(
        reverse("residents:contract_create", args=[newcomer.pk]),
        {
            "unit": unit.pk,
            "contract_type": ContractType.objects.get(code="regulier").pk,
            "start_date": "2026-03-01",
            "signed_on": "2026-02-15",
        },
    )
    assert response.status_code == 200
    assert "start_date" in response.context["form"].errors
    assert not Contract.objects.filter(person=newcomer).exists()


def test_contract_form_offers_only_units_of_the_tenants_corporation(
    staff_a, project_a, project_b, client_for
):
    own = UnitFactory(project=project_a)
    foreign = UnitFactory(project=project_b)
    person = PersonFactory(corporation=project_a.corporation)
    response = client_for(staff_a).post(
        reverse("residents:contract_create", args=[person.pk]),
        {
            "unit": foreign.pk,
            "contract_type": ContractType.objects.get(code="regulier").pk,
            "start_date": "2026-03-01",
            "signed_on": "2026-02-15",
        },
    )
    assert "unit" in response.context["form"].errors
    assert own in response.context["form"].fields["unit"].queryset


def test_omklap_contract_takes_the_types_guidance_period(staff_a, project_a, care_org, client_for):
    person = PersonFactory(corporation=project_a.corporation, role="vragend")
    unit = UnitFactory(project=project_a)
    client_for(staff_a).post(
        reverse("residents:contract_create", args=[person.pk]),
        {
            "unit": unit.pk,
            "contract_type": ContractType.objects.get(code="omklap").pk,
            "start_date": "2026-01-01",
            "holder_organisation": care_org.pk,
            "signed_on": "2025-12-15",
        },
    )
    contract = Contract.objects.get(person=person)
    assert contract.guidance_months == 36
    assert contract.holder_display == care_org.name


def test_ending_a_contract_records_reason_and_destination(staff_a, project_a, client_for):
    contract = ContractFactory(unit=UnitFactory(project=project_a), start_date=dt.date(2024, 1, 1))
    client = client_for(staff_a)
    data = {"end_date": "2026-10-31", "end_reason": "tenant_notice", "outflow": "social_rent"}
    summary = client.post(reverse("residents:contract_end", args=[contract.pk]), data)
    assert summary.status_code == 200
    assert 'name="confirmed" value="1"' in summary.content.decode()
    contract.refresh_from_db()
    assert contract.status == ContractStatus.ACTIVE  # nothing happens before the confirmation
    response = client.post(
        reverse("residents:contract_end", args=[contract.pk]), data | {"confirmed": "1"}
    )
    contract.refresh_from_db()
    assert response.status_code == 302
    assert contract.status == ContractStatus.ENDED
    assert contract.end_date == dt.date(2026, 10, 31)
    assert contract.outflow == "social_rent"


def test_ending_before_the_start_is_refused_on_the_form(staff_a, project_a, client_for):
    contract = ContractFactory(unit=UnitFactory(project=project_a), start_date=dt.date(2024, 1, 1))
    response = client_for(staff_a).post(
        reverse("residents:contract_end", args=[contract.pk]),
        {"end_date": "2023-12-31", "end_reason": "tenant_notice", "outflow": "unknown"},
    )
    contract.refresh_from_db()
    assert response.status_code == 200
    assert response.context["form"].errors
    assert contract.status == ContractStatus.ACTIVE


def test_an_ended_contract_cannot_be_edited(staff_a, project_a, client_for):
    contract = ContractFactory(
        unit=UnitFactory(project=project_a),
        start_date=dt.date(2024, 1, 1),
        end_date=dt.date(2025, 1, 1),
        status=ContractStatus.ENDED,
        end_reason="tenant_notice",
        outflow="unknown",
    )
    response = client_for(staff_a).get(reverse("residents:contract_edit", args=[contract.pk]))
    assert response.status_code == 302


# The people list: filters and paging


@pytest.fixture
def people(project_a):
    cluster = ClusterFactory(project=project_a)
    rows = {}
    for i, (name, role, group, ctype, end) in enumerate(
        [
            ("Daan", "dragend", "student", "regulier", None),
            ("Fatima", "vragend", "statushouder", "tijdelijk", dt.date(2027, 1, 31)),
            ("Joost", "dragend", "starter", "jongeren", dt.date(2029, 6, 30)),
        ]
    ):
        person = PersonFactory(
            corporation=project_a.corporation,
            first_name=name,
            role=role,
            target_group_code=group,
            date_of_birth=dt.date(2002, 1, 1),
        )
        ContractFactory(
            person=person,
            unit=UnitFactory(project=project_a, cluster=cluster, number=f"P{i}"),
            contract_type_code=ctype,
            start_date=dt.date(2025, 2, 1),
            end_date=end,
        )
        rows[name] = person
    rows["Kandidaat"] = PersonFactory(corporation=project_a.corporation, first_name="Kandidaat")
    return rows


def _listed(client, **params):
    response = client.get(reverse("residents:person_list"), params)
    return {person.first_name for person, _ in response.context["rows"]}


def test_people_list_filters(staff_a, people, project_a, client_for):
    client = client_for(staff_a)
    assert _listed(client) == {"Daan", "Fatima", "Joost", "Kandidaat"}
    assert _listed(client, role="vragend") == {"Fatima"}
    assert _listed(client, target_group=TargetGroup.objects.get(code="starter").pk) == {"Joost"}
    assert _listed(client, contract_type=ContractType.objects.get(code="tijdelijk").pk) == {
        "Fatima"
    }
    assert _listed(client, ending_after="2027-01-31", ending_before="2027-01-31") == {"Fatima"}
    assert _listed(client, ending_after="2027-02-01") == {"Joost"}
    assert _listed(client, project=project_a.pk) == {"Daan", "Fatima", "Joost"}
    assert _listed(client, status="other") == {"Kandidaat"}
    assert _listed(client, q="fati") == {"Fatima"}


def test_people_list_refuses_a_project_of_another_corporation(
    staff_a, people, project_b, client_for
):
    response = client_for(staff_a).get(reverse("residents:person_list"), {"project": project_b.pk})
    assert "project" in response.context["filter"].form.errors


def test_people_list_is_paged(staff_a, corp_a, client_for, settings):
    settings.PAGE_SIZE = 5
    PersonFactory.create_batch(12, corporation=corp_a)
    client = client_for(staff_a)
    first = client.get(reverse("residents:person_list"))
    third = client.get(reverse("residents:person_list"), {"page": 3})
    assert len(first.context["rows"]) == 5
    assert len(third.context["rows"]) == 2


# Project page: the mix per cluster against its band


def test_project_page_shows_occupants_and_cluster_mix(staff_a, project_a, client_for):
    cluster = ClusterFactory(project=project_a, name="Gang Noord", dragend_min=40, dragend_max=60)
    for i, role in enumerate(["dragend", "dragend", "dragend", "vragend"]):
        ContractFactory(
            unit=UnitFactory(project=project_a, cluster=cluster, number=f"N{i}"),
            person__role=role,
            person__first_name=f"Bewoner{i}",
        )
    UnitFactory(project=project_a, cluster=cluster, number="N9")
    response = client_for(staff_a).get(reverse("residents:project_detail", args=[project_a.pk]))
    page = response.content.decode()
    _cluster, mix, units = response.context["sections"][0]
    assert (mix.dragend, mix.vragend) == (3, 1)
    assert mix.share == 75
    assert mix.within_band is False
    assert "Bewoner3" in page
    assert response.context["vacant_count"] == 1


# Home pages per role


def test_staff_home_lists_their_projects(staff_a, project_a, project_b, client_for):
    page = client_for(staff_a).get(reverse("home")).content.decode()
    assert project_a.name in page
    assert project_b.name not in page


def test_policy_home_shows_projects_and_the_dashboard_but_no_person(
    policy_a, project_a, client_for
):
    for i in range(3):
        ContractFactory(
            unit=UnitFactory(project=project_a, number=f"H{i}"),
            person__first_name=f"Geheim{i}",
            person__role="vragend" if i == 0 else "dragend",
        )
    response = client_for(policy_a).get(reverse("home"))
    page = response.content.decode()
    assert project_a.name in page
    assert "Geheim" not in page
    # No count of people here: those are on the dashboard, under its suppression rules.
    assert response.context["policy_projects"] == [project_a]
    assert reverse("dashboard") in page


def test_policy_home_shows_only_their_municipality(policy_a, project_a, project_b, client_for):
    page = client_for(policy_a).get(reverse("home")).content.decode()
    assert project_a.name in page
    assert project_b.name not in page


def test_member_home_shows_their_association(member_a, project_a, client_for):
    page = client_for(member_a).get(reverse("home")).content.decode()
    assert project_a.name in page


def test_user_without_role_is_told_so(outsider, client_for):
    response = client_for(outsider).get(reverse("home"))
    assert response.status_code == 200
    assert not response.context.get("staff_rows")
    assert not response.context.get("policy_projects")


def test_staff_sets_maximum_shares_per_target_group(staff_a, project_a, client_for):
    statushouder = TargetGroup.objects.get(code="statushouder")
    student = TargetGroup.objects.get(code="student")
    client = client_for(staff_a)
    url = reverse("residents:group_limits", args=[project_a.pk])
    client.post(url, {f"group_{statushouder.pk}": "35", f"group_{student.pk}": "60"})
    client.post(url, {f"group_{statushouder.pk}": "30"})
    assert dict(project_a.group_limits.values_list("target_group__code", "max_share")) == {
        "statushouder": 30
    }
    response = client.post(url, {f"group_{student.pk}": "150"})
    assert f"group_{student.pk}" in response.context["form"].errors
