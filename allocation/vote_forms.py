"""Forms of the staff pages of the association's vote (allocation.round_views)."""

import datetime as dt

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from projects.forms import DateInput
from projects.models import Unit
from residents.models import Person

from . import voting
from .models import ElectorateKind, RoundStatus, UnitScope, VoteSettings


class RoundFilterForm(forms.Form):
    status = forms.ChoiceField(
        label=_("Status"),
        required=False,
        choices=[("", _("All"))] + list(RoundStatus.choices),
    )


class VoteSettingsForm(forms.ModelForm):
    class Meta:
        model = VoteSettings
        fields = [
            "unit_scope",
            "units",
            "electorate",
            "committee",
            "add_neighbour",
            "quorum_percent",
            "round_days",
            "abstain_counts",
        ]
        widgets = {
            "unit_scope": forms.RadioSelect,
            "units": forms.CheckboxSelectMultiple,
            "electorate": forms.RadioSelect,
            "committee": forms.CheckboxSelectMultiple,
        }
        help_texts = {
            "unit_scope": _(
                "Applies to vacancies opened from now on. An open vacancy keeps its route; "
                "change it on the vacancy's page."
            ),
            "units": _("Only used when only the marked units go through the association."),
            "committee": _(
                "Only used when a selection committee votes. Only active members of the "
                "association with a login can be chosen."
            ),
            "round_days": _("The default; staff can choose another last day when opening."),
            "abstain_counts": _(
                "When on, a member who abstains helps reach the quorum; when off, only votes "
                "for a candidate count."
            ),
        }

    def __init__(self, *args, project, today: dt.date, read_only: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        units = self.fields["units"]
        units.queryset = (
            Unit.objects.filter(project=project).select_related("cluster").order_by("number", "pk")
        )
        units.label_from_instance = lambda unit: (
            f"{unit.number} ({unit.cluster.name})" if unit.cluster else unit.number
        )
        committee = self.fields["committee"]
        committee.queryset = voting.voters(project, today).order_by("first_name", "last_name", "pk")
        committee.label_from_instance = lambda person: person.full_name
        if read_only:
            for field in self.fields.values():
                field.disabled = True

    def clean(self):
        data = super().clean()
        if data.get("unit_scope") == UnitScope.MARKED and not data.get("units"):
            self.add_error(
                "units",
                _("Mark at least one unit, or let every unit go through the association."),
            )
        if data.get("electorate") == ElectorateKind.COMMITTEE and not data.get("committee"):
            self.add_error("committee", _("Choose the members of the selection committee."))
        return data


class RoundOpenForm(forms.Form):
    """The shortlist is rendered by the template as a table of the ranking (round_open.html)."""

    shortlist = forms.TypedMultipleChoiceField(
        label=_("Shortlist"),
        coerce=int,
        # The size (2 to 6) and the consent are checked by voting.round_open, with its messages.
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    last_day = forms.DateField(
        label=_("Last day to vote"),
        widget=DateInput(),
        help_text=_("The vote closes at midnight at the end of this day."),
    )
    neighbour = forms.ModelChoiceField(
        label=_("Neighbour who votes too"),
        queryset=Person.objects.none(),
        required=False,
        empty_label=_("No neighbour"),
        help_text=_("A member with a login who lives in the vacancy's cluster."),
    )

    def __init__(self, *args, candidates, neighbours=None, **kwargs):
        """`candidates`: (application id, name) of the candidates shown; `neighbours`: a queryset
        of persons, or None when the project's settings add no neighbour."""
        super().__init__(*args, **kwargs)
        self.fields["shortlist"].choices = candidates
        if neighbours is None:
            del self.fields["neighbour"]
        else:
            self.fields["neighbour"].queryset = neighbours
            self.fields["neighbour"].label_from_instance = lambda person: person.full_name


class RoundDecideForm(forms.Form):
    application = forms.CharField(
        label=_("Offer the unit to"), required=False, widget=forms.RadioSelect
    )
    reply_by = forms.DateField(label=_("Reply by"), widget=DateInput())
    reason = forms.CharField(label=_("Reason"), required=False, widget=forms.Textarea({"rows": 3}))

    def __init__(self, *args, choices, applications, today: dt.date, reason_help, **kwargs):
        """`choices`: the radio buttons ("" is no offer); `applications`: the queryset a chosen
        candidate must be in (the project's active candidates the user may see)."""
        super().__init__(*args, **kwargs)
        self.fields["application"].widget.choices = choices
        self.fields["reason"].help_text = reason_help
        self.applications = applications
        self.today = today

    def clean_application(self):
        if self.add_prefix("application") not in self.data:
            raise ValidationError(_("Choose a candidate, or choose no offer now."), code="required")
        value = self.cleaned_data["application"]
        if value == "":
            return None
        application = None
        if value.isdigit():
            application = self.applications.select_related("person").filter(pk=int(value)).first()
        if application is None:
            raise ValidationError(_("This candidate cannot be offered the unit."))
        return application

    def clean_reply_by(self):
        reply_by = self.cleaned_data["reply_by"]
        if reply_by < self.today:
            raise ValidationError(_("The reply date lies in the past."))
        return reply_by
