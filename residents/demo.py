"""Fictional demo data: four Magic Mix projects modelled on real ones (see domain.md, section 1).

Every name, address and person here is made up. Dates are relative to today, so the demo always
has contracts in their notice window, omklap trajectories under way and a little history: check-ins,
warnings, a guidance extension, notices given and windows missed, arranged so that today's
reminder scan finds something of every notice and check-in kind. The data is deterministic for a
given day (fixed random seeds) and passes every model's full_clean().

`load_demo()` is the entry point; the management command `load_demo` wraps it in a transaction
and then runs today's reminder scan (`demo_reminders()`).
"""

import datetime as dt
import random
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal

from allauth.account.models import EmailAddress
from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.hashers import make_password
from django.utils import timezone
from django.utils.text import slugify
from simple_history.utils import bulk_create_with_history

from magicmix import reminders
from magicmix.models import RunTrigger
from projects.models import (
    Cluster,
    ClusterKind,
    Concept,
    Membership,
    Organisation,
    OrganisationKind,
    Profile,
    Project,
    Role,
    Unit,
    UnitKind,
)

from .dates import add_months, term_last_day
from .models import (
    CHECKIN_DOMAINS,
    AssociationMembership,
    CheckIn,
    Contract,
    ContractStatus,
    ContractType,
    EndReason,
    GuidanceExtension,
    Language,
    LapseDecision,
    LapseOutcome,
    Notice,
    NoticeMeans,
    Outflow,
    Person,
    ResidentRole,
    ResidentWarning,
    TargetGroup,
    TargetGroupLimit,
)

DEMO_PASSWORD = "magicmix-demo"  # noqa: S105 - the published password of the demo accounts
SEED = 5652  # any fixed number: the same day gives the same demo

DRAGEND, VRAGEND = ResidentRole.DRAGEND, ResidentRole.VRAGEND

# Organisations: name, kind, city, e-mail
STADSWONEN, NOORDERHUIS = "Stadswonen", "Noorderhuis"
# The corporations' letterheads (projects.letters).
CORPORATION_ADDRESSES = {
    STADSWONEN: ("Postbus 2024", "3500 GA"),
    NOORDERHUIS: ("Postbus 95", "1000 AB"),
}
UTRECHT, AMSTERDAM = "Gemeente Utrecht", "Gemeente Amsterdam"
ZORGPUNT, STADSTEAM = "Zorgpunt", "Stadsteam Zorg"
ORGANISATIONS = [
    (STADSWONEN, OrganisationKind.CORPORATION, "Utrecht", "info@stadswonen.example"),
    (NOORDERHUIS, OrganisationKind.CORPORATION, "Amsterdam", "info@noorderhuis.example"),
    (UTRECHT, OrganisationKind.MUNICIPALITY, "Utrecht", "wonen@utrecht.example"),
    (AMSTERDAM, OrganisationKind.MUNICIPALITY, "Amsterdam", "wonen@amsterdam.example"),
    (ZORGPUNT, OrganisationKind.CARE, "Utrecht", "info@zorgpunt.example"),
    (STADSTEAM, OrganisationKind.CARE, "Amsterdam", "info@stadsteamzorg.example"),
]
CARE_CONTACTS = {
    ZORGPUNT: ["Ingrid de Vos", "Mehmet Kaya", "Lotte Brink"],
    STADSTEAM: ["Ruben Postma", "Fatima El Amrani", "Joost van Dijk"],
}

# Accounts: e-mail, organisation, role (None: no organisation role)
ACCOUNTS = [
    ("staff@stadswonen.example", STADSWONEN, Role.STAFF),
    ("readonly@stadswonen.example", STADSWONEN, Role.READONLY),
    ("staff@noorderhuis.example", NOORDERHUIS, Role.STAFF),
    ("policy@utrecht.example", UTRECHT, Role.POLICY),
    ("policy@amsterdam.example", AMSTERDAM, Role.POLICY),
    ("care@zorgpunt.example", ZORGPUNT, Role.CARE),
    ("member@majella.example", None, None),
    ("admin@magicmix.example", None, None),
]
# Fictional names for the staff-side accounts (the member's name is their resident's).
ACCOUNT_NAMES = {
    "staff@stadswonen.example": ("Marieke", "Verhoef"),
    "readonly@stadswonen.example": ("Youssef", "Benali"),
    "staff@noorderhuis.example": ("Esther", "Kuipers"),
    "policy@utrecht.example": ("Hans", "de Ridder"),
    "policy@amsterdam.example": ("Priya", "Ramdin"),
    "care@zorgpunt.example": ("Sanne", "de Wit"),
    "admin@magicmix.example": ("Beheer", "Magic Mix"),
}
MEMBER_EMAIL = "member@majella.example"
ADMIN_EMAIL = "admin@magicmix.example"
CARE_EMAIL = "care@zorgpunt.example"  # the care worker of Zorgpunt's omklap trajectories
# Language chosen in a Profile (the others have none and get Dutch, the site's default).
PROFILE_LANGUAGES = {"staff@noorderhuis.example": "en"}
ACCOUNT_EMAILS = [email for email, _, _ in ACCOUNTS]
STAFF_EMAILS = {org: email for email, org, role in ACCOUNTS if role == Role.STAFF}

# Names (fictional combinations). Each pool: first names, last names, languages.
DUTCH_FIRST = [
    "Sanne", "Daan", "Lotte", "Bram", "Femke", "Jeroen", "Anouk", "Thijs", "Eva", "Ruben", "Iris",
    "Lars", "Noor", "Sem", "Fleur", "Joris", "Maud", "Tim", "Roos", "Wouter", "Lieke", "Niels",
    "Esther", "Koen", "Marloes", "Pieter", "Jasmijn", "Stijn", "Ilse", "Bas", "Merel", "Gijs",
    "Sophie", "Teun", "Hanna", "Luuk", "Vera", "Milan", "Julia", "Sven",
]  # fmt: skip
DUTCH_LAST = [
    "de Vries", "Jansen", "Bakker", "Visser", "Smit", "Meijer", "de Boer", "Mulder", "de Groot",
    "Bos", "Vos", "Peters", "Hendriks", "van Leeuwen", "Dekker", "Brouwer", "de Wit", "Dijkstra",
    "Smits", "de Graaf", "van der Meer", "van den Berg", "Kok", "Jacobs", "Vermeulen",
    "Schouten", "van Dam", "Hoekstra", "Verhoeven", "Koster", "Prins", "Huisman", "Kuipers",
    "Timmermans", "Willems", "van Wijk", "Maas", "Verbeek", "Kramer", "Hofman",
]  # fmt: skip
OLDER_FIRST = [
    "Gerard", "Truus", "Henk", "Ria", "Wim", "Annie", "Kees", "Joke", "Jan", "Marga", "Cor",
    "Els", "Nel", "Gerrit",
]  # fmt: skip
MIXED_FIRST = [
    "Mohamed", "Fatima", "Yassine", "Soufiane", "Kevin", "Shanti", "Rajesh", "Dewi", "Emre",
    "Elif", "Zeynep",
]  # fmt: skip
MIXED_LAST = [
    "El Amrani", "Bouzid", "Ouali", "Ramdin", "Soekhlal", "Tahiri", "Yilmaz", "Öztürk",
    "Aydın", "Wijngaarde", "Kartosen", "Biharie",
]  # fmt: skip
NAME_POOLS = {
    "dutch": (DUTCH_FIRST, DUTCH_LAST, [Language.NL]),
    "older": (OLDER_FIRST, DUTCH_LAST, [Language.NL]),
    "mixed": (MIXED_FIRST, MIXED_LAST, [Language.NL]),
    "arabic": (
        ["Ahmad", "Omar", "Yousef", "Rania", "Lina", "Samir", "Nour", "Hala", "Karim", "Amal"],
        ["Al-Hassan", "Haddad", "Khalil", "Nasser", "Mansour", "Saleh", "Darwish", "Hamdan"],
        [Language.AR],
    ),
    "tigrinya": (
        ["Yonas", "Senait", "Tesfay", "Helen", "Filmon", "Selam", "Dawit", "Mebrat", "Robel"],
        ["Tesfamariam", "Ghebremedhin", "Haile", "Berhane", "Kidane", "Woldu", "Tekle"],
        [Language.TI],
    ),
    "persian": (
        ["Farid", "Zahra", "Hamid", "Maryam", "Reza", "Shirin", "Navid", "Parisa"],
        ["Ahmadi", "Rahimi", "Karimi", "Hosseini", "Sadeghi", "Mohammadi", "Azizi", "Rezaei"],
        [Language.FA],
    ),
    "polish": (
        ["Piotr", "Agnieszka", "Tomasz", "Katarzyna", "Marek", "Magda", "Paweł", "Ania"],
        ["Nowak", "Mazur", "Krawczyk", "Wójcik", "Kaczmarek", "Zając", "Król"],
        [Language.PL],
    ),
    "international": (
        ["Priya", "Arjun", "Chen", "Mei", "Lucas", "Sofia", "Mateo", "Ana", "Daniel", "Olena"],
        ["Sharma", "Patel", "Wang", "Li", "Rossi", "García", "Silva", "Okafor", "Kovalenko"],
        [Language.EN, Language.EN, Language.UK],
    ),
}
GROUP_POOLS = {
    "statushouder": ["arabic", "tigrinya", "persian"],
    "arbeidsmigrant": ["polish"],
    "kenniswerker": ["international", "international", "dutch"],
    "oudere": ["older"],
}
DEFAULT_POOLS = ["dutch", "dutch", "dutch", "mixed"]

# Age at the start of the contract, by target group.
AGES = {
    "statushouder": (18, 38),
    "student": (18, 25),
    "starter": (19, 27),
    "ex-dakloos": (22, 55),
    "ggz-bw": (20, 45),
    "gescheiden-ouder": (28, 50),
    "oudere": (60, 78),
    "arbeidsmigrant": (22, 45),
    "kenniswerker": (24, 40),
    "regulier": (25, 60),
}
HOUSEHOLD = {"gescheiden-ouder": (2, 3), "regulier": (1, 2), "oudere": (1, 2)}
NOTES = [
    "Gangmaker van de gang.",
    "Liever contact per e-mail.",
    "Wil graag meedoen met de tuingroep.",
    "Helpt bij de maandelijkse buurtmaaltijd.",
]
# After signing: notes of omklap check-ins, warnings, decisions. Behaviour and living only, never a
# diagnosis or care history (domain.md, section 6).
CHECKIN_NOTES_GOOD = [
    "Huur op tijd, kamer netjes, gaat naar de bewonersavond.",
    "Gaat goed; helpt mee met de tuingroep.",
    "Afspraken nagekomen, post en administratie op orde.",
    "Kookt af en toe mee op de gang; contact met de buren is prettig.",
    "Heeft vrijwilligerswerk gevonden en een vast weekritme.",
    "Huur via automatische incasso; geen bijzonderheden.",
]
CHECKIN_NOTES_MIXED = [
    "Huur een keer te laat betaald; afspraak gemaakt over automatische incasso.",
    "Kamer rommelig; samen een schoonmaakschema gemaakt.",
    "Weinig contact met de gang; uitgenodigd voor de bewonersavond.",
    "Klacht van een buurman over geluid besproken; afspraken gemaakt.",
    "Twee afspraken gemist; nieuwe afspraak ingepland.",
]
CHECKIN_NOTES = CHECKIN_NOTES_GOOD + CHECKIN_NOTES_MIXED
WARNING_REASONS = [
    "Geluidsoverlast na 23.00 uur; meerdere klachten van buren op de gang.",
    "Spullen en fietsen in de gemeenschappelijke gang laten staan, na eerdere afspraak.",
    "Afval herhaaldelijk naast de container gezet.",
    "Bezoek gaf 's nachts overlast in het trappenhuis.",
]
ARREARS_WARNINGS = [
    "Huurachterstand van twee maanden; betalingsregeling afgesproken.",
    "Opnieuw huurachterstand, ondanks de betalingsregeling: tweede waarschuwing.",
]
EXTENSION_REASON = (
    "Wonen gaat goed, maar de huurbetaling is nog niet stabiel. Begeleiding een jaar verlengd, "
    "in overleg met de zorgorganisatie en de bewoner."
)
LAPSE_EXCEPTION_REASON = (
    "De huurder heeft zelf schriftelijk opgezegd per de einddatum; een aanzegging is daarom "
    "niet meer nodig."
)
# When an active omklap contract's next check-in falls, in days from today (see _checkins);
# "overdue" counts from the end of the grace days (REMINDER_CHECKIN_GRACE_DAYS, 14).
CHECKIN_NEXT_DUE = {
    "fine": (3, 85),
    "due": (-6, 0),  # due within the last week: today's reminder run reports it
    "overdue": (-7, -2),  # past the grace days by a few: an overdue reminder this week
    "long_overdue": (-30, -15),  # the overdue reminder was weeks ago
}

OUTFLOWS = {
    "tijdelijk": [Outflow.SOCIAL_RENT, Outflow.SOCIAL_RENT, Outflow.PRIVATE_RENT, Outflow.UNKNOWN],
    "jongeren": [Outflow.SOCIAL_RENT, Outflow.PRIVATE_RENT, Outflow.PRIVATE_RENT, Outflow.OTHER],
    "campus": [Outflow.PRIVATE_RENT, Outflow.SOCIAL_RENT, Outflow.OTHER],
    "regulier": [Outflow.SOCIAL_RENT, Outflow.PRIVATE_RENT, Outflow.OTHER, Outflow.UNKNOWN],
}


# The projects


@dataclass(frozen=True)
class UnitLayout:
    kind: str
    area: tuple[int, int]  # square metres
    rent: tuple[int, int]  # euros a month
    max_household: int = 1
    wheelchair: bool = False


@dataclass(frozen=True)
class ProjectSpec:
    name: str
    corporation: str
    municipality: str
    care_partner: str
    address: str
    postcode: str
    city: str
    opened_months_ago: int
    permit_years: int | None  # None: a permanent project
    band: tuple[int, int]
    cluster_band: tuple[int, int]
    contribution_hours: int
    has_association: bool
    group_limits: dict[str, int]
    clusters: list[tuple[str, str, int, tuple[int, int] | None]]  # name, kind, units, own band
    number: Callable[[int, int], str]  # (cluster index, position) -> unit number
    layout: Callable[[int, int], UnitLayout]
    role: Callable[[int, int], str]  # which role the unit is meant for (spreads the groups)
    # Occupied units per role: (how many, target group, contract type, date scenario). Units of
    # a role beyond these are vacant; `former` says who lived there last.
    mix: dict[str, list[tuple[int, str, str, str]]]
    former: dict[str, tuple[str, str]]
    age_override: dict[str, tuple[int, int]] = field(default_factory=dict)  # role -> ages
    history_share: float = 0.2  # share of occupied units with an earlier, ended contract


def _majella_layout(cluster: int, position: int) -> UnitLayout:
    if position % 4 == 0:
        return UnitLayout(UnitKind.APARTMENT, (48, 60), (640, 720), 2, cluster == 0)
    return UnitLayout(UnitKind.STUDIO, (30, 40), (520, 600), 1, cluster == 0 and position < 4)


def _startblok_layout(cluster: int, position: int) -> UnitLayout:
    return UnitLayout(UnitKind.ROOM, (18, 24), (420, 480), 1, position == 0)


def _place2bu_layout(cluster: int, position: int) -> UnitLayout:
    return UnitLayout(UnitKind.STUDIO, (22, 30), (390, 450), 1, position in (0, 1))


def _starters_layout(cluster: int, position: int) -> UnitLayout:
    if position in (0, 5):
        return UnitLayout(UnitKind.APARTMENT, (52, 66), (690, 780), 3, position == 0)
    return UnitLayout(UnitKind.STUDIO, (28, 40), (560, 640), 1, False)


MAJELLA = ProjectSpec(
    name="De Majella-hof",
    corporation=STADSWONEN,
    municipality=UTRECHT,
    care_partner=ZORGPUNT,
    address="Zusterhof 1",
    postcode="3572 XK",
    city="Utrecht",
    opened_months_ago=74,
    permit_years=None,
    band=(45, 55),
    cluster_band=(40, 60),
    contribution_hours=16,
    has_association=True,
    group_limits={"statushouder": 35, "ex-dakloos": 50},
    clusters=[
        ("Begane grond", ClusterKind.FLOOR, 16, None),
        ("1e verdieping", ClusterKind.FLOOR, 16, None),
        ("2e verdieping", ClusterKind.FLOOR, 16, None),
        ("3e verdieping", ClusterKind.FLOOR, 16, None),
    ],
    number=lambda cluster, position: f"{cluster}.{position + 1:02d}",
    layout=_majella_layout,
    role=lambda cluster, position: DRAGEND if (cluster + position) % 2 == 0 else VRAGEND,
    mix={
        DRAGEND: [
            (1, "gescheiden-ouder", "tijdelijk", "window"),
            (1, "gescheiden-ouder", "tijdelijk", "later"),
            (12, "regulier", "regulier", ""),
            (8, "starter", "regulier", ""),
            (5, "oudere", "regulier", ""),
            (3, "kenniswerker", "regulier", ""),
        ],
        VRAGEND: [
            (13, "ex-dakloos", "omklap", "underway"),
            (2, "ex-dakloos", "omklap", "due"),
            (2, "ex-dakloos", "omklap", "extended"),
            (7, "ex-dakloos", "omklap", "flipped"),
            (3, "ggz-bw", "omklap", "underway"),
            (3, "ggz-bw", "omklap", "flipped"),
        ],
    },
    former={DRAGEND: ("regulier", "regulier"), VRAGEND: ("ex-dakloos", "omklap")},
)

STARTBLOK = ProjectSpec(
    name="Startblok Zuidkade",
    corporation=NOORDERHUIS,
    municipality=AMSTERDAM,
    care_partner=STADSTEAM,
    address="Zuidkade 200",
    postcode="1062 ZK",
    city="Amsterdam",
    opened_months_ago=64,
    permit_years=10,
    band=(45, 55),
    cluster_band=(40, 60),
    contribution_hours=8,
    has_association=False,
    group_limits={"statushouder": 50},
    clusters=[
        (f"Gang {letter}", ClusterKind.CORRIDOR, 20, (45, 55) if letter == "F" else None)
        for letter in "ABCDEF"
    ],
    number=lambda cluster, position: f"{'ABCDEF'[cluster]}{position + 1:02d}",
    layout=_startblok_layout,
    role=lambda cluster, position: DRAGEND if position % 2 == 0 else VRAGEND,  # om-en-om
    mix={
        DRAGEND: [
            (3, "starter", "jongeren", "window"),
            (1, "starter", "jongeren", "closed"),
            (1, "starter", "jongeren", "opening"),
            (1, "starter", "jongeren", "opened"),
            (1, "starter", "jongeren", "missed"),
            (37, "starter", "jongeren", "later"),
            (1, "student", "jongeren", "window"),
            (13, "student", "jongeren", "later"),
        ],
        VRAGEND: [
            (2, "statushouder", "jongeren", "window"),
            (1, "statushouder", "jongeren", "closed"),
            (1, "statushouder", "jongeren", "opened"),
            (46, "statushouder", "jongeren", "later"),
            (1, "statushouder", "tijdelijk", "window"),
            (1, "statushouder", "tijdelijk", "closed"),
            (1, "statushouder", "tijdelijk", "missed"),
            (5, "statushouder", "tijdelijk", "later"),
        ],
    },
    former={DRAGEND: ("starter", "jongeren"), VRAGEND: ("statushouder", "jongeren")},
    age_override={DRAGEND: (18, 26), VRAGEND: (18, 26)},
)

PLACE2BU = ProjectSpec(
    name="Place2BU Oost",
    corporation=STADSWONEN,
    municipality=UTRECHT,
    care_partner=ZORGPUNT,
    address="Oosterpoortlaan 7",
    postcode="3584 PX",
    city="Utrecht",
    opened_months_ago=42,
    permit_years=11,
    band=(70, 80),
    cluster_band=(65, 85),
    contribution_hours=12,
    has_association=False,
    group_limits={"statushouder": 35, "ggz-bw": 25},
    clusters=[(f"Gang {n}", ClusterKind.CORRIDOR, 20, None) for n in (1, 2, 3)],
    number=lambda cluster, position: f"{cluster + 1}-{position + 1:02d}",
    layout=_place2bu_layout,
    role=lambda cluster, position: VRAGEND if position % 4 == 3 else DRAGEND,  # three to one
    mix={
        DRAGEND: [
            (20, "student", "campus", ""),
            (22, "starter", "jongeren", "later"),
        ],
        VRAGEND: [
            (2, "statushouder", "tijdelijk", "window"),
            (1, "statushouder", "tijdelijk", "closed"),
            (1, "statushouder", "tijdelijk", "opening"),
            (2, "statushouder", "tijdelijk", "later"),
            (5, "ex-dakloos", "omklap", "underway"),
            (2, "ggz-bw", "omklap", "underway"),
            (1, "ggz-bw", "omklap", "due"),
        ],
    },
    former={DRAGEND: ("student", "campus"), VRAGEND: ("statushouder", "tijdelijk")},
    age_override={DRAGEND: (23, 26)},
)

STARTERS = ProjectSpec(
    name="Starters Op!",
    corporation=NOORDERHUIS,
    municipality=AMSTERDAM,
    care_partner=STADSTEAM,
    address="Kantoorhaven 30",
    postcode="1033 AB",
    city="Amsterdam",
    opened_months_ago=30,
    permit_years=None,
    band=(60, 80),
    cluster_band=(50, 90),
    contribution_hours=10,
    has_association=False,
    group_limits={"statushouder": 35, "ggz-bw": 25},
    clusters=[(f"{n}e verdieping", ClusterKind.FLOOR, 10, None) for n in (1, 2, 3)],
    number=lambda cluster, position: f"{cluster + 1}.{position + 1:02d}",
    layout=_starters_layout,
    role=lambda cluster, position: VRAGEND if position in (2, 5, 8) else DRAGEND,
    mix={
        DRAGEND: [
            (7, "starter", "jongeren", "later"),
            (5, "kenniswerker", "regulier", ""),
            (4, "arbeidsmigrant", "regulier", ""),
            (3, "regulier", "regulier", ""),
        ],
        VRAGEND: [
            (1, "gescheiden-ouder", "tijdelijk", "window"),
            (1, "gescheiden-ouder", "tijdelijk", "closed"),
            (1, "gescheiden-ouder", "tijdelijk", "later"),
            (1, "ggz-bw", "tijdelijk", "window"),
            (1, "ggz-bw", "tijdelijk", "later"),
            (3, "ggz-bw", "omklap", "underway"),
        ],
    },
    former={DRAGEND: ("kenniswerker", "regulier"), VRAGEND: ("ggz-bw", "omklap")},
)

PROJECTS = [MAJELLA, STARTBLOK, PLACE2BU, STARTERS]

# Candidates (no contract yet) per corporation: target group, role
CANDIDATES = {
    STADSWONEN: [
        ("starter", DRAGEND),
        ("student", DRAGEND),
        ("oudere", DRAGEND),
        ("ex-dakloos", VRAGEND),
        ("ggz-bw", VRAGEND),
        ("statushouder", VRAGEND),
    ],
    NOORDERHUIS: [
        ("starter", DRAGEND),
        ("kenniswerker", DRAGEND),
        ("regulier", DRAGEND),
        ("statushouder", VRAGEND),
        ("gescheiden-ouder", VRAGEND),
        ("ex-dakloos", VRAGEND),
    ],
}


def in_notice_window(end_date: dt.date, today: dt.date) -> bool:
    """True while notice of a fixed-term contract ending on `end_date` may be given today.

    Art. 7:271 BW: no earlier than three months and no later than one month before the end date.
    """
    return add_months(end_date, -3) <= today <= add_months(end_date, -1)


@dataclass
class Slot:
    """One unit and who lives there (or lived there last, when vacant)."""

    spec: ProjectSpec
    project: Project
    unit: Unit
    role: str
    group: str = ""
    ctype: str = ""
    scenario: str = ""
    vacant: bool = False


@dataclass
class DemoSummary:
    organisations: int = 0
    projects: int = 0
    units: int = 0
    vacant_units: int = 0
    persons: int = 0
    candidates: int = 0
    contracts: int = 0
    in_notice_window: list[Contract] = field(default_factory=list)
    checkins: int = 0
    checkins_due: int = 0  # omklap contracts whose next check-in is due today (within grace)
    checkins_overdue: int = 0  # ... more than the grace days past due
    warnings: int = 0
    warned_persons: int = 0
    notices: int = 0
    lapse_decisions: int = 0
    guidance_extensions: int = 0
    accounts: list[str] = field(default_factory=list)


class DemoError(Exception):
    """The demo cannot be built on this database (reference data missing, a name taken)."""


def demo_present() -> bool:
    return Project.objects.filter(name=MAJELLA.name, corporation__name=MAJELLA.corporation).exists()


def demo_reminders(today: dt.date) -> tuple[int, int]:
    """Today's reminder scan, as the scheduler runs it, each delivery e-mailed at once.

    Fills the in-app reminder lists and makes the heartbeat fresh. A second call on the same day
    makes nothing new. Returns (reminders made, e-mails sent).
    """
    outcomes: Counter[str] = Counter()

    def dispatch(delivery_ids: list[int]) -> None:
        for pk in delivery_ids:
            outcomes[reminders.delivery_send(pk)] += 1

    run = reminders.reminders_run(today=today, trigger=RunTrigger.MANUAL, dispatch=dispatch)
    return run.reminders_created, outcomes["sent"]


def load_demo(today: dt.date | None = None) -> DemoSummary | None:
    """Build the demo; None when it is there already (then nothing is changed).

    Call it inside a transaction: a failure half-way leaves nothing behind.
    """
    if demo_present():
        return None
    return DemoBuilder(today or timezone.localdate()).build()


class DemoBuilder:
    def __init__(self, today: dt.date) -> None:
        self.today = today
        self.rng = random.Random(SEED)  # noqa: S311 - demo data, not secrets
        self.groups = {group.code: group for group in TargetGroup.objects.all()}
        self.types = {
            ctype.code: ctype for ctype in ContractType.objects.prefetch_related("allowed_groups")
        }
        needed_groups = set(AGES)
        needed_types = {"tijdelijk", "jongeren", "campus", "omklap", "regulier"}
        missing = (needed_groups - set(self.groups)) | (needed_types - set(self.types))
        if missing:
            raise DemoError(
                "Reference data is missing (run `manage.py migrate`): " + ", ".join(sorted(missing))
            )
        self.orgs: dict[str, Organisation] = {}
        self.emails: set[str] = set()
        self.summary = DemoSummary()
        self.member_person: Person | None = None
        self.users: dict[str, object] = {}
        # The lifecycle layer (check-ins, warnings, notices) draws from its own seeded random, so
        # tuning it leaves the projects, people and contracts as they are.
        self.life_rng = random.Random(SEED + 1)  # noqa: S311 - demo data, not secrets
        self.made: list[tuple[Contract, dict]] = []  # every contract written, with its plan
        # Rows wait here and are written in bulk by _flush(); see there why that is safe.
        self.persons: list[Person] = []
        self.rounds: list[list[dict]] = []  # contracts, at most one per unit in a round
        self.unit_contracts: dict[int, int] = {}  # unit pk -> contracts planned on it
        self.memberships: list[dict] = []
        self.references: dict[int, int] = {}  # corporation pk -> the last reference given

    # Entry point

    def build(self) -> DemoSummary:
        self._organisations()
        users = self._users()
        for spec in PROJECTS:
            self._project(spec)
        for corporation, candidates in CANDIDATES.items():
            for group, role in candidates:
                self._candidate(self.orgs[corporation], group, role)
        self._flush()
        self._link_member(users[MEMBER_EMAIL])
        self._lifecycle()
        self.summary.organisations = len(self.orgs)
        self.summary.accounts = ACCOUNT_EMAILS
        return self.summary

    # Organisations and accounts

    def _organisations(self) -> None:
        for name, kind, city, email in ORGANISATIONS:
            org, created = Organisation.objects.get_or_create(
                name=name, defaults={"kind": kind, "city": city, "email": email}
            )
            if created:
                org.address, org.postcode = CORPORATION_ADDRESSES.get(name, ("", ""))
                org.full_clean()
                org.save()
            elif org.kind != kind:
                raise DemoError(
                    f"An organisation {name!r} exists already, but of kind {org.kind!r}."
                )
            self.orgs[name] = org

    def _users(self) -> dict[str, object]:
        """The demo accounts, their organisation roles and e-mail addresses, and a Profile for
        those who chose a language."""
        user_model = get_user_model()
        # One hash for all: hashing costs most of a second, and the password is public anyway.
        password = make_password(DEMO_PASSWORD)
        users = {}
        for email, org_name, role in ACCOUNTS:
            is_admin = email == ADMIN_EMAIL
            first_name, last_name = ACCOUNT_NAMES.get(email, ("", ""))
            user, _created = user_model.objects.get_or_create(
                username=email,
                defaults={
                    "email": email,
                    "first_name": first_name,
                    "last_name": last_name,
                    "password": password,
                    "is_superuser": is_admin,
                    "is_staff": is_admin,
                },
            )
            if org_name:
                membership = Membership.objects.filter(
                    user=user, organisation=self.orgs[org_name]
                ).first()
                if membership is None:
                    membership = Membership(user=user, organisation=self.orgs[org_name], role=role)
                    membership.full_clean()
                    membership.save()
            EmailAddress.objects.get_or_create(
                user=user, email=email, defaults={"verified": True, "primary": True}
            )
            if email in PROFILE_LANGUAGES:
                Profile.objects.get_or_create(
                    user=user, defaults={"language": PROFILE_LANGUAGES[email]}
                )
            users[email] = user
        self.users = users
        return users

    def _link_member(self, user) -> None:
        person = self.member_person
        if person is None:  # pragma: no cover - the Majella mix always has one
            raise DemoError("No dragend Majella resident to link the member account to.")
        if Person.objects.filter(user=user).exists():
            return
        person.user = user
        person.email = user.email
        person.share_profile_consent = True
        person.full_clean()
        person.save()

    # After signing: check-ins, warnings, guidance extensions, notices

    def _lifecycle(self) -> None:
        """What staff and the care worker recorded on the contracts since they were signed.

        Arranged around today: a few omklap check-ins are due now and a few overdue, the rest in
        time; a few residents have a warning and one has two; the two "extended" trajectories
        have their extension; about half the contracts in their notice window, and a few whose
        window closed, have their notice; one missed window has a decision. The rest of the
        missed windows stay open: those tenancies continue open-ended until staff decide.
        """
        active = [(c, f) for c, f in self.made if c.status == ContractStatus.ACTIVE]
        omklap = [(c, f) for c, f in active if c.contract_type.is_omklap]
        plan = self._checkin_plan([c for c, _ in omklap])
        warnings = self._warnings([c for c, _ in active], omklap)
        warned = {w.contract_id for w in warnings}
        checkins = self._checkins([c for c, _ in omklap], plan, warned)
        extensions = [
            GuidanceExtension(
                contract=contract,
                previous_end=term_last_day(contract.start_date, contract.guidance_months),
                new_end=contract.guidance_extended_until,
                reason=EXTENSION_REASON,
                decided_by=self._staff(contract),
            )
            for contract, fields in omklap
            if fields.get("_scenario") == "extended"
        ]
        notices, decisions = self._notices([c for c, _ in active])
        for rows in (warnings, checkins, extensions, notices, decisions):
            for row in rows:
                row.full_clean()
            if rows:
                type(rows[0]).objects.bulk_create(rows)
        self.summary.checkins = len(checkins)
        last: dict[int, CheckIn] = {}
        for checkin in checkins:
            if (
                checkin.contract.pk not in last
                or checkin.held_on > last[checkin.contract.pk].held_on
            ):
                last[checkin.contract.pk] = checkin
        grace = dt.timedelta(days=settings.REMINDER_CHECKIN_GRACE_DAYS)
        for checkin in last.values():
            every = checkin.contract.unit.project.checkin_every_months
            due = add_months(checkin.held_on, every)
            self.summary.checkins_due += due <= self.today <= due + grace
            self.summary.checkins_overdue += self.today > due + grace
        self.summary.warnings = len(warnings)
        self.summary.warned_persons = len({w.person_id for w in warnings})
        self.summary.guidance_extensions = len(extensions)
        self.summary.notices = len(notices)
        self.summary.lapse_decisions = len(decisions)

    def _staff(self, contract: Contract):
        return self.users[STAFF_EMAILS[contract.unit.project.corporation.name]]

    def _checkin_plan(self, contracts: list[Contract]) -> dict[int, str]:
        """contract pk -> when its next check-in falls (a key of CHECKIN_NEXT_DUE).

        The care worker's trajectories get three due, three overdue and one long overdue; the
        others (guided by a care organisation without a login here) one due.
        """
        plan = {}
        guided = [c for c in contracts if c.care_worker_id]
        others = [c for c in contracts if not c.care_worker_id]
        for group, special in (
            (guided, ["due"] * 3 + ["overdue"] * 3 + ["long_overdue"]),
            (others, ["due"]),
        ):
            self.life_rng.shuffle(group)
            for index, contract in enumerate(group):
                plan[contract.pk] = special[index] if index < len(special) else "fine"
        return plan

    def _checkins(
        self, contracts: list[Contract], plan: dict[int, str], warned: set[int]
    ) -> list[CheckIn]:
        """Check-ins every `checkin_every_months` (a week or so either way) since the start, the
        last one placed so that the next falls as `plan` says."""
        rng, today, day = self.life_rng, self.today, dt.timedelta(days=1)
        grace = settings.REMINDER_CHECKIN_GRACE_DAYS
        rows = []
        for contract in contracts:
            every = contract.unit.project.checkin_every_months
            low, high = CHECKIN_NEXT_DUE[plan[contract.pk]]
            if plan[contract.pk].endswith("overdue"):
                low, high = low - grace, high - grace
            last = add_months(today + rng.randint(low, high) * day, -every)
            while add_months(last, every) < today + low * day:  # a month's end clamps
                last += day
            dates = [last]
            while True:
                earlier = add_months(dates[-1], -every) + rng.randint(-8, 8) * day
                if earlier < contract.start_date + 28 * day:
                    break
                dates.append(earlier)
            base = 3 if contract.pk in warned else rng.choice([3, 4, 4, 5])
            for index, held_on in enumerate(reversed(dates)):
                settling = 1 if index < 2 else 0  # the first months are the hardest
                scores = {
                    domain: min(5, max(2, base - settling + rng.choice([-1, 0, 0, 0, 1])))
                    for domain in CHECKIN_DOMAINS
                }
                if contract.pk in warned:
                    scores["rent"] = min(scores["rent"], 3)
                if rng.random() < 0.2:
                    note = ""
                elif min(scores.values()) <= 3:
                    note = rng.choice(CHECKIN_NOTES_MIXED)
                else:
                    note = rng.choice(CHECKIN_NOTES_GOOD)
                by_care = contract.care_worker_id and rng.random() < 0.85
                rows.append(
                    CheckIn(
                        contract=contract,
                        held_on=held_on,
                        held_by=contract.care_worker if by_care else self._staff(contract),
                        note=note,
                        **scores,
                    )
                )
        return rows

    def _warnings(
        self, active: list[Contract], omklap: list[tuple[Contract, dict]]
    ) -> list[ResidentWarning]:
        """Two warnings (rent arrears) for one guided omklap resident; one for five others."""
        rng, today, day = self.life_rng, self.today, dt.timedelta(days=1)
        settled = [
            c
            for c in active
            if c.start_date <= today - 180 * day and c.person is not self.member_person
        ]
        twice = rng.choice(
            [
                c
                for c, fields in omklap
                if c in settled and c.care_worker_id and fields.get("_scenario") == "underway"
            ]
        )
        first = self._random_date(
            max(twice.start_date + 30 * day, today - 240 * day), today - 120 * day, rng
        )
        second = self._random_date(today - 75 * day, today - 20 * day, rng)
        rows = [
            ResidentWarning(
                person=twice.person,
                contract=twice,
                given_on=given_on,
                reason=reason,
                given_by=self._staff(twice),
            )
            for given_on, reason in zip((first, second), ARREARS_WARNINGS, strict=True)
        ]
        chosen = {twice.person.pk}
        # (project, omklap?) of the residents with one warning
        picks = [
            (MAJELLA.name, False),
            (STARTBLOK.name, False),
            (STARTBLOK.name, False),
            (PLACE2BU.name, True),
            (STARTERS.name, False),
        ]
        for project, is_omklap in picks:
            contract = rng.choice(
                [
                    c
                    for c in settled
                    if c.unit.project.name == project
                    and c.contract_type.is_omklap == is_omklap
                    and c.person.pk not in chosen
                ]
            )
            chosen.add(contract.person.pk)
            rows.append(
                ResidentWarning(
                    person=contract.person,
                    contract=contract,
                    given_on=self._random_date(
                        max(contract.start_date + 60 * day, today - 300 * day),
                        today - 7 * day,
                        rng,
                    ),
                    reason=rng.choice([*WARNING_REASONS, ARREARS_WARNINGS[0]]),
                    given_by=self._staff(contract),
                )
            )
        return rows

    def _notices(self, active: list[Contract]) -> tuple[list[Notice], list[LapseDecision]]:
        """Notices for about half the contracts in their window and two whose window closed; an
        exception decision for one missed window.

        Notices go first to contracts without a notice reminder from a week ago to two weeks
        ahead, and never to one with a reminder in today's run (the last REMINDER_LOOKBACK_DAYS),
        so that the reminder list shows every notice kind, today and soon.
        """
        rng, today, day = self.life_rng, self.today, dt.timedelta(days=1)
        since = today - settings.REMINDER_LOOKBACK_DAYS * day

        def reminded(contract: Contract, until: dt.date) -> bool:
            window = contract.notice_window
            days = (window.opens, window.closes - reminders.CLOSING_DAYS * day, window.closes + day)
            return any(since <= d <= until for d in days)

        in_window = [c for c in active if c.notice_window and today in c.notice_window]
        closed = [c for c in active if c.notice_window and c.notice_window.closes < today]
        quiet = [c for c in in_window if not reminded(c, today + 14 * day)]
        soon = [c for c in in_window if c not in quiet and not reminded(c, today)]
        rng.shuffle(quiet)
        rng.shuffle(soon)
        given = (quiet + soon)[: len(in_window) // 2]
        quiet_closed = [c for c in closed if not reminded(c, today)]
        rng.shuffle(quiet_closed)
        lapsed, given = quiet_closed[:1], given + quiet_closed[1:3]
        notices = []
        for contract in sorted(given, key=lambda c: c.pk):
            window = contract.notice_window
            notices.append(
                Notice(
                    contract=contract,
                    given_on=self._random_date(window.opens, min(window.closes, today), rng),
                    means=rng.choice([NoticeMeans.LETTER, NoticeMeans.LETTER, NoticeMeans.EMAIL]),
                    given_by=self._staff(contract),
                )
            )
        decisions = [
            LapseDecision(
                contract=contract,
                outcome=LapseOutcome.EXCEPTION,
                reason=LAPSE_EXCEPTION_REASON,
                previous_end_date=contract.end_date,
                decided_by=self._staff(contract),
            )
            for contract in lapsed
        ]
        return notices, decisions

    # Projects, clusters, units

    def _project(self, spec: ProjectSpec) -> None:
        today = self.today
        opened = add_months(today, -spec.opened_months_ago)
        project = Project(
            name=spec.name,
            corporation=self.orgs[spec.corporation],
            municipality=self.orgs[spec.municipality],
            address=spec.address,
            postcode=spec.postcode,
            city=spec.city,
            concept=Concept.TEMPORARY if spec.permit_years else Concept.PERMANENT,
            permit_end_date=(
                term_last_day(opened, 12 * spec.permit_years) if spec.permit_years else None
            ),
            dragend_min=spec.band[0],
            dragend_max=spec.band[1],
            cluster_dragend_min=spec.cluster_band[0],
            cluster_dragend_max=spec.cluster_band[1],
            contribution_hours=spec.contribution_hours,
            has_association=spec.has_association,
        )
        project.full_clean()
        project.save()
        project.care_partners.set([self.orgs[spec.care_partner]])
        for code, share in spec.group_limits.items():
            group = self.groups[code]
            limit = TargetGroupLimit(project=project, target_group=group, max_share=share)
            limit.full_clean()
            limit.save()
        self.summary.projects += 1

        slots = self._units(spec, project)
        self._assign(spec, slots)
        for slot in slots:
            self._occupy(slot, opened)
        self._flush()

    def _flush(self) -> None:
        """Write the planned persons, contracts and memberships, each validated first.

        Bulk writes keep the demo fast. Every row still passes full_clean() before it is
        written, with all it depends on already in the database: persons before their
        contracts, and contracts in rounds that hold at most one contract per unit and per
        person, so the overlap and once-per-person checks see every other contract involved.
        """
        for person in self.persons:
            # An ERP relation number, as a corporation's own system gives it: R-5001, R-5002...
            number = self.references.get(person.corporation_id, 5000) + 1
            self.references[person.corporation_id] = number
            person.reference = f"R-{number}"
            person.full_clean()
        bulk_create_with_history(self.persons, Person)
        self.summary.persons += len(self.persons)
        for planned in self.rounds:
            contracts = []
            for fields in planned:
                # Keys starting with "_" are the plan's notes, not fields.
                contract = Contract(**{k: v for k, v in fields.items() if not k.startswith("_")})
                if "_flipped_from" in fields:  # written in an earlier round
                    contract.flipped_from = fields["_flipped_from"]["_contract"]
                contract.full_clean()
                contracts.append(contract)
            bulk_create_with_history(contracts, Contract)
            for fields, contract in zip(planned, contracts, strict=True):
                fields["_contract"] = contract
                self.made.append((contract, fields))
            self.summary.contracts += len(contracts)
            self.summary.in_notice_window += [
                contract
                for contract in contracts
                if contract.status == ContractStatus.ACTIVE
                and contract.contract_type.fixed_term
                and in_notice_window(contract.end_date, self.today)
            ]
        memberships = [AssociationMembership(**fields) for fields in self.memberships]
        for membership in memberships:
            membership.full_clean()
        AssociationMembership.objects.bulk_create(memberships)
        self.persons, self.rounds, self.memberships = [], [], []
        self.unit_contracts.clear()

    def _units(self, spec: ProjectSpec, project: Project) -> list[Slot]:
        rng = self.rng
        slots = []
        units = []
        for index, (name, kind, size, band) in enumerate(spec.clusters):
            cluster = Cluster(project=project, name=name, kind=kind)
            if band:
                cluster.dragend_min, cluster.dragend_max = band
            cluster.full_clean()
            cluster.save()
            for position in range(size):
                layout = spec.layout(index, position)
                unit = Unit(
                    project=project,
                    cluster=cluster,
                    number=spec.number(index, position),
                    kind=layout.kind,
                    floor_area=Decimal(rng.randint(layout.area[0] * 10, layout.area[1] * 10)) / 10,
                    rent=Decimal(rng.randint(layout.rent[0] * 20, layout.rent[1] * 20)) / 20,
                    max_household=layout.max_household,
                    wheelchair_accessible=layout.wheelchair,
                )
                unit.full_clean()
                units.append(unit)
                slots.append(
                    Slot(spec=spec, project=project, unit=unit, role=spec.role(index, position))
                )
        Unit.objects.bulk_create(units)
        self.summary.units += len(units)
        return slots

    def _assign(self, spec: ProjectSpec, slots: list[Slot]) -> None:
        """Give each slot its tenant's target group, contract type and date scenario."""
        for role in (DRAGEND, VRAGEND):
            role_slots = [slot for slot in slots if slot.role == role]
            entries = [
                (group, ctype, scenario)
                for count, group, ctype, scenario in spec.mix[role]
                for _ in range(count)
            ]
            vacant = len(role_slots) - len(entries)
            if vacant < 0:
                raise DemoError(f"{spec.name}: more {role} residents than units.")
            self.rng.shuffle(role_slots)
            for slot in role_slots[:vacant]:
                slot.vacant = True
                slot.group, slot.ctype = spec.former[role]
            # Families first, into the largest units.
            occupied = sorted(role_slots[vacant:], key=lambda slot: -slot.unit.max_household)
            entries.sort(key=lambda entry: -HOUSEHOLD.get(entry[0], (1, 1))[1])
            for slot, (group, ctype, scenario) in zip(occupied, entries, strict=True):
                slot.group, slot.ctype, slot.scenario = group, ctype, scenario

    # Residents and contracts

    def _occupy(self, slot: Slot, opened: dt.date) -> None:
        today = self.today
        if slot.vacant:
            self.summary.vacant_units += 1
            self._former(slot, opened, before=today - dt.timedelta(days=self.rng.randint(3, 50)))
            return
        contracts = self._current(slot, opened)
        first_start = contracts[0]["start_date"]
        person = contracts[0]["person"]
        if (first_start - opened).days > 270 and self.rng.random() < slot.spec.history_share:
            self._former(slot, opened, before=first_start - dt.timedelta(days=1))
        if slot.spec.has_association:
            self._membership(person, slot.project, first_start, None)
        if (
            self.member_person is None
            and slot.spec is MAJELLA
            and slot.role == DRAGEND
            and slot.ctype == "regulier"
        ):
            self.member_person = person

    def _current(self, slot: Slot, opened: dt.date) -> list[dict]:
        """The contract(s) of the unit's current tenant: an omklap that flipped gives two."""
        rng, today = self.rng, self.today
        ctype = self.types[slot.ctype]
        care = self.orgs[slot.spec.care_partner]
        kwargs: dict = {}
        if ctype.fixed_term:
            start, end = self._fixed_term_dates(ctype, slot.scenario, opened)
        elif ctype.is_omklap:
            months = {
                "underway": (6, 30),
                "due": (33, 35),
                "extended": (37, 44),
                "flipped": (40, 66),
            }[slot.scenario]
            start = add_months(today, -rng.randint(*months)) - dt.timedelta(rng.randint(0, 25))
            start, end = max(start, opened), None
            kwargs = {"holder_organisation": care, "guidance_months": ctype.guidance_months}
            if slot.scenario == "extended":  # a year more; _lifecycle() records the decision
                kwargs["guidance_extended_until"] = term_last_day(start, ctype.guidance_months + 12)
        else:
            start, end = self._random_date(opened, today - dt.timedelta(days=14)), None
        person = self._person(slot.project.corporation, slot.role, slot.group, start, slot, ctype)
        kwargs["_scenario"] = slot.scenario
        care_worker = self.users.get(CARE_EMAIL)
        if ctype.is_omklap and care.name == ZORGPUNT and slot.scenario != "flipped":
            # Zorgpunt's trajectories under way are guided by the care worker with a login.
            kwargs["care_worker"] = care_worker
            person.care_contact_name = care_worker.get_full_name()
            person.care_contact_email = care_worker.email
        if slot.scenario == "flipped":
            flip = term_last_day(start, ctype.guidance_months or 36)
            omklap = self._contract(
                person,
                slot.unit,
                ctype,
                start,
                flip,
                status=ContractStatus.ENDED,
                end_reason=EndReason.FLIPPED,
                outflow="",  # a flip is no outflow: the tenant stays
                **kwargs,
            )
            regular = self._contract(
                person,
                slot.unit,
                self.types["regulier"],
                flip + dt.timedelta(days=1),
                None,
                _flipped_from=omklap,  # _flush() links the written omklap contract
            )
            return [omklap, regular]
        return [self._contract(person, slot.unit, ctype, start, end, **kwargs)]

    def _fixed_term_dates(
        self, ctype: ContractType, scenario: str, opened: dt.date
    ) -> tuple[dt.date, dt.date]:
        """Start and end of a contract of the full term, its end placed by `scenario`.

        The notice window runs from 3 to 1 months before the end (art. 7:271 BW).
        window: notice may be given today; opened: the window opened 1-6 days ago;
        opening: it opens in 1-10 days; missed: it closed 1-7 days ago; closed: the contract
        ends within a month, its window closed; later: the window opens after today.
        """
        rng, today, months = self.rng, self.today, ctype.max_months
        day = dt.timedelta(days=1)
        if scenario in ("window", "closed", "opened", "opening", "missed"):
            if scenario == "opened":  # opens = end - 3 months lies in [today - 6, today - 1]
                wanted_end = add_months(today - rng.randint(1, 6) * day, 3)
                while add_months(wanted_end, -3) >= today:
                    wanted_end -= day
            elif scenario == "opening":  # opens in [today + 1, today + 10]
                wanted_end = add_months(today, 3) + rng.randint(1, 10) * day
                while add_months(wanted_end, -3) <= today:
                    wanted_end += day
            elif scenario == "missed":  # closes = end - 1 month lies in [today - 7, today - 1]
                wanted_end = add_months(today - rng.randint(1, 7) * day, 1)
                while add_months(wanted_end, -1) >= today:
                    wanted_end -= day
            else:
                days = rng.randint(35, 80) if scenario == "window" else rng.randint(2, 25)
                wanted_end = today + dt.timedelta(days=days)
            start = add_months(wanted_end, -months) + day
            end = min(wanted_end, term_last_day(start, months))
            if start < opened:
                raise DemoError(f"A {ctype.code} contract would start before opening.")
            in_window = in_notice_window(end, today)
            if in_window != (scenario in ("window", "opened")):  # pragma: no cover
                raise DemoError("Demo dates miss the notice window.")
            return start, end
        earliest = max(opened, add_months(today, 3 - months) + dt.timedelta(days=10))
        start = self._random_date(earliest, today - dt.timedelta(days=14))
        return start, term_last_day(start, months)

    def _former(self, slot: Slot, opened: dt.date, before: dt.date) -> None:
        """A former tenant whose contract on the unit ended on or before `before`."""
        rng = self.rng
        group, code = slot.spec.former[slot.role]
        ctype = self.types[code]
        end = before - dt.timedelta(days=rng.randint(0, 40))
        months = min(rng.randint(8, 40), ctype.max_months or ctype.guidance_months or 40)
        if ctype.max_months and rng.random() < 0.5:
            months = ctype.max_months  # the full term, if the project is old enough
        start = max(opened, add_months(end, -months) + dt.timedelta(days=1))
        if ctype.max_months:
            end = min(end, term_last_day(start, ctype.max_months))
        if (end - start).days < 120:
            return
        kwargs: dict = {}
        if ctype.is_omklap:
            kwargs = {
                "holder_organisation": self.orgs[slot.spec.care_partner],
                "guidance_months": ctype.guidance_months,
            }
            reason, outflow = rng.choice(
                [
                    (EndReason.GUIDANCE_ENDED, Outflow.INSTITUTION),
                    (EndReason.TENANT_NOTICE, Outflow.UNKNOWN),
                    (EndReason.EVICTION, Outflow.UNKNOWN),
                ]
            )
        else:
            full_term = ctype.max_months and end == term_last_day(start, ctype.max_months)
            reason = EndReason.TERM_ENDED if full_term else EndReason.TENANT_NOTICE
            outflow = rng.choice(OUTFLOWS[code])
        person = self._person(slot.project.corporation, slot.role, group, start, slot, ctype)
        self._contract(
            person,
            slot.unit,
            ctype,
            start,
            end,
            status=ContractStatus.ENDED,
            end_reason=reason,
            outflow=outflow,
            **kwargs,
        )
        if slot.spec.has_association:
            self._membership(person, slot.project, start, end)

    def _contract(self, person, unit, ctype, start, end, **fields) -> dict:
        """Plan a contract; _flush() validates and writes it."""
        fields.setdefault("status", ContractStatus.ACTIVE)
        fields.update(person=person, unit=unit, contract_type=ctype, start_date=start, end_date=end)
        if fields["status"] != ContractStatus.DRAFT:  # signed three weeks before the start
            fields.setdefault("signed_on", min(start - dt.timedelta(days=21), self.today))
            fields.setdefault("signed_by", self.users[STAFF_EMAILS[unit.project.corporation.name]])
        index = self.unit_contracts.get(unit.pk, 0)
        self.unit_contracts[unit.pk] = index + 1
        if index == len(self.rounds):
            self.rounds.append([])
        self.rounds[index].append(fields)
        return fields

    def _membership(self, person, project, joined: dt.date, left: dt.date | None) -> None:
        self.memberships.append(
            {"person": person, "project": project, "joined_on": joined, "left_on": left}
        )

    # People

    def _person(
        self,
        corporation: Organisation,
        role: str,
        group: str,
        start: dt.date,
        slot: Slot | None = None,
        ctype: ContractType | None = None,
    ) -> Person:
        """A fictional person of the right age at `start`, the start of their contract `ctype`."""
        rng = self.rng
        low, high = AGES[group]
        if slot is not None:
            low, high = slot.spec.age_override.get(role, (low, high))
        if ctype is not None:  # an age band (youth contract): stay a year inside it
            low = max(low, ctype.min_age or 0)
            high = min(high, ctype.max_age - 1 if ctype.max_age is not None else high)
        age = rng.randint(low, high)
        birth = add_months(start, -12 * age) - dt.timedelta(days=rng.randint(1, 360))
        pool = rng.choice(GROUP_POOLS.get(group, DEFAULT_POOLS))
        first_names, last_names, languages = NAME_POOLS[pool]
        first, last = rng.choice(first_names), rng.choice(last_names)
        household_range = HOUSEHOLD.get(group, (1, 1))
        max_household = slot.unit.max_household if slot else household_range[1]
        person = Person(
            corporation=corporation,
            first_name=first,
            last_name=last,
            date_of_birth=birth,
            email=self._email(first, last),
            preferred_language=rng.choice(languages),
            target_group=self.groups[group],
            role=role,
            household_size=min(rng.randint(*household_range), max_household),
            share_profile_consent=rng.random() < 0.4,
            notes=rng.choice(NOTES) if role == DRAGEND and rng.random() < 0.15 else "",
        )
        if slot is not None and slot.unit.wheelchair_accessible:
            person.needs_accessible = rng.random() < 0.3
        if role == VRAGEND:
            care = self.orgs[slot.spec.care_partner] if slot else self._care_for(corporation)
            contact = rng.choice(CARE_CONTACTS[care.name])
            person.care_organisation = care
            person.care_contact_name = contact
            person.care_contact_email = (
                f"{slugify(contact).replace('-', '.')}@{care.email.split('@')[1]}"
            )
        elif rng.random() < 0.1:
            person.contribution_hours = rng.choice([8, 12, 20])
        self.persons.append(person)
        return person

    def _candidate(self, corporation: Organisation, group: str, role: str) -> None:
        """A home-seeker known to the corporation, without a contract."""
        self._person(corporation, role, group, self.today - dt.timedelta(days=1))
        self.summary.candidates += 1

    def _care_for(self, corporation: Organisation) -> Organisation:
        return self.orgs[ZORGPUNT if corporation.name == STADSWONEN else STADSTEAM]

    def _email(self, first: str, last: str) -> str:
        base = f"{slugify(first)}.{slugify(last).replace('-', '')}"
        email, n = f"{base}@mail.example", 1
        while email in self.emails:
            n += 1
            email = f"{base}{n}@mail.example"
        self.emails.add(email)
        return email

    def _random_date(
        self, low: dt.date, high: dt.date, rng: random.Random | None = None
    ) -> dt.date:
        if high < low:
            return low
        return dt.date.fromordinal((rng or self.rng).randint(low.toordinal(), high.toordinal()))
