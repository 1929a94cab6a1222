"""A CSV import run as a background task (residents.csv_jobs), with its progress and outcome."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from projects.models import Project

__all__ = ["CsvImport", "ImportStatus"]


class ImportStatus(models.TextChoices):
    QUEUED = "queued", _("Waiting to start")
    RUNNING = "running", _("Checking and saving")
    DONE = "done", _("Imported")
    FAILED = "failed", _("Not imported: nothing saved")


class CsvImport(models.Model):
    """One upload: the file waits here (and only while the import has not finished; then it is
    erased, as it holds personal data) for the task that checks and saves every row, all or
    nothing. Its outcome (the summary, or every bad row) is kept for its page."""

    project = models.ForeignKey(
        Project, verbose_name=_("project"), on_delete=models.CASCADE, related_name="+"
    )
    kind = models.CharField(_("what"), max_length=10)  # "units" or "people" (csv_views.IMPORTS)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("started by"),
        on_delete=models.CASCADE,
        related_name="+",
    )
    language = models.CharField(_("language"), max_length=10, choices=settings.LANGUAGES)
    file_name = models.CharField(_("file"), max_length=255)
    data = models.BinaryField(_("file content"), editable=False)
    status = models.CharField(
        _("status"), max_length=10, choices=ImportStatus.choices, default=ImportStatus.QUEUED
    )
    total_rows = models.PositiveIntegerField(_("rows"), default=0)
    created_at = models.DateTimeField(_("started at"), auto_now_add=True)
    started_at = models.DateTimeField(_("running since"), null=True, blank=True)
    finished_at = models.DateTimeField(_("finished at"), null=True, blank=True)
    summary = models.TextField(_("summary"), blank=True)
    file_errors = models.JSONField(_("file errors"), default=list, blank=True)
    errors = models.JSONField(_("row errors"), default=list, blank=True)  # [row, column, message]

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name = _("CSV import")
        verbose_name_plural = _("CSV imports")

    def __str__(self) -> str:
        return f"{self.file_name} ({self.get_status_display()})"

    @property
    def finished(self) -> bool:
        return self.status in (ImportStatus.DONE, ImportStatus.FAILED)

    @property
    def bad_row_count(self) -> int:
        return len({row for row, _column, _message in self.errors})
