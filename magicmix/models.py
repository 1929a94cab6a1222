"""Reminders: what fell due on which contract, who it went to, and when the scheduler last ran.

The database is the source of truth. A reminder is one row per (contract, kind, due date), made
with INSERT ... ON CONFLICT DO NOTHING, so a second scheduler or a rerun cannot make another; each
recipient's delivery is one row too, and it is marked sent in the same transaction that held its
row lock while the e-mail went out (see magicmix.reminders.delivery_send).
"""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from residents.models import Contract


class ReminderKind(models.TextChoices):
    NOTICE_OPENS = "notice_opens", _("Notice window opens")
    NOTICE_CLOSING = "notice_closing", _("Notice window closes in 14 days, no notice recorded")
    NOTICE_MISSED = "notice_missed", _("Notice window missed")
    CHECKIN_DUE = "checkin_due", _("Check-in due")
    CHECKIN_OVERDUE = "checkin_overdue", _("Check-in overdue")
    EVALUATION_DUE = "evaluation_due", _("Omklap evaluation due in 60 days")
    EVALUATION_OVERDUE = "evaluation_overdue", _("Omklap evaluation overdue")


# Kinds whose reminder also goes to the contract's care contact.
CARE_KINDS = frozenset({ReminderKind.CHECKIN_DUE, ReminderKind.CHECKIN_OVERDUE})


class Reminder(models.Model):
    contract = models.ForeignKey(
        Contract, verbose_name=_("contract"), on_delete=models.CASCADE, related_name="reminders"
    )
    kind = models.CharField(_("kind"), max_length=30, choices=ReminderKind.choices)
    due_date = models.DateField(_("due date"))
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        ordering = ["-due_date", "kind", "pk"]
        verbose_name = _("reminder")
        verbose_name_plural = _("reminders")
        constraints = [
            models.UniqueConstraint(
                fields=["contract", "kind", "due_date"], name="one_reminder_per_due_date"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} – {self.contract} ({self.due_date})"


class DeliveryQuerySet(models.QuerySet):
    def unsent(self) -> "DeliveryQuerySet":
        return self.filter(sent_at__isnull=True, cancelled_at__isnull=True)

    def ready(self, now) -> "DeliveryQuerySet":
        """Unsent deliveries whose next attempt is due (the catch-up's work)."""
        return self.unsent().filter(Q(next_attempt_at__isnull=True) | Q(next_attempt_at__lte=now))

    def unread_for(self, user) -> "DeliveryQuerySet":
        return self.filter(recipient=user, read_at__isnull=True, cancelled_at__isnull=True)


class Delivery(models.Model):
    """One recipient's copy of a reminder: an e-mail and an entry in their in-app list."""

    reminder = models.ForeignKey(
        Reminder, verbose_name=_("reminder"), on_delete=models.CASCADE, related_name="deliveries"
    )
    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("recipient"),
        on_delete=models.CASCADE,
        related_name="reminder_deliveries",
    )
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    next_attempt_at = models.DateTimeField(_("next attempt"), null=True, blank=True)
    last_error = models.CharField(_("last error"), max_length=300, blank=True)
    sent_at = models.DateTimeField(_("e-mailed at"), null=True, blank=True)
    cancelled_at = models.DateTimeField(
        _("cancelled at"),
        null=True,
        blank=True,
        help_text=_("Set when the reminder no longer applied by the time it was to be sent."),
    )
    read_at = models.DateTimeField(_("read at"), null=True, blank=True)

    objects = DeliveryQuerySet.as_manager()

    class Meta:
        ordering = ["-reminder__due_date", "pk"]
        verbose_name = _("reminder delivery")
        verbose_name_plural = _("reminder deliveries")
        constraints = [
            models.UniqueConstraint(
                fields=["reminder", "recipient"], name="one_delivery_per_recipient"
            ),
        ]
        indexes = [
            models.Index(
                fields=["next_attempt_at"],
                condition=Q(sent_at__isnull=True, cancelled_at__isnull=True),
                name="delivery_unsent",
            ),
            models.Index(
                fields=["recipient", "read_at"],
                name="delivery_inbox",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.reminder} → {self.recipient}"

    @property
    def status(self) -> str:
        if self.sent_at:
            return _("e-mailed")
        if self.cancelled_at:
            return _("no longer needed")
        if self.attempts:
            return _("e-mail failed, retrying")
        return _("waiting to be sent")


class RunTrigger(models.TextChoices):
    DAILY = "daily", _("Daily run")
    HOURLY = "hourly", _("Hourly catch-up")
    MANUAL = "manual", _("Command line")


class ReminderRun(models.Model):
    """One pass of the scheduler: the heartbeat staff see."""

    trigger = models.CharField(_("trigger"), max_length=10, choices=RunTrigger.choices)
    today = models.DateField(_("for the day"))
    started_at = models.DateTimeField(_("started at"), auto_now_add=True)
    finished_at = models.DateTimeField(_("finished at"), null=True, blank=True)
    reminders_created = models.PositiveIntegerField(_("reminders created"), default=0)
    deliveries_queued = models.PositiveIntegerField(_("e-mails queued"), default=0)

    class Meta:
        ordering = ["-started_at"]
        get_latest_by = "finished_at"
        verbose_name = _("reminder run")
        verbose_name_plural = _("reminder runs")
        indexes = [models.Index(fields=["-finished_at"], name="reminder_run_finished")]

    def __str__(self) -> str:
        return f"{self.get_trigger_display()} {self.started_at:%Y-%m-%d %H:%M}"


class PublishedDashboard(models.Model):
    """A closed period's published dashboard figures, computed once (magicmix.dashboard.store):
    every later page and CSV of that period shows these, whatever changes in the records."""

    scope = models.CharField(_("scope"), max_length=200)
    period = models.CharField(_("period"), max_length=20)
    figures = models.JSONField(_("figures"))
    created_at = models.DateTimeField(_("computed at"), auto_now_add=True)

    class Meta:
        ordering = ["scope", "period"]
        verbose_name = _("published dashboard")
        verbose_name_plural = _("published dashboards")
        constraints = [
            models.UniqueConstraint(fields=["scope", "period"], name="one_dashboard_per_period")
        ]

    def __str__(self) -> str:
        return f"{self.scope} {self.period}"
