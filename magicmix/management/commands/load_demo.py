"""`manage.py load_demo`: fictional projects, residents, contracts, accounts, candidates and
vacancies for a demo.

Idempotent: when the demo is there already it says so and changes nothing. Either way it then
runs today's reminder scan (as `send_reminders` does), so the in-app reminder lists are filled
and the scheduler's heartbeat is fresh; a second run on the same day makes no new reminders.
"""

from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.utils import timezone

from allocation.demo import load_allocation_demo
from residents.demo import DEMO_PASSWORD, DemoError, demo_reminders, load_demo


def mail_destination() -> str:
    """Where the e-mails went, for the summary line: the file backend's folder, if that is it."""
    mailer = settings.MAILERS["default"]
    path = mailer.get("OPTIONS", {}).get("file_path")
    if not mailer["BACKEND"].endswith("filebased.EmailBackend") or not path:
        return "sent"
    path = Path(path)
    if path.is_relative_to(settings.BASE_DIR):
        path = path.relative_to(settings.BASE_DIR)
    return f"written to {path}/"


class Command(BaseCommand):
    help = (
        "Load the fictional Magic Mix demo data (does nothing when it is there already), then "
        "run today's reminder scan."
    )

    def handle(self, *args, **options) -> None:
        today = timezone.localdate()
        try:
            with transaction.atomic():
                summary = load_demo(today)
                allocation = load_allocation_demo(today)
        except DemoError as exc:
            raise CommandError(str(exc)) from exc
        write = self.stdout.write
        if summary is None:
            write("The demo data is loaded already; it was left as it is.")
        else:
            write(self.style.SUCCESS("Demo data loaded."))
            write(f"  organisations: {summary.organisations}")
            write(f"  projects:      {summary.projects}")
            write(f"  units:         {summary.units} ({summary.vacant_units} vacant today)")
            write(f"  persons:       {summary.persons} ({summary.candidates} candidates)")
            write(
                f"  contracts:     {summary.contracts} "
                f"({len(summary.in_notice_window)} in their notice window today)"
            )
            write(
                f"  notices:       {summary.notices} recorded "
                f"({summary.lapse_decisions} decision on a missed window)"
            )
            write(
                f"  check-ins:     {summary.checkins} ({summary.checkins_due} due, "
                f"{summary.checkins_overdue} overdue today)"
            )
            write(f"  warnings:      {summary.warnings} (to {summary.warned_persons} residents)")
            write(f"  guidance extended: {summary.guidance_extensions}")
            write(f"Accounts (password {DEMO_PASSWORD}):")
            for email in summary.accounts:
                write(f"  {email}")
        if allocation is not None:
            write(
                f"Allocation: {allocation.candidates} candidates, {allocation.vacancies} "
                f"vacancies, {allocation.offers} offers, {allocation.rounds} association votes"
            )
        # After the commit: each delivery commits on its own as it is e-mailed.
        made, sent = demo_reminders(today)
        write(f"Reminders: {made} made, {sent} e-mails {mail_destination()}")
