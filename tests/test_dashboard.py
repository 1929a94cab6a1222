"""The dashboard: figures per project and in total for a period, every count published through
the cell key method (magicmix.dashboard.disclosure), CSV exports that say the same and say what
they are, print and definitions pages, access by role, aggregate-only SQL and a fixed query
count. Expected figures are the true counts published with the records' own keys: what the
page must show for exactly those records."""

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
from magicmix.dashboard import data
from magicmix.dashboard.disclosure import HIDDEN, Cell, publish, publish_at_most
from magicmix.dashboard.periods import Quarter
from magicmix.models import PublishedDashboard
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
    MunicipalityFactory,
    PersonFactory,
    ProjectFactory,
    UnitFactory,
)

AMSTERDAM = zoneinfo.ZoneInfo("Europe/Amsterdam")
NOW = dt.datetime(2026, 11, 23, 12, 0, tzinfo=AMSTERDAM)
Q3 = Quarter.of(2026, 3)  # 1 July - 30 September 2026: the latest closed quarter on NOW
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


def shown(*records, at_most: int | None = None) -> str:
    """What the dashboard must show for a figure that counts exactly these records (never
    above `at_most`: residents are at most the units)."""
    flat = [r for group in records for r in (group if isinstance(group, list) else [group])]
    cell = sum((Cell(1, r.cell_key) for r in flat), Cell())
    return str(publish(cell) if at_most is None else publish_at_most(cell, at_most))


def table(client, slug, **params):
    """The table `slug` of the dashboard page, as rows of cell texts (header row first)."""
    response = client.get(reverse("dashboard"), {"period": Q3.slug, **params})
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


def csv_rows(content: bytes) -> tuple[dict, list[list[str]]]:
    """A dashboard CSV read back: ({label: value} of its first lines, the table's rows)."""
    text = content.decode("utf-8")
    assert text.startswith("\ufeff")
    head, _sep, body = text[1:].partition("\r\n\r\n")
    meta = {r[0].removeprefix("# "): r[1] for r in csv.reader(io.StringIO(head), delimiter=";")}
    return meta, list(csv.reader(io.StringIO(body), delimiter=";"))


@pytest.fixture
def two_projects(project_a, corp_a, municipality_a):
    """Project A: 12 dragend, 3 vragend. Project C (same municipality): 20 dragend, 10 vragend."""
    project_c = ProjectFactory(name="Project C", corporation=corp_a, municipality=municipality_a)
    made = {
        "a_dragend": residents(project_a, DRAGEND, 12),
        "a_vragend": residents(project_a, VRAGEND, 3, group="statushouder"),
        "c_dragend": residents(project_c, DRAGEND, 20),
        "c_vragend": residents(project_c, VRAGEND, 10, group="statushouder"),
    }
    return project_a, project_c, made


# --- what the policy officer sees ------------------------------------------------------------


def test_every_count_is_its_records_published_and_totals_are_their_own(
    two_projects, policy_a, client_for
):
    _a, _c, made = two_projects
    mix = table(client_for(policy_a), "mix")
    assert mix[0][:4] == ["Project", "Dragend", "Vragend", "Bewoners"]
    assert row(mix, "Project A")[1:4] == [
        shown(made["a_dragend"]),
        shown(made["a_vragend"]),
        shown(made["a_dragend"], made["a_vragend"], at_most=15),
    ]
    everyone = list(made.values())
    assert row(mix, "Totaal")[1:4] == [
        shown(made["a_dragend"], made["c_dragend"]),
        shown(made["a_vragend"], made["c_vragend"]),
        shown(*everyone, at_most=45),  # every unit has a resident: never above 45
    ]
    # No count from 1 to 4 is ever shown: 3 vragend show as 0 or 5.
    assert row(mix, "Project A")[2] in {"0", "5"}


def test_the_same_people_are_the_same_number_in_every_table(two_projects, policy_a, client_for):
    client = client_for(policy_a)
    residents_a = row(table(client, "mix"), "Project A")[3]
    assert row(table(client, "groups"), "Project A")[-1] == residents_a
    assert row(table(client, "occupancy"), "Project A")[2] == residents_a
    total = row(table(client, "mix"), "Totaal")[3]
    assert row(table(client, "trend"), Q3.label)[1] == total


def test_a_share_needs_ten_published_people(
    project_a, corp_a, municipality_a, policy_a, client_for
):
    few = ProjectFactory(name="Weinig", corporation=corp_a, municipality=municipality_a)
    residents(few, DRAGEND, 4)
    many = residents(project_a, DRAGEND, 20)
    mix = table(client_for(policy_a), "mix")
    assert row(mix, "Weinig")[4] == HIDDEN
    assert row(mix, "Weinig")[6] == HIDDEN  # within band: not known either
    assert row(mix, "Project A")[1:5] == [shown(many), "0", shown(many, at_most=20), "100%"]


def test_contracts_ending_count_from_today_and_fall_in_their_band_on_the_edges(project_a):
    today = NOW.date()  # 23 November 2026: + 3 months = 23 February 2027
    campus = ContractType.objects.get(code="campus")
    for end in (dt.date(2027, 2, 23), dt.date(2027, 2, 24), dt.date(2027, 11, 23)):
        residents(project_a, DRAGEND, 2, end_date=end, contract_type_code="campus")
    residents(project_a, DRAGEND, 2, end_date=today, contract_type_code="campus")  # ends today
    residents(project_a, DRAGEND, 2, end_date=dt.date(2027, 11, 24), contract_type_code="campus")
    residents(project_a, DRAGEND, 2, start=dt.date(2027, 1, 1), end_date=dt.date(2027, 2, 1))
    ending = data.ending([project_a.pk], today)
    assert {band: cell.n for (_p, t, band), cell in ending.items() if t == campus.pk} == {
        "0-3": 2,
        "3-6": 2,
        "6-12": 2,
    }
    assert len(ending) == 3  # not yet started: not in force today


def test_the_today_view_answers_how_many_temporary_contracts_end_per_project(
    project_a, policy_a, client_for
):
    soon = residents(
        project_a, DRAGEND, 6, end_date=dt.date(2027, 1, 15), contract_type_code="campus"
    )
    later = residents(
        project_a, DRAGEND, 7, end_date=dt.date(2027, 4, 1), contract_type_code="campus"
    )
    residents(project_a, DRAGEND, 5)  # open-ended: never "ending"
    client = client_for(policy_a)
    campus = ContractType.objects.get(code="campus")
    response = client.get(reverse("dashboard"), {"period": "today"})
    html = response.content.decode()
    assert "Peildatum: 23 november 2026" in html
    rows = table(client, f"ending-{campus.pk}", period="today")
    assert rows[0][1:] == [
        "tot en met 23 februari 2027",
        "daarna tot en met 23 mei 2027",
        "daarna tot en met 23 november 2027",
        "Binnen 6 maanden",
        "Binnen 12 maanden",
    ]
    assert row(rows, "Project A")[1:] == [
        shown(soon),
        shown(later),
        "0",
        shown(soon, later),
        shown(soon, later),
    ]
    types = table(client, "ending-types", period="today")
    assert row(types, "Campuscontract")[4] == shown(soon, later)


def test_outflow_omklap_and_warnings_count_the_period(
    project_a, care_org, staff_a, policy_a, client_for
):
    in_q3 = dict(status=ContractStatus.ENDED, end_date=dt.date(2026, 8, 15))
    social = residents(project_a, DRAGEND, 6, outflow=Outflow.SOCIAL_RENT, **in_q3)
    private = residents(project_a, DRAGEND, 5, outflow=Outflow.PRIVATE_RENT, **in_q3)
    before = residents(
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
    institution = residents(
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
    warnings = [
        ResidentWarning.objects.create(
            person=contract.person,
            contract=contract,
            given_on=dt.date(2026, 7, 1),
            reason="x",
            given_by=staff_a,
        )
        for contract in flipped[:6] + running[:1]
    ]
    client = client_for(policy_a)
    outflow = row(table(client, "outflow"), "Project A")
    assert outflow[1:4] == [shown(social), shown(private), shown(institution)]
    assert outflow[-1] == shown(social, private, institution)
    om = row(table(client, "omklap"), "Project A")
    assert om[1:6] == [
        shown(running),
        "0",
        shown(flipped),
        shown(institution),
        shown(flipped, institution),
    ]
    # The success rate is over the published numbers; a year to flip is 12,0 months.
    assert om[6] == f"{100 * int(shown(flipped)) / int(shown(flipped, institution)):.0f}%"
    assert om[7] == ("12,0" if int(shown(flipped)) >= 10 else HIDDEN)
    assert row(table(client, "warnings"), "Project A")[1] == shown(warnings)
    # The quarter before counts its own records; 2026 is no closed year yet, so not offered.
    assert row(table(client, "outflow", period="2026-K2"), "Project A")[1] == shown(before)
    assert "2026-Q2" in client.get(reverse("dashboard"), {"period": "2026"}).content.decode()


def test_the_trend_shows_eight_quarters_or_five_years_with_the_occupancy_rate(
    two_projects, policy_a, client_for
):
    client = client_for(policy_a)
    trend = table(client, "trend")
    assert [r[0] for r in trend[1:]] == [q.label for q in Q3.back(8)]
    assert trend[0][1:6] == ["Bewoners", "Dragend", "Vragend", "Aandeel dragend", "Bezettingsgraad"]
    _a, _c, made = two_projects
    everyone = list(made.values())
    units = sum(p.units.count() for p in Project.objects.all())
    occupied = int(shown(*everyone, at_most=units))
    assert row(trend, "K3 2026")[5] == f"{100 * occupied / units:.0f}%"
    years = table(client, "trend", period="2025")
    assert [r[0] for r in years[1:]] == ["2021", "2022", "2023", "2024", "2025"]
    html = client.get(reverse("dashboard"), {"period": Q3.slug}).content.decode()
    section = html.split('<h2 id="trend">', 1)[1].split("</section>", 1)[0]
    pair = section.split('<div class="dashboard-pair">', 1)[1]  # the chart beside its table
    assert pair.index("<table>") < pair.index("<svg")
    chart = pair.split("<svg", 1)[1].split("</svg>", 1)[0]
    assert "chart-swatch" in chart
    assert "aandeel dragend" in chart
    assert "bezettingsgraad" in chart
    assert "procent" in chart  # the vertical axis says what it measures


# --- closed periods are published once --------------------------------------------------------


def test_a_closed_period_is_computed_once_and_then_never_changes(
    two_projects, policy_a, client_for
):
    client = client_for(policy_a)
    first = table(client, "mix")
    assert PublishedDashboard.objects.filter(period=Q3.slug).count() == 1
    _a, _c, made = two_projects
    # A correction afterwards: two of A's dragend contracts are moved to start in October.
    for contract in made["a_dragend"][:2]:
        contract.start_date = dt.date(2026, 10, 1)
        contract.save()
    assert table(client, "mix") == first
    csv = client.get(reverse("dashboard_csv", args=["mix"]), {"period": Q3.slug})
    assert csv_rows(csv.content)[1][1:] == first[1:]
    # Today's view is live: it counts what is true now.
    today = table(client, "mix", period="today")
    assert row(today, "Project A")[1] == shown(made["a_dragend"])


def test_the_nightly_task_publishes_every_closed_period_of_every_municipality(two_projects):
    from magicmix.tasks import publish_dashboards

    made = publish_dashboards()
    slugs = set(PublishedDashboard.objects.values_list("period", flat=True))
    assert Q3.slug in slugs
    assert "2025" in slugs
    assert "2023-2025" in slugs
    assert made == PublishedDashboard.objects.count() > 20
    assert publish_dashboards() == 0  # nothing left to do: kept periods are left alone


# --- export, print, definitions ---------------------------------------------------------------


def test_every_table_exports_as_csv_that_says_what_it_is(two_projects, policy_a, client_for):
    client = client_for(policy_a)
    html = client.get(reverse("dashboard"), {"period": Q3.slug}).content.decode()
    slugs = re.findall(r'href="/dashboard/([a-z0-9-]+)\.csv\?', html)
    assert len(slugs) == 9
    for slug in slugs:
        response = client.get(reverse("dashboard_csv", args=[slug]), {"period": Q3.slug})
        assert response.status_code == 200
        assert response["Content-Type"].startswith("text/csv")
        meta, rows = csv_rows(response.content)
        assert meta["Gemeente"] == "Gemeente A"
        assert meta["Periode"] == "K3 2026"
        assert meta["Stand per"] == "30 september 2026"
        assert meta["Tekens"].startswith("x: niet gepubliceerd")
        assert rows[1:] == table(client, slug)[1:]
    outflow = client.get(reverse("dashboard_csv", args=["outflow"]), {"period": Q3.slug})
    assert (
        'filename="magicmix-gemeente-a-k3-2026-uitstroombestemmingen.csv"'
        in outflow["Content-Disposition"]
    )


def test_the_print_version_has_no_menu_form_or_link_and_says_what_is_printed(
    two_projects, policy_a, client_for
):
    response = client_for(policy_a).get(reverse("dashboard_print"), {"period": "2025"})
    html = response.content.decode()
    assert response.status_code == 200
    assert "Gemeente A: 2025" in html
    assert "Stand per 31 december 2025" in html
    assert "<form" not in html
    assert "site-header" not in html
    assert ".csv" not in html
    # The only link is back to the screen version, hidden when printed.
    assert html.count("<a ") == 1
    assert 'class="screen-only"' in html
    page = client_for(policy_a).get(reverse("dashboard"), {"period": "2025"}).content.decode()
    assert f'href="{reverse("dashboard_print")}?period=2025' in page


def test_the_definitions_page_says_what_counts_as_ending(policy_a, member_a, client_for):
    html = client_for(policy_a).get(reverse("dashboard_definitions")).content.decode()
    assert "Aflopende contracten" in html
    assert "Contracten voor onbepaalde tijd tellen niet mee" in html
    assert client_for(member_a).get(reverse("dashboard_definitions")).status_code == 404


def test_a_municipality_without_projects_gets_a_clear_empty_page(client_for):
    from projects.models import Role
    from tests.conftest import _member_of

    empty = MunicipalityFactory(name="Gemeente Leeg")
    officer = _member_of(empty, Role.POLICY, "policy@leeg.example")
    html = client_for(officer).get(reverse("dashboard")).content.decode()
    assert "Nog geen projecten" in html
    assert "Gemeente Leeg heeft nog geen Magic Mix-projecten" in html
    assert client_for(officer).get(reverse("dashboard_csv", args=["mix"])).status_code == 404


def test_a_policy_officer_has_no_votes_or_reminders(policy_a, member_a, client_for):
    html = client_for(policy_a).get(reverse("dashboard")).content.decode()
    nav = html.split("<nav", 1)[1].split("</nav>", 1)[0]
    assert "Herinneringen" not in nav
    assert "/votes/" not in nav
    assert client_for(policy_a).get(reverse("allocation:my_votes")).status_code == 404
    assert client_for(member_a).get(reverse("allocation:my_votes")).status_code == 200


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
    project_a, _c, _made = two_projects
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
    assert len(figures) >= 6
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
        """Queries of a closed quarter computed now, of it served from storage, of today."""
        PublishedDashboard.objects.all().delete()
        result = []
        for period in (Q3.slug, Q3.slug, "today"):
            with CaptureQueriesContext(connection) as queries:
                assert client.get(reverse("dashboard"), {"period": period}).status_code == 200
            result.append(len(queries))
        return result

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


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_two_first_visitors_at_once_store_one_period_and_see_the_same(two_projects):
    import threading

    from django.db import connections

    from magicmix.dashboard import store

    project_a, _c, _made = two_projects
    projects = Project.objects.filter(municipality=project_a.municipality)
    scope = store.municipality_scope(project_a.municipality_id)
    barrier, seen = threading.Barrier(2), []

    def visit():
        try:
            barrier.wait()
            seen.append(store.figures(scope, projects, Q3).values)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=visit) for _i in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(seen) == 2
    assert seen[0] == seen[1]
    assert PublishedDashboard.objects.filter(scope=scope, period=Q3.slug).count() == 1


def test_the_dashboard_speaks_english_too(two_projects, policy_a, client_for):
    client = client_for(policy_a)
    client.cookies["django_language"] = "en"
    html = client.get(reverse("dashboard"), {"period": "2026-K3"}).content.decode()
    assert "Q3 2026: from 1 July 2026 up to and including 30 September 2026." in html
    assert "Data as of 30 September 2026" in html
    assert "x: not published" in html
    response = client.get(reverse("dashboard_csv", args=["outflow"]), {"period": Q3.slug})
    assert "gemeente-a-q3-2026-outflow-destinations.csv" in response["Content-Disposition"]


def test_no_admin_page_shows_a_records_statistics_key(two_projects, admin_user, client_for):
    """The keys decide every perturbation: one shown key would let a page be undone."""
    _a, _c, made = two_projects
    contract = made["a_vragend"][0]
    client = client_for(admin_user)
    for url in (
        reverse("admin:residents_contract_change", args=[contract.pk]),
        reverse("admin:residents_contract_history", args=[contract.pk]),
        reverse("admin:residents_contract_changelist"),
    ):
        html = client.get(url).content.decode()
        assert "cell_key" not in html
        assert "statistieksleutel" not in html.lower()


def test_a_correction_between_two_first_visits_gives_no_figure_two_numbers(
    two_projects, policy_a, client_for
):
    client = client_for(policy_a)
    q2 = Quarter.of(2026, 2)
    before = row(table(client, "mix", period=q2.slug), "Totaal")[3]
    _a, _c, made = two_projects
    for contract in made["c_dragend"][:3]:  # corrected afterwards: started in July
        contract.start_date = dt.date(2026, 7, 1)
        contract.save()
    # Q3 is computed now; its trend's K2 row is the stored K2 page's number, not a recount.
    assert row(table(client, "trend"), "K2 2026")[1] == before
    assert row(table(client, "mix", period=q2.slug), "Totaal")[3] == before


def test_the_print_and_definitions_pages_are_for_dashboard_users_only(
    two_projects, readonly_a, member_a, outsider, care_worker, client_for
):
    # Read-only staff read figures (nothing here writes); anyone else gets the same 404.
    for name in ("dashboard_print", "dashboard_definitions"):
        assert client_for(readonly_a).get(reverse(name)).status_code == 200
        for user in (member_a, outsider, care_worker):
            assert client_for(user).get(reverse(name)).status_code == 404, (name, user)
