"""The real dashboard against the attacker of `test_suppression`: hypothesis makes small
municipalities (a few projects, residents by role and target group, contracts that ended, omklap
trajectories, warnings), the dashboard is built for the policy officer as the page builds it, and
the attacker tries to recover a hidden count from everything the page (and its CSV files) shows.
"""

import datetime as dt
import zoneinfo
from decimal import Decimal

import pytest
from django.db import transaction
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from magicmix import dashboard
from magicmix.aggregates import SUPPRESSED
from magicmix.dashboard_data import Quarter
from projects.models import Project, Unit, UnitKind
from residents.models import (
    Contract,
    ContractStatus,
    ContractType,
    EndReason,
    Outflow,
    Person,
    ResidentRole,
    TargetGroup,
)
from tests.factories import ProjectFactory
from tests.test_suppression import recover

Q3 = Quarter(2026, 3)
NOW = dt.datetime(2026, 11, 23, 12, 0, tzinfo=zoneinfo.ZoneInfo("Europe/Amsterdam"))
GROUPS = {
    ResidentRole.DRAGEND: ["student", "starter", "oudere"],
    ResidentRole.VRAGEND: ["statushouder", "ex-dakloos"],
}
small = st.integers(0, 7)
project_data = st.fixed_dictionaries(
    {
        "residents": st.dictionaries(
            st.sampled_from([(role, group) for role, groups in GROUPS.items() for group in groups]),
            small,
        ),
        "left": st.dictionaries(st.sampled_from(list(Outflow.values)), small),
        "flipped": small,
        "omklap_running": small,
        "ending": st.lists(st.integers(1, 365), max_size=6),
    }
)


def build_municipality(corporation, municipality, projects: list[dict]) -> list[Project]:
    regulier = ContractType.objects.get(code="regulier")
    campus = ContractType.objects.get(code="campus")
    omklap = ContractType.objects.get(code="omklap")
    groups = {g.code: g for g in TargetGroup.objects.all()}
    made = []
    for i, spec in enumerate(projects):
        project = ProjectFactory(name=f"P{i}", corporation=corporation, municipality=municipality)
        made.append(project)
        plan = []  # (role, group, type, start, end, status, reason, outflow)
        for (role, group), n in spec["residents"].items():
            plan += [(role, group, regulier, None, ContractStatus.ACTIVE, "", "")] * n
        for where, n in spec["left"].items():
            plan += [
                (
                    "dragend",
                    "student",
                    regulier,
                    dt.date(2026, 8, 1),
                    ContractStatus.ENDED,
                    EndReason.TENANT_NOTICE,
                    where,
                )
            ] * n
        plan += [
            (
                "vragend",
                "ex-dakloos",
                omklap,
                dt.date(2026, 9, 1),
                ContractStatus.ENDED,
                EndReason.FLIPPED,
                "",
            )
        ] * spec["flipped"]
        plan += [("vragend", "ex-dakloos", omklap, None, ContractStatus.ACTIVE, "", "")] * spec[
            "omklap_running"
        ]
        plan += [
            (
                "dragend",
                "student",
                campus,
                Q3.end + dt.timedelta(days=d),
                ContractStatus.ACTIVE,
                "",
                "",
            )
            for d in spec["ending"]
        ]
        units = Unit.objects.bulk_create(
            Unit(
                project=project,
                number=str(n),
                kind=UnitKind.ROOM,
                floor_area=Decimal(18),
                rent=Decimal(400),
            )
            for n in range(len(plan) + 2)
        )
        people = Person.objects.bulk_create(
            Person(
                corporation=corporation,
                first_name="X",
                last_name="Y",
                role=role,
                target_group=groups[group],
            )
            for role, group, *_rest in plan
        )
        Contract.objects.bulk_create(
            Contract(
                person=person,
                unit=unit,
                contract_type=ctype,
                start_date=dt.date(2025, 1, 1),
                end_date=end,
                status=status,
                end_reason=reason,
                outflow=outflow,
            )
            for person, unit, (_r, _g, ctype, end, status, reason, outflow) in zip(
                people, units, plan, strict=False
            )
        )
    return made


@pytest.mark.django_db
@settings(
    max_examples=25,
    deadline=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(projects=st.lists(project_data, min_size=1, max_size=4))
def test_no_hidden_count_of_the_real_dashboard_can_be_recovered(
    projects, corp_a, municipality_a, time_machine
):
    time_machine.move_to(NOW, tick=False)
    with transaction.atomic():
        made = build_municipality(corp_a, municipality_a, projects)
        scoped = list(
            Project.objects.filter(pk__in=[p.pk for p in made]).with_unit_count().order_by("name")
        )
        board = dashboard.build(scoped, Q3)
        transaction.set_rollback(True)
    disclosure = board.disclosure
    small_hidden = {k for k in disclosure.hidden if 0 < disclosure.values[k] < 5}
    assert not set(recover(disclosure)) & small_hidden
    # Every hidden key is shown as the same text wherever a table shows it.
    shown = {cell for table in board.tables for r in table.rows for cell in r.cells}
    if small_hidden:
        assert SUPPRESSED in shown
    for key in disclosure.hidden:
        assert disclosure.display(key) == SUPPRESSED
