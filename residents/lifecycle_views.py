"""Pages for a contract's life after signing: notices, a missed window's decision, check-ins,
warnings, the omklap evaluation, and the care worker's own view of their trajectories."""

import datetime as dt

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.db import transaction
from django.db.models import Count, Q
from django.http import FileResponse, Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_POST

from projects import audit
from projects.access import care_organisation_ids
from projects.forms import add_model_errors
from projects.letters import render_pdf
from projects.lists import page_of

from . import documents, lifecycle
from .access import (
    get_contract_for_checkin,
    get_contract_for_user,
    get_person_for_user,
    get_trajectory_for_care_worker,
)
from .dates import long_date
from .forms import (
    CheckInForm,
    ExtendForm,
    FlipForm,
    LapseDecisionForm,
    NoticeForm,
    OmklapEndForm,
    WarningForm,
)
from .letters import (
    OmklapDecision,
    contract_letter,
    notice_file_name,
    notice_letter,
    omklap_letter,
)
from .models import (
    Contract,
    ContractDocument,
    ContractStatus,
    EndReason,
    Notice,
    Outflow,
    ResidentWarning,
)
from .views import confirmed


def _form_page(request, form, *, title, back, intro="", **extra):
    """A form page; `back` is the object (or URL) that Cancel returns to."""
    back_url = back if isinstance(back, str) else back.get_absolute_url()
    context = {"form": form, "title": title, "back_url": back_url, "intro": intro}
    return render(request, "residents/lifecycle_form.html", context | extra)


def notice_create(request, pk):
    contract = get_contract_for_user(request.user, pk, write=True)
    window = contract.notice_window
    if window is None or contract.status != ContractStatus.ACTIVE:
        messages.error(request, _("This contract needs no notice."))
        return redirect(contract)
    today = timezone.localdate()
    earlier = contract.notices.order_by("given_on").first()
    form = NoticeForm(
        request.POST or None,
        request.FILES or None,
        initial={"given_on": today},
        earlier=earlier,
    )
    if request.method == "POST" and form.is_valid():
        given_on = form.cleaned_data["given_on"]
        document = form.cleaned_data["document"]
        try:
            if form.cleaned_data.get("make_letter") and not document:
                # Made before anything is recorded: a letter that cannot be made records nothing.
                pdf = render_pdf(notice_letter(contract, given_on=given_on))
                document = ContentFile(pdf, name=notice_file_name(contract, given_on))
            notice = lifecycle.notice_record(
                contract=contract,
                given_on=given_on,
                means=form.cleaned_data["means"],
                document=document,
                given_by=request.user,
                today=today,
                again=form.cleaned_data.get("again", False),
            )
        except ValidationError as error:
            add_model_errors(form, error)
        else:
            messages.success(
                request,
                _("Notice recorded: the contract ends on %(day)s.")
                % {"day": long_date(contract.end_date)},
            )
            for sentence in notice.effects:
                messages.info(request, sentence)
            return redirect(contract)
    intro = _(
        "The contract ends on %(end)s. Notice counts only when given from %(opens)s up to and "
        "including %(closes)s."
    ) % {
        "end": long_date(contract.end_date),
        "opens": long_date(window.opens),
        "closes": long_date(window.closes),
    }
    if earlier is not None:
        intro += " " + _(
            "Notice was recorded already: given on %(day)s. Record another one only if it was "
            "really given again (a letter sent once more, say)."
        ) % {"day": long_date(earlier.given_on)}
    return _form_page(
        request,
        form,
        title=_("Record notice: %(name)s") % {"name": contract.person.full_name},
        back=contract,
        intro=intro,
        multipart=True,
    )


def notice_document(request, pk):
    notice = get_object_or_404(
        Notice.objects.filter(contract__in=Contract.objects.for_user(request.user)), pk=pk
    )
    if not notice.document:
        raise Http404
    audit.record(request, audit.AuditAction.DOWNLOAD, notice)
    return FileResponse(notice.document.open("rb"), as_attachment=True)


@require_POST
def contract_summary(request, pk):
    """Make the contract summary for signing and keep it with the contract."""
    contract = get_contract_for_user(request.user, pk, write=True)
    today = timezone.localdate()
    try:
        with transaction.atomic():
            document = documents.keep(
                contract=contract,
                letter=contract_letter(contract, made_on=today),
                user=request.user,
                today=today,
            )
    except ValidationError as error:
        for text in error.messages:
            messages.error(request, text)
    else:
        messages.success(
            request,
            _("The contract summary is made: %(title)s.") % {"title": document.title},
        )
    return redirect(contract)


def contract_document(request, pk):
    """A letter kept with a contract, for whoever may see the contract."""
    document = get_object_or_404(
        ContractDocument.objects.filter(contract__in=Contract.objects.for_user(request.user)),
        pk=pk,
    )
    audit.record(request, audit.AuditAction.DOWNLOAD, document.contract)
    return FileResponse(
        document.file.open("rb"),
        as_attachment=True,
        filename=document.file.name.rsplit("/", 1)[-1],
        content_type="application/pdf",
    )


def lapse_decide(request, pk):
    contract = get_contract_for_user(request.user, pk, write=True)
    today = timezone.localdate()
    if not contract.continues_open_ended(today):
        messages.error(request, _("This contract has no missed notice window to decide on."))
        return redirect(contract)
    form = LapseDecisionForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            decision = lifecycle.lapse_decide(
                contract=contract,
                outcome=form.cleaned_data["outcome"],
                reason=form.cleaned_data["reason"],
                decided_by=request.user,
                today=today,
            )
        except ValidationError as error:
            add_model_errors(form, error)
        else:
            messages.success(request, _("Decision recorded."))
            for sentence in decision.effects:
                messages.info(request, sentence)
            return redirect(contract)
    intro = _(
        "The notice window closed on %(closes)s without a recorded notice, so by law the contract "
        "does not end on %(end)s but continues open-ended. Convert it to an open-ended contract, "
        "or record an exception and why (for example: notice was given but recorded late)."
    ) % {"closes": long_date(contract.notice_window.closes), "end": long_date(contract.end_date)}
    return _form_page(
        request,
        form,
        title=_("Missed notice: %(name)s") % {"name": contract.person.full_name},
        back=contract,
        intro=intro,
    )


def _back_for(request, contract) -> str:
    """Staff go back to the contract, a care worker of the holder to the trajectory."""
    if contract.holder_organisation_id in care_organisation_ids(request.user):
        return reverse("residents:trajectory_detail", args=[contract.pk])
    return contract.get_absolute_url()


def checkin_create(request, pk):
    contract = get_contract_for_checkin(request.user, pk)
    back = _back_for(request, contract)
    if not contract.contract_type.is_omklap or contract.status != ContractStatus.ACTIVE:
        messages.error(request, _("Check-ins are recorded on an active omklap contract."))
        return redirect(back)
    today = timezone.localdate()
    form = CheckInForm(request.POST or None, initial={"held_on": today})
    if request.method == "POST" and form.is_valid():
        try:
            lifecycle.checkin_record(
                contract=contract,
                held_on=form.cleaned_data["held_on"],
                held_by=request.user,
                today=today,
                note=form.cleaned_data["note"],
                **form.scores(),
            )
        except ValidationError as error:
            add_model_errors(form, error)
        else:
            messages.success(request, _("Check-in recorded."))
            return redirect(back)
    return _form_page(
        request,
        form,
        title=_("Check-in: %(name)s") % {"name": contract.person.full_name},
        back=back,
        intro=_("Score each domain of independent living from 1 (worrying) to 5 (going well)."),
    )


def warning_create(request, pk):
    person = get_person_for_user(request.user, pk, write=True)
    today = timezone.localdate()
    form = WarningForm(request.POST or None, initial={"given_on": today})
    if request.method == "POST" and form.is_valid():
        current = (
            Contract.objects.in_force(today).filter(person=person).order_by("-start_date").first()
        )
        try:
            lifecycle.warning_give(
                person=person,
                contract=current,
                given_on=form.cleaned_data["given_on"],
                reason=form.cleaned_data["reason"],
                given_by=request.user,
                today=today,
            )
        except ValidationError as error:
            add_model_errors(form, error)
        else:
            messages.success(request, _("Warning recorded."))
            return redirect(person)
    count = ResidentWarning.objects.filter(person=person).count()
    intro = ngettext(
        "%(name)s has had %(count)s warning so far.",
        "%(name)s has had %(count)s warnings so far.",
        count,
    ) % {"name": person.full_name, "count": count}
    return _form_page(
        request,
        form,
        title=_("Warning: %(name)s") % {"name": person.full_name},
        back=person,
        intro=intro,
    )


EVALUATION_FORMS = {"flip": FlipForm, "extend": ExtendForm, "end": OmklapEndForm}


def evaluate(request, pk):
    """The end-of-guidance decision: flip, extend or end, each its own form and service call;
    flipping and ending are shown once more to confirm."""
    contract = get_contract_for_user(request.user, pk, write=True)
    if not contract.contract_type.is_omklap or contract.status != ContractStatus.ACTIVE:
        messages.error(request, _("Only an active omklap contract is evaluated."))
        return redirect(contract)
    today = timezone.localdate()
    guidance_end = contract.guidance_end
    last_day = max(guidance_end or today, today)
    initial = {
        "flip": {"last_day": last_day},
        "extend": {},
        "end": {"end_date": last_day},
    }
    action = request.POST.get("action") if request.method == "POST" else None
    forms = {
        name: form_class(
            request.POST if action == name else None,
            prefix=name,
            initial=initial[name],
            **({"contract": contract} if name == "end" else {}),
        )
        for name, form_class in EVALUATION_FORMS.items()
    }
    form = forms.get(action)
    if form is not None and form.is_valid():
        data = form.cleaned_data
        if action != "extend" and not confirmed(request):
            if "edit" not in request.POST:
                return _evaluation_confirm(request, contract, action, form)
        else:
            try:
                return _evaluation_act(request, contract, action, data, today)
            except ValidationError as error:
                add_model_errors(form, error)
    return render(
        request,
        "residents/evaluate.html",
        {
            "contract": contract,
            "person": contract.person,
            "guidance_end": guidance_end,
            "forms": forms,
            "checkins": contract.checkins.select_related("held_by")[:4],
            "warnings": ResidentWarning.objects.filter(person=contract.person).select_related(
                "given_by"
            ),
        },
    )


def _evaluation_act(request, contract, action, data, today):
    """The decision, and its letter when asked for, in one transaction. The letter is made
    first: one that cannot be made leaves the decision unmade."""
    with transaction.atomic():
        letter = (
            _decision_letter(contract, action, data, today) if data.get("make_letter") else None
        )
        pdf = render_pdf(letter) if letter else None
        response = _evaluation_decide(request, contract, action, data, today)
        if letter:
            documents.keep(
                contract=contract, letter=letter, user=request.user, today=today, pdf=pdf
            )
            messages.info(
                request, _("The decision letter is kept with the omklap contract, to download.")
            )
    return response


def _decision_letter(contract, action, data, today):
    if action == "flip":
        return omklap_letter(
            contract,
            decision=OmklapDecision.FLIP,
            decided_on=today,
            start_date=data["last_day"] + dt.timedelta(days=1),
            end_date=data["last_day"],
        )
    if action == "extend":
        return omklap_letter(
            contract,
            decision=OmklapDecision.EXTEND,
            decided_on=today,
            end_date=data["new_end"],
            reason=data["reason"],
        )
    return omklap_letter(
        contract,
        decision=OmklapDecision.END,
        decided_on=today,
        end_date=data["end_date"],
        reason=str(EndReason(data["end_reason"]).label),
    )


def _evaluation_decide(request, contract, action, data, today):
    if action == "flip":
        new = lifecycle.contract_flip(
            contract=contract, last_day=data["last_day"], signed_by=request.user, today=today
        )
        messages.success(
            request,
            _("Flipped: a regular contract in %(name)s's own name starts on %(day)s.")
            % {"name": contract.person.full_name, "day": long_date(new.start_date)},
        )
        return redirect(new)
    if action == "extend":
        lifecycle.guidance_extend(
            contract=contract,
            new_end=data["new_end"],
            reason=data["reason"],
            decided_by=request.user,
        )
        messages.success(request, _("Guidance extended."))
        return redirect(contract)
    ended = lifecycle.omklap_end(
        contract=contract,
        last_day=data["end_date"],
        reason=data["end_reason"],
        outflow=data["outflow"],
        today=today,
    )
    messages.success(
        request,
        _("The trajectory ends: the contract's last day is %(day)s.")
        % {"day": long_date(data["end_date"])},
    )
    for sentence in ended.effects:
        messages.info(request, sentence)
    return redirect(contract)


def _evaluation_confirm(request, contract, action, form):
    data = form.cleaned_data
    name = contract.person.full_name
    if action == "flip":
        summary = [
            _("The omklap contract of %(name)s ends on %(day)s (omgeklapt).")
            % {"name": name, "day": long_date(data["last_day"])},
            _("A regular, open-ended contract in %(name)s's own name starts on %(day)s.")
            % {"name": name, "day": long_date(data["last_day"] + dt.timedelta(days=1))},
        ]
        label = _("Confirm: flip the contract")
    else:
        summary = [
            _("The omklap contract of %(name)s ends on %(day)s, without a flip.")
            % {"name": name, "day": long_date(data["end_date"])},
            _("Reason: %(reason)s.") % {"reason": EndReason(data["end_reason"]).label},
            _("Moves to: %(outflow)s.") % {"outflow": Outflow(data["outflow"]).label},
        ]
        label = _("Confirm: end the contract")
    if data.get("make_letter"):
        summary.append(_("The decision letter (PDF) is made and kept with the contract."))
    return render(
        request,
        "residents/confirm.html",
        {
            "form": form,
            "title": _("Evaluate the omklap trajectory of %(name)s") % {"name": name},
            "person": contract.person,
            "summary": summary,
            "action": request.path,
            "extra_hidden": {"action": action},
            "back_url": reverse("residents:evaluate", args=[contract.pk]),
            "submit_label": label,
        },
    )


def _require_care_worker(user) -> None:
    if not care_organisation_ids(user):
        raise Http404


def trajectory_list(request):
    """A care worker's omklap trajectories: only residents their organisation guides."""
    _require_care_worker(request.user)
    today = timezone.localdate()
    contracts = (
        Contract.objects.guided_by(request.user)
        .select_related("person", "unit__project", "contract_type", "holder_organisation")
        .with_deadline_facts()
        .annotate(warning_count=Count("person__warnings", distinct=True))
        .order_by("person__last_name", "person__first_name", "pk")
    )
    query = request.GET.get("q", "").strip()
    if query:
        contracts = contracts.filter(
            Q(person__first_name__icontains=query)
            | Q(person__last_name__icontains=query)
            | Q(unit__project__name__icontains=query)
        )
    page = page_of(request, contracts)
    rows = [lifecycle.trajectory_facts(contract, today) for contract in page]
    return render(
        request,
        "residents/trajectory_list.html",
        {"page_obj": page, "rows": rows, "query": query, "today": today},
    )


def trajectory_detail(request, pk):
    _require_care_worker(request.user)
    contract = get_trajectory_for_care_worker(request.user, pk)
    audit.record(request, audit.AuditAction.VIEW, contract)
    today = timezone.localdate()
    return render(
        request,
        "residents/trajectory_detail.html",
        {
            "contract": contract,
            "person": contract.person,
            "facts": lifecycle.trajectory_facts(contract, today),
            "checkins": contract.checkins.select_related("held_by"),
            "warnings": ResidentWarning.objects.filter(person=contract.person).select_related(
                "given_by"
            ),
            "extensions": contract.guidance_extensions.select_related("decided_by"),
        },
    )
