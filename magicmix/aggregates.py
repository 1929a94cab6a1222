"""Small numbers identify people: the one place that decides what a policy officer may see.

Any count from 1 to SUPPRESS_BELOW - 1 is shown as "<5"; a share is shown only when it is
computed over at least MIN_PERCENT_BASE people and none of its parts is a small cell (otherwise
the share and the total would give the hidden count back).
"""

from django.utils.translation import gettext_lazy as _

SUPPRESS_BELOW = 5
MIN_PERCENT_BASE = 10
SUPPRESSED = "<5"


def count_display(count: int) -> str:
    if 0 < count < SUPPRESS_BELOW:
        return SUPPRESSED
    return str(count)


def share_display(part: int, whole: int) -> str:
    rest = whole - part
    if whole < MIN_PERCENT_BASE or 0 < part < SUPPRESS_BELOW or 0 < rest < SUPPRESS_BELOW:
        return str(_("hidden (small numbers)"))
    return f"{100 * part / whole:.0f}%"
