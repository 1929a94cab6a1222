"""Letters the product made and kept: a contract's documents (the contract summary, an omklap
decision letter) and the batches of notice letters made from the worklist.

The notice letter itself is kept with its Notice (Notice.document); the offer letter with its
Offer (allocation). Every file is served only through a view that checks access first.
"""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from projects.models import LetterKind

from .core import Contract

__all__ = ["BatchStatus", "ContractDocument", "NoticeBatch"]


def document_upload_to(document: "ContractDocument", filename: str) -> str:
    return f"documents/{document.contract_id}/{filename}"


class ContractDocument(models.Model):
    """A letter made for a contract (projects.letters), as it was sent or handed over."""

    contract = models.ForeignKey(
        Contract, verbose_name=_("contract"), on_delete=models.CASCADE, related_name="documents"
    )
    kind = models.CharField(_("kind of letter"), max_length=20, choices=LetterKind.choices)
    language = models.CharField(_("language"), max_length=10, choices=settings.LANGUAGES)
    title = models.CharField(_("title"), max_length=200)
    file = models.FileField(_("file"), upload_to=document_upload_to)
    made_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("made by"),
        on_delete=models.SET_NULL,
        null=True,
        related_name="+",
    )
    made_by_name = models.CharField(_("made by (name)"), max_length=200, blank=True)
    made_at = models.DateTimeField(_("made at"), auto_now_add=True)

    class Meta:
        ordering = ["-made_at", "-pk"]
        verbose_name = _("contract document")
        verbose_name_plural = _("contract documents")

    def __str__(self) -> str:
        return self.title


class BatchStatus(models.TextChoices):
    QUEUED = "queued", _("Waiting to start")
    RUNNING = "running", _("Making the letters")
    DONE = "done", _("Done")
    FAILED = "failed", _("Failed: nothing recorded")


def batch_upload_to(batch: "NoticeBatch", filename: str) -> str:
    return f"notice-batches/{batch.pk}/{filename}"


class NoticeBatch(models.Model):
    """All notice letters due on one day, made at once: one PDF, and a notice recorded for each
    contract, all or none (residents.batches)."""

    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("started by"),
        on_delete=models.CASCADE,
        related_name="+",
    )
    created_at = models.DateTimeField(_("started at"), auto_now_add=True)
    given_on = models.DateField(_("date given"))
    means = models.CharField(_("means"), max_length=20)
    contract_ids = models.JSONField(_("contracts"), default=list)
    status = models.CharField(
        _("status"), max_length=10, choices=BatchStatus.choices, default=BatchStatus.QUEUED
    )
    done = models.PositiveIntegerField(_("letters made"), default=0)
    error = models.TextField(_("error"), blank=True)
    file = models.FileField(_("file"), upload_to=batch_upload_to, blank=True)
    finished_at = models.DateTimeField(_("finished at"), null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name = _("batch of notice letters")
        verbose_name_plural = _("batches of notice letters")

    def __str__(self) -> str:
        return f"{self.created_at:%Y-%m-%d %H:%M} ({len(self.contract_ids)})"

    @property
    def total(self) -> int:
        return len(self.contract_ids)

    @property
    def percent(self) -> int:
        return round(100 * self.done / self.total) if self.total else 100

    @property
    def finished(self) -> bool:
        return self.status in (BatchStatus.DONE, BatchStatus.FAILED)
