import django_filters
from django.utils.translation import gettext_lazy as _

from projects.models import Project
from residents.models import Person, ResidentRole, TargetGroup
from residents.search import person_search

from .models import (
    OPEN_STATUSES,
    Application,
    ApplicationStatus,
    IntakeOutcome,
    Vacancy,
    VacancyRoute,
    VacancyStatus,
)

TO_LET = "to_let"


class VacancyFilter(django_filters.FilterSet):
    """Filters for the vacancy list; the queryset given is already scoped to the user."""

    project = django_filters.ModelChoiceFilter(label=_("Project"), queryset=Project.objects.none())
    status = django_filters.ChoiceFilter(
        label=_("Status"),
        choices=[(TO_LET, _("To let: open or offer out")), *VacancyStatus.choices],
        method="filter_status",
        empty_label=_("All"),
    )
    route = django_filters.ChoiceFilter(label=_("Route"), choices=VacancyRoute.choices)

    class Meta:
        model = Vacancy
        fields = ["project", "status", "route"]

    def __init__(self, data=None, queryset=None, *, request=None, **kwargs):
        super().__init__(data, queryset, request=request, **kwargs)
        self.filters["project"].queryset = Project.objects.for_user(request.user)

    def filter_status(self, queryset, name, value):
        """ "To let" is what the staff worklist counts: open, or an offer out."""
        if value == TO_LET:
            return queryset.filter(status__in=OPEN_STATUSES)
        return queryset.filter(status=value)


class ApplicationFilter(django_filters.FilterSet):
    q = django_filters.CharFilter(label=_("Search"), method="filter_q")
    project = django_filters.ModelChoiceFilter(label=_("Project"), queryset=Project.objects.none())
    role = django_filters.ChoiceFilter(
        label=_("Role"), field_name="person__role", choices=ResidentRole.choices
    )
    target_group = django_filters.ModelChoiceFilter(
        label=_("Target group"), field_name="person__target_group", queryset=TargetGroup.objects
    )
    status = django_filters.ChoiceFilter(label=_("Status"), choices=ApplicationStatus.choices)
    intake_outcome = django_filters.ChoiceFilter(
        label=_("Intake interview"), choices=IntakeOutcome.choices
    )
    urgent = django_filters.BooleanFilter(label=_("Urgent"))

    class Meta:
        model = Application
        fields = ["q", "project", "role", "target_group", "status", "intake_outcome", "urgent"]

    def __init__(self, data=None, queryset=None, *, request=None, **kwargs):
        super().__init__(data, queryset, request=request, **kwargs)
        self.filters["project"].queryset = Project.objects.for_user(request.user)

    def filter_q(self, queryset, name, value):
        """The people search of residents (name in any order, accents, reference, unit)."""
        people = person_search(Person.objects.filter(applications__in=queryset), value).people
        return queryset.filter(person__in=people.values("pk"))
