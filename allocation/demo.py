"""Demo allocation data: candidates for each demo project, vacancies, and a few offers with their
history, so that the ranking, its explanations and the audit trail have something to show.

Runs after `residents.demo.load_demo` (the projects, people and contracts) in the same
transaction; seeded, so the same day gives the same demo.
"""

import datetime as dt
import random
from dataclasses import dataclass, field

from django.contrib.auth import get_user_model
from django.utils import timezone
from django.utils.text import slugify

from projects.models import Organisation, OrganisationKind, Project
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
)
from residents.models import Contract, ContractType, Person, ResidentRole, TargetGroup

from . import services, voting
from .models import (
    Application,
    IntakeOutcome,
    UnitScope,
    Vacancy,
    VacancyRoute,
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


@dataclass
class AllocationSummary:
    candidates: int = 0
    vacancies: int = 0
    offers: int = 0
    rounds: int = 0
    notes: list[str] = field(default_factory=list)


class AllocationDemo:
    def __init__(self, today: dt.date) -> None:
        self.today = today
        self.rng = random.Random(SEED + 2)  # noqa: S311 - demo data, not secrets
        self.groups = {g.code: g for g in TargetGroup.objects.all()}
        self.summary = AllocationSummary()
        self.users = {
            u.email: u for u in get_user_model().objects.filter(email__endswith=".example")
        }

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

    def _application(self, project: Project, group: str, role: str, coa: Organisation) -> None:
        rng = self.rng
        low, high = AGE_BANDS.get(project.name, AGES[group])
        age = rng.randint(low, high)
        birth = add_months(self.today, -12 * age - rng.randint(1, 11))
        pool = rng.choice(GROUP_POOLS.get(group, DEFAULT_POOLS))
        first_names, last_names, languages = NAME_POOLS[pool]
        first, last = rng.choice(first_names), rng.choice(last_names)
        household = rng.randint(*HOUSEHOLD.get(group, (1, 1)))
        person = Person(
            corporation=project.corporation,
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


def load_allocation_demo(today: dt.date) -> AllocationSummary | None:
    """Build the allocation demo; None when it is there already."""
    if Application.objects.exists():
        return None
    return AllocationDemo(today).build()
