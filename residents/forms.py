from django import forms
from django.contrib.auth import get_user_model
from django.core.validators import FileExtensionValidator
from django.db.models import Prefetch, Q
from django.utils import timezone
from django.utils.text import capfirst
from django.utils.translation import gettext_lazy as _

from projects.forms import DateInput, user_label
from projects.models import Membership, Organisation, OrganisationKind, Role, Unit

from .models import (
    CHECKIN_DOMAINS,
    NOTES_WARNING,
    AssociationMembership,
    CheckIn,
    Contract,
    ContractStatus,
    ContractType,
    EndReason,
    LapseOutcome,
    NoticeMeans,
    Outflow,
    Person,
    ResidentRole,
)


def care_worker_label(user) -> str:
    """How the care-contact picker names a care worker: with the care organisation they work for."""
    names = {m.organisation.name for m in getattr(user, "care_memberships", [])}
    return " – ".join([user_label(user), *sorted(names)])


def staff_of(corporations):
    """The staff members (write role) of these corporations, by name."""
    return (
        get_user_model()
        .objects.filter(
            memberships__organisation__in=corporations, memberships__role=Role.STAFF, is_active=True
        )
        .distinct()
        .order_by("first_name", "last_name", "email")
    )


class PersonForm(forms.ModelForm):
    class Meta:
        model = Person
        fields = [
            "corporation",
            "reference",
            "first_name",
            "last_name",
            "date_of_birth",
            "email",
            "phone",
            "preferred_language",
            "target_group",
            "role",
            "care_organisation",
            "care_contact_name",
            "care_contact_email",
            "care_contact_phone",
            "household_size",
            "needs_accessible",
            "contribution_hours",
            "share_profile_consent",
            "responsible_staff",
            "notes",
        ]
        widgets = {"date_of_birth": DateInput(), "role": forms.RadioSelect}

    def __init__(self, *args, corporations, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["corporation"].queryset = corporations
        if len(corporations) == 1:
            self.fields["corporation"].initial = corporations[0].pk
            self.fields["corporation"].widget = forms.HiddenInput()
        self.fields["care_organisation"].queryset = Organisation.objects.filter(
            kind=OrganisationKind.CARE
        )
        self.fields["role"].choices = ResidentRole.choices  # radio buttons: no empty choice
        self.fields["responsible_staff"].queryset = staff_of(corporations)
        self.fields["responsible_staff"].label_from_instance = user_label


class ContractForm(forms.ModelForm):
    """Create or change a contract. Signing and ending are actions of their own (ContractSignForm,
    ContractEndForm); a new contract may be entered as signed already, with its signing date."""

    signed_on = forms.DateField(
        label=_("Signed on"),
        required=False,
        widget=DateInput(),
        help_text=_(
            "Only for a contract that is signed already (entering an existing tenancy). Leave "
            "empty for a draft, to be signed later with Sign."
        ),
    )

    class Meta:
        model = Contract
        fields = [
            "unit",
            "contract_type",
            "start_date",
            "end_date",
            "holder_organisation",
            "guidance_months",
            "care_worker",
            "start_note",
        ]
        widgets = {
            "start_date": DateInput(),
            "end_date": DateInput(),
            "start_note": forms.Textarea(attrs={"rows": 2}),
        }

    def __init__(self, *args, person, user=None, today=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.instance.person = person
        self.user, self.today = user, today or timezone.localdate()
        self.fields["unit"].queryset = (
            Unit.objects.filter(project__corporation_id=person.corporation_id)
            .select_related("project")
            .order_by("project__name", "number")
        )
        self.fields["unit"].label_from_instance = lambda u: f"{u.project.name} – {u.number}"
        self.fields["contract_type"].queryset = ContractType.objects.all()
        self.fields["holder_organisation"].queryset = Organisation.objects.filter(
            kind=OrganisationKind.CARE
        )
        # Only the care workers of the care partners of this corporation's projects (and of the
        # contract's holder), never everyone with a care login; each named with their
        # organisation. Contract.clean checks it is the holder's.
        partners = Organisation.objects.filter(kind=OrganisationKind.CARE).filter(
            Q(care_projects__corporation_id=person.corporation_id)
            | Q(pk=self.instance.holder_organisation_id)
        )
        care = Membership.objects.filter(role=Role.CARE, organisation__in=partners)
        self.fields["care_worker"].queryset = (
            get_user_model()
            .objects.filter(memberships__in=care, is_active=True)
            .distinct()
            .prefetch_related(
                Prefetch(
                    "memberships",
                    queryset=care.select_related("organisation").order_by("organisation__name"),
                    to_attr="care_memberships",
                )
            )
            .order_by("first_name", "last_name", "email")
        )
        self.fields["care_worker"].label_from_instance = care_worker_label
        if self.instance.pk:  # signing is its own step (Sign), never a field
            del self.fields["signed_on"]
        if self.instance.pk and self.instance.status == ContractStatus.ENDED:
            for field in self.fields.values():
                field.disabled = True

    def clean(self):
        cleaned = super().clean()
        ctype = cleaned.get("contract_type")
        if ctype and ctype.is_omklap and not cleaned.get("guidance_months"):
            cleaned["guidance_months"] = ctype.guidance_months
            self.instance.guidance_months = ctype.guidance_months
        signed_on = cleaned.get("signed_on")
        if signed_on:
            if signed_on > self.today:
                self.add_error("signed_on", _("This date lies in the future."))
            self.instance.status = ContractStatus.ACTIVE
            self.instance.signed_on = signed_on
            self.instance.signed_by = self.user
        start = cleaned.get("start_date")
        if (
            start
            and not self.instance.pk
            and not signed_on
            and start < self.today
            and not cleaned.get("start_note", "").strip()
        ):
            self.add_error(
                "start_note",
                _("The start date lies in the past: give the reason, or choose a later date."),
            )
        return cleaned


class ContractSignForm(forms.Form):
    signed_on = forms.DateField(
        label=_("Signed on"),
        widget=DateInput(),
        help_text=_("The day the tenant (and the holder, for an omklap contract) signed."),
    )


def end_reasons_for(contract: Contract) -> list[tuple[str, str]]:
    """The end reasons that fit the contract: a fixed term ends by its term, only an omklap
    contract flips or ends with its guidance."""
    ctype = contract.contract_type
    excluded = set()
    if not ctype.fixed_term:
        excluded.add(EndReason.TERM_ENDED)
    if not ctype.is_omklap:
        excluded |= {EndReason.FLIPPED, EndReason.GUIDANCE_ENDED}
    return [c for c in EndReason.choices if c[0] not in excluded]


class ContractEndForm(forms.Form):
    end_date = forms.DateField(
        label=_("Last day of the tenancy"),
        widget=DateInput(),
        help_text=_(
            "The contract stays in force up to and including this day; the unit is free from "
            "the next."
        ),
    )
    end_reason = forms.ChoiceField(label=_("End reason"))
    outflow = forms.ChoiceField(
        label=_("Outflow destination"),
        required=False,
        help_text=_(
            "Where the tenant moves to; choose 'unknown' if you do not know. Not asked when the "
            "contract flips or the tenant moves within the project."
        ),
    )

    def __init__(self, *args, contract: Contract, **kwargs):
        super().__init__(*args, **kwargs)
        self.contract = contract
        blank = [("", _("Choose…"))]
        self.fields["end_reason"].choices = blank + end_reasons_for(contract)
        self.fields["outflow"].choices = blank + list(Outflow.choices)

    def clean(self):
        cleaned = super().clean()
        reason = cleaned.get("end_reason")
        last_day = cleaned.get("end_date")
        if last_day and last_day < self.contract.start_date:
            self.add_error("end_date", _("The end date lies before the start date."))
        stays = reason in (EndReason.FLIPPED, EndReason.MOVED_WITHIN)
        if reason and not stays and not cleaned.get("outflow"):
            self.add_error("outflow", _("Give where the tenant went (or 'unknown')."))
        if stays:
            cleaned["outflow"] = ""
        return cleaned


class GroupLimitsForm(forms.Form):
    """One optional maximum share (%) per target group for a project."""

    def __init__(self, *args, groups, current: dict[int, int], **kwargs):
        super().__init__(*args, **kwargs)
        self.groups = list(groups)
        for group in self.groups:
            self.fields[f"group_{group.pk}"] = forms.IntegerField(
                label=group.label,
                required=False,
                min_value=1,
                max_value=100,
                initial=current.get(group.pk),
                help_text=_("Maximum share of all residents, in %. Empty: no maximum."),
            )

    def limits(self) -> dict[int, int | None]:
        return {g.pk: self.cleaned_data.get(f"group_{g.pk}") for g in self.groups}


MAX_DOCUMENT_BYTES = 5 * 1024 * 1024


class NoticeForm(forms.Form):
    given_on = forms.DateField(label=_("Date given"), widget=DateInput())
    means = forms.ChoiceField(
        label=_("Means"), choices=NoticeMeans.choices, widget=forms.RadioSelect
    )
    document = forms.FileField(
        label=_("document"),
        required=False,
        validators=[FileExtensionValidator(["pdf", "jpg", "jpeg", "png"])],
        help_text=_("Optional: a scan or PDF of the letter (PDF, JPG or PNG, at most 5 MB)."),
    )

    make_letter = forms.BooleanField(
        label=_("Make the notice letter (PDF) and keep it with the notice"),
        required=False,
        initial=True,
        help_text=_(
            "In the tenant's language, with the dates of this contract. Not made when you "
            "attach a document of your own."
        ),
    )

    again = forms.BooleanField(
        label=_("Record another notice: the earlier one stays on record"), required=False
    )

    def __init__(self, *args, earlier=None, **kwargs):
        super().__init__(*args, **kwargs)
        if earlier is None:
            del self.fields["again"]

    def clean_document(self):
        document = self.cleaned_data.get("document")
        if document and document.size > MAX_DOCUMENT_BYTES:
            raise forms.ValidationError(_("The document is larger than 5 MB."))
        return document


class LapseDecisionForm(forms.Form):
    outcome = forms.ChoiceField(
        label=_("decision"), choices=LapseOutcome.choices, widget=forms.RadioSelect
    )
    reason = forms.CharField(
        label=_("reason"), widget=forms.Textarea(attrs={"rows": 3}), help_text=NOTES_WARNING
    )


SCORE_CHOICES = [(n, str(n)) for n in range(1, 6)]


class CheckInForm(forms.ModelForm):
    class Meta:
        model = CheckIn
        fields = ["held_on", *CHECKIN_DOMAINS, "note"]
        widgets = {
            "held_on": DateInput(),
            "note": forms.Textarea(attrs={"rows": 3}),
            **{d: forms.RadioSelect(choices=SCORE_CHOICES) for d in CHECKIN_DOMAINS},
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for domain in CHECKIN_DOMAINS:
            field = self.fields[domain]
            field.widget.choices = SCORE_CHOICES
            field.help_text = _("1 = worrying, 5 = going well")

    def scores(self) -> dict[str, int]:
        return {d: self.cleaned_data[d] for d in CHECKIN_DOMAINS}


class WarningForm(forms.Form):
    given_on = forms.DateField(label=_("date"), widget=DateInput())
    reason = forms.CharField(
        label=_("reason"), widget=forms.Textarea(attrs={"rows": 3}), help_text=NOTES_WARNING
    )


def decision_letter_field():
    return forms.BooleanField(
        label=_("Make the decision letter (PDF) and keep it with the contract"),
        required=False,
        initial=True,
        help_text=_("To print or send to the resident; it appears in the contract's history."),
    )


class FlipForm(forms.Form):
    last_day = forms.DateField(
        label=_("last day of the omklap contract"),
        widget=DateInput(),
        help_text=_("The regular contract in the tenant's own name starts the next day."),
    )
    make_letter = decision_letter_field()


class ExtendForm(forms.Form):
    new_end = forms.DateField(label=_("new end of guidance"), widget=DateInput())
    reason = forms.CharField(
        label=_("reason"), widget=forms.Textarea(attrs={"rows": 3}), help_text=NOTES_WARNING
    )
    make_letter = decision_letter_field()


class OmklapEndForm(ContractEndForm):
    """Ending an omklap trajectory without a flip (the evaluation's third choice)."""

    make_letter = decision_letter_field()

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["end_reason"].choices = [
            c for c in self.fields["end_reason"].choices if c[0] != EndReason.FLIPPED
        ]


class MembershipAddForm(forms.ModelForm):
    """Make a resident of the project a member of its association (woonvereniging)."""

    class Meta:
        model = AssociationMembership
        fields = ["person", "joined_on"]
        widgets = {"joined_on": DateInput()}

    def __init__(self, *args, project, **kwargs):
        super().__init__(*args, **kwargs)
        self.instance.project = project
        today = timezone.localdate()
        # Who lives there or will: a contract at one of its units that holds today or later.
        holding = Contract.objects.holding(today).filter(unit__project=project)
        self.fields["person"].queryset = Person.objects.filter(
            corporation_id=project.corporation_id,
            anonymised_on=None,
            pk__in=holding.values("person_id"),
        ).exclude(association_memberships__project=project, association_memberships__left_on=None)
        self.fields["person"].label_from_instance = lambda person: person.list_label
        self.fields["person"].help_text = _(
            "Residents with a contract in this project that has not ended, who are not a member "
            "now."
        )
        self.fields["joined_on"].initial = today


class MembershipEndForm(forms.Form):
    left_on = forms.DateField(label=capfirst(_("left on")), widget=DateInput())

    def __init__(self, *args, membership, **kwargs):
        super().__init__(*args, **kwargs)
        self.membership = membership
        self.fields["left_on"].initial = timezone.localdate()

    def clean_left_on(self):
        left_on = self.cleaned_data["left_on"]
        if left_on < self.membership.joined_on:
            raise forms.ValidationError(
                _("The date of leaving lies before the date of joining (%(date)s).")
                % {"date": self.membership.joined_on.strftime("%d-%m-%Y")}
            )
        return left_on


# What the people list can change for many people at once (residents.people_views.people_bulk).
BULK_ACTIONS = {
    "responsible": _("Set the responsible staff member"),
    "end_memberships": _("End association memberships"),
}


class BulkResponsibleForm(forms.Form):
    responsible_staff = forms.ModelChoiceField(
        label=capfirst(_("responsible staff member")),
        queryset=get_user_model().objects.none(),
        required=False,
        empty_label=_("nobody (clear the field)"),
    )

    def __init__(self, *args, corporation, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["responsible_staff"].queryset = staff_of([corporation])
        self.fields["responsible_staff"].label_from_instance = user_label


class BulkEndMembershipsForm(forms.Form):
    left_on = forms.DateField(label=capfirst(_("left on")), widget=DateInput())

    def __init__(self, *args, people, **kwargs):
        super().__init__(*args, **kwargs)
        self.people = people
        self.fields["left_on"].initial = timezone.localdate()

    def _not_ended(self):
        """The selection's memberships that have not ended today: an ended one is history, and
        stays as it was (as on the single membership's page)."""
        today = timezone.localdate()
        return AssociationMembership.objects.filter(person__in=self.people).filter(
            Q(left_on__isnull=True) | Q(left_on__gte=today)
        )

    def memberships(self, left_on):
        """The memberships that end on `left_on`: not ended, joined by then, not ending sooner."""
        return (
            self._not_ended()
            .filter(joined_on__lte=left_on)
            .filter(Q(left_on__isnull=True) | Q(left_on__gt=left_on))
        )

    def clean_left_on(self):
        left_on = self.cleaned_data["left_on"]
        later = (
            self._not_ended()
            .filter(joined_on__gt=left_on)
            .filter(Q(left_on__isnull=True) | Q(left_on__gt=left_on))
            .select_related("person", "project")
        )
        if later:
            names = ", ".join(f"{m.person.full_name} ({m.project.name})" for m in later[:10])
            raise forms.ValidationError(
                _(
                    "These memberships start after that date, so they cannot end on it: "
                    "%(names)s. Leave these people out, or choose a later date."
                )
                % {"names": names}
            )
        if not self.memberships(left_on).exists():
            raise forms.ValidationError(
                _("None of these people is a member of an association on that date.")
            )
        return left_on
