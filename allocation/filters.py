import django_filters
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from projects.models import Project
from residents.models import ResidentRole, TargetGroup

from .models import Application, ApplicationStatus, IntakeOutcome, Vacancy, VacancyRoute


class VacancyFilter(django_filters.FilterSet):
    """Filters for the vacancy list; the queryset given is already scoped to the user."""

    project = django_filters.ModelChoiceFilter(label=_("Project"), queryset=Project.objects.none())
    route = django_filters.ChoiceFilter(label=_("Route"), choices=VacancyRoute.choices)

    class Meta:
        model = Vacancy
        fields = ["project", "status", "route"]

    def __init__(self, data=None, queryset=None, *, request=None, **kwargs):
        super().__init__(data, queryset, request=request, **kwargs)
        self.filters["project"].queryset = Project.objects.for_user(request.user)
        self.filters["status"].label = _("Status")


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
        for word in value.split():
            queryset = queryset.filter(
                Q(person__first_name__icontains=word) | Q(person__last_name__icontains=word)
            )
        return queryset
