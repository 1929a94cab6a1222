"""People (residents and candidates), target groups, contract types and contracts.

Privacy by design: a person is "vragend, guided by organisation X"; no diagnosis, care history or
BSN is stored anywhere, and the free-text notes warn against recording them.
"""

import datetime as dt
from typing import NamedTuple

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Case, Exists, F, OuterRef, Q, Value, When
from django.db.models.functions import Concat
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import get_language, gettext
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from projects.access import corporation_ids
from projects.models import (
    Membership,
    Organisation,
    OrganisationKind,
    Project,
    Role,
    Unit,
    percent_validators,
)

from ..cellkeys import cell_key_field
from ..dates import add_months, age_on, term_last_day
from ..search import SearchText
from .state import (
    IN_FORCE,
    IN_FORCE_STATES,
    MAX_NOTICE_MONTHS,
    STATE_CSS,
    ContractState,
    ContractStatus,
    in_force_q,
    lapsed_q,
    not_over_q,
    state_expression,
    state_label,
)

__all__ = [
    "IN_FORCE",
    "IN_FORCE_STATES",
    "NOTES_WARNING",
    "REGULAR_TYPE_CODE",
    "AssociationMembership",
    "BilingualName",
    "Contract",
    "ContractQuerySet",
    "ContractState",
    "ContractStatus",
    "ContractType",
    "identity",
    "EndReason",
    "Language",
    "NoticeWindow",
    "Outflow",
    "Person",
    "ResidentRole",
    "TargetGroup",
    "TargetGroupLimit",
    "unit_occupied_expression",
]

NOTES_WARNING = _(
    "Never record a diagnosis, medical or care history, or a citizen service number (BSN) "
    "here. Write only what the corporation needs to know, e.g. 'guided by organisation X'."
)


class HistoryAuthor(models.Model):
    """Extra columns of a change-history row: who made the change, by name, kept as it was, so
    that the history still names them after their account is gone (residents.history)."""

    history_user_name = models.CharField(_("changed by"), max_length=300, blank=True)

    class Meta:
        abstract = True


class BilingualName(models.Model):
    """Reference data named in Dutch (the default) and English."""

    name = models.CharField(_("name (Dutch)"), max_length=100)
    name_en = models.CharField(_("name (English)"), max_length=100)

    class Meta:
        abstract = True

    def __str__(self) -> str:
        return self.label

    @property
    def label(self) -> str:
        language = (get_language() or "nl")[:2]
        return self.name_en if language == "en" and self.name_en else self.name


class TargetGroup(BilingualName):
    code = models.SlugField(_("code"), max_length=40, unique=True)
    order = models.PositiveSmallIntegerField(_("order"), default=0)

    class Meta:
        ordering = ["order", "name"]
        verbose_name = _("target group")
        verbose_name_plural = _("target groups")


class TargetGroupLimit(models.Model):
    """The largest share of a project's residents that one target group may take."""

    project = models.ForeignKey(
        Project, verbose_name=_("project"), on_delete=models.CASCADE, related_name="group_limits"
    )
    target_group = models.ForeignKey(
        TargetGroup, verbose_name=_("target group"), on_delete=models.CASCADE
    )
    max_share = models.PositiveSmallIntegerField(
        _("maximum share (%)"), validators=percent_validators
    )

    class Meta:
        ordering = ["project", "target_group__order"]
        verbose_name = _("target group limit")
        verbose_name_plural = _("target group limits")
        constraints = [
            models.UniqueConstraint(fields=["project", "target_group"], name="one_limit_per_group"),
        ]

    def __str__(self) -> str:
        return f"{self.target_group}: ≤ {self.max_share}%"


class ResidentRole(models.TextChoices):
    DRAGEND = "dragend", _("Dragend (supporting)")
    VRAGEND = "vragend", _("Vragend (support-needing)")


class Language(models.TextChoices):
    NL = "nl", _("Dutch")
    EN = "en", _("English")
    AR = "ar", _("Arabic")
    TI = "ti", _("Tigrinya")
    FA = "fa", _("Persian")
    UK = "uk", _("Ukrainian")
    TR = "tr", _("Turkish")
    PL = "pl", _("Polish")
    OTHER = "other", _("Other")


def identity(reference: str, date_of_birth: dt.date | None) -> str:
    """ "R-5001, 1998": a person's reference and year of birth, those known."""
    return ", ".join(
        part for part in (reference, str(date_of_birth.year) if date_of_birth else "") if part
    )


class PersonQuerySet(models.QuerySet):
    def for_user(self, user) -> "PersonQuerySet":
        if not user.is_authenticated:
            return self.none()
        if user.is_superuser:
            return self
        return self.filter(corporation_id__in=corporation_ids(user))

    def with_current_contract(
        self, on: dt.date | None = None, *, details: bool = False
    ) -> "PersonQuerySet":
        """Annotate `current_contract_id`: the contract in force on `on` (today by default).

        With `details`, also what a list sorts by: `current_unit` (project and unit number),
        `current_end` (its last day) and `current_state_rank` (its state, in the order of
        ContractState).
        """
        on = on or timezone.localdate()
        current = (
            Contract.objects.in_force(on).filter(person=OuterRef("pk")).order_by("-start_date")
        )
        people = self.annotate(current_contract_id=models.Subquery(current.values("pk")[:1]))
        if not details:
            return people
        unit = Concat(F("unit__project__name"), Value(" "), F("unit__number"))
        ranks = [
            When(state_code=state, then=Value(rank))
            for rank, state in enumerate(ContractState.values)
        ]
        return people.annotate(
            current_unit=models.Subquery(current.annotate(label=unit).values("label")[:1]),
            current_end=models.Subquery(current.values("end_date")[:1]),
            current_state_rank=models.Subquery(
                current.with_state(on)
                .annotate(rank=Case(*ranks, output_field=models.IntegerField()))
                .values("rank")[:1]
            ),
        )


class Person(models.Model):
    corporation = models.ForeignKey(
        Organisation,
        verbose_name=_("housing corporation"),
        on_delete=models.PROTECT,
        related_name="persons",
        limit_choices_to={"kind": OrganisationKind.CORPORATION},
    )
    reference = models.CharField(
        _("reference"),
        max_length=40,
        blank=True,
        help_text=_("The person's number in the corporation's own system (ERP), if any."),
    )
    first_name = models.CharField(_("first name"), max_length=100)
    last_name = models.CharField(_("last name"), max_length=100)
    date_of_birth = models.DateField(_("date of birth"), null=True, blank=True)
    email = models.EmailField(_("e-mail"), blank=True)
    phone = models.CharField(_("phone"), max_length=40, blank=True)
    preferred_language = models.CharField(
        _("preferred language"), max_length=10, choices=Language.choices, default=Language.NL
    )
    target_group = models.ForeignKey(
        TargetGroup, verbose_name=_("target group"), on_delete=models.PROTECT
    )
    role = models.CharField(_("role"), max_length=10, choices=ResidentRole.choices)
    care_organisation = models.ForeignKey(
        Organisation,
        verbose_name=_("guided by (care organisation)"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="guided_persons",
        limit_choices_to={"kind": OrganisationKind.CARE},
    )
    care_contact_name = models.CharField(_("care contact person"), max_length=100, blank=True)
    care_contact_email = models.EmailField(_("care contact e-mail"), blank=True)
    care_contact_phone = models.CharField(_("care contact phone"), max_length=40, blank=True)
    household_size = models.PositiveSmallIntegerField(
        _("household size"), default=1, validators=[MinValueValidator(1), MaxValueValidator(20)]
    )
    needs_accessible = models.BooleanField(_("needs a wheelchair-accessible unit"), default=False)
    contribution_hours = models.PositiveSmallIntegerField(
        _("contribution norm (hours a month)"),
        null=True,
        blank=True,
        help_text=_("For dragend residents. Leave empty to use the project's default."),
    )
    share_profile_consent = models.BooleanField(
        _("consents to share a profile with the residents' association"), default=False
    )
    notes = models.TextField(_("notes"), blank=True, help_text=NOTES_WARNING)
    responsible_staff = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("responsible staff member"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="responsible_for_persons",
        help_text=_("The corporation's staff member this person turns to first."),
    )
    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        verbose_name=_("login account"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="person",
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    anonymised_on = models.DateField(
        _("anonymised on"),
        null=True,
        blank=True,
        editable=False,
        help_text=_("Set by the retention run that erased this person's personal data."),
    )
    # What the people search matches (residents/search.py): name, reference, e-mail and phone,
    # folded (no accents, lower case) by the database itself on every write, whatever writes.
    search_text = models.GeneratedField(
        expression=SearchText(), output_field=models.TextField(), db_persist=True, editable=False
    )
    history = HistoricalRecords(
        excluded_fields=["created_at", "search_text", "anonymised_on"], bases=[HistoryAuthor]
    )

    objects = PersonQuerySet.as_manager()

    class Meta:
        ordering = ["last_name", "first_name", "pk"]
        verbose_name = _("person")
        verbose_name_plural = _("persons")
        indexes = [
            models.Index(fields=["corporation", "last_name", "first_name"]),
            models.Index(fields=["corporation", "role"]),
            models.Index(fields=["corporation", "target_group"]),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["corporation", "reference"],
                condition=~Q(reference=""),
                name="person_reference_per_corp",
            ),
        ]

    def __str__(self) -> str:
        return self.full_name

    def get_absolute_url(self) -> str:
        return reverse("residents:person_detail", args=[self.pk])

    @property
    def full_name(self) -> str:
        if self.anonymised_on:
            return gettext("Anonymised person %(id)s") % {"id": self.pk}
        return f"{self.first_name} {self.last_name}"

    @property
    def identity(self) -> str:
        """What tells two people of the same name apart: the reference and the year of birth."""
        return identity(self.reference, self.date_of_birth)

    @property
    def list_label(self) -> str:
        """ "Hofman, Noor (R-5001, 1998)": the name as lists sort it, with its identity."""
        if self.anonymised_on:
            return self.full_name
        label = f"{self.last_name}, {self.first_name}"
        return f"{label} ({self.identity})" if self.identity else label

    def clean(self) -> None:
        errors = {}
        if self.role == ResidentRole.DRAGEND and self.care_organisation_id:
            errors["care_organisation"] = _(
                "Only a vragend resident is guided by a care organisation."
            )
        if self.role == ResidentRole.VRAGEND and self.contribution_hours:
            errors["contribution_hours"] = _("A contribution norm applies to dragend residents.")
        if self.date_of_birth and self.date_of_birth > timezone.localdate():
            errors["date_of_birth"] = _("The date of birth lies in the future.")
        if self.responsible_staff_id and self.corporation_id:
            works_there = Membership.objects.filter(
                user_id=self.responsible_staff_id,
                organisation_id=self.corporation_id,
                role=Role.STAFF,
            )
            if not works_there.exists():
                errors["responsible_staff"] = _(
                    "The responsible staff member must be staff of the person's corporation."
                )
        if errors:
            raise ValidationError(errors)


# The open-ended type a flipped omklap contract, or a missed notice, turns a contract into.
REGULAR_TYPE_CODE = "regulier"


class ContractType(BilingualName):
    """The rules of a kind of tenancy, kept as data so that a change in the law is a data change."""

    code = models.SlugField(_("code"), max_length=40, unique=True)
    fixed_term = models.BooleanField(
        _("fixed term"), default=False, help_text=_("An end date is required.")
    )
    max_months = models.PositiveSmallIntegerField(
        _("maximum duration (months)"), null=True, blank=True
    )
    min_age = models.PositiveSmallIntegerField(_("minimum age at start"), null=True, blank=True)
    max_age = models.PositiveSmallIntegerField(_("maximum age at start"), null=True, blank=True)
    once_per_person = models.BooleanField(_("at most once per person"), default=False)
    is_omklap = models.BooleanField(
        _("omklap (flip) contract"),
        default=False,
        help_text=_("Held by a care organisation during a guidance period, then flips."),
    )
    guidance_months = models.PositiveSmallIntegerField(
        _("default guidance period (months)"), null=True, blank=True
    )
    allowed_groups = models.ManyToManyField(
        TargetGroup,
        verbose_name=_("allowed target groups"),
        blank=True,
        help_text=_("Leave empty to allow every target group."),
    )
    valid_from = models.DateField(
        _("valid from"),
        null=True,
        blank=True,
        help_text=_("Contracts of this type may start on or after this date."),
    )
    notice_required = models.BooleanField(
        _("notice required"),
        default=False,
        help_text=_(
            "The landlord must notify the tenant in writing within the notice window below, or "
            "the tenancy continues open-ended (art. 7:271 BW)."
        ),
    )
    notice_opens_months = models.PositiveSmallIntegerField(
        _("notice window opens (months before the end date)"),
        default=3,
        validators=[MinValueValidator(1), MaxValueValidator(MAX_NOTICE_MONTHS)],
    )
    notice_closes_months = models.PositiveSmallIntegerField(
        _("notice window closes (months before the end date)"),
        default=1,
        validators=[MinValueValidator(0), MaxValueValidator(MAX_NOTICE_MONTHS)],
    )
    order = models.PositiveSmallIntegerField(_("order"), default=0)

    class Meta:
        ordering = ["order", "name"]
        verbose_name = _("contract type")
        verbose_name_plural = _("contract types")
        constraints = [
            models.CheckConstraint(
                condition=Q(notice_closes_months__lt=models.F("notice_opens_months")),
                name="notice_window_opens_before_it_closes",
            ),
            models.CheckConstraint(
                condition=Q(notice_opens_months__lte=MAX_NOTICE_MONTHS),
                name="notice_window_opens_at_most_24_months_before",
            ),
        ]

    def notice_window(self, end_date: dt.date) -> "NoticeWindow | None":
        """The days on which notice may be given for a contract of this type ending `end_date`.

        The one place the rule lives: the window opens `notice_opens_months` calendar months
        before the end date and closes `notice_closes_months` before it, both days included,
        clamped to the month's end (ending 31 May: 29 February to 30 April in a leap year).
        """
        if not self.notice_required or end_date is None:
            return None
        return NoticeWindow(
            opens=add_months(end_date, -self.notice_opens_months),
            closes=add_months(end_date, -self.notice_closes_months),
        )


class NoticeWindow(NamedTuple):
    opens: dt.date
    closes: dt.date

    def __contains__(self, day: object) -> bool:
        return isinstance(day, dt.date) and self.opens <= day <= self.closes


class EndReason(models.TextChoices):
    TERM_ENDED = "term_ended", _("Fixed term ended")
    TENANT_NOTICE = "tenant_notice", _("Notice by the tenant")
    FLIPPED = "flipped", _("Omgeklapt (flipped to a regular contract)")
    GUIDANCE_ENDED = "guidance_ended", _("Guidance ended without flip")
    EVICTION = "eviction", _("Termination by the landlord (nuisance, arrears)")
    MOVED_WITHIN = "moved_within", _("Moved within the project")
    DECEASED = "deceased", _("Deceased")
    OTHER = "other", _("Other")


class Outflow(models.TextChoices):
    SOCIAL_RENT = "social_rent", _("Regular social rent")
    PRIVATE_RENT = "private_rent", _("Private rent")
    INSTITUTION = "institution", _("Back to an institution")
    OTHER = "other", _("Other")
    UNKNOWN = "unknown", _("Unknown")


class ContractQuerySet(models.QuerySet):
    def for_user(self, user) -> "ContractQuerySet":
        return self.filter(unit__project__in=Project.objects.for_user(user))

    def guided_by(self, user) -> "ContractQuerySet":
        """Active omklap contracts held by a care organisation the user is a care worker of."""
        from projects.access import care_organisation_ids

        if not user.is_authenticated:
            return self.none()
        return self.filter(
            contract_type__is_omklap=True,
            status=ContractStatus.ACTIVE,
            holder_organisation_id__in=care_organisation_ids(user),
        )

    def in_force(self, on: dt.date) -> "ContractQuerySet":
        """Contracts that hold on day `on`: started, not yet ended, not drafts.

        A contract whose notice window closed without a notice holds past its end date: by law
        the tenancy continues open-ended (see `continues_open_ended`) until staff decide.
        """
        return self.filter(self.in_force_q(on))

    @staticmethod
    def in_force_q(on: dt.date) -> Q:
        """`in_force(on)` as a Q, for conditional counts over several days in one query."""
        return in_force_q(on)

    def with_state(self, on: dt.date | None = None) -> "ContractQuerySet":
        """Annotate `state_code`, the contract's state on `on` (today by default): the rule of
        residents.models.state, which `Contract.state` reads."""
        on = on or timezone.localdate()
        return self.annotate(state_code=state_expression(on))

    def holding(self, on: dt.date) -> "ContractQuerySet":
        """Contracts that hold on `on` or will: drafts, and signed contracts not past a certain
        last day (upcoming ones included). A unit with one is let, now or from a later date."""
        return self.filter(not_over_q(on), status__in=(ContractStatus.DRAFT, *IN_FORCE))

    def overlapping(self, *, unit_id: int, start: dt.date, end: dt.date | None):
        """Contracts in force on the unit at some day in [start, end] (end None = open)."""
        qs = self.filter(not_over_q(start), unit_id=unit_id, status__in=IN_FORCE)
        if end is not None:
            qs = qs.filter(start_date__lte=end)
        return qs

    @staticmethod
    def lapsed_q() -> Q:
        """An active contract that needed notice and has none and no decision: no end yet."""
        return lapsed_q()

    def with_deadline_facts(self) -> "ContractQuerySet":
        """Annotate what the deadline rules need: `has_notice`, `lapse_decided`, `last_checkin`."""
        from .lifecycle import CheckIn, LapseDecision, Notice

        return self.annotate(
            has_notice=Exists(Notice.objects.filter(contract=OuterRef("pk"))),
            lapse_decided=Exists(LapseDecision.objects.filter(contract=OuterRef("pk"))),
            last_checkin=models.Subquery(
                CheckIn.objects.filter(contract=OuterRef("pk"))
                .order_by("-held_on")
                .values("held_on")[:1]
            ),
        )

    def ending_between(self, start: dt.date | None, end: dt.date | None):
        """Signed contracts whose last day lies in [start, end]: a fixed term's end date or a
        recorded termination's last day, wherever it lies from today (a contract that continues
        open-ended after a missed notice is among them: its page says so)."""
        qs = self.filter(status__in=IN_FORCE, end_date__isnull=False)
        if start:
            qs = qs.filter(end_date__gte=start)
        if end:
            qs = qs.filter(end_date__lte=end)
        return qs


class Contract(models.Model):
    person = models.ForeignKey(
        Person, verbose_name=_("tenant"), on_delete=models.PROTECT, related_name="contracts"
    )
    unit = models.ForeignKey(
        Unit, verbose_name=_("unit"), on_delete=models.PROTECT, related_name="contracts"
    )
    contract_type = models.ForeignKey(
        ContractType, verbose_name=_("contract type"), on_delete=models.PROTECT
    )
    cell_key = cell_key_field()
    start_date = models.DateField(_("start date"))
    end_date = models.DateField(
        _("end date"),
        null=True,
        blank=True,
        help_text=_("Required for a fixed-term contract; the last day of the tenancy."),
    )
    holder_organisation = models.ForeignKey(
        Organisation,
        verbose_name=_("held by care organisation"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="held_contracts",
        limit_choices_to={"kind": OrganisationKind.CARE},
        help_text=_("Only during an omklap trajectory; otherwise the tenant holds the contract."),
    )
    guidance_months = models.PositiveSmallIntegerField(
        _("guidance period (months)"),
        null=True,
        blank=True,
        help_text=_("Omklap only; empty takes the contract type's default."),
    )
    guidance_extended_until = models.DateField(
        _("guidance extended until"),
        null=True,
        blank=True,
        help_text=_("Set by an evaluation that extends the guidance."),
    )
    care_worker = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("care contact (login)"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="guided_contracts",
        help_text=_(
            "Omklap only: the care worker who records check-ins and receives their reminders."
        ),
    )
    flipped_from = models.OneToOneField(
        "self",
        verbose_name=_("flipped from"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="flipped_to",
        help_text=_("The omklap contract this regular contract continues."),
    )
    status = models.CharField(
        _("recorded status"),
        max_length=10,
        choices=ContractStatus.choices,
        default=ContractStatus.DRAFT,
        help_text=_(
            "What has been recorded. The state shown (starts on, in force, ends on, ended) "
            "follows from it and the dates."
        ),
    )
    signed_on = models.DateField(_("signed on"), null=True, blank=True)
    signed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("signing recorded by"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    start_note = models.TextField(
        _("why the start lies before the day it was agreed"),
        blank=True,
        help_text=_("Required when a contract is made with a start date in the past."),
    )
    end_reason = models.CharField(
        _("end reason"), max_length=20, choices=EndReason.choices, blank=True
    )
    outflow = models.CharField(
        _("outflow destination"), max_length=20, choices=Outflow.choices, blank=True
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    history = HistoricalRecords(excluded_fields=["created_at", "cell_key"], bases=[HistoryAuthor])

    objects = ContractQuerySet.as_manager()

    class Meta:
        ordering = ["-start_date", "pk"]
        verbose_name = _("contract")
        verbose_name_plural = _("contracts")
        indexes = [
            models.Index(fields=["unit", "status", "start_date"]),
            models.Index(fields=["status", "end_date"]),
            models.Index(fields=["person", "status"]),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(end_date__isnull=True) | Q(end_date__gte=models.F("start_date")),
                name="contract_end_after_start",
            ),
        ]
        # On PostgreSQL a GiST exclusion constraint (migration 0002) also refuses two contracts
        # in force on one unit over overlapping dates, whatever code path writes them.

    def __str__(self) -> str:
        return f"{self.contract_type} {self.person} ({self.unit})"

    def get_absolute_url(self) -> str:
        return reverse("residents:contract_detail", args=[self.pk])

    @property
    def state(self) -> ContractState:
        """The state today, from `ContractQuerySet.with_state` when loaded that way; otherwise
        the database answers with the same rule (one query)."""
        code = getattr(self, "state_code", None)
        if code is None:
            code = (
                Contract.objects.with_state().values_list("state_code", flat=True).get(pk=self.pk)
            )
            self.state_code = code
        return ContractState(code)

    @property
    def state_label(self) -> str:
        return state_label(
            self.state, start=self.start_date, end=self.end_date, reason=self.end_reason
        )

    @property
    def state_css(self) -> str:
        return STATE_CSS[self.state]

    def is_in_force(self, on: dt.date) -> bool:
        """The same rule as ContractQuerySet.in_force, for one loaded contract."""
        return (
            self.status in IN_FORCE
            and self.start_date <= on
            and (self.end_date is None or self.end_date >= on or self.continues_open_ended(on))
        )

    @property
    def notice_window(self) -> NoticeWindow | None:
        return self.contract_type.notice_window(self.end_date)

    def continues_open_ended(self, on: dt.date) -> bool:
        """True when the notice window closed before `on` with no notice and no staff decision:
        by law the tenancy then continues open-ended, and staff must decide what to record.

        Uses `has_notice` and `lapse_decided` from `with_deadline_facts()` when loaded that way.
        """
        window = self.notice_window
        if self.status != ContractStatus.ACTIVE or window is None or on <= window.closes:
            return False
        has_notice = getattr(self, "has_notice", None)
        if has_notice is None:
            has_notice = self.notices.exists()
        decided = getattr(self, "lapse_decided", None)
        if decided is None:
            decided = hasattr(self, "lapse_decision")
        return not has_notice and not decided

    @property
    def open_ended_now(self) -> bool:
        """continues_open_ended(today), for templates."""
        return self.continues_open_ended(timezone.localdate())

    @property
    def guidance_end(self) -> dt.date | None:
        """The last day of an omklap contract's guidance period (after any extension)."""
        if not self.contract_type.is_omklap or not self.start_date:
            return None
        if self.guidance_extended_until:
            return self.guidance_extended_until
        months = self.guidance_months or self.contract_type.guidance_months
        return term_last_day(self.start_date, months) if months else None

    @property
    def holder_display(self) -> str:
        return str(self.holder_organisation or self.person)

    @property
    def max_end_date(self) -> dt.date | None:
        if self.contract_type.max_months and self.start_date:
            return term_last_day(self.start_date, self.contract_type.max_months)
        return None

    def clean(self) -> None:  # noqa: C901 - one rule after another, each with its own message
        errors: dict[str, list] = {}

        def add(field: str, message) -> None:
            errors.setdefault(field, []).append(message)

        ctype = self.contract_type if self.contract_type_id else None
        person = self.person if self.person_id else None
        unit = self.unit if self.unit_id else None
        start, end = self.start_date, self.end_date

        if start and end and end < start:
            add("end_date", _("The end date lies before the start date."))
        if ctype and start:
            if ctype.fixed_term and not end:
                add(
                    "end_date",
                    _("A contract of type %(type)s needs an end date.") % {"type": ctype},
                )
            maximum = self.max_end_date
            if maximum and end and end > maximum:
                add(
                    "end_date",
                    _(
                        "A contract of type %(type)s lasts at most %(months)s months: "
                        "from this start date it must end on %(date)s at the latest."
                    )
                    % {
                        "type": ctype,
                        "months": ctype.max_months,
                        "date": date_format(maximum, "j F Y"),
                    },
                )
            if ctype.valid_from and start < ctype.valid_from:
                add(
                    "start_date",
                    _("A contract of type %(type)s can start on %(date)s at the earliest.")
                    % {"type": ctype, "date": date_format(ctype.valid_from, "j F Y")},
                )
        if ctype and person:
            if ctype.min_age is not None or ctype.max_age is not None:
                if not person.date_of_birth:
                    add(
                        "contract_type",
                        _("A contract of type %(type)s needs the tenant's date of birth.")
                        % {"type": ctype},
                    )
                elif start:
                    age = age_on(person.date_of_birth, start)
                    too_young = ctype.min_age is not None and age < ctype.min_age
                    too_old = ctype.max_age is not None and age > ctype.max_age
                    if too_young or too_old:
                        add(
                            "contract_type",
                            _(
                                "A contract of type %(type)s is for tenants aged %(min)s to "
                                "%(max)s at the start; this tenant is %(age)s then."
                            )
                            % {
                                "type": ctype,
                                "min": ctype.min_age if ctype.min_age is not None else 0,
                                "max": ctype.max_age if ctype.max_age is not None else "∞",
                                "age": age,
                            },
                        )
            if ctype.once_per_person:
                others = Contract.objects.filter(person=person, contract_type=ctype).exclude(
                    status=ContractStatus.DRAFT
                )
                if self.pk:
                    others = others.exclude(pk=self.pk)
                if self.status != ContractStatus.DRAFT and others.exists():
                    add(
                        "contract_type",
                        _(
                            "This tenant has had a contract of type %(type)s already; "
                            "it is allowed once per person."
                        )
                        % {"type": ctype},
                    )
            allowed = list(ctype.allowed_groups.all()) if ctype.pk else []
            if allowed and person.target_group_id not in {g.pk for g in allowed}:
                add(
                    "contract_type",
                    _("A contract of type %(type)s is not allowed for the target group %(group)s.")
                    % {"type": ctype, "group": person.target_group},
                )
        if self.holder_organisation_id:
            if ctype and not ctype.is_omklap:
                add(
                    "holder_organisation",
                    _("Only an omklap contract is held by a care organisation."),
                )
            elif self.holder_organisation.kind != OrganisationKind.CARE:
                add("holder_organisation", _("Choose a care organisation."))
        if self.care_worker_id:
            works_there = self.holder_organisation_id and self.care_worker.memberships.filter(
                organisation_id=self.holder_organisation_id, role=Role.CARE
            )
            if not works_there or not works_there.exists():
                add(
                    "care_worker",
                    _(
                        "The care contact must be a care worker of the organisation that holds "
                        "the contract."
                    ),
                )
        if person and unit:
            if person.corporation_id != unit.project.corporation_id:
                add("unit", _("This unit belongs to another corporation than the tenant."))
            if person.household_size > unit.max_household:
                add(
                    "unit",
                    _("This unit houses at most %(max)s persons; the household has %(size)s.")
                    % {"max": unit.max_household, "size": person.household_size},
                )
        if self.status == ContractStatus.ENDED:
            if not end:
                add("end_date", _("An ended contract needs its end date."))
            if not self.end_reason:
                add("end_reason", _("Give the reason the contract ended."))
            stays = self.end_reason in (EndReason.FLIPPED, EndReason.MOVED_WITHIN)
            if not self.outflow and not stays:
                add("outflow", _("Give where the tenant went (or 'unknown')."))
        # An import that knows the unit has no other contract at all (csv_io) skips the query.
        unit_free = getattr(self, "unit_has_no_other_contract", False)
        if (
            unit
            and start
            and self.status in IN_FORCE
            and not errors.get("end_date")
            and not unit_free
        ):
            clash = Contract.objects.overlapping(unit_id=unit.pk, start=start, end=end)
            if self.pk:
                clash = clash.exclude(pk=self.pk)
            other = clash.select_related("person", "contract_type").first()
            if other and other.end_date and start and other.end_date < start:
                add(
                    "start_date",
                    _(
                        "Unit %(unit)s is not free from this date: %(person)s's contract ends on "
                        "%(end)s only if notice is given in time, and none is recorded. Record "
                        "the notice on that contract first."
                    )
                    % {
                        "unit": unit.number,
                        "person": other.person,
                        "end": date_format(other.end_date, "j F Y"),
                    },
                )
            elif other:
                add(
                    "start_date",
                    _(
                        "Unit %(unit)s already has a contract over these dates: %(person)s, "
                        "from %(start)s."
                    )
                    % {
                        "unit": unit.number,
                        "person": other.person,
                        "start": date_format(other.start_date, "j F Y"),
                    },
                )
        if errors:
            raise ValidationError(errors)


class AssociationMembershipQuerySet(models.QuerySet):
    def active(self, on: dt.date | None = None):
        on = on or timezone.localdate()
        return self.filter(joined_on__lte=on).filter(Q(left_on__isnull=True) | Q(left_on__gte=on))


class AssociationMembership(models.Model):
    """A resident's membership of a project's residents' association (woonvereniging)."""

    person = models.ForeignKey(
        Person,
        verbose_name=_("person"),
        on_delete=models.CASCADE,
        related_name="association_memberships",
    )
    project = models.ForeignKey(
        Project,
        verbose_name=_("project"),
        on_delete=models.CASCADE,
        related_name="association_memberships",
    )
    joined_on = models.DateField(_("joined on"))
    left_on = models.DateField(_("left on"), null=True, blank=True)

    objects = AssociationMembershipQuerySet.as_manager()

    class Meta:
        ordering = ["project", "-joined_on"]
        verbose_name = _("association membership")
        verbose_name_plural = _("association memberships")
        constraints = [
            models.CheckConstraint(
                condition=Q(left_on__isnull=True) | Q(left_on__gte=models.F("joined_on")),
                name="membership_left_after_joined",
            ),
            # A person is a member at most once at a time: the database holds one open membership
            # a project; clean() also refuses periods that overlap an ended one.
            models.UniqueConstraint(
                fields=["person", "project"],
                condition=Q(left_on__isnull=True),
                name="membership_one_open_per_project",
                violation_error_message=_(
                    "This person is already a member of this project's association."
                ),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.person} – {self.project}"

    def clean(self) -> None:
        if self.left_on and self.joined_on and self.left_on < self.joined_on:
            raise ValidationError(
                {"left_on": _("The date of leaving lies before the date of joining.")}
            )
        if (
            self.person_id
            and self.project_id
            and self.person.corporation_id != self.project.corporation_id
        ):
            raise ValidationError({"project": _("This project belongs to another corporation.")})
        if self.person_id and self.project_id and self.joined_on:
            overlapping = AssociationMembership.objects.filter(
                person_id=self.person_id, project_id=self.project_id
            ).filter(Q(left_on__isnull=True) | Q(left_on__gte=self.joined_on))
            if self.left_on:
                overlapping = overlapping.filter(joined_on__lte=self.left_on)
            else:
                # Two open memberships: the constraint's own message says so.
                overlapping = overlapping.exclude(left_on__isnull=True)
            if overlapping.exclude(pk=self.pk).exists():
                raise ValidationError(
                    _("This person is already a member of this association in that period.")
                )


def unit_occupied_expression(on: dt.date):
    """An Exists() that is true for a Unit with a contract in force on `on`."""
    return Exists(Contract.objects.in_force(on).filter(unit=OuterRef("pk")))
