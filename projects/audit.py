"""The audit log of sensitive reads (projects.models.AuditEntry).

A view that shows or hands out personal data calls `record` once; the entry is written in the
request's own transaction-free path (autocommit), so a page that was served is a page on record.
Entries are kept `AUDIT_KEEP_DAYS` and then removed by `purge_expired`, which the retention job
runs; nothing else removes or changes one.
"""

import datetime as dt

from django.conf import settings
from django.db import connection
from django.utils import timezone

from .models import AuditAction, AuditEntry

__all__ = ["AuditAction", "object_type", "purge_expired", "record"]


def object_type(obj_or_model) -> str:
    """`app.model` for an instance or a model class: how the log names the kind of record."""
    return obj_or_model._meta.label_lower


def _organisations(user) -> str:
    if user.is_superuser:
        return "administrator"
    names = user.memberships.values_list("organisation__name", flat=True).order_by(
        "organisation__name"
    )
    return ", ".join(names)


def record(request, action: str, obj=None, *, kind: str = "", object_id=None) -> AuditEntry:
    """Write who read `obj` (or a `kind` of record, e.g. an export) through this request."""
    user = request.user
    now = timezone.now()
    return AuditEntry.objects.create(
        at=now,
        keep_until=now + dt.timedelta(days=settings.AUDIT_KEEP_DAYS),
        actor_id=user.pk,
        actor=user.email or user.get_username(),
        organisation=_organisations(user)[:300],
        action=action,
        object_type=kind or object_type(obj),
        object_id=object_id if object_id is not None else getattr(obj, "pk", None),
        path=request.get_full_path()[:500],
    )


def purge_expired(*, now=None, dry_run: bool = False) -> int:
    """Remove the entries past their period; the number removed (or that would be)."""
    expired = AuditEntry.objects.filter(keep_until__lte=now or timezone.now())
    if dry_run:
        return expired.count()
    # QuerySet.delete() would call no model delete(); it is the one path the trigger allows.
    return expired._raw_delete(connection.alias)


class AuditedAdmin:
    """For a ModelAdmin of personal records: opening one (or its history) in the admin is a read
    like any other, and goes in the log."""

    def _audited(self, request, object_id, response):
        if request.method == "GET" and response.status_code == 200 and str(object_id).isdigit():
            record(request, AuditAction.VIEW, kind=object_type(self.model), object_id=object_id)
        return response

    def change_view(self, request, object_id, form_url="", extra_context=None):
        response = super().change_view(request, object_id, form_url, extra_context)
        return self._audited(request, object_id, response)

    def history_view(self, request, object_id, extra_context=None):
        response = super().history_view(request, object_id, extra_context)
        return self._audited(request, object_id, response)

    def history_form_view(self, request, object_id, version_id, extra_context=None):
        """simple_history's page of one earlier version: the record as it was."""
        response = super().history_form_view(request, object_id, version_id, extra_context)
        return self._audited(request, object_id, response)

    def delete_view(self, request, object_id, extra_context=None):
        response = super().delete_view(request, object_id, extra_context)
        return self._audited(request, object_id, response)
