"""Demo allocation data: candidates for each demo project, vacancies, and a few offers with their
history, so that the ranking, its explanations and the audit trail have something to show; and
the association's votes at Majella: one running, one recently closed, and finished ones in each
of the past quarters (for the drift and the municipal dashboard).

Runs after `residents.demo.load_demo` (the projects, people and contracts) in the same
transaction; seeded, so the same day gives the same demo.
"""

import datetime as dt
import math
import random
from collections import Counter
from dataclasses import dataclass, field
from decimal import Decimal

from django.contrib.auth import get_user_model
from django.utils import timezone
from django.utils.text import slugify

from projects.models import Organisation, OrganisationKind, Project, staff_to_notify
from residents.dates import add_months
from residents.demo import (
    AGES,
    CARE_CONTACTS,
    DEFAULT_POOLS,
    GROUP_POOLS,
    HOUSEHOLD,
    MAJELLA,
    MEMBER_EMAIL,
    NAME_POOLS,
    PLACE2BU,
    SEED,
    STADSWONEN,
    STARTBLOK,
    STARTERS,
    DemoError,
)
from residents.models import (
    Contract,
    ContractStatus,
    ContractType,
    Person,
    ResidentRole,
    TargetGroup,
)

from . import scoring, services, voting
from .models import (
    AllocationEvent,
    AllocationSettings,
    Application,
    ApplicationStatus,
    BallotBox,
    Decision,
    Elector,
    EventKind,
    IntakeOutcome,
    MessageKind,
    Offer,
    OfferStatus,
    Outcome,
    Participation,
    RoundCandidate,
    RoundStatus,
    UnitScope,
    Vacancy,
    VacancyRoute,
    VacancyStatus,
    VoteMessage,
    VoteRound,
    VoteSettings,
)
from .ranking import vacancy_ranking

DRAGEND, VRAGEND = ResidentRole.DRAGEND, ResidentRole.VRAGEND
STAFF_BY_CORPORATION = {STADSWONEN: "staff@stadswonen.example"}
COA = {"Utrecht": "COA Utrecht", "Amsterdam": "COA Amsterdam"}

# Candidates per project: (target group, role, how many).
CANDIDATES = {
    MAJELLA.name: [
        ("starter", DRAGEND, 6),
        ("regulier", DRAGEND, 5),
        ("oudere", DRAGEND, 3),
        ("kenniswerker", DRAGEND, 2),
        ("ex-dakloos", VRAGEND, 6),
        ("ggz-bw", VRAGEND, 4),
        ("statushouder", VRAGEND, 3),
    ],
    PLACE2BU.name: [
        ("student", DRAGEND, 9),
        ("starter", DRAGEND, 7),
        ("statushouder", VRAGEND, 6),
        ("ex-dakloos", VRAGEND, 4),
        ("ggz-bw", VRAGEND, 3),
    ],
    STARTBLOK.name: [
        ("starter", DRAGEND, 8),
        ("student", DRAGEND, 5),
        ("statushouder", VRAGEND, 9),
    ],
    STARTERS.name: [
        ("starter", DRAGEND, 5),
        ("kenniswerker", DRAGEND, 3),
        ("ggz-bw", VRAGEND, 3),
        ("gescheiden-ouder", VRAGEND, 3),
    ],
}
# Projects whose contracts have an age band: candidates stay inside it.
AGE_BANDS = {STARTBLOK.name: (18, 26), PLACE2BU.name: (19, 26)}

MOTIVATIONS = {
    DRAGEND: [
        "Ik wil niet alleen wonen maar samen iets opbouwen met mijn buren.",
        "Ik heb in een studentenhuis gewoond en mis de gezelligheid van een gemeenschap.",
        "Ik wil graag iets terugdoen voor mensen die een nieuwe start maken.",
        "Ik zoek een plek waar buren elkaar kennen en helpen.",
        "Mijn ervaring als vrijwilliger wil ik inzetten in mijn eigen woonomgeving.",
    ],
    VRAGEND: [
        "Ik wil graag zelfstandig wonen, met buren om me heen.",
        "Na de opvang wil ik een eigen plek en een nieuwe start.",
        "Ik wil Nederlands leren en mensen leren kennen in mijn buurt.",
        "Ik zoek rust en een plek waar ik kan blijven.",
    ],
}
AVAILABILITY = [
    "Kan per direct verhuizen; 's avonds en in het weekend vaak thuis.",
    "Verhuizen kan vanaf volgende maand; doordeweeks na 17.00 uur beschikbaar.",
    "Flexibel: werkt in ploegendienst, dus ook overdag wel eens thuis.",
    "Kan binnen twee weken verhuizen; zaterdagen vrij voor klussen en activiteiten.",
]
# Majella's members who vote online besides the demo member (they have a login account).
VOTERS = 20
CONTRIBUTIONS = [
    "Koken voor de maandelijkse buurtmaaltijd.",
    "Taalmaatje: wekelijks een uur Nederlands oefenen.",
    "Meehelpen in de gemeenschappelijke tuin.",
    "Fietsen repareren in de werkplaats.",
    "Huiswerkbegeleiding en hulp met formulieren.",
    "Een spelletjesavond organiseren.",
]

# Past votes at Majella, for the history (the dashboard's closed quarters): about two rounds
# closed in each of the last closed quarters, on units let since to the tenants living there.
PAST_QUARTERS = 4
PAST_ROUNDS_PER_QUARTER = 2
MOVE_IN_DAYS = (14, 75)  # from the close of the round that let a unit to the move-in
USUAL_MOVE_IN_DAYS = (18, 35)
NEXT_ROUND_DAYS = (12, 45)  # from the close of a round whose offer was declined to the next one
# How the rounds that let a unit went, in turn. first: the association chose number 1 of the
# ranking; second: a lower place; other: staff offered number 1 instead of the association's
# choice. All but the last round on a vacancy ended in an offer the association's choice declined.
FINAL_SCRIPTS = [
    "first",
    "second",
    "first",
    "no_quorum",
    "other",
    "first",
    "tie",
    "first",
    "second",
    "first",
]
DECLINED_NOTES = [
    "Heeft intussen een andere woning gevonden.",
    "Kan de verhuizing niet combineren met een nieuwe baan in een andere stad.",
    "Blijft liever dicht bij familie wonen; blijft wel ingeschreven.",
]
OVERRULED_REASON = (
    "De gekozen kandidaat kan pas over vier maanden verhuizen; nummer 1 van de rangorde kan op de "
    "opleverdatum intrekken."
)


@dataclass
class AllocationSummary:
    candidates: int = 0
    vacancies: int = 0
    offers: int = 0
    rounds: int = 0
    notes: list[str] = field(default_factory=list)


@dataclass
class PastLetting:
    """A unit let through the association's vote: the contract its tenant moved in on, and the
    days its rounds closed (the day after the last day to vote), oldest first. Every round but
    the last ended in an offer that was declined."""

    contract: Contract
    closes: list[dt.date]


HOLIDAYS = {(1, 1), (12, 25), (12, 26)}  # (month, day): no office work on these either


def _working(day: dt.date) -> bool:
    return day.weekday() < 5 and (day.month, day.day) not in HOLIDAYS


def _within(first, last, low, high, wanted: dt.date, round_days: dt.timedelta):
    """The day a round closes: `wanted`, moved into [low, high] and [first, last] and, if it
    can, to where the round opens and closes on working days; None when the ranges do not meet."""
    low, high = max(low, first), min(high, last)
    if low > high:
        return None
    wanted = min(max(wanted, low), high)
    for shift in sorted(range(-7, 8), key=abs):
        day = wanted + dt.timedelta(days=shift)
        if low <= day <= high and _working(day) and _working(day - round_days):
            return day
    return wanted


class AllocationDemo:
    def __init__(self, today: dt.date) -> None:
        self.today = today
        self.rng = random.Random(SEED + 2)  # noqa: S311 - demo data, not secrets
        self.groups = {g.code: g for g in TargetGroup.objects.all()}
        self.summary = AllocationSummary()
        self.users = {
            u.email: u for u in get_user_model().objects.filter(email__endswith=".example")
        }
        # The past votes draw from their own seeded random, so the rest stays as it is.
        self.past_rng = random.Random(SEED + 3)  # noqa: S311 - demo data, not secrets
        self.references: dict[int, int] = {}  # corporation pk -> candidates numbered so far

    def build(self) -> AllocationSummary:
        projects = {p.name: p for p in Project.objects.filter(name__in=CANDIDATES)}
        self._vote_settings(projects[MAJELLA.name])
        for name, plan in CANDIDATES.items():
            project = projects[name]
            coa = self._coa(project)
            for group, role, count in plan:
                for _ in range(count):
                    self._application(project, group, role, coa)
        opened = services.vacancies_open_from_contracts(today=self.today)
        opened += self._vacancies_for_empty_units(projects.values())
        self.summary.vacancies = len(opened)
        self._history(projects[PLACE2BU.name])
        self._votes(projects[MAJELLA.name])
        self._past_votes(projects[MAJELLA.name])
        self._withdrawn_long_ago(projects.values())
        return self.summary

    def _coa(self, project: Project) -> Organisation:
        name = COA.get(project.city, f"COA {project.city}")
        coa, _created = Organisation.objects.get_or_create(
            name=name,
            defaults={
                "kind": OrganisationKind.CARE,
                "city": project.city,
                "email": "coa@coa.example",
            },
        )
        return coa

    def _withdrawn_long_ago(self, projects) -> None:
        """Per corporation, two candidates who applied over a year ago, withdrew and were never
        placed: what the retention job (residents.retention) erases, so its dry run lists
        them. They draw from a random of their own, so the rest of the demo stays as it is."""
        main_rng, self.rng = self.rng, random.Random(SEED + 4)  # noqa: S311 - demo data
        try:
            seen: set[int] = set()
            for project in sorted(projects, key=lambda p: p.name):
                if project.corporation_id in seen:
                    continue
                seen.add(project.corporation_id)
                for days_ago in (400, 700):
                    application = self._application(project, "starter", DRAGEND, None)
                    day = self.today - dt.timedelta(days=days_ago)
                    applied = timezone.make_aware(dt.datetime.combine(day, dt.time(10)))
                    Application.objects.filter(pk=application.pk).update(
                        status=ApplicationStatus.WITHDRAWN, created_at=applied
                    )
        finally:
            self.rng = main_rng

    def _application(
        self, project: Project, group: str, role: str, coa: Organisation | None
    ) -> Application:
        rng = self.rng
        low, high = AGE_BANDS.get(project.name, AGES[group])
        age = rng.randint(low, high)
        birth = add_months(self.today, -12 * age - rng.randint(1, 11))
        pool = rng.choice(GROUP_POOLS.get(group, DEFAULT_POOLS))
        first_names, last_names, languages = NAME_POOLS[pool]
        first, last = rng.choice(first_names), rng.choice(last_names)
        household = rng.randint(*HOUSEHOLD.get(group, (1, 1)))
        # Home-seekers have an ERP relation number too, in a range of their own: K-8001...
        number = self.references.get(project.corporation_id, 8000) + 1
        self.references[project.corporation_id] = number
        person = Person(
            corporation=project.corporation,
            reference=f"K-{number}",
            first_name=first,
            last_name=last,
            date_of_birth=birth,
            email=f"{slugify(first)}.{slugify(last)}.{rng.randint(100, 999)}@kandidaat.example",
            preferred_language=rng.choice(languages),
            target_group=self.groups[group],
            role=role,
            household_size=household,
            needs_accessible=rng.random() < 0.05,
            share_profile_consent=rng.random() < 0.7,
        )
        nominated_by = None
        if role == VRAGEND:
            partners = list(project.care_partners.all())
            nominated_by = coa if group == "statushouder" or not partners else partners[0]
            person.care_organisation = nominated_by
            person.care_contact_name = rng.choice(
                CARE_CONTACTS.get(nominated_by.name, ["Y. de Boer", "S. El Idrissi"])
            )
        person.full_clean()
        person.save()
        registered = self.today - dt.timedelta(days=rng.randint(20, 6 * 365))
        intake = rng.choices(
            [
                IntakeOutcome.POSITIVE,
                IntakeOutcome.DOUBTS,
                IntakeOutcome.PENDING,
                IntakeOutcome.NEGATIVE,
            ],
            weights=[6, 2, 3, 1],
        )[0]
        application = Application(
            project=project,
            person=person,
            registered_on=registered,
            motivation=rng.choice(MOTIVATIONS[role]),
            contribution=rng.choice(CONTRIBUTIONS) if role == DRAGEND else "",
            availability=rng.choice(AVAILABILITY),
            nominated_by=nominated_by,
            urgent=role == VRAGEND and rng.random() < 0.25,
            intake_outcome=intake,
            intake_on=None
            if intake == IntakeOutcome.PENDING
            else self.today - dt.timedelta(days=rng.randint(3, 60)),
        )
        application.full_clean()
        application.save()
        self.summary.candidates += 1
        return application

    def _vacancies_for_empty_units(self, projects) -> list[Vacancy]:
        """A vacancy for each unit nobody lives in today, on the contract type it had last."""
        opened = []
        regular = ContractType.objects.get(code="regulier")
        for project in projects:
            occupied = Contract.objects.in_force(self.today).filter(unit__project=project)
            empty = project.units.exclude(pk__in=occupied.values("unit_id")).exclude(
                vacancies__status__in=("open", "offered")
            )
            for unit in empty.order_by("number"):
                last = (
                    unit.contracts.select_related("contract_type").order_by("-start_date").first()
                )
                ctype = last.contract_type if last else regular
                route = services.route_for(unit)
                opened.append(
                    services.vacancy_open(
                        unit=unit,
                        available_from=self.today + dt.timedelta(days=self.rng.randint(7, 45)),
                        contract_type=ctype,
                        route=route,
                        note="Leeg opgeleverd na mutatie.",
                    )
                )
        return opened

    def _history(self, project: Project) -> None:
        """Three vacancies at Place2BU with a past: accepted, declined, and an offer out."""
        staff = self.users.get(STAFF_BY_CORPORATION[project.corporation.name])
        vacancies = list(
            Vacancy.objects.filter(project=project, status="open")
            .select_related("project", "unit__cluster", "contract_type")
            .order_by("available_from", "pk")
        )
        reply_by = self.today + dt.timedelta(days=14)
        scripts = [
            ("accept", 1, "", "Sleutel op de startdatum; kennismaking met de gang gepland."),
            ("decline", 1, "", "Heeft intussen een andere woning gevonden."),
            (
                "open",
                2,
                "Nummer 1 heeft al een aanbieding voor een andere wooneenheid; "
                "nummer 2 past ook goed.",
                "",
            ),
        ]
        for vacancy, (outcome, rank, reason, note) in zip(vacancies, scripts, strict=False):
            ranking = vacancy_ranking(vacancy, today=self.today)
            if len(ranking.ranked) < rank:
                continue
            choice = ranking.ranked[rank - 1]
            if choice.breaks_band and not reason:
                reason = (
                    "Beste keuze voor deze wooneenheid; de bandbreedte herstelt zich bij de "
                    "volgende mutatie."
                )
            offer = services.offer_make(
                vacancy=vacancy,
                application=Application.objects.get(pk=choice.candidate.application_id),
                reason=reason,
                reply_by=reply_by,
                user=staff,
                today=self.today,
            )
            self.summary.offers += 1
            if outcome == "accept":
                services.offer_accept(offer=offer, note=note, user=staff)
            elif outcome == "decline":
                services.offer_decline(offer=offer, note=note, user=staff)

    # The association's vote at Majella

    def _vote_settings(self, project: Project) -> None:
        """Majella lets its regular (dragend) units through the association; its omklap units
        go to those nominated by the care partner. Twenty members vote online."""
        settings = VoteSettings.objects.create(
            project=project, unit_scope=UnitScope.MARKED, quorum_percent=50, round_days=7
        )
        regular = (
            Contract.objects.filter(unit__project=project, contract_type__code="regulier")
            .values_list("unit_id", flat=True)
            .distinct()
        )
        settings.units.set(list(regular))
        user_model = get_user_model()
        without_login = Person.objects.filter(
            pk__in=voting.members(project, self.today), user__isnull=True
        )
        for person in without_login.order_by("pk")[:VOTERS]:
            user = user_model.objects.create_user(
                username=person.email, email=person.email, first_name=person.first_name
            )
            person.user = user
            person.save(update_fields=["user"])

    def _votes(self, project: Project) -> None:
        """A round running now, in which the demo member has not voted yet; a closed round whose
        winner was number 2 of the ranking (confirmed as the offer); and, when the demo has a third
        vacancy for it, a closed round without quorum (the ranking decided)."""
        staff = self.users.get(STAFF_BY_CORPORATION[project.corporation.name])
        vacancies = [
            v
            for v in Vacancy.objects.filter(
                project=project, status="open", route=VacancyRoute.ASSOCIATION
            )
            .select_related("project", "unit__cluster", "contract_type")
            .order_by("available_from", "pk")
            if len(self._shortlist(v)) >= 2
        ]
        scripts = [(3, -4, 8, None), (12, 5, 14, 2), (10, 3, 4, None)]
        for vacancy, (opened_days, closed_days, voters, favourite) in zip(
            vacancies, scripts, strict=False
        ):
            self._round(vacancy, staff, opened_days, closed_days, voters, favourite)

    def _shortlist(self, vacancy: Vacancy) -> list[int]:
        ranking = vacancy_ranking(vacancy, today=self.today)
        consenting = set(
            Application.objects.filter(
                pk__in=[r.candidate.application_id for r in ranking.ranked],
                person__share_profile_consent=True,
                person__role=DRAGEND,  # Majella's regular units house its dragend residents
            ).values_list("pk", flat=True)
        )
        return [
            r.candidate.application_id
            for r in ranking.ranked
            if r.candidate.application_id in consenting
        ][:4]

    def _round(self, vacancy, staff, opened_days, closed_days, voters, favourite) -> None:
        """Open a round `opened_days` ago that closes(d) `closed_days` ago (negative: ahead);
        `voters` electors vote, most for the shortlist's `favourite` place in the ranking."""
        now = timezone.now()
        shortlist = self._shortlist(vacancy)
        round_ = voting.round_open(
            vacancy=vacancy,
            application_ids=shortlist,
            last_day=self.today + dt.timedelta(days=max(1, -closed_days)),
            user=staff,
            today=self.today,
        )
        candidates = {c.rank_at_open: c for c in round_.shortlist.all()}
        electors = list(round_.electors.exclude(user__email=MEMBER_EMAIL).select_related("user"))
        ranks = sorted(candidates)
        for elector in electors[:voters]:
            if favourite is not None and self.rng.random() < 0.7:
                choice = str(candidates[ranks[favourite - 1]].pk)
            elif self.rng.random() < 0.15:
                choice = voting.ABSTAIN
            else:
                choice = str(candidates[self.rng.choice(ranks)].pk)
            voting.vote_cast(
                round_id=round_.pk,
                user=elector.user,
                choice=choice,
                token=voting.new_token(),
                previous=None,
            )
        opened_at = now - dt.timedelta(days=opened_days)
        VoteRound.objects.filter(pk=round_.pk).update(opened_at=opened_at)
        if closed_days > 0:
            closes = voting.closes_at(self.today - dt.timedelta(days=closed_days + 1))
            VoteRound.objects.filter(pk=round_.pk).update(closes_at=closes)
            voting.close_if_due(round_.pk, now=closes)
            round_.refresh_from_db()
            application = (
                round_.winner.application
                if round_.winner
                else Application.objects.get(
                    pk=vacancy_ranking(vacancy, today=self.today).first.candidate.application_id
                )
            )
            voting.round_decide(
                round_=round_,
                application=application,
                reason="",
                reply_by=self.today + dt.timedelta(days=9),
                user=staff,
                today=self.today,
            )
            self.summary.offers += 1
        # The demo's messages went out when they were due; loading sends none of them again.
        VoteMessage.objects.filter(round=round_).update(sent_at=opened_at)
        self.summary.rounds += 1

    # Past votes at Majella

    def _past_quarters(self) -> list[tuple[dt.date, dt.date]]:
        """The closed quarters before today's, newest first: (first day, last day)."""
        start = dt.date(self.today.year, self.today.month - (self.today.month - 1) % 3, 1)
        quarters = []
        for _quarter in range(PAST_QUARTERS):
            end, start = start - dt.timedelta(days=1), add_months(start, -3)
            quarters.append((start, end))
        return quarters

    def _past_votes(self, project: Project) -> None:
        """Finished votes of the past quarters: each round let a unit to the tenant who moved in
        after it, or its choice declined the offer and another round followed on the vacancy.
        Written as the real flow leaves them (allocation.voting): the tally, secret receipts, the
        decision, the offer, the vacancy's steps and the e-mails, each at its moment then."""
        staff = self.users.get(STAFF_BY_CORPORATION[project.corporation.name])
        self.past_staff = staff_to_notify([project])[project.pk]
        self.past_pool = list(
            Application.objects.active()
            .filter(project=project, person__role=DRAGEND, person__share_profile_consent=True)
            .select_related("person")
            .order_by("registered_on", "pk")
        )
        scripts = iter(FINAL_SCRIPTS * (1 + PAST_QUARTERS * PAST_ROUNDS_PER_QUARTER))
        for plan in self._past_plan(project):
            self._past_letting(project, plan, next(scripts), staff)

    def _past_plan(self, project: Project) -> list[PastLetting]:
        """Pick the lettings and their rounds' closing days: up to PAST_ROUNDS_PER_QUARTER per
        closed quarter, the newest quarter first, a unit's last round shortly before the move-in
        and, where a quarter has room left, an earlier round on the same vacancy."""
        rng, day = self.past_rng, dt.timedelta(days=1)
        quarters = self._past_quarters()
        lettings = list(
            Contract.objects.filter(
                unit__project=project,
                unit__in=project.vote_settings.units.all(),
                contract_type__code="regulier",
                person__role=DRAGEND,
                flipped_from__isnull=True,
                status__in=(ContractStatus.ACTIVE, ContractStatus.ENDED),
                start_date__gt=quarters[-1][0] + MOVE_IN_DAYS[0] * day,
                start_date__lte=self.today,
            )
            .exclude(person__applications__project=project)
            .select_related("person", "unit", "contract_type")
            .order_by("start_date", "pk")
        )
        round_days = project.vote_settings.round_days * day
        plans: dict[int, PastLetting] = {}
        for first, last in quarters:
            room = PAST_ROUNDS_PER_QUARTER
            for contract in lettings:
                if not room or contract.pk in plans:
                    continue
                start = contract.start_date
                close = _within(
                    first,
                    last,
                    start - MOVE_IN_DAYS[1] * day,
                    start - MOVE_IN_DAYS[0] * day,
                    start - rng.randint(*USUAL_MOVE_IN_DAYS) * day,
                    round_days,
                )
                if close is not None:
                    plans[contract.pk] = PastLetting(contract, [close])
                    room -= 1
            # A second declined offer on one vacancy only to give an empty quarter a round.
            earlier = sorted(plans.values(), key=lambda plan: plan.closes[0])
            for plan in [p for p in earlier if len(p.closes) == 1] + [
                p for p in earlier if len(p.closes) == 2
            ]:
                if not room or (len(plan.closes) == 2 and room < PAST_ROUNDS_PER_QUARTER):
                    continue
                opens = plan.closes[0] - round_days
                close = _within(
                    first,
                    last,
                    opens - NEXT_ROUND_DAYS[1] * day,
                    opens - NEXT_ROUND_DAYS[0] * day,
                    opens - rng.randint(14, 30) * day,
                    round_days,
                )
                if close is not None:
                    plan.closes.insert(0, close)
                    room -= 1
        return sorted(plans.values(), key=lambda plan: plan.closes[0])

    def _past_candidates(self, unit, open_day: dt.date, passed: set[int]) -> list[Application]:
        """Consenting candidates who could have been on a shortlist for `unit` on `open_day`."""
        registered = open_day - dt.timedelta(days=14)
        return [
            a
            for a in self.past_pool
            if a.registered_on <= registered
            and a.intake_outcome != IntakeOutcome.NEGATIVE
            and a.person.household_size <= unit.max_household
            and (unit.wheelchair_accessible or not a.person.needs_accessible)
            and a.pk not in passed
        ]

    @staticmethod
    def _explanation(application: Application, on: dt.date) -> list[dict]:
        """The lines of the ranking's explanation that held on `on` whatever the mix."""
        held = application.intake_on is not None and application.intake_on <= on
        intake = application.intake_outcome if held else IntakeOutcome.PENDING
        lines = [
            scoring.Line(scoring.REGISTERED, {"date": application.registered_on.isoformat()}),
            scoring.Line(scoring.INTAKE, {"outcome": intake}),
        ]
        return [line.stored() for line in lines]

    def _moment(self, day: dt.date, step: int = 1, latest: dt.date | None = None) -> dt.datetime:
        """A moment in office hours on `day` (Amsterdam), or on the next working day after it
        (before it, with `step` -1; `day` itself with 0), but not after `latest`."""
        while step and not _working(day):
            day += dt.timedelta(days=step)
        day = min(day, latest or day)
        minute = self.past_rng.randint(9 * 60, 17 * 60 - 1)
        return timezone.make_aware(dt.datetime.combine(day, dt.time(minute // 60, minute % 60)))

    def _event(
        self, vacancy, kind, at, *, actor=None, offer=None, candidate=None, reason="", facts=None
    ):
        """A step of the vacancy as allocation.services and allocation.voting log it, at `at`:
        what a person typed in `reason`, the system's facts in `facts`."""
        of = offer or candidate
        event = AllocationEvent.objects.create(
            vacancy=vacancy,
            kind=kind,
            actor=actor,
            offer=offer,
            application_id=of.application_id if of else None,
            rank=(offer.rank if offer else candidate.rank_at_open) if of else None,
            score=(offer.score if offer else candidate.score_at_open) if of else None,
            reason=reason,
            facts=facts or {},
        )
        AllocationEvent.objects.filter(pk=event.pk).update(at=at)

    def _past_letting(self, project: Project, plan: PastLetting, script: str, staff) -> None:
        rng, day = self.past_rng, dt.timedelta(days=1)
        contract, unit, person = plan.contract, plan.contract.unit, plan.contract.person
        settings = project.vote_settings
        opens = [close - settings.round_days * day for close in plan.closes]

        # Each round needs an electorate and a shortlist of two or more, without the choices
        # who declined before it: the tenant and one more in the last round, two before it.
        def short(index: int) -> bool:
            needed = index + (1 if index == len(opens) - 1 else 2)
            return len(self._past_candidates(unit, opens[index], set())) < needed

        while len(opens) > 1 and any(short(index) for index in range(len(opens) - 1)):
            plan.closes, opens = plan.closes[1:], opens[1:]
        if short(len(opens) - 1) or any(
            not voting.electorate(settings, project, open_day) for open_day in opens
        ):
            return
        source = (
            Contract.objects.filter(
                unit=unit,
                end_date__lt=contract.start_date,
                end_date__gte=contract.start_date - 90 * day,
                vacancy_opened__isnull=True,
            )
            .order_by("-end_date")
            .first()
        )
        vacancy = Vacancy(
            project=project,
            unit=unit,
            available_from=contract.start_date,
            contract_type=contract.contract_type,
            route=VacancyRoute.ASSOCIATION,
            status=VacancyStatus.FILLED,
            source_contract=source,
            note="" if source else "Leeg opgeleverd na mutatie.",
        )
        vacancy.full_clean()
        vacancy.save()
        created = self._moment(opens[0] - rng.randint(2, 12) * day, -1)
        self._event(
            vacancy,
            EventKind.OPENED,
            created,
            reason=vacancy.note,
            facts={"contract": source.pk} if source else None,
        )
        # The tenant's application, placed by the last round.
        registered = max(
            opens[0] - rng.randint(90, 900) * day, add_months(person.date_of_birth, 12 * 18)
        )
        registered = min(registered, opens[0] - 30 * day)
        tenant = Application(
            project=project,
            person=person,
            registered_on=registered,
            motivation=rng.choice(MOTIVATIONS[DRAGEND]),
            contribution=rng.choice(CONTRIBUTIONS),
            availability=rng.choice(AVAILABILITY),
            intake_outcome=IntakeOutcome.POSITIVE,
            intake_on=max(registered, opens[0] - rng.randint(5, 40) * day),
            status=ApplicationStatus.PLACED,
        )
        tenant.full_clean()
        tenant.save()
        Application.objects.filter(pk=tenant.pk).update(created_at=self._moment(registered, -1))
        passed: set[int] = set()
        for index, close in enumerate(plan.closes):
            last = index == len(plan.closes) - 1
            offer = self._past_round(
                vacancy,
                staff,
                close,
                script if last else "declined",
                self._past_candidates(unit, opens[index], passed),
                (tenant, contract) if last else None,
                contract.start_date - day if last else opens[index + 1] - day,
            )
            passed.add(offer.application_id)
        Vacancy.objects.filter(pk=vacancy.pk).update(
            created_at=created, closed_at=offer.responded_at
        )

    def _past_round(self, vacancy, staff, close, script, pool, moved_in, answer_by) -> Offer:
        """A closed and decided round on `vacancy` that closed at the start of `close`, and the
        offer it led to, answered by `answer_by`: accepted by the tenant of `moved_in`
        (application, contract), or, without one, declined by the association's choice.
        `script` is how the round went."""
        tenant, contract = moved_in or (None, None)
        rng, day = self.past_rng, dt.timedelta(days=1)
        project = vacancy.project
        settings = project.vote_settings
        open_day = close - settings.round_days * day
        opened_at = self._moment(open_day, 0)
        closes_at = voting.closes_at(close - day)
        closed_at = closes_at + dt.timedelta(minutes=rng.randint(1, 15))
        # The shortlist in the ranking's order, and whom the votes favoured.
        people = rng.sample(pool, min(len(pool), rng.choice((1, 2, 2, 3)) + (tenant is None)))
        favourite = tenant or people[0]  # whom the offer goes to
        if tenant is not None:
            people.insert(1 if script == "second" else 0, tenant)
        elif rng.random() < 0.3:
            people[:2] = people[1::-1]  # the association's choice was not number 1
        ranks = [1, *sorted(rng.sample(range(2, 7), len(people) - 1))]
        score, scores = rng.uniform(66.0, 79.0), []
        for before, rank in zip([1, *ranks], ranks, strict=False):
            score -= (rank - before) * rng.uniform(1.2, 3.0)
            scores.append(Decimal(f"{score:.1f}"))
        round_ = VoteRound.objects.create(
            vacancy=vacancy,
            project=project,
            status=RoundStatus.CLOSED,
            opened_by=staff,
            opened_at=opened_at,
            closes_at=closes_at,
            closed_at=closed_at,
            electorate_kind=settings.electorate,
            quorum_percent=settings.quorum_percent,
            abstain_counts=settings.abstain_counts,
        )
        positions = list(range(1, len(people) + 1))
        rng.shuffle(positions)
        candidates = [
            RoundCandidate(
                round=round_,
                application=application,
                position=position,
                rank_at_open=rank,
                score_at_open=score,
                first_name=application.person.first_name,
                motivation=application.motivation,
                contribution=application.contribution,
                availability=application.availability,
            )
            for application, position, rank, score in zip(
                people, positions, ranks, scores, strict=True
            )
        ]
        for candidate in candidates:
            candidate.full_clean()
        RoundCandidate.objects.bulk_create(candidates)
        favourites = {
            "other": candidates[1:2],  # the association's choice; staff offer number 1
            "tie": candidates[:2],
            "no_quorum": [],
        }.get(script, [candidates[people.index(favourite)]])
        # The electorate as it stood at the opening, and who voted.
        electorate = voting.electorate(settings, project, open_day)
        electors = Elector.objects.bulk_create(
            Elector(round=round_, user_id=user_id, via=via) for user_id, via in electorate.items()
        )
        size = len(electors)
        needed = voting.quorum_needed(size, round_.quorum_percent)
        if script == "no_quorum":
            voted = max(1, needed - rng.randint(1, 2))
        else:
            voted = min(size, max(needed, round(size * rng.uniform(0.5, 0.85))))
        counts, abstentions = self._past_tally(candidates, voted, favourites)
        box = BallotBox(
            round=round_,
            counts={str(c.pk): n for c, n in counts.items() if n},
            abstentions=abstentions,
        )
        box.full_clean()
        box.save()
        # Each voter's receipt commits to the choice with a token only the browser kept (here
        # thrown away), in the electors' order: nothing in the rows tells who chose whom.
        choices = [str(c.pk) for c, n in counts.items() for _vote in range(n)]
        choices += [voting.ABSTAIN] * abstentions
        rng.shuffle(choices)
        voters = sorted(rng.sample(electors, voted), key=lambda elector: elector.pk)
        Participation.objects.bulk_create(
            Participation(
                elector=elector,
                receipt=voting.commitment(round_.pk, elector.user_id, voting.new_token(), choice),
            )
            for elector, choice in zip(voters, choices, strict=True)
        )
        # The close, as voting.close_if_due writes it, and the decision, as voting.round_decide.
        result = voting.tally(round_, box, voted, size)
        round_.outcome = result.outcome
        round_.winner = result.winners[0] if result.outcome == Outcome.WINNER else None
        number_one = candidates[0]
        reason = ""
        if round_.winner is None:
            chosen, decision = number_one, Decision.RANKING
        elif script == "other":
            chosen, decision, reason = number_one, Decision.OTHER, OVERRULED_REASON
        else:
            chosen, decision = round_.winner, Decision.CONFIRMED
        if chosen.application_id != favourite.pk:  # pragma: no cover
            raise DemoError("A past vote's result does not match its script.")
        decided_at = self._moment(close + rng.randint(0, 2) * day, latest=answer_by - day)
        responded_at = self._moment(decided_at.date() + rng.randint(1, 5) * day, latest=answer_by)
        reply_days = AllocationSettings.for_project(project).reply_days
        note = "" if tenant else rng.choice(DECLINED_NOTES)
        offer = Offer(
            vacancy=vacancy,
            application=chosen.application,
            rank=chosen.rank_at_open,
            score=chosen.score_at_open,
            explanation=self._explanation(chosen.application, decided_at.date()),
            reason=reason,
            reason_code="" if reason else voting.offer_reason_code(round_, decision),
            reply_by=decided_at.date() + reply_days * day,
            status=OfferStatus.ACCEPTED if tenant else OfferStatus.DECLINED,
            created_by=staff,
            responded_at=responded_at,
            response_note=note,
            contract=contract,
        )
        offer.full_clean()
        offer.save()
        Offer.objects.filter(pk=offer.pk).update(created_at=decided_at)
        round_.decision = decision
        round_.decision_reason = reason
        round_.decided_by = staff
        round_.decided_at = decided_at
        round_.offer = offer
        round_.full_clean()
        round_.save()
        self._event(
            vacancy,
            EventKind.VOTE_OPENED,
            opened_at,
            actor=staff,
            facts={
                "candidates": len(candidates),
                "voters": size,
                "last_day": (close - day).isoformat(),
            },
        )
        self._event(
            vacancy,
            EventKind.VOTE_CLOSED,
            closed_at,
            candidate=round_.winner,
            facts={"outcome": round_.outcome, "voted": voted, "electorate": size},
        )
        self._event(
            vacancy,
            EventKind.OFFERED,
            decided_at,
            actor=staff,
            offer=offer,
            reason=offer.reason,
            facts={"offer_reason": offer.reason_code} if offer.reason_code else None,
        )
        self._event(
            vacancy,
            EventKind.VOTE_DECIDED,
            decided_at,
            actor=staff,
            reason=reason,
            facts={"decision": decision},
        )
        self._event(
            vacancy,
            EventKind.ACCEPTED if tenant else EventKind.DECLINED,
            responded_at,
            actor=staff,
            offer=offer,
            reason=note,
        )
        self._past_messages(round_, electors, voters, opened_at, closed_at)
        self.summary.rounds += 1
        self.summary.offers += 1
        return offer

    def _past_tally(self, candidates, voted: int, favourites) -> tuple[Counter, int]:
        """Votes per candidate and abstentions, `voted` in all: one favourite has the most, two
        tie for the most, and without favourites the votes spread over the shortlist."""
        rng = self.past_rng
        abstentions = rng.randint(0, max(1, voted // 7))
        cast = voted - abstentions
        counts: Counter = Counter()
        if not favourites:
            for _vote in range(cast):
                counts[rng.choice(candidates)] += 1
            return counts, abstentions
        others = [c for c in candidates if c not in favourites]
        if len(favourites) == 1:
            top = max(math.ceil(cast * rng.uniform(0.4, 0.6)), cast // (len(others) + 1) + 1)
        else:
            top = max(1, round(cast * rng.uniform(0.3, 0.4))) if others else cast // 2
        for favourite in favourites:
            counts[favourite] = top
        for _vote in range(cast - top * len(favourites)):
            below = [c for c in others if counts[c] < top - 1]
            if below:
                counts[rng.choice(below)] += 1
            else:
                abstentions += 1  # nobody else can take it without changing the outcome
        return counts, abstentions

    def _past_messages(self, round_, electors, voters, opened_at, closed_at) -> None:
        """The e-mails the round made (voting._message_all), sent when they were due: the
        opening and the result to the electors, the reminder to whom had not voted 48 hours
        before the close (all who never did, and some who voted later), the result to staff."""
        rng = self.past_rng
        minute = dt.timedelta(minutes=1)
        voted = {elector.user_id for elector in voters}
        everyone = [elector.user_id for elector in electors]
        late = [u for u in everyone if u not in voted]
        late += rng.sample(sorted(voted), len(voted) // 3)
        reminded_at = round_.closes_at - voting.REMINDER_BEFORE + 5 * minute
        sent = [
            *((u, MessageKind.OPENED, opened_at + minute) for u in everyone),
            *((u, MessageKind.REMINDER, reminded_at) for u in late),
            *((u, MessageKind.RESULT, closed_at + minute) for u in everyone),
            *((u, MessageKind.STAFF_RESULT, closed_at + minute) for u in self.past_staff),
        ]
        VoteMessage.objects.bulk_create(
            VoteMessage(round=round_, user_id=user_id, kind=kind, attempts=1, sent_at=at)
            for user_id, kind, at in sent
        )


def load_allocation_demo(today: dt.date) -> AllocationSummary | None:
    """Build the allocation demo; None when it is there already."""
    if Application.objects.exists():
        return None
    return AllocationDemo(today).build()
