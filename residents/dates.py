"""Calendar arithmetic for contracts. Every month rule in the application lives here.

Months are calendar months, never 30 days. Where a day does not exist in the target month
(31 May minus 3 months), the date is clamped to that month's last day (28 or 29 February).
"""

import calendar
import datetime as dt

from django.utils.formats import date_format


def add_months(day: dt.date, months: int) -> dt.date:
    """`day` shifted by whole calendar months (negative goes back), clamped to the month's end."""
    index = day.year * 12 + (day.month - 1) + months
    year, month = divmod(index, 12)
    month += 1
    last = calendar.monthrange(year, month)[1]
    return dt.date(year, month, min(day.day, last))


def term_last_day(start: dt.date, months: int) -> dt.date:
    """The last day of a term of `months` months that starts on `start` (inclusive).

    A term runs to the day before the same day-of-month `months` later; when that day does not
    exist there, it runs to the end of that month: 1 May + 1 month ends 31 May, 31 January +
    1 month ends 29 February (leap year), 29 February 2024 + 12 months ends 28 February 2025.
    """
    index = start.year * 12 + (start.month - 1) + months
    year, month = divmod(index, 12)
    month += 1
    last = calendar.monthrange(year, month)[1]
    if start.day > last:
        return dt.date(year, month, last)
    return dt.date(year, month, start.day) - dt.timedelta(days=1)


def age_on(birth_date: dt.date, day: dt.date) -> int:
    """Completed years on `day` (someone born on 29 February turns a year older on 1 March)."""
    return day.year - birth_date.year - ((day.month, day.day) < (birth_date.month, birth_date.day))


def long_date(day: dt.date) -> str:
    """A date as running text and messages write it, in the active language: "3 december 2026"."""
    return date_format(day, "j F Y")
