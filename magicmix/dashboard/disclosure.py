"""What a policy officer may see: the one module that decides it (the cell key method).

Every figure on the dashboard counts records: contracts (residents, occupied units, contracts
ending, outflow, omklap trajectories), warnings, electors. Each such record carries a fixed
random `cell_key` from 0 to KEY_RANGE - 1, drawn once when the record is made and never shown
(residents.cellkeys). A published count is a `Cell`: how many records it counts and the sum of
their keys modulo KEY_RANGE. `publish(cell)` looks the pair up in the perturbation table
below, so:

- the same records give the same number wherever they are counted: on the quarter's page, on
  the year's page, in the trend of a later quarter, in today's view, in every CSV file;
- different records give independent noise, so subtracting two published figures (two
  quarters, a year and its quarters, a total and its cells) gives the true difference plus
  noise of up to 2 * MAX_NOISE, never the true difference;
- no count from 1 to SMALL - 1 is ever published: such a count shows as 0 or as SMALL, with
  chances that keep it right on average (a 2 shows as 5 two times out of five); so a 0 can
  stand for 0 to 4 people, and nobody can be shown to share an attribute by the zeros beside
  them;
- a count of SMALL or more moves by at most MAX_NOISE (most often not at all) and never below
  SMALL.

Totals are perturbed as cells of their own, so cells need not add up to their total: the page
says so. A share, an average or a median is shown only where the published count it is taken
over is at least MIN_BASE; otherwise HIDDEN stands in its place.

The method is the one of the Australian Bureau of Statistics (TableBuilder), the ONS (Census
2021) and Destatis (Census 2022); see docs/dashboard-privacy.md for the sources, the choice of
the table and what it does not promise.
"""

from collections.abc import Iterable
from dataclasses import dataclass
from functools import cache

from django.utils.formats import number_format
from django.utils.translation import gettext_lazy as _

from residents.cellkeys import KEY_RANGE

SMALL = 5  # no count below this, except 0, is ever published
MAX_NOISE = 2  # a count of SMALL or more moves by at most this much
MIN_BASE = 10  # a share, an average or a median needs this many (published) people
HIDDEN = "x"  # CBS's symbol: a figure not published
HIDDEN_MEANING = _(
    "x: not published, because it would be taken over fewer than 10 people. All counts are "
    "slightly perturbed (cell key method): a count from 1 to 4 shows as 0 or 5, a larger "
    "count differs by at most 2 from the true one, and totals are perturbed on their own, "
    "so cells need not add up to their total."
)

# The noise of a count of 7 or more, and its chances: symmetric, most often none.
NOISE = ((-2, 0.04), (-1, 0.18), (0, 0.56), (1, 0.18), (2, 0.04))


@dataclass(frozen=True)
class Cell:
    """A count of records and the sum of their keys (modulo KEY_RANGE)."""

    n: int = 0
    key: int = 0

    def __add__(self, other: "Cell") -> "Cell":
        if type(other) is not Cell:
            return NotImplemented
        return Cell(self.n + other.n, (self.key + other.key) % KEY_RANGE)

    def __radd__(self, other):  # sum() starts from 0
        return self if other == 0 else NotImplemented

    def __bool__(self) -> bool:
        return self.n > 0


EMPTY = Cell()


def total(cells: Iterable[Cell]) -> Cell:
    """The cell of a union of disjoint record sets: their counts and keys added up."""
    return sum(cells, EMPTY)


@cache
def _table(n: int) -> tuple[tuple[int, float], ...]:
    """The published values a true count `n` can show, each with the top of its key range
    (cumulative chance): the perturbation table's row for `n`."""
    if n == 0:
        return ((0, 1.0),)
    if n < SMALL:
        return ((0, 1 - n / SMALL), (SMALL, 1.0))
    outcomes = [(n + noise, chance) for noise, chance in NOISE if n + noise >= SMALL]
    whole = sum(chance for _value, chance in outcomes)
    rows, running = [], 0.0
    for value, chance in outcomes:
        running += chance / whole
        rows.append((value, running))
    rows[-1] = (rows[-1][0], 1.0)
    return tuple(rows)


def publish(cell: Cell) -> int:
    """The number shown for `cell`: a fixed function of its count and its key."""
    position = (cell.key % KEY_RANGE + 0.5) / KEY_RANGE
    for value, top in _table(cell.n):
        if position < top:
            return value
    raise AssertionError("the table's last row reaches 1")  # pragma: no cover


def publish_at_most(cell: Cell, bound: int) -> int:
    """The published number of a count that cannot exceed a public `bound` (the residents of
    a project, at most its units): never above it, so the page never shows that the noise was
    positive (a count of 65 on 64 units). Below SMALL the bound is left alone: capping would
    publish a count from 1 to 4."""
    shown = publish(cell)
    return min(shown, bound) if bound >= SMALL else shown


def possible(n: int) -> set[int]:
    """Every number a true count `n` can be published as."""
    return {value for value, _top in _table(n)}


def preimage(published: int) -> range:
    """The true counts that can show as `published`: what an attacker who knows this table
    (but no key) can conclude from one number. Always at least three counts wide."""
    counts = [n for n in range(0, published + SMALL + MAX_NOISE) if published in possible(n)]
    return range(min(counts), max(counts) + 1)


# Figures over people ---------------------------------------------------------------------
def enough(cell: Cell) -> bool:
    """Whether a statistic (share, average, median) over the people of `cell` may show."""
    return publish(cell) >= MIN_BASE


def share(part: Cell, whole: Cell) -> float | None:
    """part / whole in percent from the published numbers, or None below MIN_BASE."""
    if not enough(whole):
        return None
    return min(100 * publish(part) / publish(whole), 100.0)


def share_display(part: Cell, whole: Cell) -> str:
    value = share(part, whole)
    return HIDDEN if value is None else f"{value:.0f}%"


def decimal_display(value: float | None) -> str:
    return HIDDEN if value is None else number_format(round(value, 1), 1)
