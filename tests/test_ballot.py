"""The voters' pages: who may open a ballot, voting and changing a vote through the page, what a
double click, a second tab, another device or a forged form do, the close on the first page view
after the deadline, and the query counts. Concurrent requests run against PostgreSQL."""

import datetime as dt
import threading

import pytest
from django.db import connections
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from allocation import services, voting
from allocation.models import (
    BallotBox,
    ElectorateKind,
    Participation,
    RoundStatus,
    VacancyRoute,
    VoteRound,
    VoteSettings,
)
from residents.models import ContractType

from .factories import UnitFactory, association_member, vote_candidate
from .logins import log_in

TODAY = timezone.localdate()


def make_round(project, staff, *, candidates=3, members=2, committee=None):
    """A running round on a new association vacancy of `project`, with `candidates` on the
    shortlist and `members` more association members with a login (besides any made before)."""
    for _ in range(members):
        association_member(project)
    vacancy = services.vacancy_open(
        unit=UnitFactory(project=project),
        available_from=TODAY + dt.timedelta(days=30),
        contract_type=ContractType.objects.get(code="regulier"),
        route=VacancyRoute.ASSOCIATION,
    )
    if committee is not None:
        settings = VoteSettings.objects.create(project=project, electorate=ElectorateKind.COMMITTEE)
        settings.committee.set(committee)
    shortlist = [
        vote_candidate(project, first_name=f"Kandidaat{n}", registered_on=dt.date(2024, 1, 1 + n))
        for n in range(candidates)
    ]
    return voting.round_open(
        vacancy=vacancy,
        application_ids=[a.pk for a in shortlist],
        last_day=TODAY + dt.timedelta(days=7),
        user=staff,
        today=TODAY,
    )


@pytest.fixture
def round_(project_a, staff_a, member_a):
    return make_round(project_a, staff_a)


def url(round_):
    return reverse("allocation:ballot", args=[round_.pk])


def token_of(response) -> str:
    return response.context["token"]


def vote(client, round_, choice, token=None):
    if token is None:
        token = token_of(client.get(url(round_)))
    return client.post(url(round_), {"choice": str(choice), "token": token})


def counts(round_):
    box = BallotBox.objects.get(round=round_)
    return (
        dict(box.counts),
        box.abstentions,
        Participation.objects.filter(elector__round=round_).count(),
    )


# Who may open the ballot


def test_only_the_electorate_and_members_see_the_ballot(
    round_, client_for, member_a, staff_a, readonly_a, staff_b, policy_a, outsider, care_worker
):
    assert client_for(member_a).get(url(round_)).status_code == 200
    # Staff following a voter's link land on the staff page of the round.
    for user in (staff_a, readonly_a):
        response = client_for(user).get(url(round_))
        assert response.status_code == 302
        assert response.url == reverse("allocation:round_detail", args=[round_.pk])
    for user in (staff_b, policy_a, outsider, care_worker):
        assert client_for(user).get(url(round_)).status_code == 404
        assert client_for(user).post(url(round_), {"choice": "abstain"}).status_code == 404
    anonymous = Client().get(url(round_))
    assert anonymous.status_code == 302
    assert "/accounts/login/" in anonymous.url


def test_a_member_outside_the_committee_sees_the_round_but_cannot_vote(
    project_a, staff_a, member_a, client_for
):
    judge = association_member(project_a)
    round_ = make_round(project_a, staff_a, committee=[judge])
    client = client_for(member_a)
    page = client.get(url(round_))
    assert page.status_code == 200
    assert page.context["can_vote"] is False
    assert b'name="choice"' not in page.content
    refused = client.post(url(round_), {"choice": "abstain", "token": voting.new_token()})
    assert refused.status_code == 403
    assert counts(round_) == ({}, 0, 0)
    # The committee member votes.
    assert vote(client_for(judge.user), round_, "abstain").status_code == 303
    assert counts(round_) == ({}, 1, 1)


def test_another_projects_member_gets_404(project_b, staff_b, round_, client_for):
    stranger = association_member(project_b)
    assert client_for(stranger.user).get(url(round_)).status_code == 404


# Voting through the page


def test_vote_then_change_it_in_the_same_browser(round_, member_a, client_for):
    client = client_for(member_a)
    first, second = list(round_.shortlist.all())[:2]
    response = vote(client, round_, first.pk)
    assert response.status_code == 303
    assert counts(round_) == ({str(first.pk): 1}, 0, 1)
    page = client.get(url(round_))
    assert page.context["voted"] is True
    assert page.context["my_choice"] == first  # only this browser's receipt can tell
    assert f'value="{first.pk}" id="choice-{first.pk}" required checked'.encode() in page.content

    assert vote(client, round_, second.pk).status_code == 303
    assert counts(round_) == ({str(first.pk): 0, str(second.pk): 1}, 0, 1)
    assert vote(client, round_, "abstain").status_code == 303
    assert counts(round_) == ({str(first.pk): 0, str(second.pk): 0}, 1, 1)


def test_a_double_click_counts_once(round_, member_a, client_for):
    client = client_for(member_a)
    candidate = round_.shortlist.first()
    token = token_of(client.get(url(round_)))
    assert vote(client, round_, candidate.pk, token).status_code == 303
    # The second click carries the same form: same token, same choice, no receipt yet.
    again = client_for(member_a).post(url(round_), {"choice": candidate.pk, "token": token})
    assert again.status_code == 303
    assert counts(round_) == ({str(candidate.pk): 1}, 0, 1)


def test_another_device_cannot_change_the_vote(round_, member_a, client_for):
    candidate, other = list(round_.shortlist.all())[:2]
    assert vote(client_for(member_a), round_, candidate.pk).status_code == 303
    phone = client_for(member_a)  # logged in elsewhere: no receipt
    page = phone.get(url(round_))
    assert page.context["voted"] is True
    assert "my_choice" not in page.context
    assert b'name="choice"' not in page.content  # nothing to change from here
    refused = vote(phone, round_, other.pk)
    assert refused.status_code == 400
    assert counts(round_) == ({str(candidate.pk): 1}, 0, 1)


def test_a_forged_cookie_cannot_move_another_count(round_, member_a, client_for):
    client = client_for(member_a)
    mine, other, third = list(round_.shortlist.all())[:3]
    assert vote(client, round_, mine.pk).status_code == 303
    cookie = client.cookies[f"mm_ballot_{round_.pk}"]
    token = cookie.value.split(".")[0]
    cookie.set(cookie.key, f"{token}.{other.pk}", f"{token}.{other.pk}")  # claims "other"
    refused = vote(client, round_, third.pk)
    assert refused.status_code == 400
    assert counts(round_) == ({str(mine.pk): 1}, 0, 1)


@pytest.mark.parametrize(
    "form",
    [
        {"choice": "999999"},  # not on the ballot
        {"choice": ""},
        {"choice": "abstain", "token": "not-a-token"},
        {"choice": "abstain", "token": ""},
    ],
)
def test_a_forged_form_is_refused_and_changes_nothing(round_, member_a, client_for, form):
    client = client_for(member_a)
    data = {"token": voting.new_token()} | form
    response = client.post(url(round_), data)
    assert response.status_code == 400
    assert response.context["error"]
    assert counts(round_) == ({}, 0, 0)


def test_a_candidate_of_another_round_is_not_a_choice(project_a, staff_a, member_a, client_for):
    first = make_round(project_a, staff_a)
    second = make_round(project_a, staff_a, members=0)
    elsewhere = first.shortlist.first()
    response = vote(client_for(member_a), second, elsewhere.pk)
    assert response.status_code == 400
    assert counts(second) == ({}, 0, 0)


# Deadline and result


def test_the_first_page_view_after_the_deadline_closes_the_round(round_, member_a, client_for):
    client = client_for(member_a)
    candidate = round_.shortlist.first()
    assert vote(client, round_, candidate.pk).status_code == 303
    token = token_of(client.get(url(round_)))
    VoteRound.objects.filter(pk=round_.pk).update(closes_at=timezone.now())  # no worker ran
    refused = client.post(url(round_), {"choice": "abstain", "token": token})
    assert refused.status_code == 400
    round_.refresh_from_db()
    assert round_.status == RoundStatus.CLOSED  # closed by that page view
    assert counts(round_) == ({str(candidate.pk): 1}, 0, 1)
    page = client.get(url(round_))
    assert page.context["result"].voted == 1
    assert [(c.pk, n) for c, n in page.context["result"].rows][0] == (candidate.pk, 1)
    assert b'name="choice"' not in page.content


def test_the_tally_is_not_on_the_page_while_the_round_runs(round_, member_a, client_for):
    client = client_for(member_a)
    vote(client, round_, round_.shortlist.first().pk)
    page = client.get(url(round_))
    assert "result" not in page.context
    assert page.context["turnout"] == (1, 3)  # the demo member and two more


def test_the_members_list_and_home_show_the_running_round(round_, member_a, client_for):
    client = client_for(member_a)
    listing = client.get(reverse("allocation:my_votes"))
    assert [r.pk for r in listing.context["page_obj"]] == [round_.pk]
    assert listing.context["page_obj"][0].has_voted is False
    home = client.get(reverse("home"))
    assert [r.pk for r in home.context["open_votes"]] == [round_.pk]
    vote(client, round_, "abstain")
    assert client.get(reverse("home")).context["open_votes"][0].has_voted is True


def test_the_members_list_is_paged_with_page_numbers(
    project_a, staff_a, member_a, client_for, settings
):
    settings.PAGE_SIZE = 2
    rounds = [make_round(project_a, staff_a, candidates=2, members=0) for _ in range(5)]
    client = client_for(member_a)
    first = client.get(reverse("allocation:my_votes")).content.decode()
    assert 'aria-current="page"' in first
    assert '?page=3"' in first  # the last page, by its number
    third = client.get(reverse("allocation:my_votes") + "?page=3")
    assert len(third.context["page_obj"]) == 1
    shown = {
        r.pk
        for n in (1, 2, 3)
        for r in client.get(reverse("allocation:my_votes") + f"?page={n}").context["page_obj"]
    }
    assert shown == {r.pk for r in rounds}


def test_the_ballot_speaks_english_when_asked(round_, member_a, client_for):
    client = client_for(member_a)
    assert b"Uw stem" in client.get(url(round_)).content
    client.post(reverse("set_language"), {"language": "en", "next": url(round_)})
    assert b"Cast my vote" in client.get(url(round_)).content


# Queries


def test_ballot_and_list_queries_do_not_grow(project_a, staff_a, member_a, client_for):
    client = client_for(member_a)

    def queries(path):
        with CaptureQueriesContext(connections["default"]) as captured:
            assert client.get(path).status_code == 200
        return len(captured)

    small = make_round(project_a, staff_a, candidates=2, members=1)
    vote(client, small, small.shortlist.first().pk)
    ballot_small, list_small = queries(url(small)), queries(reverse("allocation:my_votes"))
    big = make_round(project_a, staff_a, candidates=6, members=12)
    for _ in range(5):
        make_round(project_a, staff_a, candidates=2, members=0)
    vote(client, big, big.shortlist.first().pk)
    assert queries(url(big)) == ballot_small
    assert queries(reverse("allocation:my_votes")) == list_small


# Concurrency (PostgreSQL)


# serialized_rollback: the seeded contract types survive this transactional test's flush.
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_concurrent_posts_of_one_voter_make_one_vote(project_a, staff_a, member_a):
    round_ = make_round(project_a, staff_a, members=0)
    candidate = round_.shortlist.first()
    clients = []
    for _ in range(6):  # six tabs, each with its own form (token)
        client = Client()
        log_in(client, member_a)
        clients.append((client, token_of(client.get(url(round_)))))
    barrier = threading.Barrier(len(clients))
    statuses = []

    def post(client, token):
        try:
            barrier.wait()
            response = client.post(url(round_), {"choice": candidate.pk, "token": token})
            statuses.append(response.status_code)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=post, args=pair) for pair in clients]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(statuses) == [303] + [400] * 5
    assert counts(round_) == ({str(candidate.pk): 1}, 0, 1)
