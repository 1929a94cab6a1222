"""Staff pages about who lives where: projects with their occupants, units, people, contracts."""

import datetime as dt

from django.contrib import messages
from django.core.exceptions import ObjectDoesNotExist, ValidationError
from django.db.models import Q
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _

from magicmix.reminders import contract_reminders
from projects import access, audit
from projects.forms import add_model_errors
from projects.lists import Sorting, page_of
from projects.models import Organisation, Project

from . import lifecycle, logins, services
from .access import get_contract_for_user, get_person_for_user
from .dates import long_date
from .filters import PersonFilter
from .forms import (
    BULK_ACTIONS,
    ContractEndForm,
    ContractForm,
    ContractSignForm,
    GroupLimitsForm,
    PersonForm,
)
from .history import contract_extra_rows, history_rows
from .mix import groups_by_project, mix_by_cluster, mix_by_project
from .models import (
    IN_FORCE_STATES,
    Contract,
    ContractStatus,
    EndReason,
    LapseDecision,
    Outflow,
    Person,
    ResidentWarning,
    TargetGroup,
)


def _form_page(request, form, *, title, cancel_url, person=None, **extra):
    context = {"form": form, "title": title, "person": person, "cancel_url": cancel_url}
    return render(request, "residents/form.html", context | extra)


def _current_contracts(units_or_ids, on):
    """Contracts in force on `on` for these units, by unit id (one query)."""
    contracts = (
        Contract.objects.in_force(on)
        .filter(unit__in=units_or_ids)
        .select_related("person__target_group", "contract_type", "holder_organisation")
        .with_deadline_facts()
        .with_state(on)
        .order_by("unit_id", "-start_date")
    )
    result = {}
    for contract in contracts:
        result.setdefault(contract.unit_id, contract)
    return result


PROJECT_SORTS = {
    "name": ("name",),
    "corporation": ("corporation__name", "name"),
    "municipality": ("municipality__name", "name"),
    "units": ("unit_count", "name"),
}


def project_list(request):
    access.require_corporation_user(request.user)
    today = timezone.localdate()
    projects = (
        Project.objects.for_user(request.user)
        .select_related("corporation", "municipality")
        .with_unit_count()
    )
    query = request.GET.get("q", "").strip()
    if query:
        projects = projects.filter(
            Q(name__icontains=query) | Q(city__icontains=query) | Q(address__icontains=query)
        )
    sorting = Sorting(request, PROJECT_SORTS, default="name")
    page = page_of(request, sorting.apply(projects))
    mixes = mix_by_project(list(page.object_list), today)
    rows = [(project, mixes[project.pk]) for project in page.object_list]
    return render(
        request,
        "residents/project_list.html",
        {
            "page_obj": page,
            "rows": rows,
            "query": query,
            "sorting": sorting,
            "can_create": access.can_create(request.user),
        },
    )


def project_detail(request, pk):
    project = access.get_project_for_user(request.user, pk)
    today = timezone.localdate()
    clusters = list(project.clusters.all())
    units = list(project.units.select_related("cluster").order_by("cluster__name", "number"))
    current = _current_contracts(units, today)
    mixes = mix_by_cluster(project, clusters, today)
    project_mix = mix_by_project([project], today)[project.pk]
    by_cluster: dict = {c.pk: [] for c in clusters}
    by_cluster[None] = []
    for unit in units:
        by_cluster[unit.cluster_id].append((unit, current.get(unit.pk)))
    sections = [(c, mixes[c.pk], by_cluster[c.pk]) for c in clusters]
    if by_cluster[None]:
        sections.append((None, mixes[None], by_cluster[None]))
    limits = {limit.target_group_id: limit.max_share for limit in project.group_limits.all()}
    counts = groups_by_project([project.pk], today).get(project.pk, {})
    total = project_mix.total
    groups = []
    for group in TargetGroup.objects.all():
        count = counts.get(group.pk, 0)
        if not count and group.pk not in limits:
            continue
        share = 100 * count / total if total else None
        limit = limits.get(group.pk)
        groups.append(
            {
                "group": group,
                "count": count,
                "share": share,
                "limit": limit,
                "over": limit is not None and share is not None and share > limit,
            }
        )
    return render(
        request,
        "residents/project_detail.html",
        {
            "project": project,
            "sections": sections,
            "project_mix": project_mix,
            "groups": groups,
            "unit_count": len(units),
            "vacant_count": len(units) - len(current),
            "can_write": access.can_write(request.user, project.corporation_id),
            "care_partners": project.care_partners.all(),
        },
    )


def unit_detail(request, pk):
    unit = access.get_unit_for_user(request.user, pk)
    contracts = (
        unit.contracts.select_related(
            "person__target_group", "contract_type", "holder_organisation"
        )
        .with_deadline_facts()
        .with_state()
        .order_by("-start_date")
    )
    current = next((c for c in contracts if c.state in IN_FORCE_STATES), None)
    return render(
        request,
        "residents/unit_detail.html",
        {
            "unit": unit,
            "project": unit.project,
            "contracts": contracts,
            "current": current,
            "can_write": access.can_write(request.user, unit.project.corporation_id),
        },
    )


PERSON_SORTS = {
    "name": ("last_name", "first_name"),
    "reference": ("reference",),
    "born": ("date_of_birth",),
    "group": ("target_group__order", "target_group__name"),
    "unit": ("current_unit",),
    "end": ("current_end",),
    "state": ("current_state_rank",),
}


def person_list(request):
    """People of the user's corporations: searched, filtered, sorted by a column, paged; the
    header's search box lands here too. A search without a chosen order shows the best match
    first."""
    access.require_corporation_user(request.user)
    today = timezone.localdate()
    sorting = Sorting(request, PERSON_SORTS, default="name")
    people = (
        Person.objects.for_user(request.user)
        .select_related("target_group")
        .with_current_contract(today, details=sorting.key in ("unit", "end", "state"))
    )
    person_filter = PersonFilter(request.GET or None, queryset=people, request=request)
    searched = bool(person_filter.form.is_bound and request.GET.get("q", "").strip())
    found = person_filter.qs
    if not searched or "sort" in request.GET:
        found = sorting.apply(found)
    page = page_of(request, found)
    contracts = (
        Contract.objects.filter(
            pk__in=[p.current_contract_id for p in page.object_list if p.current_contract_id]
        )
        .select_related("unit__project", "contract_type")
        .with_deadline_facts()
        .with_state(today)
    )
    by_id = {c.pk: c for c in contracts}
    rows = [(person, by_id.get(person.current_contract_id)) for person in page.object_list]
    return render(
        request,
        "residents/person_list.html",
        {
            "filter": person_filter,
            "page_obj": page,
            "rows": rows,
            "sorting": sorting,
            "similar": person_filter.similar,
            "can_create": access.can_create(request.user),
            "bulk_actions": BULK_ACTIONS.items(),
        },
    )


def person_detail(request, pk):
    person = get_person_for_user(request.user, pk)
    audit.record(request, audit.AuditAction.VIEW, person)
    contracts = (
        person.contracts.select_related("unit__project", "contract_type", "holder_organisation")
        .with_deadline_facts()
        .with_state()
        .order_by("-start_date")
    )
    return render(
        request,
        "residents/person_detail.html",
        {
            "person": person,
            "contracts": contracts,
            "memberships": person.association_memberships.select_related("project"),
            "warnings": ResidentWarning.objects.filter(person=person).select_related("given_by"),
            "history": history_rows(person.history),
            "can_write": access.can_write(request.user, person.corporation_id),
            "login": logins.login_state(person),
        },
    )


def person_create(request):
    corporations = access.require_writable_corporations(request.user)
    form = PersonForm(request.POST or None, corporations=corporations)
    if request.method == "POST" and form.is_valid():
        person = form.save()
        messages.success(request, _("%(name)s added.") % {"name": person.full_name})
        return redirect(person)
    return _form_page(request, form, title=_("New person"), cancel_url="residents:person_list")


def person_edit(request, pk):
    person = get_person_for_user(request.user, pk, write=True)
    if request.method == "GET":
        audit.record(request, audit.AuditAction.VIEW, person)
    corporations = Organisation.objects.filter(pk=person.corporation_id)
    form = PersonForm(request.POST or None, instance=person, corporations=corporations)
    if request.method == "POST" and form.is_valid():
        form.save()
        messages.success(request, _("Changes saved."))
        return redirect(person)
    return _form_page(
        request,
        form,
        title=_("Edit %(name)s") % {"name": person.full_name},
        person=person,
        cancel_url=person,
    )


def contract_detail(request, pk):
    contract = get_contract_for_user(request.user, pk)
    audit.record(request, audit.AuditAction.VIEW, contract)
    today = timezone.localdate()
    omklap = contract.contract_type.is_omklap
    context = {
        "contract": contract,
        "person": contract.person,
        "today": today,
        "history": history_rows(contract.history, extra=contract_extra_rows(contract)),
        "offer": _offer_of(contract),
        "can_write": access.can_write(request.user, contract.unit.project.corporation_id),
        "window": contract.notice_window,
        "open_ended": contract.continues_open_ended(today),
        "notices": contract.notices.select_related("given_by"),
        "lapse_decision": LapseDecision.objects.filter(contract=contract)
        .select_related("decided_by")
        .first(),
        "warnings": ResidentWarning.objects.filter(person=contract.person).select_related(
            "given_by"
        ),
        "reminders": contract_reminders(contract, today),
        "flipped_to": Contract.objects.filter(flipped_from=contract).first(),
        "documents": contract.documents.all(),
    }
    if omklap:
        context |= {
            "facts": lifecycle.trajectory_facts(contract, today)
            if contract.status == ContractStatus.ACTIVE
            else None,
            "checkins": contract.checkins.select_related("held_by"),
            "extensions": contract.guidance_extensions.select_related("decided_by"),
        }
    return render(request, "residents/contract_detail.html", context)


def _offer_of(contract):
    """The accepted offer this contract came from, if any (allocation.Offer.contract)."""
    try:
        return contract.offer
    except ObjectDoesNotExist:
        return None


def contract_create(request, person_pk):
    person = get_person_for_user(request.user, person_pk, write=True)
    today = timezone.localdate()
    initial = {"unit": request.GET.get("unit"), "start_date": today}
    form = ContractForm(
        request.POST or None, person=person, user=request.user, today=today, initial=initial
    )
    if request.method == "POST" and form.is_valid():
        contract = form.save()
        messages.success(request, _("Contract saved."))
        return redirect(contract)
    return _form_page(
        request,
        form,
        title=_("New contract for %(name)s") % {"name": person.full_name},
        person=person,
        cancel_url=person,
    )


def contract_edit(request, pk):
    contract = get_contract_for_user(request.user, pk, write=True)
    if request.method == "GET":
        audit.record(request, audit.AuditAction.VIEW, contract)
    if contract.status == ContractStatus.ENDED:
        messages.error(request, _("An ended contract can no longer be changed."))
        return redirect(contract)
    form = ContractForm(request.POST or None, instance=contract, person=contract.person)
    if request.method == "POST" and form.is_valid():
        form.save()
        messages.success(request, _("Contract saved."))
        return redirect(contract)
    return _form_page(
        request,
        form,
        title=_("Edit contract"),
        person=contract.person,
        contract=contract,
        cancel_url=contract,
    )


def contract_sign(request, pk):
    """Record the signing of a draft: from its start date the contract holds."""
    contract = get_contract_for_user(request.user, pk, write=True)
    if contract.status != ContractStatus.DRAFT:
        messages.error(request, _("This contract is signed already."))
        return redirect(contract)
    today = timezone.localdate()
    form = ContractSignForm(request.POST or None, initial={"signed_on": today})
    if request.method == "POST" and form.is_valid():
        try:
            services.contract_sign(
                contract=contract,
                signed_on=form.cleaned_data["signed_on"],
                signed_by=request.user,
                today=today,
            )
        except ValidationError as error:
            add_model_errors(form, error)
        else:
            messages.success(
                request,
                _("Signed: the contract holds from %(day)s.")
                % {"day": long_date(contract.start_date)},
            )
            return redirect(contract)
    return _form_page(
        request,
        form,
        title=_("Sign the contract of %(name)s") % {"name": contract.person.full_name},
        intro=_(
            "%(type)s for unit %(unit)s, from %(start)s%(end)s. Signing makes it binding: from "
            "its start date it counts as let and the tenant as living there."
        )
        % {
            "type": contract.contract_type.label,
            "unit": f"{contract.unit.project.name} {contract.unit.number}",
            "start": long_date(contract.start_date),
            "end": _(" to %(day)s") % {"day": long_date(contract.end_date)}
            if contract.end_date
            else _(", open-ended"),
        },
        person=contract.person,
        contract=contract,
        cancel_url=contract,
        submit_label=_("Sign"),
    )


def confirmed(request) -> bool:
    """A form posted from its confirmation page (residents/confirm.html), not sent back to edit."""
    return request.POST.get("confirmed") == "1" and "edit" not in request.POST


def contract_end(request, pk):
    """End a contract: the form, then a summary to confirm, then the service."""
    contract = get_contract_for_user(request.user, pk, write=True)
    if contract.status != ContractStatus.ACTIVE:
        messages.error(request, _("Only a signed contract that has not been ended can be ended."))
        return redirect(contract)
    today = timezone.localdate()
    form = ContractEndForm(
        request.POST or None,
        contract=contract,
        initial={"end_date": contract.end_date or today},
    )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        if confirmed(request):
            try:
                if data["end_reason"] == EndReason.FLIPPED:
                    result = lifecycle.contract_flip(
                        contract=contract,
                        last_day=data["end_date"],
                        signed_by=request.user,
                        today=today,
                    )
                else:
                    result = services.contract_end(
                        contract=contract,
                        ended_on=data["end_date"],
                        reason=data["end_reason"],
                        outflow=data["outflow"],
                        today=today,
                    )
            except ValidationError as error:
                add_model_errors(form, error)
            else:
                messages.success(request, _ended_message(contract, data["end_date"], today))
                for sentence in result.effects:
                    messages.info(request, sentence)
                return redirect(contract)
        elif "edit" not in request.POST:
            return render(
                request,
                "residents/confirm.html",
                {
                    "form": form,
                    "title": _("End contract of %(name)s") % {"name": contract.person.full_name},
                    "person": contract.person,
                    "summary": _end_summary(contract, data),
                    "action": request.path,
                    "back_url": contract.get_absolute_url(),
                    "submit_label": _("Confirm: end the contract"),
                },
            )
    return _form_page(
        request,
        form,
        title=_("End contract of %(name)s") % {"name": contract.person.full_name},
        person=contract.person,
        contract=contract,
        cancel_url=contract,
        submit_label=_("Continue"),
    )


def _ended_message(contract, last_day, today) -> str:
    if last_day >= today:
        return _("Notice of termination recorded: the contract ends on %(day)s.") % {
            "day": long_date(last_day)
        }
    return _("Contract ended on %(day)s.") % {"day": long_date(last_day)}


def _end_summary(contract, data) -> list[str]:
    reason = EndReason(data["end_reason"]).label
    lines = [
        _("%(type)s of %(name)s, unit %(unit)s.")
        % {
            "type": contract.contract_type.label,
            "name": contract.person.full_name,
            "unit": f"{contract.unit.project.name} {contract.unit.number}",
        },
        _("Last day: %(day)s; the unit is free from %(next)s.")
        % {
            "day": long_date(data["end_date"]),
            "next": long_date(data["end_date"] + dt.timedelta(days=1)),
        },
        _("Reason: %(reason)s.") % {"reason": reason},
    ]
    if data["end_reason"] == EndReason.FLIPPED:
        lines.append(
            _("A regular contract in the tenant's own name starts on %(day)s.")
            % {"day": long_date(data["end_date"] + dt.timedelta(days=1))}
        )
    elif data["outflow"]:
        lines.append(_("Moves to: %(outflow)s.") % {"outflow": Outflow(data["outflow"]).label})
    return lines


def project_group_limits(request, pk):
    project = access.get_project_for_user(request.user, pk, write=True)
    current = dict(project.group_limits.values_list("target_group_id", "max_share"))
    form = GroupLimitsForm(request.POST or None, groups=TargetGroup.objects.all(), current=current)
    if request.method == "POST" and form.is_valid():
        services.project_group_limits_set(project=project, limits=form.limits())
        messages.success(request, _("Maximum shares per target group saved."))
        return redirect(project)
    return render(
        request,
        "projects/form.html",
        {
            "form": form,
            "title": _("Maximum share per target group"),
            "intro": _(
                "The largest share of the project's residents that one target group may take. "
                "The mix on the project page shows a group that is over its maximum."
            ),
            "project": project,
            "cancel_url": project,
        },
    )
