"""Edits of many people at once from the people list: choose, confirm, all or nothing."""

import datetime as dt

import pytest
from django.urls import reverse

from residents.models import AssociationMembership, Person

from .factories import PersonFactory, association_member

URL = reverse("residents:people_bulk")


def confirm(client, data):
    """Through the confirmation page, as a user does: what it showed is what is changed."""
    page = client.post(URL, data)
    assert page.status_code == 200
    selection = page.context["extra_hidden"]["selection"]
    return client.post(URL, {**data, "selection": selection, "confirmed": "1"})


@pytest.fixture
def two(corp_a):
    return [
        PersonFactory(corporation=corp_a, last_name="Aalders", role="dragend"),
        PersonFactory(corporation=corp_a, last_name="Bakker", role="vragend"),
    ]


def test_staff_set_the_responsible_staff_member_of_ticked_people(staff_a, two, client_for):
    client = client_for(staff_a)
    listing = client.get(reverse("residents:person_list")).content.decode()
    assert f'name="person" value="{two[0].pk}"' in listing
    chosen = {"action": "responsible", "person": [p.pk for p in two]}
    page = client.get(URL, chosen)
    assert page.status_code == 200
    assert "Aalders" in page.content.decode()
    ids = ",".join(str(p.pk) for p in two)
    check = client.post(URL, {"action": "responsible", "ids": ids, "responsible_staff": staff_a.pk})
    assert "2 personen krijgen als verantwoordelijke medewerker" in check.content.decode()
    assert not Person.objects.filter(responsible_staff=staff_a).exists()  # not before confirming
    done = confirm(client, {"action": "responsible", "ids": ids, "responsible_staff": staff_a.pk})
    assert done.url == reverse("residents:person_list")
    assert Person.objects.filter(responsible_staff=staff_a).count() == 2
    record = two[0].history.latest()
    assert record.history_user == staff_a
    filtered = client.get(reverse("residents:person_list"), {"responsible_staff": staff_a.pk})
    assert filtered.context["page_obj"].paginator.count == 2


def test_all_people_the_filters_find(staff_a, two, client_for):
    client = client_for(staff_a)
    listing = client.get(reverse("residents:person_list"), {"role": "dragend"}).content.decode()
    assert 'name="filter-role" value="dragend"' in listing
    data = {"action": "responsible", "all": "1", "filter-role": "dragend"}
    confirm(client, {**data, "responsible_staff": staff_a.pk})
    assert list(Person.objects.filter(responsible_staff=staff_a)) == [two[0]]


def test_all_the_filters_find_is_what_the_confirmation_counted(staff_a, two, corp_a, client_for):
    """A person the filters find only after the confirmation page was shown is not changed."""
    client = client_for(staff_a)
    data = {"action": "responsible", "all": "1", "filter-role": "dragend"}
    page = client.post(URL, {**data, "responsible_staff": staff_a.pk})
    selection = page.context["extra_hidden"]["selection"]
    PersonFactory(corporation=corp_a, role="dragend", last_name="Later")
    response = client.post(
        URL, {**data, "responsible_staff": staff_a.pk, "selection": selection, "confirmed": "1"}
    )
    assert response.status_code == 200
    assert "veranderd" in response.content.decode()
    assert not Person.objects.filter(responsible_staff=staff_a).exists()


def test_staff_of_another_corporation_cannot_be_made_responsible(staff_a, staff_b, two, client_for):
    ids = ",".join(str(p.pk) for p in two)
    response = client_for(staff_a).post(
        URL,
        {"action": "responsible", "ids": ids, "responsible_staff": staff_b.pk, "confirmed": "1"},
    )
    assert "responsible_staff" in response.context["form"].errors
    assert not Person.objects.exclude(responsible_staff=None).exists()


def test_ending_memberships_is_all_or_nothing(staff_a, project_a, client_for):
    early = association_member(project_a, joined_on=dt.date(2024, 1, 1))
    late = association_member(project_a, joined_on=dt.date(2026, 6, 1))
    client = client_for(staff_a)
    ids = f"{early.pk},{late.pk}"
    refused = client.post(
        URL, {"action": "end_memberships", "ids": ids, "left_on": "2026-05-31", "confirmed": "1"}
    )
    assert late.full_name in refused.content.decode()
    assert not AssociationMembership.objects.exclude(left_on=None).exists()
    page = client.post(URL, {"action": "end_memberships", "ids": ids, "left_on": "2026-06-01"})
    assert "2 lidmaatschappen van een woonvereniging eindigen" in page.content.decode()
    confirm(client, {"action": "end_memberships", "ids": ids, "left_on": "2026-06-01"})
    assert set(AssociationMembership.objects.values_list("left_on", flat=True)) == {
        dt.date(2026, 6, 1)
    }


def test_an_ended_membership_is_history_and_stays_as_it_was(staff_a, project_a, client_for):
    left = association_member(
        project_a, joined_on=dt.date(2022, 1, 1), left_on=dt.date(2024, 6, 30)
    )
    now = association_member(project_a, joined_on=dt.date(2022, 1, 1))
    confirm(
        client_for(staff_a),
        {"action": "end_memberships", "ids": f"{left.pk},{now.pk}", "left_on": "2023-02-01"},
    )
    assert left.association_memberships.get().left_on == dt.date(2024, 6, 30)
    assert now.association_memberships.get().left_on == dt.date(2023, 2, 1)


def test_people_without_a_membership_get_a_clear_message(staff_a, two, client_for):
    ids = ",".join(str(p.pk) for p in two)
    response = client_for(staff_a).post(
        URL, {"action": "end_memberships", "ids": ids, "left_on": "2026-01-01"}
    )
    assert "left_on" in response.context["form"].errors


def test_nobody_ticked_or_no_action_goes_back_to_the_list(staff_a, two, client_for):
    client = client_for(staff_a)
    assert client.get(URL, {"action": "responsible"}).url == reverse("residents:person_list")
    assert client.get(URL, {"person": two[0].pk}).url == reverse("residents:person_list")


def test_someone_elses_person_among_the_ticked_is_not_found(staff_a, two, corp_b, client_for):
    stranger = PersonFactory(corporation=corp_b)
    ids = f"{two[0].pk},{stranger.pk}"
    response = client_for(staff_a).post(
        URL,
        {"action": "responsible", "ids": ids, "responsible_staff": staff_a.pk, "confirmed": "1"},
    )
    assert response.status_code == 404
    assert not Person.objects.exclude(responsible_staff=None).exists()


@pytest.mark.parametrize("persona", ["staff_b", "policy_a", "member_a", "outsider", "care_worker"])
def test_outsiders_get_404(request, two, client_for, persona):
    client = client_for(request.getfixturevalue(persona))
    data = {"action": "responsible", "ids": f"{two[0].pk}", "confirmed": "1"}
    assert client.get(URL, data).status_code == 404
    assert client.post(URL, data).status_code == 404


def test_read_only_gets_403_and_no_checkboxes(readonly_a, two, client_for):
    client = client_for(readonly_a)
    assert 'name="person"' not in client.get(reverse("residents:person_list")).content.decode()
    data = {"action": "responsible", "ids": f"{two[0].pk}", "confirmed": "1"}
    assert client.post(URL, data).status_code == 403
