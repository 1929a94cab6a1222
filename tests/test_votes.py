"""The residents' association's vote (coöptatie) on a vacancy: who may be shortlisted and who may
vote, what a vote and a changed vote do, when a round closes, what its outcome is, what staff
then decide, which e-mails go out, and that nothing anywhere tells who chose whom.

Through allocation.voting, allocation.vote_messages and allocation.tasks on the real PostgreSQL
test database; the concurrent writes are in test_vote_concurrency.py.
"""

import contextlib
import datetime as dt
from dataclasses import dataclass
from zoneinfo import ZoneInfo

import pytest
from django.conf import settings
from django.contrib import admin
from django.contrib.auth import get_user_model
from django.core import mail
from django.core.exceptions import ValidationError
from django.db import IntegrityError, connection, transaction
from django.utils import dateformat, timezone, translation

from allocation import services, vote_messages, voting
from allocation.models import (
    AllocationEvent,
    Application,
    BallotBox,
    Decision,
    Elector,
    ElectorateKind,
    ElectorVia,
    EventKind,
    MessageKind,
    Offer,
    OfferStatus,
    Outcome,
    Participation,
    RoundCandidate,
    RoundStatus,
    Vacancy,
    VacancyRoute,
    VacancyStatus,
    VoteMessage,
    VoteRound,
    VoteSettings,
)
from allocation.models.core import OfferReason
from allocation.ranking import vacancy_ranking
from allocation.tasks import votes_tick
from projects.models import Profile
from residents.models import ContractType

from .factories import (
    ClusterFactory,
    ContractFactory,
    PersonFactory,
    ProjectFactory,
    UnitFactory,
    UserFactory,
    association_member,
    vote_candidate,
)

TODAY = timezone.localdate()
AMSTERDAM = ZoneInfo("Europe/Amsterdam")
UTC = dt.UTC
ABSTAIN = voting.ABSTAIN
REPLY_BY = TODAY + dt.timedelta(days=14)


@pytest.fixture(autouse=True)
def _english():
    """The services speak the active language; these tests read their messages in English."""
    with translation.override("en"):
        yield


@dataclass
class Scene:
    project: object
    cluster: object
    unit: object
    vacancy: Vacancy
    staff: object
    voters: list  # users: the four association members with a login
    candidates: list  # applications, in the ranking's order (number 1 first)


@pytest.fixture
def scene(project_a, staff_a, member_a):
    """Project A's association has four members with a login (member_a, and three living in
    cluster "Gang V"); a vacant room V7 on that cluster goes to the association's vote; three
    consenting candidates: Amarilla (urgent, waiting longest: number 1), Bartholomea, Cornelis."""
    cluster = ClusterFactory(project=project_a, name="Gang V")
    voters = [member_a] + [association_member(project_a, cluster=cluster).user for _ in range(3)]
    unit = UnitFactory(project=project_a, cluster=cluster, number="V7")
    vacancy = services.vacancy_open(
        unit=unit,
        available_from=TODAY,
        contract_type=ContractType.objects.get(code="regulier"),
        route=VacancyRoute.ASSOCIATION,
        user=staff_a,
    )
    candidates = [
        vote_candidate(
            project_a,
            first_name="Amarilla",
            last_name="Oosterwijk",
            urgent=True,
            registered_on=dt.date(2020, 1, 1),
        ),
        vote_candidate(project_a, first_name="Bartholomea", registered_on=dt.date(2022, 1, 1)),
        vote_candidate(project_a, first_name="Cornelis", registered_on=dt.date(2025, 6, 1)),
    ]
    ranking = vacancy_ranking(vacancy, today=TODAY)
    assert [ranking.find(a.pk).rank for a in candidates] == [1, 2, 3]
    return Scene(project_a, cluster, unit, vacancy, staff_a, voters, candidates)


def open_round(scene, applications=None, *, last_day=None, today=TODAY, neighbour=None):
    applications = scene.candidates if applications is None else applications
    return voting.round_open(
        vacancy=scene.vacancy,
        application_ids=[a.pk for a in applications],
        last_day=last_day or today + dt.timedelta(days=7),
        user=scene.staff,
        today=today,
        neighbour=neighbour,
    )


def choice_of(round_, application) -> str:
    """What the ballot form posts for `application`: its shortlist row's id."""
    return str(round_.shortlist.get(application=application).pk)


def vote(round_, user, choice, *, token=None, previous=None, now=None) -> voting.Cast:
    return voting.vote_cast(
        round_id=round_.pk,
        user=user,
        choice=choice,
        token=token or voting.new_token(),
        previous=previous,
        now=now,
    )


def deadline(round_) -> dt.datetime:
    """The round's closes_at as stored (UTC), for exact arithmetic across DST changes."""
    return VoteRound.objects.values_list("closes_at", flat=True).get(pk=round_.pk)


def ballot_state(round_) -> dict:
    """All a vote can change: who voted with which commitment, and the box."""
    box = BallotBox.objects.get(round=round_)
    return {
        "participations": sorted(
            Participation.objects.filter(elector__round=round_).values_list(
                "elector__user_id", "receipt"
            )
        ),
        "counts": box.counts,
        "abstentions": box.abstentions,
    }


def close(round_) -> VoteRound:
    assert voting.close_if_due(round_.pk, now=deadline(round_))
    return VoteRound.objects.get(pk=round_.pk)


def closed_round(scene, picks, **vote_settings) -> VoteRound:
    """A round voted on by `picks` (voter index -> candidate index or ABSTAIN), then closed."""
    if vote_settings:
        VoteSettings.objects.update_or_create(project=scene.project, defaults=vote_settings)
    round_ = open_round(scene)
    for voter, pick in picks.items():
        choice = ABSTAIN if pick == ABSTAIN else choice_of(round_, scene.candidates[pick])
        vote(round_, scene.voters[voter], choice)
    return close(round_)


def assert_nothing_opened() -> None:
    assert not VoteRound.objects.exists()
    assert not RoundCandidate.objects.exists()
    assert not Elector.objects.exists()
    assert not BallotBox.objects.exists()
    assert not VoteMessage.objects.exists()
    assert not AllocationEvent.objects.filter(kind=EventKind.VOTE_OPENED).exists()


# Opening a round


def test_opening_puts_the_shortlist_on_a_drawn_ballot_with_the_shared_profile_only(scene):
    round_ = open_round(scene, last_day=TODAY + dt.timedelta(days=7))
    ranking = vacancy_ranking(scene.vacancy, today=TODAY)
    assert (round_.status, round_.closes_at) == (
        RoundStatus.OPEN,
        voting.closes_at(TODAY + dt.timedelta(days=7)),
    )
    assert (round_.electorate_kind, round_.quorum_percent, round_.abstain_counts) == (
        ElectorateKind.MEMBERS,
        50,
        True,
    )
    shortlist = list(round_.shortlist.order_by("position"))
    assert sorted(c.position for c in shortlist) == [1, 2, 3]
    for row in shortlist:
        application = row.application
        assert (
            row.first_name,
            row.motivation,
            row.contribution,
            row.availability,
            row.rank_at_open,
        ) == (
            application.person.first_name,
            application.motivation,
            application.contribution,
            application.availability,
            ranking.find(application.pk).rank,
        )
    box = BallotBox.objects.get(round=round_)
    assert (box.counts, box.abstentions) == ({}, 0)
    assert Elector.objects.filter(round=round_).count() == 4
    event = AllocationEvent.objects.get(kind=EventKind.VOTE_OPENED)
    assert (event.vacancy, event.actor) == (scene.vacancy, scene.staff)


def test_the_shortlist_snapshot_holds_nothing_the_law_protects(scene):
    round_ = open_round(scene)
    names = {field.name for field in RoundCandidate._meta.get_fields()}
    for protected in ("target", "birth", "nationality", "care", "role", "household", "access"):
        assert not [name for name in names if protected in name], protected
    person = scene.candidates[0].person
    row = RoundCandidate.objects.filter(round=round_, application=scene.candidates[0])
    stored = " ".join(str(value) for value in row.values().get().values())
    for secret in (
        person.last_name,
        person.date_of_birth.isoformat(),
        person.target_group.name,
        person.target_group.code,
    ):
        assert secret not in stored


def test_the_ballot_order_is_a_permutation_drawn_anew(scene):
    """Positions are 1..n; over rounds the ranking's number 1 does not always stand on top."""
    tops = set()
    for _ in range(12):
        round_ = open_round(scene)
        positions = dict(round_.shortlist.values_list("application_id", "position"))
        assert sorted(positions.values()) == [1, 2, 3]
        tops.add(next(pk for pk, position in positions.items() if position == 1))
        voting.round_cancel(round_=round_, reason="Opnieuw.", user=scene.staff)
    # The chance that 12 fair draws put the same candidate first every time is 3 * (1/3)**12.
    assert len(tops) > 1


@pytest.mark.parametrize("size", [2, 6])
def test_a_shortlist_of_two_to_six_opens(scene, size):
    extra = [vote_candidate(scene.project, first_name=f"Extra{n}") for n in range(max(0, size - 3))]
    round_ = open_round(scene, (scene.candidates + extra)[:size])
    assert sorted(round_.shortlist.values_list("position", flat=True)) == list(range(1, size + 1))


@pytest.mark.parametrize("size", [0, 1, 7])
def test_a_shortlist_of_fewer_than_two_or_more_than_six_is_refused(scene, size):
    extra = [vote_candidate(scene.project, first_name=f"Extra{n}") for n in range(4)]
    with pytest.raises(ValidationError) as error:
        open_round(scene, (scene.candidates + extra)[:size])
    assert "2 to 6" in " ".join(error.value.message_dict["shortlist"])
    assert_nothing_opened()


def test_the_same_candidate_twice_is_one_place_on_the_shortlist(scene):
    with pytest.raises(ValidationError, match="2 to 6"):
        open_round(scene, [scene.candidates[0], scene.candidates[0]])
    assert_nothing_opened()


def test_an_ineligible_candidate_is_refused(scene):
    negative = vote_candidate(scene.project, first_name="Negatief", intake_outcome="negative")
    with pytest.raises(ValidationError) as error:
        open_round(scene, [scene.candidates[0], negative])
    assert f"Candidate {negative.pk} is not eligible" in " ".join(
        error.value.message_dict["shortlist"]
    )
    assert_nothing_opened()


def test_another_projects_candidate_is_refused(scene):
    elsewhere = vote_candidate(
        ProjectFactory(corporation=scene.project.corporation), first_name="Elders"
    )
    with pytest.raises(ValidationError, match="not eligible"):
        open_round(scene, [scene.candidates[0], elsewhere])
    assert_nothing_opened()


def test_a_candidate_who_did_not_consent_to_share_a_profile_is_refused(scene):
    private = vote_candidate(scene.project, first_name="Prive", consent=False)
    with pytest.raises(ValidationError) as error:
        open_round(scene, [scene.candidates[0], private])
    assert "has not consented" in " ".join(error.value.message_dict["shortlist"])
    assert_nothing_opened()


def test_a_vacancy_let_by_staff_is_refused(scene):
    scene.vacancy.route = VacancyRoute.STAFF
    scene.vacancy.save()
    with pytest.raises(ValidationError, match="let by staff"):
        open_round(scene)
    assert_nothing_opened()


def test_a_project_without_an_association_is_refused(scene):
    scene.project.has_association = False
    scene.project.save()
    with pytest.raises(ValidationError, match="no residents' association"):
        open_round(scene)
    assert_nothing_opened()


def test_a_second_round_while_one_runs_is_refused_also_by_the_database(scene):
    first = open_round(scene)
    with pytest.raises(ValidationError, match="running for this vacancy already"):
        open_round(scene)
    assert list(VoteRound.objects.all()) == [first]
    with pytest.raises(IntegrityError, match="one_open_round_per_vacancy"), transaction.atomic():
        VoteRound.objects.create(
            vacancy=scene.vacancy,
            project=scene.project,
            opened_at=timezone.now(),
            closes_at=first.closes_at,
            electorate_kind=ElectorateKind.MEMBERS,
            quorum_percent=50,
            abstain_counts=True,
        )
    # A closed round no longer blocks a new one.
    close(first)
    assert open_round(scene).pk != first.pk


@pytest.mark.parametrize("days", [-1, 0, 61, 365])
def test_the_last_day_lies_between_tomorrow_and_60_days_ahead(scene, days):
    with pytest.raises(ValidationError) as error:
        open_round(scene, last_day=TODAY + dt.timedelta(days=days))
    assert "last_day" in error.value.message_dict
    assert_nothing_opened()


@pytest.mark.parametrize("days", [1, 60])
def test_the_last_day_may_be_tomorrow_or_60_days_ahead(scene, days):
    round_ = open_round(scene, last_day=TODAY + dt.timedelta(days=days))
    assert round_.last_day == TODAY + dt.timedelta(days=days)


def test_the_electorate_is_todays_association_members_with_a_login(scene, staff_a, outsider):
    project = scene.project
    association_member(project, cluster=scene.cluster, login=False)
    association_member(project, left_on=TODAY - dt.timedelta(days=1))  # a former member
    association_member(project, joined_on=TODAY + dt.timedelta(days=1))  # not yet a member
    # A resident with a login who is not a member, and a member of another project's association.
    ContractFactory(
        unit=UnitFactory(project=project, cluster=scene.cluster),
        person=PersonFactory(corporation=project.corporation, user=UserFactory()),
    )
    association_member(
        ProjectFactory(corporation=project.corporation, has_association=True), cluster=None
    )
    leaving_today = association_member(project, left_on=TODAY)  # a member until tonight

    round_ = open_round(scene)
    electors = dict(Elector.objects.filter(round=round_).values_list("user_id", "via"))
    assert electors == {u.pk: ElectorVia.MEMBER for u in scene.voters + [leaving_today.user]}
    assert set(VoteMessage.objects.filter(round=round_).values_list("user_id", "kind")) == {
        (pk, MessageKind.OPENED) for pk in electors
    }

    # The electorate is fixed at the opening: who joins later does not vote in this round.
    late = association_member(project)
    for user in (late.user, staff_a, outsider):
        with pytest.raises(voting.VoteRefused, match="not among the voters"):
            vote(round_, user, ABSTAIN)
    assert not Participation.objects.exists()


def test_a_member_whose_account_is_deactivated_is_not_an_elector(scene):
    blocked = scene.voters[3]
    blocked.is_active = False
    blocked.save()
    round_ = open_round(scene)
    assert set(Elector.objects.filter(round=round_).values_list("user_id", flat=True)) == {
        u.pk for u in scene.voters[:3]
    }


def test_a_committee_votes_with_the_neighbour_staff_chose(scene):
    project = scene.project
    vote_settings = VoteSettings.objects.create(
        project=project, electorate=ElectorateKind.COMMITTEE, add_neighbour=True
    )
    chair, secretary = association_member(project), association_member(project)
    former = association_member(project, left_on=TODAY - dt.timedelta(days=1))
    without_login = association_member(project, login=False)
    vote_settings.committee.set([chair, secretary, former, without_login])
    neighbour = scene.voters[1].person  # a member living in Gang V, not on the committee

    round_ = open_round(scene, neighbour=neighbour)
    electors = dict(Elector.objects.filter(round=round_).values_list("user_id", "via"))
    assert electors == {
        chair.user_id: ElectorVia.COMMITTEE,
        secretary.user_id: ElectorVia.COMMITTEE,
        neighbour.user_id: ElectorVia.NEIGHBOUR,
    }
    assert round_.electorate_kind == ElectorateKind.COMMITTEE
    with pytest.raises(voting.VoteRefused, match="not among the voters"):
        vote(round_, scene.voters[0], ABSTAIN)  # a member, but not on the committee


def test_a_committee_without_a_neighbour_is_the_committee_only(scene):
    vote_settings = VoteSettings.objects.create(
        project=scene.project, electorate=ElectorateKind.COMMITTEE
    )
    vote_settings.committee.set([scene.voters[0].person, scene.voters[2].person])
    round_ = open_round(scene)
    assert set(Elector.objects.filter(round=round_).values_list("user_id", flat=True)) == {
        scene.voters[0].pk,
        scene.voters[2].pk,
    }


@pytest.mark.parametrize("who", ["other cluster", "no cluster", "not a member", "no login"])
def test_a_neighbour_who_is_not_a_member_in_the_vacancys_cluster_is_refused(scene, who):
    project = scene.project
    vote_settings = VoteSettings.objects.create(
        project=project, electorate=ElectorateKind.COMMITTEE, add_neighbour=True
    )
    vote_settings.committee.set([scene.voters[0].person])
    if who == "other cluster":
        neighbour = association_member(project, cluster=ClusterFactory(project=project))
    elif who == "no cluster":
        neighbour = scene.voters[0].person  # member_a lives on a unit outside any cluster
    elif who == "not a member":
        neighbour = ContractFactory(
            unit=UnitFactory(project=project, cluster=scene.cluster),
            person=PersonFactory(corporation=project.corporation, user=UserFactory()),
        ).person
    else:
        neighbour = association_member(project, cluster=scene.cluster, login=False)
    with pytest.raises(ValidationError) as error:
        open_round(scene, neighbour=neighbour)
    assert "neighbour" in error.value.message_dict
    assert_nothing_opened()


def test_a_round_nobody_can_vote_in_is_refused(scene):
    VoteSettings.objects.create(project=scene.project, electorate=ElectorateKind.COMMITTEE)
    with pytest.raises(ValidationError, match="Nobody can vote"):
        open_round(scene)
    assert_nothing_opened()


# Casting and changing a vote


def test_a_first_vote_counts_once(scene):
    round_ = open_round(scene)
    voter, choice = scene.voters[0], choice_of(round_, scene.candidates[1])
    token = voting.new_token()
    cast = vote(round_, voter, choice, token=token)
    assert cast == voting.Cast(voting.Receipt(token, choice), changed=False, repeated=False)
    assert ballot_state(round_) == {
        "participations": [(voter.pk, voting.commitment(round_.pk, voter.pk, token, choice))],
        "counts": {choice: 1},
        "abstentions": 0,
    }
    assert voting.turnout(round_) == (1, 4)


def test_a_double_click_or_retry_changes_nothing(scene):
    round_ = open_round(scene)
    voter, choice = scene.voters[0], choice_of(round_, scene.candidates[0])
    token = voting.new_token()
    vote(round_, voter, choice, token=token)
    before = ballot_state(round_)
    again = vote(round_, voter, choice, token=token)
    assert (again.repeated, again.changed) == (True, False)
    assert ballot_state(round_) == before


def test_changing_a_vote_with_its_receipt_moves_exactly_one_count(scene):
    round_ = open_round(scene)
    voter = scene.voters[0]
    first, second = (choice_of(round_, c) for c in scene.candidates[:2])
    vote(round_, scene.voters[1], first)  # somebody else's vote stays where it is
    cast = vote(round_, voter, first)
    changed = vote(round_, voter, second, previous=cast.receipt)
    assert (changed.changed, changed.repeated) == (True, False)
    state = ballot_state(round_)
    assert (state["counts"], state["abstentions"]) == ({first: 1, second: 1}, 0)
    assert dict(state["participations"])[voter.pk] == voting.commitment(
        round_.pk, voter.pk, changed.receipt.token, second
    )
    # To abstaining, and back: the old receipt no longer changes anything.
    abstained = vote(round_, voter, ABSTAIN, previous=changed.receipt)
    state = ballot_state(round_)
    assert (state["counts"], state["abstentions"]) == ({first: 1, second: 0}, 1)
    with pytest.raises(voting.VoteRefused, match="voted already"):
        vote(round_, voter, first, previous=changed.receipt)
    vote(round_, voter, second, previous=abstained.receipt)
    state = ballot_state(round_)
    assert (state["counts"], state["abstentions"]) == ({first: 1, second: 1}, 0)
    assert Participation.objects.count() == 2


def test_a_change_from_another_device_without_the_receipt_is_refused(scene):
    round_ = open_round(scene)
    voter = scene.voters[0]
    vote(round_, voter, choice_of(round_, scene.candidates[0]))
    before = ballot_state(round_)
    with pytest.raises(voting.VoteRefused, match="only in the browser it was cast in"):
        vote(round_, voter, choice_of(round_, scene.candidates[1]))
    assert ballot_state(round_) == before


def test_a_forged_receipt_with_the_right_token_and_another_choice_is_refused(scene):
    round_ = open_round(scene)
    voter = scene.voters[0]
    first, second, third = (choice_of(round_, c) for c in scene.candidates)
    cast = vote(round_, voter, first)
    before = ballot_state(round_)
    for claimed in (second, third, ABSTAIN):
        forged = voting.Receipt(cast.receipt.token, claimed)
        with pytest.raises(voting.VoteRefused, match="voted already"):
            vote(round_, voter, third, previous=forged)
    # Somebody else's receipt does not open this voter's vote either.
    other = vote(round_, scene.voters[1], first)
    with pytest.raises(voting.VoteRefused):
        vote(round_, voter, third, previous=other.receipt)
    assert ballot_state(round_)["counts"] == {first: 2}
    assert [p for p in ballot_state(round_)["participations"] if p[0] == voter.pk] == before[
        "participations"
    ]


def test_abstaining_counts_as_an_abstention(scene):
    round_ = open_round(scene)
    cast = vote(round_, scene.voters[0], ABSTAIN)
    assert cast.receipt.choice == ABSTAIN
    state = ballot_state(round_)
    assert (state["counts"], state["abstentions"], len(state["participations"])) == ({}, 1, 1)


def _another_rounds_candidate(scene) -> str:
    unit = UnitFactory(project=scene.project, number="W1")
    vacancy = services.vacancy_open(
        unit=unit,
        available_from=TODAY,
        contract_type=ContractType.objects.get(code="regulier"),
        route=VacancyRoute.ASSOCIATION,
        user=scene.staff,
    )
    other = voting.round_open(
        vacancy=vacancy,
        application_ids=[a.pk for a in scene.candidates[:2]],
        last_day=TODAY + dt.timedelta(days=7),
        user=scene.staff,
        today=TODAY,
    )
    return str(other.shortlist.first().pk)


@pytest.mark.parametrize(
    "case",
    [
        "another round's candidate",
        "no such candidate",
        "empty choice",
        "text",
        "not an elector",
        "staff",
        "closed round",
        "cancelled round",
        "empty token",
        "short token",
        "uppercase token",
        "token with a dot",
    ],
)
def test_a_refused_vote_changes_nothing(scene, staff_a, case):
    round_ = open_round(scene)
    voter, choice, token = scene.voters[0], choice_of(round_, scene.candidates[0]), None
    vote(round_, scene.voters[1], choice)  # a vote already in the box
    if case == "another round's candidate":
        choice = _another_rounds_candidate(scene)
    elif case == "no such candidate":
        choice = str(RoundCandidate.objects.order_by("-pk").first().pk + 1000)
    elif case == "empty choice":
        choice = ""
    elif case == "text":
        choice = "Amarilla"
    elif case == "not an elector":
        voter = UserFactory()
    elif case == "staff":
        voter = staff_a
    elif case == "closed round":
        round_ = close(round_)
    elif case == "cancelled round":
        round_ = voting.round_cancel(round_=round_, reason="Unit valt uit.", user=staff_a)
    elif case == "empty token":
        token = ""
    elif case == "short token":
        token = "ab" * 15
    elif case == "uppercase token":
        token = "AB" * 16
    else:
        token = "ab" * 15 + ".x"
    before = ballot_state(round_)
    participations = Participation.objects.count()
    with pytest.raises(voting.VoteRefused):
        voting.vote_cast(
            round_id=round_.pk,
            user=voter,
            choice=choice,
            token=voting.new_token() if token is None else token,
            previous=None,
        )
    assert ballot_state(round_) == before
    assert Participation.objects.count() == participations


@pytest.mark.parametrize("spelling", ["0{}", " {}", "{} ", "+{}"])
def test_every_accepted_vote_shows_in_the_result(scene, spelling):
    round_ = open_round(scene)
    candidate = round_.shortlist.get(application=scene.candidates[1])
    # Refusing a choice that is not one of the ballot's values would do as well.
    with contextlib.suppress(voting.VoteRefused):
        vote(round_, scene.voters[0], spelling.format(candidate.pk))
    vote(round_, scene.voters[1], str(candidate.pk))
    result = voting.result(close(round_))
    assert sum(n for _c, n in result.rows) + result.abstentions == result.voted


# Deadlines (Europe/Amsterdam)


@pytest.mark.parametrize(
    ("last_day", "utc"),
    [
        (dt.date(2026, 10, 24), dt.datetime(2026, 10, 24, 22, 0, tzinfo=UTC)),  # then CEST
        (dt.date(2026, 10, 25), dt.datetime(2026, 10, 25, 23, 0, tzinfo=UTC)),  # a 25-hour day
        (dt.date(2026, 3, 28), dt.datetime(2026, 3, 28, 23, 0, tzinfo=UTC)),  # then CET
        (dt.date(2026, 3, 29), dt.datetime(2026, 3, 29, 22, 0, tzinfo=UTC)),  # a 23-hour day
        (dt.date(2026, 12, 31), dt.datetime(2026, 12, 31, 23, 0, tzinfo=UTC)),
    ],
)
def test_a_round_closes_at_the_midnight_after_its_last_day_in_amsterdam(last_day, utc):
    closes = voting.closes_at(last_day)
    assert closes == utc
    assert closes.astimezone(AMSTERDAM).replace(tzinfo=None) == dt.datetime.combine(
        last_day + dt.timedelta(days=1), dt.time()
    )
    assert VoteRound(closes_at=utc).last_day == last_day


def test_the_day_the_clocks_go_back_has_25_hours_to_vote_and_the_spring_day_23():
    def length(last_day):  # in elapsed time (aware datetimes of one zone subtract wall time)
        return voting.closes_at(last_day).astimezone(UTC) - voting.closes_at(
            last_day - dt.timedelta(days=1)
        ).astimezone(UTC)

    autumn, spring = length(dt.date(2026, 10, 25)), length(dt.date(2026, 3, 29))
    assert (autumn, spring) == (dt.timedelta(hours=25), dt.timedelta(hours=23))


@pytest.mark.parametrize(
    ("last_day", "utc"),
    [
        (dt.date(2026, 10, 24), dt.datetime(2026, 10, 24, 22, 0, tzinfo=UTC)),
        (dt.date(2026, 10, 25), dt.datetime(2026, 10, 25, 23, 0, tzinfo=UTC)),
        (dt.date(2026, 3, 28), dt.datetime(2026, 3, 28, 23, 0, tzinfo=UTC)),
        (dt.date(2026, 3, 29), dt.datetime(2026, 3, 29, 22, 0, tzinfo=UTC)),
    ],
)
def test_a_vote_counts_until_the_last_microsecond_and_not_at_the_deadline(
    scene, time_machine, last_day, utc
):
    """Rounds opened five days before a last day around the DST changes (the clock is moved to
    the opening day; the votes say when they are cast)."""
    opened_on = last_day - dt.timedelta(days=5)
    time_machine.move_to(dt.datetime.combine(opened_on, dt.time(12), tzinfo=AMSTERDAM))
    round_ = open_round(scene, last_day=last_day, today=opened_on)
    closes = deadline(round_)
    assert closes == utc
    assert VoteRound.objects.get(pk=round_.pk).last_day == last_day
    in_time, too_late = scene.voters[0], scene.voters[1]
    choice = choice_of(round_, scene.candidates[0])

    vote(round_, in_time, choice, now=closes - dt.timedelta(microseconds=1))
    before = ballot_state(round_)
    with pytest.raises(voting.VoteRefused, match="has closed"):
        vote(round_, too_late, choice, now=closes)
    assert VoteRound.objects.get(pk=round_.pk).status == RoundStatus.OPEN  # nobody closed it
    assert (
        ballot_state(round_)
        == before
        == {
            "participations": before["participations"],
            "counts": {choice: 1},
            "abstentions": 0,
        }
    )


def test_a_round_closes_once_at_its_deadline(scene):
    round_ = open_round(scene)
    vote(round_, scene.voters[0], choice_of(round_, scene.candidates[0]))
    vote(round_, scene.voters[1], choice_of(round_, scene.candidates[0]))
    closes = deadline(round_)
    assert not voting.close_if_due(round_.pk, now=closes - dt.timedelta(microseconds=1))
    assert VoteRound.objects.get(pk=round_.pk).status == RoundStatus.OPEN
    assert voting.close_if_due(round_.pk, now=closes)
    assert not voting.close_if_due(round_.pk, now=closes + dt.timedelta(days=1))
    closed = VoteRound.objects.get(pk=round_.pk)
    assert (closed.status, closed.closed_at, closed.outcome) == (
        RoundStatus.CLOSED,
        closes,
        Outcome.WINNER,
    )
    assert AllocationEvent.objects.filter(kind=EventKind.VOTE_CLOSED).count() == 1


def test_the_schedule_closes_due_rounds_and_a_rerun_does_nothing(scene, time_machine):
    due = open_round(scene, last_day=TODAY + dt.timedelta(days=2))
    vote(due, scene.voters[0], choice_of(due, scene.candidates[2]))
    vote(due, scene.voters[1], choice_of(due, scene.candidates[2]))
    later_unit = UnitFactory(project=scene.project, cluster=scene.cluster)
    later_vacancy = services.vacancy_open(
        unit=later_unit,
        available_from=TODAY,
        contract_type=ContractType.objects.get(code="regulier"),
        route=VacancyRoute.ASSOCIATION,
        user=scene.staff,
    )
    later = voting.round_open(
        vacancy=later_vacancy,
        application_ids=[a.pk for a in scene.candidates],
        last_day=TODAY + dt.timedelta(days=9),
        user=scene.staff,
        today=TODAY,
    )
    time_machine.move_to(deadline(due))
    assert votes_tick.apply().get()["closed"] == 1
    assert votes_tick.apply().get()["closed"] == 0
    due.refresh_from_db()
    later.refresh_from_db()
    assert (due.status, due.outcome, due.winner.application) == (
        RoundStatus.CLOSED,
        Outcome.WINNER,
        scene.candidates[2],
    )
    assert later.status == RoundStatus.OPEN
    assert voting.rounds_close_due(now=deadline(due)) == 0
    assert VoteMessage.objects.filter(round=due, kind=MessageKind.RESULT).count() == 4


# Outcomes


def test_the_most_votes_win(scene):
    round_ = closed_round(scene, {0: 1, 1: 1, 2: 0})
    result = voting.result(round_)
    assert (round_.outcome, round_.winner.application) == (Outcome.WINNER, scene.candidates[1])
    assert {c.application: n for c, n in result.rows} == dict(
        zip(scene.candidates, [1, 2, 0], strict=True)
    )
    assert (result.voted, result.electorate, result.needed, result.winners) == (
        3,
        4,
        2,
        [round_.winner],
    )


def test_two_candidates_equal_on_top_are_a_tie_without_a_winner(scene):
    round_ = closed_round(scene, {0: 0, 1: 1, 2: 0, 3: 1})
    result = voting.result(round_)
    assert (round_.outcome, round_.winner) == (Outcome.TIE, None)
    assert {c.application for c in result.winners} == set(scene.candidates[:2])


@pytest.mark.parametrize(
    ("picks", "outcome"),
    [({}, Outcome.NO_QUORUM), ({0: 0}, Outcome.NO_QUORUM), ({0: 0, 1: 0}, Outcome.WINNER)],
)
def test_half_of_four_electors_is_a_quorum_of_two(scene, picks, outcome):
    round_ = closed_round(scene, picks)
    assert round_.outcome == outcome
    assert (round_.winner is None) == (outcome != Outcome.WINNER)
    assert voting.result(round_).needed == 2


@pytest.mark.parametrize(
    ("size", "percent", "needed"),
    [(4, 50, 2), (5, 50, 3), (3, 34, 2), (7, 100, 7), (5, 0, 0), (1, 1, 1), (200, 33, 66)],
)
def test_the_quorum_rounds_up(size, percent, needed):
    assert voting.quorum_needed(size, percent) == needed


def test_a_quorum_of_five_electors_at_half_needs_three_votes(scene):
    association_member(scene.project)  # a fifth elector
    round_ = closed_round(scene, {0: 0, 1: 0})
    assert round_.outcome == Outcome.NO_QUORUM
    assert voting.result(round_).needed == 3


@pytest.mark.parametrize(
    ("abstain_counts", "outcome"), [(True, Outcome.WINNER), (False, Outcome.NO_QUORUM)]
)
def test_abstaining_counts_towards_the_quorum_only_when_the_settings_say_so(
    scene, abstain_counts, outcome
):
    round_ = closed_round(scene, {0: 0, 1: ABSTAIN}, abstain_counts=abstain_counts)
    assert round_.abstain_counts is abstain_counts
    assert round_.outcome == outcome
    result = voting.result(round_)
    assert (result.voted, result.abstentions, result.counting) == (2, 1, 2 if abstain_counts else 1)


def test_when_everyone_abstains_there_is_no_winner(scene):
    round_ = closed_round(scene, dict.fromkeys(range(4), ABSTAIN))
    assert (round_.outcome, round_.winner) == (Outcome.TIE, None)
    assert voting.result(round_).abstentions == 4


# Secrecy


def test_the_tally_cannot_be_read_while_the_round_runs_or_after_it_was_cancelled(scene):
    round_ = open_round(scene)
    vote(round_, scene.voters[0], choice_of(round_, scene.candidates[0]))
    with pytest.raises(ValueError, match="only after it closed"):
        voting.result(round_)
    cancelled = voting.round_cancel(round_=round_, reason="Unit valt uit.", user=scene.staff)
    with pytest.raises(ValueError, match="only after it closed"):
        voting.result(cancelled)


def test_cancelling_discards_the_tally_unread(scene):
    round_ = open_round(scene)
    vote(round_, scene.voters[0], choice_of(round_, scene.candidates[0]))
    vote(round_, scene.voters[1], ABSTAIN)
    with pytest.raises(ValidationError):
        voting.round_cancel(round_=round_, reason="  ", user=scene.staff)
    assert BallotBox.objects.get(round=round_).abstentions == 1
    cancelled = voting.round_cancel(round_=round_, reason="Unit valt uit.", user=scene.staff)
    box = BallotBox.objects.get(round=round_)
    assert (box.counts, box.abstentions) == ({}, 0)
    assert (cancelled.status, cancelled.cancel_reason) == (RoundStatus.CANCELLED, "Unit valt uit.")
    assert not VoteMessage.objects.filter(round=round_, sent_at__isnull=True, cancelled_at=None)
    with pytest.raises(ValidationError, match="Only a running vote"):
        voting.round_cancel(round_=round_, reason="Nog eens.", user=scene.staff)


def _references(cursor, table: str) -> dict[str, str]:
    """The table's foreign keys as PostgreSQL has them: column -> the table it references."""
    relations = connection.introspection.get_relations(cursor, table)
    return {column: relation[1] for column, relation in relations.items()}


def _columns(model) -> tuple[dict[str, str], dict[str, str]]:
    """The model's table: column -> field type, and column -> referenced table."""
    introspection = connection.introspection
    with connection.cursor() as cursor:
        table = model._meta.db_table
        columns = {
            d.name: introspection.get_field_type(d.type_code, d)
            for d in introspection.get_table_description(cursor, table)
        }
        return columns, _references(cursor, table)


def test_the_box_and_the_participation_have_nothing_to_link_a_voter_to_a_choice(db):
    user_table = get_user_model()._meta.db_table
    times = {"DateTimeField", "DateField", "TimeField", "DurationField"}

    columns, references = _columns(BallotBox)
    assert references == {"round_id": VoteRound._meta.db_table}
    assert user_table not in references.values()
    assert not [name for name, kind in columns.items() if kind in times]

    columns, references = _columns(Participation)
    assert set(columns) == {"id", "elector_id", "receipt"}
    assert references == {"elector_id": Elector._meta.db_table}


def test_a_commitment_cannot_be_tested_without_the_voters_token(scene):
    round_ = open_round(scene)
    choices = [choice_of(round_, c) for c in scene.candidates] + [ABSTAIN]
    for voter in scene.voters[:3]:
        vote(round_, voter, choices[0])  # the same choice: still different receipts
    receipts = dict(
        Participation.objects.filter(elector__round=round_).values_list(
            "elector__user_id", "receipt"
        )
    )
    assert len(set(receipts.values())) == 3
    guessable = ["", "0" * 32, "f" * 32, "00", str(round_.pk), "None", "token"]
    for user_id, receipt in receipts.items():
        guessable.append(str(user_id))
        for token in guessable:
            for choice in choices:
                assert receipt != voting.commitment(round_.pk, user_id, token, choice)
    tokens = {voting.new_token() for _ in range(50)}
    assert len(tokens) == 50
    assert all(voting.valid_token(token) for token in tokens)


def _dump() -> dict[str, list[str]]:
    """Every row of every table, as text; only a participation's id (drawn from a sequence that
    a rollback does not reset) and its salted commitment are left out."""
    qn = connection.ops.quote_name
    dump = {}
    with connection.cursor() as cursor:
        for table in connection.introspection.table_names(cursor):
            cursor.execute(f"SELECT * FROM {qn(table)}")  # noqa: S608 - names from the catalogue
            names = [d.name for d in cursor.description]
            skip = {"id", "receipt"} if table == Participation._meta.db_table else set()
            dump[table] = sorted(
                repr(
                    [
                        (name, bytes(value) if isinstance(value, memoryview) else value)
                        for name, value in zip(names, row, strict=True)
                        if name not in skip
                    ]
                )
                for row in cursor.fetchall()
            )
    return dump


def test_the_whole_database_is_the_same_whoever_chose_whom(scene):
    """Two voters swap their choices: every table of the database ends up the same, but for the
    commitments that only the voters' own tokens can open. So no table, log or order tells who
    chose whom."""
    round_ = open_round(scene)
    first, second = (choice_of(round_, c) for c in scene.candidates[:2])
    alice, bob, carol = scene.voters[:3]

    def after(picks):
        with transaction.atomic():
            for voter, choice in picks:
                vote(round_, voter, choice)
            dump = _dump()
            transaction.set_rollback(True)
        return dump

    before = _dump()
    one = after([(alice, first), (bob, second), (carol, ABSTAIN)])
    other = after([(alice, second), (bob, first), (carol, ABSTAIN)])
    assert one != before  # the dump sees the votes
    assert one[BallotBox._meta.db_table] != before[BallotBox._meta.db_table]
    assert one == other


def test_no_row_in_any_table_holds_a_voter_with_a_candidate(scene):
    round_ = open_round(scene)
    picks = {scene.voters[0]: 0, scene.voters[1]: 1, scene.voters[2]: 2}
    for voter, index in picks.items():
        vote(round_, voter, choice_of(round_, scene.candidates[index]))
    voter_ids = {voter.pk for voter in picks}
    user_table = get_user_model()._meta.db_table
    candidate_tables = {RoundCandidate._meta.db_table, Application._meta.db_table}
    names = [c.person.first_name for c in scene.candidates]
    qn = connection.ops.quote_name
    seen = 0
    with connection.cursor() as cursor:
        for table in connection.introspection.table_names(cursor):
            references = _references(cursor, table)
            user_columns = [c for c, t in references.items() if t == user_table]
            candidate_columns = [c for c, t in references.items() if t in candidate_tables]
            if not user_columns:
                continue
            cursor.execute(f"SELECT * FROM {qn(table)}")  # noqa: S608 - names from the catalogue
            columns = [d.name for d in cursor.description]
            for row in cursor.fetchall():
                values = dict(zip(columns, row, strict=True))
                if not any(values[c] in voter_ids for c in user_columns):
                    continue
                seen += 1
                linked = [c for c in candidate_columns if values[c] is not None]
                assert not linked, (table, values)
                text = " ".join(str(v) for v in values.values())
                assert not [name for name in names if name in text], (table, values)
                assert not [c for c in columns if "choice" in c or c == "vote"], table
    assert seen >= 3 * 2  # each voter's elector row and opening e-mail at least


def test_the_e_mails_say_where_to_vote_but_never_who_is_on_the_ballot(scene, staff_a):
    Profile.objects.create(user=scene.voters[0], language="en")
    round_ = open_round(scene)
    vote(round_, scene.voters[3], choice_of(round_, scene.candidates[0]))
    assert voting.reminders_due(now=deadline(round_) - voting.REMINDER_BEFORE) == 3
    vote_messages.messages_send()
    close(round_)
    vote_messages.messages_send()
    assert vote_messages.messages_send() == {}

    kinds = dict(VoteMessage.objects.filter(round=round_).values_list("pk", "kind"))
    sent = {int(m.extra_headers["Message-ID"].split("-")[2].split("@")[0]): m for m in mail.outbox}
    assert sorted(kinds[pk] for pk in sent) == sorted(
        [MessageKind.OPENED] * 4
        + [MessageKind.REMINDER] * 3
        + [MessageKind.RESULT] * 4
        + [MessageKind.STAFF_RESULT]
    )
    ballot = settings.SITE_URL.rstrip("/") + round_.ballot_url()
    staff_page = settings.SITE_URL.rstrip("/") + round_.get_absolute_url()
    for pk, message in sent.items():
        text = f"{message.subject}\n{message.body}"
        for candidate in scene.candidates:
            assert candidate.person.first_name not in text
        assert "V7" in message.subject
        if kinds[pk] == MessageKind.STAFF_RESULT:
            assert message.to == [staff_a.email]
            assert staff_page in message.body
        else:
            assert message.to[0] in {u.email for u in scene.voters}
            assert ballot in message.body
    with translation.override("en"):
        day = dateformat.format(TODAY + dt.timedelta(days=7), "l j F Y")
    [opened] = [
        m
        for pk, m in sent.items()
        if kinds[pk] == MessageKind.OPENED and m.to == [scene.voters[0].email]
    ]
    assert f"You can vote until the end of {day}." in opened.body
    assert "Your vote is secret" in opened.body


def test_the_admin_site_shows_no_ballot_box_and_no_participation(admin_user, client_for):
    registered = set(admin.site._registry)
    assert BallotBox not in registered
    assert Participation not in registered
    page = client_for(admin_user).get("/admin/")
    assert page.status_code == 200
    html = page.content.decode().lower()
    assert "/admin/allocation/ballotbox/" not in html
    assert "/admin/allocation/participation/" not in html


# Reminders and e-mails


def test_a_reminder_goes_48_hours_before_the_close_once_to_who_has_not_voted(scene):
    round_ = open_round(scene)
    vote(round_, scene.voters[0], choice_of(round_, scene.candidates[0]))
    closes = deadline(round_)
    reminders = VoteMessage.objects.filter(round=round_, kind=MessageKind.REMINDER)
    assert voting.reminders_due(now=closes - voting.REMINDER_BEFORE - dt.timedelta(seconds=1)) == 0
    assert not reminders.exists()
    assert voting.reminders_due(now=closes - voting.REMINDER_BEFORE) == 3
    assert sorted(reminders.values_list("user_id", flat=True)) == sorted(
        u.pk for u in scene.voters[1:]
    )
    assert voting.reminders_due(now=closes - voting.REMINDER_BEFORE) == 0
    assert voting.reminders_due(now=closes - dt.timedelta(hours=1)) == 0
    assert reminders.count() == 3
    assert voting.reminders_due(now=closes) == 0  # the round is due, not to be reminded of


def test_a_round_of_two_days_or_less_gets_no_reminder(scene):
    round_ = open_round(scene, last_day=TODAY + dt.timedelta(days=1))
    closes = deadline(round_)
    for before in (voting.REMINDER_BEFORE, dt.timedelta(hours=24), dt.timedelta(hours=1)):
        assert voting.reminders_due(now=closes - before) == 0
    assert not VoteMessage.objects.filter(kind=MessageKind.REMINDER).exists()


def test_a_reminder_to_who_voted_after_it_was_made_is_not_sent(scene):
    round_ = open_round(scene)
    assert voting.reminders_due(now=deadline(round_) - voting.REMINDER_BEFORE) == 4
    reminders = dict(
        VoteMessage.objects.filter(round=round_, kind=MessageKind.REMINDER).values_list(
            "user_id", "pk"
        )
    )
    voted, waiting = scene.voters[:2]
    vote(round_, voted, ABSTAIN)
    assert vote_messages.message_send(reminders[voted.pk]) == "cancelled"
    assert vote_messages.message_send(reminders[waiting.pk]) == "sent"
    assert vote_messages.message_send(reminders[waiting.pk]) == "skipped"
    assert [m.to for m in mail.outbox] == [[waiting.email]]
    assert VoteMessage.objects.get(pk=reminders[voted.pk]).cancelled_at is not None


def test_each_e_mail_of_a_round_is_made_once(scene, staff_a, readonly_a):
    round_ = open_round(scene)
    messages = VoteMessage.objects.filter(round=round_)
    voter_ids = sorted(u.pk for u in scene.voters)
    assert sorted(messages.values_list("user_id", "kind")) == [
        (pk, MessageKind.OPENED) for pk in voter_ids
    ]
    closed = close(round_)
    assert not voting.close_if_due(round_.pk, now=deadline(round_))
    assert voting.rounds_close_due(now=deadline(round_)) == 0
    by_kind = {
        kind: sorted(messages.filter(kind=kind).values_list("user_id", flat=True))
        for kind in MessageKind.values
    }
    assert by_kind == {
        MessageKind.OPENED: voter_ids,
        MessageKind.REMINDER: [],
        MessageKind.RESULT: voter_ids,
        MessageKind.STAFF_RESULT: [staff_a.pk],
    }
    assert closed.outcome == Outcome.NO_QUORUM
    with pytest.raises(IntegrityError), transaction.atomic():
        VoteMessage.objects.create(round=round_, user=scene.voters[0], kind=MessageKind.RESULT)
    assert vote_messages.messages_send()["sent"] == 9
    assert len(mail.outbox) == 9
    assert vote_messages.messages_send() == {}


# Deciding on the result


def test_confirming_the_winner_offers_the_unit_to_the_winner(scene):
    round_ = closed_round(scene, {0: 1, 1: 1, 2: 0})  # Bartholomea, number 2, wins
    decided = voting.round_decide(
        round_=round_,
        application=scene.candidates[1],
        reason="",
        reply_by=REPLY_BY,
        user=scene.staff,
        today=TODAY,
    )
    offer = Offer.objects.get()
    assert (offer.application, offer.status, offer.rank) == (
        scene.candidates[1],
        OfferStatus.OPEN,
        2,
    )
    # Number 2 needs a reason: the vote's, kept as a fact and said in the reader's language.
    assert (offer.reason, offer.reason_code) == ("", OfferReason.VOTE_WINNER)
    assert offer.reason_text == "Chosen by the residents' association's vote."
    with translation.override("nl"):
        assert offer.reason_text == "Gekozen bij de stemming van de woonvereniging."
    assert Vacancy.objects.get(pk=scene.vacancy.pk).status == VacancyStatus.OFFERED
    assert (decided.decision, decided.offer, decided.decided_by) == (
        Decision.CONFIRMED,
        offer,
        scene.staff,
    )
    assert VoteRound.objects.get(pk=round_.pk).decision == Decision.CONFIRMED
    assert AllocationEvent.objects.filter(kind=EventKind.VOTE_DECIDED).count() == 1


def test_deciding_for_another_candidate_than_the_winner_needs_a_reason(scene):
    round_ = closed_round(scene, {0: 1, 1: 1, 2: 0})
    with pytest.raises(ValidationError) as error:
        voting.round_decide(
            round_=round_,
            application=scene.candidates[0],
            reason="  ",
            reply_by=REPLY_BY,
            user=scene.staff,
            today=TODAY,
        )
    assert "reason" in error.value.message_dict
    assert not Offer.objects.exists()
    assert VoteRound.objects.get(pk=round_.pk).decision == ""
    assert Vacancy.objects.get(pk=scene.vacancy.pk).status == VacancyStatus.OPEN

    reason = "Bartholomea verhuist pas over een jaar."
    decided = voting.round_decide(
        round_=round_,
        application=scene.candidates[0],
        reason=reason,
        reply_by=REPLY_BY,
        user=scene.staff,
        today=TODAY,
    )
    offer = Offer.objects.get()
    assert (decided.decision, decided.decision_reason) == (Decision.OTHER, reason)
    assert (offer.application, offer.reason) == (scene.candidates[0], reason)


@pytest.mark.parametrize(
    ("picks", "outcome"),
    [({0: 0, 1: 1}, Outcome.TIE), ({0: 1}, Outcome.NO_QUORUM)],
)
def test_without_a_winner_the_rankings_number_one_needs_no_reason(scene, picks, outcome):
    round_ = closed_round(scene, picks)
    assert (round_.outcome, round_.winner) == (outcome, None)
    with pytest.raises(ValidationError) as error:
        voting.round_decide(
            round_=round_,
            application=scene.candidates[1],
            reason="",
            reply_by=REPLY_BY,
            user=scene.staff,
            today=TODAY,
        )
    assert "reason" in error.value.message_dict
    assert not Offer.objects.exists()
    decided = voting.round_decide(
        round_=round_,
        application=scene.candidates[0],
        reason="",
        reply_by=REPLY_BY,
        user=scene.staff,
        today=TODAY,
    )
    offer = Offer.objects.get()
    assert (decided.decision, decided.decision_reason) == (Decision.RANKING, "")
    assert (offer.application, offer.rank) == (scene.candidates[0], 1)
    assert (offer.reason, offer.reason_code) == ("", f"vote_{outcome}")
    said = {Outcome.TIE: "a tie", Outcome.NO_QUORUM: "no quorum"}[outcome]
    assert (
        offer.reason_text
        == f"The association's vote gave no winner ({said}); number 1 of the ranking."
    )


def test_no_offer_from_a_round_needs_a_reason(scene):
    round_ = closed_round(scene, {0: 0, 1: 0})
    with pytest.raises(ValidationError) as error:
        voting.round_decide(
            round_=round_,
            application=None,
            reason="",
            reply_by=REPLY_BY,
            user=scene.staff,
            today=TODAY,
        )
    assert "reason" in error.value.message_dict
    assert VoteRound.objects.get(pk=round_.pk).decision == ""
    decided = voting.round_decide(
        round_=round_,
        application=None,
        reason="De unit gaat in renovatie.",
        reply_by=REPLY_BY,
        user=scene.staff,
        today=TODAY,
    )
    assert (decided.decision, decided.offer, decided.decision_reason) == (
        Decision.NO_OFFER,
        None,
        "De unit gaat in renovatie.",
    )
    assert not Offer.objects.exists()
    assert Vacancy.objects.get(pk=scene.vacancy.pk).status == VacancyStatus.OPEN


def test_a_round_is_decided_once_and_only_after_it_closed(scene):
    running = open_round(scene)
    with pytest.raises(ValidationError, match="only after the vote has closed"):
        voting.round_decide(
            round_=running,
            application=scene.candidates[0],
            reason="Toch.",
            reply_by=REPLY_BY,
            user=scene.staff,
            today=TODAY,
        )
    assert not Offer.objects.exists()
    round_ = close(running)
    decide = {
        "round_": round_,
        "application": None,
        "reason": "Geen.",
        "reply_by": REPLY_BY,
        "user": scene.staff,
        "today": TODAY,
    }
    voting.round_decide(**decide)
    with pytest.raises(ValidationError, match="decided on already"):
        voting.round_decide(**decide | {"application": scene.candidates[0]})
    assert not Offer.objects.exists()
    assert VoteRound.objects.get(pk=round_.pk).decision == Decision.NO_OFFER


def test_staff_cannot_offer_change_or_withdraw_a_vacancy_while_its_vote_runs(scene):
    open_round(scene)
    with pytest.raises(ValidationError, match="association is voting"):
        services.offer_make(
            vacancy=scene.vacancy,
            application=scene.candidates[0],
            reason="Spoed.",
            reply_by=REPLY_BY,
            user=scene.staff,
            today=TODAY,
        )
    with pytest.raises(ValidationError, match="vote is running"):
        services.vacancy_update(vacancy=scene.vacancy, user=scene.staff, note="x")
    with pytest.raises(ValidationError, match="vote is running"):
        services.vacancy_withdraw(vacancy=scene.vacancy, reason="Renovatie.", user=scene.staff)
    assert not Offer.objects.exists()
    assert Vacancy.objects.get(pk=scene.vacancy.pk).status == VacancyStatus.OPEN


def test_drift_counts_how_often_the_association_chose_another_than_number_one(scene):
    rounds = VoteRound.objects.filter(project=scene.project)
    assert voting.drift(rounds).differed_percent is None
    first = closed_round(scene, {0: 0, 1: 0})  # number 1 wins
    voting.round_decide(
        round_=first,
        application=None,
        reason="Opnieuw stemmen.",
        reply_by=REPLY_BY,
        user=scene.staff,
        today=TODAY,
    )
    closed_round(scene, {0: 1, 1: 1, 2: 2})  # number 2 wins
    closed_round(scene, {})  # no quorum
    open_round(scene)  # running: not counted
    drift = voting.drift(rounds)
    assert (drift.rounds, drift.with_winner, drift.ranking_first, drift.differed) == (3, 2, 1, 1)
    assert (drift.confirmed, drift.overridden, drift.differed_percent) == (0, 1, 50)
    assert drift.ranks == {1: 1, 2: 1}


# Deleting or deactivating a login changes no result and reveals no vote


def _figures(round_) -> dict:
    """Every figure of a round that a page or the dashboard shows."""
    from magicmix.dashboard.data import votes
    from magicmix.dashboard.periods import Quarter

    round_ = VoteRound.objects.get(pk=round_.pk)
    result = voting.result(round_) if round_.status == RoundStatus.CLOSED else None
    quarter = Quarter.containing(timezone.localtime(round_.closes_at).date())
    dashboard = votes([round_.project_id], quarter).get(round_.project_id)
    return {
        "turnout": voting.turnout(round_),
        "result": result
        and (
            result.voted,
            result.electorate,
            result.needed,
            result.counting,
            [(c.pk, n) for c, n in result.rows],
            result.abstentions,
            result.outcome,
        ),
        "stored": (round_.electorate_size, round_.voted, round_.quorum, round_.outcome),
        "dashboard": dashboard and (dashboard["voted"].n, dashboard["not"].n),
    }


def _delete_page(client, user) -> str:
    from django.urls import reverse

    page = client.get(reverse("admin:auth_user_delete", args=[user.pk]))
    assert page.status_code == 200
    return page.content.decode()


def test_deleting_a_voters_login_after_the_close_changes_no_figure_and_lists_no_round(
    scene, admin_user, client_for
):
    round_ = closed_round(scene, {0: 0, 1: 0, 2: 1}, quorum_percent=75)  # 3 of 4: quorum met
    later = open_round(scene, [scene.candidates[0], scene.candidates[2]])
    vote(later, scene.voters[1], choice_of(later, scene.candidates[0]))
    before, before_later = _figures(round_), _figures(later)
    assert before["result"][:3] == (3, 4, 3)
    admin_client = client_for(admin_user)
    page = _delete_page(admin_client, scene.voters[1])
    for word in ["Elector", "elector", "Participation", "participation", "vote", "Vote", "stem"]:
        assert word not in page.split('id="content"')[1].split("<form")[0], word
    admin_client.post(
        f"/admin/auth/user/{scene.voters[1].pk}/delete/", {"post": "yes"}, follow=True
    )
    assert not get_user_model().objects.filter(pk=scene.voters[1].pk).exists()
    assert _figures(round_) == before
    assert _figures(later) == before_later


def test_deleting_a_voters_login_before_the_close_keeps_their_vote_and_the_electorate(scene):
    round_ = open_round(scene)
    for voter in (0, 1):
        vote(round_, scene.voters[voter], choice_of(round_, scene.candidates[1]))
    scene.voters[1].delete()
    scene.voters[3].is_active = False
    scene.voters[3].save()
    closed = close(round_)
    result = voting.result(closed)
    assert (result.voted, result.electorate) == (2, 4)
    assert dict((c.application_id, n) for c, n in result.rows)[scene.candidates[1].pk] == 2
    # No e-mail is made for the deleted login; the deactivated one is not sent.
    assert not VoteMessage.objects.filter(round=round_, kind="result", user__isnull=True).exists()


def test_a_closed_rounds_figures_are_fixed_at_the_close(scene):
    round_ = closed_round(scene, {0: 0, 1: 1})
    before = _figures(round_)
    # Even an elector row removed by hand in the database changes no published figure.
    Elector.objects.filter(round=round_, participation__isnull=True).first().delete()
    after = _figures(round_)
    assert after["result"] == before["result"]
    assert after["stored"] == before["stored"]


def test_what_staff_typed_deciding_a_vote_goes_with_an_anonymised_candidate(scene):
    from residents import retention

    round_ = closed_round(scene, {0: 0, 1: 0, 2: 0})
    chosen = scene.candidates[1]
    voting.round_decide(
        round_=round_,
        application=chosen,
        reason="Bartholomea Jansen woont al bij haar broer in de gang",
        reply_by=TODAY + dt.timedelta(days=14),
        user=scene.staff,
        today=TODAY,
    )
    retention.anonymise([chosen.person_id], TODAY)
    assert VoteRound.objects.get(pk=round_.pk).decision_reason == ""
    decided = AllocationEvent.objects.filter(vacancy=scene.vacancy, kind=EventKind.VOTE_DECIDED)
    assert decided.exists()
    assert not decided.exclude(reason="").exists()


def test_what_staff_typed_cancelling_a_vote_goes_with_an_anonymised_candidate(scene):
    from residents import retention

    round_ = open_round(scene)
    voting.round_cancel(round_=round_, reason="Cornelis de Boer trok zich terug", user=scene.staff)
    retention.anonymise([scene.candidates[2].person_id], TODAY)
    assert VoteRound.objects.get(pk=round_.pk).cancel_reason == ""
    cancelled = AllocationEvent.objects.filter(vacancy=scene.vacancy, kind=EventKind.VOTE_CANCELLED)
    assert cancelled.exists()
    assert not cancelled.exclude(reason="").exists()


def test_a_deleted_logins_vote_e_mails_go_with_it(scene):
    round_ = open_round(scene)
    vote(round_, scene.voters[0], choice_of(round_, scene.candidates[0]))
    voting.reminders_due(now=deadline(round_) - dt.timedelta(hours=47))
    assert VoteMessage.objects.filter(round=round_, kind="reminder").count() == 3
    for voter in scene.voters[:2]:  # one who voted, one who was reminded
        voter.delete()
    kinds = sorted(VoteMessage.objects.filter(round=round_).values_list("kind", flat=True))
    assert kinds == ["opened", "opened", "reminder", "reminder"]
    assert not VoteMessage.objects.filter(user__isnull=True).exists()
