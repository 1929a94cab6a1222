"""`manage.py load_scale [--projects N] [--seed S] [--replace | --if-empty]`: a large generated
data set for benchmarks (magicmix.scale). N = 500 (the default) gives about 30,000 units,
60,000 persons and 100,000 contracts over five years; every count scales with N.

Refuses when scale data exists already, unless --replace removes it first; with --if-empty it
does nothing then (for `make bench-dashboard`, which fills its database once). Everything happens in
one transaction: a failure leaves the database as it was.
"""

import time

from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.utils import timezone

from magicmix.scale import ScaleError, analyze, load_scale, scale_present


class Command(BaseCommand):
    help = (
        "Generate a large, realistic data set for benchmarks (organisations named 'Schaal ...'); "
        "refuses when it exists, unless --replace."
    )

    def add_arguments(self, parser) -> None:
        parser.add_argument("--projects", type=int, default=500, help="projects (default 500)")
        parser.add_argument("--seed", type=int, default=1, help="random seed (default 1)")
        parser.add_argument(
            "--replace", action="store_true", help="remove existing scale data first"
        )
        parser.add_argument(
            "--if-empty", action="store_true", help="do nothing when scale data exists"
        )

    def handle(self, *args, projects: int, seed: int, replace: bool, **options) -> None:
        today = timezone.localdate()
        write = self.stdout.write
        if options["if_empty"] and not replace and scale_present():
            write("Scale data is loaded already; nothing to do.")
            return
        write(f"Scale data: {projects:,} projects, seed {seed}, dates relative to {today}")
        started = time.monotonic()
        try:
            with transaction.atomic():
                counts = load_scale(
                    projects=projects, seed=seed, today=today, replace=replace, progress=write
                )
        except ScaleError as exc:
            raise CommandError(str(exc)) from exc
        write(f"committed; {time.monotonic() - started:.1f} s so far")
        analyze()
        elapsed = time.monotonic() - started
        write(self.style.SUCCESS(f"Scale data loaded in {elapsed:.1f} s."))
        width = max(len(label) for label in counts)
        for label, count in counts.items():
            write(f"  {label:<{width}}  {count:>9,}")
