"""Staff keep the association's members: list, add, end; outsiders 404, read-only 403."""

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone

from residents.models import AssociationMembership

from .factories import ContractFactory, PersonFactory, UnitFactory, association_member
from .test_query_counts import count_queries


@pytest.fixture
def newcomer(project_a):
    """A resident of project A with a contract, not a member."""
    person = PersonFactory(corporation=project_a.corporation, first_name="Noor")
    ContractFactory(person=person, unit=UnitFactory(project=project_a))
    return person


def page(client, project, **params):
    return client.get(reverse("residents:association", args=[project.pk]), params)


def test_staff_adds_a_resident_who_then_shows_as_member(staff_a, project_a, newcomer, client_for):
    client = client_for(staff_a)
    url = reverse("residents:membership_add", args=[project_a.pk])
    form = client.get(url).content.decode()
    assert f'value="{newcomer.pk}"' in form
    today = timezone.localdate()
    response = client.post(url, {"person": newcomer.pk, "joined_on": today.isoformat()})
    assert response.status_code == 302
    membership = AssociationMembership.objects.get(person=newcomer)
    assert membership.joined_on == today
    assert newcomer.list_label in page(client, project_a).content.decode()
    again = client.get(url).content.decode()
    assert f'value="{newcomer.pk}"' not in again  # a member now: not offered twice
    refused = client.post(url, {"person": newcomer.pk, "joined_on": today.isoformat()})
    assert refused.status_code == 200
    assert AssociationMembership.objects.filter(person=newcomer).count() == 1


def test_only_residents_of_the_project_are_offered(staff_a, project_a, corp_a, client_for):
    elsewhere = PersonFactory(corporation=corp_a)  # a candidate without a contract here
    left = PersonFactory(corporation=corp_a)
    ContractFactory(
        person=left,
        unit=UnitFactory(project=project_a),
        start_date=dt.date(2020, 1, 1),
        end_date=dt.date(2021, 12, 31),
        status="ended",
        end_reason="tenant_notice",
        outflow="unknown",
    )
    client = client_for(staff_a)
    url = reverse("residents:membership_add", args=[project_a.pk])
    for person in (elsewhere, left):
        response = client.post(url, {"person": person.pk, "joined_on": "2026-01-01"})
        assert "person" in response.context["form"].errors
    assert not AssociationMembership.objects.filter(person__in=[elsewhere, left]).exists()


def test_ending_a_membership_and_its_edge_days(staff_a, project_a, client_for):
    member = association_member(project_a, joined_on=dt.date(2025, 3, 1))
    membership = member.association_memberships.get()
    client = client_for(staff_a)
    url = reverse("residents:membership_end", args=[membership.pk])
    before = client.post(url, {"left_on": "2025-02-28"})
    assert "left_on" in before.context["form"].errors
    membership.refresh_from_db()
    assert membership.left_on is None
    assert client.post(url, {"left_on": "2025-03-01"}).status_code == 302  # same day: allowed
    membership.refresh_from_db()
    assert membership.left_on == dt.date(2025, 3, 1)
    assert member.list_label not in page(client, project_a).content.decode()
    assert member.list_label in page(client, project_a, status="former").content.decode()
    assert client.get(url).status_code == 302  # ended: nothing to end again


def test_the_list_filters_by_name_and_pages(staff_a, project_a, client_for, settings):
    settings.PAGE_SIZE = 2
    for name in ("Anna", "Bram", "Cas"):
        association_member(project_a, first_name=name)
    client = client_for(staff_a)
    found = page(client, project_a, q="bram").content.decode()
    assert "Bram" in found
    assert "Anna" not in found
    assert page(client, project_a).context["page_obj"].paginator.num_pages == 2


def test_the_list_does_not_grow_with_members(staff_a, project_a, client_for):
    client = client_for(staff_a)
    url = reverse("residents:association", args=[project_a.pk])
    for _ in range(2):
        association_member(project_a)
    small = count_queries(client, url)
    for _ in range(12):
        association_member(project_a)
    assert count_queries(client, url) == small


def _membership(project):
    return association_member(project).association_memberships.get()


@pytest.mark.parametrize("persona", ["staff_b", "policy_a", "member_a", "outsider", "care_worker"])
def test_outsiders_get_404(request, project_a, client_for, persona):
    membership = _membership(project_a)
    client = client_for(request.getfixturevalue(persona))
    assert page(client, project_a).status_code == 404
    add = reverse("residents:membership_add", args=[project_a.pk])
    end = reverse("residents:membership_end", args=[membership.pk])
    assert client.get(add).status_code == 404
    assert client.post(end, {"left_on": "2026-01-01"}).status_code == 404
    membership.refresh_from_db()
    assert membership.left_on is None


def test_read_only_sees_the_list_but_gets_403_on_changes(
    readonly_a, project_a, newcomer, client_for
):
    membership = _membership(project_a)
    client = client_for(readonly_a)
    listing = page(client, project_a)
    assert listing.status_code == 200
    assert reverse("residents:membership_add", args=[project_a.pk]) not in listing.content.decode()
    add = reverse("residents:membership_add", args=[project_a.pk])
    assert client.post(add, {"person": newcomer.pk, "joined_on": "2026-01-01"}).status_code == 403
    end = reverse("residents:membership_end", args=[membership.pk])
    assert client.post(end, {"left_on": "2026-01-01"}).status_code == 403
    assert not AssociationMembership.objects.filter(person=newcomer).exists()
