from django.contrib import admin
from simple_history.admin import SimpleHistoryAdmin

from projects.admin import ReadOnlyAdmin
from projects.audit import AuditedAdmin

from .models import (
    AssociationMembership,
    Contract,
    ContractType,
    Person,
    RetentionPolicy,
    RetentionRun,
    TargetGroup,
    TargetGroupLimit,
)


@admin.register(TargetGroup)
class TargetGroupAdmin(admin.ModelAdmin):
    list_display = ["name", "name_en", "code", "order"]
    search_fields = ["name", "name_en", "code"]


@admin.register(TargetGroupLimit)
class TargetGroupLimitAdmin(admin.ModelAdmin):
    list_display = ["project", "target_group", "max_share"]
    list_select_related = ["project", "target_group"]


@admin.register(ContractType)
class ContractTypeAdmin(admin.ModelAdmin):
    list_display = ["name", "code", "fixed_term", "max_months", "min_age", "max_age", "is_omklap"]
    filter_horizontal = ["allowed_groups"]


@admin.register(Person)
class PersonAdmin(AuditedAdmin, SimpleHistoryAdmin):
    list_display = ["last_name", "first_name", "corporation", "role", "target_group"]
    list_filter = ["role", "target_group", "corporation"]
    search_fields = ["first_name", "last_name", "email"]
    list_select_related = ["corporation", "target_group"]
    autocomplete_fields = ["user"]


@admin.register(Contract)
class ContractAdmin(AuditedAdmin, SimpleHistoryAdmin):
    list_display = ["person", "unit", "contract_type", "start_date", "end_date", "status"]
    list_filter = ["status", "contract_type"]
    search_fields = ["person__first_name", "person__last_name", "unit__number"]
    list_select_related = ["person", "unit__project", "contract_type"]
    autocomplete_fields = ["person", "unit"]
    date_hierarchy = "start_date"


@admin.register(AssociationMembership)
class AssociationMembershipAdmin(admin.ModelAdmin):
    list_display = ["person", "project", "joined_on", "left_on"]
    list_select_related = ["person", "project"]
    autocomplete_fields = ["person", "project"]


@admin.register(RetentionPolicy)
class RetentionPolicyAdmin(admin.ModelAdmin):
    list_display = ["corporation", "tenant_months", "candidate_months"]
    list_select_related = ["corporation"]


@admin.register(RetentionRun)
class RetentionRunAdmin(ReadOnlyAdmin):
    """Read-only: a run is a record of what happened."""

    list_display = ["started_at", "dry_run", "trigger", "started_by", "today", "finished_at"]
    list_filter = ["dry_run", "trigger"]
    date_hierarchy = "started_at"
    readonly_fields = [
        "started_at",
        "finished_at",
        "today",
        "dry_run",
        "trigger",
        "started_by",
        "counts",
        "planned",
    ]
