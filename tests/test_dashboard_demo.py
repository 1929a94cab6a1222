"""The issue's "done when" on the demo: policy@utrecht.example sees the dashboard of the Utrecht
projects for today and for every closed period, the same figure is the same number on every
page and in every CSV file, every table exports with what it is, and she reaches no personal
page."""

import csv
import io
import re

from django.contrib.auth import get_user_model
from django.urls import reverse

from magicmix.models import PublishedDashboard
from projects.models import Project
from residents.models import Contract
from tests.test_demo import _loaded_demo, demo  # noqa: F401 - the shared loaded demo

from .logins import log_in

User = get_user_model()


def cells(html: str, slug: str) -> dict[str, list[str]]:
    section = html.split(f'<h2 id="{slug}">', 1)[1].split("</section>", 1)[0]
    rows = {}
    for row in re.findall(r"<tr[^>]*>(.*?)</tr>", section, re.S):
        texts = [
            re.sub(r"<[^>]+>", "", c).strip()
            for c in re.findall(r"<t[hd][^>]*>(.*?)</t[hd]>", row, re.S)
        ]
        rows[texts[0]] = texts[1:]
    return rows


def csv_table(content: bytes) -> dict[str, list[str]]:
    body = content.decode("utf-8-sig").split("\r\n\r\n", 1)[1]
    return {r[0]: r[1:] for r in csv.reader(io.StringIO(body), delimiter=";") if r}


class TestPolicyDashboardOnTheDemo:
    def test_utrecht_sees_its_projects_today_and_in_every_closed_period(self, demo, client):  # noqa: F811
        log_in(client, User.objects.get(email="policy@utrecht.example"))
        utrecht = Project.objects.filter(municipality__name="Gemeente Utrecht")
        assert utrecht.count() >= 2
        for period in ("today", "", "2025", "2024-2025"):
            html = client.get(
                reverse("dashboard"), {"period": period} if period else {}
            ).content.decode()
            for project in utrecht:
                assert project.name in html
            for project in Project.objects.exclude(municipality__name="Gemeente Utrecht"):
                assert project.name not in html
            assert "Stand per" in html
            assert "berekend op" in html
            assert "&lt;5" not in html
        # No person's name appears anywhere on the page.
        for name in Contract.objects.filter(unit__project__in=utrecht).values_list(
            "person__last_name", flat=True
        )[:50]:
            assert f">{name}<" not in html

    def test_the_same_figure_is_the_same_number_on_every_page_and_csv(self, demo, client):  # noqa: F811
        log_in(client, User.objects.get(email="policy@utrecht.example"))
        quarter = client.get(reverse("dashboard"), {"period": "2025-Q4"}).content.decode()
        year = client.get(reverse("dashboard"), {"period": "2025"}).content.decode()
        later = client.get(reverse("dashboard"), {"period": "2026-Q3"}).content.decode()
        # Utrecht's residents on 31 December 2025: the quarter's and the year's last day.
        residents = cells(quarter, "mix")["Totaal"][2]
        assert cells(year, "mix")["Totaal"][2] == residents
        assert cells(later, "trend")["K4 2025"][0] == residents
        assert cells(year, "trend")["2025"][0] == residents
        assert cells(quarter, "trend")["K4 2025"][0] == residents
        groups = cells(quarter, "groups")
        for project, row in list(cells(quarter, "mix").items())[1:]:
            assert groups[project][-1] == row[2]  # a project's residents, in both tables
        for period, html in (("2025-Q4", quarter), ("2025", year)):
            exported = client.get(reverse("dashboard_csv", args=["mix"]), {"period": period})
            assert csv_table(exported.content) == cells(html, "mix")
        # Served from what was stored: a second visit shows the same page.
        assert PublishedDashboard.objects.filter(period="2025-Q4").exists()
        again = client.get(reverse("dashboard"), {"period": "2025-Q4"}).content.decode()
        assert cells(again, "mix") == cells(quarter, "mix")

    def test_utrecht_exports_every_table_saying_what_it_is(self, demo, client):  # noqa: F811
        log_in(client, User.objects.get(email="policy@utrecht.example"))
        for period in ("today", "2025"):
            html = client.get(reverse("dashboard"), {"period": period}).content.decode()
            links = sorted(set(re.findall(r'href="(/dashboard/[a-z0-9-]+\.csv\?[^"]*)"', html)))
            assert len(links) >= 4
            for link in links:
                response = client.get(link.replace("&amp;", "&"))
                assert response.status_code == 200, link
                head = response.content.decode("utf-8-sig").split("\r\n\r\n", 1)[0]
                assert "# Gemeente;Gemeente Utrecht" in head
                assert "# Stand per;" in head
                assert "# Tekens;x: niet gepubliceerd" in head
                assert "gemeente-utrecht" in response["Content-Disposition"]

    def test_utrecht_reaches_no_personal_page(self, demo, client):  # noqa: F811
        log_in(client, User.objects.get(email="policy@utrecht.example"))
        contract = Contract.objects.filter(
            unit__project__municipality__name="Gemeente Utrecht"
        ).first()
        for url in (
            reverse("residents:person_list"),
            reverse("residents:person_detail", args=[contract.person_id]),
            reverse("residents:contract_detail", args=[contract.pk]),
            reverse("residents:project_detail", args=[contract.unit.project_id]),
            reverse("allocation:vacancy_list"),
            reverse("allocation:application_list"),
            reverse("allocation:my_votes"),
        ):
            assert client.get(url).status_code == 404, url
