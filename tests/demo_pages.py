"""The pages each role of the loaded demo reaches, for the tests that walk them all
(tests/test_accessibility.py, tests/test_language.py): role e-mail -> (viewport width, paths)."""

from django.contrib.auth import get_user_model
from django.urls import reverse

from allocation.models import (
    Application,
    Elector,
    RoundStatus,
    Vacancy,
    VacancyStatus,
    VoteRound,
)
from projects.models import Project
from residents.models import Contract, Person


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
