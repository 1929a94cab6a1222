"""The perturbation table of the cell key method (magicmix.dashboard.disclosure): what it may
and may not publish, for every count and every cell key."""

from collections import Counter

import pytest
from hypothesis import given
from hypothesis import strategies as st

from magicmix.dashboard.disclosure import (
    HIDDEN,
    KEY_RANGE,
    MAX_NOISE,
    MIN_BASE,
    SMALL,
    Cell,
    preimage,
    publish,
    share_display,
    total,
)

counts = st.integers(0, 400)
keys = st.integers(0, KEY_RANGE - 1)


@given(counts, keys)
def test_no_count_from_1_to_4_is_ever_published(n, key):
    assert not 0 < publish(Cell(n, key)) < SMALL


@given(counts, keys)
def test_a_count_moves_by_at_most_the_noise_and_zero_stays_zero(n, key):
    shown = publish(Cell(n, key))
    if n == 0:
        assert shown == 0
    elif n < SMALL:
        assert shown in {0, SMALL}
    else:
        assert shown >= SMALL
        assert abs(shown - n) <= MAX_NOISE


@given(counts, keys)
def test_the_true_count_is_always_in_the_preimage_and_never_alone(n, key):
    shown = publish(Cell(n, key))
    assert n in preimage(shown)
    assert len(preimage(shown)) >= 3  # one number never pins a count


def test_small_counts_are_right_on_average_and_large_ones_mostly_unchanged():
    for n in (1, 2, 3, 4, 7, 20):
        shown = [publish(Cell(n, key)) for key in range(KEY_RANGE)]
        assert sum(shown) / KEY_RANGE == pytest.approx(n, abs=0.01)
    unchanged = Counter(publish(Cell(20, key)) - 20 for key in range(KEY_RANGE))
    assert unchanged[0] / KEY_RANGE == pytest.approx(0.56, abs=0.01)
    assert set(unchanged) == {-2, -1, 0, 1, 2}


@given(st.lists(st.tuples(st.integers(0, 30), keys), min_size=1, max_size=8))
def test_the_same_records_give_the_same_number_however_they_are_added_up(parts):
    cells = [Cell(n, k) for n, k in parts]
    forwards, backwards = total(cells), total(reversed(cells))
    assert forwards == backwards
    assert publish(forwards) == publish(backwards)
    assert forwards.n == sum(n for n, _k in parts)


def test_a_share_needs_ten_published_people():
    nine = next(Cell(9, k) for k in range(KEY_RANGE) if publish(Cell(9, k)) == 9)
    ten = next(Cell(10, k) for k in range(KEY_RANGE) if publish(Cell(10, k)) == 10)
    assert share_display(nine, nine) == HIDDEN
    assert share_display(ten, ten) == "100%"
    assert publish(ten) >= MIN_BASE


@given(st.integers(0, 80), st.integers(0, 80), keys)
def test_a_bounded_count_never_shows_above_its_bound_nor_as_1_to_4(n, bound, key):
    from magicmix.dashboard.disclosure import publish_at_most

    if n > bound:
        n = bound  # residents are never more than the units
    shown = publish_at_most(Cell(n, key), bound)
    assert not 0 < shown < SMALL
    assert shown <= max(bound, SMALL)
    assert n in preimage(shown)
