"""Spans: `preview_span` + `commit_span` equal `accrue` + `settle_funding` step by step, and
`risk_path` equals `risk` at every step of the span."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from basis.book import Book, risk
from basis.book import factors as f
from basis.book.risk_path import risk_path
from basis.book.span import Settlement
from basis.config.modes import ModeConfig
from basis.errors import InvalidOperationError

from .stubs import BINANCE_USDT, ETH_PERP, HL_PERP, MARKS, hours, six_positions, step_marks

NAMES = (*step_marks(0), f.liquidity_index("weETH"), f.borrow_index("WETH"))
MODE = ModeConfig(mode="usdt_market_neutral", share_class="USDT")
MARKS_ROW = [MARKS[name] for name in step_marks(0)]  # the stubs' marks, unmoved


def marks_path(steps: int, shock: float, rates: list[float]) -> np.ndarray:
    """Marks of `NAMES` per step: the stubs' wave times `shock`, indices growing."""
    rows = []
    for t in range(1, steps + 1):
        marks = step_marks(t)
        row = [value * (shock if "rate" not in name else 1.0) for name, value in marks.items()]
        rows.append([*row, 1.0 + 1e-5 * t * rates[0], 1.0 + 3e-5 * t * rates[1]])
    return np.array(rows)


def settlements(steps: int, rates: list[float]) -> list[Settlement]:
    """binance every 8 h (hours 0, 8, 16), hyperliquid every hour; in settling order."""
    result = []
    for row in range(steps):
        hour = row + 1
        if hour % 8 == 0:
            result.append(Settlement(row, ETH_PERP, rates[hour % len(rates)]))
        result.append(Settlement(row, HL_PERP, rates[(hour + 1) % len(rates)] / 8.0))
    return result


def stepped(book: Book, values: np.ndarray, plan: list[Settlement], stop: int) -> None:
    """The reference: accrue and settle one step at a time."""
    for row in range(stop):
        book.accrue(hours(row + 1), dict(zip(NAMES, values[row].tolist(), strict=True)))
        for settlement in plan:
            if settlement.row == row:
                book.settle_funding(settlement.instrument, settlement.rate)


def columns(book: Book) -> np.ndarray:
    return np.array([book.column(name) for name in NAMES], dtype=np.intp)


def with_index_marks(book: Book) -> Book:
    book.accrue(book.now, {f.liquidity_index("weETH"): 1.0, f.borrow_index("WETH"): 1.0})
    return book


rates = st.lists(
    st.floats(min_value=-5e-4, max_value=5e-4, allow_nan=False), min_size=3, max_size=9
)


@settings(max_examples=40, deadline=None)
@given(
    steps=st.integers(min_value=1, max_value=60),
    cut=st.floats(min_value=0.0, max_value=1.0),
    shock=st.floats(min_value=0.7, max_value=1.4),
    rates=rates,
)
def test_commit_of_a_span_prefix_equals_stepping(
    steps: int, cut: float, shock: float, rates: list[float]
) -> None:
    stop = max(1, math.ceil(cut * steps))
    values = marks_path(steps, shock, rates)
    plan = settlements(steps, rates)
    reference = with_index_marks(six_positions())
    spanned = with_index_marks(six_positions())
    times = [hours(row + 1) for row in range(steps)]
    path = spanned.preview_span(times, columns(spanned), values, plan)
    before = spanned.attribution()
    spanned.commit_span(path, stop)
    stepped(reference, values, plan, stop)

    assert spanned.holdings() == reference.holdings()  # cash after funding: the same floats
    assert spanned.entries == reference.entries  # one funding entry per settlement, same value
    assert spanned.marks().as_dict() == reference.marks().as_dict()
    assert spanned.now == reference.now
    assert spanned.equity() == reference.equity()
    after, expected = spanned.attribution(), reference.attribution()
    for category, value in expected.items():
        assert after[category] == pytest.approx(value, rel=1e-9, abs=1e-7)
        moved = math.fsum(path.attribution[:stop, list(expected).index(category)])
        assert moved == pytest.approx(value - before[category], rel=1e-9, abs=1e-7)


@settings(max_examples=25, deadline=None)
@given(
    steps=st.integers(min_value=1, max_value=40),
    shock=st.floats(min_value=0.6, max_value=1.6),
    rates=rates,
)
def test_span_equity_and_risk_equal_the_per_step_functions(
    steps: int, shock: float, rates: list[float]
) -> None:
    values = marks_path(steps, shock, rates)
    plan = settlements(steps, rates)
    spanned = with_index_marks(six_positions())
    times = [hours(row + 1) for row in range(steps)]
    path = spanned.preview_span(times, columns(spanned), values, plan)
    view = risk_path(spanned, path)
    reference = with_index_marks(six_positions())
    for row in range(steps):
        stepped_one = reference
        stepped_one.accrue(hours(row + 1), dict(zip(NAMES, values[row].tolist(), strict=True)))
        for settlement in plan:
            if settlement.row == row:
                stepped_one.settle_funding(settlement.instrument, settlement.rate)
        expected = risk(stepped_one, stepped_one.marks(), MODE)
        assert path.equity[row] == pytest.approx(stepped_one.equity(), rel=1e-12)
        (aave,) = expected.aave
        assert view.aave[0].health_factor[row] == pytest.approx(aave.health_factor, rel=1e-12)
        assert view.aave[0].ltv[row] == pytest.approx(aave.ltv, rel=1e-12)
        by_venue = {(m.venue, m.instrument): m.margin_ratio for m in expected.margin}
        assert {(m.venue, m.instrument): m.ratio[row] for m in view.margin} == pytest.approx(
            by_venue, rel=1e-12
        )
        assert {a: d[row] for a, d in view.drift.items()} == pytest.approx(
            expected.delta_drift, rel=1e-9, abs=1e-12
        )


def test_funding_moves_venue_cash_inside_the_span() -> None:
    """A short of 6 ETH at mark 2000 receives 6 × 2000 × 0.0001 = 1.2 USDT at hour 8."""
    book = with_index_marks(six_positions())
    steps = 8
    values = np.array([[*MARKS_ROW, 1.0, 1.0]] * steps)
    path = book.preview_span(
        [hours(row + 1) for row in range(steps)],
        columns(book),
        values,
        [Settlement(7, ETH_PERP, 1e-4)],
    )
    cash = book.units.rows[("a", BINANCE_USDT)]
    assert path.quantity[:8, cash].tolist() == [50_000.0] * 8
    assert path.quantity[8, cash] == pytest.approx(50_001.2, abs=1e-9)
    assert path.attribution[7, 0] == pytest.approx(1.2)  # funding is the first category
    assert path.equity[7] - path.equity[6] == pytest.approx(1.2)


def test_commit_refuses_a_book_that_traded_since_the_preview() -> None:
    book = with_index_marks(six_positions())
    values = np.array([[*MARKS_ROW, 1.0, 1.0]] * 2)
    path = book.preview_span([hours(1), hours(2)], columns(book), values)
    book.commit_span(path, 1)
    with pytest.raises(InvalidOperationError):
        book.commit_span(path, 2)  # its first step is in the past now
