"""The care-contact picker of the contract form lists only the care workers of the care partners
of the corporation's projects, each with their organisation, never every care login."""

import re

import pytest
from django.urls import reverse

from projects.models import Role

from .factories import CareOrganisationFactory, MembershipFactory, PersonFactory, UserFactory


@pytest.fixture
def stranger_worker(db):
    """A care worker of a care organisation that works with none of corporation A's projects."""
    user = UserFactory(email="stranger@elders.example", first_name="Vera", last_name="Vreemd")
    MembershipFactory(
        user=user, organisation=CareOrganisationFactory(name="Elders"), role=Role.CARE
    )
    return user


def picker(client, person) -> list[str]:
    html = client.get(reverse("residents:contract_create", args=[person.pk])).content.decode()
    select = re.search(r'<select name="care_worker".*?</select>', html, re.S).group(0)
    return [label.strip() for label in re.findall(r"<option value=\"\d+\"[^>]*>([^<]+)<", select)]


def test_only_the_care_partners_workers_are_offered(
    project_a, care_org, care_worker, stranger_worker, staff_a, client_for
):
    person = PersonFactory(corporation=project_a.corporation)
    client = client_for(staff_a)
    assert picker(client, person) == []  # care_org is no partner of any project yet

    project_a.care_partners.add(care_org)
    options = picker(client, person)
    assert options == [
        f"{care_worker.get_full_name() or care_worker.email} (worker@zorg.example)"
        " – Zorg en Begeleiding"
    ]
    assert not any("stranger@elders.example" in option for option in options)


def test_a_worker_outside_the_partners_is_refused_on_save(
    project_a, care_org, stranger_worker, staff_a, client_for
):
    project_a.care_partners.add(care_org)
    person = PersonFactory(corporation=project_a.corporation)
    response = client_for(staff_a).post(
        reverse("residents:contract_create", args=[person.pk]),
        {"care_worker": stranger_worker.pk, "holder_organisation": care_org.pk},
    )
    assert response.status_code == 200
    assert "care_worker" in response.context["form"].errors
    assert not person.contracts.exists()
