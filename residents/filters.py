import django_filters
from django import forms
from django.db.models import Exists, OuterRef
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from projects import access
from projects.forms import DateInput, user_label
from projects.models import Project

from .forms import staff_of
from .models import Contract, ContractState, ContractType, Person, ResidentRole, TargetGroup
from .search import person_search


class PersonFilter(django_filters.FilterSet):
    """Filters for the people list; the queryset given is already scoped to the user."""

    q = django_filters.CharFilter(
        label=_("Search"),
        method="filter_q",
        help_text=_("Name in any order, reference, unit number, e-mail or phone"),
    )
    project = django_filters.ModelChoiceFilter(
        label=_("Project"), queryset=Project.objects.none(), method="filter_project"
    )
    target_group = django_filters.ModelChoiceFilter(
        label=_("Target group"), queryset=TargetGroup.objects.all()
    )
    role = django_filters.ChoiceFilter(label=_("Role"), choices=ResidentRole.choices)
    contract_type = django_filters.ModelChoiceFilter(
        label=_("Contract type"), queryset=ContractType.objects.all(), method="filter_type"
    )
    ending_after = django_filters.DateFilter(
        label=_("Contract ends from"), method="filter_ending", widget=DateInput()
    )
    ending_before = django_filters.DateFilter(
        label=_("Contract ends until"), method="filter_ending", widget=DateInput()
    )
    responsible_staff = django_filters.ModelChoiceFilter(
        label=_("Responsible staff member"), queryset=Person.objects.none()
    )
    status = django_filters.ChoiceFilter(
        label=_("Status"),
        choices=[("resident", _("Current resident")), ("other", _("Candidate or former"))],
        method="filter_status",
    )

    class Meta:
        model = Person
        fields = ["q", "project", "target_group", "role", "contract_type", "status"]
        # responsible_staff is declared above; its choices are the user's corporations' staff

    def __init__(self, data=None, queryset=None, *, request=None, **kwargs):
        super().__init__(data, queryset, request=request, **kwargs)
        self.filters["project"].queryset = Project.objects.for_user(request.user)
        self.filters["responsible_staff"].queryset = staff_of(
            access.corporations_for_user(request.user)
        )
        self.filters["responsible_staff"].field.label_from_instance = user_label
        self.form.fields["role"].widget = forms.Select(
            choices=[("", "---------"), *ResidentRole.choices]
        )

    def _contracts(self):
        return Contract.objects.filter(person=OuterRef("pk"))

    similar = False  # set by a search that found only names that look alike

    def filter_q(self, queryset, name, value):
        found = person_search(queryset, value)
        self.similar = found.similar
        return found.people

    def filter_project(self, queryset, name, value):
        return queryset.filter(Exists(self._contracts().filter(unit__project=value)))

    def filter_type(self, queryset, name, value):
        """People with a contract of this type that holds today or later (or is a draft)."""
        current = (
            Contract.objects.with_state()
            .exclude(state_code=ContractState.ENDED)
            .filter(person=OuterRef("pk"), contract_type=value)
        )
        return queryset.filter(Exists(current))

    def filter_ending(self, queryset, name, value):
        # Both date fields filter together, once, on the same active contract.
        if name == "ending_before" and self.form.cleaned_data.get("ending_after"):
            return queryset
        start = self.form.cleaned_data.get("ending_after")
        end = self.form.cleaned_data.get("ending_before")
        return queryset.filter(
            Exists(Contract.objects.ending_between(start, end).filter(person=OuterRef("pk")))
        )

    def filter_status(self, queryset, name, value):
        current = Exists(
            Contract.objects.in_force(timezone.localdate()).filter(person=OuterRef("pk"))
        )
        return queryset.filter(current) if value == "resident" else queryset.exclude(current)
