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
from basis.book.span import Settlements
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


def settlements(steps: int, rates: list[float]) -> list[Settlements]:
    """binance every 8 h (hours 0, 8, 16), hyperliquid every hour; feed by feed."""
    binance = np.array([row for row in range(steps) if (row + 1) % 8 == 0], dtype=np.intp)
    every = np.arange(steps, dtype=np.intp)
    return [
        Settlements(ETH_PERP, binance, np.array([rates[(r + 1) % len(rates)] for r in binance])),
        Settlements(HL_PERP, every, np.array([rates[(r + 2) % len(rates)] / 8 for r in every])),
    ]


def stepped(book: Book, values: np.ndarray, plan: list[Settlements], stop: int) -> None:
    """The reference: accrue and settle one step at a time, feed by feed."""
    for row in range(stop):
        book.accrue(hours(row + 1), dict(zip(NAMES, values[row].tolist(), strict=True)))
        for feed in plan:
            for at, rate in zip(feed.rows, feed.rates, strict=True):
                if at == row:
                    book.settle_funding(feed.instrument, float(rate))


def epochs(steps: int) -> np.ndarray:
    return np.array([int(hours(row + 1).timestamp()) for row in range(steps)], dtype=np.int64)


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
    path = spanned.preview_span(epochs(steps), columns(spanned), values, plan)
    before = spanned.attribution()
    moved = spanned.commit_span(path, stop)
    stepped(reference, values, plan, stop)

    assert spanned.holdings() == reference.holdings()  # cash after funding: the same floats
    assert spanned.entries == reference.entries  # one funding entry per settlement, same value
    assert spanned.marks().as_dict() == reference.marks().as_dict()
    assert spanned.now == reference.now
    assert spanned.equity() == reference.equity()
    after, expected = spanned.attribution(), reference.attribution()
    for category, value in expected.items():
        assert after[category] == pytest.approx(value, rel=1e-9, abs=1e-7)
        column = math.fsum(moved[:, list(expected).index(category)])
        assert column == pytest.approx(value - before[category], rel=1e-9, abs=1e-7)


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
    path = spanned.preview_span(epochs(steps), columns(spanned), values, plan)
    view = risk_path(spanned, path)
    reference = with_index_marks(six_positions())
    for row in range(steps):
        stepped_one = reference
        stepped_one.accrue(hours(row + 1), dict(zip(NAMES, values[row].tolist(), strict=True)))
        for feed in plan:
            for at, rate in zip(feed.rows, feed.rates, strict=True):
                if at == row:
                    stepped_one.settle_funding(feed.instrument, float(rate))
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
    plan = [Settlements(ETH_PERP, np.array([7], dtype=np.intp), np.array([1e-4]))]
    path = book.preview_span(epochs(steps), columns(book), values, plan)
    cash = book.units.rows[("a", BINANCE_USDT)]
    assert path.quantity[:8, cash].tolist() == [50_000.0] * 8
    assert path.quantity[8, cash] == pytest.approx(50_001.2, abs=1e-9)
    assert path.funding[7].sum() == pytest.approx(1.2)
    assert path.equity[7] - path.equity[6] == pytest.approx(1.2)
    assert book.commit_span(path, 8)[7, 0] == pytest.approx(1.2)  # funding: first category


def test_commit_refuses_a_span_already_committed() -> None:
    book = with_index_marks(six_positions())
    values = np.array([[*MARKS_ROW, 1.0, 1.0]] * 2)
    path = book.preview_span(epochs(2), columns(book), values)
    book.commit_span(path, 1)
    with pytest.raises(InvalidOperationError):
        book.commit_span(path, 2)  # its first step is in the past now


def test_commit_refuses_a_book_that_traded_since_the_preview() -> None:
    """A trade on an existing row changes no table shape: the commit must still see it."""
    book = with_index_marks(six_positions())
    values = np.array([[*MARKS_ROW, 1.0, 1.0]] * 2)
    path = book.preview_span(epochs(2), columns(book), values)
    book.perp_trade("a", ETH_PERP, -1.0, 2000.0, 0.0)
    with pytest.raises(InvalidOperationError, match="changed since the span was previewed"):
        book.commit_span(path, 2)
    book.deposit("a", BINANCE_USDT, 10.0)
    with pytest.raises(InvalidOperationError, match="changed since the span was previewed"):
        book.commit_span(path, 2)
