"""Plan who gets which vacant unit: `manage.py plan_allocation PROBLEM.json [--out PLAN.json]`.

The plan is a proven optimum (allocation.planner): first as many units filled as the rules allow,
then the highest total priority. No plan meeting the rules is an answer too (status "infeasible",
exit status 0). Bad input exits with status 2 and one line naming the item; a solve that was not
proven (time limit) exits with status 1. The database is not used.
"""

import json
import os
import tempfile
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from allocation import planner


def _no_duplicate_keys(pairs: list[tuple[str, object]]) -> dict:
    seen: dict = {}
    for key, value in pairs:
        if key in seen:
            raise ValueError(f"duplicate key {json.dumps(key, ensure_ascii=False)}")
        seen[key] = value
    return seen


def _not_a_number(name: str) -> object:
    raise ValueError(f"{name} is not a JSON number")


def read_problem(path: Path) -> planner.Problem:
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise CommandError(f"{path}: cannot read the problem ({exc})", returncode=2) from exc
    try:
        data = json.loads(text, object_pairs_hook=_no_duplicate_keys, parse_constant=_not_a_number)
    except json.JSONDecodeError as exc:
        raise CommandError(
            f"{path}: invalid JSON at line {exc.lineno} column {exc.colno}: {exc.msg}",
            returncode=2,
        ) from exc
    except ValueError as exc:  # from the hooks above
        raise CommandError(f"{path}: invalid JSON: {exc}", returncode=2) from exc
    try:
        return planner.parse_problem(data)
    except planner.ProblemError as exc:
        raise CommandError(f"{path}: {exc}", returncode=2) from exc


def write_atomically(path: Path, text: str) -> None:
    """Write to a temporary file beside `path` and rename it over, so no half plan is left."""
    fd, temp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    umask = os.umask(0)  # mkstemp makes the file 0600; give the plan the usual mode instead
    os.umask(umask)
    try:
        os.fchmod(fd, 0o666 & ~umask)
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write(text)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(temp, path)
    except BaseException:
        Path(temp).unlink(missing_ok=True)
        raise


class Command(BaseCommand):
    help = "Plan which candidates get the vacant units: most units filled, then most priority."
    # No system checks: the planner uses neither the database nor the models.
    requires_system_checks: list[str] = []
    requires_migrations_checks = False

    def add_arguments(self, parser):
        parser.add_argument("problem", type=Path, help="PROBLEM.json: units, residents, ...")
        parser.add_argument("--out", type=Path, help="Write PLAN.json here (default: stdout).")
        parser.add_argument(
            "--time-limit",
            type=float,
            help="Give up (exit status 1) when no proven optimum is found within these seconds.",
        )

    def handle(self, *args, problem: Path, out: Path | None, time_limit: float | None, **options):
        if time_limit is not None and not time_limit > 0:
            raise CommandError("--time-limit must be a positive number of seconds", returncode=2)
        parsed = read_problem(problem)
        try:
            plan = planner.solve(parsed, time_limit=time_limit)
        except planner.SolverError as exc:
            raise CommandError(f"no plan: {exc}", returncode=1) from exc
        text = json.dumps(planner.plan_to_dict(plan), indent=2, ensure_ascii=False) + "\n"
        if out is None:
            self.stdout.write(text, ending="")
            return
        try:
            write_atomically(out, text)
        except OSError as exc:
            raise CommandError(f"{out}: cannot write the plan ({exc})", returncode=1) from exc
