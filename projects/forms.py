from django import forms
from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.utils.text import capfirst
from django.utils.translation import gettext_lazy as _

from .models import ROLE_KINDS, Cluster, Organisation, OrganisationKind, Project, Role, Unit


def add_model_errors(form, error: ValidationError) -> None:
    """Put a model's or service's ValidationError on the form's fields, else on top."""
    if not hasattr(error, "error_dict"):
        form.add_error(None, error.messages)
        return
    for field, messages in error.message_dict.items():
        form.add_error(field if field in form.fields else None, messages)


def user_label(user) -> str:
    """How a form's choice names a user: their name and e-mail address."""
    return f"{user.get_full_name() or user.email} ({user.email})"


class DateInput(forms.DateInput):
    input_type = "date"

    def __init__(self, **kwargs):
        super().__init__(format="%Y-%m-%d", **kwargs)


class ProjectForm(forms.ModelForm):
    class Meta:
        model = Project
        fields = [
            "name",
            "corporation",
            "municipality",
            "address",
            "postcode",
            "city",
            "concept",
            "permit_end_date",
            "care_partners",
            "dragend_min",
            "dragend_max",
            "cluster_dragend_min",
            "cluster_dragend_max",
            "contribution_hours",
            "has_association",
            "checkin_every_months",
            "responsible_staff",
        ]
        widgets = {
            "permit_end_date": DateInput(),
            "care_partners": forms.CheckboxSelectMultiple,
            "responsible_staff": forms.CheckboxSelectMultiple,
        }

    def __init__(self, *args, corporations, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["corporation"].queryset = corporations
        if corporations.count() == 1 and not self.instance.pk:
            self.fields["corporation"].initial = corporations.first()
        self.fields["municipality"].queryset = Organisation.objects.filter(
            kind=OrganisationKind.MUNICIPALITY
        )
        self.fields["care_partners"].queryset = Organisation.objects.filter(
            kind=OrganisationKind.CARE
        )
        self.fields["responsible_staff"].queryset = (
            get_user_model()
            .objects.filter(
                memberships__organisation__in=corporations,
                memberships__role=Role.STAFF,
                is_active=True,
            )
            .distinct()
            .order_by("first_name", "last_name", "email")
        )
        self.fields["responsible_staff"].label_from_instance = user_label

    def clean(self):
        cleaned = super().clean()
        corporation, staff = cleaned.get("corporation"), cleaned.get("responsible_staff")
        if corporation and staff:
            outside = staff.exclude(
                memberships__organisation=corporation, memberships__role=Role.STAFF
            )
            if outside.exists():
                self.add_error(
                    "responsible_staff",
                    _("Choose staff of the project's own corporation."),
                )
        return cleaned


class ClusterForm(forms.ModelForm):
    class Meta:
        model = Cluster
        fields = ["name", "kind", "dragend_min", "dragend_max"]

    def __init__(self, *args, project, **kwargs):
        super().__init__(*args, **kwargs)
        self.instance.project = project

    def clean_name(self):
        name = self.cleaned_data["name"]
        others = self.instance.project.clusters.filter(name__iexact=name).exclude(
            pk=self.instance.pk
        )
        if others.exists():
            raise forms.ValidationError(_("This project already has a cluster with this name."))
        return name


class UnitForm(forms.ModelForm):
    class Meta:
        model = Unit
        fields = [
            "number",
            "cluster",
            "kind",
            "floor_area",
            "rent",
            "max_household",
            "wheelchair_accessible",
        ]

    def __init__(self, *args, project, **kwargs):
        super().__init__(*args, **kwargs)
        self.instance.project = project
        self.fields["cluster"].queryset = project.clusters.all()
        self.fields["cluster"].empty_label = _("(no cluster)")

    def clean_number(self):
        number = self.cleaned_data["number"].strip()
        others = self.instance.project.units.filter(number__iexact=number).exclude(
            pk=self.instance.pk
        )
        if others.exists():
            raise forms.ValidationError(_("This project already has a unit with this number."))
        return number


class InviteForm(forms.Form):
    """Whom to invite, and in which role: the roles an organisation of this kind has."""

    email = forms.EmailField(label=capfirst(_("e-mail")))
    first_name = forms.CharField(label=capfirst(_("first name")), max_length=150)
    last_name = forms.CharField(label=capfirst(_("last name")), max_length=150)
    role = forms.ChoiceField(label=capfirst(_("role")), widget=forms.RadioSelect)

    def __init__(self, *args, kind: str = OrganisationKind.CORPORATION, **kwargs):
        super().__init__(*args, **kwargs)
        roles = [role for role, role_kind in ROLE_KINDS.items() if role_kind == kind]
        self.fields["role"].choices = [(role.value, role.label) for role in roles]
        self.fields["role"].initial = Role.READONLY if Role.READONLY in roles else roles[0]
        if len(roles) == 1:
            self.fields["role"].widget = forms.HiddenInput()


class OrganisationForm(forms.ModelForm):
    class Meta:
        model = Organisation
        fields = ["name", "kind", "address", "postcode", "city", "email", "phone"]
        widgets = {"kind": forms.RadioSelect}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["kind"].choices = OrganisationKind.choices  # no empty choice: one is required


class FirstUserForm(forms.Form):
    """The organisation's first user: staff of a corporation, the policy officer of a
    municipality, a care worker of a care organisation."""

    prefix = "first"
    email = forms.EmailField(label=capfirst(_("e-mail")))
    first_name = forms.CharField(label=capfirst(_("first name")), max_length=150)
    last_name = forms.CharField(label=capfirst(_("last name")), max_length=150)
