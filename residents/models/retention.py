"""How long personal data is kept (AVG art. 5(1)(e)) and the record of each retention run.

The rules and what a run changes are in residents.retention; these are its settings and log.
"""

from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

from projects.models import Organisation, OrganisationKind

__all__ = [
    "DEFAULT_CANDIDATE_MONTHS",
    "DEFAULT_TENANT_MONTHS",
    "RetentionPolicy",
    "RetentionRun",
    "RetentionTrigger",
]

DEFAULT_TENANT_MONTHS = 24
DEFAULT_CANDIDATE_MONTHS = 12

# At least a month (a run never erases a tenancy the day after it ended), at most ten years.
months_validators = [MinValueValidator(1), MaxValueValidator(120)]


class RetentionPolicy(models.Model):
    """How long one corporation keeps personal data after it is no longer needed; a corporation
    without one keeps it the default periods."""

    corporation = models.OneToOneField(
        Organisation,
        verbose_name=_("housing corporation"),
        on_delete=models.CASCADE,
        related_name="retention_policy",
        limit_choices_to={"kind": OrganisationKind.CORPORATION},
    )
    tenant_months = models.PositiveSmallIntegerField(
        _("keep former tenants (months)"),
        default=DEFAULT_TENANT_MONTHS,
        validators=months_validators,
        help_text=_("Counted from the last day of the tenant's last contract."),
    )
    candidate_months = models.PositiveSmallIntegerField(
        _("keep candidates who were never placed (months)"),
        default=DEFAULT_CANDIDATE_MONTHS,
        validators=months_validators,
        help_text=_("Counted from the candidate's last application."),
    )

    class Meta:
        ordering = ["corporation__name"]
        verbose_name = _("retention policy")
        verbose_name_plural = _("retention policies")

    def __str__(self) -> str:
        return str(self.corporation)

    def clean(self) -> None:
        if self.corporation_id and self.corporation.kind != OrganisationKind.CORPORATION:
            raise ValidationError({"corporation": _("Choose a housing corporation.")})

    @classmethod
    def for_corporation(cls, corporation: Organisation) -> "RetentionPolicy":
        """The corporation's policy, or the defaults (unsaved) when it has none."""
        try:
            return corporation.retention_policy
        except cls.DoesNotExist:
            return cls(corporation=corporation)


class RetentionTrigger(models.TextChoices):
    SCHEDULE = "schedule", _("Scheduled run")
    COMMAND = "command", _("Command line")
    PAGE = "page", _("Administration page")


class RetentionRun(models.Model):
    """One retention run, real or dry: when, how it was started, and what it counted.

    `counts` is {corporation id (as text): {"name", "tenants", "candidates"}} plus
    {"audit": entries}; `planned` is, for a dry run only, what would go, as
    [{"kind", "id", "due"}] with the corporation's id: ids and dates, never a name.
    """

    started_at = models.DateTimeField(_("started at"))
    finished_at = models.DateTimeField(_("finished at"), null=True, blank=True)
    today = models.DateField(_("for the day"))
    dry_run = models.BooleanField(_("dry run"), default=False)
    trigger = models.CharField(_("started by"), max_length=10, choices=RetentionTrigger.choices)
    started_by = models.CharField(_("started by (user)"), max_length=254, blank=True)
    counts = models.JSONField(_("counts"), default=dict, blank=True)
    planned = models.JSONField(_("what would go"), default=list, blank=True)

    class Meta:
        ordering = ["-started_at", "-pk"]
        verbose_name = _("retention run")
        verbose_name_plural = _("retention runs")

    def __str__(self) -> str:
        kind = _("dry run") if self.dry_run else _("run")
        return f"{kind} {self.started_at:%Y-%m-%d %H:%M}"

    @property
    def corporation_counts(self) -> list[dict]:
        """[{"name", "tenants", "candidates"}] in name order, for pages."""
        rows = [value for key, value in self.counts.items() if key != "audit"]
        return sorted(rows, key=lambda row: row.get("name", ""))

    @property
    def audit_count(self) -> int:
        return self.counts.get("audit", 0)

    @property
    def tenants_count(self) -> int:
        return sum(row["tenants"] for row in self.corporation_counts)

    @property
    def candidates_count(self) -> int:
        return sum(row["candidates"] for row in self.corporation_counts)

    @property
    def persons_count(self) -> int:
        return self.tenants_count + self.candidates_count
