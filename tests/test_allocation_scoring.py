"""The mix-balance score on plain data: what it says, in which order, and who is eligible.

No database: `scoring` works on facts that `ranking` loads, so every rule is tested on exact
numbers (the band edges, the group limit at exactly its maximum, the age on the day before the
28th birthday).
"""

import datetime as dt
from fractions import Fraction

import pytest
from django.utils import translation

from allocation import scoring
from allocation.scoring import Candidate, Context, ContractRules, Counts

TODAY = dt.date(2026, 11, 23)
STUDENT, STATUSHOUDER, STARTER = 1, 2, 3
NAMES = {STUDENT: "Student", STATUSHOUDER: "Statushouder", STARTER: "Starter"}
INTAKE = {"positive": "positive", "doubts": "positive with doubts", "pending": "not held yet"}
ANY_CONTRACT = ContractRules("Regular", None, None, None, None, False, False)
WEIGHTS = {"project": 3, "cluster": 3, "spread": 2, "urgency": 2, "waiting": 1, "intake": 2}


def counts(dragend: int, vragend: int, groups: dict[int, int] | None = None) -> Counts:
    return Counts(dragend + vragend, dragend, dict(groups or {}))


def context(**overrides) -> Context:
    values = {
        "today": TODAY,
        "available_from": TODAY,
        "weights": dict(WEIGHTS),
        "project": counts(30, 20, {STUDENT: 30, STATUSHOUDER: 20}),
        "project_band": (50, 80),
        "cluster": counts(8, 13, {STUDENT: 8, STATUSHOUDER: 2, STARTER: 11}),
        "cluster_band": (40, 60),
        "cluster_name": "B",
        "cluster_kind": "corridor",
        "group_limits": {},
        "group_names": NAMES,
        "unit_max_household": 1,
        "unit_accessible": False,
        "contract": ANY_CONTRACT,
    }
    return Context(**(values | overrides))


def candidate(pk: int, **fields) -> Candidate:
    values = {
        "application_id": pk,
        "person_id": pk,
        "name": f"Kandidaat {pk}",
        "role": "dragend",
        "group_id": STUDENT,
        "household": 1,
        "needs_accessible": False,
        "date_of_birth": dt.date(2000, 1, 1),
        "urgent": False,
        "intake": "positive",
        "registered_on": dt.date(2023, 4, 1),
    }
    return Candidate(**(values | fields))


def texts(ranked: scoring.Ranked) -> list[str]:
    return [line.text for line in ranked.lines]


def test_the_explanation_says_what_the_placement_does_in_dutch():
    ctx = context()
    with translation.override("nl"):
        ranked = scoring.score(ctx, candidate(1, group_id=STATUSHOUDER, role="dragend"), INTAKE)
        lines = texts(ranked)
    # Gang B: 8 of 21 dragend (38%), with one more dragend 9 of 22 (41%).
    assert "B gaat van 38% naar 41% dragend (doel 40–60%)" in lines
    assert "3e statushouder op deze gang" in lines
    assert "ingeschreven sinds 1 april 2023" in lines


def test_the_explanation_in_english():
    with translation.override("en"):
        ranked = scoring.score(context(), candidate(1, group_id=STATUSHOUDER), INTAKE)
        lines = texts(ranked)
    assert "B goes from 38% to 41% dragend (target 40–60%)" in lines
    assert "3rd statushouder on this corridor" in lines
    assert "registered since 1 April 2023" in lines


def test_a_line_keeps_its_facts_and_renders_in_the_language_it_is_read_in():
    ranked = scoring.score(context(), candidate(1, group_id=STATUSHOUDER), INTAKE)
    stored = [line.stored() for line in ranked.lines]
    assert {"key": "nth_in_cluster", "params": {"nth": 3, "group": 2, "kind": "corridor"},
            "warn": False} in stored  # fmt: skip
    assert {"key": "registered", "params": {"date": "2023-04-01"}, "warn": False} in stored
    lines = [scoring.Line.from_stored(item, scoring.Labels(NAMES, INTAKE)) for item in stored]
    with translation.override("en"):
        assert "3rd statushouder on this corridor" in texts(ranked)
        assert [line.text for line in lines] == texts(ranked)
    with translation.override("nl"):  # the same lines, read by a Dutch reader
        assert "3e statushouder op deze gang" in texts(ranked)
        assert [line.text for line in lines] == texts(ranked)


def test_a_line_stored_as_text_before_lines_kept_facts_is_shown_as_it_is():
    line = scoring.Line.from_stored({"text": "ingeschreven sinds 2023-04-01", "warn": True})
    with translation.override("en"):
        assert (line.text, line.warn) == ("ingeschreven sinds 2023-04-01", True)


def test_a_unit_without_a_cluster_counts_the_group_in_the_whole_project():
    with translation.override("en"):
        ranked = scoring.score(
            context(cluster=None, cluster_band=None), candidate(1, group_id=STATUSHOUDER), INTAKE
        )
        assert "21st statushouder in the project" in texts(ranked)
    assert ranked.parts["spread"] == pytest.approx(1 / 21)


def test_the_order_is_score_then_registration_date_then_id():
    same = {"registered_on": dt.date(2024, 1, 1)}
    candidates = [
        candidate(7, **same),
        candidate(3, **same),
        candidate(5, registered_on=dt.date(2023, 12, 31)),
        candidate(9, urgent=True, registered_on=dt.date(2025, 6, 1)),
    ]
    ranked, ineligible = scoring.rank(context(), candidates, INTAKE)
    assert ineligible == []
    # The urgent one scores higher. The other three tie: 31 Dec 2023 and 1 Jan 2024 are both
    # 34 whole months before today, so the earlier registration (5) goes first, then the lower id.
    assert [r.candidate.application_id for r in ranked][0] == 9
    tied = ranked[1:]
    assert {r.score for r in tied} == {tied[0].score}
    assert [r.candidate.application_id for r in tied] == [5, 3, 7]
    assert [r.rank for r in ranked] == [1, 2, 3, 4]


def test_ranking_is_the_same_whatever_order_the_candidates_come_in():
    candidates = [
        candidate(i, registered_on=dt.date(2020 + i % 5, 1 + i % 12, 1)) for i in range(40)
    ]
    first, _ = scoring.rank(context(), candidates, INTAKE)
    second, _ = scoring.rank(context(), list(reversed(candidates)), INTAKE)
    assert [r.candidate.application_id for r in first] == [
        r.candidate.application_id for r in second
    ]


def test_band_part_is_best_in_the_middle_half_on_the_edge_and_fades_outside():
    band = (40, 60)
    assert scoring.band_part(Fraction(50), band) == 1.0
    assert scoring.band_part(Fraction(40), band) == 0.5
    assert scoring.band_part(Fraction(60), band) == 0.5
    assert scoring.band_part(Fraction(30), band) == pytest.approx(0.25)  # 10 points outside
    assert scoring.band_part(Fraction(80), band) == 0.0  # 20 points outside
    assert scoring.band_part(None, band) == 1.0  # nobody lives there yet


def test_a_band_is_broken_only_by_leaving_it_or_going_further_out():
    band = (40, 60)
    assert not scoring.band_broken(Fraction(45), Fraction(40), band)  # onto the edge: inside
    assert scoring.band_broken(Fraction(41), Fraction(39), band)  # out
    assert scoring.band_broken(Fraction(35), Fraction(33), band)  # further out
    assert not scoring.band_broken(Fraction(35), Fraction(37), band)  # back towards it


def test_a_vragend_placement_below_the_band_breaks_it_and_needs_a_reason():
    # Project at 50% dragend with band 50-80: one more vragend takes it to 49%.
    ctx = context(project=counts(25, 25))
    vragend = scoring.score(ctx, candidate(1, role="vragend", group_id=STATUSHOUDER), INTAKE)
    dragend = scoring.score(ctx, candidate(2, role="dragend"), INTAKE)
    assert vragend.breaks_band
    assert [line.warn for line in vragend.lines][0] is True
    assert not dragend.breaks_band
    assert dragend.score > vragend.score


def test_a_group_at_exactly_its_maximum_is_within_it():
    # 6 statushouders of 19; one more makes 7 of 20 = 35%, exactly the maximum.
    project = counts(13, 6, {STATUSHOUDER: 6, STUDENT: 13})
    no_cluster = {"cluster": None, "cluster_band": None, "project": project}
    at_limit = context(**no_cluster, group_limits={STATUSHOUDER: 35})
    over = context(**no_cluster, group_limits={STATUSHOUDER: 34})
    c = candidate(1, role="vragend", group_id=STATUSHOUDER)
    assert not scoring.score(at_limit, c, INTAKE).breaks_band
    assert scoring.score(over, c, INTAKE).breaks_band


def test_own_priority_parts():
    c = candidate(1, urgent=True, intake="positive", registered_on=dt.date(2021, 11, 23))
    parts = scoring.own_parts(TODAY, c)
    assert parts == {"urgency": 1.0, "waiting": 1.0, "intake": 1.0}
    assert scoring.own_priority(WEIGHTS, parts) == 1000
    nobody = scoring.own_parts(TODAY, candidate(2, intake="pending", registered_on=TODAY))
    assert scoring.own_priority(WEIGHTS, nobody) == round(1000 * 2 * 0.25 / 5)


@pytest.mark.parametrize(
    ("start", "end", "months"),
    [
        (dt.date(2023, 4, 1), dt.date(2023, 4, 30), 0),
        (dt.date(2023, 4, 1), dt.date(2023, 5, 1), 1),
        (dt.date(2023, 1, 31), dt.date(2023, 2, 28), 0),
        (dt.date(2023, 1, 31), dt.date(2023, 3, 31), 2),
    ],
)
def test_months_between_counts_whole_calendar_months(start, end, months):
    assert scoring.months_between(start, end) == months


# Eligibility


def reasons(ctx: Context, **fields) -> list[str]:
    with translation.override("en"):
        return scoring.ineligibility(ctx, candidate(1, **fields))


def test_household_and_accessibility_must_fit_the_unit():
    ctx = context(unit_max_household=2)
    assert reasons(ctx, household=2) == []
    assert reasons(ctx, household=3) == ["household of 3; the unit houses at most 2"]
    assert reasons(ctx, needs_accessible=True) == ["needs a wheelchair-accessible unit"]
    assert reasons(context(unit_accessible=True), needs_accessible=True) == []


def test_the_contract_type_must_allow_the_target_group():
    campus = ContractRules("Campus", frozenset({STUDENT}), None, None, None, False, False)
    ctx = context(contract=campus)
    assert reasons(ctx, group_id=STUDENT) == []
    assert reasons(ctx, group_id=STARTER) == [
        "a Campus contract is not for the target group Starter"
    ]


def test_age_limit_edges_on_the_start_date():
    youth = ContractRules("Youth", None, 18, 27, None, False, False)
    start = dt.date(2026, 12, 1)
    ctx = context(contract=youth, available_from=start)
    # 28th birthday the day after the start: still 27, eligible; on the start day: 28, not.
    assert reasons(ctx, date_of_birth=dt.date(1998, 12, 2)) == []
    assert reasons(ctx, date_of_birth=dt.date(1998, 12, 1)) == [
        "aged 28 on the start date; a Youth contract is for 18 to 27"
    ]
    # 18th birthday on the start day: eligible; the day after: 17, not.
    assert reasons(ctx, date_of_birth=dt.date(2008, 12, 1)) == []
    assert reasons(ctx, date_of_birth=dt.date(2008, 12, 2))[0].startswith("aged 17")
    assert reasons(ctx, date_of_birth=None) == [
        "date of birth unknown; a Youth contract has an age limit"
    ]


def test_once_per_person_omklap_partner_intake_and_earlier_offers():
    once = ContractRules("Youth", None, None, None, None, True, False)
    assert reasons(context(contract=once, had_contract_type=frozenset({1}))) == [
        "has had a Youth contract already"
    ]
    omklap = ContractRules("Omklap", None, None, None, None, False, True)
    partners = frozenset({77})
    assert reasons(context(contract=omklap, care_partner_ids=partners), nominated_by_id=77) == []
    assert reasons(context(contract=omklap, care_partner_ids=partners), nominated_by_id=78) == [
        "not nominated by one of the project's care partners (needed for an omklap contract)"
    ]
    assert reasons(context(), intake="negative") == ["the intake interview was negative"]
    assert reasons(context(open_offers={1: "A12"})) == ["has an open offer for unit A12"]
    assert reasons(context(earlier_offers={1: "declined"})) == ["declined an offer of this unit"]


def test_ineligible_candidates_are_listed_apart_with_their_reasons():
    ctx = context(unit_max_household=1)
    ranked, ineligible = scoring.rank(ctx, [candidate(1), candidate(2, household=2)], INTAKE)
    assert [r.candidate.application_id for r in ranked] == [1]
    assert [(i.candidate.application_id, len(i.reasons)) for i in ineligible] == [(2, 1)]


def test_the_first_of_a_group_is_1e_in_dutch_and_1st_in_english():
    # A line renders when read, once per language: one ranking serves both.
    ranked = scoring.score(
        context(cluster=counts(2, 2, {STUDENT: 4})), candidate(1, group_id=STATUSHOUDER), INTAKE
    )

    def lines(language):
        with translation.override(language):
            return texts(ranked)

    dutch, english = lines("nl"), lines("en")
    assert "1e statushouder op deze gang" in dutch
    assert "1st statushouder on this corridor" in english
