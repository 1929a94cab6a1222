from django.contrib import admin

from .models import AllocationEvent, AllocationSettings, Application, FillPlan, Offer, Vacancy


class ReadOnlyAdmin(admin.ModelAdmin):
    """The record of a letting: viewable, never changed or deleted by hand."""

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(Vacancy)
class VacancyAdmin(admin.ModelAdmin):
    list_display = ["unit", "project", "available_from", "route", "status"]
    list_filter = ["status", "route"]
    list_select_related = ["unit__project", "project"]
    raw_id_fields = ["unit", "source_contract"]
    readonly_fields = ["status", "created_by", "closed_at"]


@admin.register(Application)
class ApplicationAdmin(admin.ModelAdmin):
    list_display = ["person", "project", "registered_on", "intake_outcome", "status"]
    list_filter = ["status", "intake_outcome", "urgent"]
    list_select_related = ["person", "project"]
    raw_id_fields = ["person"]
    search_fields = ["person__first_name", "person__last_name"]


@admin.register(Offer)
class OfferAdmin(ReadOnlyAdmin):
    list_display = ["vacancy", "application", "rank", "score", "status", "reply_by"]
    list_filter = ["status"]
    list_select_related = ["vacancy__unit__project", "application__person"]


@admin.register(AllocationEvent)
class AllocationEventAdmin(ReadOnlyAdmin):
    list_display = ["at", "vacancy", "kind", "actor", "rank", "score"]
    list_filter = ["kind"]
    list_select_related = ["vacancy__unit__project", "actor"]


@admin.register(FillPlan)
class FillPlanAdmin(ReadOnlyAdmin):
    list_display = ["project", "created_at", "status", "filled", "vacancies"]


admin.site.register(AllocationSettings)
