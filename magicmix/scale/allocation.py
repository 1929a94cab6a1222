"""The scale data set's allocation: candidates, vacancies for the empty units, open offers, and
closed association votes with their electors and secret-ballot tallies (see magicmix.scale)."""

import datetime as dt
from decimal import Decimal

from allauth.account.models import EmailAddress
from django.contrib.auth import get_user_model
from django.utils import timezone

from allocation.demo import AVAILABILITY, CONTRIBUTIONS, MOTIVATIONS
from allocation.models import (
    AllocationEvent,
    Application,
    ApplicationStatus,
    BallotBox,
    Decision,
    Elector,
    ElectorateKind,
    ElectorVia,
    EventKind,
    IntakeOutcome,
    Offer,
    OfferStatus,
    Outcome,
    Participation,
    RoundCandidate,
    RoundStatus,
    Vacancy,
    VacancyRoute,
    VacancyStatus,
    VoteRound,
)
from allocation.voting import closes_at
from residents.dates import age_on

from .sites import DRAGEND, VRAGEND, Site, World
from .stays import People, Stay

DAY = dt.timedelta(days=1)
VOTERS = 12  # members with a login per project whose association votes
# One explanation line as the ranking stores it (allocation.scoring.Line: a key and its facts).
EXPLANATION = [
    {
        "key": "project_share",
        "params": {"before": 50, "after": 52, "low": 40, "high": 60},
        "warn": False,
    }
]


def at(day: dt.date, hour: int = 10) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, dt.time(hour)))


class Allocation:
    def __init__(self, world: World, people: People, stays: list[Stay]) -> None:
        self.world, self.rng, self.today, self.people = world, world.rng, world.today, people
        self.by_site: dict[int, list[Stay]] = {}
        for stay in stays:
            self.by_site.setdefault(id(stay.site), []).append(stay)
        self.applications: list[Application] = []
        self.candidates: dict[int, list[Application]] = {}  # id(site) -> active, not offered
        self.vacancies: list[Vacancy] = []
        self.offers: list[Offer] = []
        self.events: list[AllocationEvent] = []
        self.rounds: list[VoteRound] = []
        self.shortlists: list[RoundCandidate] = []
        self.electors: list[Elector] = []
        self.participations: list[Participation] = []
        self.tallies: list[tuple[VoteRound, list[tuple[RoundCandidate, int]], int]] = []
        self.empty_units = 0

    def build(self) -> None:
        for site in self.world.sites:
            for _ in range(self.rng.randint(4, 20)):
                self.candidate(site)
            self.empty(site)
            if site.vote:
                self.votes(site)

    # Candidates

    def candidate(self, site: Site, stay: Stay | None = None) -> Application:
        """An application to `site`: a new home-seeker, or the winner of a vote (`stay`)."""
        rng = self.rng
        if stay is None:
            role = DRAGEND if rng.random() < 0.6 else VRAGEND
            group, code, _w = rng.choices(
                site.profile.mix[role], weights=[w for *_x, w in site.profile.mix[role]]
            )[0]
            ctype = self.world.ref.types[code]
            start = self.today - self.world.days(0, 30)
            person = self.people.new(site, role, group, start, None, ctype).person
        else:
            role, person = stay.role, stay.resident.person
        nominated = None
        if role == VRAGEND:
            nominated = person.care_organisation or rng.choice(site.care)
            person.care_organisation = person.care_organisation or nominated
        intake = rng.choices(list(IntakeOutcome), weights=[3, 6, 2, 1])[0]
        registered = (stay.start if stay else self.today) - self.world.days(60, 6 * 365)
        interviewed = registered + self.world.days(14, 45)
        application = Application(
            project=site.project,
            person=person,
            registered_on=registered,
            motivation=rng.choice(MOTIVATIONS[role]),
            contribution=rng.choice(CONTRIBUTIONS) if role == DRAGEND else "",
            availability=rng.choice(AVAILABILITY),
            nominated_by=nominated,
            urgent=role == VRAGEND and rng.random() < 0.25,
            intake_outcome=intake,
            intake_on=None if intake == IntakeOutcome.PENDING else interviewed,
        )
        if stay is not None:
            application.status = ApplicationStatus.PLACED
            application.intake_outcome = IntakeOutcome.POSITIVE
            application.intake_on = interviewed
        elif rng.random() < 0.1:
            application.status = ApplicationStatus.WITHDRAWN
        else:
            self.candidates.setdefault(id(site), []).append(application)
        self.applications.append(application)
        return application

    # Vacancies and offers

    def empty(self, site: Site) -> None:
        """Most units nobody lives in today have an open vacancy; a third of those an offer."""
        rng, staff = self.rng, site.staff
        last: dict[int, Stay] = {}
        for stay in self.by_site.get(id(site), []):
            last[id(stay.unit)] = stay
        for unit, role in zip(site.units, site.roles, strict=True):
            stay = last.get(id(unit))
            if stay is None or stay.current:
                continue
            self.empty_units += 1
            if rng.random() < 0.15:
                continue  # not opened yet
            association = site.vote and rng.random() < 0.5
            vacancy = Vacancy(
                project=site.project,
                unit=unit,
                available_from=stay.last.end_date + DAY,
                contract_type=stay.contracts[0].contract_type,
                route=VacancyRoute.ASSOCIATION if association else VacancyRoute.STAFF,
                source_contract=stay.last,
                note="Leeg opgeleverd na mutatie.",
                created_by=staff,
            )
            self.vacancies.append(vacancy)
            self.events.append(AllocationEvent(vacancy=vacancy, kind=EventKind.OPENED, actor=staff))
            waiting = [
                a
                for a in self.candidates.get(id(site), [])
                if a.person.role == role and self.eligible(a.person, vacancy.contract_type)
            ]
            if waiting and not association and rng.random() < 0.35:
                self.offer(vacancy, waiting[0], staff)
                self.candidates[id(site)].remove(waiting[0])

    def eligible(self, person, ctype) -> bool:
        """The contract type allows the candidate's target group and age (today)."""
        allowed = self.world.ref.allowed[ctype.code]
        if allowed and person.target_group.code not in allowed:
            return False
        age = age_on(person.date_of_birth, self.today)
        return (ctype.min_age or 0) <= age <= (ctype.max_age or 200)

    def offer(self, vacancy: Vacancy, application: Application, staff) -> None:
        rank = self.rng.choice([1, 1, 1, 2, 3])
        offer = Offer(
            vacancy=vacancy,
            application=application,
            rank=rank,
            score=Decimal(self.rng.randint(550, 950)) / 10,
            explanation=EXPLANATION,
            reply_by=self.today + self.world.days(1, 14),
            created_by=staff,
        )
        vacancy.status = VacancyStatus.OFFERED
        self.offers.append(offer)
        self.events.append(
            AllocationEvent(
                vacancy=vacancy,
                kind=EventKind.OFFERED,
                actor=staff,
                application=application,
                offer=offer,
                rank=rank,
                score=offer.score,
            )
        )

    # Association votes

    def votes(self, site: Site) -> None:
        """Up to two closed rounds in the last year, on units let since then: the association
        chose the tenant, staff confirmed it as the offer."""
        users = self.voters(site)
        recent = [
            s
            for s in self.by_site.get(id(site), [])
            if s.current and self.today - 365 * DAY <= s.start <= self.today - 40 * DAY
        ]
        for stay in recent[:2]:
            others = [
                a
                for a in self.candidates.get(id(site), [])
                if a.person.role == stay.role and a.registered_on < stay.start - 40 * DAY
            ][:3]
            electors = [(user, since) for user, since in users if since < stay.start - 30 * DAY]
            if others and len(electors) >= 2:
                self.round(site, stay, others, [user for user, _since in electors])

    def voters(self, site: Site) -> list[tuple[object, dt.date]]:
        """Logins for some current members: (user, living there since)."""
        made = []
        for stay in self.by_site.get(id(site), []):
            person = stay.resident.person
            if len(made) == VOTERS:
                break
            if not stay.current or person.user is not None:
                continue
            email = f"bewoner{len(self.world.users) + 1}@schaal-bewoners.example"
            user = get_user_model()(
                username=email,
                email=email,
                first_name=person.first_name,
                last_name=person.last_name,
                password=self.world.password,
            )
            self.world.users.append(user)
            self.world.addresses.append(
                EmailAddress(user=user, email=email, verified=True, primary=True)
            )
            person.user = user
            made.append((user, stay.start))
        return made

    def round(self, site: Site, stay: Stay, others: list[Application], electors: list) -> None:
        rng, staff = self.rng, site.staff
        last_day = stay.start - 21 * DAY
        winner_app = self.candidate(site, stay)
        vacancy = Vacancy(
            project=site.project,
            unit=stay.unit,
            available_from=stay.start,
            contract_type=stay.contracts[0].contract_type,
            route=VacancyRoute.ASSOCIATION,
            status=VacancyStatus.FILLED,
            created_by=staff,
            closed_at=at(last_day + 5 * DAY),
        )
        applications = [winner_app, *others]
        for application in applications:
            application.person.share_profile_consent = True
        ranks = list(range(1, len(applications) + 1))
        rng.shuffle(ranks)
        offer = Offer(
            vacancy=vacancy,
            application=winner_app,
            rank=ranks[0],
            score=Decimal(900 - 50 * ranks[0]) / 10,
            explanation=EXPLANATION,
            reason="De woonvereniging koos deze kandidaat; bevestigd.",
            reply_by=last_day + 14 * DAY,
            status=OfferStatus.ACCEPTED,
            created_by=staff,
            responded_at=at(last_day + 5 * DAY),
            contract=stay.contracts[0],
        )
        round_ = VoteRound(
            vacancy=vacancy,
            project=site.project,
            status=RoundStatus.CLOSED,
            opened_by=staff,
            opened_at=at(last_day - 6 * DAY),
            closes_at=closes_at(last_day),
            closed_at=closes_at(last_day),
            electorate_kind=ElectorateKind.MEMBERS,
            quorum_percent=50,
            abstain_counts=True,
            outcome=Outcome.WINNER,
            decision=Decision.CONFIRMED,
            decided_by=staff,
            decided_at=at(last_day + 2 * DAY),
            offer=offer,
        )
        self.vacancies.append(vacancy)
        self.offers.append(offer)
        self.rounds.append(round_)
        positions = list(range(1, len(applications) + 1))
        rng.shuffle(positions)
        shortlist = [
            RoundCandidate(
                round=round_,
                application=a,
                position=position,
                rank_at_open=rank,
                score_at_open=Decimal(900 - 50 * rank) / 10,
                first_name=a.person.first_name,
                motivation=a.motivation,
                contribution=a.contribution,
                availability=a.availability,
            )
            for a, position, rank in zip(applications, positions, ranks, strict=True)
        ]
        self.shortlists += shortlist
        self.ballot(round_, shortlist, electors)
        for kind in (EventKind.VOTE_OPENED, EventKind.VOTE_CLOSED, EventKind.VOTE_DECIDED):
            self.events.append(AllocationEvent(vacancy=vacancy, kind=kind, actor=staff))
        for kind in (EventKind.OFFERED, EventKind.ACCEPTED):
            self.events.append(
                AllocationEvent(
                    vacancy=vacancy,
                    kind=kind,
                    actor=staff,
                    application=winner_app,
                    offer=offer,
                    rank=offer.rank,
                    score=offer.score,
                )
            )

    def ballot(self, round_: VoteRound, shortlist: list[RoundCandidate], users: list) -> None:
        """Electors, who voted (a receipt only), and the tally: the winner has a majority and
        the quorum (half the electorate) is met."""
        rng = self.rng
        electors = [Elector(round=round_, user=u, via=ElectorVia.MEMBER) for u in users]
        voted = max((len(electors) + 1) // 2, round(len(electors) * rng.uniform(0.55, 0.9)))
        abstentions = rng.randint(0, (voted - 1) // 4)
        cast = voted - abstentions
        counts = {id(c): 0 for c in shortlist}
        counts[id(shortlist[0])] = cast // 2 + 1
        for _ in range(cast - counts[id(shortlist[0])]):
            counts[id(rng.choice(shortlist[1:]))] += 1
        self.electors += electors
        self.participations += [
            Participation(elector=e, receipt=f"{rng.getrandbits(256):064x}")
            for e in electors[:voted]
        ]
        self.tallies.append((round_, [(c, counts[id(c)]) for c in shortlist], abstentions))

    def boxes(self) -> list[BallotBox]:
        """The rounds' tallies and winners, once the shortlists have their ids."""
        boxes = []
        for round_, rows, abstentions in self.tallies:
            round_.winner = rows[0][0]
            counts = {str(c.pk): n for c, n in rows if n}
            boxes.append(BallotBox(round=round_, counts=counts, abstentions=abstentions))
        return boxes
