"""Who may see and change what: the one place that answers it.

Every object a view shows comes through a `get_<thing>_for_user` helper here (or in the app that
owns the model), which gives the same 404 for "does not exist" and "not yours". Writes also ask
`require_write`, which gives 403 to a read-only role that can see the object.
"""

from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import get_object_or_404

from .models import Cluster, Membership, Organisation, OrganisationKind, Project, Role, Unit


def _memberships(user) -> dict[int, str]:
    """organisation id -> role, loaded once per user object (so once per request)."""
    cached = getattr(user, "_magicmix_roles", None)
    if cached is None:
        cached = dict(Membership.objects.filter(user=user).values_list("organisation_id", "role"))
        user._magicmix_roles = cached
    return cached


def corporation_ids(user) -> list[int]:
    """Corporations whose records the user may read (staff or read-only)."""
    if not user.is_authenticated:
        return []
    return [org for org, role in _memberships(user).items() if role in (Role.STAFF, Role.READONLY)]


def writable_corporation_ids(user) -> list[int]:
    if not user.is_authenticated:
        return []
    return [org for org, role in _memberships(user).items() if role == Role.STAFF]


def municipality_ids(user) -> list[int]:
    if not user.is_authenticated:
        return []
    return [org for org, role in _memberships(user).items() if role == Role.POLICY]


def care_organisation_ids(user) -> list[int]:
    """Care organisations the user works for as a care worker."""
    if not user.is_authenticated:
        return []
    return [org for org, role in _memberships(user).items() if role == Role.CARE]


def roles(user) -> set[str]:
    if not user.is_authenticated:
        return set()
    return set(_memberships(user).values())


def is_corporation_user(user) -> bool:
    return user.is_authenticated and (user.is_superuser or bool(corporation_ids(user)))


def can_write(user, corporation_id: int) -> bool:
    return user.is_authenticated and (
        user.is_superuser or corporation_id in writable_corporation_ids(user)
    )


def require_write(user, corporation_id: int) -> None:
    """403 for a user who may read the corporation's records but not change them."""
    if not can_write(user, corporation_id):
        raise PermissionDenied


def require_corporation_user(user) -> None:
    """404 for anyone who has no corporation records at all (policy officers, members)."""
    if not is_corporation_user(user):
        raise Http404


def dashboard_projects(user):
    """The projects a user may see the dashboard of: a policy officer those in their
    municipalities, corporation staff (read-only too) their own; 404 for anyone else."""
    if municipality_ids(user):
        return Project.objects.for_policy(user)
    if is_corporation_user(user):
        return Project.objects.for_user(user)
    raise Http404


def get_project_for_user(user, pk, *, write: bool = False) -> Project:
    project = get_object_or_404(
        Project.objects.for_user(user).select_related("corporation", "municipality"), pk=pk
    )
    if write:
        require_write(user, project.corporation_id)
    return project


def get_cluster_for_user(user, pk, *, write: bool = False) -> Cluster:
    cluster = get_object_or_404(
        Cluster.objects.for_user(user).select_related("project__corporation"), pk=pk
    )
    if write:
        require_write(user, cluster.project.corporation_id)
    return cluster


def get_unit_for_user(user, pk, *, write: bool = False) -> Unit:
    unit = get_object_or_404(
        Unit.objects.for_user(user).select_related("project__corporation", "cluster"), pk=pk
    )
    if write:
        require_write(user, unit.project.corporation_id)
    return unit


def require_administrator(user) -> None:
    """Pages for site administrators only: for anyone else they do not exist (404)."""
    if not user.is_superuser:
        raise Http404


def corporations_for_user(user, *, write: bool = False):
    """Corporations whose records the user may read (with `write`: change)."""
    corporations = Organisation.objects.filter(kind=OrganisationKind.CORPORATION)
    if user.is_superuser:
        return corporations
    ids = writable_corporation_ids(user) if write else corporation_ids(user)
    return corporations.filter(pk__in=ids)


def can_create(user) -> bool:
    """Whether the user may add records (projects, people) to some corporation."""
    return user.is_authenticated and (user.is_superuser or bool(writable_corporation_ids(user)))


def require_writable_corporations(user):
    """For a create page: 404 without corporation records, 403 for a read-only role."""
    require_corporation_user(user)
    corporations = corporations_for_user(user, write=True)
    if not corporations.exists():
        raise PermissionDenied
    return corporations


def get_corporation_for_user(user, pk, *, write: bool = False):
    """A corporation the user works for (staff or read-only); 404 otherwise."""
    corporation = get_object_or_404(corporations_for_user(user), pk=pk)
    if write:
        require_write(user, corporation.pk)
    return corporation
