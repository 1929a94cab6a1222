"""Celery tasks: thin wrappers that take ids, reload, and call magicmix.reminders."""

from celery import shared_task
from django.db import transaction
from django.utils import timezone

from . import reminders
from .models import RunTrigger


def enqueue_deliveries(ids: list[int]) -> None:
    """Queue one delivery task per id once the surrounding transaction (if any) commits."""
    for pk in ids:
        transaction.on_commit(lambda pk=pk: deliver_reminder.delay(pk))


@shared_task(acks_late=True, reject_on_worker_lost=True)
def run_reminders(trigger: str = RunTrigger.DAILY) -> dict:
    """The scheduler's entry point (daily and hourly): make what fell due, queue what is unsent."""
    run = reminders.reminders_run(
        today=timezone.localdate(), trigger=trigger, dispatch=enqueue_deliveries
    )
    return {"created": run.reminders_created, "queued": run.deliveries_queued}


@shared_task(bind=True, acks_late=True, reject_on_worker_lost=True, max_retries=None)
def deliver_reminder(self, delivery_id: int) -> str:
    outcome = reminders.delivery_send(delivery_id)
    if outcome == "failed":
        # The row also holds next_attempt_at, so the hourly catch-up retries it should this
        # retry be lost with its worker.
        attempts = self.request.retries + 1
        raise self.retry(countdown=reminders.backoff(attempts).total_seconds())
    return outcome


@shared_task(acks_late=True, reject_on_worker_lost=True)
def publish_dashboards() -> int:
    """Nightly: compute and keep the figures of every closed period not kept yet."""
    from .dashboard.store import publish_closed

    return publish_closed()


@shared_task(acks_late=True, reject_on_worker_lost=True)
def run_notice_batch(batch_id: int) -> str:
    """Make and record a batch of notice letters (magicmix.notice_batch)."""
    from .notice_batch import batch_run

    return batch_run(batch_id)
