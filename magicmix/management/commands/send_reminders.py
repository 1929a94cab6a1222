"""Run the reminder scan now, without Celery: `manage.py send_reminders [--dry-run] [--today D]`.

It makes the reminders that fell due and e-mails every unsent one, one line each, exactly as the
scheduled task does; with --dry-run it prints what it would send and changes nothing.
"""

import datetime as dt

from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.utils import timezone

from magicmix import reminders
from magicmix.models import Delivery, RunTrigger


def parse_day(value: str) -> dt.date:
    try:
        return dt.date.fromisoformat(value)
    except ValueError as exc:
        raise CommandError(f"--today must be a date YYYY-MM-DD, not {value!r}") from exc


class Command(BaseCommand):
    help = "Make the contract reminders that fell due and e-mail those not sent yet."

    def add_arguments(self, parser):
        parser.add_argument(
            "--dry-run", action="store_true", help="Print what would be sent; change nothing."
        )
        parser.add_argument(
            "--today", type=parse_day, help="Run as if today were this date (YYYY-MM-DD)."
        )

    def handle(self, *args, dry_run: bool, today: dt.date | None, **options):
        today = today or timezone.localdate()

        def describe(delivery_ids: list[int], outcome_of) -> None:
            deliveries = Delivery.objects.filter(pk__in=delivery_ids).select_related(
                "recipient", "reminder__contract__person", "reminder__contract__unit__project"
            )
            for delivery in deliveries.order_by("reminder__due_date", "reminder__kind", "pk"):
                reminder, contract = delivery.reminder, delivery.reminder.contract
                self.stdout.write(
                    f"{reminder.due_date}  {reminder.kind:<18}  contract {contract.pk:<6} "
                    f"{contract.person} ({contract.unit.project.name} {contract.unit.number})  "
                    f"-> {delivery.recipient.email}  {outcome_of(delivery.pk)}"
                )

        def send(delivery_ids: list[int]) -> None:
            outcomes = {pk: reminders.delivery_send(pk) for pk in delivery_ids}
            describe(delivery_ids, outcomes.__getitem__)

        def would_send(delivery_ids: list[int]) -> None:
            describe(delivery_ids, lambda pk: "would send")

        if dry_run:
            # The same run, rolled back: nothing is made, sent or counted as a heartbeat.
            with transaction.atomic():
                run = reminders.reminders_run(
                    today=today, trigger=RunTrigger.MANUAL, dispatch=would_send
                )
                transaction.set_rollback(True)
        else:
            # No transaction around the sending: each delivery commits as soon as it is e-mailed.
            run = reminders.reminders_run(today=today, trigger=RunTrigger.MANUAL, dispatch=send)
        verb = "would make" if dry_run else "made"
        self.stdout.write(
            f"{today}: {verb} {run.reminders_created} new reminders; "
            f"{run.deliveries_queued} e-mails {'to send' if dry_run else 'handled'}."
        )
