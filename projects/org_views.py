"""Administrators' pages: the organisations that use Magic Mix, and their first users.

An administrator creates a corporation, municipality or care organisation with its first user
in one step, and invites more users there; corporation staff invite their own colleagues
(projects.views.team) and the care workers of their care partners (care_partners). No page
asks for a username: a login is its e-mail address.
"""

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Count, Prefetch, Q
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_safe

from . import access, services
from .forms import FirstUserForm, OrganisationForm, add_model_errors
from .lists import page_of
from .models import Membership, Organisation, OrganisationKind, Project, Role
from .views import invite_page

# The role of an organisation's first user.
FIRST_ROLE = {
    OrganisationKind.CORPORATION: Role.STAFF,
    OrganisationKind.MUNICIPALITY: Role.POLICY,
    OrganisationKind.CARE: Role.CARE,
}


def _with_people(organisations):
    return organisations.prefetch_related(
        Prefetch(
            "memberships",
            queryset=Membership.objects.select_related("user").order_by("user__email"),
        )
    )


@require_safe
def organisation_list(request):
    access.require_administrator(request.user)
    organisations = Organisation.objects.annotate(people=Count("memberships"))
    kind = request.GET.get("kind", "")
    if kind in OrganisationKind.values:
        organisations = organisations.filter(kind=kind)
    query = request.GET.get("q", "").strip()
    if query:
        organisations = organisations.filter(Q(name__icontains=query) | Q(city__icontains=query))
    return render(
        request,
        "projects/organisation_list.html",
        {
            "page_obj": page_of(request, organisations.order_by("name")),
            "kinds": OrganisationKind.choices,
            "kind": kind,
            "query": query,
        },
    )


@require_http_methods(["GET", "POST"])
def organisation_create(request):
    """A new organisation and the invitation of its first user, both or neither."""
    access.require_administrator(request.user)
    form = OrganisationForm(request.POST or None)
    first = FirstUserForm(request.POST or None)
    if request.method == "POST" and form.is_valid() and first.is_valid():
        try:
            with transaction.atomic():
                organisation = form.save()
                services.member_invite(
                    organisation=organisation,
                    role=FIRST_ROLE[organisation.kind],
                    invited_by=request.user,
                    language=request.LANGUAGE_CODE,
                    **first.cleaned_data,
                )
        except ValidationError as error:
            form.instance.pk = None  # rolled back: the form shows a new organisation again
            form.instance._state.adding = True
            add_model_errors(first, error)
        else:
            messages.success(
                request,
                _("%(org)s created; %(email)s has been invited to set a password.")
                % {"org": organisation.name, "email": first.cleaned_data["email"]},
            )
            return redirect("projects:organisation", pk=organisation.pk)
    return render(
        request,
        "projects/organisation_form.html",
        {"form": form, "first": first, "title": _("New organisation")},
    )


@require_safe
def organisation_detail(request, pk):
    access.require_administrator(request.user)
    organisation = get_object_or_404(_with_people(Organisation.objects.all()), pk=pk)
    return render(request, "projects/organisation_detail.html", {"organisation": organisation})


@require_http_methods(["GET", "POST"])
def organisation_invite(request, pk):
    access.require_administrator(request.user)
    organisation = get_object_or_404(Organisation, pk=pk)
    return invite_page(
        request, organisation, back=reverse("projects:organisation", args=[organisation.pk])
    )


# Corporation staff and the care workers of their care partners


def staff_may_invite_for(care_org, corporation_id: int) -> bool:
    """Whether a corporation's staff may invite care workers of `care_org`: only while the care
    organisation works with this corporation alone. A care worker sees every trajectory their
    organisation guides, so a login made by one corporation must not open another's; then the
    care organisation's own care workers (Team) or an administrator invite."""
    other_projects = Project.objects.filter(care_partners=care_org).exclude(
        corporation_id=corporation_id
    )
    other_contracts = Project.objects.filter(
        units__contracts__holder_organisation=care_org
    ).exclude(corporation_id=corporation_id)
    return not other_projects.exists() and not other_contracts.exists()


@require_safe
def care_partners(request, pk):
    """The project's care partners and their care workers, with an invitation for staff where
    they may give one, and otherwise who can."""
    project = access.get_project_for_user(request.user, pk)
    can_write = access.can_write(request.user, project.corporation_id)
    partners = [
        (org, can_write and staff_may_invite_for(org, project.corporation_id))
        for org in _with_people(project.care_partners.all())
    ]
    return render(
        request,
        "projects/care_partners.html",
        {"project": project, "partners": partners, "can_write": can_write},
    )


@require_http_methods(["GET", "POST"])
def care_worker_invite(request, pk, org_pk):
    project = access.get_project_for_user(request.user, pk, write=True)
    partner = get_object_or_404(project.care_partners.all(), pk=org_pk)
    if not staff_may_invite_for(partner, project.corporation_id):
        raise PermissionDenied
    back = reverse("projects:care_partners", args=[project.pk])
    return invite_page(request, partner, back=back, new_logins_only=True)
