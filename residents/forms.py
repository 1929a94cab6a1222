from django import forms
from django.contrib.auth import get_user_model
from django.core.validators import FileExtensionValidator
from django.utils.translation import gettext_lazy as _

from projects.forms import DateInput, user_label
from projects.models import Organisation, OrganisationKind, Role, Unit

from .models import (
    CHECKIN_DOMAINS,
    NOTES_WARNING,
    CheckIn,
    Contract,
    ContractStatus,
    ContractType,
    EndReason,
    LapseOutcome,
    NoticeMeans,
    Outflow,
    Person,
)


class PersonForm(forms.ModelForm):
    class Meta:
        model = Person
        fields = [
            "corporation",
            "reference",
            "first_name",
            "last_name",
            "date_of_birth",
            "email",
            "phone",
            "preferred_language",
            "target_group",
            "role",
            "care_organisation",
            "care_contact_name",
            "care_contact_email",
            "care_contact_phone",
            "household_size",
            "needs_accessible",
            "contribution_hours",
            "share_profile_consent",
            "notes",
        ]
        widgets = {"date_of_birth": DateInput(), "role": forms.RadioSelect}

    def __init__(self, *args, corporations, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["corporation"].queryset = corporations
        if len(corporations) == 1:
            self.fields["corporation"].initial = corporations[0].pk
            self.fields["corporation"].widget = forms.HiddenInput()
        self.fields["care_organisation"].queryset = Organisation.objects.filter(
            kind=OrganisationKind.CARE
        )


class ContractForm(forms.ModelForm):
    """Create or change a contract. Ending one has its own form (ContractEndForm)."""

    class Meta:
        model = Contract
        fields = [
            "unit",
            "contract_type",
            "start_date",
            "end_date",
            "holder_organisation",
            "guidance_months",
            "care_worker",
            "status",
        ]
        widgets = {"start_date": DateInput(), "end_date": DateInput()}

    def __init__(self, *args, person, **kwargs):
        super().__init__(*args, **kwargs)
        self.instance.person = person
        self.fields["unit"].queryset = (
            Unit.objects.filter(project__corporation_id=person.corporation_id)
            .select_related("project")
            .order_by("project__name", "number")
        )
        self.fields["unit"].label_from_instance = lambda u: f"{u.project.name} – {u.number}"
        self.fields["contract_type"].queryset = ContractType.objects.all()
        self.fields["holder_organisation"].queryset = Organisation.objects.filter(
            kind=OrganisationKind.CARE
        )
        # Care workers of any care organisation; Contract.clean checks it is the holder's.
        self.fields["care_worker"].queryset = (
            get_user_model()
            .objects.filter(memberships__role=Role.CARE, is_active=True)
            .distinct()
            .order_by("first_name", "last_name", "email")
        )
        self.fields["care_worker"].label_from_instance = user_label
        allowed = [ContractStatus.DRAFT, ContractStatus.ACTIVE]
        self.fields["status"].choices = [c for c in ContractStatus.choices if c[0] in allowed]
        if self.instance.pk and self.instance.status == ContractStatus.ENDED:
            for field in self.fields.values():
                field.disabled = True

    def clean(self):
        cleaned = super().clean()
        ctype = cleaned.get("contract_type")
        if ctype and ctype.is_omklap and not cleaned.get("guidance_months"):
            cleaned["guidance_months"] = ctype.guidance_months
            self.instance.guidance_months = ctype.guidance_months
        return cleaned


class ContractEndForm(forms.Form):
    end_date = forms.DateField(label=_("last day of the tenancy"), widget=DateInput())
    end_reason = forms.ChoiceField(label=_("end reason"), choices=EndReason.choices)
    outflow = forms.ChoiceField(
        label=_("outflow destination"),
        choices=Outflow.choices,
        help_text=_("Where the tenant moves to; choose 'unknown' if you do not know."),
    )


class GroupLimitsForm(forms.Form):
    """One optional maximum share (%) per target group for a project."""

    def __init__(self, *args, groups, current: dict[int, int], **kwargs):
        super().__init__(*args, **kwargs)
        self.groups = list(groups)
        for group in self.groups:
            self.fields[f"group_{group.pk}"] = forms.IntegerField(
                label=group.label,
                required=False,
                min_value=1,
                max_value=100,
                initial=current.get(group.pk),
                help_text=_("Maximum share of all residents, in %. Empty: no maximum."),
            )

    def limits(self) -> dict[int, int | None]:
        return {g.pk: self.cleaned_data.get(f"group_{g.pk}") for g in self.groups}


MAX_DOCUMENT_BYTES = 5 * 1024 * 1024


class NoticeForm(forms.Form):
    given_on = forms.DateField(label=_("date given"), widget=DateInput())
    means = forms.ChoiceField(
        label=_("means"), choices=NoticeMeans.choices, widget=forms.RadioSelect
    )
    document = forms.FileField(
        label=_("document"),
        required=False,
        validators=[FileExtensionValidator(["pdf", "jpg", "jpeg", "png"])],
        help_text=_("Optional: a scan or PDF of the letter (PDF, JPG or PNG, at most 5 MB)."),
    )

    def clean_document(self):
        document = self.cleaned_data.get("document")
        if document and document.size > MAX_DOCUMENT_BYTES:
            raise forms.ValidationError(_("The document is larger than 5 MB."))
        return document


class LapseDecisionForm(forms.Form):
    outcome = forms.ChoiceField(
        label=_("decision"), choices=LapseOutcome.choices, widget=forms.RadioSelect
    )
    reason = forms.CharField(
        label=_("reason"), widget=forms.Textarea(attrs={"rows": 3}), help_text=NOTES_WARNING
    )


SCORE_CHOICES = [(n, str(n)) for n in range(1, 6)]


class CheckInForm(forms.ModelForm):
    class Meta:
        model = CheckIn
        fields = ["held_on", *CHECKIN_DOMAINS, "note"]
        widgets = {
            "held_on": DateInput(),
            "note": forms.Textarea(attrs={"rows": 3}),
            **{d: forms.RadioSelect(choices=SCORE_CHOICES) for d in CHECKIN_DOMAINS},
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for domain in CHECKIN_DOMAINS:
            field = self.fields[domain]
            field.widget.choices = SCORE_CHOICES
            field.help_text = _("1 = worrying, 5 = going well")

    def scores(self) -> dict[str, int]:
        return {d: self.cleaned_data[d] for d in CHECKIN_DOMAINS}


class WarningForm(forms.Form):
    given_on = forms.DateField(label=_("date"), widget=DateInput())
    reason = forms.CharField(
        label=_("reason"), widget=forms.Textarea(attrs={"rows": 3}), help_text=NOTES_WARNING
    )


class FlipForm(forms.Form):
    last_day = forms.DateField(
        label=_("last day of the omklap contract"),
        widget=DateInput(),
        help_text=_("The regular contract in the tenant's own name starts the next day."),
    )


class ExtendForm(forms.Form):
    new_end = forms.DateField(label=_("new end of guidance"), widget=DateInput())
    reason = forms.CharField(
        label=_("reason"), widget=forms.Textarea(attrs={"rows": 3}), help_text=NOTES_WARNING
    )


class OmklapEndForm(ContractEndForm):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["end_reason"].choices = [
            c for c in EndReason.choices if c[0] != EndReason.FLIPPED
        ]
        self.fields["end_reason"].initial = EndReason.GUIDANCE_ENDED
