"""Every page of every role passes axe-core with no serious or critical violation, and the core
flows work with the keyboard alone.

Debian's Chromium (/usr/bin/chromium), driven by Playwright's Python package (it never
downloads a browser), opens the pages of the loaded demo on a live server, as each role
reaches them by its links (tests/demo_pages.py), and runs axe-core (npm, installed by `make test`
from package-lock.json into node_modules/; never copied into the repository). Members and
visitors are checked at 360 px, everyone else at 1280 px, and their lists and wide tables at
360 px too. Besides the pages as they open, some states: forms sent empty with their errors
shown, an empty list, a running and a closed vote, an open and an expired invitation.

With the keyboard alone: on each role's main pages the first Tab is a visible skip link that
moves the focus to the content, and Tab reaches the last element with the focus visible at every
stop; a member casts a vote and staff make an offer from a vacancy's ranking. The test fails,
never skips, when the browser or axe-core is missing.
"""

from io import StringIO
from pathlib import Path

import pytest
from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.test import Client
from django.urls import reverse

from .demo_pages import (
    ANONYMOUS,
    error_forms,
    first_of,
    narrow_pages,
    offerable_vacancy,
    pages_by_role,
)
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


# Where the keyboard's focus is, and whether it can be seen (an outline or a shadow).
FOCUS = """() => {
  const e = document.activeElement;
  const s = getComputedStyle(e);
  return {
    tag: e.tagName.toLowerCase(), type: e.type || "", href: e.getAttribute("href") || "",
    text: (e.innerText || e.value || e.id || "").trim().slice(0, 40),
    form: e.form ? e.form.className : "",
    last: e.hasAttribute("data-last-tabbable"),
    seen: (s.outlineStyle !== "none" && parseFloat(s.outlineWidth) > 0) || s.boxShadow !== "none",
  };
}"""
# Marks the page's last element that Tab can reach, to tell that Tab gets through the page.
MARK_LAST = """() => {
  const all = [...document.querySelectorAll(
    "a[href], button, input:not([type=hidden]), select, textarea, [tabindex]")]
    .filter(e => !e.disabled && e.tabIndex >= 0 && e.getClientRects().length);
  all[all.length - 1].setAttribute("data-last-tabbable", "");
  return all.length;
}"""


def tab_until(page, wanted, problems: list, limit: int = 400) -> dict:
    """Press Tab until the focus is on an element for which `wanted(focus)` holds; every stop on
    the way must show where the focus is."""
    for _ in range(limit):
        page.keyboard.press("Tab")
        focus = page.evaluate(FOCUS)
        if focus["tag"] != "body" and not focus["seen"]:
            problems.append(f"{page.url}: focus not visible on {focus}")
        if wanted(focus):
            return focus
    raise AssertionError(f"{page.url}: Tab never reached it ({limit} presses)")


def keyboard_walk(page, url: str, problems: list) -> None:
    """From the top of a page: the first Tab reaches the skip link, which moves the focus to the
    content; from there Tab reaches the page's last element (no trap), always visibly."""
    page.goto(url)
    count = page.evaluate(MARK_LAST)
    page.keyboard.press("Tab")
    focus = page.evaluate(FOCUS)
    if focus["href"] != "#main" or not focus["seen"]:
        problems.append(f"{url}: the first Tab is not on a visible skip link: {focus}")
    page.keyboard.press("Enter")
    if page.evaluate("() => document.activeElement.id") != "main":
        problems.append(f"{url}: the skip link does not move the focus to the content")
    tab_until(page, lambda f: f["last"], problems, limit=count + 10)


def vote_by_keyboard(page, url: str, problems: list) -> None:
    """A member's vote with the keyboard alone: to a candidate, Space to choose, to the button,
    Enter to cast."""
    page.goto(url)
    tab_until(page, lambda f: f["type"] == "radio", problems)
    page.keyboard.press("Space")
    tab_until(page, lambda f: f["tag"] == "button" and f["form"] == "ballot", problems)
    with page.expect_navigation():
        page.keyboard.press("Enter")
    if "Uw stem is geteld" not in page.content():
        problems.append(f"{url}: the vote by keyboard was not counted")


def offer_by_keyboard(page, url: str, problems: list) -> None:
    """Staff's allocation with the keyboard alone: from the vacancy's ranking to a candidate,
    and from the candidate's page the offer."""
    page.goto(url)
    tab_until(page, lambda f: "/candidates/" in f["href"] and "/vacancies/" in f["href"], problems)
    with page.expect_navigation():
        page.keyboard.press("Enter")
    # The offer form's button, past the header's search and language forms.
    tab_until(page, lambda f: f["tag"] == "button" and f["form"] == "stacked", problems)
    with page.expect_navigation():
        page.keyboard.press("Enter")
    if "/offers/" not in page.url:
        problems.append(f"{url}: the offer by keyboard was not made (at {page.url})")


def keyboard_flows(pages: dict, cookie, vacancy: str) -> list[tuple]:
    """(session cookie, width, pages to walk with Tab, flow, the flow's page) per role."""

    def first(role, name):
        return first_of(pages[role][1], name)

    staff, member = "staff@stadswonen.example", "member@majella.example"
    return [
        (None, 360, [reverse("account_login")], None, None),
        (
            cookie(staff),
            1280,
            [reverse("home"), reverse("residents:person_list"), reverse("residents:person_create")],
            offer_by_keyboard,
            vacancy,
        ),
        (
            cookie(member),
            360,
            [reverse("home"), first(member, "allocation:ballot")],
            vote_by_keyboard,
            first(member, "allocation:ballot"),
        ),
        (cookie("policy@utrecht.example"), 1280, [reverse("dashboard")], None, None),
        (cookie("care@zorgpunt.example"), 1280, [reverse("residents:trajectory_list")], None, None),
    ]


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
    keyboard_plan = keyboard_flows(
        pages, cookie, offerable_vacancy(users["staff@stadswonen.example"])
    )
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
        keyboard = keyboard_problems(browser, live_server.url, keyboard_plan)
        browser.close()
    report = "\n".join(f"{email} {path}: {hit}" for email, path, hit in found)
    assert checked > 150
    assert not found, f"serious or critical axe-core violations:\n{report}"
    assert keyboard == [], "\n".join(keyboard)


def keyboard_problems(browser, base: str, plan: list) -> list[str]:
    """The core flows with the keyboard alone, each role at its width: every page's skip link
    and Tab order (visible focus, no trap), a member's vote and staff's offer."""
    problems = []
    for cookie, width, walks, flow, flow_path in plan:
        context = browser.new_context(viewport={"width": width, "height": 900}, locale="nl-NL")
        if cookie:
            context.add_cookies([cookie])
        page = context.new_page()
        for path in walks:
            keyboard_walk(page, base + path, problems)
        if flow:
            flow(page, base + flow_path, problems)
        context.close()
    return problems
