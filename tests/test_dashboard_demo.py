"""The issue's "done when" on the demo: policy@utrecht.example sees the dashboard of the Utrecht
projects with small numbers hidden, exports it, and reaches no personal page."""

import csv
import io

from django.contrib.auth import get_user_model
from django.urls import reverse
from django.utils import timezone

from magicmix import dashboard
from magicmix.aggregates import SUPPRESSED
from magicmix.dashboard_data import closed_quarters
from projects.models import Project
from residents.models import Contract
from tests.test_demo import _loaded_demo, demo  # noqa: F401 - the shared loaded demo

User = get_user_model()


class TestPolicyDashboardOnTheDemo:
    def test_utrecht_sees_its_projects_with_small_numbers_hidden(self, demo, client):  # noqa: F811
        client.force_login(User.objects.get(email="policy@utrecht.example"))
        html = client.get(reverse("dashboard")).content.decode()
        utrecht = Project.objects.filter(municipality__name="Gemeente Utrecht")
        assert utrecht.count() >= 2
        for project in utrecht:
            assert project.name in html
        for project in Project.objects.exclude(municipality__name="Gemeente Utrecht"):
            assert project.name not in html
        # The demo has small groups (two divorced parents at Majella, three GGZ residents at
        # Place2BU): they are hidden, and so are their partners.
        board = dashboard.build(
            list(utrecht.with_unit_count().order_by("name", "pk")),
            closed_quarters(timezone.localdate(), 1)[0],
        )
        small = [k for k in board.disclosure.hidden if 0 < board.disclosure.values[k] < 5]
        assert small
        assert html.count("&lt;5") >= len(small)
        # No person's name appears anywhere on the page.
        for name in Contract.objects.filter(unit__project__in=utrecht).values_list(
            "person__last_name", flat=True
        )[:50]:
            assert f">{name}<" not in html

    def test_utrecht_exports_every_table(self, demo, client):  # noqa: F811
        client.force_login(User.objects.get(email="policy@utrecht.example"))
        html = client.get(reverse("dashboard")).content.decode()
        links = sorted(set(part.split('"')[0] for part in html.split('href="/dashboard/')[1:]))
        assert len(links) >= 10
        hidden_somewhere = False
        for link in links:
            response = client.get("/dashboard/" + link.replace("&amp;", "&"))
            assert response.status_code == 200, link
            rows = list(csv.reader(io.StringIO(response.content.decode()[1:]), delimiter=";"))
            assert len(rows) >= 2
            hidden_somewhere |= any(SUPPRESSED in row for row in rows)
        assert hidden_somewhere

    def test_utrecht_reaches_no_personal_page(self, demo, client):  # noqa: F811
        client.force_login(User.objects.get(email="policy@utrecht.example"))
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
        ):
            assert client.get(url).status_code == 404, url
