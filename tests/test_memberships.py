"""A person is a member of a project's association at most once at a time: refused with a
message by the model and the admin, and by the database for what bypasses both."""

import datetime as dt

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import translation

from residents.models import AssociationMembership

from .factories import AssociationMembershipFactory


@pytest.fixture
def membership(db):
    return AssociationMembershipFactory(joined_on=dt.date(2024, 1, 1))


def test_the_database_refuses_a_second_open_membership(membership):
    with pytest.raises(IntegrityError), transaction.atomic():
        AssociationMembership.objects.create(
            person=membership.person, project=membership.project, joined_on=dt.date(2025, 1, 1)
        )
    assert AssociationMembership.objects.count() == 1


def test_after_leaving_the_person_can_join_again(membership):
    membership.left_on = dt.date(2024, 12, 31)
    membership.save()
    again = AssociationMembership(
        person=membership.person, project=membership.project, joined_on=dt.date(2025, 1, 1)
    )
    again.full_clean()
    again.save()
    assert membership.person.association_memberships.count() == 2


@pytest.mark.parametrize(
    ("joined_on", "left_on", "refused"),
    [
        (dt.date(2024, 12, 31), None, True),  # starts on the last day of the ended one
        (dt.date(2023, 6, 1), dt.date(2024, 1, 1), True),  # ends on its first day
        (dt.date(2024, 3, 1), dt.date(2024, 4, 1), True),  # lies inside it
        (dt.date(2025, 1, 1), None, False),  # the day after
        (dt.date(2023, 1, 1), dt.date(2023, 12, 31), False),  # the day before
    ],
)
def test_a_period_that_overlaps_an_ended_membership_is_refused(
    membership, joined_on, left_on, refused
):
    membership.left_on = dt.date(2024, 12, 31)
    membership.save()
    other = AssociationMembership(
        person=membership.person, project=membership.project, joined_on=joined_on, left_on=left_on
    )
    if refused:
        with translation.override("en"):
            with pytest.raises(ValidationError) as error:
                other.full_clean()
            assert "already a member of this association in that period" in str(error.value)
    else:
        other.full_clean()


def test_the_admin_refuses_a_duplicate_with_a_message_and_saves_nothing(
    membership, admin_user, client_for
):
    response = client_for(admin_user).post(
        reverse("admin:residents_associationmembership_add"),
        {
            "person": membership.person.pk,
            "project": membership.project.pk,
            "joined_on": "2025-03-01",
            "left_on": "",
        },
        HTTP_ACCEPT_LANGUAGE="nl",
    )
    assert response.status_code == 200
    assert AssociationMembership.objects.count() == 1
    with translation.override("nl"):
        errors = str(response.context["adminform"].form.errors)
    assert "al lid van de woonvereniging" in errors
