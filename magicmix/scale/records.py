"""The scale data set's contract lifecycle: notices, decisions on missed windows, omklap
check-ins and guidance extensions, warnings, and association memberships (see magicmix.scale).

Notes and reasons describe behaviour and living only, never a diagnosis (domain.md, section 6).
"""

import datetime as dt

from residents.dates import add_months, term_last_day
from residents.demo import (
    ARREARS_WARNINGS,
    CHECKIN_NOTES_GOOD,
    CHECKIN_NOTES_MIXED,
    EXTENSION_REASON,
    LAPSE_EXCEPTION_REASON,
    WARNING_REASONS,
)
from residents.models import (
    CHECKIN_DOMAINS,
    AssociationMembership,
    CheckIn,
    Contract,
    ContractStatus,
    EndReason,
    GuidanceExtension,
    LapseDecision,
    LapseOutcome,
    Notice,
    NoticeMeans,
    ResidentWarning,
)

from .sites import World
from .stays import Stay

CONVERT_REASON = (
    "Aanzegging niet op tijd verstuurd; de huur loopt van rechtswege voor onbepaalde tijd door. "
    "Omgezet naar een regulier contract."
)
DAY = dt.timedelta(days=1)


class Records:
    def __init__(self, world: World, stays: list[Stay]) -> None:
        self.world, self.rng, self.today, self.stays = world, world.rng, world.today, stays
        self.notices: list[Notice] = []
        self.decisions: list[LapseDecision] = []
        self.checkins: list[CheckIn] = []
        self.extensions: list[GuidanceExtension] = []
        self.warnings: list[ResidentWarning] = []
        self.memberships: list[AssociationMembership] = []

    def build(self) -> None:
        for stay in self.stays:
            staff = stay.site.staff
            for contract in stay.contracts:
                self.notice(stay, contract, staff)
                if contract.contract_type.is_omklap:
                    self.trajectory(stay, contract, staff)
            if stay.lapse == "converted":
                self.decide(stay.last, LapseOutcome.CONVERTED, CONVERT_REASON, staff)
                self.decisions[-1].previous_end_date = stay.lapse_end
            self.warn(stay, staff)
        self.associations()

    def date_between(self, low: dt.date, high: dt.date) -> dt.date:
        if high <= low:
            return low
        return dt.date.fromordinal(self.rng.randint(low.toordinal(), high.toordinal()))

    # Notices and missed windows

    def notice(self, stay: Stay, contract: Contract, staff) -> None:
        """Full terms that ended had their notice; of the contracts in their window now about
        half, of those whose window closed most; a few missed it (continuing open-ended, or
        decided on)."""
        window = contract.contract_type.notice_window(contract.end_date)
        if window is None or stay.lapse:
            return
        rng, today = self.rng, self.today
        if contract.status == ContractStatus.ENDED:
            full = contract.end_date == term_last_day(
                contract.start_date, contract.contract_type.max_months
            )
            given = self.date_between(window.opens, window.closes) if full else None
        elif window.opens <= today <= window.closes:
            given = self.date_between(window.opens, today) if rng.random() < 0.5 else None
        elif window.closes < today:
            roll = rng.random()
            given = self.date_between(window.opens, window.closes) if roll < 0.85 else None
            if roll >= 0.95:
                self.decide(contract, LapseOutcome.EXCEPTION, LAPSE_EXCEPTION_REASON, staff)
        else:
            given = None
        if given is not None:
            means = rng.choices(list(NoticeMeans), weights=[70, 25, 5])[0]
            self.notices.append(
                Notice(contract=contract, given_on=given, means=means, given_by=staff)
            )

    def decide(self, contract: Contract, outcome: str, reason: str, staff) -> None:
        self.decisions.append(
            LapseDecision(
                contract=contract,
                outcome=outcome,
                reason=reason,
                previous_end_date=contract.end_date,
                decided_by=staff,
            )
        )

    # Omklap trajectories

    def trajectory(self, stay: Stay, contract: Contract, staff) -> None:
        """Check-ins at the project's cadence (a week or so either way); the care worker of the
        holding organisation for most current ones; the extension, if the guidance was
        extended."""
        rng = self.rng
        worker = self.world.care_user.get(id(contract.holder_organisation))
        if contract.status == ContractStatus.ACTIVE and rng.random() < 0.6:
            contract.care_worker = worker
        if contract.guidance_extended_until:
            self.extensions.append(
                GuidanceExtension(
                    contract=contract,
                    previous_end=term_last_day(contract.start_date, contract.guidance_months),
                    new_end=contract.guidance_extended_until,
                    reason=EXTENSION_REASON,
                    decided_by=staff,
                )
            )
        every = stay.site.project.checkin_every_months
        last_day = min(contract.end_date or self.today, self.today)
        held = [add_months(contract.start_date, every)]
        while (following := add_months(held[-1], every)) <= last_day:
            held.append(following)
        if contract.status == ContractStatus.ACTIVE and rng.random() < 0.1:
            held.pop()  # the last one is overdue
        base = rng.choice([3, 4, 4, 5])
        for index, day in enumerate(held):
            day = min(day + rng.randint(-8, 8) * DAY, last_day)
            if day <= contract.start_date:
                continue
            self.checkins.append(self.checkin(contract, day, base - (index < 2), worker, staff))

    def checkin(self, contract: Contract, day: dt.date, base: int, worker, staff) -> CheckIn:
        rng = self.rng
        scores = {d: min(5, max(1, base + rng.choice([-1, 0, 0, 0, 1]))) for d in CHECKIN_DOMAINS}
        if rng.random() < 0.2:
            note = ""
        elif min(scores.values()) <= 3:
            note = rng.choice(CHECKIN_NOTES_MIXED)
        else:
            note = rng.choice(CHECKIN_NOTES_GOOD)
        by = worker if worker is not None and rng.random() < 0.75 else staff
        return CheckIn(contract=contract, held_on=day, held_by=by, note=note, **scores)

    # Warnings

    def warn(self, stay: Stay, staff) -> None:
        """Two warnings before an eviction; one for a few percent of the others, two for a
        few."""
        rng = self.rng
        end = stay.last.end_date if not stay.current else self.today
        first = stay.start + 30 * DAY
        if stay.last.end_reason == EndReason.EVICTION:
            days = [(200, 100), (90, 20)]
        elif rng.random() < 0.045:
            days = [(400, 120), (100, 7)] if rng.random() < 0.15 else [(400, 7)]
        else:
            return
        for index, (early, late) in enumerate(days):
            given = self.date_between(max(first, end - early * DAY), max(first, end - late * DAY))
            if given > self.today or (stay.current and given > end):
                continue
            if index == 1:
                reason = ARREARS_WARNINGS[1]
            else:
                reason = rng.choice([*WARNING_REASONS, ARREARS_WARNINGS[0]])
            contract = stay.last if stay.last.start_date <= given else stay.contracts[0]
            self.warnings.append(
                ResidentWarning(
                    person=stay.resident.person,
                    contract=contract,
                    given_on=given,
                    reason=reason,
                    given_by=staff,
                )
            )

    # Residents' associations

    def associations(self) -> None:
        """Residents of a project with an association are members while they live there."""
        spans: dict[tuple[int, int], list] = {}
        for stay in self.stays:
            project = stay.site.project
            if not project.has_association:
                continue
            person = stay.resident.person
            end = None if stay.current else stay.last.end_date
            key = (id(person), id(project))
            if key not in spans:
                spans[key] = [person, project, stay.start, end]
                continue
            span = spans[key]
            span[2] = min(span[2], stay.start)
            span[3] = None if span[3] is None or end is None else max(span[3], end)
        self.memberships = [
            AssociationMembership(person=p, project=pr, joined_on=joined, left_on=left)
            for p, pr, joined, left in spans.values()
        ]
