"""Allocation: vacancies, the candidates who apply to a project, offers, and each step's record.

A vacancy is one unit to let from a date, on one contract type. A candidate is a person's
application to a project. An offer is a staff decision for one candidate, kept with the rank and
score the candidate had at that moment. Every step (opened, offered, accepted, declined, expired,
withdrawn, planned) is appended to `AllocationEvent`, which is never changed afterwards: the
corporation can account for each letting.
"""

import datetime as dt

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.functional import cached_property
from django.utils.translation import gettext, pgettext_lazy
from django.utils.translation import gettext_lazy as _

from projects.models import Organisation, OrganisationKind, Project, ScopedByProjectQuerySet, Unit
from residents.models import Contract, ContractType, Person, ResidentRole, TargetGroup

from .. import scoring

weight_validators = [MinValueValidator(0), MaxValueValidator(10)]


class AllocationSettings(models.Model):
    """How a project weighs the parts of the mix-balance score, and how long an offer stands."""

    project = models.OneToOneField(
        Project,
        verbose_name=_("project"),
        on_delete=models.CASCADE,
        related_name="allocation_settings",
    )
    weight_project = models.PositiveSmallIntegerField(
        _("weight: the project's dragend band"),
        default=3,
        validators=weight_validators,
        help_text=_("How much it counts that the project stays near the middle of its band."),
    )
    weight_cluster = models.PositiveSmallIntegerField(
        _("weight: the cluster's dragend band"), default=3, validators=weight_validators
    )
    weight_spread = models.PositiveSmallIntegerField(
        _("weight: spreading target groups"),
        default=2,
        validators=weight_validators,
        help_text=_("How much it counts that a group is not clustered on one corridor or floor."),
    )
    weight_urgency = models.PositiveSmallIntegerField(
        _("weight: urgency"), default=2, validators=weight_validators
    )
    weight_waiting = models.PositiveSmallIntegerField(
        _("weight: registration time"), default=1, validators=weight_validators
    )
    weight_intake = models.PositiveSmallIntegerField(
        _("weight: intake interview"), default=2, validators=weight_validators
    )
    reply_days = models.PositiveSmallIntegerField(
        _("days to reply to an offer"),
        default=14,
        validators=[MinValueValidator(1), MaxValueValidator(90)],
    )

    class Meta:
        verbose_name = _("allocation settings")
        verbose_name_plural = _("allocation settings")

    def __str__(self) -> str:
        return str(self.project)

    def clean(self) -> None:
        if not any(getattr(self, name) for name in WEIGHT_FIELDS):
            raise ValidationError(_("Give at least one weight above zero."))

    @classmethod
    def for_project(cls, project: Project) -> "AllocationSettings":
        """The project's settings, or the defaults (unsaved) when it has none yet."""
        try:
            return project.allocation_settings
        except cls.DoesNotExist:
            return cls(project=project)


WEIGHT_FIELDS = (
    "weight_project",
    "weight_cluster",
    "weight_spread",
    "weight_urgency",
    "weight_waiting",
    "weight_intake",
)


class VacancyRoute(models.TextChoices):
    STAFF = "staff", _("Staff allocation")
    ASSOCIATION = "association", _("Residents' association vote")


class VacancyStatus(models.TextChoices):
    OPEN = "open", pgettext_lazy("vacancy status", "Open")
    OFFERED = "offered", _("Offer out")
    FILLED = "filled", _("Filled")
    WITHDRAWN = "withdrawn", _("Withdrawn")


OPEN_STATUSES = (VacancyStatus.OPEN, VacancyStatus.OFFERED)


class VacancyQuerySet(ScopedByProjectQuerySet):
    def still_open(self) -> "VacancyQuerySet":
        return self.filter(status__in=OPEN_STATUSES)


class Vacancy(models.Model):
    project = models.ForeignKey(
        Project, verbose_name=_("project"), on_delete=models.CASCADE, related_name="vacancies"
    )
    unit = models.ForeignKey(
        Unit, verbose_name=_("unit"), on_delete=models.PROTECT, related_name="vacancies"
    )
    available_from = models.DateField(_("free from"))
    contract_type = models.ForeignKey(
        ContractType,
        verbose_name=_("contract type"),
        on_delete=models.PROTECT,
        help_text=_("The contract the unit is let on: it decides who is eligible."),
    )
    route = models.CharField(
        _("route"), max_length=20, choices=VacancyRoute.choices, default=VacancyRoute.STAFF
    )
    status = models.CharField(
        _("status"), max_length=10, choices=VacancyStatus.choices, default=VacancyStatus.OPEN
    )
    source_contract = models.OneToOneField(
        "residents.Contract",
        verbose_name=_("opened when this contract ended"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="vacancy_opened",
    )
    note = models.TextField(_("note"), blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("opened by"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    created_at = models.DateTimeField(_("opened at"), auto_now_add=True)
    closed_at = models.DateTimeField(_("closed at"), null=True, blank=True)

    objects = VacancyQuerySet.as_manager()

    class Meta:
        ordering = ["available_from", "pk"]
        verbose_name = _("vacancy")
        verbose_name_plural = _("vacancies")
        indexes = [models.Index(fields=["project", "status", "available_from"])]
        constraints = [
            models.UniqueConstraint(
                fields=["unit"],
                condition=Q(status__in=["open", "offered"]),
                name="one_open_vacancy_per_unit",
                violation_error_message=_("This unit has an open vacancy already."),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.unit.number} ({self.project})"

    def get_absolute_url(self) -> str:
        return reverse("allocation:vacancy_detail", args=[self.pk])

    @property
    def is_open(self) -> bool:
        return self.status in OPEN_STATUSES

    def clean(self) -> None:
        if self.unit_id and self.project_id and self.unit.project_id != self.project_id:
            raise ValidationError({"unit": _("This unit belongs to another project.")})


class IntakeOutcome(models.TextChoices):
    PENDING = "pending", _("Not held yet")
    POSITIVE = "positive", _("Positive")
    DOUBTS = "doubts", _("Positive with doubts")
    NEGATIVE = "negative", _("Negative")


class ApplicationStatus(models.TextChoices):
    ACTIVE = "active", _("Active")
    PLACED = "placed", _("Placed")
    WITHDRAWN = "withdrawn", _("Withdrawn")


class ApplicationQuerySet(ScopedByProjectQuerySet):
    def active(self) -> "ApplicationQuerySet":
        return self.filter(status=ApplicationStatus.ACTIVE)


class Application(models.Model):
    """A candidate: a person who applied to live in a project."""

    project = models.ForeignKey(
        Project, verbose_name=_("project"), on_delete=models.CASCADE, related_name="applications"
    )
    person = models.ForeignKey(
        Person, verbose_name=_("candidate"), on_delete=models.PROTECT, related_name="applications"
    )
    registered_on = models.DateField(
        _("registered on"), help_text=_("The date the candidate registered as a home-seeker.")
    )
    motivation = models.TextField(_("motivation"), blank=True)
    contribution = models.TextField(
        _("what they will contribute"),
        blank=True,
        help_text=_("For dragend candidates: what they offer to do for their neighbours."),
    )
    availability = models.CharField(
        _("availability"),
        max_length=200,
        blank=True,
        help_text=_(
            "When they can move in, and when they are around for the community "
            "(shown to the association if they consent)."
        ),
    )
    nominated_by = models.ForeignKey(
        Organisation,
        verbose_name=_("nominated by"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="nominations",
        limit_choices_to={"kind": OrganisationKind.CARE},
        help_text=_("For vragend candidates: the care organisation or COA that nominates them."),
    )
    urgent = models.BooleanField(_("urgent"), default=False)
    intake_outcome = models.CharField(
        _("intake interview"),
        max_length=10,
        choices=IntakeOutcome.choices,
        default=IntakeOutcome.PENDING,
    )
    intake_on = models.DateField(_("intake held on"), null=True, blank=True)
    status = models.CharField(
        _("status"),
        max_length=10,
        choices=ApplicationStatus.choices,
        default=ApplicationStatus.ACTIVE,
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    objects = ApplicationQuerySet.as_manager()

    class Meta:
        ordering = ["registered_on", "pk"]
        verbose_name = _("candidate")
        verbose_name_plural = _("candidates")
        indexes = [models.Index(fields=["project", "status", "registered_on"])]
        constraints = [
            models.UniqueConstraint(
                fields=["project", "person"],
                condition=Q(status="active"),
                name="one_active_application_per_project",
                violation_error_message=_(
                    "This person is an active candidate for this project already."
                ),
            ),
        ]

    def __str__(self) -> str:
        return str(self.person)

    def get_absolute_url(self) -> str:
        return reverse("allocation:application_detail", args=[self.pk])

    def clean(self) -> None:
        errors = {}
        person = self.person if self.person_id else None
        if person and self.project_id and person.corporation_id != self.project.corporation_id:
            errors["person"] = _("This person is registered with another corporation.")
        if person and person.role == ResidentRole.VRAGEND and not self.nominated_by_id:
            errors["nominated_by"] = _(
                "A vragend candidate is nominated by a care organisation or COA."
            )
        if person and person.role == ResidentRole.DRAGEND and self.nominated_by_id:
            errors["nominated_by"] = _("Only a vragend candidate is nominated.")
        if self.intake_outcome != IntakeOutcome.PENDING and not self.intake_on:
            errors["intake_on"] = _("Give the date of the intake interview.")
        if errors:
            raise ValidationError(errors)


class OfferStatus(models.TextChoices):
    OPEN = "open", _("Awaiting reply")
    ACCEPTED = "accepted", _("Accepted")
    DECLINED = "declined", _("Declined")
    EXPIRED = "expired", _("Expired")
    WITHDRAWN = "withdrawn", _("Withdrawn")


class OfferReason(models.TextChoices):
    """Why the system made an offer without a reason typed by staff (rendered at display time)."""

    VOTE_WINNER = "vote_winner", _("Chosen by the residents' association's vote")
    VOTE_TIE = "vote_tie", _("The association's vote tied; number 1 of the ranking")
    VOTE_NO_QUORUM = (
        "vote_no_quorum",
        _("The association's vote had no quorum; number 1 of the ranking"),
    )
    PLAN = "plan", _("Batch plan")


def offer_reason_sentence(code: str, plan_at: dt.datetime | None = None) -> str:
    """The sentence for an offer the system gave a reason to, in the current language."""
    from .votes import Outcome

    if code == OfferReason.VOTE_WINNER:
        return gettext("Chosen by the residents' association's vote.")
    if code in (OfferReason.VOTE_TIE, OfferReason.VOTE_NO_QUORUM):
        outcome = Outcome.TIE if code == OfferReason.VOTE_TIE else Outcome.NO_QUORUM
        return gettext(
            "The association's vote gave no winner (%(outcome)s); number 1 of the ranking."
        ) % {"outcome": str(outcome.label).lower()}
    if code == OfferReason.PLAN:
        if plan_at is None:
            return gettext("Batch plan: the best fill under the project's rules.")
        return gettext("Batch plan of %(when)s: the best fill under the project's rules.") % {
            "when": local_moment(plan_at)
        }
    return ""


def local_moment(moment: dt.datetime) -> str:
    """A moment in a sentence: day and time in Amsterdam, in the current language."""
    return date_format(timezone.localtime(moment), "j F Y H:i")


def local_day(iso: str) -> str:
    """A day kept as an ISO date, as a sentence shows it ("3 maart 2026")."""
    return date_format(dt.date.fromisoformat(iso), "j F Y")


class LetterMail(models.TextChoices):
    """Where an offer letter's e-mail to the candidate stands."""

    NOT_SENT = "", _("Not e-mailed")
    QUEUED = "queued", _("Being sent")
    SENT = "sent", _("E-mailed")
    FAILED = "failed", _("Could not be e-mailed")


def offer_letter_upload_to(offer: "Offer", filename: str) -> str:
    return f"offers/{offer.pk}/{filename}"


class OfferQuerySet(models.QuerySet):
    def for_user(self, user) -> "OfferQuerySet":
        return self.filter(vacancy__project__in=Project.objects.for_user(user))


class Offer(models.Model):
    """A unit offered to one candidate, with the ranking as it stood when staff chose."""

    vacancy = models.ForeignKey(
        Vacancy, verbose_name=_("vacancy"), on_delete=models.CASCADE, related_name="offers"
    )
    application = models.ForeignKey(
        Application, verbose_name=_("candidate"), on_delete=models.PROTECT, related_name="offers"
    )
    rank = models.PositiveIntegerField(_("rank when chosen"))
    score = models.DecimalField(_("score when chosen"), max_digits=5, decimal_places=1)
    explanation = models.JSONField(_("explanation when chosen"), default=list)
    breaks_band = models.BooleanField(_("breaks a band"), default=False)
    reason = models.TextField(_("reason"), blank=True, help_text=_("As staff typed it."))
    reason_code = models.CharField(
        _("reason given by the system"),
        max_length=20,
        choices=OfferReason.choices,
        blank=True,
        help_text=_("Set when the offer followed the association's vote or a batch plan."),
    )
    reply_by = models.DateField(_("reply by"))
    status = models.CharField(
        _("status"), max_length=10, choices=OfferStatus.choices, default=OfferStatus.OPEN
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("offered by"),
        on_delete=models.SET_NULL,
        null=True,
        related_name="+",
    )
    created_at = models.DateTimeField(_("offered at"), auto_now_add=True)
    responded_at = models.DateTimeField(_("answered at"), null=True, blank=True)
    response_note = models.TextField(_("note on the answer"), blank=True)
    contract = models.OneToOneField(
        "residents.Contract",
        verbose_name=_("draft contract"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="offer",
    )
    plan = models.ForeignKey(
        "FillPlan",
        verbose_name=_("from plan"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="offers",
    )

    letter = models.FileField(_("offer letter"), upload_to=offer_letter_upload_to, blank=True)
    letter_mail = models.CharField(
        _("offer letter e-mail"),
        max_length=10,
        choices=LetterMail.choices,
        default=LetterMail.NOT_SENT,
        blank=True,
    )
    letter_mailed_to = models.EmailField(_("offer letter e-mailed to"), blank=True)
    letter_mailed_at = models.DateTimeField(_("offer letter e-mailed at"), null=True, blank=True)
    letter_mail_error = models.CharField(_("e-mail error"), max_length=300, blank=True)

    objects = OfferQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name = _("offer")
        verbose_name_plural = _("offers")
        indexes = [models.Index(fields=["status", "reply_by"])]
        constraints = [
            models.UniqueConstraint(
                fields=["vacancy"],
                condition=Q(status="open"),
                name="one_open_offer_per_vacancy",
                violation_error_message=_("This vacancy has an offer out already."),
            ),
            models.UniqueConstraint(
                fields=["application"],
                condition=Q(status="open"),
                name="one_open_offer_per_candidate",
                violation_error_message=_("This candidate has an open offer already."),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.vacancy} → {self.application}"

    def get_absolute_url(self) -> str:
        return reverse("allocation:offer_detail", args=[self.pk])

    @cached_property
    def explanation_lines(self) -> list[scoring.Line]:
        """The explanation staff saw, rendered in the reader's language (one query for the target
        groups' names). Lines stored as text before they kept their facts are shown as stored."""
        ids = {
            item["params"]["group"]
            for item in self.explanation
            if "group" in (item.get("params") or {})
        }
        labels = scoring.Labels(
            groups=TargetGroup.objects.in_bulk(ids) if ids else {},
            intake=dict(IntakeOutcome.choices),
        )
        return [scoring.Line.from_stored(item, labels) for item in self.explanation]

    @property
    def reason_text(self) -> str:
        """Why this candidate: what staff typed, else the system's reason in the reader's
        language."""
        if self.reason or not self.reason_code:
            return self.reason
        plan_at = self.plan.created_at if self.plan_id else None
        return offer_reason_sentence(self.reason_code, plan_at)


class EventKind(models.TextChoices):
    OPENED = "opened", _("Vacancy opened")
    OFFERED = "offered", _("Offer made")
    ACCEPTED = "accepted", _("Offer accepted")
    DECLINED = "declined", _("Offer declined")
    EXPIRED = "expired", _("Offer expired")
    OFFER_WITHDRAWN = "offer_withdrawn", _("Offer withdrawn")
    WITHDRAWN = "withdrawn", _("Vacancy withdrawn")
    VOTE_OPENED = "vote_opened", _("Association vote opened")
    VOTE_CLOSED = "vote_closed", _("Association vote closed")
    VOTE_CANCELLED = "vote_cancelled", _("Association vote cancelled")
    VOTE_DECIDED = "vote_decided", _("Decision on the association's vote")
    LETTER_MADE = "letter_made", _("Offer letter made")
    LETTER_SENT = "letter_sent", _("Offer letter e-mailed")
    LETTER_FAILED = "letter_failed", _("Offer letter could not be e-mailed")


class AllocationEvent(models.Model):
    """One step in a vacancy's letting: who, when, why, and the rank and score at that moment.

    Rows are only ever added (services.py); the admin shows them read-only.
    """

    vacancy = models.ForeignKey(
        Vacancy, verbose_name=_("vacancy"), on_delete=models.CASCADE, related_name="events"
    )
    kind = models.CharField(_("step"), max_length=20, choices=EventKind.choices)
    at = models.DateTimeField(_("at"), auto_now_add=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("by"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        help_text=_("Empty when the system took the step (an offer that expired)."),
    )
    application = models.ForeignKey(
        Application,
        verbose_name=_("candidate"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    offer = models.ForeignKey(
        Offer,
        verbose_name=_("offer"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="events",
    )
    rank = models.PositiveIntegerField(_("rank"), null=True, blank=True)
    score = models.DecimalField(_("score"), max_digits=5, decimal_places=1, null=True, blank=True)
    reason = models.TextField(_("reason"), blank=True, help_text=_("What a person typed."))
    # What the system knew of the step, rendered in the reader's language by `facts_text`:
    # opened {"contract": id}; expired {"reply_by": ISO date}; offered {"offer_reason": code,
    # "plan_at": ISO moment}; vote opened {"candidates", "voters", "last_day"}; vote closed
    # {"outcome": code, "voted", "electorate"}; vote decided {"decision": code}.
    facts = models.JSONField(_("facts"), default=dict, blank=True)

    class Meta:
        ordering = ["at", "pk"]
        verbose_name = _("allocation step")
        verbose_name_plural = _("allocation steps")
        indexes = [models.Index(fields=["vacancy", "at"])]

    def __str__(self) -> str:
        return f"{self.vacancy}: {self.get_kind_display()}"

    @property
    def text(self) -> str:
        """Why, in the reader's language: the system's sentence from the facts, then what a
        person typed. A step logged before events kept their facts shows its reason as it is."""
        return "\n".join(part for part in (self.facts_text, self.reason) if part)

    @property
    def facts_text(self) -> str:
        """The system's sentence for the step, in the current language; empty without facts."""
        from .votes import Decision, Outcome

        facts = self.facts or {}
        if self.kind == EventKind.OPENED and "contract" in facts:
            return gettext("End of contract %(contract)s") % {
                "contract": self._contract or f"#{facts['contract']}"
            }
        if self.kind == EventKind.EXPIRED and "reply_by" in facts:
            return gettext("No reply by %(date)s.") % {"date": local_day(facts["reply_by"])}
        if self.kind == EventKind.OFFERED and "offer_reason" in facts:
            plan_at = facts.get("plan_at")
            return offer_reason_sentence(
                facts["offer_reason"], dt.datetime.fromisoformat(plan_at) if plan_at else None
            )
        if self.kind == EventKind.VOTE_OPENED and "last_day" in facts:
            return gettext("%(n)s candidates, %(voters)s voters, last day %(day)s") % {
                "n": facts["candidates"],
                "voters": facts["voters"],
                "day": local_day(facts["last_day"]),
            }
        if self.kind == EventKind.VOTE_CLOSED and "outcome" in facts:
            return gettext("%(outcome)s; %(voted)s of %(size)s voted") % {
                "outcome": _label(Outcome, facts["outcome"]),
                "voted": facts["voted"],
                "size": facts["electorate"],
            }
        if self.kind == EventKind.VOTE_DECIDED and "decision" in facts:
            return _label(Decision, facts["decision"])
        if self.kind == EventKind.LETTER_MADE:
            if facts.get("mail_to"):
                return gettext("To be e-mailed to %(to)s") % {"to": facts["mail_to"]}
            return gettext("Not e-mailed: give it to the candidate another way.")
        if self.kind == EventKind.LETTER_SENT and "to" in facts:
            return gettext("To %(to)s") % {"to": facts["to"]}
        if self.kind == EventKind.LETTER_FAILED and "error" in facts:
            return facts["error"]
        return ""

    @cached_property
    def _contract(self) -> Contract | None:
        return (
            Contract.objects.select_related("contract_type", "person", "unit")
            .filter(pk=self.facts["contract"])
            .first()
        )


def _label(choices, code: str) -> str:
    try:
        return str(choices(code).label)
    except ValueError:
        return code


class FillPlan(models.Model):
    """A batch plan for a project's open vacancies, kept so staff can inspect it before offering."""

    project = models.ForeignKey(
        Project, verbose_name=_("project"), on_delete=models.CASCADE, related_name="fill_plans"
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("made by"),
        on_delete=models.SET_NULL,
        null=True,
        related_name="+",
    )
    created_at = models.DateTimeField(_("made at"), auto_now_add=True)
    status = models.CharField(_("status"), max_length=20)
    reason = models.TextField(_("reason"), blank=True)
    filled = models.PositiveIntegerField(_("units filled"), default=0)
    vacancies = models.PositiveIntegerField(_("open vacancies"), default=0)
    candidates = models.PositiveIntegerField(_("eligible candidates"), default=0)
    total_priority = models.IntegerField(_("total priority"), default=0)
    counted_on = models.DateField(_("mix counted on"))
    # [{"vacancy": id, "application": id, "priority": int}] as the solver returned them.
    assignments = models.JSONField(_("assignments"), default=list)
    offers_made_at = models.DateTimeField(_("offers made at"), null=True, blank=True)

    objects = ScopedByProjectQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name = _("fill plan")
        verbose_name_plural = _("fill plans")

    def __str__(self) -> str:
        return f"{self.project} {self.created_at:%Y-%m-%d %H:%M}"

    def get_absolute_url(self) -> str:
        return reverse("allocation:plan_detail", args=[self.pk])
