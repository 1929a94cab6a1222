"""The staff worklist on the home page: each section on the edges of its rule, scoping to the
user's corporation and to one chosen project, who sees it, and a query count that does not grow
with the data.

Dates are frozen (time-machine) on TODAY or on the day a test travels to. Page text is checked in
English (the language cookie), the source language; the Dutch catalogue is tested in test_i18n.
"""

import datetime as dt
import re
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from django.conf import settings
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from allocation import voting
from allocation.models import (
    BallotBox,
    Elector,
    ElectorateKind,
    ElectorVia,
    Offer,
    OfferStatus,
    Participation,
    RoundStatus,
    Vacancy,
    VacancyStatus,
    VoteRound,
)
from magicmix import worklist
from projects.models import Project
from residents.dates import add_months, term_last_day
from residents.models import (
    CHECKIN_DOMAINS,
    CheckIn,
    ContractStatus,
    ContractType,
    LapseDecision,
    LapseOutcome,
    Notice,
    NoticeMeans,
)

from .factories import (
    ContractFactory,
    PersonFactory,
    ProjectFactory,
    UnitFactory,
    UserFactory,
    vote_candidate,
)

AMSTERDAM = ZoneInfo("Europe/Amsterdam")
TODAY = dt.date(2026, 3, 10)
GRACE = dt.timedelta(days=settings.REMINDER_CHECKIN_GRACE_DAYS)
DAY = dt.timedelta(days=1)


def travel(time_machine, day: dt.date) -> None:
    time_machine.move_to(dt.datetime.combine(day, dt.time(12), tzinfo=AMSTERDAM), tick=False)


@pytest.fixture
def today(time_machine) -> dt.date:
    travel(time_machine, TODAY)
    return TODAY


# Building blocks


def fixed_term(project, end: dt.date, name: str = "Tijdelijk"):
    """An active temporary contract (notice window 3 to 1 months before its end)."""
    return ContractFactory(
        unit=UnitFactory(project=project),
        person=PersonFactory(corporation=project.corporation, first_name=name),
        contract_type_code="tijdelijk",
        start_date=end - dt.timedelta(days=700),
        end_date=end,
    )


def omklap(project, start: dt.date, name: str = "Omklap", **fields):
    return ContractFactory(
        unit=UnitFactory(project=project),
        person=PersonFactory(corporation=project.corporation, first_name=name, role="vragend"),
        contract_type_code="omklap",
        start_date=start,
        **fields,
    )


def checkin(contract, held_on: dt.date) -> CheckIn:
    return CheckIn.objects.create(
        contract=contract,
        held_on=held_on,
        held_by=UserFactory(),
        **dict.fromkeys(CHECKIN_DOMAINS, 4),
    )


def vacancy(project, *, status=VacancyStatus.OPEN, available_from=TODAY, number=None) -> Vacancy:
    unit = UnitFactory(project=project, **({"number": number} if number else {}))
    return Vacancy.objects.create(
        project=project,
        unit=unit,
        available_from=available_from,
        contract_type=ContractType.objects.get(code="regulier"),
        status=status,
    )


def offer(project, reply_by: dt.date, name: str = "Kandidaat", status=OfferStatus.OPEN) -> Offer:
    return Offer.objects.create(
        vacancy=vacancy(project, status=VacancyStatus.OFFERED),
        application=vote_candidate(project, first_name=name),
        rank=1,
        score=Decimal("50.0"),
        reply_by=reply_by,
        status=status,
    )


def vote_round(project, last_day: dt.date, *, electorate: int, voted: int, number=None):
    """A round on a new vacancy with `electorate` electors of whom `voted` voted."""
    round_ = VoteRound.objects.create(
        vacancy=vacancy(project, number=number),
        project=project,
        opened_at=timezone.now() - dt.timedelta(days=3),
        closes_at=voting.closes_at(last_day),
        electorate_kind=ElectorateKind.MEMBERS,
        quorum_percent=50,
        abstain_counts=True,
    )
    BallotBox.objects.create(round=round_)
    for index in range(electorate):
        elector = Elector.objects.create(round=round_, user=UserFactory(), via=ElectorVia.MEMBER)
        if index < voted:
            Participation.objects.create(elector=elector, receipt="0" * 64)
    return round_


def english(client):
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    return client


def home(client, **params):
    response = english(client).get(reverse("home"), params)
    assert response.status_code == 200
    return response


def html_of(response, key: str) -> str:
    """The HTML of one worklist section (by its heading id, e.g. "wl-notices")."""
    html = response.content.decode()
    start = html.index(f'<section class="card" aria-labelledby="{key}">')
    return html[start : html.index("</section>", start)]


def text_of(response, key: str) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html_of(response, key)))


def names(section) -> list[str]:
    """The first names on a section's rows, in the order shown."""
    people = []
    for row in section.rows:
        if hasattr(row, "contract"):
            people.append(row.contract.person.first_name)
        elif hasattr(row, "offer"):
            people.append(row.offer.application.person.first_name)
    return people


def scope(user):
    return Project.objects.for_user(user)


# Notices: the window's first and last day, and the day after


def test_notice_window_first_day_last_day_and_the_day_after(
    staff_a, project_a, client_for, time_machine
):
    end = dt.date(2026, 7, 15)
    contract = fixed_term(project_a, end, name="Anna")
    window = contract.notice_window
    assert window == (dt.date(2026, 4, 15), dt.date(2026, 6, 15))
    client = client_for(staff_a)

    travel(time_machine, window.opens - DAY)
    page = home(client)
    assert page.context["worklist"]["notices"].total == 0
    assert "No notices to send now." in text_of(page, "wl-notices")

    travel(time_machine, window.opens)
    page = home(client)
    notices = page.context["worklist"]["notices"]
    assert (notices.total, names(notices)) == (1, ["Anna"])
    assert notices.rows[0].deadline.last_day == window.closes
    text = text_of(page, "wl-notices")
    assert "61 days left" in text
    assert "15 June 2026" in text
    assert f'href="{contract.get_absolute_url()}"' in html_of(page, "wl-notices")
    assert page.context["worklist"]["open_ended"].total == 0

    travel(time_machine, window.closes - DAY)
    assert "1 day left" in text_of(home(client), "wl-notices")

    travel(time_machine, window.closes)
    page = home(client)
    assert page.context["worklist"]["notices"].rows[0].deadline.days_left == 0
    assert "last day today" in text_of(page, "wl-notices")
    assert 'class="warn"' in html_of(page, "wl-notices")

    # The day after the window's last day: no longer a notice to send; it continues open-ended.
    travel(time_machine, window.closes + DAY)
    page = home(client)
    assert page.context["worklist"]["notices"].total == 0
    open_ended = page.context["worklist"]["open_ended"]
    assert (open_ended.total, names(open_ended)) == (1, ["Anna"])
    assert "overdue by 1 day" in text_of(page, "wl-open-ended")
    assert 'class="bad"' in html_of(page, "wl-open-ended")
    assert f'href="{contract.get_absolute_url()}"' in html_of(page, "wl-open-ended")

    # Still listed long after the end date, until staff decide.
    travel(time_machine, end + dt.timedelta(days=100))
    assert worklist.continues_open_ended(scope(staff_a), end + dt.timedelta(days=100)).total == 1


def test_a_recorded_notice_or_a_decision_takes_a_contract_off(staff_a, project_a, today):
    in_window = fixed_term(project_a, add_months(today, 2), name="Open")
    noticed = fixed_term(project_a, add_months(today, 2), name="Noticed")
    Notice.objects.create(
        contract=noticed, given_on=today, means=NoticeMeans.LETTER, given_by=staff_a
    )
    missed = fixed_term(project_a, today, name="Missed")
    decided = fixed_term(project_a, today, name="Decided")
    LapseDecision.objects.create(
        contract=decided,
        outcome=LapseOutcome.EXCEPTION,
        reason="Te laat vastgelegd.",
        previous_end_date=decided.end_date,
        decided_by=staff_a,
    )
    regular = ContractFactory(unit=UnitFactory(project=project_a), start_date=dt.date(2020, 1, 1))
    ended = fixed_term(project_a, add_months(today, 2), name="Ended")
    ended.status = "ended"
    ended.end_reason = "tenant_notice"
    ended.outflow = "unknown"
    ended.save()

    projects = scope(staff_a)
    notices = worklist.notices_to_send(projects, today)
    assert [r.contract for r in notices.rows] == [in_window]
    open_ended = worklist.continues_open_ended(projects, today)
    assert [r.contract for r in open_ended.rows] == [missed]
    assert regular.notice_window is None


def test_notices_with_a_month_end_window(staff_a, project_a, time_machine):
    """31 May ends: the window opens on the clamped 28 February (the SQL filter has slack)."""
    contract = fixed_term(project_a, dt.date(2027, 5, 31), name="Mei")
    assert contract.notice_window.opens == dt.date(2027, 2, 28)
    travel(time_machine, dt.date(2027, 2, 28))
    section = worklist.notices_to_send(scope(staff_a), dt.date(2027, 2, 28))
    assert names(section) == ["Mei"]
    assert section.rows[0].deadline.last_day == dt.date(2027, 4, 30)


def test_notices_are_sorted_by_the_legal_deadline(staff_a, project_a, today):
    for name, months in (("Later", 3), ("First", 1), ("Middle", 2)):
        fixed_term(project_a, add_months(today, months), name=name)
    assert names(worklist.notices_to_send(scope(staff_a), today)) == ["First", "Middle", "Later"]


# Check-ins: due, then overdue after the grace period


def test_checkin_due_then_overdue(staff_a, project_a, client_for, time_machine):
    start = dt.date(2025, 6, 1)
    contract = omklap(project_a, start, name="Bas")
    checkin(contract, dt.date(2025, 12, 1))
    due = add_months(dt.date(2025, 12, 1), project_a.checkin_every_months)  # 1 March 2026
    client = client_for(staff_a)

    travel(time_machine, due - DAY)
    assert home(client).context["worklist"]["checkins"].total == 0

    travel(time_machine, due)
    page = home(client)
    checkins = page.context["worklist"]["checkins"]
    assert names(checkins) == ["Bas"]
    assert not checkins.rows[0].overdue
    text = text_of(page, "wl-checkins")
    assert "due" in text
    assert "overdue" not in text
    assert f"{GRACE.days - 1} days left" in text
    assert f'href="{contract.get_absolute_url()}"' in html_of(page, "wl-checkins")

    travel(time_machine, due + GRACE - DAY)
    assert "last day today" in text_of(home(client), "wl-checkins")

    travel(time_machine, due + GRACE)
    page = home(client)
    row = page.context["worklist"]["checkins"].rows[0]
    assert row.overdue
    assert "overdue by 1 day" in text_of(page, "wl-checkins")
    assert "badge-bad" in html_of(page, "wl-checkins")

    # A new check-in takes it off.
    checkin(contract, due + GRACE)
    assert home(client).context["worklist"]["checkins"].total == 0


def test_checkins_follow_each_projects_cadence_and_the_start(staff_a, project_a, today):
    monthly = ProjectFactory(corporation=project_a.corporation, checkin_every_months=1)
    omklap(monthly, add_months(today, -1), name="Monthly")  # due today
    omklap(project_a, add_months(today, -1), name="Quarterly")  # due in two months
    omklap(project_a, add_months(today, -3) - dt.timedelta(days=20), name="Longest")
    section = worklist.checkins_due(scope(staff_a), today)
    assert names(section) == ["Longest", "Monthly"]
    assert [r.overdue for r in section.rows] == [True, False]


# Evaluations: soon (60 days before the guidance's last day), overdue after it


def test_evaluation_soon_then_overdue(staff_a, project_a, client_for, time_machine):
    start = dt.date(2023, 6, 1)
    contract = omklap(project_a, start, name="Cas")
    checkin(contract, dt.date(2026, 6, 1))  # keep the check-ins out of the way
    end = term_last_day(start, 36)
    assert contract.guidance_end == end == dt.date(2026, 5, 31)
    client = client_for(staff_a)

    travel(time_machine, end - dt.timedelta(days=61))
    assert home(client).context["worklist"]["evaluations"].total == 0

    travel(time_machine, end - dt.timedelta(days=60))
    page = home(client)
    evaluations = page.context["worklist"]["evaluations"]
    assert names(evaluations) == ["Cas"]
    assert not evaluations.rows[0].overdue
    assert "60 days left" in text_of(page, "wl-evaluations")
    assert f'href="{contract.get_absolute_url()}"' in html_of(page, "wl-evaluations")

    travel(time_machine, end)
    assert "last day today" in text_of(home(client), "wl-evaluations")

    travel(time_machine, end + DAY)
    page = home(client)
    assert page.context["worklist"]["evaluations"].rows[0].overdue
    text = text_of(page, "wl-evaluations")
    assert "evaluation overdue" in text
    assert "overdue by 1 day" in text


def test_evaluations_follow_extensions_and_the_contracts_own_period(staff_a, project_a, today):
    omklap(project_a, add_months(today, -36), name="Default")  # ends yesterday
    omklap(project_a, add_months(today, -12), name="Short", guidance_months=13)  # a month left
    omklap(
        project_a,
        add_months(today, -40),
        name="Extended",
        guidance_extended_until=today + dt.timedelta(days=90),
    )
    omklap(
        project_a,
        add_months(today, -20),
        name="ExtendedSoon",
        guidance_extended_until=today + dt.timedelta(days=10),
    )
    omklap(project_a, add_months(today, -12), name="Young")
    section = worklist.evaluations_due(scope(staff_a), today)
    assert names(section) == ["Default", "ExtendedSoon", "Short"]
    assert [r.overdue for r in section.rows] == [True, False, False]


# Vacancies, votes, offers


def test_vacancies_open_or_offered_with_their_stage(staff_a, project_a, client_for, today):
    waiting = vacancy(project_a, number="W1", available_from=today + dt.timedelta(days=20))
    voting_on = vote_round(project_a, today + dt.timedelta(days=3), electorate=4, voted=1).vacancy
    offered = offer(project_a, today + dt.timedelta(days=5)).vacancy
    vacancy(project_a, status=VacancyStatus.FILLED, number="F1")
    vacancy(project_a, status=VacancyStatus.WITHDRAWN, number="X1")

    page = home(client_for(staff_a))
    section = page.context["worklist"]["vacancies"]
    assert section.total == 3
    # Waiting for staff first, then those with a vote running or an offer out.
    assert [r.vacancy for r in section.rows][0] == waiting
    assert {r.vacancy for r in section.rows} == {waiting, voting_on, offered}
    assert [r.vote_running for r in section.rows if r.vacancy == voting_on] == [True]
    assert all(r.days_open == 0 for r in section.rows)
    html = html_of(page, "wl-vacancies")
    for row in section.rows:
        assert f'href="{row.vacancy.get_absolute_url()}"' in html
    assert "association vote running" in html
    assert "Offer out" in html
    assert "F1" not in html
    assert "X1" not in html
    assert reverse("allocation:vacancy_list") in html


def test_a_running_vote_shows_its_turnout_and_never_reads_the_box(
    staff_a, project_a, client_for, today
):
    running = vote_round(project_a, today + dt.timedelta(days=2), electorate=10, voted=3)
    last_day = vote_round(project_a, today, electorate=5, voted=5)
    vote_round(project_a, today - DAY, electorate=5, voted=2)  # past its deadline, not closed yet
    closed = vote_round(project_a, today + dt.timedelta(days=4), electorate=5, voted=1)
    VoteRound.objects.filter(pk=closed.pk).update(status=RoundStatus.CLOSED)

    client = client_for(staff_a)
    with CaptureQueriesContext(connection) as ctx:
        page = home(client)
    section = page.context["worklist"]["votes"]
    assert section.total == 2
    assert [r.round for r in section.rows] == [last_day, running]
    text = text_of(page, "wl-votes")
    assert "3 of 10" in text
    assert "5 of 5" in text
    assert "2 days left" in text
    assert "last day today" in text
    assert f'href="{running.get_absolute_url()}"' in html_of(page, "wl-votes")
    box = BallotBox._meta.db_table
    assert not [q["sql"] for q in ctx.captured_queries if box in q["sql"]]


def test_offers_awaiting_a_reply_by_their_reply_date(staff_a, project_a, client_for, today):
    soon = offer(project_a, today + dt.timedelta(days=3), name="Drie")
    last = offer(project_a, today, name="Vandaag")
    late = offer(project_a, today - dt.timedelta(days=2), name="Laat")  # not expired yet
    offer(project_a, today + dt.timedelta(days=3), name="Ja", status=OfferStatus.ACCEPTED)

    page = home(client_for(staff_a))
    section = page.context["worklist"]["offers"]
    assert [r.offer for r in section.rows] == [late, last, soon]
    text = text_of(page, "wl-offers")
    assert "overdue by 2 days" in text
    assert "last day today" in text
    assert "3 days left" in text
    assert "Ja " not in text
    assert f'href="{soon.get_absolute_url()}"' in html_of(page, "wl-offers")


# Who sees what


# What `every_kind` adds to each section (the vote and the offer each have their vacancy).
PER_KIND = {
    "notices": 1,
    "checkins": 1,
    "evaluations": 1,
    "vacancies": 3,
    "votes": 1,
    "offers": 1,
    "open_ended": 1,
    "drafts": 1,
}


def every_kind(project, today: dt.date, tag: str) -> None:
    """One item of every section in `project`, each named or numbered with `tag`."""
    fixed_term(project, add_months(today, 2), name=f"{tag}Notice")
    fixed_term(project, today - dt.timedelta(days=40), name=f"{tag}Missed")
    omklap(project, add_months(today, -4), name=f"{tag}Checkin")
    evaluation = omklap(project, add_months(today, -36), name=f"{tag}Evaluation")
    checkin(evaluation, today - dt.timedelta(days=7))
    vacancy(project, number=f"{tag}V")
    vote_round(project, today + dt.timedelta(days=2), electorate=3, voted=1, number=f"{tag}R")
    offer(project, today + dt.timedelta(days=5), name=f"{tag}Offer")
    draft(project, today + dt.timedelta(days=10), name=f"{tag}Draft")


def draft(project, start: dt.date, *, name: str):
    """A contract to sign, starting on `start`."""
    return ContractFactory(
        unit=UnitFactory(project=project),
        person__first_name=name,
        start_date=start,
        status=ContractStatus.DRAFT,
    )


def project_of(row) -> Project:
    if hasattr(row, "contract"):
        return row.contract.unit.project
    if hasattr(row, "offer"):
        return row.offer.vacancy.project
    return (row.vacancy if hasattr(row, "vacancy") else row.round).project


def test_another_corporations_items_never_appear(
    staff_a, staff_b, project_a, project_b, client_for, today
):
    every_kind(project_a, today, "Aaa")
    every_kind(project_b, today, "Bbb")
    for user, mine, theirs in ((staff_a, "Aaa", "Bbb"), (staff_b, "Bbb", "Aaa")):
        page = home(client_for(user))
        html = page.content.decode()
        assert theirs not in html
        assert f"{mine}Notice" in html
        assert f"{mine}Offer" in html
        assert f"{mine}Draft" in html
        corporation = user.memberships.get().organisation_id
        for key, section in page.context["worklist"].items():
            assert section.total == PER_KIND[key], key
            assert {project_of(row).corporation_id for row in section.rows} == {corporation}


def test_the_project_filter_narrows_the_worklist(staff_a, project_a, project_b, client_for, today):
    other = ProjectFactory(corporation=project_a.corporation, name="Tweede project")
    every_kind(project_a, today, "Aaa")
    every_kind(other, today, "Ccc")
    client = client_for(staff_a)

    both = home(client)
    assert {k: s.total for k, s in both.context["worklist"].items()} == {
        k: 2 * n for k, n in PER_KIND.items()
    }
    html = both.content.decode()
    assert '<label for="worklist-project">Project</label>' in html
    assert f'<option value="{other.pk}">Tweede project</option>' in html

    page = home(client, project=other.pk)
    assert page.context["worklist_project"] == other
    assert {k: s.total for k, s in page.context["worklist"].items()} == PER_KIND
    assert {project_of(r) for s in page.context["worklist"].values() for r in s.rows} == {other}
    html = page.content.decode()
    assert "CccNotice" in html
    assert "AaaNotice" not in html
    assert f'<option value="{other.pk}" selected>' in html
    rounds = reverse("allocation:round_list", args=[other.pk])
    assert f'href="{rounds}?status=open"' in html
    # The "Your projects" table still lists every project.
    assert len(page.context["staff_rows"]) == 2

    english(client)
    for foreign in (project_b.pk, 999999, "abc", "1.0"):
        assert client.get(reverse("home"), {"project": foreign}).status_code == 404


def test_read_only_staff_see_the_worklist(readonly_a, project_a, client_for, today):
    every_kind(project_a, today, "Aaa")
    page = home(client_for(readonly_a))
    assert {k: s.total for k, s in page.context["worklist"].items()} == PER_KIND
    assert 'id="worklist-heading"' in page.content.decode()


@pytest.mark.parametrize("persona", ["policy_a", "member_a", "outsider", "care_worker"])
def test_others_do_not_see_the_worklist(request, persona, project_a, client_for, today):
    every_kind(project_a, today, "Aaa")
    page = home(client_for(request.getfixturevalue(persona)))
    assert "worklist" not in page.context
    html = page.content.decode()
    assert 'id="worklist-heading"' not in html
    assert "AaaNotice" not in html
    # The project filter means nothing to them.
    assert home(client_for(request.getfixturevalue(persona)), project="abc").status_code == 200


def test_empty_sections_say_so_in_one_line(staff_a, project_a, client_for, today):
    page = home(client_for(staff_a))
    expected = {
        "wl-notices": "No notices to send now.",
        "wl-checkins": "No check-ins due.",
        "wl-evaluations": "No omklap evaluations due.",
        "wl-vacancies": "No open vacancies.",
        "wl-votes": "No association votes running.",
        "wl-offers": "No offers awaiting a reply.",
        "wl-open-ended": "No contracts continue open-ended.",
    }
    for key, line in expected.items():
        html = html_of(page, key)
        assert line in html
        assert "<table" not in html


# Query counts


def busy(project, today: dt.date, n: int, tag: str) -> None:
    """`n` items of every section (with check-ins and notices that take others off), plus
    contracts that are near no deadline."""
    for i in range(n):
        every_kind(project, today, f"{tag}{i}-")
        noticed = fixed_term(project, add_months(today, 2), name=f"Noticed{i}")
        Notice.objects.create(
            contract=noticed, given_on=today, means=NoticeMeans.LETTER, given_by=UserFactory()
        )
        checked = omklap(project, add_months(today, -8), name=f"Checked{i}")
        checkin(checked, today - dt.timedelta(days=10))
        checkin(checked, today - dt.timedelta(days=100))
        fixed_term(project, add_months(today, 12), name=f"Later{i}")
        ContractFactory(unit=UnitFactory(project=project), start_date=dt.date(2024, 1, 1))


def count_queries(client, url) -> int:
    with CaptureQueriesContext(connection) as ctx:
        response = english(client).get(url)
    assert response.status_code == 200
    return len(ctx.captured_queries)


@pytest.mark.parametrize("filtered", [False, True])
def test_the_worklist_does_not_grow_with_the_data(staff_a, project_a, client_for, today, filtered):
    client = client_for(staff_a)
    url = reverse("home") + (f"?project={project_a.pk}" if filtered else "")
    busy(project_a, today, 1, "S")
    small = count_queries(client, url)
    busy(project_a, today, 24, "L")
    ProjectFactory(corporation=project_a.corporation, checkin_every_months=2)
    large = count_queries(client, url)
    assert large == small, f"{small} queries with few rows, {large} with many"
    projects = scope(staff_a)
    with CaptureQueriesContext(connection) as ctx:
        worklist.worklist(projects, today)
    assert len(ctx.captured_queries) == 16  # two per section

    page = home(client, **({"project": project_a.pk} if filtered else {}))
    for key, section in page.context["worklist"].items():
        assert section.total == 25 * PER_KIND[key], key
        assert len(section.rows) == worklist.ROWS, key
    assert "The 20 most urgent of 25 are shown." in text_of(page, "wl-notices")


def test_drafts_to_sign_link_to_the_signing_soonest_start_first(
    staff_a, project_a, client_for, today
):
    later = draft(project_a, today + dt.timedelta(days=20), name="Later")
    soon = draft(project_a, today - dt.timedelta(days=1), name="Gisteren")
    ContractFactory(unit=UnitFactory(project=project_a), person__first_name="Getekend")
    page = home(client_for(staff_a))
    section = page.context["worklist"]["drafts"]
    assert [r.contract for r in section.rows] == [soon, later]
    text = text_of(page, "wl-drafts")
    assert "overdue by 1 day" in text
    assert "Getekend" not in text
    assert reverse("residents:contract_sign", args=[soon.pk]) in html_of(page, "wl-drafts")
