"""CSV imports as a background task, with a progress page.

The upload is checked as a file in the web request (not CSV, too big, another encoding, wrong
columns: answered at once, nothing queued). Then a CsvImport row holds the file and a Celery
task runs the import of csv_io: every row checked and saved in one transaction, all or nothing,
every bad row reported. While it runs, the task reports rows checked and saved to the cache
(inside the transaction the database cannot show them); the progress page reads them and
estimates the time left. Without Redis (the demo) the task runs in-process, and the same page
shows the outcome.

A task whose worker died mid-way left nothing saved (its transaction was rolled back), so a
redelivery may start it again: it claims a queued import, or a running one whose progress has
not moved for STALE_SECONDS.
"""

import io
import logging

from django.core.cache import cache
from django.db import transaction
from django.utils import timezone, translation

from . import csv_io
from .models import CsvImport, ImportStatus

log = logging.getLogger(__name__)

IMPORTERS = {"units": csv_io.units_import, "people": csv_io.persons_import}
STALE_SECONDS = 120


def _progress_key(pk: int) -> str:
    return f"magicmix:csv-import:{pk}"


def check_file(*, kind: str, upload) -> tuple[bytes, int]:
    """The file's bytes and its number of data rows; raises csv_io.CsvFileError for a file that
    cannot be imported at all."""
    data = upload.read(csv_io.MAX_FILE_SIZE + 1)
    rows = csv_io.read_csv(
        io.BytesIO(data), **csv_io.FILE_COLUMNS[kind], result=csv_io.ImportResult()
    )
    return data, len(rows)


def start(*, project, kind: str, upload, user, language: str) -> CsvImport:
    data, total = check_file(kind=kind, upload=upload)
    job = CsvImport.objects.create(
        project=project,
        kind=kind,
        created_by=user,
        language=language,
        file_name=(getattr(upload, "name", "") or "import.csv")[:255],
        data=data,
        total_rows=total,
    )
    from .tasks import run_csv_import

    transaction.on_commit(lambda: run_csv_import.delay(job.pk))
    return job


def _claim(job_id: int):
    """The time this run claimed the import at, or None: queued, or running with no progress for
    STALE_SECONDS (its worker died). Blocks while another run holds the import's row lock."""
    now = timezone.now()
    if CsvImport.objects.filter(pk=job_id, status=ImportStatus.QUEUED).update(
        status=ImportStatus.RUNNING, started_at=now
    ):
        return now
    job = CsvImport.objects.filter(pk=job_id, status=ImportStatus.RUNNING).first()
    if job is None:
        return None
    last = (cache.get(_progress_key(job_id)) or {}).get("at") or job.started_at.timestamp()
    if now.timestamp() - last < STALE_SECONDS:
        return None  # alive elsewhere
    log.warning("CSV import %s: restarting after its worker stopped", job_id)
    taken = CsvImport.objects.filter(
        pk=job_id, status=ImportStatus.RUNNING, started_at=job.started_at
    ).update(started_at=now)
    return now if taken else None


def run(job_id: int) -> str:
    """Run an import; returns done, failed or skipped (finished, or running elsewhere).

    The whole run holds the import's row lock, so two runs never both save: a second one waits
    for the first to commit and then finds the import finished (or taken over by a newer run).
    A worker that dies releases the lock with its connection, and its transaction rolls back.
    """
    claimed_at = _claim(job_id)
    if claimed_at is None:
        return "skipped"
    with transaction.atomic():
        job = (
            CsvImport.objects.select_for_update(of=("self",))
            .select_related("project__corporation")
            .get(pk=job_id)
        )
        if job.status != ImportStatus.RUNNING or job.started_at != claimed_at:
            return "skipped"
        key = _progress_key(job.pk)

        def progress(checked: int, saved: int) -> None:
            cache.set(key, {"checked": checked, "saved": saved, "at": time_now()}, 24 * 3600)

        progress(0, 0)
        with translation.override(job.language):
            result = IMPORTERS[job.kind](
                project=job.project, file=io.BytesIO(bytes(job.data)), progress=progress
            )
            summary = str(result.summary)
        job.status = ImportStatus.DONE if result.ok else ImportStatus.FAILED
        job.summary = summary
        job.file_errors = [str(message) for message in result.file_errors]
        job.errors = [[error.row, error.column, str(error.message)] for error in result.errors]
        job.data = b""  # personal data: not kept once imported (or refused)
        job.finished_at = timezone.now()
        job.save(
            update_fields=["status", "summary", "file_errors", "errors", "data", "finished_at"]
        )
    cache.delete(key)
    return job.status


def time_now() -> float:
    return timezone.now().timestamp()


def progress_of(job: CsvImport) -> dict:
    """Rows checked and saved so far, the share done, and the estimated seconds left."""
    total = job.total_rows
    if job.finished:
        saved = total if job.status == ImportStatus.DONE else 0
        return {"checked": total, "saved": saved, "percent": 100, "seconds_left": 0}
    state = cache.get(_progress_key(job.pk)) or {}
    checked = min(state.get("checked", 0), total)
    seconds_left = None
    if job.started_at and checked:
        elapsed = (timezone.now() - job.started_at).total_seconds()
        seconds_left = round(elapsed * (total - checked) / checked)
    return {
        "checked": checked,
        "saved": min(state.get("saved", 0), checked),
        "percent": round(100 * checked / total) if total else 0,
        "seconds_left": seconds_left,
    }
