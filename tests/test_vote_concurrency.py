"""Votes cast at the same moment, on the real PostgreSQL: two tabs of one voter, many voters at
once, a change from several tabs, votes racing the close. Nothing is counted twice, nothing is
lost, and the database itself holds one participation per voter.

Each racer is a thread with its own database connection, released together by a barrier. The
tests commit (transaction=True), so the database is flushed after each; serialized_rollback puts
back the seeded target groups and contract types. (Every transactional test of the suite needs
it: a flush without it lets post_migrate make the content types anew under other ids, and the
next restore of the serialized copy then fails on their unique key.)
"""

import datetime as dt
import threading

import pytest
from django.db import IntegrityError, connection, transaction
from django.utils import timezone, translation

from allocation import services, voting
from allocation.models import BallotBox, Elector, Participation, VacancyRoute, VoteRound
from residents.models import ContractType

from .factories import ClusterFactory, UnitFactory, association_member, vote_candidate

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)

RACERS = 8
TODAY = timezone.localdate()


@pytest.fixture
def round_(project_a, staff_a, published):
    """A running round on a room of project A: three candidates, RACERS + 1 electors."""
    cluster = ClusterFactory(project=project_a, name="Gang R")
    for _ in range(RACERS + 1):
        association_member(project_a, cluster=cluster)
    vacancy = services.vacancy_open(
        unit=UnitFactory(project=project_a, cluster=cluster, number="R1"),
        available_from=TODAY,
        contract_type=ContractType.objects.get(code="regulier"),
        route=VacancyRoute.ASSOCIATION,
        user=staff_a,
    )
    candidates = [
        vote_candidate(project_a, first_name=name) for name in ("Anouk", "Bram", "Chaima")
    ]
    opened = voting.round_open(
        vacancy=vacancy,
        application_ids=[c.pk for c in candidates],
        last_day=TODAY + dt.timedelta(days=7),
        user=staff_a,
        today=TODAY,
    )
    assert [(name, args) for _id, name, args, _queue in published] == [
        ("allocation.tasks.send_vote_messages", [opened.pk])
    ]
    return VoteRound.objects.get(pk=opened.pk)


def electors(round_) -> list:
    return [e.user for e in Elector.objects.filter(round=round_).select_related("user")]


def choices(round_) -> list[str]:
    return [str(pk) for pk in round_.shortlist.values_list("pk", flat=True)]


def race(calls) -> list[tuple[str, object]]:
    """Run each call in its own thread and connection, all released at once; returns per call
    ("ok", value), ("refused", messages) for a VoteRefused, or ("error", repr)."""
    barrier = threading.Barrier(len(calls))
    results: list = [None] * len(calls)

    def run(index, call):
        try:
            connection.ensure_connection()  # connected before the start, to start together
            barrier.wait(timeout=60)
            with translation.override("en"):  # a new thread speaks the default, Dutch
                results[index] = ("ok", call())
        except voting.VoteRefused as refusal:
            results[index] = ("refused", refusal.messages)
        except Exception as exc:  # reported by the test
            results[index] = ("error", repr(exc))
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=item) for item in enumerate(calls)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert not [thread for thread in threads if thread.is_alive()], "a racer hung"
    return results


def outcomes(results) -> list[str]:
    return sorted(kind for kind, _value in results)


def box_total(round_) -> int:
    box = BallotBox.objects.get(round=round_)
    return sum(box.counts.values()) + box.abstentions


def caster(round_, user, choice, token, previous=None, now=None):
    return lambda: voting.vote_cast(
        round_id=round_.pk, user=user, choice=choice, token=token, previous=previous, now=now
    )


@pytest.mark.parametrize("same_choice", [True, False])
def test_one_voters_first_vote_from_many_tabs_at_once_counts_once(round_, same_choice):
    voter = electors(round_)[0]
    options = choices(round_)
    tokens = [voting.new_token() for _ in range(RACERS)]
    picks = [options[0] if same_choice else options[i % 3] for i in range(RACERS)]
    results = race([caster(round_, voter, picks[i], tokens[i]) for i in range(RACERS)])

    assert outcomes(results) == ["ok"] + ["refused"] * (RACERS - 1), results
    [cast] = [value for kind, value in results if kind == "ok"]
    assert all("already" in " ".join(value) for kind, value in results if kind == "refused")
    [participation] = Participation.objects.filter(elector__round=round_)
    assert participation.receipt == voting.commitment(
        round_.pk, voter.pk, cast.receipt.token, cast.receipt.choice
    )
    box = BallotBox.objects.get(round=round_)
    assert (box.counts, box.abstentions) == ({cast.receipt.choice: 1}, 0)


def test_many_voters_at_once_are_all_counted(round_):
    voters = electors(round_)[:RACERS]
    options = choices(round_) + [voting.ABSTAIN]
    picks = [options[i % len(options)] for i in range(RACERS)]
    pairs = zip(voters, picks, strict=True)
    results = race([caster(round_, voter, pick, voting.new_token()) for voter, pick in pairs])

    assert outcomes(results) == ["ok"] * RACERS, results
    assert Participation.objects.filter(elector__round=round_).count() == RACERS
    box = BallotBox.objects.get(round=round_)
    expected = {c: picks.count(c) for c in options if c != voting.ABSTAIN}
    assert (box.counts, box.abstentions) == (expected, picks.count(voting.ABSTAIN))
    assert voting.turnout(round_) == (RACERS, RACERS + 1)


def test_a_change_sent_from_many_tabs_at_once_moves_one_count(round_):
    voter = electors(round_)[0]
    first, *others = choices(round_)
    cast = voting.vote_cast(
        round_id=round_.pk, user=voter, choice=first, token=voting.new_token(), previous=None
    )
    picks = [others[i % 2] for i in range(RACERS)]
    results = race(
        [caster(round_, voter, pick, voting.new_token(), previous=cast.receipt) for pick in picks]
    )

    assert outcomes(results) == ["ok"] + ["refused"] * (RACERS - 1), results
    [changed] = [value for kind, value in results if kind == "ok"]
    box = BallotBox.objects.get(round=round_)
    assert (box.counts, box.abstentions) == ({first: 0, changed.receipt.choice: 1}, 0)
    assert Participation.objects.get(elector__round=round_).receipt == voting.commitment(
        round_.pk, voter.pk, changed.receipt.token, changed.receipt.choice
    )


def test_votes_racing_the_close_are_either_in_the_result_or_refused(round_):
    closes = round_.closes_at
    voters = electors(round_)[: RACERS - 1]
    options = choices(round_)
    calls = [
        caster(
            round_,
            voter,
            options[i % 3],
            voting.new_token(),
            now=closes - dt.timedelta(microseconds=1),
        )
        for i, voter in enumerate(voters)
    ]
    results = race([*calls, lambda: voting.close_if_due(round_.pk, now=closes)])

    assert results[-1] == ("ok", True), results
    votes = results[:-1]
    assert set(outcomes(votes)) <= {"ok", "refused"}, votes
    counted = sum(kind == "ok" for kind, _value in votes)
    result = voting.result(VoteRound.objects.get(pk=round_.pk))
    assert result.voted == counted == Participation.objects.filter(elector__round=round_).count()
    assert sum(n for _c, n in result.rows) + result.abstentions == counted
    assert box_total(round_) == counted


def test_the_database_holds_one_participation_per_voter(round_):
    elector = Elector.objects.filter(round=round_).first()
    results = race(
        [
            lambda i=i: Participation.objects.create(elector=elector, receipt=f"{i:064x}")
            for i in range(RACERS)
        ]
    )
    assert outcomes(results) == ["error"] * (RACERS - 1) + ["ok"], results
    assert all("IntegrityError" in value for kind, value in results if kind == "error")
    assert Participation.objects.filter(elector=elector).count() == 1
    with pytest.raises(IntegrityError), transaction.atomic():
        Participation.objects.create(elector=elector, receipt="f" * 64)
    assert Participation.objects.filter(elector=elector).count() == 1
