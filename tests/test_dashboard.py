"""The dashboard: figures per project and in total for a closed quarter, small numbers hidden,
CSV exports that say the same, access by role, aggregate-only SQL and a fixed query count."""

import csv
import datetime as dt
import html as html_module
import io
import re
import zoneinfo

import pytest
from django.db import connection
from django.db.models import Count
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from allocation.models import Vacancy
from magicmix import dashboard
from magicmix.dashboard_data import Quarter
from projects.models import Project
from residents.models import (
    ContractStatus,
    ContractType,
    EndReason,
    Outflow,
    ResidentRole,
    ResidentWarning,
)
from tests.factories import (
    ContractFactory,
    PersonFactory,
    ProjectFactory,
    UnitFactory,
)

AMSTERDAM = zoneinfo.ZoneInfo("Europe/Amsterdam")
NOW = dt.datetime(2026, 11, 23, 12, 0, tzinfo=AMSTERDAM)
Q3 = Quarter(2026, 3)  # 1 July - 30 September 2026: the latest closed quarter on NOW
DRAGEND, VRAGEND = ResidentRole.DRAGEND, ResidentRole.VRAGEND


@pytest.fixture(autouse=True)
def _today(time_machine):
    time_machine.move_to(NOW, tick=False)


def residents(project, role, count, *, group="student", start=dt.date(2025, 1, 1), **contract):
    """`count` residents of `project`, each on a unit of their own."""
    made = []
    for _i in range(count):
        person = PersonFactory(corporation=project.corporation, role=role, target_group_code=group)
        made.append(
            ContractFactory(
                person=person, unit=UnitFactory(project=project), start_date=start, **contract
            )
        )
    return made


def table(client, slug, **params):
    """The table `slug` of the dashboard page, as rows of cell texts (header row first)."""
    response = client.get(reverse("dashboard"), {"quarter": Q3.slug, **params})
    assert response.status_code == 200
    html = response.content.decode()
    section = html.split(f'<h2 id="{slug}">', 1)[1].split("</section>", 1)[0]
    rows = re.findall(r"<tr[^>]*>(.*?)</tr>", section, re.S)
    return [
        [
            html_module.unescape(re.sub(r"<[^>]+>", "", cell)).strip()
            for cell in re.findall(r"<t[hd][^>]*>(.*?)</t[hd]>", r, re.S)
        ]
        for r in rows
    ]


def row(rows, header):
    return next(r for r in rows if r[0] == header)


@pytest.fixture
def two_projects(project_a, corp_a, municipality_a):
    """Project A: 12 dragend, 3 vragend. Project C (same municipality): 20 dragend, 10 vragend."""
    project_c = ProjectFactory(name="Project C", corporation=corp_a, municipality=municipality_a)
    residents(project_a, DRAGEND, 12)
    residents(project_a, VRAGEND, 3, group="statushouder")
    residents(project_c, DRAGEND, 20)
    residents(project_c, VRAGEND, 10, group="statushouder")
    return project_a, project_c


# --- what the policy officer sees ------------------------------------------------------------


def test_a_small_group_is_hidden_with_its_partners_and_totals_stay(
    two_projects, policy_a, client_for
):
    mix = table(client_for(policy_a), "mix")
    assert mix[0][:4] == ["Project", "Dragend", "Vragend", "Bewoners"]
    project_a = row(mix, "Project A")
    # 3 vragend is small; 12 dragend would give it back from the total of 15, so it goes too.
    assert project_a[1:4] == ["<5", "<5", "15"]
    assert project_a[4] == "–"  # no share over hidden numbers
    # The column totals would give A's vragend back from C's: C's cells are hidden too.
    assert row(mix, "Project C")[1:4] == ["<5", "<5", "30"]
    assert row(mix, "Totaal")[1:5] == ["32", "13", "45", "71%"]


def test_every_hidden_cell_looks_the_same_and_nothing_else_is_hidden(
    two_projects, policy_a, client_for
):
    groups = table(client_for(policy_a), "groups")
    hidden = [cell for r in groups[1:] for cell in r[1:] if not cell.isdigit()]
    assert hidden
    assert set(hidden) == {"<5"}
    assert row(groups, "Totaal")[-1] == "45"


def test_a_share_needs_ten_people(project_a, corp_a, municipality_a, policy_a, client_for):
    nine = ProjectFactory(name="Negen", corporation=corp_a, municipality=municipality_a)
    residents(nine, DRAGEND, 9)
    residents(project_a, DRAGEND, 10)
    mix = table(client_for(policy_a), "mix")
    assert row(mix, "Negen")[1:5] == ["9", "0", "9", "–"]
    assert row(mix, "Project A")[1:5] == ["10", "0", "10", "100%"]


def test_contracts_ending_fall_in_their_band_on_the_edges(project_a, policy_a, client_for):
    # 30 September 2026 + 3 months = 30 December: the last day of the first band.
    for end in (dt.date(2026, 12, 30), dt.date(2026, 12, 31), dt.date(2027, 9, 30)):
        residents(project_a, DRAGEND, 5, end_date=end, contract_type_code="campus")
    residents(project_a, DRAGEND, 5, end_date=dt.date(2026, 9, 30))  # ends on the day itself
    residents(project_a, DRAGEND, 5, end_date=dt.date(2027, 10, 1))  # beyond 12 months
    ending = table(client_for(policy_a), "ending")
    assert row(ending, "Project A")[1:] == ["5", "5", "5", "15"]
    types = table(client_for(policy_a), "ending-types")
    assert row(types, "Campuscontract")[1:] == ["5", "5", "5", "15"]


def test_outflow_omklap_and_warnings_count_the_quarter(
    project_a, care_org, staff_a, policy_a, client_for
):
    in_q3 = dict(status=ContractStatus.ENDED, end_date=dt.date(2026, 8, 15))
    residents(project_a, DRAGEND, 6, outflow=Outflow.SOCIAL_RENT, **in_q3)
    residents(project_a, DRAGEND, 5, outflow=Outflow.PRIVATE_RENT, **in_q3)
    residents(
        project_a,
        DRAGEND,
        5,
        outflow=Outflow.SOCIAL_RENT,
        status=ContractStatus.ENDED,
        end_date=dt.date(2026, 6, 30),
    )  # the quarter before
    omklap = dict(contract_type_code="omklap", holder_organisation=care_org, guidance_months=12)
    flipped = residents(
        project_a,
        VRAGEND,
        10,
        group="ex-dakloos",
        start=dt.date(2025, 8, 15),
        status=ContractStatus.ENDED,
        end_date=dt.date(2026, 8, 14),
        end_reason=EndReason.FLIPPED,
        **omklap,
    )
    residents(
        project_a,
        VRAGEND,
        5,
        group="ex-dakloos",
        status=ContractStatus.ENDED,
        end_date=dt.date(2026, 9, 1),
        end_reason=EndReason.GUIDANCE_ENDED,
        outflow=Outflow.INSTITUTION,
        **omklap,
    )
    running = residents(project_a, VRAGEND, 7, group="ex-dakloos", **omklap)
    for contract in flipped[:6] + running[:1]:
        ResidentWarning.objects.create(
            person=contract.person,
            contract=contract,
            given_on=dt.date(2026, 7, 1),
            reason="x",
            given_by=staff_a,
        )
    client = client_for(policy_a)
    outflow = row(table(client, "outflow"), "Project A")
    assert outflow[1:3] == ["6", "5"]  # social rent, private rent
    assert outflow[3] == "5"
    assert outflow[-1] == "16"
    om = row(table(client, "omklap"), "Project A")
    # running 7, extended 0, flipped 10, ended 5, concluded 15, 67%, a year = 12.0 months
    assert om[1:] == ["7", "0", "10", "5", "15", "67%", "12,0"]
    assert row(table(client, "warnings"), "Project A")[1] == "7"


def test_the_trend_shows_eight_quarters_ending_with_the_chosen_one(
    two_projects, policy_a, client_for
):
    trend = table(client_for(policy_a), "trend")
    assert [r[0] for r in trend[1:]] == [q.label for q in Q3.back(8)]
    assert row(trend, Q3.label)[1:5] == ["45", "32", "13", "71%"]


# --- export -----------------------------------------------------------------------------------


def test_every_table_exports_as_csv_with_the_same_cells(two_projects, policy_a, client_for):
    client = client_for(policy_a)
    projects = list(Project.objects.for_policy(policy_a).with_unit_count().order_by("name", "pk"))
    board = dashboard.build(projects, Q3)
    assert len(board.tables) >= 10
    for shown in board.tables:
        response = client.get(reverse("dashboard_csv", args=[shown.slug]), {"quarter": Q3.slug})
        assert response.status_code == 200
        assert response["Content-Type"].startswith("text/csv")
        assert f"{shown.slug}-{Q3.slug}" in response["Content-Disposition"]
        text = response.content.decode("utf-8")
        assert text.startswith("\ufeff")
        rows = list(csv.reader(io.StringIO(text[1:]), delimiter=";"))
        assert rows[0][0] == str(shown.row_header)
        assert rows[1:] == [[r.header, *r.cells] for r in shown.rows]
    mix = client.get(reverse("dashboard_csv", args=["mix"]), {"quarter": Q3.slug})
    assert "Project A;<5;<5;15" in mix.content.decode()


def test_an_unknown_table_is_404(policy_a, client_for):
    assert client_for(policy_a).get("/dashboard/people.csv").status_code == 404


# --- access -----------------------------------------------------------------------------------


def test_who_may_see_the_dashboard(
    two_projects,
    staff_a,
    readonly_a,
    staff_b,
    policy_a,
    member_a,
    outsider,
    care_worker,
    client_for,
    client,
):
    assert client_for(policy_a).get(reverse("dashboard")).status_code == 200
    assert client_for(staff_a).get(reverse("dashboard")).status_code == 200
    # Read-only staff may read figures: the dashboard changes nothing.
    assert client_for(readonly_a).get(reverse("dashboard")).status_code == 200
    for user in (member_a, outsider, care_worker):
        assert client_for(user).get(reverse("dashboard")).status_code == 404
        assert client_for(user).get(reverse("dashboard_csv", args=["mix"])).status_code == 404
    response = client.get(reverse("dashboard"))
    assert response.status_code == 302
    assert "/accounts/login/" in response["Location"]
    other = client_for(staff_b).get(reverse("dashboard")).content.decode()
    assert "Project A" not in other
    assert "Project C" not in other


def test_another_municipality_cannot_be_chosen(two_projects, project_b, policy_a, client_for):
    response = client_for(policy_a).get(
        reverse("dashboard"), {"municipality": project_b.municipality_id}
    )
    html = response.content.decode()
    assert response.status_code == 200
    assert "Project B" not in html
    assert "Project A" in html
    assert "errorlist" in html  # the choice is refused with a message
    csv_response = client_for(policy_a).get(
        reverse("dashboard_csv", args=["mix"]), {"municipality": project_b.municipality_id}
    )
    assert "Project B" not in csv_response.content.decode()


def test_a_quarter_not_offered_is_refused_with_a_message(two_projects, policy_a, client_for):
    response = client_for(policy_a).get(reverse("dashboard"), {"quarter": "2026-Q4"})
    html = response.content.decode()
    assert "errorlist" in html
    assert Q3.label in html  # and the latest closed quarter is shown instead


def test_the_policy_officer_reaches_no_personal_page(two_projects, policy_a, client_for):
    client = client_for(policy_a)
    project_a, _c = two_projects
    contract = project_a.units.first().contracts.first()
    vacancy_unit = UnitFactory(project=project_a)
    vacancy = Vacancy.objects.create(
        project=project_a,
        unit=vacancy_unit,
        available_from=dt.date(2026, 12, 1),
        contract_type=ContractType.objects.get(code="regulier"),
    )
    urls = [
        reverse("residents:person_list"),
        reverse("residents:person_detail", args=[contract.person_id]),
        reverse("residents:contract_detail", args=[contract.pk]),
        reverse("residents:project_detail", args=[project_a.pk]),
        reverse("residents:unit_detail", args=[contract.unit_id]),
        reverse("residents:trajectory_list"),
        reverse("allocation:vacancy_detail", args=[vacancy.pk]),
        reverse("allocation:vacancy_list"),
    ]
    for url in urls:
        assert client.get(url).status_code == 404, url


def test_the_dashboard_reads_counts_never_a_person(two_projects, policy_a, client_for):
    with CaptureQueriesContext(connection) as queries:
        client_for(policy_a).get(reverse("dashboard"), {"quarter": Q3.slug})
    personal = [
        f'"residents_person"."{column}"'
        for column in ("first_name", "last_name", "date_of_birth", "email", "phone", "notes")
    ] + ['"residents_residentwarning"."reason"', '"residents_contract"."person_id"']
    figures = [
        q["sql"]
        for q in queries
        if 'FROM "residents_contract" ' in q["sql"]
        or 'FROM "residents_residentwarning"' in q["sql"]
    ]
    assert len(figures) >= 8
    for sql in figures:
        select = sql.split(" FROM ", 1)[0]
        assert not any(column in select for column in personal), select
        assert "COUNT(" in sql or "SUM(" in sql, sql
        assert "GROUP BY" in sql or sql.count("COUNT(") + sql.count("SUM(") >= 1


# --- queries ----------------------------------------------------------------------------------


def test_the_number_of_queries_does_not_grow_with_the_data(
    project_a, corp_a, municipality_a, care_org, policy_a, client_for
):
    client = client_for(policy_a)
    residents(project_a, DRAGEND, 2)

    def count():
        with CaptureQueriesContext(connection) as queries:
            assert client.get(reverse("dashboard"), {"quarter": Q3.slug}).status_code == 200
        return len(queries)

    few = count()
    for n in range(4):
        project = ProjectFactory(
            corporation=corp_a, municipality=municipality_a, has_association=True
        )
        residents(project, DRAGEND, 6 + n)
        residents(
            project,
            VRAGEND,
            3,
            group="ex-dakloos",
            contract_type_code="omklap",
            holder_organisation=care_org,
            guidance_months=12,
        )
        residents(
            project,
            DRAGEND,
            3,
            status=ContractStatus.ENDED,
            end_date=dt.date(2026, 8, 1),
            outflow=Outflow.SOCIAL_RENT,
        )
        residents(project, DRAGEND, 2, end_date=dt.date(2027, 2, 1), contract_type_code="campus")
    assert count() == few


def test_on_generated_data_the_queries_do_not_grow_with_it(client_for):
    """The scale command's data, small and four times as big: the same number of queries for
    the biggest municipality's dashboard (its policy officer) and a corporation's worklist."""
    from django.core.management import call_command

    from projects.models import Membership, Role

    def counts():
        municipality = (
            Project.objects.values("municipality").annotate(n=Count("pk")).order_by("-n")[0]
        )
        policy = Membership.objects.filter(
            organisation_id=municipality["municipality"], role=Role.POLICY
        ).first()
        corporation = (
            Project.objects.values("corporation").annotate(n=Count("pk")).order_by("-n")[0]
        )
        staff = Membership.objects.filter(
            organisation_id=corporation["corporation"], role=Role.STAFF
        ).first()
        result = []
        for user, path in ((policy.user, reverse("dashboard")), (staff.user, reverse("home"))):
            client = client_for(user)
            client.get(path)
            with CaptureQueriesContext(connection) as queries:
                assert client.get(path).status_code == 200
            result.append(len(queries))
        return result

    call_command("load_scale", projects=3, seed=2, stdout=io.StringIO())
    small = counts()
    call_command("load_scale", projects=12, seed=2, replace=True, stdout=io.StringIO())
    assert Project.objects.count() == 12
    assert counts() == small


def test_staff_choose_a_municipality_and_a_bad_quarter_does_not_undo_it(
    project_a, corp_a, staff_a, client_for
):
    elsewhere = ProjectFactory(name="Elders", corporation=corp_a)
    client = client_for(staff_a)
    both = client.get(reverse("dashboard")).content.decode()
    assert "Project A" in both
    assert "Elders" in both
    response = client.get(
        reverse("dashboard"), {"municipality": elsewhere.municipality_id, "quarter": "1999-Q1"}
    )
    html = response.content.decode()
    assert "errorlist" in html
    assert "Elders" in html
    assert "Project A" not in html
