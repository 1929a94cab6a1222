"""residents.dates: calendar months, never 30 days. Expected values are computed by hand."""

import datetime as dt

import pytest

from residents.dates import add_months, age_on, term_last_day

D = dt.date


@pytest.mark.parametrize(
    ("day", "months", "expected"),
    [
        # Month-end clamping: the day does not exist in the target month.
        (D(2024, 5, 31), -3, D(2024, 2, 29)),  # leap year
        (D(2025, 5, 31), -3, D(2025, 2, 28)),
        (D(2025, 5, 31), -1, D(2025, 4, 30)),
        (D(2024, 1, 31), 1, D(2024, 2, 29)),
        (D(2025, 1, 31), 1, D(2025, 2, 28)),
        (D(2024, 2, 29), 12, D(2025, 2, 28)),
        (D(2024, 2, 29), 48, D(2028, 2, 29)),
        (D(2025, 3, 31), -13, D(2024, 2, 29)),
        # No clamping needed.
        (D(2025, 3, 15), 0, D(2025, 3, 15)),
        (D(2025, 4, 30), 1, D(2025, 5, 30)),  # not "moved to the month end"
        (D(2025, 8, 31), -24, D(2023, 8, 31)),
        (D(2025, 6, 10), 120, D(2035, 6, 10)),
        # Crossing a year boundary, forward and back.
        (D(2025, 11, 30), 3, D(2026, 2, 28)),
        (D(2025, 12, 31), 2, D(2026, 2, 28)),
        (D(2025, 12, 15), 1, D(2026, 1, 15)),
        (D(2025, 1, 15), -1, D(2024, 12, 15)),
        (D(2025, 2, 28), -14, D(2023, 12, 28)),
        (D(2025, 1, 31), -2, D(2024, 11, 30)),
    ],
)
def test_add_months(day, months, expected):
    assert add_months(day, months) == expected


@pytest.mark.parametrize(
    ("start", "months", "expected"),
    [
        (D(2025, 5, 1), 1, D(2025, 5, 31)),
        (D(2025, 3, 1), 1, D(2025, 3, 31)),
        (D(2024, 1, 31), 1, D(2024, 2, 29)),  # 31 February does not exist: month end, leap year
        (D(2025, 1, 31), 1, D(2025, 2, 28)),
        (D(2024, 2, 29), 12, D(2025, 2, 28)),
        (D(2024, 1, 1), 24, D(2025, 12, 31)),
        (D(2025, 3, 31), 1, D(2025, 4, 30)),
        (D(2025, 1, 1), 24, D(2026, 12, 31)),  # tijdelijk: two years
        (D(2024, 1, 31), 24, D(2026, 1, 30)),  # 31 January 2026 exists: the day before it
        (D(2025, 1, 1), 60, D(2029, 12, 31)),  # jongerencontract: five years
        (D(2023, 3, 1), 12, D(2024, 2, 29)),  # the day before 1 March in a leap year
        (D(2025, 2, 28), 12, D(2026, 2, 27)),  # 28 February exists: not moved to the month end
        (D(2025, 12, 15), 1, D(2026, 1, 14)),  # crosses the year
        (D(2025, 11, 30), 3, D(2026, 2, 28)),  # crosses the year and clamps
    ],
)
def test_term_last_day(start, months, expected):
    assert term_last_day(start, months) == expected


@pytest.mark.parametrize(
    ("birth", "day", "expected"),
    [
        (D(2000, 6, 15), D(2018, 6, 14), 17),  # the day before the 18th birthday
        (D(2000, 6, 15), D(2018, 6, 15), 18),  # the 18th birthday
        (D(2000, 6, 15), D(2028, 6, 14), 27),  # the day before the 28th birthday
        (D(2000, 6, 15), D(2028, 6, 15), 28),
        (D(2000, 12, 31), D(2000, 12, 31), 0),  # the day of birth
        (D(2000, 12, 31), D(2001, 1, 1), 0),
        (D(1990, 1, 1), D(2025, 12, 31), 35),
        # Born on 29 February: a year older on 1 March in a common year, on 29 February in a leap.
        (D(2000, 2, 29), D(2018, 2, 28), 17),
        (D(2000, 2, 29), D(2018, 3, 1), 18),
        (D(2000, 2, 29), D(2020, 2, 28), 19),
        (D(2000, 2, 29), D(2020, 2, 29), 20),
    ],
)
def test_age_on(birth, day, expected):
    assert age_on(birth, day) == expected
