"""The dashboard page and its CSV files: thin views over `dashboard.build`."""

import csv

from django import forms
from django.http import Http404, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from projects import access
from projects.models import Organisation

from . import dashboard
from .dashboard_data import Quarter, closed_quarters

QUARTERS_SHOWN = 20


class DashboardForm(forms.Form):
    quarter = forms.ChoiceField(label=_("Quarter"), required=False)
    municipality = forms.ChoiceField(label=_("Municipality"), required=False)

    def __init__(self, data, *, quarters, municipalities, all_label):
        super().__init__(data)
        self.fields["quarter"].choices = [(q.slug, q.label) for q in quarters]
        choices = [(str(m.pk), m.name) for m in municipalities]
        if all_label:
            choices.insert(0, ("", all_label))
        self.fields["municipality"].choices = choices


def _dashboard(request) -> tuple[dashboard.Dashboard, DashboardForm, Organisation | None]:
    """The dashboard the request asks for, from the user's own projects only."""
    projects = access.dashboard_projects(request.user)
    municipalities = list(
        Organisation.objects.filter(pk__in=projects.values("municipality")).order_by("name")
    )
    policy = bool(access.municipality_ids(request.user))
    quarters = closed_quarters(timezone.localdate(), QUARTERS_SHOWN)
    form = DashboardForm(
        request.GET,
        quarters=quarters,
        municipalities=municipalities,
        # A policy officer sees one municipality at a time; staff may see all their projects.
        all_label=None if policy else _("All municipalities"),
    )
    quarter, municipality = quarters[0], None if not policy else next(iter(municipalities), None)
    form.is_valid()  # a refused field shows its message; the other field still counts
    quarter = Quarter.parse(form.cleaned_data.get("quarter") or "") or quarter
    if chosen := form.cleaned_data.get("municipality"):
        municipality = next(m for m in municipalities if str(m.pk) == chosen)
    if municipality is not None:
        projects = projects.filter(municipality=municipality)
    projects = list(projects.with_unit_count().order_by("name", "pk"))
    return dashboard.build(projects, quarter), form, municipality


def dashboard_page(request):
    board, form, municipality = _dashboard(request)
    return render(
        request,
        "magicmix/dashboard.html",
        {
            "board": board,
            "form": form,
            "municipality": municipality,
            "query": request.GET.urlencode(),
        },
    )


def dashboard_csv(request, slug):
    board, _form, municipality = _dashboard(request)
    table = board.table(slug)
    if table is None:
        raise Http404
    name = f"magicmix-{slug}-{board.quarter.slug}"
    if municipality is not None:
        name += f"-{municipality.pk}"
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{name}.csv"'
    # The same format as the other exports: UTF-8 with a BOM and ';', which Excel opens as is.
    response.write("\ufeff")
    writer = csv.writer(response, delimiter=";", lineterminator="\r\n")
    writer.writerow([table.row_header, *table.columns])
    for row in table.rows:
        writer.writerow([row.header, *row.cells])
    return response
