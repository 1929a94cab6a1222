"""Access helpers for residents' records: same 404 for "missing" and "not yours"."""

from django.shortcuts import get_object_or_404

from projects.access import require_write

from .models import Contract, Person


def get_person_for_user(user, pk, *, write: bool = False) -> Person:
    person = get_object_or_404(
        Person.objects.for_user(user).select_related(
            "corporation", "target_group", "care_organisation", "responsible_staff"
        ),
        pk=pk,
    )
    if write:
        require_write(user, person.corporation_id)
    return person


def get_contract_for_user(user, pk, *, write: bool = False) -> Contract:
    contract = get_object_or_404(
        Contract.objects.for_user(user)
        .select_related(
            "person__target_group",
            "unit__project__corporation",
            "unit__cluster",
            "contract_type",
            "holder_organisation",
            "care_worker",
            "flipped_from",
            "signed_by",
        )
        .with_deadline_facts()
        .with_state(),
        pk=pk,
    )
    if write:
        require_write(user, contract.unit.project.corporation_id)
    return contract


TRAJECTORY_RELATED = ("person", "unit__project", "contract_type", "holder_organisation")


def get_trajectory_for_care_worker(user, pk) -> Contract:
    """An omklap contract held by the user's care organisation: a care worker's one way in."""
    return get_object_or_404(
        Contract.objects.guided_by(user).select_related(*TRAJECTORY_RELATED).with_deadline_facts(),
        pk=pk,
    )


def get_contract_for_checkin(user, pk) -> Contract:
    """Check-ins are recorded by the corporation's staff or by a care worker of the holder."""
    guided = Contract.objects.guided_by(user).select_related(*TRAJECTORY_RELATED).filter(pk=pk)
    contract = guided.first()
    if contract is not None:
        return contract
    return get_contract_for_user(user, pk, write=True)
