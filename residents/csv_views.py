"""CSV import and export pages; the format and its rules are in csv_io (and docs/csv.md)."""

from django import forms
from django.contrib import messages
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.html import format_html
from django.utils.http import content_disposition_header
from django.utils.text import slugify
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, pgettext, pgettext_lazy
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_safe

from projects import access, audit

from . import csv_io
from .filters import PersonFilter
from .models import Person


class CsvUploadForm(forms.Form):
    file = forms.FileField(
        label=gettext_lazy("CSV file"),
        allow_empty_file=True,  # csv_io says what is wrong with an empty file
        widget=forms.ClearableFileInput(attrs={"accept": ".csv,text/csv"}),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["file"].help_text = format_html(
            '{} <a href="#columns">{}</a>',
            _(
                "A .csv file in UTF-8 (in Excel: Save as “CSV UTF-8”), with “;” or “,” between "
                "the columns and the column names on the first line; at most %(size)s MB. "
                "Dates as YYYY-MM-DD or DD-MM-YYYY, numbers with a decimal comma or point. "
                "Nothing is imported unless every row is correct."
            )
            % {"size": csv_io.MAX_FILE_SIZE // (1024 * 1024)},
            _("See the columns below."),
        )


IMPORTS = {
    "units": (
        csv_io.units_import,
        csv_io.UNIT_REFERENCE,
        gettext_lazy("Import units into %(project)s"),
    ),
    "people": (
        csv_io.persons_import,
        csv_io.PERSON_REFERENCE,
        gettext_lazy("Import people and contracts into %(project)s"),
    ),
}


def _import_page(request, pk, *, kind: str):
    project = access.get_project_for_user(request.user, pk, write=True)
    importer, columns, title = IMPORTS[kind]
    result = None
    if request.method == "POST":
        form = CsvUploadForm(request.POST, request.FILES)
        if form.is_valid():
            result = importer(project=project, file=form.cleaned_data["file"])
            if result.ok:
                messages.success(request, result.summary)
                return redirect(project)
    else:
        form = CsvUploadForm()
    return render(
        request,
        "residents/csv_import.html",
        {
            "project": project,
            "title": title % {"project": project.name},
            "kind": kind,
            "form": form,
            "result": result,
            "columns": csv_io.column_reference(columns),
        },
    )


def units_import(request, pk):
    return _import_page(request, pk, kind="units")


def project_people_import(request, pk):
    return _import_page(request, pk, kind="people")


# Per import: the template that lists its columns with one example row, and its file name.
TEMPLATES = {
    "units": (csv_io.units_template, pgettext_lazy("CSV file name", "units-template")),
    "people": (csv_io.persons_template, pgettext_lazy("CSV file name", "people-template")),
}


def _template(request, pk, *, kind: str):
    project = access.get_project_for_user(request.user, pk, write=True)
    template, what = TEMPLATES[kind]
    return _csv_response(template(project=project), csv_file_name(project.name, what))


@require_safe
def units_template(request, pk):
    return _template(request, pk, kind="units")


@require_safe
def people_template(request, pk):
    return _template(request, pk, kind="people")


def csv_file_name(scope: str, what: str) -> str:
    """`<project>-<what>-<date>.csv`, as every CSV download of a project is named."""
    return f"{slugify(scope) or 'magicmix'}-{slugify(what)}-{timezone.localdate().isoformat()}.csv"


def _csv_response(text: str, filename: str) -> HttpResponse:
    return HttpResponse(
        text.encode("utf-8"),
        content_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": content_disposition_header(True, filename)},
    )


@require_safe
@never_cache  # personal data: not kept in any cache
def units_export(request, pk):
    project = access.get_project_for_user(request.user, pk)
    audit.record(request, audit.AuditAction.EXPORT, project)
    return _csv_response(
        csv_io.units_export(project=project),
        csv_file_name(project.name, pgettext("CSV file name", "units")),
    )


@require_safe
@never_cache
def project_people_export(request, pk):
    project = access.get_project_for_user(request.user, pk)
    audit.record(request, audit.AuditAction.EXPORT, project)
    return _csv_response(
        csv_io.project_persons_export(project=project),
        csv_file_name(project.name, pgettext("CSV file name", "people")),
    )


@require_safe
@never_cache
def people_export(request):
    """The people list's rows, filtered by the same GET parameters as the list itself."""
    access.require_corporation_user(request.user)
    people = Person.objects.for_user(request.user)
    person_filter = PersonFilter(request.GET or None, queryset=people, request=request)
    audit.record(request, audit.AuditAction.EXPORT, kind=audit.object_type(Person))
    return _csv_response(
        csv_io.persons_export(people=person_filter.qs, user=request.user),
        csv_file_name("magicmix", pgettext("CSV file name", "people")),
    )
