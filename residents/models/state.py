"""A contract's state on a day: the one place that turns the stored facts and a date into what
every page, filter, export, the worklist and the dashboard say about a contract.

Stored facts (`Contract.status`, kept as in the CSV format and the database's overlap constraint):
`draft` (not signed), `active` (signed: the tenancy holds from its start date) and `ended`
(a termination is recorded, with its last day, which may lie in the future). Notices and the
decision on a missed notice window are facts of their own.

The state shown follows from those and the day:

- **draft**: not signed yet;
- **upcoming**: signed, starts after the day ("starts on ...");
- **ended**: signed, and no longer in force on the day (its certain last day has passed);
- **open_ended**: in force, but the notice window closed before the day with no notice and no
  decision, so by law the tenancy continues for an indefinite period;
- **ending**: in force, with a certain last day: a termination recorded, a notice given or an
  exception decided ("ends on ...");
- **active**: in force otherwise.

`state_expression(on)` is the rule as one SQL CASE, used by `ContractQuerySet.with_state`; lists
and filters annotate it, and `Contract.state` reads the annotation (or asks the database for a
contract loaded without it), so there is no second copy of the rule in Python.
"""

import datetime as dt
from functools import lru_cache

from django.db import models
from django.db.models import Case, Exists, OuterRef, Q, Value, When
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from ..dates import add_months, long_date

__all__ = [
    "IN_FORCE",
    "IN_FORCE_STATES",
    "MAX_NOTICE_MONTHS",
    "ContractState",
    "ContractStatus",
    "certain_end_q",
    "in_force_q",
    "lapsed_q",
    "not_over_q",
    "open_ended_q",
    "state_expression",
    "state_label",
]

# The notice window of a contract type opens at most this many months before the end date
# (a check constraint on ContractType holds it), so the window's close has fewer values.
MAX_NOTICE_MONTHS = 24


class ContractStatus(models.TextChoices):
    """What has been recorded: not the state shown (see ContractState)."""

    DRAFT = "draft", _("Draft (not signed)")
    ACTIVE = "active", _("Signed")
    ENDED = "ended", _("Termination recorded")


IN_FORCE = (ContractStatus.ACTIVE, ContractStatus.ENDED)


class ContractState(models.TextChoices):
    DRAFT = "draft", _("Draft")
    UPCOMING = "upcoming", _("Starts later")
    ACTIVE = "active", _("In force")
    ENDING = "ending", _("Ending")
    OPEN_ENDED = "open_ended", _("Continues open-ended")
    ENDED = "ended", _("Ended")


# The states in which a contract holds on the day: the tenant lives there.
IN_FORCE_STATES = (ContractState.ACTIVE, ContractState.ENDING, ContractState.OPEN_ENDED)

# The badge colour of each state (static/css/magicmix.css).
STATE_CSS = {
    ContractState.DRAFT: "draft",
    ContractState.UPCOMING: "draft",
    ContractState.ACTIVE: "active",
    ContractState.ENDING: "warn",
    ContractState.OPEN_ENDED: "bad",
    ContractState.ENDED: "ended",
}


def lapsed_q() -> Q:
    """Signed, needs notice, and has neither a notice nor a decision on a missed window.

    Alone it says nothing of dates: such a contract holds past its end date (see in_force_q),
    and continues open-ended once its window has closed (open_ended_q).
    """
    from .lifecycle import LapseDecision, Notice

    return (
        Q(status=ContractStatus.ACTIVE, contract_type__notice_required=True)
        & ~Exists(Notice.objects.filter(contract=OuterRef("pk")))
        & ~Exists(LapseDecision.objects.filter(contract=OuterRef("pk")))
    )


def not_over_q(on: dt.date) -> Q:
    """Not past a certain last day on `on`: open-ended, ending on or after `on`, or lapsed (in
    force past its end date). Says nothing of the start or of signing."""
    return Q(end_date__isnull=True) | Q(end_date__gte=on) | lapsed_q()


def in_force_q(on: dt.date) -> Q:
    """Signed, started on or before `on`, and not past a certain last day."""
    return Q(status__in=IN_FORCE, start_date__lte=on) & not_over_q(on)


@lru_cache(maxsize=4096)
def _window_closed_before(on: dt.date, months: int) -> dt.date:
    """The first end date whose notice window (closing `months` before it) has not closed
    before `on`: the window closed before `on` exactly for end dates before this one.

    `add_months(end, -months)` grows with `end` (clamping keeps the order), so the set of end
    dates whose window closed before `on` is everything below one boundary, found here.
    """
    end = add_months(on, months) - dt.timedelta(days=4)
    while add_months(end, -months) < on:
        end += dt.timedelta(days=1)
    while add_months(end - dt.timedelta(days=1), -months) >= on:
        end -= dt.timedelta(days=1)
    return end


def open_ended_q(on: dt.date) -> Q:
    """Lapsed, with the notice window closed before `on`: `Contract.continues_open_ended(on)`."""
    closed = Q(pk__in=[])
    for months in range(MAX_NOTICE_MONTHS):
        closed |= Q(
            contract_type__notice_closes_months=months,
            end_date__lt=_window_closed_before(on, months),
        )
    return lapsed_q() & closed


def certain_end_q() -> Q:
    """A last day that holds: a termination recorded, a notice given, or an exception decided
    on a missed window (a conversion removes the end date)."""
    from .lifecycle import LapseDecision, Notice

    return Q(end_date__isnull=False) & (
        Q(status=ContractStatus.ENDED)
        | Exists(Notice.objects.filter(contract=OuterRef("pk")))
        | Exists(LapseDecision.objects.filter(contract=OuterRef("pk")))
    )


def state_expression(on: dt.date) -> Case:
    """The state of a contract on `on`, as SQL: the one rule (see the module docstring)."""
    return Case(
        When(status=ContractStatus.DRAFT, then=Value(ContractState.DRAFT)),
        When(start_date__gt=on, then=Value(ContractState.UPCOMING)),
        When(~in_force_q(on), then=Value(ContractState.ENDED)),
        When(open_ended_q(on), then=Value(ContractState.OPEN_ENDED)),
        When(certain_end_q(), then=Value(ContractState.ENDING)),
        default=Value(ContractState.ACTIVE),
        output_field=models.CharField(max_length=12),
    )


def state_label(state: str, *, start: dt.date | None, end: dt.date | None, reason: str = "") -> str:
    """The state in words, with the date that makes it true: "Opgezegd per 31 januari 2027";
    an omklap contract that flips says so ("Klapt om per ...")."""

    def day(value):
        return long_date(value) if value else ""

    if state == ContractState.UPCOMING:
        return gettext("Starts on %(date)s") % {"date": day(start)}
    if state == ContractState.ENDING:
        if reason == "flipped":
            return gettext("Flips on %(date)s") % {"date": day(end)}
        return gettext("Ends on %(date)s") % {"date": day(end)}
    if state == ContractState.ENDED and end:
        return gettext("Ended on %(date)s") % {"date": day(end)}
    return str(ContractState(state).label)
