"""Create and edit forms for projects, clusters and units. Pages that show who lives where are in
residents.views, which knows about contracts."""

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from . import access
from .forms import ClusterForm, ProjectForm, UnitForm
from .models import Organisation, OrganisationKind


def _form_page(request, form, *, title, project=None, cancel_url):
    return render(
        request,
        "projects/form.html",
        {"form": form, "title": title, "project": project, "cancel_url": cancel_url},
    )


def project_create(request):
    writable = Organisation.objects.filter(pk__in=access.writable_corporation_ids(request.user))
    if request.user.is_superuser:
        writable = Organisation.objects.filter(kind=OrganisationKind.CORPORATION)
    if not writable.exists():
        if access.corporation_ids(request.user):
            raise PermissionDenied
        raise Http404
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
