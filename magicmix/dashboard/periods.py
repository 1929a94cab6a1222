"""The periods a dashboard shows: closed quarters, calendar years, runs of years, and today.

A closed period's figures never change once published (dashboard.store keeps them); today's
view is the only live one. Slugs are what links and the period field carry: `2026-Q3` (also
read as `2026-K3`), `2025`, `2021-2025`, `today`.
"""

import datetime as dt
import re
from dataclasses import dataclass

from django.utils.formats import date_format
from django.utils.translation import gettext as _

from residents.dates import add_months

QUARTERS_SHOWN = 20
YEARS_SHOWN = 5
RUNS_SHOWN = (2, 3, 5)  # "the last N years together"
TREND_QUARTERS = 8
TREND_YEARS = 5


@dataclass(frozen=True, order=True)
class Period:
    start: dt.date
    end: dt.date

    kind = "period"

    @property
    def days(self) -> int:
        return (self.end - self.start).days + 1

    @property
    def closed(self) -> bool:
        return True

    def trend(self) -> list["Period"]:
        return [self]


@dataclass(frozen=True, order=True)
class Quarter(Period):
    kind = "quarter"

    @classmethod
    def of(cls, year: int, number: int) -> "Quarter":
        start = dt.date(year, 3 * number - 2, 1)
        return cls(start, add_months(start, 3) - dt.timedelta(days=1))

    @classmethod
    def containing(cls, day: dt.date) -> "Quarter":
        return cls.of(day.year, (day.month - 1) // 3 + 1)

    @property
    def year(self) -> int:
        return self.start.year

    @property
    def number(self) -> int:
        return (self.start.month - 1) // 3 + 1

    @property
    def slug(self) -> str:
        return f"{self.year}-Q{self.number}"

    @property
    def label(self) -> str:
        # Dutch: "K3 2026"; English: "Q3 2026".
        return _("Q%(number)s %(year)s") % {"number": self.number, "year": self.year}

    def previous(self) -> "Quarter":
        return Quarter.containing(self.start - dt.timedelta(days=1))

    def back(self, count: int) -> list["Quarter"]:
        """The `count` quarters up to and including this one, oldest first."""
        quarters = [self]
        while len(quarters) < count:
            quarters.insert(0, quarters[0].previous())
        return quarters

    def trend(self) -> list["Quarter"]:
        return self.back(TREND_QUARTERS)


@dataclass(frozen=True, order=True)
class Year(Period):
    kind = "year"

    @classmethod
    def of(cls, year: int) -> "Year":
        return cls(dt.date(year, 1, 1), dt.date(year, 12, 31))

    @property
    def year(self) -> int:
        return self.start.year

    @property
    def slug(self) -> str:
        return str(self.year)

    @property
    def label(self) -> str:
        return str(self.year)

    def trend(self) -> list["Year"]:
        return [Year.of(self.year - i) for i in range(TREND_YEARS - 1, -1, -1)]


@dataclass(frozen=True, order=True)
class Years(Period):
    """Several calendar years together: flows add up over all of them, stocks are counted on
    the last day."""

    kind = "years"

    @classmethod
    def of(cls, first: int, last: int) -> "Years":
        return cls(dt.date(first, 1, 1), dt.date(last, 12, 31))

    @property
    def slug(self) -> str:
        return f"{self.start.year}-{self.end.year}"

    @property
    def label(self) -> str:
        return f"{self.start.year}–{self.end.year}"

    def trend(self) -> list[Year]:
        return [Year.of(y) for y in range(self.start.year, self.end.year + 1)]


@dataclass(frozen=True, order=True)
class Today(Period):
    """The reference day ("peildatum"): stocks on that day, contracts ending after it."""

    kind = "today"

    @classmethod
    def of(cls, day: dt.date) -> "Today":
        return cls(day, day)

    @property
    def closed(self) -> bool:
        return False

    @property
    def slug(self) -> str:
        return "today"

    @property
    def label(self) -> str:
        return _("Today (%(day)s)") % {"day": date_format(self.end, "j F Y")}


def offered(today: dt.date) -> list[Period]:
    """Every period a user may choose on `today`: today, the last closed quarters, the last
    closed years, and runs of the last closed years; newest first within each."""
    quarters = closed_quarters(today, QUARTERS_SHOWN)
    last_year = today.year - 1
    years = [Year.of(last_year - i) for i in range(YEARS_SHOWN)]
    runs = [Years.of(last_year - n + 1, last_year) for n in RUNS_SHOWN]
    return [Today.of(today), *quarters, *years, *runs]


def closed_quarters(today: dt.date, count: int) -> list[Quarter]:
    """The `count` most recent quarters that have ended on `today`, newest first."""
    return Quarter.containing(today).previous().back(count)[::-1]


def closed_periods(today: dt.date) -> list[Period]:
    return [p for p in offered(today) if p.closed]


def named(slug: str) -> Period:
    """The period a stored slug names (`2026-Q3`, `2025`, `2021-2025`)."""
    if match := re.fullmatch(r"(\d{4})-Q([1-4])", slug):
        return Quarter.of(int(match[1]), int(match[2]))
    if match := re.fullmatch(r"(\d{4})-(\d{4})", slug):
        return Years.of(int(match[1]), int(match[2]))
    return Year.of(int(slug))


def parse(slug: str, today: dt.date) -> Period | None:
    """The offered period named `slug`, or None (a period not offered is refused)."""
    slug = re.sub(r"-K([1-4])$", r"-Q\1", slug.strip())
    return next((p for p in offered(today) if p.slug == slug), None)
