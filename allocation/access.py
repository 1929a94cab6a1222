"""Access helpers for allocation records: the same 404 for "missing" and "not yours", and 403
for a read-only role that asks to change something."""

from django.shortcuts import get_object_or_404

from projects.access import require_write

from .models import Application, FillPlan, Offer, Vacancy, VoteRound

VACANCY_RELATED = (
    "project__corporation",
    "unit__cluster",
    "contract_type",
    "source_contract__person",
)


def get_vacancy_for_user(user, pk, *, write: bool = False) -> Vacancy:
    vacancy = get_object_or_404(
        Vacancy.objects.for_user(user).select_related(*VACANCY_RELATED), pk=pk
    )
    if write:
        require_write(user, vacancy.project.corporation_id)
    return vacancy


def get_application_for_user(user, pk, *, write: bool = False) -> Application:
    application = get_object_or_404(
        Application.objects.for_user(user).select_related(
            "project__corporation", "person__target_group", "nominated_by"
        ),
        pk=pk,
    )
    if write:
        require_write(user, application.project.corporation_id)
    return application


def get_offer_for_user(user, pk, *, write: bool = False) -> Offer:
    offer = get_object_or_404(
        Offer.objects.for_user(user).select_related(
            *(f"vacancy__{name}" for name in VACANCY_RELATED),
            "application__person__target_group",
            "created_by",
            "contract",
            "plan",
        ),
        pk=pk,
    )
    if write:
        require_write(user, offer.vacancy.project.corporation_id)
    return offer


def get_plan_for_user(user, pk, *, write: bool = False) -> FillPlan:
    plan = get_object_or_404(
        FillPlan.objects.for_user(user).select_related("project__corporation", "created_by"),
        pk=pk,
    )
    if write:
        require_write(user, plan.project.corporation_id)
    return plan


def get_round_for_user(user, pk, *, write: bool = False) -> VoteRound:
    """A vote round of one of the user's projects (staff pages; voters use their own pages)."""
    round_ = get_object_or_404(
        VoteRound.objects.for_user(user).select_related(
            "project__corporation",
            *(f"vacancy__{name}" for name in VACANCY_RELATED),
            "winner",
            "opened_by",
            "decided_by",
            "offer__application__person",
        ),
        pk=pk,
    )
    if write:
        require_write(user, round_.project.corporation_id)
    return round_
