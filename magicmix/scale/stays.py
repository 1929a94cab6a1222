"""The scale data set's tenancies: per unit a chain of stays over the last five years, and the
people who lived them (see magicmix.scale).

A stay is one tenant's time on one unit: one contract, or an omklap contract and the regular
contract it flipped into. Stays on a unit follow each other with a few days to months of
vacancy between them, so no two contracts on a unit are in force on the same day. About half of
the new tenancies go to someone who just left another unit of the same corporation (doorstroom;
moved within the project or from another one), so there are fewer people than contracts.
"""

import bisect
import datetime as dt
from dataclasses import dataclass, field

from django.utils.text import slugify

from residents.dates import add_months, age_on, term_last_day
from residents.demo import AGES, DEFAULT_POOLS, GROUP_POOLS, HOUSEHOLD, NAME_POOLS, NOTES
from residents.models import (
    Contract,
    ContractStatus,
    EndReason,
    Outflow,
    Person,
)

from .sites import DRAGEND, VRAGEND, Site, World

ACTIVE, ENDED = ContractStatus.ACTIVE, ContractStatus.ENDED
# How long people stay. Fixed terms: the share that leaves early, within 6 to 24 months.
EARLY_LEAVE = {"tijdelijk": 0.4, "jongeren": 0.85}
CAMPUS_MONTHS = (6, 20)  # students: uniform
OPEN_MONTHS = 6  # open-ended: at least this, plus an exponential part with this mean:
OPEN_MEAN = {"oudere": 36, "": 14}
GAP_DAYS = (((5, 30), 72), ((31, 90), 24), ((91, 150), 4))  # vacancy between two stays
MOVE_SHARE = 0.8  # new tenancies that try to take someone who just left another unit
MOVE_DAYS = 90  # ... who left at most this many days before
SAME_PROJECT = 0.3  # ... preferring someone from the same project this often
LAPSE_SHARE = 0.06  # recent full terms whose notice was missed
# Where tenants go: (outflow, weight) per contract type code, or per end reason
OUTFLOWS = {
    "tijdelijk": ((Outflow.SOCIAL_RENT, 45), (Outflow.PRIVATE_RENT, 20), (Outflow.OTHER, 10),
                  (Outflow.INSTITUTION, 5), (Outflow.UNKNOWN, 20)),
    "jongeren": ((Outflow.SOCIAL_RENT, 35), (Outflow.PRIVATE_RENT, 35), (Outflow.OTHER, 15),
                 (Outflow.UNKNOWN, 15)),
    "campus": ((Outflow.PRIVATE_RENT, 50), (Outflow.SOCIAL_RENT, 20), (Outflow.OTHER, 15),
               (Outflow.UNKNOWN, 15)),
    "regulier": ((Outflow.SOCIAL_RENT, 30), (Outflow.PRIVATE_RENT, 30), (Outflow.OTHER, 15),
                 (Outflow.INSTITUTION, 5), (Outflow.UNKNOWN, 20)),
    EndReason.GUIDANCE_ENDED: ((Outflow.INSTITUTION, 70), (Outflow.UNKNOWN, 30)),
    EndReason.EVICTION: ((Outflow.UNKNOWN, 60), (Outflow.INSTITUTION, 20), (Outflow.OTHER, 20)),
    EndReason.DECEASED: ((Outflow.OTHER, 1),),
}  # fmt: skip
OMKLAP_OUTCOMES = (
    ("flip", 60),
    (EndReason.GUIDANCE_ENDED, 15),
    (EndReason.TENANT_NOTICE, 13),
    (EndReason.EVICTION, 10),
    (EndReason.DECEASED, 2),
)
CARE_CONTACTS = ["Ingrid de Vos", "Mehmet Kaya", "Lotte Brink", "Ruben Postma", "Joost van Dijk"]


@dataclass(eq=False)
class Resident:
    """A planned person, with what matching a move needs."""

    person: Person
    group: str
    birth: dt.date
    codes: set[str] = field(default_factory=set)  # contract types held so far


@dataclass(eq=False)
class Stay:
    site: Site
    unit: object
    role: str
    group: str
    contracts: list[Contract]
    seq: int = 0
    lapse: str = ""  # "open": notice missed, undecided; "converted": made open-ended
    lapse_end: dt.date | None = None  # the end date before a conversion
    resident: Resident | None = None

    @property
    def start(self) -> dt.date:
        return self.contracts[0].start_date

    @property
    def last(self) -> Contract:
        return self.contracts[-1]

    @property
    def current(self) -> bool:
        return self.last.status == ACTIVE


def months_later(start: dt.date, months: float) -> dt.date:
    return start + dt.timedelta(days=round(months * 30.44))


class ChainPlanner:
    """Plans the stays on every unit of every site."""

    def __init__(self, world: World) -> None:
        self.world, self.rng, self.today = world, world.rng, world.today
        self.types = world.ref.types

    def plan(self, progress) -> list[Stay]:
        stays: list[Stay] = []
        for n, site in enumerate(self.world.sites, 1):
            for unit, role in zip(site.units, site.roles, strict=True):
                stays += self.unit_chain(site, unit, role)
            if n % 100 == 0 or n == len(self.world.sites):
                progress(f"planned projects {n:,}/{len(self.world.sites):,}")
        for seq, stay in enumerate(stays):
            stay.seq = seq
        return stays

    def unit_chain(self, site: Site, unit, role: str) -> list[Stay]:
        """Stays from the project's opening to today; those over before the horizon are left
        out (the unit's history starts five years back)."""
        rng, world = self.rng, self.world
        day, stays = site.opened + world.days(0, 60), []
        while day <= self.today:
            groups, codes, weights = zip(*site.profile.mix[role], strict=True)
            index = rng.choices(range(len(groups)), weights=weights)[0]
            stay = self.stay(site, unit, role, groups[index], codes[index], day)
            if stay.current or stay.last.end_date >= world.horizon:
                stays.append(stay)
            if stay.current:
                break
            gaps, weights = zip(*GAP_DAYS, strict=True)
            low, high = rng.choices(gaps, weights=weights)[0]
            day = stay.last.end_date + world.days(low, high)
        return stays

    def stay(self, site: Site, unit, role: str, group: str, code: str, start: dt.date) -> Stay:
        stay = Stay(site, unit, role, group, [])
        ctype = self.types[code]
        if ctype.is_omklap:
            stay.contracts = self.omklap(site, unit, start)
        elif ctype.fixed_term:
            stay.contracts = [self.fixed(stay, code, start)]
        else:
            if code == "campus":
                months = self.rng.uniform(*CAMPUS_MONTHS)
            else:
                months = self.open_months(group)
            stay.contracts = [
                self.open_ended(unit, code, start, months_later(start, months), group)
            ]
        return stay

    def open_months(self, group: str) -> float:
        return OPEN_MONTHS + self.rng.expovariate(1 / OPEN_MEAN.get(group, OPEN_MEAN[""]))

    def contract(self, unit, code: str, start, end, **fields) -> Contract:
        fields.setdefault("status", ACTIVE)
        return Contract(
            unit=unit, contract_type=self.types[code], start_date=start, end_date=end, **fields
        )

    def ended(self, code: str, reason: str, outflow_key: str | None = None) -> dict:
        rows = OUTFLOWS[outflow_key or code]
        outflow = self.rng.choices([o for o, _ in rows], weights=[w for _, w in rows])[0]
        return {"status": ENDED, "end_reason": reason, "outflow": outflow}

    def open_ended(self, unit, code: str, start: dt.date, leaves: dt.date, group="") -> Contract:
        """An open-ended contract whose tenant leaves on `leaves` (still there if that is after
        today)."""
        if leaves >= self.today:
            return self.contract(unit, code, start, None)
        roll = self.rng.random()
        if group == "oudere" and roll < 0.25:
            ended = self.ended(code, EndReason.DECEASED, EndReason.DECEASED)
        elif roll < 0.03:
            ended = self.ended(code, EndReason.EVICTION, EndReason.EVICTION)
        elif roll > 0.94:
            ended = self.ended(code, EndReason.OTHER)
        else:
            ended = self.ended(code, EndReason.TENANT_NOTICE)
        return self.contract(unit, code, start, leaves, **ended)

    def fixed(self, stay: Stay, code: str, start: dt.date) -> Contract:
        """A fixed-term contract: the full term, or left early by the tenant."""
        rng, today, unit = self.rng, self.today, stay.unit
        months = self.types[code].max_months
        term_end = term_last_day(start, months)
        if rng.random() < EARLY_LEAVE[code]:
            left = months_later(start, rng.uniform(6, min(24, months - 1)))
            if left < today:
                ended = self.ended(code, EndReason.TENANT_NOTICE)
                return self.contract(unit, code, start, left, **ended)
        elif term_end < today:
            if term_end >= today - dt.timedelta(days=180) and rng.random() < LAPSE_SHARE:
                return self.lapsed(stay, code, start, term_end)
            return self.contract(
                unit, code, start, term_end, **self.ended(code, EndReason.TERM_ENDED)
            )
        return self.contract(unit, code, start, term_end)

    def lapsed(self, stay: Stay, code: str, start: dt.date, term_end: dt.date) -> Contract:
        """Notice was missed: the tenancy continues; half of them staff converted already."""
        if self.rng.random() < 0.5:
            stay.lapse = "open"
            return self.contract(stay.unit, code, start, term_end)
        stay.lapse, stay.lapse_end = "converted", term_end
        return self.contract(stay.unit, "regulier", start, None)

    def omklap(self, site: Site, unit, start: dt.date) -> list[Contract]:
        """An omklap trajectory: guidance, then a flip to a regular contract, or an end."""
        rng, today = self.rng, self.today
        ctype = self.types["omklap"]
        fields = {
            "holder_organisation": rng.choice(site.care),
            "guidance_months": ctype.guidance_months or 36,
        }
        outcomes, weights = zip(*OMKLAP_OUTCOMES, strict=True)
        outcome = rng.choices(outcomes, weights=weights)[0]
        guidance_end = term_last_day(start, fields["guidance_months"])
        if outcome != "flip":
            end = months_later(start, rng.uniform(4, fields["guidance_months"] - 1))
            if end >= today:
                return [self.contract(unit, "omklap", start, None, **fields)]
            key = "tijdelijk" if outcome == EndReason.TENANT_NOTICE else outcome
            ended = self.ended("omklap", outcome, key)
            return [self.contract(unit, "omklap", start, end, **fields, **ended)]
        flip, roll = guidance_end, rng.random()
        if roll < 0.2:  # the evaluation extended the guidance first
            flip = term_last_day(start, fields["guidance_months"] + rng.choice([6, 12]))
            if guidance_end < today:
                fields["guidance_extended_until"] = flip
        elif roll < 0.35:  # the evaluation came late
            flip += self.world.days(1, 75)
        if flip >= today:
            return [self.contract(unit, "omklap", start, None, **fields)]
        omklap = self.contract(
            unit, "omklap", start, flip, status=ENDED, end_reason=EndReason.FLIPPED, **fields
        )
        leaves = months_later(flip, self.open_months("regulier"))
        regular = self.open_ended(unit, "regulier", flip + dt.timedelta(days=1), leaves)
        regular.flipped_from = omklap
        return [omklap, regular]


class People:
    """Makes the planned persons: names from small lists, an age fitting the target group and
    the contract, never a diagnosis or a citizen service number."""

    def __init__(self, world: World) -> None:
        self.world, self.rng = world, world.rng
        self.made: list[Resident] = []
        self.slugs: dict[str, str] = {}

    def slug(self, name: str) -> str:
        if name not in self.slugs:
            self.slugs[name] = slugify(name).replace("-", "")
        return self.slugs[name]

    def new(self, site: Site, role: str, group: str, start: dt.date, unit=None, ctype=None):
        rng = self.rng
        low, high = (18, 26) if site.profile.young else AGES[group]
        if ctype is not None and ctype.max_age is not None:  # an age band: stay a year inside
            low, high = max(low, ctype.min_age or 0), min(high, ctype.max_age - 1)
        birth = add_months(start, -12 * rng.randint(low, high)) - self.world.days(1, 360)
        first_names, last_names, languages = NAME_POOLS[
            rng.choice(GROUP_POOLS.get(group, DEFAULT_POOLS))
        ]
        first, last = rng.choice(first_names), rng.choice(last_names)
        household = rng.randint(*HOUSEHOLD.get(group, (1, 1)))
        n = len(self.made) + 1
        person = Person(
            corporation=site.project.corporation,
            reference=f"SCH{n:07d}",
            first_name=first,
            last_name=last,
            date_of_birth=birth,
            email=f"{self.slug(first)}.{self.slug(last)}{n}@mail.example"
            if rng.random() < 0.8
            else "",
            phone=f"06-{rng.randint(10000000, 99999999)}" if rng.random() < 0.7 else "",
            preferred_language=rng.choice(languages),
            target_group=self.world.ref.groups[group],
            role=role,
            household_size=min(household, unit.max_household) if unit else household,
            needs_accessible=bool(unit and unit.wheelchair_accessible and rng.random() < 0.3),
            share_profile_consent=rng.random() < 0.4,
        )
        if role == DRAGEND:
            person.contribution_hours = rng.choice([8, 12, 20]) if rng.random() < 0.1 else None
            person.notes = rng.choice(NOTES) if rng.random() < 0.1 else ""
        resident = Resident(person, group, birth)
        self.made.append(resident)
        return resident

    def guided(self, resident: Resident, stay: Stay) -> None:
        """Vragend residents leaving a shelter or care are guided by a care organisation: the
        one holding their omklap contract, else mostly the project's care partner."""
        person, rng = resident.person, self.rng
        holder = stay.contracts[0].holder_organisation
        if person.role != VRAGEND or person.care_organisation is not None:
            return
        if holder is None and (stay.group not in ("ex-dakloos", "ggz-bw") or rng.random() < 0.3):
            return
        care = holder or rng.choice(stay.site.care)
        contact = rng.choice(CARE_CONTACTS)
        person.care_organisation = care
        person.care_contact_name = contact
        person.care_contact_email = f"{self.slug(contact)}@{care.email.split('@')[1]}"


class Moves:
    """Gives every stay its resident: someone who just left another unit of the corporation
    (a move), or a new person."""

    def __init__(self, world: World, people: People) -> None:
        self.rng, self.people, self.allowed = world.rng, people, world.ref.allowed
        self.moves = 0

    def assign(self, stays: list[Stay]) -> None:
        by_corporation: dict[int, list[Stay]] = {}
        for stay in stays:
            by_corporation.setdefault(id(stay.site.project.corporation), []).append(stay)
        for group in by_corporation.values():
            self.assign_corporation(group)

    def assign_corporation(self, stays: list[Stay]) -> None:
        leavers: dict[str, list[Stay]] = {}
        for stay in sorted(stays, key=lambda s: (s.last.end_date or dt.date.max, s.seq)):
            if not stay.current and stay.last.end_reason in (
                EndReason.TERM_ENDED,
                EndReason.TENANT_NOTICE,
            ):
                leavers.setdefault(stay.role, []).append(stay)
        ends = {key: [s.last.end_date for s in group] for key, group in leavers.items()}
        used: set[int] = set()
        for stay in sorted(stays, key=lambda s: (s.start, s.seq)):
            resident = None
            if not stay.contracts[0].holder_organisation and self.rng.random() < MOVE_SHARE:
                key = stay.role
                resident = self.mover(stay, leavers.get(key, []), ends.get(key, []), used)
            if resident is None:
                ctype = stay.contracts[0].contract_type
                resident = self.people.new(
                    stay.site, stay.role, stay.group, stay.start, stay.unit, ctype
                )
            self.settle(resident, stay)

    def mover(self, stay: Stay, leavers: list[Stay], ends: list, used: set[int]):
        """A resident who left a unit in the MOVE_DAYS before `stay` starts and fits it: the
        one who left first, or (SAME_PROJECT of the time) the first from the same project."""
        low = bisect.bisect_left(ends, stay.start - dt.timedelta(days=MOVE_DAYS))
        high = bisect.bisect_left(ends, stay.start)
        fitting = [
            leaver
            for leaver in leavers[low:high]
            if leaver.seq not in used and self.fits(leaver.resident, stay)
        ]
        if not fitting:
            return None
        here = [s for s in fitting if s.site is stay.site]
        leaver = here[0] if here and self.rng.random() < SAME_PROJECT else fitting[0]
        used.add(leaver.seq)
        last = leaver.last
        if leaver.site is stay.site:
            last.end_reason, last.outflow = EndReason.MOVED_WITHIN, ""
        else:  # to another of the corporation's projects: social rent
            last.outflow = Outflow.SOCIAL_RENT
        self.moves += 1
        return leaver.resident

    def fits(self, resident: Resident, stay: Stay) -> bool:
        ctype = stay.contracts[0].contract_type
        if resident.person.household_size > stay.unit.max_household:
            return False
        if self.allowed[ctype.code] and resident.group not in self.allowed[ctype.code]:
            return False
        if ctype.once_per_person and ctype.code in resident.codes:
            return False
        age = age_on(resident.birth, stay.start)
        if stay.site.profile.young and age > 26:
            return False
        too_young = ctype.min_age is not None and age < ctype.min_age
        return not too_young and (ctype.max_age is None or age < ctype.max_age)

    def settle(self, resident: Resident, stay: Stay) -> None:
        stay.resident, stay.group = resident, resident.group
        for contract in stay.contracts:
            contract.person = resident.person
            resident.codes.add(contract.contract_type.code)
        self.people.guided(resident, stay)
