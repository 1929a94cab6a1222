"""The retention page for site administrators: past runs, each corporation's periods, a dry run
that lists what would go, and a real run behind a confirmation step (residents.retention).

Anyone else gets a 404: the page does not exist for them."""

from django.contrib import messages
from django.http import HttpResponseNotAllowed
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _

from projects import access
from projects.lists import page_of
from projects.models import Organisation, OrganisationKind

from . import retention
from .models import RetentionPolicy, RetentionRun, RetentionTrigger

RUNS_PER_PAGE = 20


def _who(user) -> str:
    return user.email or user.get_username()


def _policies() -> list[RetentionPolicy]:
    corporations = Organisation.objects.filter(kind=OrganisationKind.CORPORATION).select_related(
        "retention_policy"
    )
    return [RetentionPolicy.for_corporation(corporation) for corporation in corporations]


def retention_page(request):
    access.require_administrator(request.user)
    runs = page_of(request, RetentionRun.objects.all(), size=RUNS_PER_PAGE)
    return render(
        request,
        "residents/retention.html",
        {"page_obj": runs, "policies": _policies(), "today": timezone.localdate()},
    )


def retention_run_detail(request, pk: int):
    access.require_administrator(request.user)
    record = get_object_or_404(RetentionRun, pk=pk)
    return render(
        request,
        "residents/retention_run.html",
        {"run": record, "rows": retention.planned_rows(record)},
    )


def retention_dry_run(request):
    access.require_administrator(request.user)
    if request.method != "POST":
        return HttpResponseNotAllowed(["POST"])
    record = retention.run(
        dry_run=True, trigger=RetentionTrigger.PAGE, started_by=_who(request.user)
    )
    messages.success(request, _("Dry run recorded: nothing was changed."))
    return redirect("residents:retention_run", pk=record.pk)


def retention_run(request):
    """First POST: what a real run would change, to confirm; the second (confirmed) runs it."""
    access.require_administrator(request.user)
    if request.method != "POST":
        return HttpResponseNotAllowed(["POST"])
    if request.POST.get("confirmed") != "1":
        today = timezone.localdate()
        plans = retention.plan(today)
        return render(
            request,
            "residents/retention_confirm.html",
            {
                "plans": plans,
                "tenants": sum(len(p.tenants) for p in plans),
                "candidates": sum(len(p.candidates) for p in plans),
                "today": today,
            },
        )
    record = retention.run(
        dry_run=False, trigger=RetentionTrigger.PAGE, started_by=_who(request.user)
    )
    messages.success(
        request,
        _("Retention run done: %(persons)s persons anonymised, %(audit)s audit entries removed.")
        % {"persons": record.persons_count, "audit": record.audit_count},
    )
    return redirect("residents:retention_run", pk=record.pk)
