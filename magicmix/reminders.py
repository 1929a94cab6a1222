"""Contract reminders: which fall due (the rules), making each once, e-mailing each once.

A run (daily, hourly catch-up, or `manage.py send_reminders`) does three things:

1. `due_between(since, until)` applies the rules below to every active contract that has dates
   to keep; `since` reaches back `REMINDER_LOOKBACK_DAYS`, so days the scheduler missed are
   caught up.
2. `reminders_create` inserts one Reminder per (contract, kind, due date) and one Delivery per
   recipient, both with ON CONFLICT DO NOTHING: a second scheduler or a rerun makes nothing new.
3. every unsent delivery whose attempt is due is handed to `dispatch` (a Celery task per id,
   enqueued after commit, or a plain loop in the command); `delivery_send` e-mails it at most
   once.

The rules, for an active contract (days are calendar days, months calendar months):

- notice window opens: on the window's first day (ContractType.notice_window);
- notice window closes in 14 days: 14 days before its last day, if no notice is recorded;
- notice window missed: the day after its last day, if no notice is recorded;
- check-in due: `Project.checkin_every_months` after the last check-in (or the start);
- check-in overdue: `REMINDER_CHECKIN_GRACE_DAYS` after that, if still none;
- evaluation due: 60 days before the guidance period's last day;
- evaluation overdue: the day after that last day, while the omklap contract still runs.

A staff decision on a missed window (convert, or an exception) ends its notice reminders.
"""

import datetime as dt
import logging
import smtplib
from collections.abc import Callable, Iterable
from dataclasses import dataclass

from django.conf import settings
from django.core.mail import EmailMessage
from django.db import transaction
from django.db.models import Q
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation

from projects.models import staff_to_notify, user_language
from residents.dates import add_months
from residents.lifecycle import EVALUATION_DAYS, checkin_grace, next_checkin
from residents.models import Contract, ContractStatus

from .models import CARE_KINDS, Delivery, Reminder, ReminderKind, ReminderRun

log = logging.getLogger(__name__)

CLOSING_DAYS = 14


@dataclass(frozen=True)
class Due:
    contract_id: int
    kind: str
    due_date: dt.date


def with_facts(contracts):
    """What the rules need: a recorded notice, a lapse decision, the last check-in."""
    return contracts.select_related("contract_type", "unit__project").with_deadline_facts()


def due_dates(contract) -> list[tuple[str, dt.date]]:
    """Every (kind, due date) the rules give this contract (loaded through `with_facts`)."""
    if contract.status != ContractStatus.ACTIVE:
        return []
    dates: list[tuple[str, dt.date]] = []
    window = contract.notice_window
    if window and not contract.has_notice and not contract.lapse_decided:
        dates += [
            (ReminderKind.NOTICE_OPENS, window.opens),
            (ReminderKind.NOTICE_CLOSING, window.closes - dt.timedelta(days=CLOSING_DAYS)),
            (ReminderKind.NOTICE_MISSED, window.closes + dt.timedelta(days=1)),
        ]
    if contract.contract_type.is_omklap:
        checkin = next_checkin(contract)
        dates += [
            (ReminderKind.CHECKIN_DUE, checkin),
            (ReminderKind.CHECKIN_OVERDUE, checkin + checkin_grace()),
        ]
        end = contract.guidance_end
        if end:
            dates += [
                (ReminderKind.EVALUATION_DUE, end - dt.timedelta(days=EVALUATION_DAYS)),
                (ReminderKind.EVALUATION_OVERDUE, end + dt.timedelta(days=1)),
            ]
    return dates


def candidates(since: dt.date, until: dt.date):
    """Active contracts that can have a reminder due in [since, until]."""
    # A notice reminder falls at most a day after the end date and at most 24 months before it.
    notice = Q(
        contract_type__notice_required=True,
        end_date__gte=since - dt.timedelta(days=1),
        end_date__lte=add_months(until, 25),
    )
    return with_facts(
        Contract.objects.filter(status=ContractStatus.ACTIVE).filter(
            notice | Q(contract_type__is_omklap=True)
        )
    )


def due_between(since: dt.date, until: dt.date) -> list[Due]:
    return [
        Due(contract.pk, kind, day)
        for contract in candidates(since, until)
        for kind, day in due_dates(contract)
        if since <= day <= until
    ]


def due_on(day: dt.date) -> list[Due]:
    """The reminders that fall due on exactly `day`."""
    return due_between(day, day)


@dataclass(frozen=True)
class ContractReminders:
    upcoming: list[tuple[str, dt.date]]
    past: list[Reminder]


def contract_reminders(contract: Contract, today: dt.date) -> ContractReminders:
    """A contract's reminders: those the rules still give after today, and those made already.

    `contract` needs `with_deadline_facts()`.
    """
    upcoming = sorted(
        ((ReminderKind(kind).label, day) for kind, day in due_dates(contract) if day > today),
        key=lambda row: row[1],
    )
    past = list(
        Reminder.objects.filter(contract=contract).prefetch_related("deliveries__recipient")
    )
    return ContractReminders(upcoming=upcoming, past=past)


def recipients(contracts: Iterable[Contract]) -> dict[int, list[int]]:
    """project id -> user ids of its responsible staff (or all its corporation's staff)."""
    return staff_to_notify({c.unit.project_id: c.unit.project for c in contracts}.values())


@transaction.atomic
def reminders_create(dues: list[Due]) -> int:
    """Make the reminders and their deliveries that do not exist yet; returns how many were new."""
    if not dues:
        return 0
    contract_ids = {d.contract_id for d in dues}
    keys = {(d.contract_id, d.kind, d.due_date) for d in dues}
    existing = Reminder.objects.filter(contract_id__in=contract_ids)
    before = {(r.contract_id, r.kind, r.due_date) for r in existing}
    Reminder.objects.bulk_create(
        [Reminder(contract_id=c, kind=k, due_date=d) for c, k, d in sorted(keys - before)],
        ignore_conflicts=True,
    )
    reminders = [
        r
        for r in existing.select_related("contract__unit__project")
        if (r.contract_id, r.kind, r.due_date) in keys
    ]
    staff = recipients(r.contract for r in reminders)
    deliveries = []
    for reminder in reminders:
        users = set(staff[reminder.contract.unit.project_id])
        if reminder.kind in CARE_KINDS and reminder.contract.care_worker_id:
            users.add(reminder.contract.care_worker_id)
        deliveries += [Delivery(reminder=reminder, recipient_id=u) for u in sorted(users)]
    Delivery.objects.bulk_create(deliveries, ignore_conflicts=True)
    return len(keys - before)


def reminders_run(
    *, today: dt.date, trigger: str, dispatch: Callable[[list[int]], None]
) -> ReminderRun:
    """One scheduler pass: make what fell due since the lookback, then dispatch what is unsent."""
    run = ReminderRun.objects.create(trigger=trigger, today=today)
    since = today - dt.timedelta(days=settings.REMINDER_LOOKBACK_DAYS)
    run.reminders_created = reminders_create(due_between(since, today))
    ready = list(
        Delivery.objects.ready(timezone.now())
        .filter(reminder__due_date__lte=today)
        .order_by("pk")
        .values_list("pk", flat=True)
    )
    dispatch(ready)
    run.deliveries_queued = len(ready)
    run.finished_at = timezone.now()
    run.save(update_fields=["reminders_created", "deliveries_queued", "finished_at"])
    return run


def last_run() -> ReminderRun | None:
    return ReminderRun.objects.filter(finished_at__isnull=False).order_by("-finished_at").first()


def heartbeat_stale(run: ReminderRun | None, now: dt.datetime | None = None) -> bool:
    """True when no run finished in the last REMINDER_HEARTBEAT_HOURS (the scheduler stopped)."""
    now = now or timezone.now()
    limit = dt.timedelta(hours=settings.REMINDER_HEARTBEAT_HOURS)
    return run is None or now - run.finished_at > limit


def still_applies(reminder: Reminder) -> bool:
    """Whether the rules still give this reminder (a notice or decision may have come since)."""
    contract = with_facts(Contract.objects.filter(pk=reminder.contract_id)).first()
    return contract is not None and (reminder.kind, reminder.due_date) in due_dates(contract)


def backoff(attempts: int) -> dt.timedelta:
    """Wait 2, 4, 8 ... minutes between failed attempts, at most 6 hours."""
    return min(dt.timedelta(minutes=2**attempts), dt.timedelta(hours=6))


def reminder_link(reminder: Reminder, user, *, absolute: bool = True) -> str:
    """Staff open the contract; a care worker opens the trajectory, the one page they have."""
    contract = reminder.contract
    if user.pk == contract.care_worker_id:
        path = reverse("residents:trajectory_detail", args=[contract.pk])
    else:
        path = contract.get_absolute_url()
    return settings.SITE_URL.rstrip("/") + path if absolute else path


def delivery_message(delivery: Delivery) -> EmailMessage:
    """The e-mail for one delivery, written in the recipient's language."""
    reminder, user = delivery.reminder, delivery.recipient
    with translation.override(user_language(user)):
        context = {
            "reminder": reminder,
            "contract": reminder.contract,
            "recipient": user,
            "link": reminder_link(reminder, user),
            "site_name": settings.SITE_NAME,
            "site_url": settings.SITE_URL.rstrip("/"),
        }
        subject = render_to_string("reminders/email_subject.txt", context).strip()
        body = render_to_string("reminders/email_body.txt", context)
    domain = settings.SITE_URL.split("://")[-1].split("/")[0].split(":")[0] or "magicmix"
    return EmailMessage(
        subject=subject,
        body=body,
        to=[user.email],
        # One Message-ID per delivery: a receiving system can drop a copy it has seen.
        headers={"Message-ID": f"<reminder-delivery-{delivery.pk}@{domain}>"},
    )


def delivery_send(delivery_id: int, *, using: str = "default") -> str:
    """E-mail one delivery unless it went already; returns sent, skipped, cancelled or failed.

    The delivery's row stays locked (FOR UPDATE) while the e-mail goes out, and `sent_at` is
    written in that same transaction. A worker killed before the commit leaves the row unsent and
    unlocked, so the catch-up sends it again; a second worker skips a locked row. Only a kill
    between the mail server's acceptance and the commit (microseconds) can still repeat an e-mail,
    and its Message-ID is then the same.
    """
    now = timezone.now()
    with transaction.atomic():
        delivery = (
            Delivery.objects.unsent()
            .select_for_update(skip_locked=True, of=("self",))
            .select_related(
                "recipient__profile",
                "reminder__contract__person",
                "reminder__contract__unit__project",
                "reminder__contract__contract_type",
            )
            .filter(pk=delivery_id)
            .first()
        )
        if delivery is None:
            return "skipped"
        if not delivery.recipient.is_active or not still_applies(delivery.reminder):
            delivery.cancelled_at = now
            delivery.save(update_fields=["cancelled_at"])
            return "cancelled"
        delivery.attempts += 1
        try:
            delivery_message(delivery).send(using=using)
        except (smtplib.SMTPException, OSError) as exc:
            log.warning("Reminder delivery %s failed: %s", delivery.pk, exc)
            delivery.last_error = str(exc)[:300]
            delivery.next_attempt_at = now + backoff(delivery.attempts)
            delivery.save(update_fields=["attempts", "last_error", "next_attempt_at"])
            return "failed"
        delivery.sent_at = timezone.now()
        delivery.next_attempt_at = None
        delivery.save(update_fields=["attempts", "sent_at", "next_attempt_at"])
        return "sent"
