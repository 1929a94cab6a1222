"""`manage.py load_demo`: fictional projects, residents, contracts and accounts for a demo.

Idempotent: when the demo is there already it says so and changes nothing.
"""

from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from residents.demo import DEMO_PASSWORD, DemoError, load_demo


class Command(BaseCommand):
    help = "Load the fictional Magic Mix demo data (does nothing when it is there already)."

    def handle(self, *args, **options) -> None:
        try:
            with transaction.atomic():
                summary = load_demo()
        except DemoError as exc:
            raise CommandError(str(exc)) from exc
        if summary is None:
            self.stdout.write("The demo data is loaded already; nothing changed.")
            return
        write = self.stdout.write
        write(self.style.SUCCESS("Demo data loaded."))
        write(f"  organisations: {summary.organisations}")
        write(f"  projects:      {summary.projects}")
        write(f"  units:         {summary.units} ({summary.vacant_units} vacant today)")
        write(f"  persons:       {summary.persons} ({summary.candidates} candidates)")
        write(
            f"  contracts:     {summary.contracts} "
            f"({len(summary.in_notice_window)} in their notice window today)"
        )
        write(f"Accounts (password {DEMO_PASSWORD}):")
        for email in summary.accounts:
            write(f"  {email}")
