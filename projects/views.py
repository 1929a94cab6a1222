"""Create and edit forms for projects, clusters and units. Pages that show who lives where are in
residents.views, which knows about contracts."""

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_not_required
from django.contrib.auth.forms import SetPasswordForm
from django.core.exceptions import ValidationError
from django.db.models import Prefetch
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache

from . import access, services
from .forms import ClusterForm, InviteForm, ProjectForm, UnitForm, add_model_errors
from .models import InvitationState, Membership, Organisation


def _form_page(request, form, *, title, project=None, cancel_url):
    return render(
        request,
        "projects/form.html",
        {"form": form, "title": title, "project": project, "cancel_url": cancel_url},
    )


def project_create(request):
    writable = access.require_writable_corporations(request.user)
    form = ProjectForm(request.POST or None, corporations=writable)
    if request.method == "POST" and form.is_valid():
        project = form.save()
        messages.success(request, _("Project %(name)s created.") % {"name": project.name})
        return redirect("residents:project_detail", pk=project.pk)
    return _form_page(request, form, title=_("New project"), cancel_url="residents:project_list")


def project_edit(request, pk):
    project = access.get_project_for_user(request.user, pk, write=True)
    corporations = Organisation.objects.filter(pk=project.corporation_id)
    form = ProjectForm(request.POST or None, instance=project, corporations=corporations)
    if request.method == "POST" and form.is_valid():
        form.save()
        messages.success(request, _("Project saved."))
        return redirect("residents:project_detail", pk=project.pk)
    return _form_page(request, form, title=_("Edit project"), project=project, cancel_url=project)


def cluster_create(request, project_pk):
    project = access.get_project_for_user(request.user, project_pk, write=True)
    form = ClusterForm(request.POST or None, project=project)
    if request.method == "POST" and form.is_valid():
        cluster = form.save()
        messages.success(request, _("Cluster %(name)s added.") % {"name": cluster.name})
        return redirect("residents:project_detail", pk=project.pk)
    return _form_page(request, form, title=_("New cluster"), project=project, cancel_url=project)


def cluster_edit(request, pk):
    cluster = access.get_cluster_for_user(request.user, pk, write=True)
    form = ClusterForm(request.POST or None, instance=cluster, project=cluster.project)
    if request.method == "POST" and form.is_valid():
        form.save()
        messages.success(request, _("Cluster saved."))
        return redirect("residents:project_detail", pk=cluster.project_id)
    return _form_page(
        request,
        form,
        title=_("Edit cluster %(name)s") % {"name": cluster.name},
        project=cluster.project,
        cancel_url=cluster.project,
    )


def unit_create(request, project_pk):
    project = access.get_project_for_user(request.user, project_pk, write=True)
    form = UnitForm(request.POST or None, project=project)
    if request.method == "POST" and form.is_valid():
        unit = form.save()
        messages.success(request, _("Unit %(number)s added.") % {"number": unit.number})
        return redirect("residents:unit_detail", pk=unit.pk)
    return _form_page(request, form, title=_("New unit"), project=project, cancel_url=project)


def unit_edit(request, pk):
    unit = access.get_unit_for_user(request.user, pk, write=True)
    form = UnitForm(request.POST or None, instance=unit, project=unit.project)
    if request.method == "POST" and form.is_valid():
        form.save()
        messages.success(request, _("Unit saved."))
        return redirect("residents:unit_detail", pk=unit.pk)
    return _form_page(
        request,
        form,
        title=_("Edit unit %(number)s") % {"number": unit.number},
        project=unit.project,
        cancel_url=unit,
    )


def team(request):
    """Who works in Magic Mix for the user's organisations, and an invitation button for those
    who may invite: corporation staff at their corporation, care workers at their care
    organisation."""
    is_corporation_user = access.is_corporation_user(request.user)
    care_ids = access.care_organisation_ids(request.user)
    if not (is_corporation_user or care_ids):
        raise Http404
    people = Prefetch("memberships", queryset=Membership.objects.select_related("user"))
    corporations = access.corporations_for_user(request.user).prefetch_related(people)
    rows = [(org, access.can_write(request.user, org.pk)) for org in corporations]
    care = Organisation.objects.filter(pk__in=care_ids).prefetch_related(people)
    rows += [(org, True) for org in care]
    return render(
        request,
        "projects/team.html",
        {"rows": rows, "is_corporation_user": is_corporation_user},
    )


def member_invite(request, pk):
    """Invite a colleague: staff to their corporation (staff or read-only), a care worker to
    their care organisation (as care worker)."""
    if pk in access.care_organisation_ids(request.user):
        organisation = get_object_or_404(Organisation, pk=pk)
    else:
        organisation = access.get_corporation_for_user(request.user, pk, write=True)
    return invite_page(request, organisation, back=reverse("projects:team"))


def invite_page(request, organisation, *, back: str, new_logins_only: bool = False):
    """The invitation form of one organisation, in the roles its kind has; every invitation
    page (Team, Organisations, a project's care partners) is this one. With `new_logins_only`
    an address that has a login already is refused: that login is not the inviter's to give
    a role elsewhere (a corporation inviting for a care organisation)."""
    form = InviteForm(request.POST or None, kind=organisation.kind)
    if request.method == "POST" and form.is_valid():
        try:
            if new_logins_only and services.find_login(form.cleaned_data["email"]):
                raise ValidationError(
                    {
                        "email": _(
                            "This address has a login in Magic Mix already. The care "
                            "organisation's own care workers, or an administrator, give it a "
                            "role there."
                        )
                    }
                )
            services.member_invite(
                organisation=organisation,
                invited_by=request.user,
                language=request.LANGUAGE_CODE,
                **form.cleaned_data,
            )
        except ValidationError as error:
            add_model_errors(form, error)
        else:
            messages.success(
                request,
                _("%(email)s has been invited to %(org)s.")
                % {"email": form.cleaned_data["email"], "org": organisation.name},
            )
            return redirect(back)
    title = _("Invite someone to %(org)s") % {"org": organisation.name}
    return _form_page(request, form, title=title, cancel_url=back)


@login_not_required
@never_cache
def invitation(request, token):
    """Where an invitation's link leads: choose a password, or hear why the link no longer works
    (used, withdrawn, expired: with a new link to the same address on request)."""
    invite = services.open_invitation(token)
    if invite is None:
        response = render(request, "projects/invitation.html", {"state": "unknown"})
        response.status_code = 404
        return response
    if settings.LANGUAGE_COOKIE_NAME not in request.COOKIES:
        translation.activate(invite.language)
        request.LANGUAGE_CODE = invite.language
    state = invite.state
    form = None
    if request.method == "POST" and request.POST.get("renew") and state == InvitationState.EXPIRED:
        if services.renew_invitation(invite):
            messages.success(
                request,
                _("A new link is on its way to %(email)s. It works for %(days)s days.")
                % {"email": invite.email, "days": settings.INVITATION_DAYS},
            )
        else:
            messages.info(request, _("A newer link was sent already: use the newest e-mail."))
        return redirect("projects:invitation", token=token)
    if state == InvitationState.OPEN:
        form = SetPasswordForm(invite.user, request.POST or None)
        if request.method == "POST" and form.is_valid():
            if services.accept_invitation(invite, form.cleaned_data["new_password1"]):
                messages.success(
                    request,
                    _("Your password is set. Log in with %(email)s and your new password.")
                    % {"email": invite.user.email},
                )
                return redirect("account_login")
            invite.refresh_from_db()
            state, form = invite.state, None
    return render(
        request,
        "projects/invitation.html",
        {
            "invitation": invite,
            "state": state,
            "form": form,
            "renewable": services.renewable(invite),
        },
    )
