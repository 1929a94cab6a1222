"""The legal notice window of a fixed-term contract (art. 7:271 BW) and the services around it.

The landlord must notify the tenant no earlier than 3 months and no later than 1 month before the
end date, or the tenancy continues open-ended: a day early or late is fatal. So every edge is
tested on the day itself and on the days either side: the window (ContractType.notice_window),
recording a notice (notice_record), spotting a missed window (Contract.continues_open_ended)
and staff's decision on it (lapse_decide).
"""

import datetime as dt

import pytest
from django.core.exceptions import ValidationError
from django.utils import translation

from residents.lifecycle import lapse_decide, notice_record
from residents.models import (
    Contract,
    ContractStatus,
    ContractType,
    LapseDecision,
    LapseOutcome,
    Notice,
    NoticeMeans,
    NoticeWindow,
)

from .factories import ContractFactory, UnitFactory

pytestmark = pytest.mark.django_db

D = dt.date
ONE_DAY = dt.timedelta(days=1)


def ctype(code: str) -> ContractType:
    return ContractType.objects.get(code=code)


@pytest.fixture
def temporary(project_a):
    """A temporary contract ending 1 May 2026: notice from 1 February up to and incl. 1 April."""
    return ContractFactory(
        unit=UnitFactory(project=project_a),
        contract_type_code="tijdelijk",
        start_date=D(2025, 1, 1),
        end_date=D(2026, 5, 1),
    )


def refusal(call, **kwargs) -> dict[str, list[str]] | list[str]:
    """The messages of the ValidationError `call(**kwargs)` raises (in English)."""
    with translation.override("en"), pytest.raises(ValidationError) as info:
        call(**kwargs)
    error = info.value
    return error.message_dict if hasattr(error, "error_dict") else error.messages


def record(contract, given_on, staff, today=None):
    return notice_record(
        contract=contract,
        given_on=given_on,
        means=NoticeMeans.LETTER,
        given_by=staff,
        today=today or given_on,
    )


# The window rule on its edges


def test_the_window_is_in_the_seeded_data_for_temporary_and_youth_contracts(db):
    # Migration 0007: the two fixed-term types the law covers need notice; the others do not.
    required = set(ContractType.objects.filter(notice_required=True).values_list("code", flat=True))
    assert required == {"tijdelijk", "jongeren"}


def test_ending_1_may_the_window_is_1_february_to_1_april(db):
    # The example from the law's commentary (domain.md section 3).
    assert ctype("tijdelijk").notice_window(D(2026, 5, 1)) == NoticeWindow(
        opens=D(2026, 2, 1), closes=D(2026, 4, 1)
    )


def test_ending_31_may_in_a_leap_year_the_window_opens_on_29_february(db):
    assert ctype("tijdelijk").notice_window(D(2024, 5, 31)) == (D(2024, 2, 29), D(2024, 4, 30))


def test_ending_31_may_in_a_common_year_the_window_opens_on_28_february(db):
    assert ctype("tijdelijk").notice_window(D(2025, 5, 31)) == (D(2025, 2, 28), D(2025, 4, 30))


@pytest.mark.parametrize(
    ("end", "opens", "closes"),
    [
        (D(2025, 3, 31), D(2024, 12, 31), D(2025, 2, 28)),
        (D(2024, 3, 31), D(2023, 12, 31), D(2024, 2, 29)),
    ],
    ids=["common-year", "leap-year"],
)
def test_ending_31_march_the_window_closes_on_the_last_day_of_february(db, end, opens, closes):
    assert ctype("jongeren").notice_window(end) == (opens, closes)


@pytest.mark.parametrize(
    ("end", "opens", "closes"),
    [
        (D(2026, 2, 15), D(2025, 11, 15), D(2026, 1, 15)),
        (D(2026, 1, 31), D(2025, 10, 31), D(2025, 12, 31)),
        (D(2026, 1, 1), D(2025, 10, 1), D(2025, 12, 1)),
    ],
)
def test_the_window_crosses_the_end_of_the_year(db, end, opens, closes):
    assert ctype("tijdelijk").notice_window(end) == (opens, closes)


def test_the_window_includes_its_first_and_last_day_only(db):
    window = ctype("tijdelijk").notice_window(D(2026, 5, 1))
    assert D(2026, 2, 1) in window
    assert D(2026, 4, 1) in window
    assert D(2026, 1, 31) not in window
    assert D(2026, 4, 2) not in window


@pytest.mark.parametrize("code", ["regulier", "campus", "omklap"])
def test_a_type_that_needs_no_notice_has_no_window(db, code):
    assert ctype(code).notice_window(D(2026, 5, 1)) is None


def test_an_open_ended_contract_of_a_notice_type_has_no_window(project_a):
    contract = ContractFactory(
        unit=UnitFactory(project=project_a), contract_type_code="tijdelijk", end_date=None
    )
    assert contract.notice_window is None


def test_the_window_lengths_come_from_the_contract_types_data(temporary):
    """A change in the law is a data change: four months and two months move the window."""
    ContractType.objects.filter(code="tijdelijk").update(
        notice_opens_months=4, notice_closes_months=2
    )
    contract = Contract.objects.select_related("contract_type").get(pk=temporary.pk)
    assert contract.notice_window == (D(2026, 1, 1), D(2026, 3, 1))


def test_switching_notice_off_for_a_type_removes_the_window(temporary):
    ContractType.objects.filter(code="tijdelijk").update(notice_required=False)
    assert Contract.objects.get(pk=temporary.pk).notice_window is None


# Recording a notice


def test_notice_on_the_first_day_of_the_window_is_recorded(temporary, staff_a):
    notice = record(temporary, D(2026, 2, 1), staff_a)
    assert list(temporary.notices.all()) == [notice]
    assert (notice.given_on, notice.means, notice.given_by) == (
        D(2026, 2, 1),
        NoticeMeans.LETTER,
        staff_a,
    )


def test_notice_on_the_last_day_of_the_window_is_recorded(temporary, staff_a):
    record(temporary, D(2026, 4, 1), staff_a)
    assert temporary.notices.get().given_on == D(2026, 4, 1)


def test_notice_given_in_the_window_may_be_recorded_later(temporary, staff_a):
    record(temporary, D(2026, 3, 15), staff_a, today=D(2026, 4, 20))
    assert temporary.notices.get().given_on == D(2026, 3, 15)


@pytest.mark.parametrize(
    ("day", "side"),
    [(D(2026, 1, 31), "before the window opens"), (D(2026, 4, 2), "after it closed")],
    ids=["day-before-it-opens", "day-after-it-closes"],
)
def test_notice_outside_the_window_is_refused_and_the_message_names_the_window(
    temporary, staff_a, day, side
):
    errors = refusal(
        notice_record,
        contract=temporary,
        given_on=day,
        means=NoticeMeans.LETTER,
        given_by=staff_a,
        today=D(2026, 4, 30),
    )
    assert list(errors) == ["given_on"]
    message = errors["given_on"][0]
    assert "from 1 February 2026 up to and including 1 April 2026" in message
    assert side in message
    assert "continues open-ended" in message
    assert not Notice.objects.exists()


def test_notice_dated_in_the_future_is_refused(temporary, staff_a):
    errors = refusal(
        notice_record,
        contract=temporary,
        given_on=D(2026, 3, 2),
        means=NoticeMeans.LETTER,
        given_by=staff_a,
        today=D(2026, 3, 1),
    )
    assert errors == {"given_on": ["This date lies in the future."]}
    assert not Notice.objects.exists()


@pytest.mark.parametrize("code", ["regulier", "campus"])
def test_notice_is_refused_for_a_type_that_needs_none(project_a, staff_a, code):
    contract = ContractFactory(
        unit=UnitFactory(project=project_a),
        contract_type_code=code,
        start_date=D(2025, 1, 1),
        end_date=D(2026, 5, 1),
    )
    errors = refusal(
        notice_record,
        contract=contract,
        given_on=D(2026, 3, 1),
        means=NoticeMeans.LETTER,
        given_by=staff_a,
        today=D(2026, 3, 1),
    )
    assert errors == ["A contract of this type needs no notice."]
    assert not Notice.objects.exists()


def test_notice_is_refused_for_an_ended_contract(temporary, staff_a):
    Contract.objects.filter(pk=temporary.pk).update(
        status=ContractStatus.ENDED, end_reason="tenant_notice", outflow="unknown"
    )
    errors = refusal(
        notice_record,
        contract=temporary,
        given_on=D(2026, 3, 1),
        means=NoticeMeans.LETTER,
        given_by=staff_a,
        today=D(2026, 3, 1),
    )
    assert errors == ["This contract is not active."]


def test_notice_with_an_unknown_means_is_refused(temporary, staff_a):
    errors = refusal(
        notice_record,
        contract=temporary,
        given_on=D(2026, 3, 1),
        means="pigeon",
        given_by=staff_a,
        today=D(2026, 3, 1),
    )
    assert list(errors) == ["means"]


# A missed window


def test_the_window_is_not_missed_on_its_last_day(temporary):
    assert not temporary.continues_open_ended(D(2026, 4, 1))


def test_the_window_is_missed_the_day_after_it_closes_without_notice(temporary):
    assert temporary.continues_open_ended(D(2026, 4, 2))


def test_the_window_is_not_missed_before_it_opens(temporary):
    assert not temporary.continues_open_ended(D(2026, 1, 15))


def test_the_window_is_not_missed_once_a_notice_is_recorded(temporary, staff_a):
    record(temporary, D(2026, 4, 1), staff_a)
    assert not temporary.continues_open_ended(D(2026, 4, 2))


def test_the_window_is_not_missed_once_staff_decided_on_it(temporary, staff_a):
    lapse_decide(
        contract=temporary,
        outcome=LapseOutcome.EXCEPTION,
        reason="Tenant agreed in writing to leave.",
        decided_by=staff_a,
        today=D(2026, 4, 2),
    )
    temporary.refresh_from_db()
    assert not temporary.continues_open_ended(D(2026, 4, 2))


def test_a_contract_without_a_window_never_misses_it(project_a):
    contract = ContractFactory(
        unit=UnitFactory(project=project_a),
        contract_type_code="campus",
        start_date=D(2025, 1, 1),
        end_date=D(2026, 5, 1),
    )
    assert not contract.continues_open_ended(D(2026, 6, 1))


# Deciding on a missed window


def test_converting_makes_the_contract_open_ended_and_keeps_the_old_end_date(temporary, staff_a):
    decision = lapse_decide(
        contract=temporary,
        outcome=LapseOutcome.CONVERTED,
        reason="  Notice was not sent in time.  ",
        decided_by=staff_a,
        today=D(2026, 4, 2),
    )
    temporary.refresh_from_db()
    assert temporary.contract_type.code == "regulier"
    assert temporary.end_date is None
    assert temporary.status == ContractStatus.ACTIVE
    assert temporary.notice_window is None
    decision.refresh_from_db()
    assert (decision.outcome, decision.previous_end_date, decision.decided_by) == (
        LapseOutcome.CONVERTED,
        D(2026, 5, 1),
        staff_a,
    )
    assert decision.reason == "Notice was not sent in time."


def test_an_exception_needs_a_reason_and_leaves_the_contract_unchanged(temporary, staff_a):
    errors = refusal(
        lapse_decide,
        contract=temporary,
        outcome=LapseOutcome.EXCEPTION,
        reason="   ",
        decided_by=staff_a,
        today=D(2026, 4, 2),
    )
    assert list(errors) == ["reason"]
    assert not LapseDecision.objects.exists()


def test_an_exception_with_a_reason_is_recorded_and_the_contract_is_unchanged(temporary, staff_a):
    decision = lapse_decide(
        contract=temporary,
        outcome=LapseOutcome.EXCEPTION,
        reason="Tenant agreed in writing to leave on the end date.",
        decided_by=staff_a,
        today=D(2026, 4, 2),
    )
    temporary.refresh_from_db()
    assert temporary.contract_type.code == "tijdelijk"
    assert temporary.end_date == D(2026, 5, 1)
    assert temporary.lapse_decision == decision
    assert decision.previous_end_date == D(2026, 5, 1)


@pytest.mark.parametrize(
    "today", [D(2026, 4, 1), D(2026, 2, 15)], ids=["last-day-of-window", "window-open"]
)
def test_a_decision_is_refused_while_nothing_was_missed(temporary, staff_a, today):
    errors = refusal(
        lapse_decide,
        contract=temporary,
        outcome=LapseOutcome.CONVERTED,
        reason="Too early",
        decided_by=staff_a,
        today=today,
    )
    assert errors == ["This contract has no missed notice window to decide on."]
    temporary.refresh_from_db()
    assert temporary.contract_type.code == "tijdelijk"
    assert not LapseDecision.objects.exists()


def test_a_decision_is_refused_when_notice_was_given_in_time(temporary, staff_a):
    record(temporary, D(2026, 3, 1), staff_a)
    errors = refusal(
        lapse_decide,
        contract=temporary,
        outcome=LapseOutcome.CONVERTED,
        reason="By mistake",
        decided_by=staff_a,
        today=D(2026, 4, 2),
    )
    assert errors == ["This contract has no missed notice window to decide on."]
    temporary.refresh_from_db()
    assert temporary.end_date == D(2026, 5, 1)


def test_a_second_decision_is_refused(temporary, staff_a):
    lapse_decide(
        contract=temporary,
        outcome=LapseOutcome.EXCEPTION,
        reason="Agreed",
        decided_by=staff_a,
        today=D(2026, 4, 2),
    )
    errors = refusal(
        lapse_decide,
        contract=temporary,
        outcome=LapseOutcome.CONVERTED,
        reason="Changed our mind",
        decided_by=staff_a,
        today=D(2026, 4, 3),
    )
    assert errors == ["This contract has no missed notice window to decide on."]
    assert LapseDecision.objects.get().outcome == LapseOutcome.EXCEPTION
