"""An omklap trajectory: check-ins and warnings during the guidance period, then the evaluation
that flips the contract to the tenant's own name, extends the guidance, or ends it.

Every service here is atomic: when one refuses, nothing it touched has changed.
"""

import datetime as dt

import pytest
from django.core.exceptions import ValidationError
from django.utils import translation

from residents.lifecycle import (
    checkin_record,
    contract_flip,
    guidance_extend,
    omklap_end,
    warning_give,
)
from residents.models import (
    CHECKIN_DOMAINS,
    CheckIn,
    Contract,
    ContractStatus,
    EndReason,
    GuidanceExtension,
    Outflow,
    ResidentRole,
    ResidentWarning,
)

from .factories import ContractFactory, PersonFactory, UnitFactory

pytestmark = pytest.mark.django_db

D = dt.date
GOOD = dict.fromkeys(CHECKIN_DOMAINS, 4)


@pytest.fixture
def unit(project_a):
    return UnitFactory(project=project_a)


@pytest.fixture
def guided(corp_a, care_org):
    return PersonFactory(
        corporation=corp_a,
        target_group_code="ex-dakloos",
        role=ResidentRole.VRAGEND,
        care_organisation=care_org,
    )


@pytest.fixture
def omklap(unit, guided, care_org, care_worker):
    """Held by the care organisation since 1 January 2025; 36 months of guidance by default."""
    return ContractFactory(
        unit=unit,
        person=guided,
        contract_type_code="omklap",
        start_date=D(2025, 1, 1),
        holder_organisation=care_org,
        care_worker=care_worker,
    )


@pytest.fixture
def regular(project_a):
    return ContractFactory(unit=UnitFactory(project=project_a), start_date=D(2025, 1, 1))


def refusal(call, **kwargs) -> dict[str, list[str]] | list[str]:
    """The messages of the ValidationError `call(**kwargs)` raises (in English)."""
    with translation.override("en"), pytest.raises(ValidationError) as info:
        call(**kwargs)
    error = info.value
    return error.message_dict if hasattr(error, "error_dict") else error.messages


def snapshot(contract: Contract) -> tuple:
    contract.refresh_from_db()
    return (
        contract.status,
        contract.end_date,
        contract.end_reason,
        contract.outflow,
        contract.guidance_extended_until,
    )


UNTOUCHED = (ContractStatus.ACTIVE, None, "", "", None)


# Check-ins


def test_a_checkin_is_recorded_with_its_scores(omklap, care_worker):
    scores = {"rent": 5, "household": 1, "social": 3, "neighbours": 2, "support": 4}
    checkin = checkin_record(
        contract=omklap,
        held_on=D(2025, 4, 1),
        held_by=care_worker,
        today=D(2025, 4, 1),
        note="Goed gesprek.",
        **scores,
    )
    stored = CheckIn.objects.get(pk=checkin.pk)
    assert {d: getattr(stored, d) for d in CHECKIN_DOMAINS} == scores
    assert (stored.contract, stored.held_on, stored.held_by) == (omklap, D(2025, 4, 1), care_worker)


@pytest.mark.parametrize("score", [0, 6])
@pytest.mark.parametrize("domain", CHECKIN_DOMAINS)
def test_a_score_outside_1_to_5_is_refused(omklap, care_worker, domain, score):
    errors = refusal(
        checkin_record,
        contract=omklap,
        held_on=D(2025, 4, 1),
        held_by=care_worker,
        today=D(2025, 4, 1),
        **{**GOOD, domain: score},
    )
    assert list(errors) == [domain]
    assert not CheckIn.objects.exists()


def test_a_missing_score_is_refused(omklap, care_worker):
    scores = {d: 3 for d in CHECKIN_DOMAINS if d != "support"}
    errors = refusal(
        checkin_record,
        contract=omklap,
        held_on=D(2025, 4, 1),
        held_by=care_worker,
        today=D(2025, 4, 1),
        **scores,
    )
    assert list(errors) == ["support"]


def test_a_checkin_in_the_future_is_refused(omklap, care_worker):
    errors = refusal(
        checkin_record,
        contract=omklap,
        held_on=D(2025, 4, 2),
        held_by=care_worker,
        today=D(2025, 4, 1),
        **GOOD,
    )
    assert errors == {"held_on": ["This date lies in the future."]}
    assert not CheckIn.objects.exists()


def test_a_checkin_before_the_contract_started_is_refused(omklap, care_worker):
    errors = refusal(
        checkin_record,
        contract=omklap,
        held_on=D(2024, 12, 31),
        held_by=care_worker,
        today=D(2025, 4, 1),
        **GOOD,
    )
    assert list(errors) == ["held_on"]


def test_a_checkin_on_a_non_omklap_contract_is_refused(regular, staff_a):
    errors = refusal(
        checkin_record,
        contract=regular,
        held_on=D(2025, 4, 1),
        held_by=staff_a,
        today=D(2025, 4, 1),
        **GOOD,
    )
    assert errors == ["This is not an omklap contract."]
    assert not CheckIn.objects.exists()


def test_a_checkin_on_an_ended_omklap_contract_is_refused(omklap, care_worker):
    omklap_end(
        contract=omklap,
        last_day=D(2025, 6, 30),
        reason=EndReason.TENANT_NOTICE,
        outflow=Outflow.PRIVATE_RENT,
    )
    errors = refusal(
        checkin_record,
        contract=omklap,
        held_on=D(2025, 6, 1),
        held_by=care_worker,
        today=D(2025, 7, 1),
        **GOOD,
    )
    assert errors == ["This contract is not active."]


# Warnings


def test_warnings_are_kept_per_resident_in_date_order(omklap, guided, staff_a):
    second = warning_give(
        person=guided,
        contract=omklap,
        given_on=D(2025, 9, 1),
        reason="Nuisance reported again.",
        given_by=staff_a,
        today=D(2025, 9, 1),
    )
    first = warning_give(
        person=guided,
        given_on=D(2025, 5, 1),
        reason="Noise at night.",
        given_by=staff_a,
        today=D(2025, 9, 1),
    )
    assert list(guided.warnings.all()) == [first, second]
    assert second.contract == omklap
    assert first.contract is None
    assert list(omklap.warnings.all()) == [second]


def test_a_warning_in_the_future_is_refused(guided, staff_a):
    errors = refusal(
        warning_give,
        person=guided,
        given_on=D(2025, 9, 2),
        reason="Noise",
        given_by=staff_a,
        today=D(2025, 9, 1),
    )
    assert errors == {"given_on": ["This date lies in the future."]}
    assert not ResidentWarning.objects.exists()


def test_a_warning_needs_a_reason(guided, staff_a):
    errors = refusal(
        warning_give,
        person=guided,
        given_on=D(2025, 9, 1),
        reason="",
        given_by=staff_a,
        today=D(2025, 9, 1),
    )
    assert list(errors) == ["reason"]
    assert not ResidentWarning.objects.exists()


# Flip


def test_flip_ends_the_omklap_contract_and_starts_a_regular_one_the_next_day(omklap, guided):
    new = contract_flip(contract=omklap, last_day=D(2027, 12, 31))

    omklap.refresh_from_db()
    assert omklap.status == ContractStatus.ENDED
    assert omklap.end_date == D(2027, 12, 31)
    assert omklap.end_reason == EndReason.FLIPPED
    assert omklap.outflow == ""

    new = Contract.objects.get(pk=new.pk)
    assert new.contract_type.code == "regulier"
    assert new.status == ContractStatus.ACTIVE
    assert new.start_date == D(2028, 1, 1)
    assert new.end_date is None
    assert (new.person, new.unit) == (guided, omklap.unit)
    # In the tenant's own name: no care organisation holds it, no care worker is attached.
    assert new.holder_organisation is None
    assert new.care_worker is None
    assert new.flipped_from == omklap
    assert omklap.flipped_to == new


def test_after_a_flip_the_unit_has_one_contract_in_force_every_day(omklap):
    contract_flip(contract=omklap, last_day=D(2027, 12, 31))
    for day in (D(2027, 12, 31), D(2028, 1, 1)):
        assert Contract.objects.in_force(day).filter(unit=omklap.unit).count() == 1
    assert Contract.objects.in_force(D(2027, 12, 31)).get(unit=omklap.unit) == omklap


def test_flip_is_refused_on_a_non_omklap_contract(regular):
    errors = refusal(contract_flip, contract=regular, last_day=D(2025, 12, 31))
    assert errors == ["This is not an omklap contract."]
    assert snapshot(regular)[:4] == UNTOUCHED[:4]
    assert Contract.objects.count() == 1


def test_flip_is_refused_on_an_ended_contract(omklap):
    omklap_end(
        contract=omklap,
        last_day=D(2025, 6, 30),
        reason=EndReason.EVICTION,
        outflow=Outflow.INSTITUTION,
    )
    errors = refusal(contract_flip, contract=omklap, last_day=D(2025, 12, 31))
    assert errors == ["This contract is not active."]
    omklap.refresh_from_db()
    assert omklap.end_reason == EndReason.EVICTION
    assert Contract.objects.count() == 1


def test_flip_before_the_contract_started_is_refused(omklap):
    errors = refusal(contract_flip, contract=omklap, last_day=D(2024, 12, 31))
    assert list(errors) == ["last_day"]
    assert snapshot(omklap) == UNTOUCHED


def test_flip_changes_nothing_when_the_regular_contract_cannot_start(omklap, guided, corp_a):
    """Another tenant moves into the unit on the day after: the new contract would overlap, so
    the flip is refused as a whole and the omklap contract is still running."""
    Contract.objects.filter(pk=omklap.pk).update(end_date=D(2026, 6, 30))
    next_tenant = ContractFactory(
        unit=omklap.unit,
        person=PersonFactory(corporation=corp_a),
        start_date=D(2026, 7, 1),
    )

    errors = refusal(contract_flip, contract=omklap, last_day=D(2026, 6, 30))

    assert "start_date" in errors
    omklap.refresh_from_db()
    assert omklap.status == ContractStatus.ACTIVE
    assert omklap.end_date == D(2026, 6, 30)
    assert omklap.end_reason == ""
    assert not Contract.objects.filter(flipped_from=omklap).exists()
    assert set(Contract.objects.values_list("pk", flat=True)) == {omklap.pk, next_tenant.pk}


# Extending the guidance


def test_guidance_ends_after_the_types_default_period(omklap):
    assert omklap.guidance_end == D(2027, 12, 31)


def test_the_contracts_own_guidance_period_overrides_the_types(omklap):
    omklap.guidance_months = 12
    assert omklap.guidance_end == D(2025, 12, 31)


def test_a_non_omklap_contract_has_no_guidance_end(regular):
    assert regular.guidance_end is None


def test_extending_moves_the_end_of_guidance_and_keeps_the_history(omklap, staff_a):
    extension = guidance_extend(
        contract=omklap,
        new_end=D(2028, 6, 30),
        reason="  Rent arrears being paid off.  ",
        decided_by=staff_a,
    )
    omklap.refresh_from_db()
    assert omklap.guidance_end == D(2028, 6, 30)
    assert omklap.guidance_extended_until == D(2028, 6, 30)
    assert (extension.previous_end, extension.new_end, extension.decided_by) == (
        D(2027, 12, 31),
        D(2028, 6, 30),
        staff_a,
    )
    assert extension.reason == "Rent arrears being paid off."
    assert omklap.history.first().guidance_extended_until == D(2028, 6, 30)

    second = guidance_extend(
        contract=omklap, new_end=D(2028, 12, 31), reason="Once more.", decided_by=staff_a
    )
    assert second.previous_end == D(2028, 6, 30)
    assert [(e.previous_end, e.new_end) for e in omklap.guidance_extensions.all()] == [
        (D(2027, 12, 31), D(2028, 6, 30)),
        (D(2028, 6, 30), D(2028, 12, 31)),
    ]


@pytest.mark.parametrize("new_end", [D(2027, 12, 31), D(2027, 6, 30)], ids=["same", "earlier"])
def test_extending_needs_a_later_end(omklap, staff_a, new_end):
    errors = refusal(
        guidance_extend, contract=omklap, new_end=new_end, reason="Why not", decided_by=staff_a
    )
    assert errors == {
        "new_end": ["The new end must lie after the current end of guidance, 31 December 2027."]
    }
    assert snapshot(omklap) == UNTOUCHED
    assert not GuidanceExtension.objects.exists()


def test_extending_needs_a_reason(omklap, staff_a):
    errors = refusal(
        guidance_extend, contract=omklap, new_end=D(2028, 6, 30), reason="  ", decided_by=staff_a
    )
    assert list(errors) == ["reason"]
    assert snapshot(omklap) == UNTOUCHED
    assert not GuidanceExtension.objects.exists()


def test_extending_is_refused_on_a_non_omklap_contract(regular, staff_a):
    errors = refusal(
        guidance_extend,
        contract=regular,
        new_end=D(2028, 6, 30),
        reason="Why not",
        decided_by=staff_a,
    )
    assert errors == ["This is not an omklap contract."]
    assert not GuidanceExtension.objects.exists()


# Ending without a flip


def test_ending_without_flip_records_the_reason_and_the_outflow(omklap):
    omklap_end(
        contract=omklap,
        last_day=D(2026, 3, 31),
        reason=EndReason.GUIDANCE_ENDED,
        outflow=Outflow.INSTITUTION,
    )
    assert snapshot(omklap) == (
        ContractStatus.ENDED,
        D(2026, 3, 31),
        EndReason.GUIDANCE_ENDED,
        Outflow.INSTITUTION,
        None,
    )
    assert not Contract.objects.filter(flipped_from=omklap).exists()
    assert Contract.objects.count() == 1


def test_ending_refuses_the_reason_flipped(omklap):
    errors = refusal(
        omklap_end,
        contract=omklap,
        last_day=D(2026, 3, 31),
        reason=EndReason.FLIPPED,
        outflow="",
    )
    assert errors == {"reason": ["To flip the contract, choose Flip."]}
    assert snapshot(omklap) == UNTOUCHED


def test_ending_needs_an_outflow(omklap):
    errors = refusal(
        omklap_end,
        contract=omklap,
        last_day=D(2026, 3, 31),
        reason=EndReason.EVICTION,
        outflow="",
    )
    assert list(errors) == ["outflow"]
    assert snapshot(omklap) == UNTOUCHED


def test_ending_needs_a_reason(omklap):
    errors = refusal(
        omklap_end, contract=omklap, last_day=D(2026, 3, 31), reason="", outflow=Outflow.UNKNOWN
    )
    assert list(errors) == ["end_reason"]
    assert snapshot(omklap) == UNTOUCHED


def test_ending_is_refused_on_a_non_omklap_contract(regular):
    errors = refusal(
        omklap_end,
        contract=regular,
        last_day=D(2026, 3, 31),
        reason=EndReason.EVICTION,
        outflow=Outflow.UNKNOWN,
    )
    assert errors == ["This is not an omklap contract."]
    assert snapshot(regular)[:4] == UNTOUCHED[:4]
