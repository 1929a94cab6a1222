"""`manage.py load_demo`: idempotent, the promised projects and people, valid, relative to today;
with a contract lifecycle (check-ins, warnings, notices, decisions) and today's reminders.

Most tests share one loaded demo (TestLoadedDemo); those that load it on another date stay apart.
"""

import datetime as dt
import re
from collections import Counter
from io import StringIO
from zoneinfo import ZoneInfo

import pytest
import time_machine
from allauth.account.models import EmailAddress
from django.conf import settings
from django.contrib.auth import authenticate, get_user_model
from django.core.management import call_command
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.html import escape

from allocation import voting
from allocation.models import AllocationEvent, Application, Offer, Vacancy, VoteRound
from allocation.ranking import vacancy_ranking
from magicmix import worklist
from magicmix.models import CARE_KINDS, Delivery, Reminder, ReminderKind, ReminderRun
from magicmix.reminders import heartbeat_stale, last_run, next_checkin, with_facts
from projects.models import (
    Cluster,
    ClusterKind,
    Membership,
    Organisation,
    OrganisationKind,
    Profile,
    Project,
    Role,
    Unit,
)
from residents.dates import add_months, term_last_day
from residents.demo import (
    ACCOUNTS,
    ARREARS_WARNINGS,
    CARE_EMAIL,
    CHECKIN_NOTES,
    DEMO_PASSWORD,
    MAJELLA,
    MEMBER_EMAIL,
    NOTES,
    PLACE2BU,
    STAFF_EMAILS,
    STARTBLOK,
    STARTERS,
    WARNING_REASONS,
    ZORGPUNT,
    in_notice_window,
)
from residents.models import (
    CHECKIN_DOMAINS,
    AssociationMembership,
    CheckIn,
    Contract,
    ContractStatus,
    ContractType,
    EndReason,
    GuidanceExtension,
    LapseDecision,
    LapseOutcome,
    Notice,
    Person,
    ResidentRole,
    ResidentWarning,
    TargetGroup,
    TargetGroupLimit,
    unit_occupied_expression,
)

from .logins import log_in

AMSTERDAM = ZoneInfo("Europe/Amsterdam")
User = get_user_model()


def load_demo() -> str:
    out = StringIO()
    call_command("load_demo", stdout=out)
    return out.getvalue()


@pytest.fixture(scope="class")
def _loaded_demo(django_db_setup, django_db_blocker):
    """The demo, loaded once for a whole test class, in a transaction rolled back after it.

    Each test still runs in its own savepoint (the `db` fixture), so what one test changes is
    gone before the next. Loading the demo takes seconds; this saves it for every test but one.
    """
    with django_db_blocker.unblock(), transaction.atomic():
        output = load_demo()
        yield output
        transaction.set_rollback(True)


@pytest.fixture
def demo(_loaded_demo, db) -> str:
    """The loaded demo (shared by the test class); the value is load_demo's output."""
    return _loaded_demo


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
        Profile,
        CheckIn,
        ResidentWarning,
        GuidanceExtension,
        Notice,
        LapseDecision,
        Reminder,
        Delivery,
        Application,
        Vacancy,
        Offer,
        AllocationEvent,
    ]
    return {model._meta.label: model._default_manager.count() for model in models}


class TestLoadedDemo:
    """Everything the demo promises, checked on one loaded demo."""

    def test_staff_can_take_a_demo_vacancy_to_an_accepted_offer(self, demo, client):
        staff = User.objects.get(email="staff@stadswonen.example")
        log_in(client, staff)
        # Place2BU shows the three outcomes with their history.
        offers = Offer.objects.filter(vacancy__project__name="Place2BU Oost")
        assert sorted(offers.values_list("status", flat=True)) == ["accepted", "declined", "open"]
        assert offers.get(status="accepted").contract.status == "draft"
        # An open vacancy with its ranking, explained, and an offer to number 1 accepted.
        vacancy = (
            Vacancy.objects.filter(
                project__corporation__name="Stadswonen", status="open", route="staff"
            )
            .order_by("available_from", "pk")
            .first()
        )
        page = client.get(reverse("allocation:vacancy_detail", args=[vacancy.pk]))
        assert page.status_code == 200
        ranking = vacancy_ranking(vacancy, today=timezone.localdate())
        first = ranking.first
        assert len(ranking.ranked) >= 5
        assert len(ranking.ineligible) >= 1
        assert first.lines[0].text in page.content.decode()
        choose = reverse(
            "allocation:candidate_choose", args=[vacancy.pk, first.candidate.application_id]
        )
        reply_by = (timezone.localdate() + dt.timedelta(days=7)).isoformat()
        offered = client.post(
            choose, {"reason": "Demo." if first.breaks_band else "", "reply_by": reply_by}
        )
        offer = Offer.objects.get(vacancy=vacancy, status="open")
        assert offered["Location"] == reverse("allocation:offer_detail", args=[offer.pk])
        answer = reverse("allocation:offer_answer", args=[offer.pk])
        proposed = client.get(offer.get_absolute_url()).context["answer_form"]["start_date"]
        client.post(answer, {"answer": "accept", "start_date": proposed.value().isoformat()})
        offer.refresh_from_db()
        assert offer.status == "accepted"
        assert offer.contract.start_date == max(vacancy.available_from, timezone.localdate())
        assert offer.contract.person_id == first.candidate.person_id

    def test_the_member_votes_in_the_running_round_and_staff_see_only_turnout(self, demo, client):
        member = User.objects.get(email=MEMBER_EMAIL)
        running = VoteRound.objects.get(project__name=MAJELLA.name, status="open")
        assert running.electors.filter(user=member).exists()
        assert running.electors.count() == 21
        voted, size = voting.turnout(running)
        assert 0 < voted < size
        # The member votes on the phone page, then changes the vote.
        log_in(client, member)
        ballot = reverse("allocation:ballot", args=[running.pk])
        page = client.get(ballot)
        first, second = list(running.shortlist.all())[:2]
        token = page.context["token"]
        assert client.post(ballot, {"choice": first.pk, "token": token}).status_code == 303
        token = client.get(ballot).context["token"]
        assert client.post(ballot, {"choice": second.pk, "token": token}).status_code == 303
        assert client.get(ballot).context["my_choice"] == second
        assert voting.turnout(running) == (voted + 1, size)
        # Staff see the turnout, not the tally; the closed round shows its result and decision.
        log_in(client, User.objects.get(email="staff@stadswonen.example"))
        staff_page = client.get(reverse("allocation:round_detail", args=[running.pk]))
        assert staff_page.status_code == 200
        assert staff_page.context.get("result") is None
        closed = VoteRound.objects.get(
            project__name=MAJELLA.name, status="closed", offer__status="open"
        )
        assert closed.outcome == "winner"
        assert closed.winner.rank_at_open != 1  # the association chose otherwise than number 1
        assert closed.decision == "confirmed"
        assert closed.offer.application_id == closed.winner.application_id
        drift = voting.drift(VoteRound.objects.filter(project__name=MAJELLA.name))
        assert drift.with_winner > drift.differed >= 1

    def test_a_second_run_changes_nothing(self, demo):
        first = demo
        before = counts()
        unsent = Delivery.objects.unsent().count()
        runs = ReminderRun.objects.count()
        second = load_demo()

        assert counts() == before
        assert "Demo data loaded" in first
        assert "already" in second
        assert before["residents.Contract"] > 0
        assert before["residents.CheckIn"] > 0
        assert before["magicmix.Reminder"] > 0
        # The reminder scan runs again (a fresh heartbeat) but makes and sends nothing new.
        assert f"Reminders: {before['magicmix.Reminder']} made" in first
        assert "Reminders: 0 made, 0 e-mails" in second
        assert ReminderRun.objects.count() == runs + 1
        assert Delivery.objects.unsent().count() == unsent == 0

    def test_projects_and_residents_are_as_promised(self, demo):
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

    def test_contracts_cover_every_type_and_date_case(self, demo):
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

    def test_every_demo_account_logs_in(self, demo):
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

    def test_every_record_passes_full_clean(self, demo):
        for model in (
            Organisation,
            Project,
            Cluster,
            Unit,
            Person,
            AssociationMembership,
            Profile,
            CheckIn,
            ResidentWarning,
            GuidanceExtension,
            Notice,
            LapseDecision,
        ):
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

    def test_the_care_worker_guides_zorgpunts_trajectories(self, demo):
        care = authenticate(username=CARE_EMAIL, password=DEMO_PASSWORD)
        assert care is not None
        membership = care.memberships.get()
        assert membership.role == Role.CARE
        assert membership.organisation.name == ZORGPUNT
        assert membership.organisation.kind == OrganisationKind.CARE

        omklap = Contract.objects.filter(
            status=ContractStatus.ACTIVE, contract_type__is_omklap=True
        )
        zorgpunt = omklap.filter(holder_organisation__name=ZORGPUNT)
        assert zorgpunt.count() > 10
        assert not zorgpunt.exclude(care_worker=care).exists()
        # Only Zorgpunt's trajectories under way: not another organisation's, not ended ones.
        assert set(Contract.objects.filter(care_worker=care)) == set(zorgpunt)
        assert not zorgpunt.exclude(person__care_contact_email=CARE_EMAIL).exists()

        # One account chose English; the others have the site's default, Dutch.
        english = User.objects.get(username="staff@noorderhuis.example")
        assert english.profile.language == "en"
        others = Profile.objects.exclude(user=english)
        assert not others.exclude(language=settings.LANGUAGE_CODE).exists()

    def test_omklap_check_ins_are_due_overdue_and_in_time(self, demo):
        today = timezone.localdate()
        grace = dt.timedelta(days=settings.REMINDER_CHECKIN_GRACE_DAYS)
        omklap = with_facts(
            Contract.objects.filter(status=ContractStatus.ACTIVE, contract_type__is_omklap=True)
        )
        state = Counter()
        for contract in omklap:
            assert contract.last_checkin is not None, contract
            due = next_checkin(contract)
            if due > today:
                state["in time"] += 1
            elif today - due <= grace:
                state["due"] += 1
            else:
                state["overdue"] += 1
        assert state["due"] >= 2
        assert state["overdue"] >= 2
        assert state["in time"] > state["due"] + state["overdue"]

        checkins = CheckIn.objects.select_related("contract__unit__project__corporation")
        care = User.objects.get(username=CARE_EMAIL)
        staff = {User.objects.get(username=email).pk for email in STAFF_EMAILS.values()}
        for checkin in checkins:
            contract = checkin.contract
            assert contract.start_date <= checkin.held_on <= today
            assert all(2 <= getattr(checkin, domain) <= 5 for domain in CHECKIN_DOMAINS)
            assert checkin.held_by_id in staff | {care.pk}
            if checkin.held_by_id == care.pk:
                assert contract.care_worker_id == care.pk
        # Quarterly since the start: a trajectory of more than a year has had several.
        per_contract = Counter(checkins.values_list("contract", flat=True))
        assert max(per_contract.values()) >= 8
        notes = set(checkins.values_list("note", flat=True))
        assert notes <= {"", *CHECKIN_NOTES}
        assert len(notes) > 5

    def test_warnings_one_resident_has_two(self, demo):
        today = timezone.localdate()
        warnings = ResidentWarning.objects.select_related("contract", "person")
        per_person = Counter(warnings.values_list("person", flat=True))
        assert sorted(per_person.values(), reverse=True)[:2] == [2, 1]
        assert list(per_person.values()).count(1) >= 3
        for warning in warnings:
            assert warning.contract.person == warning.person
            assert warning.contract.start_date <= warning.given_on <= today
            assert warning.reason in {*WARNING_REASONS, *ARREARS_WARNINGS}
        twice = next(person for person, n in per_person.items() if n == 2)
        assert warnings.get(person=twice, reason=ARREARS_WARNINGS[1])

    def test_an_extended_trajectory_and_linked_flips(self, demo):
        today = timezone.localdate()
        extension = GuidanceExtension.objects.select_related("contract").first()
        assert extension is not None
        contract = extension.contract
        assert contract.status == ContractStatus.ACTIVE
        assert extension.previous_end == term_last_day(
            contract.start_date, contract.guidance_months
        )
        assert extension.previous_end < today < extension.new_end
        assert contract.guidance_extended_until == extension.new_end == contract.guidance_end

        flipped = Contract.objects.filter(end_reason=EndReason.FLIPPED)
        assert flipped.exists()
        for omklap in flipped:
            regular = omklap.flipped_to
            assert (regular.person, regular.unit) == (omklap.person, omklap.unit)
            assert regular.start_date == omklap.end_date + dt.timedelta(days=1)
            assert not regular.contract_type.is_omklap
        assert Contract.objects.exclude(flipped_from=None).count() == flipped.count()

    def test_notices_are_recorded_only_inside_their_windows(self, demo):
        today = timezone.localdate()
        notices = Notice.objects.select_related("contract__contract_type")
        assert notices.exists()
        for notice in notices:
            assert notice.given_on in notice.contract.notice_window
            assert notice.given_on <= today
            assert notice.contract.status == ContractStatus.ACTIVE

        contracts = with_facts(
            Contract.objects.filter(
                status=ContractStatus.ACTIVE, contract_type__notice_required=True
            )
        )
        in_window = [c for c in contracts if today in c.notice_window]
        with_notice = [c for c in in_window if c.has_notice]
        assert 0 < len(with_notice) < len(in_window)
        closed = [c for c in contracts if c.notice_window.closes < today]
        missed = [c for c in closed if not c.has_notice and not c.lapse_decided]
        assert len(missed) >= 2  # these continue open-ended until staff decide

        decision = LapseDecision.objects.select_related("contract__contract_type").get()
        assert decision.outcome == LapseOutcome.EXCEPTION
        assert decision.reason
        assert decision.previous_end_date == decision.contract.end_date
        assert decision.contract.notice_window.closes < today
        assert not decision.contract.notices.exists()

    def test_todays_reminders_are_made_and_sent(self, demo):
        today = timezone.localdate()
        run = last_run()
        assert run is not None
        assert run.today == today
        assert not heartbeat_stale(run)

        reminders = Reminder.objects.all()
        since = today - dt.timedelta(days=settings.REMINDER_LOOKBACK_DAYS)
        assert not reminders.exclude(due_date__range=(since, today)).exists()
        kinds = Counter(reminders.values_list("kind", flat=True))
        for kind in (
            ReminderKind.NOTICE_OPENS,
            ReminderKind.NOTICE_CLOSING,
            ReminderKind.NOTICE_MISSED,
            ReminderKind.CHECKIN_DUE,
            ReminderKind.CHECKIN_OVERDUE,
        ):
            assert kinds[kind] >= 1, kind
        assert kinds[ReminderKind.NOTICE_MISSED] >= 2

        deliveries = Delivery.objects.all()
        assert deliveries.count() >= reminders.count()
        assert not deliveries.unsent().exists()
        care = User.objects.get(username=CARE_EMAIL)
        to_care = deliveries.filter(recipient=care)
        assert to_care.exists()
        assert set(to_care.values_list("reminder__kind", flat=True)) <= CARE_KINDS
        english = User.objects.get(username="staff@noorderhuis.example")
        assert deliveries.filter(recipient=english).exists()


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
    assert not CheckIn.objects.filter(held_on__gt=today).exists()
    for notice in Notice.objects.select_related("contract__contract_type"):
        assert notice.given_on in notice.contract.notice_window
        assert notice.given_on <= today
    reminders = Reminder.objects.all()
    assert reminders.filter(kind=ReminderKind.NOTICE_OPENS).exists()
    assert reminders.filter(kind=ReminderKind.CHECKIN_OVERDUE).exists()
    assert not reminders.filter(due_date__gt=today).exists()


class TestWorklistOnTheDemo:
    """staff@stadswonen.example starts on a worklist that matches the demo data, each section
    checked against the demo's records read here, not against the worklist's own queries."""

    @staticmethod
    def section(html: str, key: str) -> str:
        start = html.index(f'<section class="card" aria-labelledby="{key}">')
        text = html[start : html.index("</section>", start)]
        return re.sub(r"\s+", " ", text)

    def test_staff_start_on_a_worklist_that_matches_the_demo(self, demo, client):
        staff = User.objects.get(email="staff@stadswonen.example")
        log_in(client, staff)
        client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
        page = client.get(reverse("home"))
        assert page.status_code == 200
        html = page.content.decode()
        assert html.index('id="worklist-heading"') < html.index('id="staff-heading"')
        sections = page.context["worklist"]
        today = timezone.localdate()
        projects = Project.objects.filter(corporation__memberships__user=staff)
        contracts = list(
            with_facts(
                Contract.objects.filter(status=ContractStatus.ACTIVE, unit__project__in=projects)
            )
        )

        def shows(key: str, expected: list, label) -> None:
            assert sections[key].total == len(expected), key
            assert len(expected) <= worklist.ROWS  # the demo fits on the page
            text = self.section(html, key.replace("_", "-").join(["wl-", ""]))
            for item in expected:
                assert escape(label(item)) in text, (key, label(item))

        def tenant(contract):
            return contract.person.full_name

        in_window = [
            c
            for c in contracts
            if c.notice_window
            and today in c.notice_window
            and not c.has_notice
            and not c.lapse_decided
        ]
        assert in_window
        shows("notices", in_window, tenant)
        shows("open_ended", [c for c in contracts if c.continues_open_ended(today)], tenant)

        omklap = [c for c in contracts if c.contract_type.is_omklap]
        due = [c for c in omklap if next_checkin(c) <= today]
        assert due
        shows("checkins", due, tenant)
        grace = dt.timedelta(days=settings.REMINDER_CHECKIN_GRACE_DAYS)
        overdue = [c for c in due if next_checkin(c) + grace <= today]
        assert sum(row.overdue for row in sections["checkins"].rows) == len(overdue)
        evaluations = [
            c for c in omklap if c.guidance_end and c.guidance_end - dt.timedelta(days=60) <= today
        ]
        shows("evaluations", evaluations, tenant)

        vacancies = list(
            Vacancy.objects.filter(
                project__in=projects, status__in=("open", "offered")
            ).select_related("unit")
        )
        assert vacancies
        shows("vacancies", vacancies, lambda v: v.unit.number)

        running = VoteRound.objects.get(project__name=MAJELLA.name, status="open")
        voted, size = voting.turnout(running)
        assert size == 21
        shows("votes", [running], lambda r: f"{voted} of {size}")
        assert running.get_absolute_url() in self.section(html, "wl-votes")

        offers = list(
            Offer.objects.filter(vacancy__project__in=projects, status="open").select_related(
                "application__person"
            )
        )
        assert offers
        shows("offers", offers, lambda o: o.application.person.full_name)


class TestPastVotesOnTheDemo:
    """Majella's association voted in the past quarters too: closed and decided rounds on units
    let since, each tally adding up to its turnout, as the dashboard and the drift read them."""

    def test_past_rounds_are_closed_decided_and_add_up(self, demo, client):
        from allocation.models import Participation, VoteMessage
        from magicmix.dashboard.data import votes
        from magicmix.dashboard.periods import Quarter, closed_quarters

        today = timezone.localdate()
        majella = Project.objects.get(name=MAJELLA.name)
        quarters = closed_quarters(today, 4)  # newest first
        this_quarter = Quarter.containing(today).start
        rounds = VoteRound.objects.filter(project=majella, status="closed")
        # The demo's recent round closed days ago, its offer out; the past ones were let since.
        recent = rounds.get(offer__status="open")
        past = list(
            rounds.exclude(pk=recent.pk).select_related(
                "vacancy", "winner", "offer__contract", "box"
            )
        )
        assert len(past) >= 4
        for round_ in past:
            closes = timezone.localdate(round_.closes_at)
            assert quarters[-1].start <= closes < this_quarter
            assert round_.closes_at - round_.opened_at <= dt.timedelta(days=7)
            # The tally adds up to the participations; the stored result is the tally's.
            result = voting.result(round_)
            box = round_.box
            voted = Participation.objects.filter(elector__round=round_).count()
            assert sum(box.counts.values()) + box.abstentions == voted == result.voted
            assert set(box.counts) <= {str(c.pk) for c in round_.shortlist.all()}
            assert 2 <= round_.shortlist.count() <= 4
            assert 35 <= voting.percent_of(voted, result.electorate) <= 90
            assert result.outcome == round_.outcome
            assert round_.winner == (result.winners[0] if result.outcome == "winner" else None)
            # The electorate: the members with a login when the round opened.
            opened = timezone.localdate(round_.opened_at)
            assert set(round_.electors.values_list("user", flat=True)) == set(
                voting.voters(majella, opened).values_list("user", flat=True)
            )
            # Decided, with an offer that was declined or let the unit to its tenant since.
            assert round_.decision
            assert round_.closed_at < round_.decided_at
            offer, vacancy = round_.offer, round_.vacancy
            assert (vacancy.status, vacancy.route) == ("filled", "association")
            assert round_.decided_at < offer.responded_at <= vacancy.closed_at
            assert offer.status in ("accepted", "declined")
            if offer.status == "accepted":
                assert offer.responded_at == vacancy.closed_at
                assert timezone.localdate(offer.responded_at) < vacancy.available_from
                assert offer.contract.person_id == offer.application.person_id
                assert offer.contract.unit_id == vacancy.unit_id
                assert offer.contract.start_date == vacancy.available_from > closes
            else:  # another round followed on the vacancy
                assert vacancy.vote_rounds.filter(opened_at__gt=offer.responded_at).exists()
            kinds = set(vacancy.events.values_list("kind", flat=True))
            assert {"opened", "vote_opened", "vote_closed", "vote_decided", "offered"} <= kinds
            # The demo stores facts, which each reader sees in their own language.
            votes_steps = vacancy.events.filter(
                kind__in=("vote_opened", "vote_closed", "vote_decided")
            )
            assert all(event.facts and event.text for event in votes_steps)
            assert all({"key", "params"} <= set(line) for line in offer.explanation)
            assert not VoteMessage.objects.filter(round=round_, sent_at__isnull=True).exists()
        # The dashboard's vote table has figures for the closed quarters.
        for quarter in quarters:
            closed = [timezone.localdate(r.closes_at) for r in rounds]
            figures = votes([majella.pk], quarter).get(majella.pk, {"rounds": 0})
            assert figures["rounds"] == sum(quarter.start <= d <= quarter.end for d in closed)
        assert sum(bool(votes([majella.pk], q)) for q in quarters) >= 3
        # The recent round is as it was: the association did not choose number 1; confirmed.
        assert recent.vacancy.status == "offered"
        assert recent.winner.rank_at_open != 1
        assert recent.decision == "confirmed"
        assert recent.offer.status == "open"
        # Staff see them on the project's votes page, with the drift over all closed rounds.
        log_in(client, User.objects.get(email="staff@stadswonen.example"))
        page = client.get(reverse("allocation:round_list", args=[majella.pk]))
        assert page.status_code == 200
        assert {r.pk for r in past} <= {r.pk for r in page.context["page_obj"]}
        drift = page.context["drift"]
        assert drift.rounds == rounds.count() == len(past) + 1
        assert drift.with_winner == rounds.filter(outcome="winner").count()
        assert 0 < drift.ranking_first < drift.with_winner


def test_the_latest_closed_quarter_has_association_votes(db):
    """On a fixed day (the dashboard's example), each of the last four closed quarters has past
    votes at Majella: rounds with electors, some of whom took part."""
    from magicmix.dashboard.data import votes
    from magicmix.dashboard.periods import closed_quarters

    moment = dt.datetime(2026, 11, 23, 10, 0, tzinfo=AMSTERDAM)
    with time_machine.travel(moment, tick=False):
        load_demo()
        today = timezone.localdate()
    majella = Project.objects.get(name=MAJELLA.name)
    latest, *earlier = closed_quarters(today, 4)
    assert latest.slug == "2026-Q3"
    for quarter in [latest, *earlier]:
        figures = votes([majella.pk], quarter)[majella.pk]
        assert figures["rounds"] >= 1
        assert figures["voted"].n > 0
        assert figures["not"].n > 0
