from django.contrib import admin
from django.utils.html import format_html_join
from django.utils.safestring import mark_safe
from django.utils.translation import gettext_lazy as _

from projects.admin import ReadOnlyAdmin
from projects.audit import AuditedAdmin

from .models import (
    AllocationEvent,
    AllocationSettings,
    Application,
    FillPlan,
    Offer,
    RoundCandidate,
    Vacancy,
    VoteRound,
    VoteSettings,
)


@admin.register(Vacancy)
class VacancyAdmin(admin.ModelAdmin):
    list_display = ["unit", "project", "available_from", "route", "status"]
    list_filter = ["status", "route"]
    list_select_related = ["unit__project", "project"]
    raw_id_fields = ["unit", "source_contract"]
    readonly_fields = ["status", "created_by", "closed_at"]


@admin.register(Application)
class ApplicationAdmin(AuditedAdmin, admin.ModelAdmin):
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
    readonly_fields = ["why", "explanation_shown"]

    @admin.display(description=_("why this candidate"))
    def why(self, obj: Offer) -> str:
        return obj.reason_text

    @admin.display(description=_("explanation, in your language"))
    def explanation_shown(self, obj: Offer) -> str:
        return format_html_join(
            mark_safe("<br>"),  # noqa: S308 - a constant
            "{}{}",
            (("⚠ " if line.warn else "", line.text) for line in obj.explanation_lines),
        )


@admin.register(AllocationEvent)
class AllocationEventAdmin(ReadOnlyAdmin):
    list_display = ["at", "vacancy", "kind", "actor", "rank", "score"]
    list_filter = ["kind"]
    list_select_related = ["vacancy__unit__project", "actor"]
    readonly_fields = ["why"]

    @admin.display(description=_("why, in your language"))
    def why(self, obj: AllocationEvent) -> str:
        return obj.text


@admin.register(FillPlan)
class FillPlanAdmin(ReadOnlyAdmin):
    list_display = ["project", "created_at", "status", "filled", "vacancies"]


admin.site.register(AllocationSettings)


# The association's vote. Deliberately absent: BallotBox (the tally, read only on the round's page
# after the close), Participation and Elector (who voted). The admin shows no tally and nobody's
# vote; see allocation.models.votes.


@admin.register(VoteSettings)
class VoteSettingsAdmin(admin.ModelAdmin):
    list_display = ["project", "unit_scope", "electorate", "quorum_percent", "round_days"]
    filter_horizontal = ["units", "committee"]


class RoundCandidateInline(admin.TabularInline):
    model = RoundCandidate
    fields = ["position", "first_name", "rank_at_open", "score_at_open"]
    readonly_fields = fields
    extra = 0
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(VoteRound)
class VoteRoundAdmin(ReadOnlyAdmin):
    list_display = ["vacancy", "project", "status", "opened_at", "closes_at", "outcome", "decision"]
    list_filter = ["status", "outcome", "decision"]
    list_select_related = ["vacancy__unit__project", "project"]
    exclude = ["winner"]
    inlines = [RoundCandidateInline]
