"""The pages each role of the loaded demo reaches, for the tests that walk them all
(tests/test_accessibility.py, tests/test_language.py): role e-mail -> (viewport width, paths).

A role's pages are found by following its links, as a user would, from its home page (and, for
a visitor who is not logged in, from the login page): one page per kind of page (URL name), as
each link first leads there. Named states a link may not reach first (an empty list, a running
and a closed vote, a closed vote's result for a member) are added by hand.
"""

import datetime as dt
from html.parser import HTMLParser
from urllib.parse import urldefrag, urlsplit

from django.contrib.auth import get_user_model
from django.test import Client
from django.urls import Resolver404, resolve, reverse
from django.utils import timezone

from allocation.models import (
    Application,
    Elector,
    RoundStatus,
    Vacancy,
    VacancyStatus,
    VoteRound,
)
from projects import services
from projects.models import Invitation, Project
from residents.models import Contract, Person

from .logins import log_in

ANONYMOUS = "anonymous"
# Not pages of the product: Django's admin (its own, translated by Django), files, the
# language switch, and logging out (which ends the walk).
NOT_FOLLOWED = ("/admin/", "/static/", "/media/", "/i18n/", "/accounts/logout/")
LIMIT = 1500
DISCOVER = 5


class _Links(HTMLParser):
    def __init__(self):
        super().__init__()
        self.hrefs = []

    def handle_starttag(self, tag, attrs):
        href = dict(attrs).get("href")
        if tag == "a" and href:
            self.hrefs.append(href)


def links(html: str) -> list[str]:
    parser = _Links()
    parser.feed(html)
    paths = []
    for href in parser.hrefs:
        href = urldefrag(href).url
        parts = urlsplit(href)
        if parts.scheme or parts.netloc or not parts.path.startswith("/"):
            continue
        if parts.path.startswith(NOT_FOLLOWED):
            continue
        paths.append(parts.path + (f"?{parts.query}" if parts.query else ""))
    return paths


def crawl(client: Client, start: list[str], broken: list | None = None) -> list[str]:
    """The pages reached from `start` by following links: the first path of each URL name that
    answers 200 with a web page (downloads and redirects are not pages). Up to DISCOVER pages of
    a name are opened to find links (a contract with a notice due links elsewhere than a signed
    one); only the first is returned. Links that answer with an error go to `broken` as (path,
    status, the page that links there)."""
    opened, seen_paths, pages, fetched = {}, set(), [], 0
    queue = [(path, None) for path in start]
    while queue and fetched < LIMIT:
        path, source = queue.pop(0)
        if path in seen_paths:
            continue
        seen_paths.add(path)
        try:
            name = resolve(urlsplit(path).path).view_name
        except Resolver404:
            continue
        if opened.get(name, 0) >= DISCOVER:
            continue
        response = client.get(path)
        fetched += 1
        if response.status_code >= 400 and broken is not None:
            broken.append((path, response.status_code, source))
        if response.status_code != 200 or not response["Content-Type"].startswith("text/html"):
            continue
        if name not in opened:
            pages.append(path)
        opened[name] = opened.get(name, 0) + 1
        queue += [(link, path) for link in links(response.content.decode())]
    return pages


def offerable_vacancy(user) -> str:
    """An open vacancy of the user's that staff may offer now (no vote running on it)."""
    vacancy = (
        Vacancy.objects.filter(
            project__in=Project.objects.for_user(user), status=VacancyStatus.OPEN
        )
        .exclude(vote_rounds__status=RoundStatus.OPEN)
        .order_by("pk")
        .first()
    )
    return reverse("allocation:vacancy_detail", args=[vacancy.pk])


def staff_pages(user) -> list[str]:
    projects = Project.objects.for_user(user).order_by("pk")
    project = projects.filter(has_association=True).first()
    person = Person.objects.for_user(user).filter(contracts__isnull=False).first()
    contract = Contract.objects.for_user(user).first()
    # An open vacancy: its page ranks the candidates.
    vacancy = Vacancy.objects.filter(project__in=projects, status=VacancyStatus.OPEN).first()
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
        reverse("accessibility"),
    ]
    pages += [
        reverse("allocation:round_detail", args=[r.pk]) for r in (open_round, closed_round) if r
    ]
    return pages


def invitation_pages(organisation) -> list[str]:
    """The pages an invitation's link opens: one to set a password, one expired (a new link on
    request). Made here, as the demo sends none; only the tokens' hashes are stored."""
    now = timezone.now()
    pages = []
    for name, expires in (("open", now + dt.timedelta(days=14)), ("expired", now)):
        user = services.new_login(email=f"invited-{name}@stadswonen.example", language="nl")
        token = f"{name}-invitation-of-the-accessibility-walk"
        Invitation.objects.create(
            user=user,
            email=user.email,
            organisation=organisation,
            token_hash=services.token_hash(token),
            language="nl",
            created_at=now - dt.timedelta(days=14),
            expires_at=expires,
        )
        pages.append(reverse("projects:invitation", args=[token]))
    return pages


def states(users) -> dict[str, tuple[int, list[str]]]:
    """Per role: its viewport width and the pages in a named state, checked besides the walk."""
    staff = users["staff@stadswonen.example"]
    organisation = staff.memberships.first().organisation
    member = users["member@majella.example"]
    care = users["care@zorgpunt.example"]
    trajectory = Contract.objects.guided_by(care).first()
    electors = Elector.objects.filter(user=member).order_by("-round__opened_at")
    member_pages = [reverse("home"), reverse("allocation:my_votes")]
    for status in (RoundStatus.OPEN, RoundStatus.CLOSED):
        ballot = electors.filter(round__status=status).first()
        if ballot:
            member_pages.append(reverse("allocation:ballot", args=[ballot.round_id]))
    return {
        ANONYMOUS: (
            360,
            [
                reverse("account_login"),
                reverse("account_reset_password"),
                reverse("accessibility"),
                *invitation_pages(organisation),
            ],
        ),
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
                reverse("projects:organisation", args=[organisation.pk]),
                reverse("audit_log"),
                reverse("residents:retention"),
            ],
        ),
    }


def first_of(paths: list[str], name: str) -> str:
    """The first of `paths` that is a page of the URL name `name`."""
    return next(p for p in paths if resolve(urlsplit(p).path).view_name == name)


def error_forms(pages: dict[str, tuple[int, list[str]]]) -> dict[str, list[str]]:
    """Per role: forms to send empty, to check the page with its errors shown."""
    staff = pages["staff@stadswonen.example"][1]

    def first(name):
        return first_of(staff, name)

    return {
        ANONYMOUS: [reverse("account_login"), pages[ANONYMOUS][1][-2]],  # the open invitation
        "staff@stadswonen.example": [
            reverse("residents:person_create"),
            first("residents:contract_create"),
            first("projects:unit_create"),
            reverse("allocation:vacancy_create"),
            first("residents:notice_create"),
        ],
    }


def client_for(users, role: str) -> Client:
    return Client() if role == ANONYMOUS else log_in(Client(), users[role])


def pages_by_role(broken: list | None = None) -> dict[str, tuple[int, list[str]]]:
    """Per role: its viewport width, and its pages in a named state followed by every other
    kind of page its links lead to. Links that answer with an error go to `broken` as
    (role, path, status, the page that links there)."""
    users = {u.email: u for u in get_user_model().objects.all()}
    pages = {}
    for role, (width, named) in states(users).items():
        start = [reverse("account_login")] if role == ANONYMOUS else [reverse("home")]
        errors = []
        walked = crawl(client_for(users, role), start + named, errors)
        if broken is not None:
            broken += [(role, *error) for error in errors]
        pages[role] = (width, named + [p for p in walked if p not in named])
    return pages


def narrow_pages(pages: dict[str, tuple[int, list[str]]]) -> dict[str, list[str]]:
    """The pages also checked at 360 px (a phone) for the roles that work at a desk: the lists
    and wide tables, where a table may scroll sideways."""
    staff = pages["staff@stadswonen.example"][1]
    wide = ("/people/", "/projects/", "/vacancies/", "/dashboard/", "/import/")
    return {
        "staff@stadswonen.example": [reverse("home")]
        + [p for p in staff if any(w in p for w in wide)],
        "policy@utrecht.example": [reverse("home"), reverse("dashboard")],
        "care@zorgpunt.example": [reverse("residents:trajectory_list")],
        "admin@magicmix.example": [reverse("residents:retention"), reverse("audit_log")],
    }
