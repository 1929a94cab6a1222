"""`manage.py retention [--dry-run] [--today YYYY-MM-DD]`: erase the personal data whose period
has passed (residents.retention), or with --dry-run only list what would go. Either way the run
is recorded (RetentionRun)."""

import datetime as dt

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from residents import retention
from residents.models import RetentionTrigger


def _day(value: str) -> dt.date:
    try:
        return dt.date.fromisoformat(value)
    except ValueError as exc:
        raise CommandError(f"--today must be a date YYYY-MM-DD, not {value!r}") from exc


class Command(BaseCommand):
    help = (
        "Anonymise former tenants and candidates whose retention period has passed and remove "
        "expired audit entries; --dry-run only lists what would go."
    )

    def add_arguments(self, parser) -> None:
        parser.add_argument("--dry-run", action="store_true", help="Change nothing; list only.")
        parser.add_argument("--today", type=_day, help="Plan as on this day (YYYY-MM-DD).")

    def handle(self, *args, dry_run: bool = False, today: dt.date | None = None, **options):
        if today and today > timezone.localdate() and not dry_run:
            raise CommandError(
                "A real run erases data: it cannot be made for a day after today (a dry run can)."
            )
        write = self.stdout.write
        record = retention.run(today=today, dry_run=dry_run, trigger=RetentionTrigger.COMMAND)
        heading = "Dry run: nothing was changed." if dry_run else "Retention run done."
        write(self.style.SUCCESS(f"{heading} (for {record.today.isoformat()})"))
        rows = retention.planned_rows(record) if dry_run else []
        for row in record.corporation_counts:
            verb = "would go" if dry_run else "anonymised"
            failed = f"  FAILED: {row['failed']}" if row.get("failed") else ""
            write(
                f"  {row['name']}: {row['tenants']} former tenant(s), "
                f"{row['candidates']} candidate(s) {verb}{failed}"
            )
        if rows:
            write("  What would go (kind, person id, due since, corporation):")
            for row in rows:
                write(
                    f"    {row['kind']:<10} {row['id']:>7}  {row['due'].isoformat()}  "
                    f"{row['corporation_name']}"
                )
        verb = "would be removed" if dry_run else "removed"
        write(f"  Audit entries past their period {verb}: {record.audit_count}")
        write(f"  Run recorded as #{record.pk}.")
