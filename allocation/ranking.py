"""Load what scoring needs for a vacancy, in a fixed number of queries, and rank its candidates.

Also the what-if: a project's and a cluster's mix before and after one placement.
"""

import datetime as dt
from dataclasses import dataclass

from django.db.models import Count
from django.utils.translation import gettext as _

from residents.models import Contract, ContractStatus, TargetGroup, TargetGroupLimit

from . import scoring
from .models import AllocationSettings, Application, IntakeOutcome, Offer, OfferStatus, Vacancy


def mix_day(vacancy: Vacancy, today: dt.date) -> dt.date:
    """The mix a placement lands in: that of the day the unit is free (today if that has passed)."""
    return max(today, vacancy.available_from)


def weights_of(settings: AllocationSettings) -> dict[str, int]:
    return {
        "project": settings.weight_project,
        "cluster": settings.weight_cluster,
        "spread": settings.weight_spread,
        "urgency": settings.weight_urgency,
        "waiting": settings.weight_waiting,
        "intake": settings.weight_intake,
    }


def resident_counts(
    project, on: dt.date
) -> tuple[scoring.Counts, dict[int | None, scoring.Counts]]:
    """Residents of the project and of each of its clusters on a day (one query)."""
    rows = (
        Contract.objects.in_force(on)
        .filter(unit__project=project)
        .values("unit__cluster_id", "person__role", "person__target_group_id")
        .annotate(n=Count("person", distinct=True))
        .order_by()
    )
    whole = scoring.Counts()
    clusters: dict[int | None, scoring.Counts] = {}
    for row in rows:
        role, group, n = row["person__role"], row["person__target_group_id"], row["n"]
        whole.add(role, group, n)
        clusters.setdefault(row["unit__cluster_id"], scoring.Counts()).add(role, group, n)
    return whole, clusters


def contract_rules(ctype) -> scoring.ContractRules:
    allowed = frozenset(g.pk for g in ctype.allowed_groups.all())
    return scoring.ContractRules(
        name=ctype.label,
        allowed_groups=allowed or None,
        min_age=ctype.min_age,
        max_age=ctype.max_age,
        valid_from=ctype.valid_from,
        once_per_person=ctype.once_per_person,
        is_omklap=ctype.is_omklap,
    )


def group_names() -> dict[int, str]:
    return {g.pk: g.label for g in TargetGroup.objects.all()}


def vacancy_context(vacancy: Vacancy, *, today: dt.date, names=None) -> scoring.Context:
    """The facts for scoring one vacancy. `vacancy` comes with unit__cluster, project and
    contract_type loaded (access.get_vacancy_for_user)."""
    project, unit = vacancy.project, vacancy.unit
    whole, clusters = resident_counts(project, mix_day(vacancy, today))
    cluster = unit.cluster
    settings = AllocationSettings.for_project(project)
    ctype = vacancy.contract_type
    had = frozenset()
    if ctype.once_per_person:
        had = frozenset(
            Contract.objects.filter(contract_type=ctype)
            .exclude(status=ContractStatus.DRAFT)
            .filter(person__applications__project=project)
            .values_list("person_id", flat=True)
        )
    open_offers = dict(
        Offer.objects.filter(status=OfferStatus.OPEN, application__project=project)
        .exclude(vacancy=vacancy)
        .values_list("application_id", "vacancy__unit__number")
    )
    return scoring.Context(
        today=today,
        available_from=vacancy.available_from,
        weights=weights_of(settings),
        project=whole,
        project_band=(project.dragend_min, project.dragend_max),
        cluster=clusters.get(cluster.pk, scoring.Counts()) if cluster else None,
        cluster_band=cluster.band if cluster else None,
        cluster_name=cluster.name if cluster else "",
        cluster_kind=cluster.kind if cluster else "",
        group_limits=dict(
            TargetGroupLimit.objects.filter(project=project).values_list(
                "target_group_id", "max_share"
            )
        ),
        group_names=names if names is not None else group_names(),
        unit_max_household=unit.max_household,
        unit_accessible=unit.wheelchair_accessible,
        contract=contract_rules(ctype),
        care_partner_ids=frozenset(project.care_partners.values_list("pk", flat=True)),
        had_contract_type=had,
        open_offers=open_offers,
        earlier_offers=dict(
            vacancy.offers.filter(status__in=(OfferStatus.DECLINED, OfferStatus.EXPIRED))
            .order_by("created_at")
            .values_list("application_id", "status")
        ),
    )


CANDIDATE_FIELDS = (
    "pk",
    "person_id",
    "person__first_name",
    "person__last_name",
    "person__role",
    "person__target_group_id",
    "person__household_size",
    "person__needs_accessible",
    "person__date_of_birth",
    "urgent",
    "intake_outcome",
    "registered_on",
    "nominated_by_id",
    "person__reference",
)


def candidates_of(applications) -> list[scoring.Candidate]:
    """Plain candidate facts for a queryset of applications (one query, no model instances)."""
    return [
        scoring.Candidate(
            application_id=row[0],
            person_id=row[1],
            name=f"{row[2]} {row[3]}",
            role=row[4],
            group_id=row[5],
            household=row[6],
            needs_accessible=row[7],
            date_of_birth=row[8],
            urgent=row[9],
            intake=row[10],
            registered_on=row[11],
            nominated_by_id=row[12],
            reference=row[13],
        )
        for row in applications.values_list(*CANDIDATE_FIELDS)
    ]


@dataclass
class Ranking:
    context: scoring.Context
    ranked: list[scoring.Ranked]
    ineligible: list[scoring.Ineligible]

    def find(self, application_id: int) -> scoring.Ranked | None:
        for item in self.ranked:
            if item.candidate.application_id == application_id:
                return item
        return None

    @property
    def first(self) -> scoring.Ranked | None:
        return self.ranked[0] if self.ranked else None


def intake_labels() -> dict[str, str]:
    return {value: str(label).lower() for value, label in IntakeOutcome.choices}


def vacancy_ranking(vacancy: Vacancy, *, today: dt.date) -> Ranking:
    """Every active candidate of the vacancy's project: ranked, or ineligible with the reasons."""
    context = vacancy_context(vacancy, today=today)
    candidates = candidates_of(Application.objects.active().filter(project=vacancy.project))
    ranked, ineligible = scoring.rank(context, candidates, intake_labels())
    return Ranking(context, ranked, ineligible)


@dataclass
class MixRow:
    label: str
    before: str
    after: str
    target: str
    warn: bool


def what_if(context: scoring.Context, candidate: scoring.Candidate) -> list[MixRow]:
    """The project's and the cluster's mix before and after placing `candidate`."""
    role, group = candidate.role, candidate.group_id
    rows = []
    places = [(_("Project"), context.project, context.project_band)]
    if context.cluster is not None:
        places.append((context.cluster_name, context.cluster, context.cluster_band))
    for label, counts, band in places:
        placed = counts.plus(role, group)
        rows.append(
            MixRow(
                label=_("%(place)s: dragend share") % {"place": label},
                before=counts.share_display(),
                after=placed.share_display(),
                target=f"{band[0]}–{band[1]}%",
                warn=scoring.band_broken(counts.share(), placed.share(), band),
            )
        )
    counts = context.project
    placed = counts.plus(role, group)
    for group_id in sorted(set(counts.groups) | {group}, key=context.group_names.get):
        limit = context.group_limits.get(group_id)
        before, after = counts.group_share(group_id), placed.group_share(group_id)
        rows.append(
            MixRow(
                label=_("Project: %(group)s") % {"group": context.group_names.get(group_id, "?")},
                before=f"{scoring.percent(before)} ({counts.groups.get(group_id, 0)})",
                after=f"{scoring.percent(after)} ({placed.groups.get(group_id, 0)})",
                target=_("at most %(max)s%%") % {"max": limit} if limit is not None else "",
                warn=limit is not None and scoring.limit_broken(before, after, limit),
            )
        )
    return rows
