"""`manage.py load_demo`: idempotent, the promised projects and people, valid, relative to today."""

import datetime as dt
from collections import Counter
from io import StringIO
from zoneinfo import ZoneInfo

import pytest
import time_machine
from allauth.account.models import EmailAddress
from django.contrib.auth import authenticate, get_user_model
from django.core.management import call_command
from django.utils import timezone

from projects.models import (
    Cluster,
    ClusterKind,
    Membership,
    Organisation,
    OrganisationKind,
    Project,
    Role,
    Unit,
)
from residents.dates import add_months
from residents.demo import (
    ACCOUNTS,
    DEMO_PASSWORD,
    MAJELLA,
    MEMBER_EMAIL,
    NOTES,
    PLACE2BU,
    STARTBLOK,
    STARTERS,
    in_notice_window,
)
from residents.models import (
    AssociationMembership,
    Contract,
    ContractStatus,
    ContractType,
    EndReason,
    Person,
    ResidentRole,
    TargetGroup,
    TargetGroupLimit,
    unit_occupied_expression,
)

AMSTERDAM = ZoneInfo("Europe/Amsterdam")
User = get_user_model()


def load_demo() -> str:
    out = StringIO()
    call_command("load_demo", stdout=out)
    return out.getvalue()


@pytest.fixture
def demo(db):
    load_demo()


def current_roles(project: Project, on: dt.date) -> Counter:
    contracts = Contract.objects.in_force(on).filter(unit__project=project)
    return Counter(contracts.values_list("person__role", flat=True))


def counts() -> dict[str, int]:
    models = [
        Organisation,
        Project,
        Cluster,
        Unit,
        Person,
        Contract,
        User,
        Membership,
        AssociationMembership,
        TargetGroupLimit,
        EmailAddress,
        Person.history.model,
        Contract.history.model,
    ]
    return {model._meta.label: model._default_manager.count() for model in models}


def test_a_second_run_changes_nothing(db):
    first = load_demo()
    before = counts()
    second = load_demo()

    assert counts() == before
    assert "Demo data loaded" in first
    assert "already" in second
    assert before["residents.Contract"] > 0


def test_projects_and_residents_are_as_promised(demo):
    today = timezone.localdate()
    projects = {project.name: project for project in Project.objects.all()}
    majella, startblok = projects[MAJELLA.name], projects[STARTBLOK.name]
    place2bu, starters = projects[PLACE2BU.name], projects[STARTERS.name]

    assert majella.units.count() == 64
    assert 110 <= startblok.units.count() <= 130
    assert starters.units.count() == 30
    assert startblok.clusters.filter(kind=ClusterKind.CORRIDOR).count() == 6
    assert not Unit.objects.filter(cluster=None).exists()
    assert Unit.objects.filter(wheelchair_accessible=True).exists()
    assert majella.has_association
    assert majella.contribution_hours == 16
    assert place2bu.permit_end_date is not None
    assert place2bu.permit_end_date > add_months(today, 12 * 6)

    roles = current_roles(majella, today)
    assert roles[ResidentRole.DRAGEND] == roles[ResidentRole.VRAGEND] > 0
    place2bu_roles = current_roles(place2bu, today)
    assert place2bu_roles[ResidentRole.DRAGEND] == 3 * place2bu_roles[ResidentRole.VRAGEND]
    for project in projects.values():
        roles = current_roles(project, today)
        share = 100 * roles[ResidentRole.DRAGEND] / roles.total()
        assert project.dragend_min <= share <= project.dragend_max, project.name
        assert project.group_limits.exists()

    vragend = Person.objects.filter(role=ResidentRole.VRAGEND)
    assert not vragend.filter(care_organisation=None).exists()
    assert not vragend.filter(care_contact_name="").exists()
    assert Person.objects.filter(share_profile_consent=True).exists()
    assert set(Person.objects.exclude(notes="").values_list("notes", flat=True)) <= set(NOTES)


def test_contracts_cover_every_type_and_date_case(demo):
    today = timezone.localdate()
    active = Contract.objects.filter(status=ContractStatus.ACTIVE)
    fixed = active.filter(contract_type__fixed_term=True)

    used = set(Contract.objects.values_list("contract_type__code", flat=True))
    assert used == set(ContractType.objects.values_list("code", flat=True))
    used_groups = set(Person.objects.values_list("target_group__code", flat=True))
    assert used_groups == set(TargetGroup.objects.values_list("code", flat=True))

    in_window = fixed.ending_between(add_months(today, 1), add_months(today, 3))
    assert in_window.exists()
    assert all(in_notice_window(contract.end_date, today) for contract in in_window)
    assert fixed.ending_between(today, add_months(today, 1) - dt.timedelta(days=1)).exists()
    assert fixed.filter(end_date__gt=add_months(today, 3)).exists()

    ended = Contract.objects.filter(status=ContractStatus.ENDED)
    assert ended.filter(end_date__lt=today).count() == ended.count() > 0
    assert not ended.filter(end_reason="").exists()
    # A flipped omklap is no outflow (the tenant stays); every other end names a destination.
    assert not ended.exclude(end_reason=EndReason.FLIPPED).filter(outflow="").exists()
    assert ended.filter(end_reason=EndReason.FLIPPED).exists()
    assert not ended.filter(end_reason=EndReason.FLIPPED).exclude(outflow="").exists()

    omklap = active.filter(
        contract_type__is_omklap=True, holder_organisation__kind=OrganisationKind.CARE
    )
    underway = omklap.filter(
        start_date__gte=add_months(today, -30), start_date__lte=add_months(today, -6)
    )
    assert underway.exists()

    for project in Project.objects.all():
        units = project.units.annotate(occupied=unit_occupied_expression(today))
        assert units.filter(occupied=False).exists(), project.name
    for corporation in Organisation.objects.filter(kind=OrganisationKind.CORPORATION):
        assert corporation.persons.filter(contracts=None).count() >= 3


def test_every_demo_account_logs_in(demo):
    today = timezone.localdate()
    for email, organisation, role in ACCOUNTS:
        user = authenticate(username=email, password=DEMO_PASSWORD)
        assert user is not None, email
        assert user.email == user.username == email
        assert EmailAddress.objects.filter(
            user=user, email=email, verified=True, primary=True
        ).exists()
        if organisation:
            assert user.memberships.get().organisation.name == organisation
            assert user.memberships.get().role == role

    admin = User.objects.get(username="admin@magicmix.example")
    assert admin.is_superuser
    assert admin.is_staff
    assert User.objects.get(username="readonly@stadswonen.example").memberships.get().role == (
        Role.READONLY
    )

    member = Person.objects.get(user__username=MEMBER_EMAIL)
    assert member.role == ResidentRole.DRAGEND
    assert (
        Contract.objects.in_force(today)
        .filter(person=member, unit__project__name=MAJELLA.name)
        .exists()
    )
    memberships = member.association_memberships.active(today)
    assert memberships.filter(project__name=MAJELLA.name).exists()


def test_every_record_passes_full_clean(demo):
    for model in (Organisation, Project, Cluster, Unit, Person, AssociationMembership):
        for obj in model._default_manager.all():
            obj.full_clean()
    contracts = Contract.objects.select_related("person", "unit__project", "contract_type")
    for contract in contracts:
        contract.full_clean()

    today = timezone.localdate()
    majella = Project.objects.get(name=MAJELLA.name)
    residents = Contract.objects.in_force(today).filter(unit__project=majella)
    members = majella.association_memberships.active(today)
    assert set(residents.values_list("person", flat=True)) == set(
        members.values_list("person", flat=True)
    )


@pytest.mark.parametrize(
    "moment",
    [
        dt.datetime(2027, 1, 31, 9, 0, tzinfo=AMSTERDAM),
        dt.datetime(2028, 2, 29, 23, 30, tzinfo=AMSTERDAM),  # 22:30 UTC: local date counts
    ],
)
def test_the_notice_window_follows_the_date(db, moment):
    with time_machine.travel(moment, tick=False):
        load_demo()
        today = timezone.localdate()

    assert today == moment.date()
    fixed = Contract.objects.filter(status=ContractStatus.ACTIVE, contract_type__fixed_term=True)
    in_window = [c for c in fixed if in_notice_window(c.end_date, today)]
    assert in_window
    for contract in in_window:
        assert add_months(today, 1) <= contract.end_date <= add_months(today, 3)
    assert not Contract.objects.filter(start_date__gt=today).exists()
    assert not Person.objects.filter(date_of_birth__gt=today).exists()
