"""Closed periods are published once: the first time a closed quarter, year or run of years
is asked for (by a page, a CSV file or the nightly task), its figures are computed and kept;
from then on every page and CSV file of that period is served from what was kept. Today's view
is the only live one.

A scope names whose projects a dashboard covers: a municipality (what a policy officer sees:
all its projects) or a set of corporations within a municipality (what their staff see).
"""

import logging

from django.db import IntegrityError, transaction
from django.utils import timezone

from projects.models import Organisation, OrganisationKind, Project

from ..models import PublishedDashboard
from . import periods
from .tables import VERSION, Figures, compute, figure_key

log = logging.getLogger(__name__)


def municipality_scope(municipality_id: int) -> str:
    return f"municipality:{municipality_id}"


def corporation_scope(corporation_ids: list[int] | None, municipality_id: int | None) -> str:
    corporations = "all" if corporation_ids is None else ",".join(map(str, sorted(corporation_ids)))
    return f"corporations:{corporations}/municipality:{municipality_id or 'all'}"


def figures(scope: str, projects, period: periods.Period) -> Figures:
    """The figures of `projects` (a queryset, already scoped) for `period`: computed live for
    today, otherwise the stored ones, computed and stored the first time."""
    if not period.closed:
        return compute(_listed(projects), period)
    stored = PublishedDashboard.objects.filter(scope=scope, period=period.slug).first()
    if stored is not None and stored.figures.get("version") == VERSION:
        return Figures.from_json(stored.figures)
    result = _aligned(scope, compute(_listed(projects), period))
    try:
        with transaction.atomic():
            if stored is None:
                PublishedDashboard.objects.create(
                    scope=scope, period=period.slug, figures=result.as_json()
                )
            else:  # kept by an earlier version of the layout: replaced once
                stored.figures = result.as_json()
                stored.save(update_fields=["figures"])
    except IntegrityError:
        # Another request stored it first: show what it stored, so both show the same.
        stored = PublishedDashboard.objects.get(scope=scope, period=period.slug)
        return Figures.from_json(stored.figures)
    return result


# The figures of a period that count the residents on its last day: shared with every other
# period ending that day (a year and its fourth quarter).
STOCK_TABLES = ("mix|", "groups|", "contrib|")
TREND_MEASURES = ("residents", "dragend", "vragend", "share", "rate", "ended", "flipped")


def _aligned(scope: str, result: Figures) -> Figures:
    """Figures the new period shares with periods already stored in the scope are taken from
    those: a correction made in between must not give one figure two numbers (and a 'before
    and after' of a closed period to subtract)."""
    stored = {
        row.period: row.figures
        for row in PublishedDashboard.objects.filter(scope=scope, figures__version=VERSION)
    }
    if not stored:
        return result
    values, end = result.values, result.period["end"]
    for other in stored.values():
        if other["period"]["end"] == end:  # the same last day: the same stock
            for key, value in other["values"].items():
                if key.startswith(STOCK_TABLES) or key.startswith("occ|") and key.endswith("|rate"):
                    values[key] = value
            break
    for slug in values.get("trend|periods", []):
        own = stored.get(slug)
        if own is not None and slug != result.period["slug"]:
            for measure in TREND_MEASURES:
                key = figure_key("trend", slug, measure)
                if key in own["values"]:
                    values[key] = own["values"][key]
    return result


def _listed(projects) -> list[Project]:
    return list(projects.with_unit_count().order_by("name", "pk"))


def publish_closed(today=None) -> int:
    """Store every closed period offered on `today` for every municipality with projects (the
    nightly task); returns how many were computed now. Periods already kept are left alone."""
    today = today or timezone.localdate()
    done = 0
    municipalities = Organisation.objects.filter(
        kind=OrganisationKind.MUNICIPALITY, pk__in=Project.objects.values("municipality")
    )
    for municipality in municipalities.order_by("pk"):
        scope = municipality_scope(municipality.pk)
        kept = set(
            PublishedDashboard.objects.filter(scope=scope, figures__version=VERSION).values_list(
                "period", flat=True
            )
        )
        projects = Project.objects.filter(municipality=municipality)
        for period in periods.closed_periods(today):
            if period.slug not in kept:
                figures(scope, projects, period)
                done += 1
    log.info("published %s closed dashboard periods", done)
    return done
