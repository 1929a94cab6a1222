"""The dashboard page, its print version, its CSV files and its definitions: thin views over
`store.figures` and `tables.layout`."""

import csv
from dataclasses import dataclass

from django import forms
from django.http import Http404, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.text import slugify
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from projects import access
from projects.models import Organisation

from . import periods, store
from .disclosure import HIDDEN, HIDDEN_MEANING, MIN_BASE
from .tables import Dashboard, layout


class DashboardForm(forms.Form):
    period = forms.ChoiceField(label=gettext_lazy("Period"), required=False)
    municipality = forms.ChoiceField(label=gettext_lazy("Municipality"), required=False)

    def __init__(self, data, *, offered, municipalities, all_label):
        super().__init__(data)
        groups = {
            "today": gettext_lazy("Today"),
            "quarter": gettext_lazy("Quarters"),
            "year": gettext_lazy("Years"),
            "years": gettext_lazy("Several years together"),
        }
        self.fields["period"].choices = [
            (label, [(p.slug, p.label) for p in offered if p.kind == kind])
            for kind, label in groups.items()
        ]
        choices = [(str(m.pk), m.name) for m in municipalities]
        if all_label:
            choices.insert(0, ("", all_label))
        self.fields["municipality"].choices = choices


@dataclass
class Request:
    """What one request asks for: the period, the municipality and the projects in scope."""

    form: DashboardForm
    period: periods.Period
    municipality: Organisation | None
    projects: object  # a Project queryset, scoped to the user
    scope: str
    board: Dashboard | None

    @property
    def place(self) -> str:
        return self.municipality.name if self.municipality else _("All municipalities")


def _request(request) -> Request:
    """The dashboard the request asks for, from the user's own projects only."""
    user = request.user
    projects = access.dashboard_projects(user)  # 404 for anyone without a dashboard
    policy_ids = access.municipality_ids(user)
    if policy_ids:
        # A policy officer sees one of her municipalities at a time, projects or not.
        municipalities = list(Organisation.objects.filter(pk__in=policy_ids).order_by("name"))
    else:
        municipalities = list(
            Organisation.objects.filter(pk__in=projects.values("municipality")).order_by("name")
        )
    today = timezone.localdate()
    offered = periods.offered(today)
    data = request.GET.copy()
    if "quarter" in data and "period" not in data:  # the links of the earlier dashboard
        data["period"] = data["quarter"]
    if "period" in data:
        data["period"] = data["period"].replace("-K", "-Q")
    form = DashboardForm(
        data,
        offered=offered,
        municipalities=municipalities,
        all_label=None if policy_ids else _("All municipalities"),
    )
    form.is_valid()  # a refused field shows its message; the other field still counts
    period = periods.parse(form.cleaned_data.get("period") or "", today) or offered[1]
    municipality = municipalities[0] if policy_ids and municipalities else None
    if chosen := form.cleaned_data.get("municipality"):
        municipality = next(m for m in municipalities if str(m.pk) == chosen)
    if municipality is not None:
        projects = projects.filter(municipality=municipality)
    if policy_ids:
        scope = store.municipality_scope(municipality.pk) if municipality else "none"
    else:
        corporations = None if user.is_superuser else access.corporation_ids(user)
        scope = store.corporation_scope(corporations, municipality and municipality.pk)
    board = None
    if projects.exists():
        board = layout(store.figures(scope, projects, period))
    return Request(form, period, municipality, projects, scope, board)


def _context(request, asked: Request, **extra) -> dict:
    query = request.GET.copy()
    query["period"] = asked.period.slug
    if asked.municipality:
        query["municipality"] = str(asked.municipality.pk)
    query.pop("quarter", None)
    return {
        "asked": asked,
        "board": asked.board,
        "form": asked.form,
        "municipality": asked.municipality,
        "period": asked.period,
        "query": query.urlencode(),
        "hidden_symbol": HIDDEN,
        "hidden_meaning": HIDDEN_MEANING,
        **extra,
    }


def dashboard_page(request):
    asked = _request(request)
    return render(request, "magicmix/dashboard.html", _context(request, asked))


def dashboard_print(request):
    """The same figures laid out for A4: no menu, no forms, no links; a header that says what
    is printed."""
    asked = _request(request)
    return render(request, "magicmix/dashboard_print.html", _context(request, asked))


def dashboard_definitions(request):
    access.dashboard_projects(request.user)  # the same people as the dashboard itself
    return render(
        request,
        "magicmix/dashboard_definitions.html",
        {"hidden_symbol": HIDDEN, "hidden_meaning": HIDDEN_MEANING, "min_base": MIN_BASE},
    )


def csv_name(asked: Request, title: str) -> str:
    """The file name in the page's words: 'magicmix-gemeente-utrecht-k3-2026-uitstroom'."""
    words = ["magicmix", asked.place, asked.period.label, title]
    if asked.period.kind == "today":
        words[2] = date_format(asked.period.end, "Y-m-d")
    return "-".join(slugify(str(w)) for w in words)


def dashboard_csv(request, slug):
    asked = _request(request)
    table = asked.board.table(slug) if asked.board else None
    if table is None:
        raise Http404
    board = asked.board
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{csv_name(asked, table.title)}.csv"'
    # The same format as the other exports: UTF-8 with a BOM and ';', which Excel opens as is.
    # The first lines say what the file holds; a blank line ends them.
    response.write("\ufeff")
    writer = csv.writer(response, delimiter=";", lineterminator="\r\n")
    generated = timezone.localtime(board.generated_at)
    for label, value in (
        (_("Table"), table.title),
        (_("Municipality"), asked.place),
        (_("Period"), asked.period.label),
        (_("Data as of"), date_format(board.as_of, "j F Y")),
        (_("Generated at"), date_format(generated, "j F Y H:i")),
        (_("Symbols"), str(HIDDEN_MEANING)),
    ):
        writer.writerow([f"# {label}", value])
    writer.writerow([])
    writer.writerow([table.row_header, *table.columns])
    for row in table.rows:
        writer.writerow([row.header, *row.cells])
    return response
