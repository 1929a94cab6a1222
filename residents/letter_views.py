"""Staff pages for a corporation's letter wording: the list, and an editor with a preview.

The preview is the letter as a tenant would get it: the text in the form, filled with the facts
of one of the corporation's own contracts, made into the PDF (projects.letters). Only kinds of
letter the product makes can be edited (`MAKERS`); the others follow with their letters.
"""

import dataclasses

from django import forms
from django.conf import settings
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from projects import access
from projects.forms import add_model_errors
from projects.letters import DEFAULTS, PLACEHOLDERS, render_pdf
from projects.models import LetterKind, LetterTemplate

from .dates import add_months
from .letters import OmklapDecision, contract_letter, notice_letter, omklap_letter
from .models import Contract, ContractStatus

LANGUAGES = dict(settings.LANGUAGES)


def _notice_sample(corporation, language):
    """A contract of the corporation the notice letter can be made for, to preview with."""
    contracts = (
        Contract.objects.filter(
            unit__project__corporation=corporation,
            status=ContractStatus.ACTIVE,
            end_date__isnull=False,
        )
        .exclude(unit__project__address="")
        .select_related("person", "unit__project__corporation", "contract_type")
        .order_by("end_date", "pk")
    )
    for contract in contracts[:50]:
        if contract.notice_window is not None:
            return notice_letter(contract, given_on=timezone.localdate(), language=language)
    return None


def _active_with_address(corporation):
    return (
        Contract.objects.filter(
            unit__project__corporation=corporation, status=ContractStatus.ACTIVE
        )
        .exclude(unit__project__address="")
        .select_related(
            "person__care_organisation",
            "unit__project__corporation",
            "contract_type",
            "holder_organisation",
        )
        .order_by("-start_date", "pk")
    )


def _contract_sample(corporation, language):
    contract = _active_with_address(corporation).first()
    if contract is None:
        return None
    return contract_letter(contract, made_on=timezone.localdate(), language=language)


def _omklap_sample(corporation, language):
    contract = (
        _active_with_address(corporation)
        .filter(contract_type__is_omklap=True)
        .exclude(holder_organisation=None)
        .first()
    )
    if contract is None:
        return None
    today = timezone.localdate()
    return omklap_letter(
        contract,
        decision=OmklapDecision.EXTEND,
        decided_on=today,
        end_date=add_months(contract.guidance_end or today, 6),
        reason=_("An example reason."),
        language=language,
    )


# The kinds of letter whose wording staff edit, each with a maker of a sample letter from one of
# the corporation's own records (the offer's is registered by allocation, which owns offers).
MAKERS = {
    LetterKind.NOTICE: _notice_sample,
    LetterKind.CONTRACT: _contract_sample,
    LetterKind.OMKLAP: _omklap_sample,
}

PLACEHOLDER_HELP = {
    "tenant_name": gettext_lazy("the tenant's name"),
    "tenant_address": gettext_lazy("the tenant's address"),
    "corporation": gettext_lazy("the corporation's name"),
    "today": gettext_lazy("place and date of the letter"),
    "unit": gettext_lazy("the unit's number"),
    "unit_address": gettext_lazy("the unit's address"),
    "contract_type": gettext_lazy("the kind of contract"),
    "start_date": gettext_lazy("the contract's first day"),
    "end_date": gettext_lazy("the contract's end date"),
    "window_opens": gettext_lazy("the first day notice may be given"),
    "window_closes": gettext_lazy("the last day notice may be given"),
    "given_on": gettext_lazy("the day the notice is given"),
    "rent": gettext_lazy("the rent a month, or that it is not known yet"),
    "reply_by": gettext_lazy("the last day to answer the offer"),
    "reply_to": gettext_lazy("how to answer: the corporation's e-mail and phone"),
    "holder": gettext_lazy("who holds the contract: the tenant, or the care organisation"),
    "omklap_terms": gettext_lazy("omklap only: the holder and the guidance period (else empty)"),
    "care_organisation": gettext_lazy("the care organisation guiding the resident"),
    "decision": gettext_lazy("the decision, with its dates, in one sentence"),
    "decided_on": gettext_lazy("the day of the decision"),
    "reason": gettext_lazy("the reason, where one was given (else empty)"),
}


class LetterTemplateForm(forms.ModelForm):
    class Meta:
        model = LetterTemplate
        fields = ["subject", "body"]
        widgets = {"body": forms.Textarea(attrs={"rows": 18})}

    def __init__(self, *args, language: str, **kwargs):
        super().__init__(*args, **kwargs)
        # The wording is in the letter's language, not always the page's: a screen reader
        # reads it in that language (WCAG 3.1.2).
        for field in self.fields.values():
            field.widget.attrs["lang"] = language


def letter_list(request):
    access.require_corporation_user(request.user)
    corporations = list(access.corporations_for_user(request.user).order_by("name"))
    own = {
        (t.corporation_id, t.kind, t.language): t
        for t in LetterTemplate.objects.filter(corporation__in=corporations)
    }
    rows = [
        {
            "corporation": corporation,
            "kind": LetterKind(kind),
            "language": code,
            "language_name": name,
            "own": own.get((corporation.pk, kind, code)),
            "can_write": access.can_write(request.user, corporation.pk),
        }
        for corporation in corporations
        for kind in LetterKind
        if kind in MAKERS
        for code, name in LANGUAGES.items()
    ]
    return render(request, "residents/letter_list.html", {"rows": rows})


def letter_edit(request, pk, kind, language):
    if kind not in MAKERS or language not in LANGUAGES:
        raise Http404
    corporation = access.get_corporation_for_user(request.user, pk, write=True)
    instance = LetterTemplate.objects.filter(
        corporation=corporation, kind=kind, language=language
    ).first() or LetterTemplate(corporation=corporation, kind=kind, language=language)
    subject, body = DEFAULTS[(kind, language)]
    initial = {} if instance.pk else {"subject": subject, "body": body}
    form = LetterTemplateForm(
        request.POST or None, instance=instance, initial=initial, language=language
    )
    action = request.POST.get("action", "save")
    if request.method == "POST" and action == "reset":
        if instance.pk:
            instance.delete()
        messages.success(request, _("The letter uses the standard wording again."))
        return redirect("residents:letter_list")
    if request.method == "POST" and form.is_valid():
        if action == "preview":
            return _preview(request, corporation, kind, form.instance, form)
        form.save()
        messages.success(request, _("The wording is saved; new letters use it."))
        return redirect("residents:letter_list")
    return _edit_page(request, corporation, kind, language, form, instance)


def _edit_page(request, corporation, kind, language, form, instance):
    return render(
        request,
        "residents/letter_edit.html",
        {
            "corporation": corporation,
            "kind": LetterKind(kind),
            "language_name": LANGUAGES[language],
            "form": form,
            "own": instance.pk is not None,
            "placeholders": [(name, PLACEHOLDER_HELP.get(name, "")) for name in PLACEHOLDERS[kind]],
        },
    )


def _preview(request, corporation, kind, template, form):
    try:
        sample = MAKERS[kind](corporation, template.language)
        if sample is None:
            raise ValidationError(
                _("There is no contract of %(name)s to show the letter with yet.")
                % {"name": corporation.name}
            )
        letter = dataclasses.replace(sample, subject=template.subject, body=template.body)
        pdf = render_pdf(letter)
    except ValidationError as error:
        add_model_errors(form, error)
        return _edit_page(request, corporation, kind, template.language, form, template)
    response = HttpResponse(pdf, content_type="application/pdf")
    response["Content-Disposition"] = 'inline; filename="voorbeeld.pdf"'
    return response
