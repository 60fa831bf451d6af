"""Aave reserve capacity and the book's own effect on rates, with hand-worked numbers."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from basis.mechanics import aave

from .stubs import WETH_RATES as WETH  # 2.7 % at the kink U* = 0.9, +80 points to U = 1


def test_borrow_room_is_the_available_liquidity_with_the_book_in_it() -> None:
    # supply 1,000, debt 900: 100 available; the book supplies 50 more and owes 30 already
    # → (1,000 + 50) − (900 + 30) = 120
    assert aave.borrow_room(1_000.0, 900.0, 50.0, 30.0, None) == 120.0
    # a borrow cap of 1,000 leaves 1,000 − 930 = 70, tighter than the liquidity
    assert aave.borrow_room(1_000.0, 900.0, 50.0, 30.0, 1_000.0) == 70.0
    # a cap already passed (and a reserve lent out) leaves nothing, never less
    assert aave.borrow_room(1_000.0, 900.0, 0.0, 0.0, 800.0) == 0.0
    assert aave.borrow_room(1_000.0, 1_000.0, 0.0, 10.0, None) == 0.0


def test_supply_and_withdraw_room() -> None:
    assert aave.supply_room(1_500.0, 200.0, 2_000.0) == 300.0  # 2,000 − (1,500 + 200)
    assert aave.supply_room(2_100.0, 0.0, 2_000.0) == 0.0  # a cap lowered below the supply
    assert aave.supply_room(2_100.0, 0.0, None) == math.inf
    # the book may take out what is not lent: (1,000 + 400) − 1,300 = 100 of its 400
    assert aave.withdraw_room(1_000.0, 1_300.0, 400.0, 0.0) == 100.0


def test_rates_move_by_the_curve_between_the_utilisations_with_and_without_the_book() -> None:
    # U = 800/1,000 = 0.8 (below the kink): k(U) = 0.027 × 0.8/0.9 = 0.024.
    # The book borrows 150: U' = 950/1,000 = 0.95, past the kink:
    # k(U') = 0.027 + 0.80 × (0.95 − 0.9)/0.1 = 0.427.
    # Observed 3 % borrow → 3 % + 0.427 − 0.024 = 43.3 %.
    # Supply: 0.433 × 0.95 = 0.41135; 0.03 × 0.8 = 0.024; (0.41135 − 0.024) × 0.85
    # = 0.3292475; + the observed 2 % = 34.92475 %.
    borrow, supply = aave.rates_with_position(
        np.array([0.03]), np.array([0.02]), np.array([1_000.0]), np.array([800.0]), 0.0, 150.0, WETH
    )
    assert borrow[0] == pytest.approx(0.433, abs=1e-12)
    assert supply[0] == pytest.approx(0.3492475, abs=1e-12)


def test_supplying_lowers_utilisation_and_the_rates_never_go_below_zero() -> None:
    # 500 more supplied: U 0.8 → 800/1,500 = 0.5333: k falls by 0.027 × (0.8 − 0.5333)/0.9
    # = 0.008 → borrow 3 % − 0.8 % = 2.2 %
    borrow, _ = aave.rates_with_position(
        np.array([0.03]), np.array([0.02]), np.array([1_000.0]), np.array([800.0]), 500.0, 0.0, WETH
    )
    assert borrow[0] == pytest.approx(0.022, abs=1e-12)
    # an observed rate below the curve's: the shift would go negative, the rate stops at 0
    borrow, supply = aave.rates_with_position(
        np.array([0.001]), np.array([0.0]), np.array([1_000.0]), np.array([800.0]), 9e6, 0.0, WETH
    )
    assert borrow[0] == 0.0 and supply[0] == 0.0


def test_a_book_with_no_position_gets_the_observed_rates_back_exactly() -> None:
    borrow, supply = np.array([0.031, 0.5]), np.array([0.02, 0.4])
    moved = aave.rates_with_position(
        borrow, supply, np.array([1e6, 2e6]), np.array([9e5, 1.99e6]), 0.0, 0.0, WETH
    )
    np.testing.assert_array_equal(moved[0], borrow)
    np.testing.assert_array_equal(moved[1], supply)


@given(
    st.floats(1e3, 1e9),
    st.floats(0.0, 1.0),
    st.floats(0.0, 1e9),
    st.floats(0.0, 1e9),
)
def test_borrowing_more_never_lowers_the_rate(
    supply: float, utilisation: float, first: float, more: float
) -> None:
    totals = (np.array([supply]), np.array([supply * utilisation]))
    low, _ = aave.rates_with_position(np.array([0.03]), np.array([0.02]), *totals, 0.0, first, WETH)
    high, _ = aave.rates_with_position(
        np.array([0.03]), np.array([0.02]), *totals, 0.0, first + more, WETH
    )
    assert high[0] >= low[0]
