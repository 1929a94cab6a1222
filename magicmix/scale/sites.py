"""The scale data set's organisations, accounts and buildings (see magicmix.scale).

Everything here is planned as unsaved model instances linked to each other; magicmix.scale writes
them in bulk afterwards. All choices come from one seeded random.Random, in a fixed order.
"""

import datetime as dt
import random
from dataclasses import dataclass, field
from decimal import Decimal

from allauth.account.models import EmailAddress
from django.contrib.auth import get_user_model
from django.contrib.auth.hashers import make_password

from allocation.models import VoteSettings
from projects.models import (
    Cluster,
    ClusterKind,
    Concept,
    Membership,
    Organisation,
    OrganisationKind,
    Project,
    Role,
    Unit,
    UnitKind,
)
from residents.dates import add_months, term_last_day
from residents.demo import DEMO_PASSWORD, DUTCH_FIRST, DUTCH_LAST
from residents.models import ContractType, ResidentRole, TargetGroup, TargetGroupLimit

PREFIX = "Schaal "  # every scale organisation's name starts with it
USER_DOMAIN = "@schaal-"  # every scale account's e-mail contains it
DRAGEND, VRAGEND = ResidentRole.DRAGEND, ResidentRole.VRAGEND
NEEDED_TYPES = ("tijdelijk", "jongeren", "campus", "omklap", "regulier")

CITIES = [
    "Utrecht", "Amsterdam", "Rotterdam", "Den Haag", "Eindhoven", "Groningen", "Tilburg",
    "Almere", "Breda", "Nijmegen", "Arnhem", "Haarlem", "Zwolle", "Leiden", "Maastricht",
    "Amersfoort", "Apeldoorn", "Enschede", "Deventer", "Delft",
]  # fmt: skip
STEMS = [
    "Startblok", "Woonhof", "De Werf", "Het Baken", "Place2BU", "De Molen", "Samen Thuis",
    "De Buurtkamer", "Het Kantoor", "De Stek", "Tussenhuis", "De Schakel", "Plein Wonen",
    "Het Anker", "Nieuw Begin", "De Kolonie",
]  # fmt: skip
STREETS = [
    "Stationsweg", "Kerkstraat", "Molenlaan", "Dorpsstraat", "Schoolstraat", "Parklaan",
    "Havenkade", "Julianaweg", "Beatrixlaan", "Industrieweg", "Kanaalstraat", "Zuidsingel",
]  # fmt: skip


@dataclass(frozen=True)
class Profile:
    """A kind of Magic Mix project: its band, who lives there on which contract, its units."""

    name: str
    bands: tuple[tuple[int, int], ...]
    # role -> (target group, contract type code, weight)
    mix: dict[str, tuple[tuple[str, str, int], ...]]
    units: tuple[tuple[str, int], ...]  # (unit kind, weight)
    young: bool = False  # a youth project: everyone 18 to 26 at the start


PROFILES = (
    Profile(
        "omklap",
        ((45, 55), (40, 60), (50, 60)),
        {
            DRAGEND: (
                ("regulier", "regulier", 4),
                ("starter", "regulier", 3),
                ("oudere", "regulier", 2),
                ("kenniswerker", "regulier", 1),
                ("gescheiden-ouder", "tijdelijk", 1),
            ),
            VRAGEND: (
                ("ex-dakloos", "omklap", 5),
                ("ggz-bw", "omklap", 3),
                ("statushouder", "tijdelijk", 2),
            ),
        },
        ((UnitKind.STUDIO, 3), (UnitKind.APARTMENT, 1)),
    ),
    Profile(
        "jongeren",
        ((45, 55), (40, 60)),
        {
            DRAGEND: (("starter", "jongeren", 3), ("student", "jongeren", 1)),
            VRAGEND: (("statushouder", "jongeren", 5), ("statushouder", "tijdelijk", 1)),
        },
        ((UnitKind.ROOM, 3), (UnitKind.STUDIO, 1)),
        young=True,
    ),
    Profile(
        "campus",
        ((70, 80), (65, 85)),
        {
            DRAGEND: (("student", "campus", 1), ("starter", "jongeren", 1)),
            VRAGEND: (
                ("statushouder", "tijdelijk", 2),
                ("ex-dakloos", "omklap", 2),
                ("ggz-bw", "omklap", 1),
            ),
        },
        ((UnitKind.STUDIO, 1),),
    ),
    Profile(
        "regulier",
        ((60, 80), (70, 80), (65, 85)),
        {
            DRAGEND: (
                ("starter", "jongeren", 2),
                ("kenniswerker", "regulier", 2),
                ("arbeidsmigrant", "regulier", 1),
                ("regulier", "regulier", 2),
                ("oudere", "regulier", 1),
            ),
            VRAGEND: (
                ("gescheiden-ouder", "tijdelijk", 2),
                ("ggz-bw", "tijdelijk", 1),
                ("ggz-bw", "omklap", 2),
                ("statushouder", "tijdelijk", 1),
            ),
        },
        ((UnitKind.STUDIO, 3), (UnitKind.APARTMENT, 1)),
    ),
)
PROFILE_WEIGHTS = (25, 25, 20, 30)
# unit kind -> (floor area m², rent €/month, largest household)
LAYOUTS = {
    UnitKind.ROOM: ((18, 24), (420, 480), 1),
    UnitKind.STUDIO: ((24, 40), (390, 600), 1),
    UnitKind.APARTMENT: ((48, 66), (640, 780), 3),
}
CLUSTER_NAMES = {
    ClusterKind.CORRIDOR: "Gang {}",
    ClusterKind.FLOOR: "Verdieping {}",
    ClusterKind.GROUP: "Woongroep {}",
}


class ScaleError(Exception):
    """The scale data cannot be generated on this database."""


@dataclass
class Reference:
    """Target groups and contract types, seeded by the residents migrations."""

    groups: dict[str, TargetGroup]
    types: dict[str, ContractType]
    allowed: dict[str, set[str]]  # contract type -> target groups allowed (empty: every group)

    @classmethod
    def load(cls) -> "Reference":
        groups = {g.code: g for g in TargetGroup.objects.all()}
        types = {t.code: t for t in ContractType.objects.prefetch_related("allowed_groups")}
        if not groups or not types:
            raise ScaleError(
                "No target groups or contract types in the database: run `manage.py migrate` "
                "(migration residents/0003 seeds them)."
            )
        needed = {g for p in PROFILES for mix in p.mix.values() for g, _c, _w in mix}
        missing = (needed - set(groups)) | (set(NEEDED_TYPES) - set(types))
        if missing:
            raise ScaleError("Reference data is missing: " + ", ".join(sorted(missing)))
        allowed = {code: {g.code for g in t.allowed_groups.all()} for code, t in types.items()}
        return cls(groups, types, allowed)


@dataclass(eq=False)
class Site:
    """One project with its units, each meant for a dragend or a vragend resident."""

    project: Project
    profile: Profile
    opened: dt.date
    care: list[Organisation]
    staff: object  # the corporation's staff account
    units: list[Unit] = field(default_factory=list)
    roles: list[str] = field(default_factory=list)  # per unit
    vote: bool = False  # the association votes on vacancies (VoteSettings)


@dataclass
class World:
    """Everything planned so far, and what the planners share."""

    rng: random.Random
    today: dt.date
    ref: Reference
    orgs: dict[str, list[Organisation]] = field(default_factory=dict)  # kind -> organisations
    users: list = field(default_factory=list)
    memberships: list[Membership] = field(default_factory=list)
    addresses: list[EmailAddress] = field(default_factory=list)
    staff: dict[int, object] = field(default_factory=dict)  # id(corporation) -> user
    care_user: dict[int, object] = field(default_factory=dict)  # id(care org) -> user
    home: dict[int, Organisation] = field(default_factory=dict)  # id(org) -> municipality
    sites: list[Site] = field(default_factory=list)
    partner_links: list = field(default_factory=list)  # Project.care_partners rows
    limits: list[TargetGroupLimit] = field(default_factory=list)
    vote_settings: list[VoteSettings] = field(default_factory=list)
    clusters: list[Cluster] = field(default_factory=list)
    password: str = ""

    @property
    def horizon(self) -> dt.date:
        """Five years back: the history the data set covers."""
        return add_months(self.today, -60)

    def days(self, low: int, high: int) -> dt.timedelta:
        return dt.timedelta(days=self.rng.randint(low, high))

    def account(self, email: str, org: Organisation | None, role: str | None):
        """A login (password DEMO_PASSWORD, hashed once), its e-mail address and its role."""
        rng = self.rng
        user = get_user_model()(
            username=email,
            email=email,
            first_name=rng.choice(DUTCH_FIRST),
            last_name=rng.choice(DUTCH_LAST),
            password=self.password,
        )
        self.users.append(user)
        self.addresses.append(EmailAddress(user=user, email=email, verified=True, primary=True))
        if org is not None:
            self.memberships.append(Membership(user=user, organisation=org, role=role))
        return user


def org_counts(projects: int) -> dict[str, int]:
    """Municipalities, corporations and care organisations for `projects` projects
    (10, 25 and 20 for 500), at least two of each."""
    return {
        OrganisationKind.MUNICIPALITY: max(2, round(projects / 50)),
        OrganisationKind.CORPORATION: max(2, round(projects / 20)),
        OrganisationKind.CARE: max(2, round(projects / 25)),
    }


def municipality_weights(count: int) -> list[float]:
    """The first municipality is the large one (over a fifth of the projects); the rest fall
    off like a city-size ranking."""
    rest = [1 / k for k in range(2, count + 1)]
    return [0.24, *(0.76 * w / sum(rest) for w in rest)]


def plan_organisations(world: World, projects: int) -> None:
    world.password = make_password(DEMO_PASSWORD)  # hashing is slow: once for every account
    counts = org_counts(projects)
    labels = {
        OrganisationKind.MUNICIPALITY: ("Gemeente", "policy", Role.POLICY),
        OrganisationKind.CORPORATION: ("Corporatie", "staff", Role.STAFF),
        OrganisationKind.CARE: ("Zorg", "care", Role.CARE),
    }
    for kind, (label, mailbox, role) in labels.items():
        made = []
        for n in range(1, counts[kind] + 1):
            slug = f"schaal-{label.lower()}-{n}"
            if kind == OrganisationKind.MUNICIPALITY:
                city = CITIES[(n - 1) % len(CITIES)]
            else:  # each corporation and care organisation works mainly in one municipality
                home = home_municipality(world, n, counts[OrganisationKind.MUNICIPALITY])
                city = home.city
            org = Organisation(
                name=f"{PREFIX}{label} {n}", kind=kind, city=city, email=f"info@{slug}.example"
            )
            if kind != OrganisationKind.MUNICIPALITY:
                world.home[id(org)] = home
            user = world.account(f"{mailbox}@{slug}.example", org, role)
            if kind == OrganisationKind.CORPORATION:
                world.staff[id(org)] = user
            elif kind == OrganisationKind.CARE:
                world.care_user[id(org)] = user
            made.append(org)
        world.orgs[kind] = made


def home_municipality(world: World, n: int, municipalities: int) -> Organisation:
    """The home municipality of the n-th corporation or care organisation: one each first,
    then by the municipalities' weights."""
    towns = world.orgs[OrganisationKind.MUNICIPALITY]
    if n <= municipalities:
        return towns[n - 1]
    return world.rng.choices(towns, weights=municipality_weights(len(towns)))[0]


def plan_projects(world: World, count: int) -> None:
    rng = world.rng
    towns = world.orgs[OrganisationKind.MUNICIPALITY]
    weights = municipality_weights(len(towns))
    for n in range(1, count + 1):
        town = rng.choices(towns, weights=weights)[0]
        corporation = _local(world, OrganisationKind.CORPORATION, town)
        profile = rng.choices(PROFILES, weights=PROFILE_WEIGHTS)[0]
        site = _site(world, n, town, corporation, profile)
        _units(world, site)
        world.sites.append(site)


def _local(world: World, kind: str, town: Organisation) -> Organisation:
    """An organisation of `kind` at home in `town`, or any when none is."""
    orgs = world.orgs[kind]
    local = [org for org in orgs if world.home[id(org)] is town]
    return world.rng.choice(local or orgs)


def _site(world: World, n: int, town, corporation, profile: Profile) -> Site:
    rng, today = world.rng, world.today
    months_ago = rng.randint(*rng.choices([(6, 24), (24, 60), (60, 132)], weights=[5, 15, 80])[0])
    opened = add_months(today, -months_ago)
    temporary = months_ago <= 100 and rng.random() < 0.45
    band = rng.choice(profile.bands)
    project = Project(
        name=f"{rng.choice(STEMS)} {town.city} {n}",
        corporation=corporation,
        municipality=town,
        address=f"{rng.choice(STREETS)} {rng.randint(1, 250)}",
        postcode=f"{rng.randint(1000, 9999)} {rng.choice('ABCDEGHJKLMNPRST')}"
        f"{rng.choice('ABCDEGHJKLMNPRSTVWXZ')}",
        city=town.city,
        concept=Concept.TEMPORARY if temporary else Concept.PERMANENT,
        permit_end_date=term_last_day(opened, 12 * rng.choice([10, 11])) if temporary else None,
        dragend_min=band[0],
        dragend_max=band[1],
        cluster_dragend_min=max(0, band[0] - 10),
        cluster_dragend_max=min(100, band[1] + 10),
        contribution_hours=rng.choice([8, 10, 12, 16]),
        has_association=rng.random() < 0.3,
        checkin_every_months=rng.choice([3, 3, 3, 2, 6]),
    )
    care = [_local(world, OrganisationKind.CARE, town)]
    other = rng.choice(world.orgs[OrganisationKind.CARE])
    if rng.random() < 0.3 and other is not care[0]:
        care.append(other)
    link = Project.care_partners.through
    world.partner_links += [link(project=project, organisation=org) for org in care]
    if rng.random() < 0.4:
        group = world.ref.groups["statushouder"]
        limit = TargetGroupLimit(
            project=project, target_group=group, max_share=60 if profile.young else 35
        )
        world.limits.append(limit)
    site = Site(project, profile, opened, care, world.staff[id(corporation)])
    if project.has_association and rng.random() < 0.6:
        world.vote_settings.append(VoteSettings(project=project, quorum_percent=50, round_days=7))
        site.vote = True
    return site


def _cluster_sizes(rng: random.Random, units: int) -> list[int]:
    """Split `units` into clusters of 10 to 20 (one cluster when there are fewer)."""
    sizes, left = [], units
    while left > 0:
        if left <= 20:
            size = left
        elif left < 30:
            size = left // 2
        else:
            size = rng.randint(10, 20)
        sizes.append(size)
        left -= size
    return sizes


def _units(world: World, site: Site) -> None:
    """20 to 150 units (about 60 on average) in clusters of 10 to 20, roles spread evenly."""
    rng = world.rng
    count = min(150, max(20, round(rng.lognormvariate(3.95, 0.5))))
    kind = rng.choice(list(ClusterKind))
    vragend_share = 1 - (site.project.dragend_min + site.project.dragend_max) / 200
    kinds, weights = zip(*site.profile.units, strict=True)
    for index, size in enumerate(_cluster_sizes(rng, count)):
        cluster = Cluster(
            project=site.project, name=CLUSTER_NAMES[kind].format(index + 1), kind=kind
        )
        if rng.random() < 0.1:
            cluster.dragend_min, cluster.dragend_max = rng.choice([(40, 60), (45, 55), (60, 90)])
        world.clusters.append(cluster)
        offset = rng.random()
        for position in range(size):
            unit_kind = rng.choices(kinds, weights=weights)[0]
            area, rent, household = LAYOUTS[unit_kind]
            site.units.append(
                Unit(
                    project=site.project,
                    cluster=cluster,
                    number=f"{index + 1}.{position + 1:02d}",
                    kind=unit_kind,
                    floor_area=Decimal(rng.randint(area[0] * 10, area[1] * 10)) / 10,
                    rent=Decimal(rng.randint(rent[0] * 20, rent[1] * 20)) / 20,
                    max_household=rng.randint(2, household) if household > 1 else 1,
                    wheelchair_accessible=rng.random() < 0.05,
                )
            )
            # Spread ("gestippeld"): a vragend unit each time the running share passes a whole.
            step = int((position + 1) * vragend_share + offset) > int(
                position * vragend_share + offset
            )
            site.roles.append(VRAGEND if step else DRAGEND)
