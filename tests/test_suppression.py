"""Small-number suppression (magicmix.aggregates.Disclosure) under attack.

The rules (issue): a count from 1 to SUPPRESS_BELOW - 1 is shown as SUPPRESSED; complementary
cells are hidden too, so no hidden count comes back from a total or a difference; every hidden
cell looks the same whatever its value; a share is shown only over at least MIN_PERCENT_BASE
people.

The attacker (`recover`) sees exactly what one user sees on one page: the visible counts, which
keys are hidden, and the sums that tie them. It knows every hidden value is a whole count >= 0
and nothing more: SUPPRESSED says "<5" for a partner of any size, so it gives no upper bound.
For every hidden key it asks a linear program for the smallest and the largest value that fits
all sums; a key whose smallest equals its largest is recovered.

Pure Python: no database. Every property runs with `derandomize=True`, so CI sees the same
examples every run.
"""

from dataclasses import dataclass, field
from types import SimpleNamespace

import numpy as np
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st
from scipy.optimize import linprog

from magicmix.aggregates import (
    MIN_PERCENT_BASE,
    SUPPRESS_BELOW,
    SUPPRESSED,
    Disclosure,
    is_small,
)

PROPERTY = settings(
    max_examples=100,
    derandomize=True,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much],
)


# the attacker ------------------------------------------------------------------------------
def recover(disclosure: Disclosure) -> dict:
    """Every hidden key whose value the visible numbers and the sums pin down, with that value.

    Only what a user sees is used: `visible()`, the hidden keys, `sums`, and that each hidden
    value is an integer >= 0 with no upper bound. Per group of hidden keys linked by sums, each
    sum becomes an equation over its hidden keys with the visible ones moved to the right; the
    key's minimum and maximum come from HiGHS. Every solution found also shows a range of values
    for the other keys: a key already seen at two values clearly differing is not pinned, and
    its own two programs are skipped (only a speed-up, it changes no answer).
    """
    visible = disclosure.visible()
    hidden = disclosure.hidden
    recovered = {}
    for group in _linked_groups(hidden, disclosure.sums):
        index = {key: i for i, key in enumerate(group)}
        rows, rhs = [], []
        for total, parts in disclosure.sums:
            row, known = np.zeros(len(group)), 0.0
            for key, sign in ((total, -1.0), *((part, 1.0) for part in parts)):
                if key in index:
                    row[index[key]] += sign
                elif key not in hidden:
                    known += sign * visible[key]
            if row.any():
                rows.append(row)
                rhs.append(-known)
        if not rows:  # in no sum: nothing ties the key down
            continue
        matrix, rhs = np.array(rows), np.array(rhs)
        low_seen = np.full(len(group), np.inf)
        high_seen = np.full(len(group), -np.inf)

        def solve(objective, matrix=matrix, rhs=rhs, low_seen=low_seen, high_seen=high_seen):
            result = linprog(objective, A_eq=matrix, b_eq=rhs, bounds=(0, None), method="highs")
            if result.status == 3:  # unbounded: the key can be as large as one likes
                return None
            assert result.status == 0, f"the sums have no solution: {result.message}"
            np.minimum(low_seen, result.x, out=low_seen)
            np.maximum(high_seen, result.x, out=high_seen)
            return result.x

        for key, i in index.items():
            if high_seen[i] - low_seen[i] > 1e-3:
                continue
            unit = np.zeros(len(group))
            unit[i] = 1.0
            lowest = solve(unit)
            if high_seen[i] - low_seen[i] > 1e-3:
                continue
            highest = solve(-unit)
            if highest is not None and highest[i] - lowest[i] <= 1e-6:
                recovered[key] = round(lowest[i])
    return recovered


def _linked_groups(hidden, sums) -> list[list]:
    """Hidden keys grouped by the sums that link them (independent programs)."""
    group_of = {key: {key} for key in hidden}
    for total, parts in sums:
        linked = [key for key in (total, *parts) if key in hidden]
        for other in linked[1:]:
            first, second = group_of[linked[0]], group_of[other]
            if first is not second:
                first |= second
                for key in second:
                    group_of[key] = first
    groups = {id(group): group for group in group_of.values()}
    return [sorted(group, key=repr) for group in groups.values()]


# pages to attack ---------------------------------------------------------------------------
@dataclass
class Table:
    """One `add_table` call: rows (in the order they are added) of {column: count}."""

    name: str
    columns: list
    rows: dict
    anchor: bool = True
    anchored_rows: tuple = ()
    row_totals: bool = True

    def add_to(self, disclosure: Disclosure) -> None:
        for row in self.anchored_rows:
            disclosure.add((self.name, row, None), self.row_total(row), anchor=True)
        disclosure.add_table(
            self.rows, self.columns, name=self.name, anchor=self.anchor, row_totals=self.row_totals
        )

    def moved(self, rows: dict) -> "Table":
        return Table(
            self.name, self.columns, rows, self.anchor, self.anchored_rows, self.row_totals
        )

    def row_total(self, row) -> int:
        return sum(self.rows[row].values())


@dataclass
class Page:
    """Everything one dashboard shows: tables, then sums linking them."""

    tables: list
    links: list = field(default_factory=list)

    def build(self) -> Disclosure:
        disclosure = Disclosure()
        for table in self.tables:
            table.add_to(disclosure)
        for total, parts in self.links:
            disclosure.add_sum(total, parts)
        return disclosure


# many zeros (a destination nobody went to) and small counts, some larger ones
COUNTS = st.one_of(st.just(0), st.integers(0, 6), st.integers(0, 6), st.integers(0, 60))
# a small municipality: mostly nobody, a few people here and there
SPARSE = st.one_of(st.just(0), st.just(0), st.just(0), st.integers(1, 6), st.integers(5, 12))
ROWS, COLUMNS = st.integers(2, 8), st.integers(1, 6)


@st.composite
def tables(draw, name="t", n_rows=ROWS, n_columns=COLUMNS, row_totals=None, counts=COUNTS):
    """Column and grand totals anchors or not; sometimes some row totals anchors too; sometimes
    (a table of states, `row_totals=False`) no row totals at all."""
    rows, columns = draw(n_rows), draw(n_columns)
    column_keys = [f"c{j}" for j in range(columns)]
    row_keys = draw(st.permutations([f"p{i}" for i in range(rows)]))  # the order they are added
    cells = {row: {column: draw(counts) for column in column_keys} for row in row_keys}
    anchor = draw(st.booleans())
    if row_totals is None:
        row_totals = draw(st.sampled_from([True, True, True, False]))
    anchored_rows = ()
    if row_totals and draw(st.booleans()):
        anchored_rows = tuple(draw(st.lists(st.sampled_from(row_keys), unique=True)))
    return Table(name, column_keys, cells, anchor, anchored_rows, row_totals)


@st.composite
def linked_pages(draw):
    """A "mix" table project x {dragend, vragend} and a "groups" table project x target group
    counting the same people: each project's mix total is the sum of its group cells, or (as
    the dashboard declares it) equal to its groups total."""
    groups = draw(tables(name="groups", n_columns=st.integers(1, 5), row_totals=True))
    mix_rows = {}
    for row in draw(st.permutations(list(groups.rows))):
        total = groups.row_total(row)
        dragend = draw(st.integers(0, total))
        mix_rows[row] = {"dragend": dragend, "vragend": total - dragend}
    # The same people: a total that is an anchor in one table is one in the other.
    mix = Table("mix", ["dragend", "vragend"], mix_rows, groups.anchor, groups.anchored_rows)
    if draw(st.booleans()):  # mix total = the group cells
        links = [
            (("mix", row, None), [("groups", row, column) for column in groups.columns])
            for row in groups.rows
        ]
    else:  # mix total = groups total, as the dashboard says it (grand totals too)
        links = [(("mix", row, None), [("groups", row, None)]) for row in [*groups.rows, None]]
    ordered = [mix, groups] if draw(st.booleans()) else [groups, mix]
    return Page(ordered, links)


single_tables = tables().map(lambda table: Page([table]))
single_columns = tables(n_columns=st.just(1)).map(lambda table: Page([table]))
sparse_tables = tables(counts=SPARSE).map(lambda table: Page([table]))
pages = st.one_of(single_tables, single_columns, sparse_tables, linked_pages())


# what must hold on every page ---------------------------------------------------------------
def check_primary_and_partners(disclosure: Disclosure) -> None:
    hidden = disclosure.hidden
    for key, value in disclosure.values.items():
        if is_small(value):
            assert key in hidden, f"{key!r} = {value} is shown"
    for key in hidden:
        if not is_small(disclosure.values[key]):
            assert any(
                key in cells and any(other in hidden for other in cells if other != key)
                for cells in ((total, *parts) for total, parts in disclosure.sums)
            ), f"{key!r} = {disclosure.values[key]} is hidden beside nothing hidden"


def check_nothing_recovered(disclosure: Disclosure) -> None:
    """No small count comes back, nor any other count but a 0 (see the main property)."""
    recovered = recover(disclosure)
    small = {key: v for key, v in recovered.items() if is_small(v)}
    assert not small, f"small counts recovered: {small}; hidden: {sorted(disclosure.hidden)}"
    people = {key: v for key, v in recovered.items() if v}
    assert not people, f"hidden counts recovered: {people}"


def check_no_lone_hidden_cell(disclosure: Disclosure) -> None:
    for total, parts in disclosure.sums:
        hidden = [key for key in (total, *parts) if key in disclosure.hidden]
        assert len(hidden) != 1, f"{hidden[0]!r} is the only hidden cell of {total!r}"


def check_every_order(disclosure: Disclosure) -> None:
    check_primary_and_partners(disclosure)
    check_no_lone_hidden_cell(disclosure)
    check_nothing_recovered(disclosure)


# properties -------------------------------------------------------------------------------
@PROPERTY
@given(pages)
def test_small_counts_are_hidden_and_the_rest_only_as_partners(page):
    """Every count 1..4 is hidden; a hidden 0 or >= 5 shares a sum with another hidden cell."""
    check_primary_and_partners(page.build())


@settings(PROPERTY, max_examples=300)
@given(pages)
def test_the_attacker_recovers_nothing_but_zeros(page):
    """The main property: no hidden count comes back from the visible numbers and the sums.

    The strongest form that holds: no small count, and no other count either, except a 0.
    Partners used to come back too (never a small count): a mix total hidden but equal to a
    groups total still shown, zeros in a sum whose shown numbers left 0 for them. They
    protected nothing, and Disclosure now shows what the page gives away anyway (the sums
    alone, or one sum leaving 0). A 0 that only several sums together force stays hidden:
    t: p0 [0, 0, 0, 0], p1 [0, 0, 5, 0], p2 [0, 5, 0, 1] with its column totals anchors hides
    c0, c1 and c3 of p0 and p1, and columns c0 + c1 + c3 (6) minus row p2's share of them
    (6) leaves 0 for those six cells. Finding that takes a linear program; a 0 is nobody, so
    it gives no one away, and the 1 beside it could be anything from 0 to 6 (the example
    test_only_several_sums_together_force_a_hidden_zero)."""
    check_nothing_recovered(page.build())


@settings(PROPERTY, max_examples=200)
@given(sparse_tables)
def test_the_attacker_recovers_nothing_but_zeros_in_a_small_municipality(page):
    """The same on mostly empty tables, where the leaks hide: a small column total beside zero
    ones, zeros that a zero total forces (see test_a_zero_beside_a_small_anchor_...)."""
    check_nothing_recovered(page.build())


@PROPERTY
@given(pages)
def test_no_sum_has_exactly_one_hidden_cell(page):
    """Total minus the rest gives a lone hidden cell back, so no sum has exactly one."""
    check_no_lone_hidden_cell(page.build())


@PROPERTY
@given(pages)
def test_a_hidden_cell_shows_the_same_whatever_it_is(page):
    """display() is SUPPRESSED for every hidden key, primary or partner, and the number for
    every visible one; value() is None for a hidden key, so a chart cannot draw its size."""
    disclosure = page.build()
    for key, count in disclosure.values.items():
        if key in disclosure.hidden:
            assert disclosure.display(key) == SUPPRESSED
            assert disclosure.value(key) is None
        else:
            assert disclosure.display(key) == str(count)
            assert disclosure.value(key) == count
    assert set(disclosure.visible()) == set(disclosure.values) - disclosure.hidden


@PROPERTY
@given(pages, st.data())
def test_a_share_needs_both_numbers_visible_and_a_base_of_ten(page, data):
    """share(part, whole) is None unless both are visible and whole >= MIN_PERCENT_BASE; then
    it is exactly 100 * part / whole."""
    disclosure = page.build()
    keys = list(disclosure.values)
    pairs = [(part, total) for total, parts in disclosure.sums for part in parts]
    pairs += data.draw(st.lists(st.tuples(st.sampled_from(keys), st.sampled_from(keys))))
    for part, whole in pairs:
        share = disclosure.share(part, whole)
        shown = part not in disclosure.hidden and whole not in disclosure.hidden
        if shown and disclosure.values[whole] >= MIN_PERCENT_BASE:
            assert share == 100 * disclosure.values[part] / disclosure.values[whole]
        else:
            assert share is None
            assert disclosure.share_display(part, whole) == "–"


def hidden_rectangles(table: Table, hidden) -> list:
    """(r1, r2, c1, c2) with all four cells hidden and (r1, c1) small."""
    found = []
    for r1 in table.rows:
        for c1 in table.columns:
            if not is_small(table.rows[r1][c1]):
                continue
            for r2 in table.rows:
                for c2 in table.columns:
                    corners = [(r1, c1), (r1, c2), (r2, c1), (r2, c2)]
                    if r1 != r2 and c1 != c2 and all((table.name, *c) in hidden for c in corners):
                        found.append((r1, r2, c1, c2))
    return found


def kind(count: int) -> str:
    return "small" if is_small(count) else "zero" if count == 0 else "shown"


@settings(PROPERTY, max_examples=200)
@given(tables(), st.data())
def test_two_tables_that_differ_only_in_hidden_cells_look_the_same(table, data):
    """Move one around a rectangle of hidden cells (+1, -1, -1, +1) so the small corner stays
    in 1..4 and no total changes: the page shows exactly the same, so it cannot tell which.

    Every corner keeps its kind (1..4 stays 1..4, >= 5 stays >= 5; a 0 cannot move): a move
    that makes a 4 a 5 or a 1 a 0 changes which counts are small, so it is another page with
    other primary cells (t: p1 [6, 1, 5], p0 [4, 4, 6] moved to p1 [7, 0, 5], p0 [3, 5, 6]
    hides other cells), not a hidden value showing through."""
    before = Page([table]).build()
    moves = [
        (corners, step)
        for r1, r2, c1, c2 in hidden_rectangles(table, before.hidden)
        for corners in [{(r1, c1): 1, (r1, c2): -1, (r2, c1): -1, (r2, c2): 1}]
        for step in (1, -1)
        if all(
            kind(table.rows[r][c] + sign * step) == kind(table.rows[r][c])
            for (r, c), sign in corners.items()
        )
    ]
    assume(moves)
    corners, step = data.draw(st.sampled_from(moves))
    moved = {row: dict(cells) for row, cells in table.rows.items()}
    for (row, column), sign in corners.items():
        moved[row][column] += sign * step
    after = Page([table.moved(moved)]).build()
    assert after.visible() == before.visible()
    assert after.hidden == before.hidden
    assert [after.display(key) for key in after.values] == [
        before.display(key) for key in before.values
    ]


@PROPERTY
@given(pages)
def test_anchors_are_hidden_only_when_small_or_nothing_else_is_left(page):
    """The municipality's totals show alike on every page: an anchor is hidden when small, or as
    a partner in a sum where every cell that is no anchor is hidden already.

    "Only when small" cannot hold: the column totals and the grand total are all anchors, so a
    single small column total comes back as the grand total minus the others (t: p0 [0, 4],
    p1 [59, 0] shows 59 and 63 beside the hidden 4) unless another anchor hides with it."""
    disclosure = page.build()
    for key in disclosure.anchors & disclosure.hidden:
        if is_small(disclosure.values[key]):
            continue
        assert any(
            key in cells
            and all(c in disclosure.hidden for c in cells if c not in disclosure.anchors)
            for cells in ((total, *parts) for total, parts in disclosure.sums)
        ), f"anchor {key!r} hidden as a partner while other cells could have been"


@PROPERTY
@given(tables(), st.randoms(use_true_random=False))
def test_pages_with_the_same_anchors_hide_the_same_anchors(table, random):
    """Two pages of one municipality (the same column totals, other projects' cells: each column
    shuffled over the rows) hide the same anchors, so no page shows what another hides."""
    assume(table.anchor)
    table.anchored_rows = ()
    shuffled = {row: {} for row in table.rows}
    for column in table.columns:
        counts = [cells[column] for cells in table.rows.values()]
        random.shuffle(counts)
        for row, count in zip(shuffled, counts, strict=True):
            shuffled[row][column] = count
    first = Page([table]).build()
    second = Page([table.moved(shuffled)]).build()
    assert first.anchors == second.anchors
    assert first.anchors & first.hidden == second.anchors & second.hidden


@PROPERTY
@given(pages, st.randoms(use_true_random=False))
def test_the_same_page_gives_the_same_hidden_cells_in_any_order(page, random):
    """The same input hides the same cells; built with its rows in another order, every
    property still holds (which partner wins a tie may follow the order: see below)."""
    assert page.build().hidden == page.build().hidden
    for table in page.tables:
        order = list(table.rows)
        random.shuffle(order)
        table.rows = {row: table.rows[row] for row in order}
    check_every_order(page.build())


def test_the_threshold_lives_in_one_place():
    assert f"<{SUPPRESS_BELOW}" == SUPPRESSED
    assert SUPPRESS_BELOW == 5
    assert MIN_PERCENT_BASE == 10
    assert [is_small(n) for n in range(7)] == [False, True, True, True, True, False, False]


# the classic attacks, by hand ---------------------------------------------------------------
def shown_with(disclosure: Disclosure, hidden) -> SimpleNamespace:
    """The attacker's view of the same page had only `hidden` been hidden (a weaker rule)."""
    hidden = frozenset(hidden)
    visible = {key: v for key, v in disclosure.values.items() if key not in hidden}
    return SimpleNamespace(hidden=hidden, sums=disclosure.sums, visible=lambda: visible)


def small_ones(disclosure: Disclosure) -> set:
    return {key for key, value in disclosure.values.items() if is_small(value)}


def test_a_row_total_minus_the_rest_gives_nothing():
    """Hiding only the 3 lets total minus the rest give it back; a rectangle of partners (one
    in its row, two in the next) leaves every total and the other numbers shown."""
    d = Disclosure()
    d.add_table({"a": {"x": 3, "y": 20, "z": 30}, "b": {"x": 10, "y": 12, "z": 7}}, "xyz", name="t")
    assert recover(shown_with(d, small_ones(d))) == {("t", "a", "x"): 3}
    assert d.hidden == {("t", "a", "x"), ("t", "a", "y"), ("t", "b", "x"), ("t", "b", "y")}
    assert recover(d) == {}
    assert d.display(("t", "a", None)) == "53"
    assert d.display(("t", None, "x")) == "13"


def test_a_column_total_minus_the_rest_gives_nothing():
    """One column: the municipality's total (an anchor, shown) minus the other projects gives
    the small one back, so another project's count hides with it."""
    d = Disclosure()
    d.add_table({"a": {"n": 3}, "b": {"n": 20}, "c": {"n": 30}}, ["n"], name="t")
    assert recover(shown_with(d, small_ones(d))) == {("t", "a", "n"): 3, ("t", "a", None): 3}
    assert d.hidden == {("t", "a", "n"), ("t", "a", None), ("t", "b", "n"), ("t", "b", None)}
    assert recover(d) == {}
    assert d.display(("t", None, "n")) == "53"


def test_a_total_two_tables_share_hides_in_both():
    """Each table protected on its own hides the groups table's row totals, but the mix table
    shows the same people's totals: 6 and 6 give the groups' 3 back. Declared equal, they
    hide together."""
    mix = {"p0": {"dragend": 2, "vragend": 4}, "p1": {"dragend": 1, "vragend": 5}}
    groups = {"p0": {"g0": 3, "g1": 2, "g2": 1}, "p1": {"g0": 6, "g1": 0, "g2": 0}}
    apart = []
    for name, rows, columns in (
        ("mix", mix, ["dragend", "vragend"]),
        ("groups", groups, ["g0", "g1", "g2"]),
    ):
        one = Disclosure()
        one.add_table(rows, columns, name=name)
        assert recover(one) == {}
        apart.append(one.hidden)
    d = Disclosure()
    d.add_table(mix, ["dragend", "vragend"], name="mix")
    d.add_table(groups, ["g0", "g1", "g2"], name="groups")
    for row in ["p0", "p1", None]:
        d.add_sum(("mix", row, None), [("groups", row, None)])
    assert recover(shown_with(d, apart[0] | apart[1]))[("groups", "p0", "g0")] == 3
    assert recover(d) == {}
    for row in ["p0", "p1", None]:
        assert d.is_hidden(("mix", row, None)) == d.is_hidden(("groups", row, None))


def test_a_cell_pinned_through_several_sums_gets_a_further_partner():
    """After the first partners (the small ones; the anchor c1 beside the small anchor c0;
    cells beside them) no sum has a lone hidden cell, yet column c0, column c1, the grand total
    and row p2 together give p1's 2 back: c0 + c1 = 34 - 18 = 16, p2's two hidden cells are
    19 - 5 = 14, and p1's c1 is the difference. That bridge needs one more partner."""
    d = Disclosure()
    rows = {"p0": {"c0": 0, "c1": 0, "c2": 4}, "p1": {"c0": 0, "c1": 2, "c2": 9}}
    rows["p2"] = {"c0": 2, "c1": 12, "c2": 5}
    d.add_table(rows, ["c0", "c1", "c2"], name="t")
    first_partners = {("t", "p0", "c2"), ("t", "p0", None), ("t", "p1", "c1"), ("t", "p1", "c2")}
    first_partners |= {("t", "p1", None), ("t", "p2", "c0"), ("t", "p2", "c1")}
    first_partners |= {("t", None, "c0"), ("t", None, "c1")}
    for total, parts in d.sums:
        assert len([key for key in (total, *parts) if key in first_partners]) != 1
    assert recover(shown_with(d, first_partners)) == {("t", "p1", "c1"): 2}
    assert d.hidden > first_partners
    assert recover(d) == {}


def test_a_zero_beside_a_small_anchor_protects_nothing():
    """Found by test_dashboard_privacy: outflow destinations with one project's single private
    rent. The column totals are anchors; private rent's 1 is small, and 6 - 5 - 0 - 0 - 0 gives
    it back, so another anchor must hide. A zero one (institution) did not help: its cells and
    every partner beside them are forced to 0 (no count is negative). Social rent's 5 does."""
    d = Disclosure()
    columns = ["social_rent", "private_rent", "institution", "other", "unknown"]
    d.add_table({"P0": {}, "P1": {"social_rent": 5}, "P2": {"private_rent": 1}}, columns, name="o")
    assert ("o", None, "social_rent") in d.hidden
    assert ("o", None, "institution") not in d.hidden
    assert recover(d) == {}


def test_only_several_sums_together_force_a_hidden_zero():
    """The one kind of hidden count the attacker gets: six zeros that columns c0, c1 and c3
    minus row p2 force together (no single sum does). The small 1 stays free."""
    rows = {"p0": dict.fromkeys(["c0", "c1", "c2", "c3"], 0)}
    rows["p1"] = {"c0": 0, "c1": 0, "c2": 5, "c3": 0}
    rows["p2"] = {"c0": 0, "c1": 5, "c2": 0, "c3": 1}
    d = Disclosure()
    d.add_table(rows, ["c0", "c1", "c2", "c3"], name="t")
    forced = {("t", row, column): 0 for row in ["p0", "p1"] for column in ["c0", "c1", "c3"]}
    assert recover(d) == forced
    assert ("t", "p2", "c3") in d.hidden


def test_tables_with_the_same_visible_numbers_show_the_same_page():
    """With partners chosen as the smallest, p0's 5 or 6 in c0 decided whether c0 or c1 hid
    beside p0's small cell: moving one around the hidden rectangle (p0, p2) x (c0, c3) changed
    the page, though no visible number differs. Partners now go by the order added."""
    rows = {
        "p0": {"c0": 5, "c1": 5, "c2": 0, "c3": 2},
        "p1": dict.fromkeys(["c0", "c1", "c2", "c3"], 0),
    }
    rows["p2"] = {"c0": 6, "c1": 0, "c2": 0, "c3": 3}
    before = Page([Table("t", ["c0", "c1", "c2", "c3"], rows, anchor=False)]).build()
    moved = {row: dict(cells) for row, cells in rows.items()}
    moved["p0"].update(c0=6, c3=1)
    moved["p2"].update(c0=5, c3=4)
    after = Page([Table("t", ["c0", "c1", "c2", "c3"], moved, anchor=False)]).build()
    assert before.hidden >= {
        ("t", "p0", "c0"),
        ("t", "p0", "c3"),
        ("t", "p2", "c0"),
        ("t", "p2", "c3"),
    }
    assert after.visible() == before.visible()


def test_which_partner_hides_follows_the_order_rows_were_added():
    """Between equal candidates the first added hides: the page fixes the order (projects by
    name), so the result is stable, but another order may hide another project."""
    forward = Disclosure()
    forward.add_table({"a": {"n": 1}, "b": {"n": 5}, "c": {"n": 7}}, ["n"], name="t")
    backward = Disclosure()
    backward.add_table({"c": {"n": 7}, "b": {"n": 5}, "a": {"n": 1}}, ["n"], name="t")
    assert ("t", "b", "n") in forward.hidden
    assert ("t", "c", "n") not in forward.hidden
    assert ("t", "c", "n") in backward.hidden
    assert ("t", "b", "n") not in backward.hidden
    assert recover(forward) == recover(backward) == {}
