"""Pages of the batch of notice letters (magicmix.notice_batch): the list of what is due with
the start button, the progress page, and the one PDF.

A batch is its starter's: anyone else gets 404 on its pages. Starting one needs the write role
(403 for a read-only role; 404 without corporation records).
"""

from django import forms
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import FileResponse, Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from projects import access, audit
from projects.models import Project
from residents.models import Contract, NoticeBatch, NoticeMeans

from . import notice_batch

# Letters are sent: by post or by e-mail (in person is recorded one by one).
BATCH_MEANS = [
    (NoticeMeans.LETTER, NoticeMeans.LETTER.label),
    (NoticeMeans.EMAIL, NoticeMeans.EMAIL.label),
]


class BatchForm(forms.Form):
    means = forms.ChoiceField(
        label=gettext_lazy("Sent by"),
        choices=BATCH_MEANS,
        initial=NoticeMeans.LETTER,
        widget=forms.RadioSelect,
    )
    contracts = forms.TypedMultipleChoiceField(coerce=int, widget=forms.MultipleHiddenInput)

    def __init__(self, *args, contract_ids, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["contracts"].choices = [(pk, pk) for pk in contract_ids]
        self.fields["contracts"].initial = contract_ids
        self.fields["contracts"].error_messages["invalid_choice"] = _(
            "The list of notices to send has changed since you opened it. Check the list again."
        )


def _project(request):
    value = request.GET.get("project", "") or request.POST.get("project", "")
    if not value:
        return None
    if not value.isdigit():
        raise Http404
    return get_object_or_404(Project.objects.for_user(request.user), pk=value)


def batch_new(request):
    access.require_writable_corporations(request.user)
    today = timezone.localdate()
    project = _project(request)
    rows = notice_batch.due_rows(request.user, today, project)
    ids = [row.contract.pk for row in rows]
    form = BatchForm(request.POST or None, contract_ids=ids)
    if request.method == "POST" and form.is_valid():
        try:
            batch = notice_batch.batch_start(
                user=request.user,
                contract_ids=form.cleaned_data["contracts"],
                means=form.cleaned_data["means"],
                today=today,
            )
        except ValidationError as error:
            for text in error.messages:
                messages.error(request, text)
            return redirect(request.get_full_path())
        return redirect("notice_batch", pk=batch.pk)
    return render(
        request,
        "magicmix/notice_batch_new.html",
        {
            "rows": rows,
            "form": form,
            "project": project,
            "today": today,
            "recent": NoticeBatch.objects.filter(created_by=request.user)[:5],
        },
    )


def _batch_of(request, pk) -> NoticeBatch:
    access.require_corporation_user(request.user)
    return get_object_or_404(NoticeBatch.objects.filter(created_by=request.user), pk=pk)


def batch_detail(request, pk):
    batch = _batch_of(request, pk)
    contracts = {
        c.pk: c
        for c in Contract.objects.for_user(request.user)
        .filter(pk__in=batch.contract_ids)
        .select_related("person", "unit__project")
    }
    return render(
        request,
        "magicmix/notice_batch.html",
        {
            "batch": batch,
            "contracts": [contracts[pk] for pk in batch.contract_ids if pk in contracts],
        },
    )


def batch_file(request, pk):
    batch = _batch_of(request, pk)
    if not batch.file:
        raise Http404
    audit.record(request, audit.AuditAction.DOWNLOAD, batch)
    return FileResponse(
        batch.file.open("rb"),
        as_attachment=True,
        filename=batch.file.name.rsplit("/", 1)[-1],
        content_type="application/pdf",
    )
