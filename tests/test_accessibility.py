"""Every page of every role passes axe-core with no serious or critical violation.

Debian's Chromium (/usr/bin/chromium), driven by Playwright's Python package (it never
downloads a browser), opens the pages of the loaded demo on a live server, as each role
reaches them, and runs axe-core (npm, installed by `make test` from package-lock.json into
node_modules/; never copied into the repository). Members are checked at 360 px, everyone else
at 1280 px, and their lists and wide tables at 360 px too. Besides the pages as they open, some
states: a form with its errors shown, an empty list, a running and a closed vote. The test
fails, never skips, when the browser or axe-core is missing.
"""

from io import StringIO
from pathlib import Path

import pytest
from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.test import Client

from .demo_pages import ANONYMOUS, error_forms, narrow_pages, pages_by_role
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
    pages = pages_by_role()

    def cookie(email):
        return None if email == ANONYMOUS else session_cookie(users[email], host)

    plan = [(email, width, cookie(email), paths) for email, (width, paths) in pages.items()] + [
        (email, 360, cookie(email), paths) for email, paths in narrow_pages(pages).items()
    ]
    with_errors = error_forms(pages)
    found = []
    checked = 0
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        for email, width, cookie, paths in plan:
            # bypass_csp: axe-core is added to the page by the test, which the CSP forbids.
            context = browser.new_context(
                viewport={"width": width, "height": 900}, bypass_csp=True, locale="nl-NL"
            )
            if cookie:
                context.add_cookies([cookie])
            page = context.new_page()
            for path in paths:
                checked += 1
                for hit in violations_on(page, live_server.url + path):
                    found.append((email, path, hit))
            if width == pages[email][0]:
                for path in with_errors.get(email, []):
                    # The form sent empty, its errors shown.
                    page.goto(live_server.url + path)
                    page.click("main form.stacked button[type=submit] >> nth=0")
                    page.wait_for_load_state()
                    assert page.locator(".error-summary").count() == 1, path
                    page.add_script_tag(path=str(AXE))
                    checked += 1
                    for hit in page.evaluate(RUN_AXE):
                        found.append((email, f"{path} with errors", hit))
            context.close()
        browser.close()
    report = "\n".join(f"{email} {path}: {hit}" for email, path, hit in found)
    assert checked > 150
    assert not found, f"serious or critical axe-core violations:\n{report}"
