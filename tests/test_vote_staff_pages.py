"""The staff pages of the association's vote: who may open them, what they show while a round
runs (the turnout, never the tally) and after it closed, opening a round and deciding on it
through the forms, rounds closed by the first page after their deadline, and query counts."""

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone, translation

from allocation import services, voting
from allocation.models import (
    Application,
    Decision,
    ElectorateKind,
    IntakeOutcome,
    Offer,
    Outcome,
    RoundStatus,
    UnitScope,
    VacancyRoute,
    VoteRound,
    VoteSettings,
)
from allocation.ranking import vacancy_ranking
from residents.models import ContractType, ResidentRole

from .factories import (
    AssociationMembershipFactory,
    ClusterFactory,
    ContractFactory,
    PersonFactory,
    UnitFactory,
    UserFactory,
)

TODAY = timezone.localdate()
REPLY_BY = TODAY + dt.timedelta(days=14)


# Building blocks


def add_candidates(project, count: int, *, consent: bool = True) -> list[Application]:
    made = []
    for index in range(count):
        application = Application(
            project=project,
            person=PersonFactory(
                corporation=project.corporation,
                role=ResidentRole.DRAGEND,
                share_profile_consent=consent,
                first_name=f"Kandidaat{index}",
            ),
            registered_on=dt.date(2020, 1, 1) + dt.timedelta(days=index * 17),
            intake_outcome=IntakeOutcome.POSITIVE,
            intake_on=dt.date(2026, 1, 1),
            motivation="Ik wil graag bijdragen.",
        )
        application.full_clean()
        application.save()
        made.append(application)
    return made


def add_member(project):
    """A member of the project's association with a login."""
    user = UserFactory()
    person = PersonFactory(corporation=project.corporation, user=user)
    AssociationMembershipFactory(person=person, project=project)
    return user


def add_vacancy(project, cluster, staff, number, *, route=VacancyRoute.ASSOCIATION):
    return services.vacancy_open(
        unit=UnitFactory(project=project, cluster=cluster, number=number),
        available_from=TODAY,
        contract_type=ContractType.objects.get(code="regulier"),
        route=route,
        user=staff,
    )


def ranked_ids(vacancy, count: int) -> list[int]:
    return [i.candidate.application_id for i in vacancy_ranking(vacancy, today=TODAY).ranked][
        :count
    ]


def open_round(vacancy, staff, count: int = 3) -> VoteRound:
    return voting.round_open(
        vacancy=vacancy,
        application_ids=ranked_ids(vacancy, count),
        last_day=TODAY + dt.timedelta(days=7),
        user=staff,
        today=TODAY,
    )


def cast(round_, user, candidate) -> None:
    choice = voting.ABSTAIN if candidate is None else str(candidate.pk)
    voting.vote_cast(
        round_id=round_.pk, user=user, choice=choice, token=voting.new_token(), previous=None
    )


def close(round_) -> VoteRound:
    assert voting.close_if_due(round_.pk, now=round_.closes_at)
    round_.refresh_from_db()
    return round_


def by_rank(round_, rank_index: int):
    return sorted(round_.shortlist.all(), key=lambda c: c.rank_at_open)[rank_index]


@pytest.fixture
def scene(project_a, staff_a, member_a):
    """Project A with its association (member_a and two more voters), a cluster with four
    residents, five consenting candidates, and three association vacancies: `free` (no vote),
    `running` (a round open) and `voted` (a round closed, the ranking's number 2 won by 2 of 3)."""
    cluster = ClusterFactory(project=project_a, name="Gang V")
    for role in (ResidentRole.DRAGEND, ResidentRole.VRAGEND) * 2:
        ContractFactory(
            unit=UnitFactory(project=project_a, cluster=cluster),
            person=PersonFactory(corporation=project_a.corporation, role=role),
        )
    candidates = add_candidates(project_a, 5)
    voters = [member_a, add_member(project_a), add_member(project_a)]
    free = add_vacancy(project_a, cluster, staff_a, "V1")
    running_vacancy = add_vacancy(project_a, cluster, staff_a, "V2")
    voted_vacancy = add_vacancy(project_a, cluster, staff_a, "V3")
    running = open_round(running_vacancy, staff_a)
    voted = open_round(voted_vacancy, staff_a)
    second = by_rank(voted, 1)
    cast(voted, voters[0], second)
    cast(voted, voters[1], second)
    voted = close(voted)
    assert (voted.outcome, voted.winner) == (Outcome.WINNER, second)
    return {
        "project": project_a,
        "cluster": cluster,
        "candidates": candidates,
        "voters": voters,
        "free": free,
        "running": running,
        "voted": voted,
    }


def url(scene, name):
    return {
        "round_list": lambda: reverse("allocation:round_list", args=[scene["project"].pk]),
        "vote_settings": lambda: reverse("allocation:vote_settings", args=[scene["project"].pk]),
        "round_open": lambda: reverse("allocation:round_open", args=[scene["free"].pk]),
        "round_detail": lambda: reverse("allocation:round_detail", args=[scene["running"].pk]),
        "round_detail_closed": lambda: reverse("allocation:round_detail", args=[scene["voted"].pk]),
        "round_decide": lambda: reverse("allocation:round_decide", args=[scene["voted"].pk]),
        "round_cancel": lambda: reverse("allocation:round_cancel", args=[scene["running"].pk]),
    }[name]()


# Access


READ_PAGES = ["round_list", "vote_settings", "round_detail", "round_detail_closed"]
WRITE_PAGES = ["round_open", "round_cancel"]  # GET and POST
POST_ONLY = ["round_decide"]
OUTSIDERS = ["staff_b", "policy_a", "member_a", "outsider", "care_worker"]


@pytest.mark.parametrize("name", READ_PAGES + WRITE_PAGES)
def test_staff_open_every_page(scene, staff_a, client_for, name):
    assert client_for(staff_a).get(url(scene, name)).status_code == 200


def test_staff_post_to_decide_without_a_choice_gets_the_form_again(scene, staff_a, client_for):
    response = client_for(staff_a).post(url(scene, "round_decide"), {})
    assert response.status_code == 200
    assert "application" in response.context["decide_form"].errors
    assert not Offer.objects.exists()


@pytest.mark.parametrize("name", READ_PAGES)
def test_read_only_role_reads(scene, readonly_a, client_for, name):
    assert client_for(readonly_a).get(url(scene, name)).status_code == 200


def test_read_only_role_sees_no_write_controls(scene, readonly_a, client_for):
    client = client_for(readonly_a)
    running = client.get(url(scene, "round_detail")).content.decode()
    assert url(scene, "round_cancel") not in running
    closed = client.get(url(scene, "round_detail_closed"))
    assert closed.context["decide_form"] is None
    settings_page = client.get(url(scene, "vote_settings"))
    assert all(field.disabled for field in settings_page.context["form"].fields.values())


@pytest.mark.parametrize("name", ["vote_settings"] + WRITE_PAGES + POST_ONLY)
def test_read_only_role_gets_403_on_every_write(scene, readonly_a, client_for, name):
    client = client_for(readonly_a)
    if name in WRITE_PAGES:
        assert client.get(url(scene, name)).status_code == 403
    data = {
        "reason": "x",
        "application": "",
        "reply_by": REPLY_BY.isoformat(),
        "shortlist": ranked_ids(scene["free"], 2),
        "last_day": (TODAY + dt.timedelta(days=5)).isoformat(),
        "unit_scope": UnitScope.ALL,
        "electorate": ElectorateKind.MEMBERS,
        "quorum_percent": "10",
        "round_days": "3",
    }
    assert client.post(url(scene, name), data).status_code == 403


def test_read_only_role_changes_nothing(scene, readonly_a, client_for):
    client = client_for(readonly_a)
    client.post(url(scene, "round_cancel"), {"reason": "x"})
    client.post(url(scene, "round_decide"), {"application": "", "reason": "x"})
    client.post(url(scene, "vote_settings"), {"unit_scope": "all", "quorum_percent": "1"})
    scene["running"].refresh_from_db()
    scene["voted"].refresh_from_db()
    assert scene["running"].status == RoundStatus.OPEN
    assert scene["voted"].decision == ""
    assert not VoteSettings.objects.exists()


@pytest.mark.parametrize("persona", OUTSIDERS)
@pytest.mark.parametrize("name", READ_PAGES + WRITE_PAGES + POST_ONLY)
def test_outsiders_get_404(scene, request, client_for, persona, name):
    client = client_for(request.getfixturevalue(persona))
    if name not in POST_ONLY:
        assert client.get(url(scene, name)).status_code == 404
    assert client.post(url(scene, name), {"reason": "x", "application": ""}).status_code == 404


@pytest.mark.parametrize("name", READ_PAGES + WRITE_PAGES)
def test_anonymous_users_are_sent_to_login(scene, client, name):
    response = client.get(url(scene, name))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("account_login"))


def test_a_project_without_association_says_so(project_b, staff_b, client_for):
    response = client_for(staff_b).get(reverse("allocation:round_list", args=[project_b.pk]))
    assert response.status_code == 200
    assert not response.context["project"].has_association
    assert 'class="notice"' in response.content.decode()


# While a round runs: the turnout only


def test_a_running_round_shows_the_turnout_but_never_the_tally(scene, staff_a, client_for):
    running = scene["running"]
    favourite = by_rank(running, 0)
    for voter in scene["voters"][:2]:
        cast(running, voter, favourite)
    with CaptureQueriesContext(connection) as captured:
        response = client_for(staff_a).get(url(scene, "round_detail"))
    assert response.status_code == 200
    assert (response.context["voted"], response.context["electorate_size"]) == (2, 3)
    assert response.context["turnout_percent"] == 67
    assert response.context["result"] is None
    assert all("votes" not in row for row in response.context["rows"])
    content = response.content.decode()
    assert 'class="num votes"' not in content
    assert "67%" in content
    # The page does not even read the ballot box while the round runs.
    assert not any("allocation_ballotbox" in query["sql"] for query in captured)


def test_the_tally_shows_once_the_round_has_closed(scene, staff_a, client_for):
    response = client_for(staff_a).get(url(scene, "round_detail_closed"))
    voted = scene["voted"]
    rows = {row["candidate"].pk: row["votes"] for row in response.context["rows"]}
    assert rows == {c.pk: (2 if c == voted.winner else 0) for c in voted.shortlist.all()}
    assert response.context["result"].outcome == Outcome.WINNER
    content = response.content.decode()
    assert '<td class="num votes" data-label="' in content
    assert f"<strong>{voted.winner.rank_at_open}</strong>" in content


# Rounds past their deadline close on the next page


def test_round_detail_closes_a_round_past_its_deadline(scene, staff_a, client_for):
    running = scene["running"]
    VoteRound.objects.filter(pk=running.pk).update(
        closes_at=timezone.now() - dt.timedelta(minutes=1)
    )
    response = client_for(staff_a).get(url(scene, "round_detail"))
    assert response.status_code == 200
    running.refresh_from_db()
    assert running.status == RoundStatus.CLOSED
    assert running.outcome == Outcome.NO_QUORUM
    assert response.context["result"].outcome == Outcome.NO_QUORUM


def test_round_list_closes_rounds_past_their_deadline(scene, readonly_a, client_for):
    running = scene["running"]
    VoteRound.objects.filter(pk=running.pk).update(
        closes_at=timezone.now() - dt.timedelta(minutes=1)
    )
    response = client_for(readonly_a).get(url(scene, "round_list"))
    assert response.status_code == 200
    running.refresh_from_db()
    assert running.status == RoundStatus.CLOSED


# The list and the drift


def test_round_list_shows_turnout_filter_and_drift(scene, staff_a, client_for):
    client = client_for(staff_a)
    response = client.get(url(scene, "round_list"))
    rounds = {r.pk: r for r in response.context["page_obj"]}
    assert set(rounds) == {scene["running"].pk, scene["voted"].pk}
    voted = rounds[scene["voted"].pk]
    assert (voted.shown_voted, voted.shown_electorate) == (2, 3)
    drift = response.context["drift"]
    assert (drift.with_winner, drift.ranking_first, drift.differed) == (1, 0, 1)
    assert drift.differed_percent == 100
    assert response.context["ranks"] == [(2, 1)]
    only_open = client.get(url(scene, "round_list") + "?status=open")
    assert [r.pk for r in only_open.context["page_obj"]] == [scene["running"].pk]


# Settings


def test_staff_save_the_settings_and_marked_needs_a_unit(scene, staff_a, client_for):
    client = client_for(staff_a)
    data = {
        "unit_scope": UnitScope.MARKED,
        "electorate": ElectorateKind.MEMBERS,
        "quorum_percent": "40",
        "round_days": "5",
        "abstain_counts": "on",
    }
    response = client.post(url(scene, "vote_settings"), data)
    assert response.status_code == 200
    assert "units" in response.context["form"].errors
    assert not VoteSettings.objects.exists()
    unit = scene["free"].unit
    committee = scene["voters"][1].person
    data |= {
        "units": [unit.pk],
        "electorate": ElectorateKind.COMMITTEE,
        "committee": [committee.pk],
    }
    response = client.post(url(scene, "vote_settings"), data)
    assert response.status_code == 302
    saved = VoteSettings.objects.get(project=scene["project"])
    assert (saved.unit_scope, saved.quorum_percent, saved.round_days) == ("marked", 40, 5)
    assert list(saved.units.all()) == [unit]
    assert list(saved.committee.all()) == [committee]


def test_the_committee_is_chosen_among_members_with_a_login(scene, staff_a, client_for):
    no_login = PersonFactory(corporation=scene["project"].corporation)
    AssociationMembershipFactory(person=no_login, project=scene["project"])
    outsider = PersonFactory(corporation=scene["project"].corporation, user=UserFactory())
    response = client_for(staff_a).get(url(scene, "vote_settings"))
    choices = set(response.context["form"].fields["committee"].queryset)
    assert choices == {user.person for user in scene["voters"]}
    assert no_login not in choices
    assert outsider not in choices
    assert (response.context["members"], response.context["voters"]) == (4, 3)
    assert response.context["without_login"] == 1


# Opening a round through the form


def open_post(client, vacancy, ids, **extra):
    data = {"shortlist": ids, "last_day": (TODAY + dt.timedelta(days=5)).isoformat()} | extra
    return client.post(reverse("allocation:round_open", args=[vacancy.pk]), data)


def test_the_open_form_preselects_up_to_four_consenting_candidates(scene, staff_a, client_for):
    refusing = add_candidates(scene["project"], 1, consent=False)[0]
    response = client_for(staff_a).get(url(scene, "round_open"))
    rows = response.context["rows"]
    checked = [r["item"].candidate.application_id for r in rows if r["checked"]]
    assert len(checked) == 4
    assert refusing.pk not in checked
    row = next(r for r in rows if r["item"].candidate.application_id == refusing.pk)
    assert row["consent"] is False
    assert f'id="shortlist-{refusing.pk}" disabled' in response.content.decode()
    assert response.context["form"].initial["last_day"] == TODAY + dt.timedelta(days=7)
    assert response.context["electorate_size"] == 3
    assert response.context["quorum"] == 2


@pytest.mark.parametrize("size", [2, 6])
def test_staff_open_a_round_with_2_to_6_candidates(scene, staff_a, client_for, size):
    add_candidates(scene["project"], 2)
    ids = ranked_ids(scene["free"], size)
    response = open_post(client_for(staff_a), scene["free"], ids)
    round_ = VoteRound.objects.get(vacancy=scene["free"])
    assert response.status_code == 302
    assert response["Location"] == round_.get_absolute_url()
    assert sorted(round_.shortlist.values_list("application_id", flat=True)) == sorted(ids)
    assert round_.electors.count() == 3
    assert round_.last_day == TODAY + dt.timedelta(days=5)


@pytest.mark.parametrize("size", [0, 1, 7])
def test_a_shortlist_of_the_wrong_size_is_refused(scene, staff_a, client_for, size):
    add_candidates(scene["project"], 2)
    ids = ranked_ids(scene["free"], size)
    assert len(ids) == size
    response = open_post(client_for(staff_a), scene["free"], ids)
    assert response.status_code == 200
    assert response.context["form"].errors["shortlist"]
    assert not VoteRound.objects.filter(vacancy=scene["free"]).exists()


def test_a_candidate_without_consent_is_refused(scene, staff_a, client_for):
    refusing = add_candidates(scene["project"], 1, consent=False)[0]
    ids = ranked_ids(scene["free"], 2) + [refusing.pk]
    with translation.override("en"):
        response = open_post(client_for(staff_a), scene["free"], ids)
    assert response.status_code == 200
    errors = response.context["form"].errors["shortlist"]
    assert any(refusing.person.first_name in error for error in errors)
    assert not VoteRound.objects.filter(vacancy=scene["free"]).exists()


def test_a_last_day_in_the_past_is_refused(scene, staff_a, client_for):
    response = open_post(
        client_for(staff_a), scene["free"], ranked_ids(scene["free"], 2), last_day=TODAY
    )
    assert response.status_code == 200
    assert response.context["form"].errors["last_day"]
    assert not VoteRound.objects.filter(vacancy=scene["free"]).exists()


@pytest.mark.parametrize("why", ["running", "staff_route", "offered"])
def test_a_vacancy_that_cannot_go_to_a_vote_is_refused_clearly(scene, staff_a, client_for, why):
    if why == "running":
        vacancy = scene["running"].vacancy
    elif why == "staff_route":
        vacancy = add_vacancy(
            scene["project"], scene["cluster"], staff_a, "S1", route=VacancyRoute.STAFF
        )
    else:
        vacancy = scene["free"]
        services.offer_make(
            vacancy=vacancy,
            application=scene["candidates"][4],
            reason="direct",
            reply_by=REPLY_BY,
            user=staff_a,
            today=TODAY,
        )
    client = client_for(staff_a)
    for response in (
        client.get(reverse("allocation:round_open", args=[vacancy.pk])),
        open_post(client, vacancy, ranked_ids(vacancy, 2)),
    ):
        assert response.status_code == 302
        assert response["Location"] == vacancy.get_absolute_url()
    assert VoteRound.objects.filter(vacancy=vacancy).count() == (1 if why == "running" else 0)


def test_a_committee_round_asks_for_the_neighbour(scene, staff_a, client_for):
    project = scene["project"]
    committee_user = scene["voters"][1]
    settings = VoteSettings.objects.create(
        project=project, electorate=ElectorateKind.COMMITTEE, add_neighbour=True
    )
    settings.committee.add(committee_user.person)
    neighbour = scene["voters"][2].person
    ContractFactory(person=neighbour, unit=UnitFactory(project=project, cluster=scene["cluster"]))
    client = client_for(staff_a)
    page = client.get(url(scene, "round_open"))
    assert list(page.context["form"].fields["neighbour"].queryset) == [neighbour]
    assert page.context["electorate_size"] == 1
    response = open_post(
        client, scene["free"], ranked_ids(scene["free"], 2), neighbour=neighbour.pk
    )
    assert response.status_code == 302
    round_ = VoteRound.objects.get(vacancy=scene["free"])
    assert set(round_.electors.values_list("user_id", "via")) == {
        (committee_user.pk, "committee"),
        (neighbour.user_id, "neighbour"),
    }


# Cancelling


def test_staff_cancel_a_running_round_with_a_reason(scene, staff_a, client_for):
    client = client_for(staff_a)
    response = client.post(url(scene, "round_cancel"), {"reason": ""})
    assert response.status_code == 200
    assert response.context["form"].errors["reason"]
    response = client.post(url(scene, "round_cancel"), {"reason": "De woning wordt verbouwd."})
    assert response.status_code == 302
    running = VoteRound.objects.get(pk=scene["running"].pk)
    assert (running.status, running.cancel_reason) == (
        RoundStatus.CANCELLED,
        "De woning wordt verbouwd.",
    )
    page = client.get(url(scene, "round_detail"))
    assert page.context["result"] is None
    assert "De woning wordt verbouwd." in page.content.decode()
    again = client.get(url(scene, "round_cancel"))
    assert again.status_code == 302


# Deciding


def decide(client, scene, application, reason=""):
    return client.post(
        url(scene, "round_decide"),
        {
            "application": "" if application is None else application.pk,
            "reply_by": REPLY_BY.isoformat(),
            "reason": reason,
        },
    )


def test_the_decide_form_preselects_the_winner(scene, staff_a, client_for):
    form = client_for(staff_a).get(url(scene, "round_detail_closed")).context["decide_form"]
    winner = scene["voted"].winner
    assert form.initial["application"] == str(winner.application_id)
    values = [value for value, _label in form.fields["application"].widget.choices]
    assert values[-1] == ""
    assert str(winner.application_id) in values


def test_confirming_the_winner_makes_the_offer(scene, staff_a, client_for):
    winner = scene["voted"].winner
    response = decide(client_for(staff_a), scene, winner.application)
    offer = Offer.objects.get()
    assert response.status_code == 302
    assert response["Location"] == offer.get_absolute_url()
    voted = VoteRound.objects.get(pk=scene["voted"].pk)
    assert (voted.decision, voted.offer, voted.decided_by) == (Decision.CONFIRMED, offer, staff_a)
    assert offer.application == winner.application
    assert offer.reply_by == REPLY_BY


def test_deciding_otherwise_needs_a_reason(scene, staff_a, client_for):
    client = client_for(staff_a)
    other = by_rank(scene["voted"], 0).application
    response = decide(client, scene, other)
    assert response.status_code == 200
    assert response.context["decide_form"].errors["reason"]
    assert not Offer.objects.exists()
    assert VoteRound.objects.get(pk=scene["voted"].pk).decision == ""

    response = decide(client, scene, other, reason="De winnaar trok zich terug.")
    offer = Offer.objects.get()
    assert response.status_code == 302
    assert offer.application == other
    assert offer.reason == "De winnaar trok zich terug."
    voted = VoteRound.objects.get(pk=scene["voted"].pk)
    assert (voted.decision, voted.decision_reason) == (
        Decision.OTHER,
        "De winnaar trok zich terug.",
    )


def test_no_offer_needs_a_reason_and_then_leaves_the_vacancy_open(scene, staff_a, client_for):
    client = client_for(staff_a)
    assert decide(client, scene, None).status_code == 200
    assert VoteRound.objects.get(pk=scene["voted"].pk).decision == ""
    response = decide(client, scene, None, reason="Opnieuw stemmen.")
    assert response.status_code == 302
    assert response["Location"] == scene["voted"].get_absolute_url()
    voted = VoteRound.objects.get(pk=scene["voted"].pk)
    assert (voted.decision, voted.offer) == (Decision.NO_OFFER, None)
    assert not Offer.objects.exists()


def test_a_candidate_of_another_project_is_a_form_error(scene, staff_a, client_for, project_b):
    stranger = add_candidates(project_b, 1)[0]
    response = decide(client_for(staff_a), scene, stranger, reason="x")
    assert response.status_code == 200
    assert response.context["decide_form"].errors["application"]
    assert not Offer.objects.exists()


def test_a_decided_round_shows_the_decision_and_takes_no_second(scene, staff_a, client_for):
    client = client_for(staff_a)
    decide(client, scene, scene["voted"].winner.application)
    page = client.get(url(scene, "round_detail_closed"))
    assert page.context["decide_form"] is None
    assert reverse("allocation:offer_detail", args=[Offer.objects.get().pk]) in (
        page.content.decode()
    )
    again = decide(client, scene, by_rank(scene["voted"], 0).application, reason="x")
    assert again.status_code == 302
    assert Offer.objects.count() == 1


def test_with_no_quorum_the_ranking_decides(scene, staff_a, client_for):
    running = close(scene["running"])
    assert running.outcome == Outcome.NO_QUORUM
    first = vacancy_ranking(running.vacancy, today=TODAY).first
    client = client_for(staff_a)
    page = client.get(reverse("allocation:round_detail", args=[running.pk]))
    form = page.context["decide_form"]
    assert form.initial["application"] == str(first.candidate.application_id)
    response = client.post(
        reverse("allocation:round_decide", args=[running.pk]),
        {"application": first.candidate.application_id, "reply_by": REPLY_BY.isoformat()},
    )
    assert response.status_code == 302
    running.refresh_from_db()
    assert running.decision == Decision.RANKING
    assert running.offer.application_id == first.candidate.application_id


# The vacancy page, the project pages


def test_the_vacancy_page_lists_its_rounds_and_offers_to_open_one(scene, staff_a, client_for):
    client = client_for(staff_a)
    free = client.get(reverse("allocation:vacancy_detail", args=[scene["free"].pk]))
    assert url(scene, "round_open") in free.content.decode()
    running = client.get(reverse("allocation:vacancy_detail", args=[scene["running"].vacancy_id]))
    content = running.content.decode()
    assert url(scene, "round_detail") in content
    assert reverse("allocation:round_open", args=[scene["running"].vacancy_id]) not in content


def test_project_pages_link_to_the_votes(scene, staff_a, client_for):
    client = client_for(staff_a)
    link = url(scene, "round_list")
    project = scene["project"]
    assert link in client.get(reverse("allocation:plan_list", args=[project.pk])).content.decode()
    assert (
        link in client.get(reverse("residents:project_detail", args=[project.pk])).content.decode()
    )


# Query counts: the same with a few rows as with many (style.md habit 6)


def queries(client, path) -> int:
    with CaptureQueriesContext(connection) as captured:
        response = client.get(path)
    assert response.status_code == 200
    return len(captured)


def grow(scene, staff) -> dict:
    """More candidates and voters, and more rounds: open, closed and decided."""
    project = scene["project"]
    add_candidates(project, 6)
    voters = [add_member(project) for _ in range(6)]
    made = {}
    for number in range(4, 9):
        vacancy = add_vacancy(project, scene["cluster"], staff, f"V{number}")
        round_ = open_round(vacancy, staff, count=6)
        for voter in voters[: number - 2]:
            cast(round_, voter, by_rank(round_, number % 3))
        if number % 2:
            round_ = close(round_)
        made[number] = round_
    return made


def test_round_list_queries_do_not_grow(scene, staff_a, client_for):
    client = client_for(staff_a)
    few = queries(client, url(scene, "round_list"))
    grow(scene, staff_a)
    assert queries(client, url(scene, "round_list")) == few


@pytest.mark.parametrize("state", ["open", "closed"])
def test_round_detail_queries_do_not_grow(scene, staff_a, client_for, state):
    client = client_for(staff_a)
    small = scene["running"] if state == "open" else scene["voted"]
    few = queries(client, reverse("allocation:round_detail", args=[small.pk]))
    made = grow(scene, staff_a)
    large = made[4] if state == "open" else made[5]
    assert large.status == state
    assert large.shortlist.count() == 6
    assert large.electors.count() > small.electors.count()
    assert queries(client, reverse("allocation:round_detail", args=[large.pk])) == few
