from django.contrib import admin

from .models import Cluster, Membership, Organisation, Project, Unit


class MembershipInline(admin.TabularInline):
    model = Membership
    extra = 0
    autocomplete_fields = ["user"]


@admin.register(Organisation)
class OrganisationAdmin(admin.ModelAdmin):
    list_display = ["name", "kind", "city"]
    list_filter = ["kind"]
    search_fields = ["name", "city"]
    inlines = [MembershipInline]


@admin.register(Membership)
class MembershipAdmin(admin.ModelAdmin):
    list_display = ["user", "organisation", "role"]
    list_filter = ["role", "organisation__kind"]
    search_fields = ["user__email", "organisation__name"]
    autocomplete_fields = ["user", "organisation"]
    list_select_related = ["user", "organisation"]


class ClusterInline(admin.TabularInline):
    model = Cluster
    extra = 0


@admin.register(Project)
class ProjectAdmin(admin.ModelAdmin):
    list_display = ["name", "corporation", "municipality", "concept", "has_association"]
    list_filter = ["concept", "corporation", "municipality"]
    search_fields = ["name", "city", "address"]
    list_select_related = ["corporation", "municipality"]
    filter_horizontal = ["care_partners"]
    inlines = [ClusterInline]


@admin.register(Cluster)
class ClusterAdmin(admin.ModelAdmin):
    list_display = ["name", "project", "kind", "dragend_min", "dragend_max"]
    list_filter = ["kind", "project"]
    search_fields = ["name", "project__name"]
    list_select_related = ["project"]


@admin.register(Unit)
class UnitAdmin(admin.ModelAdmin):
    list_display = ["number", "project", "cluster", "kind", "floor_area", "rent", "max_household"]
    list_filter = ["kind", "wheelchair_accessible", "project"]
    search_fields = ["number", "project__name"]
    list_select_related = ["project", "cluster"]
    autocomplete_fields = ["project", "cluster"]
