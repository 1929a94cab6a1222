"""Plan a fill for a project: its open vacancies and eligible candidates into the exact planner.

The planner (`planner.py`) treats the mix as rules: the project's dragend band, each cluster's
band and the groups' maximum shares must hold after the plan. Within those rules it fills as many
units as it can and, among those plans, maximises the candidates' own priority (urgency,
registration time, intake: `scoring.own_priority`). The contract rules (target group, age, once
per person, omklap partner) differ per vacancy, so each vacancy's contract type and start date
become a letting key the candidate must be allowed.
"""

import datetime as dt
from dataclasses import dataclass
from fractions import Fraction

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from residents.models import Contract, ContractStatus, TargetGroupLimit

from . import planner, scoring
from .models import (
    AllocationSettings,
    Application,
    FillPlan,
    Offer,
    OfferStatus,
    Vacancy,
    VacancyStatus,
)
from .models.core import OfferReason
from .ranking import candidates_of, contract_rules, group_names, resident_counts, weights_of
from .services import offer_make


def plan_day(vacancies: list[Vacancy], today: dt.date) -> dt.date:
    """The mix is counted on the day the last of the units is free (today if that has passed)."""
    return max([today, *(v.available_from for v in vacancies)])


def _letting(vacancy: Vacancy, earlier: dict[int, set[int]]) -> str:
    """What a candidate must be allowed to take the vacancy: its contract type from its date,
    and, for a vacancy someone declined or let expire, that vacancy itself."""
    key = f"{vacancy.contract_type_id}@{vacancy.available_from.isoformat()}"
    return f"{key}#{vacancy.pk}" if vacancy.pk in earlier else key


@dataclass
class Pool:
    """A project's open vacancies and eligible candidates, as plain facts."""

    project: object
    day: dt.date
    vacancies: list[Vacancy]
    candidates: dict[int, scoring.Candidate]
    priorities: dict[int, int]
    problem: planner.Problem
    names: dict[int, str]


def pool_for(project, *, today: dt.date) -> Pool:
    """Load the planning problem for a project in a fixed number of queries."""
    vacancies = list(
        Vacancy.objects.filter(project=project, status=VacancyStatus.OPEN)
        .select_related("unit__cluster", "contract_type")
        .prefetch_related("contract_type__allowed_groups")
        .order_by("unit__number")
    )
    day = plan_day(vacancies, today)
    # Who declined, or did not answer, an earlier offer of a vacancy is not offered it again.
    earlier: dict[int, set[int]] = {}
    for vacancy_id, application_id in Offer.objects.filter(
        vacancy__in=vacancies, status__in=(OfferStatus.DECLINED, OfferStatus.EXPIRED)
    ).values_list("vacancy_id", "application_id"):
        earlier.setdefault(vacancy_id, set()).add(application_id)
    vacant_units = {v.unit_id for v in vacancies}
    residents = [
        planner.PlanResident(unit=f"u{row['unit_id']}", role=row["person__role"], group=str(g))
        for row in Contract.objects.in_force(day)
        .filter(unit__project=project)
        .exclude(unit_id__in=vacant_units)
        .values("unit_id", "person__role", "person__target_group_id")
        .order_by("unit_id")
        if (g := row["person__target_group_id"]) is not None
    ]
    occupied_units = project.units.exclude(pk__in=vacant_units).select_related("cluster")
    units = [
        planner.PlanUnit(
            id=f"u{unit.pk}",
            cluster=str(unit.cluster_id) if unit.cluster_id else None,
            max_household=unit.max_household,
            accessible=unit.wheelchair_accessible,
            contract_type="occupied",
        )
        for unit in occupied_units
    ] + [
        planner.PlanUnit(
            id=f"v{v.pk}",
            cluster=str(v.unit.cluster_id) if v.unit.cluster_id else None,
            max_household=v.unit.max_household,
            accessible=v.unit.wheelchair_accessible,
            contract_type=_letting(v, earlier),
        )
        for v in vacancies
    ]
    offered = set(
        Offer.objects.filter(status=OfferStatus.OPEN, application__project=project).values_list(
            "application_id", flat=True
        )
    )
    candidates = {
        c.application_id: c
        for c in candidates_of(
            Application.objects.active().filter(project=project).exclude(pk__in=offered)
        )
        if c.intake != "negative"
    }
    names = group_names()
    partners = frozenset(project.care_partners.values_list("pk", flat=True))
    rules_by_letting = {
        _letting(v, earlier): (contract_rules(v.contract_type), v) for v in vacancies
    }
    once_types = [v.contract_type_id for v in vacancies if v.contract_type.once_per_person]
    had = {
        (person, ctype)
        for person, ctype in Contract.objects.filter(contract_type_id__in=once_types)
        .exclude(status=ContractStatus.DRAFT)
        .values_list("person_id", "contract_type_id")
    }
    weights = weights_of(AllocationSettings.for_project(project))
    priorities, plan_candidates = {}, []
    for c in candidates.values():
        allowed = frozenset(
            key
            for key, (rules, v) in rules_by_letting.items()
            if c.application_id not in earlier.get(v.pk, ())
            and not scoring.contract_ineligibility(
                rules,
                c,
                start=v.available_from,
                group_names=names,
                had_contract_type=frozenset(
                    person for person, ctype in had if ctype == v.contract_type_id
                ),
                care_partner_ids=partners,
            )
        )
        if not allowed:
            continue
        priorities[c.application_id] = scoring.own_priority(weights, scoring.own_parts(today, c))
        plan_candidates.append(
            planner.PlanCandidate(
                id=str(c.application_id),
                role=c.role,
                group=str(c.group_id),
                household=c.household,
                needs_accessible=c.needs_accessible,
                priority=priorities[c.application_id],
                contract_types=allowed,
            )
        )
    rules = planner.Rules(
        dragend_share=(Fraction(project.dragend_min, 100), Fraction(project.dragend_max, 100)),
        cluster_dragend_share=(
            Fraction(project.cluster_dragend_min, 100),
            Fraction(project.cluster_dragend_max, 100),
        ),
        cluster_bands={
            str(cluster.pk): (Fraction(cluster.band[0], 100), Fraction(cluster.band[1], 100))
            for cluster in project.clusters.all()
        },
        group_max_share={
            str(group): Fraction(share, 100)
            for group, share in TargetGroupLimit.objects.filter(project=project).values_list(
                "target_group_id", "max_share"
            )
        },
    )
    problem = planner.Problem(
        units=tuple(units),
        residents=tuple(residents),
        candidates=tuple(plan_candidates),
        rules=rules,
    )
    return Pool(
        project=project,
        day=day,
        vacancies=vacancies,
        candidates={
            c.application_id: c for c in candidates.values() if c.application_id in priorities
        },
        priorities=priorities,
        problem=problem,
        names=names,
    )


def plan_make(*, project, user, today: dt.date) -> FillPlan:
    """Solve the project's fill and keep the plan for staff to inspect."""
    pool = pool_for(project, today=today)
    if not pool.vacancies:
        raise ValidationError(_("This project has no open vacancies without an offer out."))
    result = planner.solve(pool.problem)
    assignments = [
        {
            "vacancy": int(unit[1:]),
            "application": int(candidate),
            "priority": pool.priorities[int(candidate)],
        }
        for unit, candidate in result.assignments
    ]
    return FillPlan.objects.create(
        project=project,
        created_by=user,
        status=result.status,
        reason=result.reason,
        filled=result.filled,
        vacancies=len(pool.vacancies),
        candidates=len(pool.candidates),
        total_priority=result.total_priority,
        counted_on=pool.day,
        assignments=assignments,
    )


@transaction.atomic
def plan_offers(*, plan: FillPlan, user, today: dt.date, reply_by: dt.date) -> list[Offer]:
    """Turn every assignment of the plan into an offer, or none of them (a plan gone stale
    because a vacancy or candidate changed since is refused as a whole)."""
    plan = FillPlan.objects.select_for_update(of=("self",)).get(pk=plan.pk)
    if plan.offers_made_at:
        raise ValidationError(_("The offers of this plan have been made already."))
    if plan.status != "optimal" or not plan.assignments:
        raise ValidationError(_("This plan has no assignments to offer."))
    vacancies = Vacancy.objects.filter(project=plan.project).in_bulk(
        [a["vacancy"] for a in plan.assignments]
    )
    applications = Application.objects.filter(project=plan.project).in_bulk(
        [a["application"] for a in plan.assignments]
    )
    offers = []
    for item in plan.assignments:
        vacancy = vacancies.get(item["vacancy"])
        application = applications.get(item["application"])
        if vacancy is None or application is None:
            raise ValidationError(_("The plan is out of date: make a new plan."))
        try:
            offers.append(
                offer_make(
                    vacancy=vacancy,
                    application=application,
                    reason="",
                    reason_code=OfferReason.PLAN,  # shown with the plan's time, in Amsterdam
                    reply_by=reply_by,
                    user=user,
                    today=today,
                    plan=plan,
                )
            )
        except ValidationError as error:
            raise ValidationError(
                _("The plan is out of date (unit %(unit)s: %(problem)s): make a new plan.")
                % {"unit": vacancy.unit.number, "problem": " ".join(error.messages)}
            ) from error
    plan.offers_made_at = timezone.now()
    plan.save(update_fields=["offers_made_at"])
    return offers


@dataclass
class PlanRow:
    vacancy: Vacancy
    application: Application
    priority: int
    offer: Offer | None


def plan_rows(plan: FillPlan) -> list[PlanRow]:
    """The plan's assignments with their vacancies and candidates (three queries)."""
    vacancies = Vacancy.objects.filter(project=plan.project).select_related("unit__cluster")
    vacancies = vacancies.in_bulk([a["vacancy"] for a in plan.assignments])
    applications = (
        Application.objects.filter(project=plan.project)
        .select_related("person__target_group")
        .in_bulk([a["application"] for a in plan.assignments])
    )
    offers = {o.vacancy_id: o for o in plan.offers.all()}
    rows = [
        PlanRow(
            vacancy=vacancies[a["vacancy"]],
            application=applications[a["application"]],
            priority=a.get("priority", 0),
            offer=offers.get(a["vacancy"]),
        )
        for a in plan.assignments
        if a["vacancy"] in vacancies and a["application"] in applications
    ]
    rows.sort(key=lambda row: (row.vacancy.unit.number, row.vacancy.pk))
    return rows


@dataclass
class MixLine:
    label: str
    before: str
    after: str
    target: str


def plan_mix(plan: FillPlan, rows: list[PlanRow]) -> list[MixLine]:
    """The project's and each cluster's dragend share, and each limited group's share, before and
    after the plan, counted on the plan's day (three queries)."""
    project = plan.project
    whole, clusters = resident_counts(project, plan.counted_on)
    after_whole = whole.copy()
    after_clusters = {k: v.copy() for k, v in clusters.items()}
    for row in rows:
        person = row.application.person
        after_whole.add(person.role, person.target_group_id)
        after_clusters.setdefault(row.vacancy.unit.cluster_id, scoring.Counts()).add(
            person.role, person.target_group_id
        )
    lines = [
        MixLine(
            _("%(place)s: dragend share") % {"place": _("Project")},
            whole.share_display(),
            after_whole.share_display(),
            f"{project.dragend_min}–{project.dragend_max}%",
        )
    ]
    for cluster in project.clusters.all():
        before = clusters.get(cluster.pk, scoring.Counts())
        after = after_clusters.get(cluster.pk, scoring.Counts())
        low, high = cluster.band
        lines.append(
            MixLine(
                _("%(place)s: dragend share") % {"place": cluster.name},
                before.share_display(),
                after.share_display(),
                f"{low}–{high}%",
            )
        )
    names = group_names()
    for group_id, limit in TargetGroupLimit.objects.filter(project=project).values_list(
        "target_group_id", "max_share"
    ):
        lines.append(
            MixLine(
                _("Project: %(group)s") % {"group": names.get(group_id, "?")},
                scoring.percent(whole.group_share(group_id)),
                scoring.percent(after_whole.group_share(group_id)),
                _("at most %(max)s%%") % {"max": limit},
            )
        )
    return lines
