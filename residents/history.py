"""The change history of a person or a contract, as staff read it: when, who (by name, also after
the account is deleted), and each changed field from its old value to its new one; a contract's
notices and decisions on a missed window are part of it.
"""

import datetime as dt

from django.db import models
from django.dispatch import receiver
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from simple_history.signals import pre_create_historical_record

from projects.forms import user_label

from .dates import long_date

HISTORY_ROWS = 20


@receiver(pre_create_historical_record)
def keep_author_name(sender, history_instance, **kwargs) -> None:
    """Write the author's name into the history row (HistoryAuthor) as it is being made."""
    user = getattr(history_instance, "history_user", None)
    if user is not None and hasattr(history_instance, "history_user_name"):
        history_instance.history_user_name = user_label(user)


def _author(record) -> str:
    if record.history_user_id and record.history_user is not None:
        return user_label(record.history_user)
    return getattr(record, "history_user_name", "") or _("the system")


def _show(field, value, related: dict) -> str:
    if value is None or value == "":
        return "–"
    if field.choices:
        return str(dict(field.flatchoices).get(value, value))
    if isinstance(field, models.ForeignKey):
        return related.get((field.related_model, value), str(value))
    if isinstance(value, bool):
        return _("yes") if value else _("no")
    if isinstance(value, dt.datetime):
        return date_format(timezone.localtime(value), "j F Y H:i")
    if isinstance(value, dt.date):
        return long_date(value)
    return str(value)


def history_rows(history, *, extra=()) -> list[dict]:
    """The latest changes, newest first: {"when", "who", "what", "changes": [(field, old, new)]}.

    One history record more than shown is loaded, so the oldest shown can be compared with its
    predecessor; the objects that changed foreign keys point to are loaded in one query per
    model. `extra` adds rows of the same shape (notices, decisions), merged by time.
    """
    records = list(
        history.select_related("history_user").order_by("-history_date", "-history_id")[
            : HISTORY_ROWS + 1
        ]
    )
    deltas = []
    wanted: dict = {}
    for record, previous in zip(records, [*records[1:], None], strict=False):
        changes = []
        if previous is not None and record.history_type == "~":
            meta = record.instance_type._meta
            for change in record.diff_against(previous).changes:
                field = meta.get_field(change.field)
                changes.append((field, change.old, change.new))
                if isinstance(field, models.ForeignKey):
                    ids = wanted.setdefault(field.related_model, set())
                    ids.update(v for v in (change.old, change.new) if v is not None)
        deltas.append((record, changes))
    related = {
        (model, obj.pk): str(obj)
        for model, ids in wanted.items()
        for obj in model._default_manager.filter(pk__in=ids)
    }
    rows = []
    for record, changes in deltas[:HISTORY_ROWS]:
        what = {"+": _("created"), "-": _("deleted")}.get(record.history_type, _("changed"))
        rows.append(
            {
                "when": record.history_date,
                "who": _author(record),
                "what": what,
                "changes": [
                    (
                        str(field.verbose_name),
                        _show(field, old, related),
                        _show(field, new, related),
                    )
                    for field, old, new in changes
                ],
            }
        )
    rows.extend(extra)
    rows.sort(key=lambda row: row["when"], reverse=True)
    return rows[:HISTORY_ROWS]


def contract_extra_rows(contract) -> list[dict]:
    """A contract's notices (with their letter), the letters made for it, and the decision on
    a missed window, as history rows."""
    rows = [
        {
            "when": notice.recorded_at,
            "who": user_label(notice.given_by),
            "what": _("notice given on %(day)s (%(means)s)")
            % {"day": long_date(notice.given_on), "means": notice.get_means_display()},
            "changes": [],
            "link": reverse("residents:notice_document", args=[notice.pk])
            if notice.document
            else "",
        }
        for notice in contract.notices.select_related("given_by")
    ]
    rows += [
        {
            "when": document.made_at,
            "who": document.made_by_name or _("the system"),
            "what": _("letter made: %(title)s") % {"title": document.title},
            "changes": [],
            "link": reverse("residents:contract_document", args=[document.pk]),
        }
        for document in contract.documents.all()
    ]
    decision = getattr(contract, "lapse_decision", None)
    if decision is not None:
        rows.append(
            {
                "when": decision.decided_at,
                "who": user_label(decision.decided_by),
                "what": _("missed notice window: %(outcome)s")
                % {"outcome": decision.get_outcome_display()},
                "changes": [],
            }
        )
    return rows
