"""The audit log's page: for site administrators only (everyone else gets 404)."""

import django_filters
from django import forms
from django.shortcuts import render
from django.urls import NoReverseMatch, reverse
from django.utils.translation import gettext_lazy as _

from projects import access
from projects.lists import page_of
from projects.models import AuditAction, AuditEntry

# The kinds of record the log names, the page's words for them, and where each one opens.
KINDS = {
    "residents.person": (_("Person"), "residents:person_detail"),
    "residents.contract": (_("Contract"), "residents:contract_detail"),
    "residents.notice": (_("Notice document"), None),
    "allocation.application": (_("Application"), "allocation:application_detail"),
    "allocation.offer": (_("Offer"), "allocation:offer_detail"),
    "projects.project": (_("Project"), "residents:project_detail"),
}


class AuditFilter(django_filters.FilterSet):
    actor = django_filters.CharFilter(label=_("User (e-mail)"), lookup_expr="icontains")
    action = django_filters.ChoiceFilter(
        label=_("Action"), choices=AuditAction.choices, empty_label=_("All")
    )
    object_type = django_filters.ChoiceFilter(
        label=_("Kind of record"),
        choices=[(code, label) for code, (label, _url) in KINDS.items()],
        empty_label=_("All"),
    )
    object_id = django_filters.NumberFilter(label=_("Record id"), min_value=1)
    since = django_filters.DateFilter(
        label=_("From"),
        field_name="at",
        lookup_expr="date__gte",
        widget=forms.DateInput(attrs={"type": "date"}),
    )
    until = django_filters.DateFilter(
        label=_("Up to and including"),
        field_name="at",
        lookup_expr="date__lte",
        widget=forms.DateInput(attrs={"type": "date"}),
    )

    class Meta:
        model = AuditEntry
        fields = []


def _link(entry: AuditEntry) -> str:
    url_name = KINDS.get(entry.object_type, (None, None))[1]
    if url_name is None or entry.object_id is None:
        return ""
    try:
        return reverse(url_name, args=[entry.object_id])
    except NoReverseMatch:
        return ""


def audit_log(request):
    access.require_administrator(request.user)
    entries = AuditFilter(request.GET or None, queryset=AuditEntry.objects.all())
    page_obj = page_of(request, entries.qs)
    for entry in page_obj:
        entry.kind_label = KINDS.get(entry.object_type, (entry.object_type, None))[0]
        entry.link = _link(entry)
    return render(
        request,
        "magicmix/audit_log.html",
        {"filter": entries, "page_obj": page_obj},
    )
