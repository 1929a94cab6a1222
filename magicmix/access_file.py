"""Right of access (AVG art. 15): everything the product holds about one person, as one file.

Staff with the write role produce it from the person's page; producing it is in the audit log.
It holds the person, their earlier versions (the history), contracts with their notices,
check-ins, warnings, guidance extensions and missed-notice decisions, association memberships,
applications, offers, the events of their allocation, and the profile they shared with an
association's ballot. Never how anyone voted: no participation, no elector row, no tally (and
the ballot stores no voter beside a choice). Internal keys that mean nothing to the person
(the dashboard's statistical cell keys, the search index) are left out, and so is free text
that may be about someone else (LEFT_OUT_OF).
"""

import datetime as dt
import decimal

from django.db import models
from django.utils import timezone

from allocation.models import AllocationEvent, Application, Offer, RoundCandidate
from residents.models import (
    AssociationMembership,
    CheckIn,
    Contract,
    GuidanceExtension,
    LapseDecision,
    Notice,
    Person,
    ResidentWarning,
)

FORMAT_VERSION = 1
LEFT_OUT = {"cell_key", "search_text"}
# Free text that may name other people (art. 15(4) AVG): why staff chose someone else over the
# vote's winner, for instance. The event itself (kind, date, rank, score) stays.
LEFT_OUT_OF = {AllocationEvent: {"reason"}}


def _value(value):
    if isinstance(value, dt.datetime):
        return timezone.localtime(value).isoformat()
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, decimal.Decimal):
        return str(value)
    if isinstance(value, models.fields.files.FieldFile):
        return value.name or None
    return value


def record(obj) -> dict:
    """A row: field name -> value (choices as their label; a link as its name and id)."""
    row = {}
    left_out = LEFT_OUT | LEFT_OUT_OF.get(type(obj), set())
    for field in obj._meta.concrete_fields:
        if field.name in left_out:
            continue
        label = field.name
        if field.is_relation:
            related = getattr(obj, field.name)
            row[label] = None if related is None else {"id": related.pk, "name": str(related)}
        elif field.choices:
            row[label] = getattr(obj, f"get_{field.name}_display")()
        else:
            row[label] = _value(getattr(obj, field.attname))
    return row


def _rows(queryset) -> list[dict]:
    return [record(obj) for obj in queryset.order_by("pk")]


def build(person: Person) -> dict:
    contracts = Contract.objects.filter(person=person)
    applications = Application.objects.filter(person=person)
    return {
        "format": f"magicmix-access-file/{FORMAT_VERSION}",
        "made_at": timezone.localtime().isoformat(),
        "person": record(person),
        "person_history": [
            {"at": _value(h.history_date), **record(h.instance)}
            for h in person.history.order_by("history_date", "history_id")
        ],
        "contracts": _rows(contracts),
        "notices": _rows(Notice.objects.filter(contract__in=contracts)),
        "missed_notice_decisions": _rows(LapseDecision.objects.filter(contract__in=contracts)),
        "check_ins": _rows(CheckIn.objects.filter(contract__in=contracts)),
        "guidance_extensions": _rows(GuidanceExtension.objects.filter(contract__in=contracts)),
        "warnings": _rows(ResidentWarning.objects.filter(person=person)),
        "association_memberships": _rows(AssociationMembership.objects.filter(person=person)),
        "applications": _rows(applications),
        "offers": _rows(Offer.objects.filter(application__in=applications)),
        "allocation_events": _rows(AllocationEvent.objects.filter(application__in=applications)),
        "shared_ballot_profiles": _rows(
            RoundCandidate.objects.filter(application__in=applications)
        ),
    }
