from allauth.mfa.models import Authenticator
from django import forms
from django.contrib import admin
from django.contrib.auth import get_user_model
from django.contrib.auth.admin import UserAdmin
from django.contrib.auth.forms import UserChangeForm
from django.utils.translation import gettext_lazy as _

from .models import Cluster, Invitation, LetterTemplate, Membership, Organisation, Project, Unit


class ReadOnlyAdmin(admin.ModelAdmin):
    """A record of what happened (a letting, a retention run): viewable, never changed or
    deleted by hand."""

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


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


@admin.register(Invitation)
class InvitationAdmin(ReadOnlyAdmin):
    """Who was invited when, and what became of it; never the link (only its hash is stored,
    and that is not shown either)."""

    list_display = ["email", "organisation", "state_label", "created_at", "expires_at"]
    list_filter = ["organisation__kind"]
    search_fields = ["email", "organisation__name"]
    list_select_related = ["organisation"]
    fields = [
        "email",
        "user",
        "organisation",
        "language",
        "invited_by",
        "created_at",
        "expires_at",
        "accepted_at",
        "revoked_at",
    ]

    @admin.display(description=_("state"))
    def state_label(self, obj) -> str:
        return obj.get_state_display()


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


# Second factors: an administrator sees who has which and may remove one (a lost phone), but
# never its secret (allauth's own admin shows and edits the data field) and never adds one.
admin.site.unregister(Authenticator)


@admin.register(Authenticator)
class AuthenticatorAdmin(admin.ModelAdmin):
    list_display = ["user", "type", "created_at", "last_used_at"]
    list_filter = ["type"]
    search_fields = ["user__email"]
    fields = ["user", "type", "created_at", "last_used_at"]
    readonly_fields = fields

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(LetterTemplate)
class LetterTemplateAdmin(admin.ModelAdmin):
    """A corporation's own wording of a letter; an unknown placeholder is refused on save."""

    list_display = ["corporation", "kind", "language", "updated_at"]
    list_filter = ["kind", "language"]


# Users: identified by their e-mail address alone. Django's User needs a username; it is kept
# equal to the address and never asked for. New logins are better made with an invitation
# (Organisations, Team, a person's page), which e-mails a link to choose a password.
User = get_user_model()


class EmailUserCreationForm(forms.ModelForm):
    class Meta:
        model = User
        fields = ["email", "first_name", "last_name"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["email"].required = True

    def clean_email(self):
        email = self.cleaned_data["email"].strip().lower()
        if User.objects.filter(email__iexact=email).exclude(pk=self.instance.pk).exists():
            raise forms.ValidationError(_("A login with this e-mail address exists already."))
        return email

    def save(self, commit=True):
        user = super().save(commit=False)
        user.username = user.email[:150]
        user.set_unusable_password()
        if commit:
            user.save()
        return user


class EmailUserChangeForm(UserChangeForm):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if "email" in self.fields:
            self.fields["email"].required = True

    clean_email = EmailUserCreationForm.clean_email


admin.site.unregister(User)


@admin.register(User)
class EmailUserAdmin(UserAdmin):
    form = EmailUserChangeForm
    add_form = EmailUserCreationForm
    add_fieldsets = (
        (None, {"classes": ("wide",), "fields": ("email", "first_name", "last_name")}),
    )
    fieldsets = (
        (None, {"fields": ("email", "password")}),
        (_("Name"), {"fields": ("first_name", "last_name")}),
        (
            _("Permissions"),
            {"fields": ("is_active", "is_staff", "is_superuser", "groups", "user_permissions")},
        ),
        (_("Dates"), {"fields": ("last_login", "date_joined")}),
    )
    list_display = ["email", "first_name", "last_name", "is_active", "is_superuser"]
    search_fields = ["email", "first_name", "last_name"]
    ordering = ["email"]

    def save_model(self, request, obj, form, change):
        obj.username = obj.email[:150]  # the username follows the address
        super().save_model(request, obj, form, change)
