"""Staff pages of the allocation: vacancies with their ranking, candidates, offers, fill plans.

Thin views: each gets its object through an access helper (404 for "not yours", 403 for a
read-only role that writes), validates a form and calls one service.
"""

import datetime as dt

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Prefetch
from django.http import FileResponse, Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_POST

from projects import access, audit
from projects.forms import add_model_errors
from projects.lists import Sorting, page_of
from projects.models import Project, Unit
from residents.dates import long_date
from residents.models import Contract

from . import letters, planning, services, voting
from .access import (
    get_application_for_user,
    get_offer_for_user,
    get_plan_for_user,
    get_vacancy_for_user,
)
from .filters import TO_LET, ApplicationFilter, VacancyFilter
from .forms import (
    AllocationSettingsForm,
    ApplicationForm,
    OfferAnswerForm,
    OfferForm,
    OfferLetterForm,
    PlanOffersForm,
    ReasonForm,
    VacancyForm,
)
from .models import (
    OPEN_STATUSES,
    AllocationSettings,
    Application,
    LetterMail,
    Offer,
    OfferStatus,
    Vacancy,
    VacancyStatus,
)
from .ranking import intake_labels, vacancy_ranking, what_if

RANKING_PAGE_SIZE = 25
# The ranking is computed in Python (allocation.scoring); its columns sort there.
RANKING_SORTS = {"rank": (), "name": (), "score": ()}
RANKING_KEYS = {
    "rank": lambda item: item.rank,
    "name": lambda item: item.candidate.name.casefold(),
    "score": lambda item: item.score,
}
INELIGIBLE_SHOWN = 50


def _form(request, form, *, title, back_url, intro="", submit_label=None, **extra):
    context = {
        "form": form,
        "title": title,
        "back_url": back_url,
        "intro": intro,
        "submit_label": submit_label,
    }
    return render(request, "allocation/form.html", context | extra)


def _reply_by(project, today: dt.date) -> dt.date:
    return today + dt.timedelta(days=AllocationSettings.for_project(project).reply_days)


# Vacancies


VACANCY_SORTS = {
    "unit": ("unit__number",),
    "project": ("project__name", "unit__number"),
    "free": ("available_from",),
    "type": ("contract_type__order", "contract_type__name"),
    "route": ("route",),
    "status": ("status", "available_from"),
}

APPLICATION_SORTS = {
    "name": ("person__last_name", "person__first_name"),
    "project": ("project__name",),
    "group": ("person__target_group__order",),
    "registered": ("registered_on",),
    "intake": ("intake_outcome",),
    "status": ("status",),
}


def vacancy_list(request):
    access.require_corporation_user(request.user)
    sorting = Sorting(request, VACANCY_SORTS, default="free")
    open_offers = Offer.objects.filter(status=OfferStatus.OPEN).select_related(
        "application__person"
    )
    let_to = Offer.objects.filter(status=OfferStatus.ACCEPTED).select_related("application__person")
    vacancies = (
        Vacancy.objects.for_user(request.user)
        .select_related("project", "unit__cluster", "contract_type")
        .prefetch_related(
            Prefetch("offers", queryset=open_offers, to_attr="open_offers"),
            Prefetch("offers", queryset=let_to, to_attr="accepted_offers"),
        )
        .order_by("available_from", "pk")
    )
    data = request.GET.copy()
    if "status" not in data:
        data["status"] = TO_LET
    vacancy_filter = VacancyFilter(data, queryset=vacancies, request=request)
    today = timezone.localdate()
    writable = Project.objects.filter(
        corporation__in=access.corporations_for_user(request.user, write=True)
    )
    # Empty today and not let from a later date either (a signed contract or a draft to sign).
    held = Contract.objects.holding(today)
    free_units = (
        Unit.objects.filter(project__in=writable)
        .exclude(pk__in=held.values("unit_id"))
        .exclude(vacancies__status__in=OPEN_STATUSES)
        .select_related("project")
        .order_by("project__name", "number")[:20]
    )
    return render(
        request,
        "allocation/vacancy_list.html",
        {
            "filter": vacancy_filter,
            "page_obj": _with_contracts(page_of(request, sorting.apply(vacancy_filter.qs)), today),
            "sorting": sorting,
            "free_units": free_units,
            "can_create": access.can_create(request.user),
        },
    )


def _with_contracts(page, today):
    """The let vacancies' contracts, with their state today, in one query for the page."""
    offers = [o for v in page.object_list for o in v.accepted_offers if o.contract_id]
    contracts = Contract.objects.with_state(today).filter(pk__in=[o.contract_id for o in offers])
    by_id = {c.pk: c for c in contracts}
    for offer in offers:
        offer.contract = by_id[offer.contract_id]
    return page


def vacancy_create(request):
    corporations = access.require_writable_corporations(request.user)
    projects = Project.objects.filter(corporation__in=corporations)
    initial = {"available_from": timezone.localdate()}
    unit_id = request.GET.get("unit", "")
    if unit_id.isdigit():
        initial["unit"] = unit_id
        last = Contract.objects.filter(unit_id=unit_id, unit__project__in=projects).first()
        if last is not None:
            initial["contract_type"] = last.contract_type_id
    form = VacancyForm(request.POST or None, projects=projects, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            vacancy = services.vacancy_open(user=request.user, **form.cleaned_data)
        except ValidationError as error:
            add_model_errors(form, error)
        else:
            messages.success(request, _("The vacancy is open."))
            return redirect(vacancy)
    return _form(
        request, form, title=_("Open a vacancy"), back_url=reverse("allocation:vacancy_list")
    )


def vacancy_edit(request, pk):
    vacancy = get_vacancy_for_user(request.user, pk, write=True)
    form = VacancyForm(request.POST or None, instance=vacancy, projects=None)
    if request.method == "POST" and form.is_valid():
        changes = {name: form.cleaned_data[name] for name in form.fields}
        try:
            services.vacancy_update(vacancy=vacancy, user=request.user, **changes)
        except ValidationError as error:
            add_model_errors(form, error)
        else:
            messages.success(request, _("The vacancy is saved."))
            return redirect(vacancy)
    return _form(
        request,
        form,
        title=_("Change vacancy %(unit)s") % {"unit": vacancy.unit.number},
        back_url=vacancy.get_absolute_url(),
    )


def vacancy_withdraw(request, pk):
    vacancy = get_vacancy_for_user(request.user, pk, write=True)
    form = ReasonForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.vacancy_withdraw(
                vacancy=vacancy, reason=form.cleaned_data["reason"], user=request.user
            )
        except ValidationError as error:
            add_model_errors(form, error)
        else:
            messages.success(request, _("The vacancy is withdrawn."))
            return redirect(vacancy)
    return _form(
        request,
        form,
        title=_("Withdraw vacancy %(unit)s") % {"unit": vacancy.unit.number},
        intro=_("The unit will not be let through this vacancy. The reason is kept."),
        back_url=vacancy.get_absolute_url(),
        submit_label=_("Withdraw"),
    )


def vacancy_detail(request, pk):
    vacancy = get_vacancy_for_user(request.user, pk)
    today = timezone.localdate()
    if vacancy.status == VacancyStatus.OFFERED and services.offers_expire(
        today=today, vacancy=vacancy
    ):
        vacancy.refresh_from_db(fields=["status"])
    ranking = vacancy_ranking(vacancy, today=today)
    open_offer = (
        vacancy.offers.filter(status=OfferStatus.OPEN).select_related("application__person").first()
    )
    let_offer = (
        vacancy.offers.filter(status=OfferStatus.ACCEPTED)
        .select_related("application__person")
        .first()
        if vacancy.status == VacancyStatus.FILLED
        else None
    )
    let_contract = (
        Contract.objects.with_state(today)
        .select_related("contract_type")
        .filter(pk=let_offer.contract_id)
        .first()
        if let_offer and let_offer.contract_id
        else None
    )
    sorting = Sorting(request, RANKING_SORTS, default="rank")
    ranked = sorting.sort_rows(list(ranking.ranked), RANKING_KEYS)
    rounds = list(vacancy.vote_rounds.all())
    if any(r.is_open and r.closes_at <= timezone.now() for r in rounds):
        voting.rounds_close_due(vacancy.vote_rounds.all())  # a due round closes when shown
        rounds = list(vacancy.vote_rounds.all())
    return render(
        request,
        "allocation/vacancy_detail.html",
        {
            "vacancy": vacancy,
            "ranking": ranking,
            "page_obj": page_of(request, ranked, RANKING_PAGE_SIZE),
            "sorting": sorting,
            "let_offer": let_offer,
            "let_contract": let_contract,
            "ineligible": ranking.ineligible[:INELIGIBLE_SHOWN],
            "ineligible_count": len(ranking.ineligible),
            "open_offer": open_offer,
            "events": vacancy.events.select_related("actor", "application__person"),
            "weights": ranking.context.weights,
            "can_write": access.can_write(request.user, vacancy.project.corporation_id),
            "rounds": rounds,
            "vote_running": any(r.is_open for r in rounds),
        },
    )


def candidate_choose(request, pk, application_pk):
    """What placing this candidate does to the mix, and the form to offer them the unit."""
    vacancy = get_vacancy_for_user(request.user, pk)
    application = get_application_for_user(request.user, application_pk)
    if application.project_id != vacancy.project_id:
        raise Http404
    today = timezone.localdate()
    ranking = vacancy_ranking(vacancy, today=today)
    item = ranking.find(application.pk)
    reasons = next(
        (i.reasons for i in ranking.ineligible if i.candidate.application_id == application.pk),
        [],
    )
    can_write = access.can_write(request.user, vacancy.project.corporation_id)
    form = None
    if item is not None and vacancy.status == VacancyStatus.OPEN:
        if request.method == "POST":
            access.require_write(request.user, vacancy.project.corporation_id)
        form = OfferForm(
            request.POST or None, initial={"reply_by": _reply_by(vacancy.project, today)}
        )
        if request.method == "POST" and form.is_valid():
            data = dict(form.cleaned_data)
            send = data.pop("send_letter")
            try:
                # One transaction: an offer whose letter cannot be made is not made.
                with transaction.atomic():
                    offer = services.offer_make(
                        vacancy=vacancy,
                        application=application,
                        user=request.user,
                        today=today,
                        **data,
                    )
                    if send:
                        letters.letter_keep(offer=offer, user=request.user, send=True, today=today)
            except ValidationError as error:
                add_model_errors(form, error)
            else:
                messages.success(
                    request,
                    _("The unit is offered to %(name)s.") % {"name": application.person},
                )
                if send and offer.letter_mail != LetterMail.QUEUED:
                    messages.warning(request, no_address_message())
                return redirect(offer)
    elif request.method == "POST":
        access.require_write(request.user, vacancy.project.corporation_id)
        messages.error(request, _("This candidate cannot be offered this unit now."))
    return render(
        request,
        "allocation/candidate_choose.html",
        {
            "vacancy": vacancy,
            "application": application,
            "item": item,
            "first": ranking.first,
            "reasons": reasons,
            "mix_rows": what_if(ranking.context, item.candidate) if item else [],
            "form": form if can_write else None,
            "candidate_count": len(ranking.ranked),
        },
    )


# Offers


def _offer_page(request, offer, *, answer_form=None, can_write: bool):
    today = timezone.localdate()
    if answer_form is None and can_write:
        answer_form = OfferAnswerForm(
            initial={"start_date": services.proposed_start(offer.vacancy, today)}
        )
    contract = (
        Contract.objects.with_state().select_related("contract_type").get(pk=offer.contract_id)
        if offer.contract_id
        else None
    )
    return render(
        request,
        "allocation/offer_detail.html",
        {
            "offer": offer,
            "vacancy": offer.vacancy,
            "contract": contract,
            "answer_form": answer_form if can_write else None,
            "withdraw_form": ReasonForm() if can_write else None,
            "letter_form": OfferLetterForm() if can_write else None,
            "events": offer.events.select_related("actor"),
            "expired_unrecorded": offer.status == OfferStatus.OPEN and offer.reply_by < today,
        },
    )


def offer_detail(request, pk):
    offer = get_offer_for_user(request.user, pk)
    audit.record(request, audit.AuditAction.VIEW, offer)
    can_write = access.can_write(request.user, offer.vacancy.project.corporation_id)
    return _offer_page(request, offer, can_write=can_write)


@require_POST
def offer_answer(request, pk):
    offer = get_offer_for_user(request.user, pk, write=True)
    form = OfferAnswerForm(request.POST)
    if form.is_valid():
        data = form.cleaned_data
        try:
            if data["answer"] == "accept":
                offer = services.offer_accept(
                    offer=offer,
                    start_date=data["start_date"],
                    start_note=data["start_note"],
                    note=data["note"],
                    user=request.user,
                    today=timezone.localdate(),
                )
                messages.success(
                    request,
                    _(
                        "Accepted: a draft contract from %(day)s is ready. Check it, then record "
                        "the signing with Sign."
                    )
                    % {"day": long_date(offer.contract.start_date)},
                )
                return redirect(offer.contract)
            services.offer_decline(offer=offer, note=data["note"], user=request.user)
        except ValidationError as error:
            add_model_errors(form, error)
            return _offer_page(request, offer, answer_form=form, can_write=True)
        messages.success(request, _("Declined: the vacancy is open for the next candidate."))
        return redirect(offer.vacancy)
    return _offer_page(request, offer, answer_form=form, can_write=True)


def no_address_message() -> str:
    return _(
        "The candidate has no e-mail address: the offer letter is not e-mailed. Download it "
        "from the offer's page to print or send."
    )


@require_POST
def offer_letter(request, pk):
    """Make the offer letter again (after a change of wording, say) or e-mail a failed one
    again."""
    offer = get_offer_for_user(request.user, pk, write=True)
    today = timezone.localdate()
    form = OfferLetterForm(request.POST)
    form.is_valid()
    try:
        with transaction.atomic():
            locked = Offer.objects.select_for_update().get(pk=offer.pk)
            if request.POST.get("action") == "resend":
                letters.resend(offer=locked)
                messages.success(request, _("The offer letter is being e-mailed again."))
            else:
                send = form.cleaned_data.get("send_letter", False)
                locked = letters.letter_keep(
                    offer=locked, user=request.user, send=send, today=today
                )
                messages.success(request, _("The offer letter is made and kept with the offer."))
                if send and locked.letter_mail != LetterMail.QUEUED:
                    messages.warning(request, no_address_message())
    except ValidationError as error:
        for text in error.messages:
            messages.error(request, text)
    return redirect(offer)


def offer_letter_file(request, pk):
    offer = get_offer_for_user(request.user, pk)
    if not offer.letter:
        raise Http404
    audit.record(request, audit.AuditAction.DOWNLOAD, offer)
    return FileResponse(
        offer.letter.open("rb"),
        as_attachment=True,
        filename=offer.letter.name.rsplit("/", 1)[-1],
        content_type="application/pdf",
    )


@require_POST
def offer_withdraw(request, pk):
    offer = get_offer_for_user(request.user, pk, write=True)
    form = ReasonForm(request.POST)
    if form.is_valid():
        try:
            services.offer_withdraw(
                offer=offer, note=form.cleaned_data["reason"], user=request.user
            )
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
            return redirect(offer)
        messages.success(request, _("The offer is withdrawn; the vacancy is open again."))
        return redirect(offer.vacancy)
    messages.error(request, _("Give the reason for withdrawing the offer."))
    return redirect(offer)


# Candidates


def application_list(request):
    access.require_corporation_user(request.user)
    applications = (
        Application.objects.for_user(request.user)
        .select_related("project", "person__target_group", "nominated_by")
        .order_by("registered_on", "pk")
    )
    data = request.GET.copy()
    if "status" not in data:
        data["status"] = "active"
    application_filter = ApplicationFilter(data, queryset=applications, request=request)
    sorting = Sorting(request, APPLICATION_SORTS, default="registered")
    return render(
        request,
        "allocation/application_list.html",
        {
            "filter": application_filter,
            "sorting": sorting,
            "page_obj": page_of(request, sorting.apply(application_filter.qs)),
            "can_create": access.can_create(request.user),
        },
    )


def application_create(request):
    corporations = access.require_writable_corporations(request.user)
    initial = {"registered_on": timezone.localdate()}
    for name in ("project", "person"):
        if request.GET.get(name, "").isdigit():
            initial[name] = request.GET[name]
    form = ApplicationForm(request.POST or None, corporations=corporations, initial=initial)
    if request.method == "POST" and form.is_valid():
        application = form.save()
        messages.success(request, _("The candidate is registered."))
        return redirect(application)
    return _form(
        request,
        form,
        title=_("New candidate"),
        intro=_(
            "A candidate is a person registered with your corporation who applies to live in "
            "one project. Add the person first on the People page if they are new."
        ),
        back_url=reverse("allocation:application_list"),
    )


def application_edit(request, pk):
    application = get_application_for_user(request.user, pk, write=True)
    if request.method == "GET":
        audit.record(request, audit.AuditAction.VIEW, application)
    form = ApplicationForm(request.POST or None, instance=application, corporations=None)
    if request.method == "POST" and form.is_valid():
        form.save()
        messages.success(request, _("The candidate is saved."))
        return redirect(application)
    return _form(
        request,
        form,
        title=_("Change candidate %(name)s") % {"name": application.person},
        back_url=application.get_absolute_url(),
    )


def application_detail(request, pk):
    application = get_application_for_user(request.user, pk)
    audit.record(request, audit.AuditAction.VIEW, application)
    offers = application.offers.select_related("vacancy__unit", "created_by")
    open_vacancies = (
        Vacancy.objects.filter(project=application.project, status=VacancyStatus.OPEN)
        .select_related("unit")
        .order_by("available_from", "pk")
    )
    return render(
        request,
        "allocation/application_detail.html",
        {
            "application": application,
            "person": application.person,
            "offers": offers,
            "open_vacancies": open_vacancies,
            "intake_labels": intake_labels(),
            "can_write": access.can_write(request.user, application.project.corporation_id),
        },
    )


# Project settings and fill plans


def allocation_settings(request, pk):
    project = access.get_project_for_user(request.user, pk, write=True)
    instance = AllocationSettings.for_project(project)
    form = AllocationSettingsForm(request.POST or None, instance=instance)
    if request.method == "POST" and form.is_valid():
        form.save()
        messages.success(request, _("The allocation settings are saved."))
        return redirect("allocation:plan_list", pk=project.pk)
    return _form(
        request,
        form,
        title=_("Allocation settings: %(project)s") % {"project": project},
        intro=_(
            "Each weight (0–10) says how much a part counts in the mix-balance score. The score "
            "is the weighted mean of the parts, from 0 to 100."
        ),
        back_url=reverse("allocation:plan_list", args=[project.pk]),
    )


def plan_list(request, pk):
    """A project's allocation page: open vacancies, plans made, and the button to plan a fill."""
    project = access.get_project_for_user(request.user, pk)
    can_write = access.can_write(request.user, project.corporation_id)
    if request.method == "POST":
        access.require_write(request.user, project.corporation_id)
        try:
            plan = planning.plan_make(
                project=project, user=request.user, today=timezone.localdate()
            )
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
        else:
            return redirect(plan)
    plans = project.fill_plans.select_related("created_by")
    return render(
        request,
        "allocation/plan_list.html",
        {
            "project": project,
            "page_obj": page_of(request, plans),
            "open_vacancies": Vacancy.objects.filter(
                project=project, status=VacancyStatus.OPEN
            ).count(),
            "active_candidates": Application.objects.active().filter(project=project).count(),
            "settings": AllocationSettings.for_project(project),
            "can_write": can_write,
        },
    )


def plan_detail(request, pk):
    plan = get_plan_for_user(request.user, pk)
    project = plan.project
    today = timezone.localdate()
    can_write = access.can_write(request.user, project.corporation_id)
    form = PlanOffersForm(request.POST or None, initial={"reply_by": _reply_by(project, today)})
    if request.method == "POST":
        access.require_write(request.user, project.corporation_id)
        if form.is_valid():
            try:
                offers = planning.plan_offers(
                    plan=plan,
                    user=request.user,
                    today=today,
                    reply_by=form.cleaned_data["reply_by"],
                )
            except ValidationError as error:
                messages.error(request, " ".join(error.messages))
            else:
                messages.success(
                    request,
                    ngettext("%(count)s offer is out.", "%(count)s offers are out.", len(offers))
                    % {"count": len(offers)},
                )
                return redirect(plan)
    rows = planning.plan_rows(plan)
    return render(
        request,
        "allocation/plan_detail.html",
        {
            "plan": plan,
            "project": project,
            "rows": rows,
            "mix": planning.plan_mix(plan, rows),
            "form": form
            if can_write and plan.status == "optimal" and not plan.offers_made_at
            else None,
        },
    )
