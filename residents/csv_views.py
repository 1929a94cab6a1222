"""CSV import and export pages; the format and its rules are in csv_io (and docs/csv.md)."""

import datetime as dt

from django import forms
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.html import format_html
from django.utils.http import content_disposition_header
from django.utils.text import slugify
from django.utils.timesince import timeuntil
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext, pgettext, pgettext_lazy
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_safe

from projects import access, audit
from projects.models import Project

from . import csv_io, csv_jobs
from .filters import PersonFilter
from .models import CsvImport, Person


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


# Per import: its column reference and page title (the importer itself: csv_jobs.IMPORTERS).
IMPORTS = {
    "units": (csv_io.UNIT_REFERENCE, gettext_lazy("Import units into %(project)s")),
    "people": (
        csv_io.PERSON_REFERENCE,
        gettext_lazy("Import people and contracts into %(project)s"),
    ),
}


def _import_page(request, pk, *, kind: str):
    """The upload form: a file that cannot be imported at all is answered here at once; a
    readable one is queued (csv_jobs) and its progress page takes over."""
    project = access.get_project_for_user(request.user, pk, write=True)
    columns, title = IMPORTS[kind]
    result = None
    if request.method == "POST":
        form = CsvUploadForm(request.POST, request.FILES)
        if form.is_valid():
            try:
                job = csv_jobs.start(
                    project=project,
                    kind=kind,
                    upload=form.cleaned_data["file"],
                    user=request.user,
                    language=request.LANGUAGE_CODE,
                )
            except csv_io.CsvFileError as error:
                result = csv_io.ImportResult(file_errors=error.messages)
            else:
                return redirect("residents:csv_import", pk=job.pk)
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
            "recent": CsvImport.objects.filter(project=project, created_by=request.user, kind=kind)[
                :5
            ],
        },
    )


@require_safe
@never_cache
def import_progress(request, pk):
    """How far an import is; its outcome once done. Only its starter sees it (404 otherwise)."""
    job = get_object_or_404(
        CsvImport.objects.filter(
            created_by=request.user, project__in=Project.objects.for_user(request.user)
        ).select_related("project"),
        pk=pk,
    )
    access.require_write(request.user, job.project.corporation_id)
    progress = csv_jobs.progress_of(job)
    left = progress["seconds_left"]
    return render(
        request,
        "residents/csv_import_progress.html",
        {
            "job": job,
            "project": job.project,
            "progress": progress,
            "left": _time_left(left),
            "errors": [
                {"row": row, "column": column, "message": message}
                for row, column, message in job.errors[:ERRORS_SHOWN]
            ],
            "errors_hidden": max(0, len(job.errors) - ERRORS_SHOWN),
            "import_url": reverse(f"residents:{IMPORT_URLS[job.kind]}", args=[job.project_id]),
        },
    )


IMPORT_URLS = {"units": "units_import", "people": "project_people_import"}
ERRORS_SHOWN = 1000  # a page of every error of 20,000 bad rows would not open on a phone


def _time_left(seconds: int | None) -> str | None:
    if seconds is None:
        return None
    if seconds < 60:  # in tens of seconds: an estimate, not a countdown
        tens = max(10, round(seconds, -1))
        return ngettext("%(n)s second", "%(n)s seconds", tens) % {"n": tens}
    now = timezone.now()
    return timeuntil(now + dt.timedelta(seconds=seconds), now, depth=2)


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
