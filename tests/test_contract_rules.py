"""The rules a contract must obey (Contract.clean and the PostgreSQL exclusion constraint), the
contract read methods, and who may see which rows (for_user scoping, projects.access helpers).

Each refusal is checked on the form field that carries its message, so a form shows it in the
right place.
"""

import datetime as dt

import pytest
from django.contrib.auth.models import AnonymousUser
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, connection, transaction
from django.http import Http404

from projects.access import get_project_for_user, get_unit_for_user
from projects.models import Project, Unit
from residents.models import Contract, ContractStatus, ContractType, EndReason, Outflow, Person

from .factories import (
    ContractFactory,
    CorporationFactory,
    MunicipalityFactory,
    PersonFactory,
    ProjectFactory,
    UnitFactory,
)

pytestmark = pytest.mark.django_db

D = dt.date


@pytest.fixture
def unit(project_a):
    return UnitFactory(project=project_a)


@pytest.fixture
def tenant(corp_a):
    return PersonFactory(corporation=corp_a, date_of_birth=D(2000, 6, 15))


def build(unit, person, **kwargs) -> Contract:
    """An unsaved contract, to run full_clean() on."""
    return ContractFactory.build(unit=unit, person=person, **kwargs)


def errors_of(contract: Contract) -> dict[str, list[str]]:
    with pytest.raises(ValidationError) as info:
        contract.full_clean()
    return info.value.message_dict


def assert_refused_on(contract: Contract, field: str) -> None:
    errors = errors_of(contract)
    assert field in errors, errors


def other_tenant(unit, **kwargs) -> Person:
    return PersonFactory(corporation=unit.project.corporation, **kwargs)


# Dates and duration


def test_a_regular_contract_passes(unit, tenant):
    build(unit, tenant).full_clean()


def test_end_before_start_is_refused_on_end_date(unit, tenant):
    contract = build(unit, tenant, start_date=D(2025, 5, 1), end_date=D(2025, 4, 30))
    assert list(errors_of(contract)) == ["end_date"]


def test_end_on_the_start_day_passes(unit, tenant):
    build(unit, tenant, start_date=D(2025, 5, 1), end_date=D(2025, 5, 1)).full_clean()


@pytest.mark.parametrize("code", ["tijdelijk", "jongeren"])
def test_a_fixed_term_type_needs_an_end_date(unit, tenant, code):
    contract = build(unit, tenant, contract_type_code=code, start_date=D(2025, 1, 1))
    assert_refused_on(contract, "end_date")


@pytest.mark.parametrize(
    ("start", "end", "ok"),
    [
        (D(2025, 1, 1), D(2026, 12, 31), True),  # exactly 24 months
        (D(2025, 1, 1), D(2027, 1, 1), False),  # one day over
        (D(2024, 1, 31), D(2026, 1, 30), True),  # month-end start: ends the day before 31 Jan
        (D(2024, 1, 31), D(2026, 1, 31), False),
        (D(2024, 2, 29), D(2026, 2, 28), True),  # no 29 February 2026: the month's last day
        (D(2024, 2, 29), D(2026, 3, 1), False),
    ],
)
def test_tijdelijk_lasts_at_most_24_months(unit, tenant, start, end, ok):
    contract = build(unit, tenant, contract_type_code="tijdelijk", start_date=start, end_date=end)
    if ok:
        contract.full_clean()
    else:
        assert_refused_on(contract, "end_date")


def test_a_type_valid_from_a_date_refuses_an_earlier_start(unit, tenant):
    ContractType.objects.filter(code="tijdelijk").update(valid_from=D(2024, 7, 1))
    early = build(
        unit,
        tenant,
        contract_type_code="tijdelijk",
        start_date=D(2024, 6, 30),
        end_date=D(2025, 6, 29),
    )
    assert_refused_on(early, "start_date")
    build(
        unit,
        tenant,
        contract_type_code="tijdelijk",
        start_date=D(2024, 7, 1),
        end_date=D(2025, 6, 30),
    ).full_clean()


# Jongerencontract: 18 to 27 at the start, once per person


@pytest.mark.parametrize(
    ("birth", "start", "ok"),
    [
        (D(2000, 6, 15), D(2018, 6, 14), False),  # 17: the day before the 18th birthday
        (D(2000, 6, 15), D(2018, 6, 15), True),  # the 18th birthday
        (D(2000, 6, 15), D(2028, 6, 14), True),  # 27: the day before the 28th birthday
        (D(2000, 6, 15), D(2028, 6, 15), False),  # the 28th birthday
        (D(2000, 2, 29), D(2018, 2, 28), False),  # born 29 February: still 17
        (D(2000, 2, 29), D(2018, 3, 1), True),
    ],
)
def test_jongerencontract_age_at_start(unit, birth, start, ok):
    person = other_tenant(unit, date_of_birth=birth)
    contract = build(
        unit,
        person,
        contract_type_code="jongeren",
        start_date=start,
        end_date=D(start.year + 1, 1, 1),
    )
    if ok:
        contract.full_clean()
    else:
        assert_refused_on(contract, "contract_type")


def test_jongerencontract_needs_a_date_of_birth(unit):
    person = other_tenant(unit, date_of_birth=None)
    contract = build(
        unit,
        person,
        contract_type_code="jongeren",
        start_date=D(2025, 1, 1),
        end_date=D(2025, 12, 31),
    )
    assert_refused_on(contract, "contract_type")


@pytest.mark.parametrize("first_status", [ContractStatus.ACTIVE, ContractStatus.ENDED])
def test_a_second_jongerencontract_is_refused(project_a, tenant, first_status):
    ContractFactory(
        unit=UnitFactory(project=project_a),
        person=tenant,
        contract_type_code="jongeren",
        start_date=D(2020, 1, 1),
        end_date=D(2021, 12, 31),
        status=first_status,
        end_reason=EndReason.TENANT_NOTICE if first_status == ContractStatus.ENDED else "",
        outflow=Outflow.SOCIAL_RENT if first_status == ContractStatus.ENDED else "",
    )
    second = build(
        UnitFactory(project=project_a),
        tenant,
        contract_type_code="jongeren",
        start_date=D(2022, 1, 1),
        end_date=D(2023, 12, 31),
    )
    assert_refused_on(second, "contract_type")


def test_a_draft_jongerencontract_does_not_use_up_the_one_chance(project_a, tenant):
    ContractFactory(
        unit=UnitFactory(project=project_a),
        person=tenant,
        contract_type_code="jongeren",
        start_date=D(2020, 1, 1),
        end_date=D(2021, 12, 31),
        status=ContractStatus.DRAFT,
    )
    build(
        UnitFactory(project=project_a),
        tenant,
        contract_type_code="jongeren",
        start_date=D(2022, 1, 1),
        end_date=D(2023, 12, 31),
    ).full_clean()


def test_saving_the_one_jongerencontract_again_passes(unit, tenant):
    contract = ContractFactory(
        unit=unit,
        person=tenant,
        contract_type_code="jongeren",
        start_date=D(2022, 1, 1),
        end_date=D(2023, 12, 31),
    )
    contract.full_clean()


# Target groups allowed per contract type


@pytest.mark.parametrize(
    ("group", "ok"),
    [("statushouder", True), ("student", True), ("regulier", False), ("oudere", False)],
)
def test_tijdelijk_only_for_the_listed_target_groups(unit, group, ok):
    person = other_tenant(unit, target_group_code=group)
    contract = build(
        unit,
        person,
        contract_type_code="tijdelijk",
        start_date=D(2025, 1, 1),
        end_date=D(2026, 12, 31),
    )
    if ok:
        contract.full_clean()
    else:
        assert_refused_on(contract, "contract_type")


# One contract in force per unit at a time


@pytest.mark.parametrize(
    ("b_start", "b_end", "ok"),
    [
        (D(2025, 6, 30), None, False),  # starts the day A ends: both in force on 30 June
        (D(2025, 7, 1), None, True),  # starts the day after
        (D(2025, 3, 1), D(2025, 4, 30), False),  # inside A
        (D(2024, 6, 1), D(2024, 12, 31), True),  # ends the day before A starts
        (D(2024, 6, 1), D(2025, 1, 1), False),  # ends the day A starts
        (D(2024, 6, 1), None, False),  # open-ended, starting before A
    ],
)
def test_overlap_with_a_fixed_end_contract(unit, b_start, b_end, ok):
    ContractFactory(unit=unit, start_date=D(2025, 1, 1), end_date=D(2025, 6, 30))
    b = build(unit, other_tenant(unit), start_date=b_start, end_date=b_end)
    if ok:
        b.full_clean()
    else:
        assert list(errors_of(b)) == ["start_date"]


def test_an_open_ended_contract_blocks_any_later_one(unit):
    ContractFactory(unit=unit, start_date=D(2025, 1, 1), end_date=None)
    later = build(unit, other_tenant(unit), start_date=D(2030, 1, 1), end_date=D(2030, 1, 31))
    assert_refused_on(later, "start_date")
    earlier = build(unit, other_tenant(unit), start_date=D(2024, 1, 1), end_date=D(2024, 12, 31))
    earlier.full_clean()


def test_an_ended_contract_still_holds_its_dates(unit):
    ContractFactory(
        unit=unit,
        start_date=D(2025, 1, 1),
        end_date=D(2025, 3, 31),
        status=ContractStatus.ENDED,
        end_reason=EndReason.TENANT_NOTICE,
        outflow=Outflow.UNKNOWN,
    )
    b = build(unit, other_tenant(unit), start_date=D(2025, 3, 31))
    assert_refused_on(b, "start_date")


def test_drafts_do_not_clash(unit):
    ContractFactory(unit=unit, start_date=D(2025, 1, 1), status=ContractStatus.DRAFT)
    build(unit, other_tenant(unit), start_date=D(2025, 2, 1)).full_clean()

    ContractFactory(unit=unit, start_date=D(2025, 2, 1))
    build(
        unit, other_tenant(unit), start_date=D(2025, 3, 1), status=ContractStatus.DRAFT
    ).full_clean()


def test_a_contract_does_not_clash_with_itself(unit):
    contract = ContractFactory(unit=unit, start_date=D(2025, 1, 1))
    contract.end_date = D(2025, 12, 31)
    contract.full_clean()


def test_another_unit_does_not_clash(unit, project_a):
    ContractFactory(unit=unit, start_date=D(2025, 1, 1))
    build(UnitFactory(project=project_a), other_tenant(unit), start_date=D(2025, 1, 1)).full_clean()


def test_the_database_refuses_an_overlap_that_skips_full_clean(unit):
    assert connection.vendor == "postgresql", "the exclusion constraint exists on PostgreSQL only"
    ContractFactory(unit=unit, start_date=D(2025, 1, 1), end_date=D(2025, 6, 30))

    for start in (D(2025, 6, 30), D(2025, 3, 1), D(2024, 1, 1)):  # touching, inside, around
        with pytest.raises(IntegrityError), transaction.atomic():
            ContractFactory(unit=unit, start_date=start)

    # Neither the day after nor a draft conflicts.
    ContractFactory(unit=unit, start_date=D(2025, 7, 1), end_date=D(2025, 12, 31))
    ContractFactory(unit=unit, start_date=D(2025, 3, 1), status=ContractStatus.DRAFT)
    assert Contract.objects.filter(unit=unit).count() == 3


def test_the_database_refuses_an_overlap_with_an_open_ended_contract(unit):
    assert connection.vendor == "postgresql", "the exclusion constraint exists on PostgreSQL only"
    ContractFactory(unit=unit, start_date=D(2025, 1, 1), end_date=None)
    with pytest.raises(IntegrityError), transaction.atomic():
        ContractFactory(unit=unit, start_date=D(2040, 1, 1), end_date=D(2040, 12, 31))


# Who holds the contract, household size, ending


def test_holder_organisation_only_on_omklap(unit, tenant, care_org):
    regular = build(unit, tenant, holder_organisation=care_org)
    assert_refused_on(regular, "holder_organisation")


def test_omklap_holder_must_be_a_care_organisation(unit, tenant, corp_b):
    contract = build(unit, tenant, contract_type_code="omklap", holder_organisation=corp_b)
    assert_refused_on(contract, "holder_organisation")


def test_omklap_held_by_a_care_organisation_passes(unit, tenant, care_org):
    build(unit, tenant, contract_type_code="omklap", holder_organisation=care_org).full_clean()


def test_household_larger_than_the_unit_is_refused(project_a):
    unit = UnitFactory(project=project_a, max_household=2)
    too_many = PersonFactory(corporation=project_a.corporation, household_size=3)
    assert_refused_on(build(unit, too_many), "unit")
    fits = PersonFactory(corporation=project_a.corporation, household_size=2)
    build(unit, fits).full_clean()


def test_tenant_and_unit_of_different_corporations_are_refused(unit, corp_b):
    assert_refused_on(build(unit, PersonFactory(corporation=corp_b)), "unit")


def test_an_ended_contract_needs_end_reason_and_outflow(unit, tenant):
    contract = build(
        unit,
        tenant,
        status=ContractStatus.ENDED,
        start_date=D(2024, 1, 1),
        end_date=D(2024, 12, 31),
    )
    errors = errors_of(contract)
    assert {"end_reason", "outflow"} <= set(errors)

    contract.end_reason = EndReason.TENANT_NOTICE
    contract.outflow = Outflow.PRIVATE_RENT
    contract.full_clean()


@pytest.mark.parametrize("reason", [EndReason.FLIPPED, EndReason.MOVED_WITHIN])
def test_a_tenant_who_stays_needs_no_outflow(unit, tenant, reason):
    contract = build(
        unit,
        tenant,
        status=ContractStatus.ENDED,
        start_date=D(2024, 1, 1),
        end_date=D(2024, 12, 31),
        end_reason=reason,
    )
    contract.full_clean()


def test_an_ended_contract_needs_its_end_date(unit, tenant):
    contract = build(
        unit,
        tenant,
        status=ContractStatus.ENDED,
        end_reason=EndReason.OTHER,
        outflow=Outflow.UNKNOWN,
    )
    assert_refused_on(contract, "end_date")


# Reads with a purpose


def test_in_force(unit, project_a):
    fixed = ContractFactory(unit=unit, start_date=D(2025, 1, 1), end_date=D(2025, 6, 30))
    open_ended = ContractFactory(unit=UnitFactory(project=project_a), start_date=D(2025, 3, 1))
    ended = ContractFactory(
        unit=UnitFactory(project=project_a),
        start_date=D(2024, 1, 1),
        end_date=D(2025, 2, 28),
        status=ContractStatus.ENDED,
        end_reason=EndReason.TENANT_NOTICE,
        outflow=Outflow.UNKNOWN,
    )
    ContractFactory(unit=UnitFactory(project=project_a), start_date=D(2024, 1, 1), status="draft")

    def on(day):
        return set(Contract.objects.in_force(day))

    assert on(D(2023, 12, 31)) == set()
    assert on(D(2024, 12, 31)) == {ended}
    assert on(D(2025, 1, 1)) == {fixed, ended}
    assert on(D(2025, 2, 28)) == {fixed, ended}
    assert on(D(2025, 3, 1)) == {fixed, open_ended}
    assert on(D(2025, 6, 30)) == {fixed, open_ended}
    assert on(D(2025, 7, 1)) == {open_ended}
    assert on(D(2099, 1, 1)) == {open_ended}


def test_ending_between(project_a):
    def contract(end, status=ContractStatus.ACTIVE, **kwargs):
        return ContractFactory(
            unit=UnitFactory(project=project_a),
            start_date=D(2024, 1, 1),
            end_date=end,
            status=status,
            **kwargs,
        )

    may_1 = contract(D(2025, 5, 1))
    may_31 = contract(D(2025, 5, 31))
    june_1 = contract(D(2025, 6, 1))
    contract(None)  # open-ended: never ending
    # A termination recorded with its last day in the range ends there like a fixed term
    # (the bug: it dropped out of "contracts ending soon" the moment it was recorded).
    terminated = contract(
        D(2025, 5, 15),
        ContractStatus.ENDED,
        end_reason=EndReason.TENANT_NOTICE,
        outflow=Outflow.UNKNOWN,
    )
    contract(D(2025, 5, 15), ContractStatus.DRAFT)  # not signed: ends nothing

    qs = Contract.objects.ending_between
    assert set(qs(D(2025, 5, 1), D(2025, 5, 31))) == {may_1, may_31, terminated}  # inclusive
    assert set(qs(D(2025, 5, 2), D(2025, 5, 30))) == {terminated}
    assert set(qs(D(2025, 5, 16), D(2025, 5, 30))) == set()
    assert set(qs(None, D(2025, 5, 31))) == {may_1, may_31, terminated}
    assert set(qs(D(2025, 5, 31), None)) == {may_31, june_1}
    assert set(qs(None, None)) == {may_1, may_31, june_1, terminated}


# Who sees which rows


@pytest.fixture
def two_corporations(project_a, project_b):
    """A contract (and so a person and a unit) in each corporation's project."""
    return {
        "a": ContractFactory(unit=UnitFactory(project=project_a)),
        "b": ContractFactory(unit=UnitFactory(project=project_b)),
    }


def test_staff_see_only_their_own_corporation(two_corporations, staff_a, readonly_a, staff_b):
    a, b = two_corporations["a"], two_corporations["b"]
    for user in (staff_a, readonly_a):
        assert set(Project.objects.for_user(user)) == {a.unit.project}
        assert set(Unit.objects.for_user(user)) == {a.unit}
        assert set(Person.objects.for_user(user)) == {a.person}
        assert set(Contract.objects.for_user(user)) == {a}
    assert set(Project.objects.for_user(staff_b)) == {b.unit.project}
    assert set(Person.objects.for_user(staff_b)) == {b.person}
    assert set(Contract.objects.for_user(staff_b)) == {b}


def test_policy_officer_sees_no_records_but_the_municipality_projects(two_corporations, policy_a):
    a = two_corporations["a"]
    assert not Project.objects.for_user(policy_a).exists()
    assert not Person.objects.for_user(policy_a).exists()
    assert not Contract.objects.for_user(policy_a).exists()
    assert set(Project.objects.for_policy(policy_a)) == {a.unit.project}


def test_staff_have_no_policy_view(two_corporations, staff_a):
    assert not Project.objects.for_policy(staff_a).exists()


def test_superuser_sees_everything(two_corporations, admin_user):
    assert Project.objects.for_user(admin_user).count() == 2
    assert Project.objects.for_policy(admin_user).count() == 2
    assert Person.objects.for_user(admin_user).count() == 2
    assert Contract.objects.for_user(admin_user).count() == 2


@pytest.mark.parametrize("persona", ["outsider", "member_a", "anonymous"])
def test_users_without_a_corporation_role_see_nothing(two_corporations, request, persona):
    user = AnonymousUser() if persona == "anonymous" else request.getfixturevalue(persona)
    assert not Project.objects.for_user(user).exists()
    assert not Project.objects.for_policy(user).exists()
    assert not Unit.objects.for_user(user).exists()
    assert not Person.objects.for_user(user).exists()
    assert not Contract.objects.for_user(user).exists()


def test_member_persona_is_an_active_association_member(member_a, project_a):
    person = member_a.person
    assert person.association_memberships.active().filter(project=project_a).exists()
    assert Contract.objects.in_force(D(2025, 1, 1)).filter(person=person).exists()


# projects.access helpers


def test_get_project_for_user_gives_the_same_404_for_missing_and_not_yours(project_a, staff_b):
    with pytest.raises(Http404) as not_yours:
        get_project_for_user(staff_b, project_a.pk)
    missing_pk = Project.objects.order_by("-pk").values_list("pk", flat=True)[0] + 1000
    with pytest.raises(Http404) as missing:
        get_project_for_user(staff_b, missing_pk)
    assert type(not_yours.value) is type(missing.value)
    assert str(not_yours.value) == str(missing.value)


@pytest.mark.parametrize("persona", ["policy_a", "outsider", "member_a"])
def test_get_project_for_user_404_for_users_without_a_corporation_role(project_a, request, persona):
    with pytest.raises(Http404):
        get_project_for_user(request.getfixturevalue(persona), project_a.pk)


def test_read_only_may_read_but_not_write(project_a, readonly_a):
    assert get_project_for_user(readonly_a, project_a.pk) == project_a
    with pytest.raises(PermissionDenied):
        get_project_for_user(readonly_a, project_a.pk, write=True)


def test_staff_and_superuser_may_write(project_a, staff_a, admin_user):
    assert get_project_for_user(staff_a, project_a.pk, write=True) == project_a
    assert get_project_for_user(admin_user, project_a.pk, write=True) == project_a


def test_get_unit_for_user(unit, staff_a, readonly_a, staff_b):
    assert get_unit_for_user(staff_a, unit.pk, write=True) == unit
    with pytest.raises(PermissionDenied):
        get_unit_for_user(readonly_a, unit.pk, write=True)
    with pytest.raises(Http404):
        get_unit_for_user(staff_b, unit.pk)


def test_factories_keep_tenant_and_unit_in_one_corporation():
    contract = ContractFactory()
    assert contract.person.corporation == contract.unit.project.corporation
    other = ProjectFactory(corporation=CorporationFactory(), municipality=MunicipalityFactory())
    assert other.corporation != contract.person.corporation
