"""Every page of every role passes axe-core with no serious or critical violation.

Debian's Chromium (/usr/bin/chromium), driven by Playwright's Python package (it never
downloads a browser), opens the pages of the loaded demo on a live server, as each role
reaches them, and runs axe-core (npm, installed by `make test` from package-lock.json into
node_modules/; never copied into the repository). Members are checked at 360 px, everyone else
at 1280 px. Besides the pages as they open, some states: a form with its errors shown, an empty
list, a running and a closed vote. The test fails, never skips, when the browser or axe-core is
missing.
"""

from io import StringIO
from pathlib import Path

import pytest
from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.test import Client
from django.urls import reverse

from allocation.models import Application, Elector, RoundStatus, Vacancy, VoteRound
from projects.models import Project
from residents.models import Contract, Person

from .logins import log_in

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]

CHROMIUM = Path("/usr/bin/chromium")
AXE = Path(settings.BASE_DIR) / "node_modules" / "axe-core" / "axe.min.js"
IMPACTS = ("serious", "critical")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
RUN_AXE = """async () => {
  const result = await axe.run(document, {resultTypes: ["violations"]});
  return result.violations
    .filter(v => ["serious", "critical"].includes(v.impact))
    .map(v => ({
      id: v.id, impact: v.impact, nodes: v.nodes.slice(0, 3).map(n => n.target.join(" ")),
    }));
}"""


def staff_pages(user) -> list[str]:
    projects = Project.objects.for_user(user).order_by("pk")
    project = projects.filter(has_association=True).first()
    person = Person.objects.for_user(user).filter(contracts__isnull=False).first()
    contract = Contract.objects.for_user(user).first()
    vacancy = Vacancy.objects.filter(project__in=projects).first()
    application = Application.objects.filter(project__in=projects).first()
    open_round = VoteRound.objects.filter(project__in=projects, status=RoundStatus.OPEN).first()
    closed_round = VoteRound.objects.filter(project__in=projects, status=RoundStatus.CLOSED).first()
    pages = [
        reverse("home"),
        reverse("residents:project_list"),
        project.get_absolute_url(),
        reverse("residents:unit_detail", args=[project.units.first().pk]),
        reverse("residents:person_list"),
        reverse("residents:person_list") + "?q=zzzzzz",  # an empty list
        person.get_absolute_url(),
        reverse("residents:person_create"),
        contract.get_absolute_url(),
        reverse("allocation:vacancy_list"),
        reverse("allocation:vacancy_detail", args=[vacancy.pk]),
        reverse("allocation:application_list"),
        reverse("allocation:application_detail", args=[application.pk]),
        reverse("allocation:plan_list", args=[project.pk]),
        reverse("allocation:round_list", args=[project.pk]),
        reverse("residents:association", args=[project.pk]),
        reverse("projects:care_partners", args=[project.pk]),
        reverse("residents:project_people_import", args=[project.pk]),
        reverse("projects:team"),
        reverse("residents:letter_list"),
        reverse("notice_batch_new"),
        reverse("reminder_inbox"),
        reverse("dashboard"),
    ]
    pages += [
        reverse("allocation:round_detail", args=[r.pk]) for r in (open_round, closed_round) if r
    ]
    return pages


def pages_by_role() -> dict[str, tuple[int, list[str]]]:
    users = {u.email: u for u in get_user_model().objects.all()}
    staff = users["staff@stadswonen.example"]
    member = users["member@majella.example"]
    care = users["care@zorgpunt.example"]
    trajectory = Contract.objects.guided_by(care).first()
    ballot = Elector.objects.filter(user=member, round__status=RoundStatus.OPEN).first()
    member_pages = [reverse("home"), reverse("allocation:my_votes")]
    if ballot:
        member_pages.append(reverse("allocation:ballot", args=[ballot.round_id]))
    return {
        "staff@stadswonen.example": (1280, staff_pages(staff)),
        "readonly@stadswonen.example": (
            1280,
            [reverse("home"), reverse("residents:person_list"), reverse("residents:project_list")],
        ),
        "policy@utrecht.example": (
            1280,
            [reverse("home"), reverse("dashboard"), reverse("dashboard_definitions")],
        ),
        "care@zorgpunt.example": (
            1280,
            [
                reverse("home"),
                reverse("residents:trajectory_list"),
                reverse("residents:trajectory_detail", args=[trajectory.pk]),
                reverse("projects:team"),
            ],
        ),
        "member@majella.example": (360, member_pages),
        "admin@magicmix.example": (
            1280,
            [
                reverse("projects:organisation_list"),
                reverse("projects:organisation_create"),
                reverse("projects:organisation", args=[staff.memberships.first().organisation_id]),
                reverse("audit_log"),
                reverse("residents:retention"),
            ],
        ),
    }


def session_cookie(user, domain: str) -> dict:
    """A logged-in session past the second factor, as the real login makes one."""
    client = log_in(Client(), user)
    return {
        "name": settings.SESSION_COOKIE_NAME,
        "value": client.cookies[settings.SESSION_COOKIE_NAME].value,
        "domain": domain,
        "path": "/",
    }


def violations_on(page, url: str) -> list[dict]:
    response = page.goto(url)
    assert response.status == 200, f"{url}: {response.status}"
    page.add_script_tag(path=str(AXE))
    return page.evaluate(RUN_AXE)


def test_no_serious_or_critical_violation_on_any_page_of_any_role(live_server):
    assert CHROMIUM.exists(), "Debian's chromium is missing: apt-get install chromium"
    assert AXE.exists(), "axe-core is missing: run `make test` (npm ci) first"
    from playwright.sync_api import sync_playwright

    call_command("load_demo", stdout=StringIO())
    host = live_server.url.split("//", 1)[1].split(":")[0]
    users = {u.email: u for u in get_user_model().objects.all()}
    # Everything the database answers first: Playwright's sync API runs an event loop, in which
    # Django refuses queries.
    plan = [
        (email, width, session_cookie(users[email], host), paths)
        for email, (width, paths) in pages_by_role().items()
    ]
    found = []
    checked = 0
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        for email, width, cookie, paths in plan:
            # bypass_csp: axe-core is added to the page by the test, which the CSP forbids.
            context = browser.new_context(
                viewport={"width": width, "height": 900}, bypass_csp=True, locale="nl-NL"
            )
            context.add_cookies([cookie])
            page = context.new_page()
            for path in paths:
                checked += 1
                for hit in violations_on(page, live_server.url + path):
                    found.append((email, path, hit))
            if email.startswith("staff@"):
                # A form with its errors shown.
                page.goto(live_server.url + reverse("residents:person_create"))
                page.click("form.stacked button[type=submit]")
                page.wait_for_load_state()
                assert page.locator(".error-summary").count() == 1
                page.add_script_tag(path=str(AXE))
                checked += 1
                for hit in page.evaluate(RUN_AXE):
                    found.append((email, "person form with errors", hit))
            context.close()
        browser.close()
    report = "\n".join(f"{email} {path}: {hit}" for email, path, hit in found)
    assert checked > 40
    assert not found, f"serious or critical axe-core violations:\n{report}"
