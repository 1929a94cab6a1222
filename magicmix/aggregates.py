"""Small numbers identify people: the one place that decides what a policy officer may see.

A dashboard puts every count it will show into one `Disclosure`, together with the sums that
tie them (a row total is the sum of its cells, a column total the sum of its rows). Then:

1. every count from 1 to SUPPRESS_BELOW - 1 is hidden (primary suppression);
2. in every sum with exactly one hidden cell, another cell is hidden too, a visible non-zero
   part (complementary suppression), so that "total minus the rest" gives nothing;
3. a hidden cell that the visible numbers still pin down through several sums together (solve
   the linear system: a cell is pinned when no direction in the system's null space moves it;
   or forced to 0, as no count is negative) gets a further partner, until none is pinned;
4. a partner still pinned then protects nothing: it is shown, the page gives it away anyway.

Which partner hides reads no hidden value (only which cells are zero), so two tables with the
same visible numbers show the same page. Every hidden cell is shown as the same SUPPRESSED
text, whatever its value and whichever rule hid it. A share is shown only over at least
MIN_PERCENT_BASE people, with both its numbers visible. Anchors (the municipality's totals,
which pages for other quarters show again in their trend) are partners only when a sum has
nothing else to hide, and then by that sum's values alone, so they look the same wherever they
appear.
"""

from collections import defaultdict
from collections.abc import Hashable, Iterable

import numpy as np
from django.utils.translation import gettext_lazy as _

SUPPRESS_BELOW = 5
MIN_PERCENT_BASE = 10
SUPPRESSED = "<5"
HIDDEN_SHARE = _("hidden (small numbers)")

Key = Hashable


def is_small(count: int) -> bool:
    return 0 < count < SUPPRESS_BELOW


def count_display(count: int) -> str:
    """A lone count with no parts shown beside it."""
    return SUPPRESSED if is_small(count) else str(count)


def share_display(part: int, whole: int) -> str:
    """A lone share whose parts are not shown elsewhere."""
    rest = whole - part
    if whole < MIN_PERCENT_BASE or is_small(part) or is_small(rest):
        return str(HIDDEN_SHARE)
    return f"{100 * part / whole:.0f}%"


class Disclosure:
    """The counts one page shows, the sums between them, and which of them stay hidden."""

    def __init__(self) -> None:
        self.values: dict[Key, int] = {}
        self.sums: list[tuple[Key, tuple[Key, ...]]] = []
        self.anchors: set[Key] = set()
        self._hidden: frozenset[Key] | None = None

    # building ---------------------------------------------------------------------------
    def add(self, key: Key, value: int, *, anchor: bool = False) -> Key:
        if key in self.values and self.values[key] != value:
            raise ValueError(f"{key!r} is {self.values[key]} and {value}")
        if value < 0:
            raise ValueError(f"{key!r} is a negative count")
        self.values[key] = int(value)
        if anchor:
            self.anchors.add(key)
        self._hidden = None
        return key

    def add_sum(self, total: Key, parts: Iterable[Key]) -> None:
        """Declare total == sum(parts); every key must have been added."""
        parts = tuple(parts)
        if sum(self.values[p] for p in parts) != self.values[total]:
            raise ValueError(f"{total!r} is not the sum of its parts")
        self.sums.append((total, parts))
        self._hidden = None

    def add_table(
        self,
        rows: dict[Key, dict[Key, int]],
        columns: Iterable[Key],
        *,
        name: str,
        anchor: bool = True,
        row_totals: bool = True,
    ) -> None:
        """A table of counts with row totals, column totals and a grand total, all declared.

        Cell keys are (name, row, column); row totals (name, row, None); column totals
        (name, None, column); the grand total (name, None, None). Column and grand totals are
        anchors unless told otherwise. Without `row_totals` a row's cells are not added up, nor
        the column totals (a table of states that are no parts of one whole).
        """
        columns = list(columns)
        for row, cells in rows.items():
            for column in columns:
                self.add((name, row, column), cells.get(column, 0))
            if row_totals:
                self.add((name, row, None), sum(cells.get(c, 0) for c in columns))
                self.add_sum((name, row, None), [(name, row, c) for c in columns])
        for column in columns:
            total = sum(cells.get(column, 0) for cells in rows.values())
            self.add((name, None, column), total, anchor=anchor)
            self.add_sum((name, None, column), [(name, row, column) for row in rows])
        if row_totals:
            grand = sum(self.values[(name, None, c)] for c in columns)
            self.add((name, None, None), grand, anchor=anchor)
            self.add_sum((name, None, None), [(name, None, c) for c in columns])
            self.add_sum((name, None, None), [(name, row, None) for row in rows])

    # deciding ---------------------------------------------------------------------------
    @property
    def hidden(self) -> frozenset:
        if self._hidden is None:
            self._hidden = frozenset(self._protect())
        return self._hidden  # once: display() asks for every key

    def _protect(self) -> set[Key]:
        order = {key: i for i, key in enumerate(self.values)}
        self._sums_of = defaultdict(list)
        for total, parts in self.sums:
            cells = (total, *parts)
            for key in cells:
                self._sums_of[key].append(cells)
        hidden = {key for key, value in self.values.items() if is_small(value)}
        while True:
            while self._partner_lone_cells(hidden, order):
                pass
            pinned = self._pinned(hidden)
            before = len(hidden)
            for key in sorted(pinned, key=order.__getitem__):
                for cells in self._sums_of[key]:
                    partner = self._partner(cells, hidden, order)
                    if partner is not None:
                        hidden.add(partner)
                        break
            if len(hidden) == before:  # none pinned, or nothing left to hide beside them
                # The page gives a pinned partner away anyway: showing it tells nothing new,
                # where hiding it would print SUPPRESSED over a number a user can work out.
                return hidden - {key for key in pinned if not is_small(self.values[key])}

    def _partner_lone_cells(self, hidden: set, order: dict) -> bool:
        changed = False
        for total, parts in self.sums:
            cells = (total, *parts)
            if sum(cell in hidden for cell in cells) == 1:
                partner = self._partner(cells, hidden, order)
                if partner is not None:
                    hidden.add(partner)
                    changed = True
        return changed

    def _partner(self, cells: tuple, hidden: set, order: dict) -> Key | None:
        """The cell to hide beside a hidden one: a visible non-zero part, else the total (unless
        an anchor), else a zero part, else (last) an anchor. Among parts, one that also partners
        a lone hidden cell in another sum comes first (a rectangle instead of a cascade), then
        the first added. Not the smallest: the choice would read the value of a cell about to
        be hidden, and which cells are hidden would tell (partner <= the parts left visible),
        so two tables with the same visible numbers would show different pages."""
        total, parts = cells[0], cells[1:]
        free_parts = [c for c in parts if c not in hidden and c not in self.anchors]
        for choice in (
            [c for c in free_parts if self.values[c] > 0],
            [total] if total not in hidden and total not in self.anchors else [],
            free_parts,
        ):
            if choice:
                return min(choice, key=lambda c: (-self._lone_sums(c, hidden), order[c]))
        # Only anchors are left (a sum of municipality totals): hide a non-zero one (a zero
        # anchor's cells are all zeros, and zeros hidden beside it would each be forced to 0:
        # no protection), a part before the total. The choice reads nothing but the sum itself,
        # so every page that shows this sum hides the same.
        anchors = [c for c in cells if c not in hidden]
        if anchors:
            return min(anchors, key=lambda c: (self.values[c] == 0, c == total, str(c[-1])))
        return None

    def _lone_sums(self, key: Key, hidden: set) -> int:
        return sum(sum(c in hidden for c in cells) == 1 for cells in self._sums_of[key])

    def _pinned(self, hidden: set) -> set[Key]:
        """Hidden cells the page gives away: determined by the sums, or forced to 0 (no count is
        negative), each step taking what the one before found as known."""
        known: set[Key] = set()
        while True:
            known |= self._determined(hidden - known)
            zeros = self._zeroed(hidden - known)
            if not zeros:
                return known
            known |= zeros

    def _zeroed(self, hidden: set) -> set[Key]:
        """The hidden parts of every sum whose visible numbers leave 0 for them: each is 0."""
        zeros = set()
        for total, parts in self.sums:
            hidden_parts = [p for p in parts if p in hidden]
            if hidden_parts and total not in hidden:
                rest = self.values[total] - sum(self.values[p] for p in parts if p not in hidden)
                if rest == 0:
                    zeros.update(hidden_parts)
        return zeros

    def _determined(self, hidden: set) -> set[Key]:
        """Hidden cells the sums determine exactly, given every visible value."""
        groups = self._components(hidden)
        pinned: set[Key] = set()
        for cells in groups:
            index = {key: i for i, key in enumerate(cells)}
            sums = {id(s): s for key in cells for s in self._sums_of[key]}  # those touching
            if not sums:
                continue
            matrix = np.zeros((len(sums), len(cells)))
            for row, (total, *parts) in enumerate(sums.values()):
                for key, sign in ((total, -1.0), *((p, 1.0) for p in parts)):
                    if key in index:
                        matrix[row, index[key]] += sign
            # A cell is pinned when the rows' span holds its unit vector whole: no direction of
            # the null space moves it. The thin SVD gives that span without the null space's
            # own basis (the full one costs ten times as much on a big table).
            _, singular, vt = np.linalg.svd(matrix, full_matrices=False)
            span = vt[: int((singular > 1e-9).sum())]
            held = (span**2).sum(axis=0)
            pinned.update(key for key, i in index.items() if held[i] > 1 - 1e-10)
        return pinned

    def _components(self, hidden: set) -> list[list[Key]]:
        """Hidden cells grouped by the sums that link them (each group solved apart)."""
        parent = {key: key for key in hidden}

        def find(key):
            while parent[key] != key:
                parent[key] = parent[parent[key]]
                key = parent[key]
            return key

        for total, parts in self.sums:
            linked = [c for c in (total, *parts) if c in hidden]
            for other in linked[1:]:
                parent[find(other)] = find(linked[0])
        groups = defaultdict(list)
        for key in self.values:  # insertion order keeps the result stable
            if key in hidden:
                groups[find(key)].append(key)
        return list(groups.values())

    # showing ----------------------------------------------------------------------------
    def is_hidden(self, key: Key) -> bool:
        return key in self.hidden

    def value(self, key: Key) -> int | None:
        """The count, or None when hidden: what a chart may draw."""
        return None if self.is_hidden(key) else self.values[key]

    def display(self, key: Key) -> str:
        return SUPPRESSED if self.is_hidden(key) else str(self.values[key])

    def share(self, part: Key, whole: Key) -> float | None:
        """part / whole in percent, or None unless both are visible and whole is big enough."""
        if self.is_hidden(part) or self.is_hidden(whole):
            return None
        if self.values[whole] < MIN_PERCENT_BASE:
            return None
        return 100 * self.values[part] / self.values[whole]

    def share_display(self, part: Key, whole: Key) -> str:
        share = self.share(part, whole)
        return "–" if share is None else f"{share:.0f}%"

    def enough(self, key: Key) -> bool:
        """Whether a statistic over the people counted in `key` (a mean, a median) may show."""
        return not self.is_hidden(key) and self.values[key] >= MIN_PERCENT_BASE

    def visible(self) -> dict[Key, int]:
        """Everything this page lets a user read: the attacker's view in the tests."""
        return {key: v for key, v in self.values.items() if key not in self.hidden}
