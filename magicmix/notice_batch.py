"""All notice letters due now, made at once from the worklist: one PDF, all recorded or none.

Staff see the list (every contract of a project they may write to whose notice window is open
today with no notice), choose the means, and start the batch. A Celery task then
1. makes each letter (residents.letters.notice_letter), counting `done` as it goes so that the
   progress page can show how far it is; a letter that cannot be made fails the batch with the
   contract named, and nothing is recorded;
2. records every notice in one transaction (residents.lifecycle.notice_record: the legal window
   and "one notice a contract" are checked again for each, under the contract's row lock); if one
   is refused (a colleague recorded it meanwhile, say), none is;
3. keeps the letters as one PDF, each letter its own page range with a bookmark.

The batch is claimed by a conditional update, so a second delivery of the task does nothing.
"""

import datetime as dt
import logging

from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from projects import access
from projects.letters import fill, merge_pdfs, render_pdf
from projects.models import Project
from residents import lifecycle
from residents.letters import notice_file_name, notice_letter
from residents.models import BatchStatus, Contract, NoticeBatch

from .worklist import NoticeRow, notice_rows

log = logging.getLogger(__name__)


def due_rows(user, today: dt.date, project: Project | None = None) -> list[NoticeRow]:
    """The notices the user can send now: projects of corporations they may write to."""
    projects = Project.objects.for_user(user).filter(
        corporation_id__in=access.writable_corporation_ids(user)
    )
    if project is not None:
        projects = projects.filter(pk=project.pk)
    return notice_rows(projects, today)


def batch_start(*, user, contract_ids: list[int], means: str, today: dt.date) -> NoticeBatch:
    """Start a batch of the contracts the user saw; refused when the list has changed since."""
    due = [row.contract.pk for row in due_rows(user, today)]
    if not contract_ids:
        raise ValidationError(_("There are no notices to send now."))
    if not set(contract_ids) <= set(due):
        raise ValidationError(
            _(
                "The list of notices to send has changed since you opened it (a notice was "
                "recorded meanwhile, say). Check the list again."
            )
        )
    ordered = [pk for pk in due if pk in set(contract_ids)]
    batch = NoticeBatch.objects.create(
        created_by=user, given_on=today, means=means, contract_ids=ordered
    )
    from .tasks import run_notice_batch

    transaction.on_commit(lambda: run_notice_batch.delay(batch.pk))
    return batch


def _fail(batch: NoticeBatch, message: str) -> str:
    NoticeBatch.objects.filter(pk=batch.pk).update(
        status=BatchStatus.FAILED, error=message[:2000], finished_at=timezone.now()
    )
    return "failed"


def batch_run(batch_id: int) -> str:
    """Run a queued batch; returns done, failed or skipped (not queued: run already)."""
    claimed = NoticeBatch.objects.filter(pk=batch_id, status=BatchStatus.QUEUED).update(
        status=BatchStatus.RUNNING
    )
    if not claimed:
        return "skipped"
    batch = NoticeBatch.objects.select_related("created_by").get(pk=batch_id)
    contracts = Contract.objects.select_related(
        "person", "unit__project__corporation", "contract_type"
    ).in_bulk(batch.contract_ids)
    letters = []
    for number, pk in enumerate(batch.contract_ids, start=1):
        contract = contracts.get(pk)
        try:
            if contract is None:
                raise ValidationError(_("The contract no longer exists."))
            letter = notice_letter(contract, given_on=batch.given_on)
            letters.append((contract, fill(letter.subject, letter.facts), render_pdf(letter)))
        except ValidationError as error:
            who = contract.person.full_name if contract else f"#{pk}"
            return _fail(batch, f"{who}: {' '.join(error.messages)}")
        NoticeBatch.objects.filter(pk=batch.pk).update(done=number)
    try:
        with transaction.atomic():
            for contract, _title, pdf in letters:
                try:
                    lifecycle.notice_record(
                        contract=contract,
                        given_on=batch.given_on,
                        means=batch.means,
                        document=ContentFile(pdf, name=notice_file_name(contract, batch.given_on)),
                        given_by=batch.created_by,
                        today=batch.given_on,
                    )
                except ValidationError as error:
                    raise ValidationError(
                        f"{contract.person.full_name}: {' '.join(error.messages)}"
                    ) from error
            batch.file.save(
                f"aanzeggingen-{batch.given_on.isoformat()}-{batch.pk}.pdf",
                ContentFile(merge_pdfs([(f"{c.person.full_name}: {t}", p) for c, t, p in letters])),
                save=False,
            )
            batch.status = BatchStatus.DONE
            batch.done = len(letters)
            batch.finished_at = timezone.now()
            batch.save(update_fields=["file", "status", "done", "finished_at"])
    except ValidationError as error:
        return _fail(batch, " ".join(error.messages))
    return "done"
