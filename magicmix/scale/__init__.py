"""A large, realistic data set for benchmarks: `manage.py load_scale [--projects N] [--seed S]`.

For N projects (500 by default): about N/50 municipalities (the first one large, with over a
fifth of the projects), N/20 corporations and N/25 care organisations, all named "Schaal ...";
a policy officer per municipality, a staff member per corporation and a care worker per care
organisation (password DEMO_PASSWORD); about 60 units per project (20 to 150) in clusters of 10
to 20; and five years of tenancies (magicmix.scale.stays) with their notices, check-ins,
warnings and memberships (records), plus candidates, vacancies, offers and closed
association votes (allocation). N = 500 gives about 30,000 units, 67,000 persons and
100,000 contracts (about a third of the tenancies go to someone moving on from another unit).

Deterministic for a seed and a day: one random.Random(seed) makes every choice in a fixed order,
and every date is relative to `today`. Everything is planned in memory first, then written with
bulk_create in batches; call `load_scale` inside a transaction. No row passes full_clean() (that
would take hours), so the planners keep the data valid themselves: no two contracts in force on
a unit overlap (PostgreSQL's exclusion constraint checks that too), ages fit the contract types,
no diagnosis or citizen service number anywhere.
"""

import random
import time
from collections.abc import Callable
from dataclasses import dataclass

from allauth.account.models import EmailAddress
from django.contrib.auth import get_user_model
from django.db import connection

from allocation.models import BallotBox, VoteRound, VoteSettings
from projects.models import Cluster, Membership, Organisation, OrganisationKind, Project, Unit
from residents.models import Contract, Person, TargetGroupLimit

from .allocation import Allocation
from .purge import purge_scale
from .records import Records
from .sites import (
    PREFIX,
    Reference,
    ScaleError,
    World,
    plan_organisations,
    plan_projects,
)
from .stays import ChainPlanner, Moves, People

__all__ = ["ScaleError", "analyze", "load_scale", "scale_present"]

BATCH = 2000  # rows per INSERT; PostgreSQL allows 65,535 parameters per statement
REPORT_EVERY = 20_000  # rows between progress lines of a long table
Progress = Callable[[str], None]


def scale_present() -> bool:
    return Organisation.objects.filter(name__startswith=PREFIX).exists()


@dataclass
class Plan:
    world: World
    people: People
    moves: Moves
    stays: list
    records: Records
    allocation: Allocation


def load_scale(
    *, projects: int, seed: int, today, replace: bool = False, progress: Progress = print
) -> dict[str, int]:
    """Generate the data set; returns the number of rows per kind. Refuses (ScaleError) when
    scale data exists, unless `replace`: then that is removed first."""
    if projects < 1:
        raise ScaleError("Give at least one project.")
    if scale_present():
        if not replace:
            raise ScaleError(
                f"Scale data exists already (organisations named {PREFIX!r}...); nothing was "
                "written. Use --replace to remove it and generate it again."
            )
        started = time.monotonic()
        purge_scale()
        progress(f"removed the previous scale data ({time.monotonic() - started:.1f} s)")
    started = time.monotonic()
    plan = make_plan(projects, seed, today, progress)
    progress(f"planned in {time.monotonic() - started:.1f} s")
    write(plan, progress)
    return summary(plan)


def make_plan(projects: int, seed: int, today, progress: Progress) -> Plan:
    world = World(random.Random(seed), today, Reference.load())  # noqa: S311 - test data
    plan_organisations(world, projects)
    plan_projects(world, projects)
    stays = ChainPlanner(world).plan(progress)
    people = People(world)
    moves = Moves(world, people)
    moves.assign(stays)
    records = Records(world, stays)
    records.build()
    allocation = Allocation(world, people, stays)
    allocation.build()
    return Plan(world, people, moves, stays, records, allocation)


def insert(model, rows: list, label: str, progress: Progress, history: bool = False) -> None:
    """bulk_create in batches, with a progress line every REPORT_EVERY rows and at the end;
    `history` also writes each row's creation record (django-simple-history)."""
    total, began = len(rows), time.monotonic()
    for start in range(0, total, BATCH):
        chunk = rows[start : start + BATCH]
        model.objects.bulk_create(chunk, batch_size=BATCH)
        if history:
            model.history.bulk_history_create(chunk, batch_size=BATCH)
        done = start + len(chunk)
        if done == total:
            progress(f"{label} {done:,}/{total:,} ({time.monotonic() - began:.1f} s)")
        elif done // REPORT_EVERY != start // REPORT_EVERY:
            progress(f"{label} {done:,}/{total:,} …")


def write(plan: Plan, progress: Progress) -> None:
    world, records, allocation = plan.world, plan.records, plan.allocation
    orgs = [org for kind in world.orgs.values() for org in kind]
    contracts = [c for stay in plan.stays for c in stay.contracts]
    flipped = [c for c in contracts if c.flipped_from is not None]
    steps = [
        (Organisation, orgs, "organisations"),
        (get_user_model(), world.users, "accounts"),
        (Membership, world.memberships, "memberships"),
        (EmailAddress, world.addresses, "e-mail addresses"),
        (Project, [site.project for site in world.sites], "projects"),
        (Project.care_partners.through, world.partner_links, "care partners"),
        (TargetGroupLimit, world.limits, "target group limits"),
        (VoteSettings, world.vote_settings, "vote settings"),
        (Cluster, world.clusters, "clusters"),
        (Unit, [unit for site in world.sites for unit in site.units], "units"),
    ]
    for model, rows, label in steps:
        insert(model, rows, label, progress)
    insert(Person, [r.person for r in plan.people.made], "persons", progress, history=True)
    first = [c for c in contracts if c.flipped_from is None]
    insert(Contract, first, "contracts", progress, history=True)
    insert(Contract, flipped, "flipped contracts", progress, history=True)
    for rows, label in (
        (records.notices, "notices"),
        (records.decisions, "lapse decisions"),
        (records.checkins, "check-ins"),
        (records.extensions, "guidance extensions"),
        (records.warnings, "warnings"),
        (records.memberships, "association memberships"),
        (allocation.applications, "applications"),
        (allocation.vacancies, "vacancies"),
        (allocation.offers, "offers"),
        (allocation.rounds, "vote rounds"),
        (allocation.shortlists, "shortlisted candidates"),
        (allocation.electors, "electors"),
        (allocation.participations, "participations"),
        (allocation.events, "allocation events"),
    ):
        if rows:
            insert(type(rows[0]), rows, label, progress)
    boxes = allocation.boxes()
    if boxes:
        VoteRound.objects.bulk_update(allocation.rounds, ["winner"], batch_size=BATCH)
        insert(BallotBox, boxes, "ballot boxes", progress)


def analyze() -> None:
    """Fresh statistics for the query planner (PostgreSQL), so a benchmark right after the load
    does not run on plans made for empty tables."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")


def summary(plan: Plan) -> dict[str, int]:
    world, records, allocation = plan.world, plan.records, plan.allocation
    contracts = [c for stay in plan.stays for c in stay.contracts]
    return {
        "municipalities": len(world.orgs[OrganisationKind.MUNICIPALITY]),
        "corporations": len(world.orgs[OrganisationKind.CORPORATION]),
        "care organisations": len(world.orgs[OrganisationKind.CARE]),
        "accounts": len(world.users),
        "projects": len(world.sites),
        "largest municipality's projects": max(
            sum(1 for s in world.sites if s.project.municipality is town)
            for town in world.orgs[OrganisationKind.MUNICIPALITY]
        ),
        "clusters": len(world.clusters),
        "units": sum(len(site.units) for site in world.sites),
        "units empty today": allocation.empty_units,
        "persons": len(plan.people.made),
        "moves (a person's next stay)": plan.moves.moves,
        "contracts": len(contracts),
        "contracts active": sum(c.status == "active" for c in contracts),
        "omklap contracts": sum(c.contract_type.is_omklap for c in contracts),
        "flipped": sum(c.flipped_from is not None for c in contracts),
        "notices": len(records.notices),
        "lapse decisions": len(records.decisions),
        "check-ins": len(records.checkins),
        "guidance extensions": len(records.extensions),
        "warnings": len(records.warnings),
        "association memberships": len(records.memberships),
        "applications": len(allocation.applications),
        "vacancies": len(allocation.vacancies),
        "open vacancies": sum(v.status != "filled" for v in allocation.vacancies),
        "offers": len(allocation.offers),
        "vote rounds": len(allocation.rounds),
        "electors": len(allocation.electors),
        "allocation events": len(allocation.events),
    }
