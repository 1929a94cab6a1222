"""The home page: one page, with the sections that fit each of the user's roles."""

from django.shortcuts import render
from django.utils import timezone

from projects import access
from projects.models import Project
from residents.mix import mix_by_project
from residents.models import AssociationMembership

from .aggregates import count_display, share_display


def home(request):
    user = request.user
    today = timezone.localdate()
    context = {"today": today}

    if access.is_corporation_user(user):
        projects = list(
            Project.objects.for_user(user).select_related("municipality").with_unit_count()
        )
        mixes = mix_by_project(projects, today)
        context["staff_rows"] = [
            (p, mixes[p.pk], p.unit_count - mixes[p.pk].occupied_units) for p in projects
        ]

    if access.municipality_ids(user):
        projects = list(
            Project.objects.for_policy(user)
            .select_related("corporation", "municipality")
            .with_unit_count()
        )
        mixes = mix_by_project(projects, today)
        rows = []
        for project in projects:
            mix = mixes[project.pk]
            rows.append(
                {
                    "project": project,
                    "units": project.unit_count,
                    # Units are not people: occupancy needs no suppression.
                    "occupancy": f"{100 * mix.occupied_units / project.unit_count:.0f}%"
                    if project.unit_count
                    else "–",
                    "residents": count_display(mix.total),
                    "dragend_share": share_display(mix.dragend, mix.total),
                }
            )
        context["policy_rows"] = rows

    person = getattr(user, "person", None) if user.is_authenticated else None
    if person is not None:
        context["member_person"] = person
        context["association_memberships"] = (
            AssociationMembership.objects.active(today)
            .filter(person=person)
            .select_related("project")
        )

    return render(request, "magicmix/home.html", context)
