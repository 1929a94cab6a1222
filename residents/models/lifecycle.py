"""A contract's life after signing: notices, lapsed windows, omklap check-ins, warnings and
guidance decisions. Each record says when, what and by whom; none holds a diagnosis."""

from django.conf import settings
from django.core.validators import FileExtensionValidator, MaxValueValidator, MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

from ..cellkeys import cell_key_field
from .core import NOTES_WARNING, Contract, Person

__all__ = [
    "CHECKIN_DOMAINS",
    "CheckIn",
    "GuidanceExtension",
    "LapseDecision",
    "LapseOutcome",
    "Notice",
    "NoticeMeans",
    "ResidentWarning",
]


class NoticeMeans(models.TextChoices):
    LETTER = "letter", _("Letter")
    EMAIL = "email", _("E-mail")
    IN_PERSON = "in_person", _("In person")


def notice_upload_to(notice: "Notice", filename: str) -> str:
    return f"notices/{notice.contract_id}/{filename}"


class Notice(models.Model):
    """The landlord's written notice that a fixed-term contract ends on its end date."""

    contract = models.ForeignKey(
        Contract, verbose_name=_("contract"), on_delete=models.CASCADE, related_name="notices"
    )
    given_on = models.DateField(_("date given"))
    means = models.CharField(_("means"), max_length=20, choices=NoticeMeans.choices)
    given_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("given by"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    document = models.FileField(
        _("document"),
        upload_to=notice_upload_to,
        blank=True,
        validators=[FileExtensionValidator(["pdf", "jpg", "jpeg", "png"])],
        help_text=_("Optional: a scan or PDF of the letter (PDF, JPG or PNG, at most 5 MB)."),
    )
    recorded_at = models.DateTimeField(_("recorded at"), auto_now_add=True)

    class Meta:
        ordering = ["-given_on", "-pk"]
        verbose_name = _("notice")
        verbose_name_plural = _("notices")

    def __str__(self) -> str:
        return f"{self.contract} – {self.given_on}"


class LapseOutcome(models.TextChoices):
    CONVERTED = "converted", _("Converted to an open-ended contract")
    EXCEPTION = "exception", _("Exception recorded")


class LapseDecision(models.Model):
    """Staff's decision on a contract whose notice window closed without a notice."""

    contract = models.OneToOneField(
        Contract,
        verbose_name=_("contract"),
        on_delete=models.CASCADE,
        related_name="lapse_decision",
    )
    outcome = models.CharField(_("decision"), max_length=20, choices=LapseOutcome.choices)
    reason = models.TextField(_("reason"), help_text=NOTES_WARNING)
    previous_end_date = models.DateField(_("previous end date"))
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("decided by"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    decided_at = models.DateTimeField(_("decided at"), auto_now_add=True)

    class Meta:
        verbose_name = _("decision on a missed notice")
        verbose_name_plural = _("decisions on missed notices")

    def __str__(self) -> str:
        return f"{self.contract}: {self.get_outcome_display()}"


score_validators = [MinValueValidator(1), MaxValueValidator(5)]

# The domains of independent living a check-in scores, 1 (worrying) to 5 (going well).
CHECKIN_DOMAINS = ("rent", "household", "social", "neighbours", "support")


class CheckIn(models.Model):
    """A monitoring conversation during an omklap trajectory."""

    contract = models.ForeignKey(
        Contract, verbose_name=_("contract"), on_delete=models.CASCADE, related_name="checkins"
    )
    held_on = models.DateField(_("date"))
    held_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("by"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    rent = models.PositiveSmallIntegerField(_("rent paid on time"), validators=score_validators)
    household = models.PositiveSmallIntegerField(_("household"), validators=score_validators)
    social = models.PositiveSmallIntegerField(_("social contacts"), validators=score_validators)
    neighbours = models.PositiveSmallIntegerField(
        _("getting on with neighbours"), validators=score_validators
    )
    support = models.PositiveSmallIntegerField(_("use of support"), validators=score_validators)
    note = models.TextField(_("note"), blank=True, help_text=NOTES_WARNING)
    recorded_at = models.DateTimeField(_("recorded at"), auto_now_add=True)

    class Meta:
        ordering = ["-held_on", "-pk"]
        verbose_name = _("check-in")
        verbose_name_plural = _("check-ins")
        indexes = [models.Index(fields=["contract", "-held_on"])]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(
                    *[(f"{d}__gte", 1) for d in CHECKIN_DOMAINS],
                    *[(f"{d}__lte", 5) for d in CHECKIN_DOMAINS],
                ),
                name="checkin_scores_1_to_5",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.contract} – {self.held_on}"

    @property
    def scores(self) -> list[tuple[str, int]]:
        return [(self._meta.get_field(d).verbose_name, getattr(self, d)) for d in CHECKIN_DOMAINS]


class ResidentWarning(models.Model):
    """A formal warning to a resident; after two, a resident can be asked to leave."""

    person = models.ForeignKey(
        Person, verbose_name=_("resident"), on_delete=models.CASCADE, related_name="warnings"
    )
    contract = models.ForeignKey(
        Contract,
        verbose_name=_("contract"),
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="warnings",
    )
    given_on = models.DateField(_("date"))
    reason = models.TextField(_("reason"), help_text=NOTES_WARNING)
    cell_key = cell_key_field()
    given_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("given by"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    recorded_at = models.DateTimeField(_("recorded at"), auto_now_add=True)

    class Meta:
        ordering = ["given_on", "pk"]
        verbose_name = _("warning")
        verbose_name_plural = _("warnings")
        indexes = [models.Index(fields=["person", "given_on"])]

    def __str__(self) -> str:
        return f"{self.person} – {self.given_on}"


class GuidanceExtension(models.Model):
    """An evaluation that extended an omklap contract's guidance period."""

    contract = models.ForeignKey(
        Contract,
        verbose_name=_("contract"),
        on_delete=models.CASCADE,
        related_name="guidance_extensions",
    )
    previous_end = models.DateField(_("previous end of guidance"))
    new_end = models.DateField(_("new end of guidance"))
    reason = models.TextField(_("reason"), help_text=NOTES_WARNING)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("decided by"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    decided_at = models.DateTimeField(_("decided at"), auto_now_add=True)

    class Meta:
        ordering = ["decided_at", "pk"]
        verbose_name = _("guidance extension")
        verbose_name_plural = _("guidance extensions")

    def __str__(self) -> str:
        return f"{self.contract}: {self.previous_end} → {self.new_end}"
