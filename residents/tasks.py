"""Celery tasks of the residents app: thin wrappers around the services."""

from celery import shared_task

from . import retention
from .models import RetentionTrigger


@shared_task(acks_late=True, reject_on_worker_lost=True)
def run_retention() -> dict:
    """Nightly: anonymise what is past its retention period and purge expired audit entries.

    Idempotent by database state: an anonymised person is never due again, so a rerun or a
    second beat finds nothing left to do (it records a run of zeros).
    """
    record = retention.run(dry_run=False, trigger=RetentionTrigger.SCHEDULE)
    return {"run": record.pk, "persons": record.persons_count, "audit": record.audit_count}


@shared_task(acks_late=True, reject_on_worker_lost=True)
def run_csv_import(job_id: int) -> str:
    """Check and save an uploaded CSV file, all rows or none (residents.csv_jobs)."""
    from . import csv_jobs

    return csv_jobs.run(job_id)
