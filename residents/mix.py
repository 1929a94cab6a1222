"""The current mix of a project or cluster: how many dragend and vragend residents live there.

A resident is the holder-person of a contract in force on the day; each counts once.
"""

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass

from django.db.models import Count

from .models import Contract, ResidentRole


@dataclass
class Mix:
    dragend: int = 0
    vragend: int = 0
    band: tuple[int, int] | None = None
    occupied_units: int = 0

    @property
    def total(self) -> int:
        return self.dragend + self.vragend

    @property
    def share(self) -> float | None:
        """The dragend share in percent, or None without residents."""
        return 100 * self.dragend / self.total if self.total else None

    @property
    def share_display(self) -> str:
        return "–" if self.share is None else f"{self.share:.0f}%"

    @property
    def share_css(self) -> str:
        return f"{self.share or 0:.1f}"

    @property
    def band_width(self) -> int:
        return self.band[1] - self.band[0] if self.band else 0

    @property
    def within_band(self) -> bool | None:
        if self.share is None or not self.band:
            return None
        return self.band[0] <= self.share <= self.band[1]

    def add(self, role: str, count: int, units: int = 0) -> None:
        # One contract is in force per unit at a time, so units per role add up.
        self.occupied_units += units
        if role == ResidentRole.DRAGEND:
            self.dragend += count
        else:
            self.vragend += count


def _counts(projects, on: dt.date, *group_by: str):
    return (
        Contract.objects.in_force(on)
        .filter(unit__project__in=projects)
        .values(*group_by, "person__role")
        .annotate(n=Count("person", distinct=True), units=Count("unit", distinct=True))
        .order_by()
    )


def mix_by_project(projects, on: dt.date) -> dict[int, Mix]:
    """Mix per project id, for a queryset or list of projects (one query)."""
    mixes: dict[int, Mix] = {}
    for project in projects:
        mixes[project.pk] = Mix(band=(project.dragend_min, project.dragend_max))
    for row in _counts([p.pk for p in projects], on, "unit__project_id"):
        mixes[row["unit__project_id"]].add(row["person__role"], row["n"], row["units"])
    return mixes


def mix_by_cluster(project, clusters, on: dt.date) -> dict[int | None, Mix]:
    """Mix per cluster id (None: units without a cluster) within one project (one query)."""
    mixes: dict[int | None, Mix] = {c.pk: Mix(band=c.band) for c in clusters}
    mixes[None] = Mix(band=(project.cluster_dragend_min, project.cluster_dragend_max))
    for row in _counts([project.pk], on, "unit__cluster_id"):
        mixes[row["unit__cluster_id"]].add(row["person__role"], row["n"], row["units"])
    return mixes


def groups_by_project(project_ids, on: dt.date) -> dict[int, dict[int, int]]:
    """Residents per target group id, per project id (one query)."""
    result: dict[int, dict[int, int]] = defaultdict(dict)
    rows = (
        Contract.objects.in_force(on)
        .filter(unit__project__in=project_ids)
        .values("unit__project_id", "person__target_group_id")
        .annotate(n=Count("person", distinct=True))
        .order_by()
    )
    for row in rows:
        result[row["unit__project_id"]][row["person__target_group_id"]] = row["n"]
    return result
