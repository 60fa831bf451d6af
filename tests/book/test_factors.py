"""Marks: factor names, a growing float vector, values checked before anything changes."""

from __future__ import annotations

import math

import pytest

from basis.book import factors as f
from basis.book.factors import ONE, Marks
from basis.book.instruments import Instrument
from basis.errors import InvalidOperationError


def test_factor_names_follow_one_scheme() -> None:
    assert f.price("WETH") == "price:ETH"
    assert f.protocol_rate("weETH") == "protocol_rate:weETH"
    assert f.market_rate("weETH") == "market_rate:weETH"
    assert f.mark(Instrument.perp("binance", "ETHUSDT")) == "mark:binance:perp:ETHUSDT"
    assert f.liquidity_index("WETH") == "liquidity_index:aave_v3:WETH"
    assert f.borrow_index("WETH") == "borrow_index:aave_v3:WETH"


def test_marks_new_names_get_appended_columns() -> None:
    marks = Marks({"price:ETH": 2000.0})
    marks.set({f"price:T{i}": float(i + 1) for i in range(20)})
    assert marks.column(ONE) == 0
    assert marks.column("price:ETH") == 1
    assert marks.column("price:T19") == 21
    assert marks["price:T19"] == 20.0
    assert marks.values[0] == 1.0
    assert len(marks.values) == 22


@pytest.mark.parametrize("bad", [0.0, -1.0, math.nan, math.inf])
def test_marks_bad_value_raises_and_changes_nothing(bad: float) -> None:
    marks = Marks({"price:ETH": 2000.0})
    with pytest.raises(InvalidOperationError, match="price:BTC must be finite and > 0"):
        marks.set({"price:ETH": 2100.0, "price:BTC": bad})
    assert marks.as_dict() == {ONE: 1.0, "price:ETH": 2000.0}


def test_marks_constant_cannot_be_set() -> None:
    with pytest.raises(InvalidOperationError, match="constant"):
        Marks({ONE: 2.0})


def test_marks_unknown_name_raises() -> None:
    with pytest.raises(InvalidOperationError, match="no mark for price:SOL"):
        Marks()["price:SOL"]


def test_marks_updated_leaves_the_original_alone() -> None:
    marks = Marks({"price:ETH": 2000.0})
    other = marks.updated({"price:ETH": 1000.0, "price:BTC": 1.0})
    assert marks.as_dict() == {ONE: 1.0, "price:ETH": 2000.0}
    assert other["price:ETH"] == 1000.0
    assert "price:BTC" in other and "price:BTC" not in marks
