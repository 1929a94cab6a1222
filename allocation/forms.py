from django import forms
from django.utils.translation import gettext_lazy as _

from projects.forms import DateInput
from projects.models import Organisation, OrganisationKind, Project, Unit
from residents.models import Person

from .models import AllocationSettings, Application, Vacancy


class VacancyForm(forms.ModelForm):
    class Meta:
        model = Vacancy
        fields = ["unit", "available_from", "contract_type", "route", "note"]
        widgets = {"available_from": DateInput(), "note": forms.Textarea(attrs={"rows": 3})}

    def __init__(self, *args, projects, **kwargs):
        super().__init__(*args, **kwargs)
        if self.instance.pk:
            del self.fields["unit"]
        else:
            self.fields["unit"].queryset = Unit.objects.filter(project__in=projects).select_related(
                "project"
            )


class ApplicationForm(forms.ModelForm):
    class Meta:
        model = Application
        fields = [
            "project",
            "person",
            "registered_on",
            "motivation",
            "contribution",
            "availability",
            "nominated_by",
            "urgent",
            "intake_outcome",
            "intake_on",
        ]
        widgets = {
            "registered_on": DateInput(),
            "intake_on": DateInput(),
            "motivation": forms.Textarea(attrs={"rows": 4}),
            "contribution": forms.Textarea(attrs={"rows": 3}),
        }
        help_texts = {
            "motivation": _(
                "In the candidate's own words. No health details or diagnoses: they are not "
                "needed to allocate and must not be stored here."
            ),
        }

    def __init__(self, *args, corporations, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["nominated_by"].queryset = Organisation.objects.filter(
            kind=OrganisationKind.CARE
        )
        if self.instance.pk:  # project and person stay as they are
            del self.fields["project"], self.fields["person"]
            return
        self.fields["project"].queryset = Project.objects.filter(corporation__in=corporations)
        self.fields["person"].queryset = Person.objects.filter(
            corporation__in=corporations
        ).select_related("target_group")
        self.fields["person"].label_from_instance = lambda p: (
            f"{p.list_label}: {p.get_role_display()}, {p.target_group.label}"
        )


class OfferForm(forms.Form):
    reason = forms.CharField(
        label=_("Reason"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_(
            "Required when you choose someone other than number 1, or a placement that breaks "
            "a band. It is kept with the offer."
        ),
    )
    reply_by = forms.DateField(label=_("Reply by"), widget=DateInput())
    send_letter = forms.BooleanField(
        label=_("Make the offer letter (PDF) and e-mail it to the candidate"),
        required=False,
        initial=True,
        help_text=_(
            "The letter is kept with the offer, and e-mailed when the candidate's e-mail "
            "address is known. Without it, the letter can be made later on the offer's page."
        ),
    )


class OfferLetterForm(forms.Form):
    send_letter = forms.BooleanField(
        label=_("E-mail it to the candidate"), required=False, initial=True
    )


class OfferAnswerForm(forms.Form):
    answer = forms.ChoiceField(
        label=_("The candidate's answer"),
        choices=[("accept", _("Accepted")), ("decline", _("Declined"))],
        widget=forms.RadioSelect,
    )
    start_date = forms.DateField(
        label=_("Start of the contract"),
        required=False,
        widget=DateInput(),
        help_text=_(
            "When accepted. Proposed: the day the unit is free, or today if that has passed. "
            "The contract's longest term is counted from this day."
        ),
    )
    start_note = forms.CharField(
        label=_("Why the contract starts in the past"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("Only for a start date before today; it is kept with the contract."),
    )
    note = forms.CharField(
        label=_("Note"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("For example the reason the candidate declined, in their words."),
    )

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("answer") == "accept" and not cleaned.get("start_date"):
            self.add_error("start_date", _("Give the day the contract starts."))
        return cleaned


class ReasonForm(forms.Form):
    reason = forms.CharField(label=_("Reason"), widget=forms.Textarea(attrs={"rows": 3}))


class AllocationSettingsForm(forms.ModelForm):
    class Meta:
        model = AllocationSettings
        fields = [
            "weight_project",
            "weight_cluster",
            "weight_spread",
            "weight_urgency",
            "weight_waiting",
            "weight_intake",
            "reply_days",
        ]


class PlanOffersForm(forms.Form):
    reply_by = forms.DateField(label=_("Reply by"), widget=DateInput())
