"""Exposure: values per position in USD and share class, net delta per asset; never mutates."""

from __future__ import annotations

import pytest

from basis.book import Book, Instrument, exposure
from basis.book import factors as f

from .stubs import ETH_PERP, WEETH_SUPPLY, WETH_DEBT, book, loop, snapshot


def _hedged() -> Book:
    # USDT class: 10 weETH supplied (rate 1.05, market 1.04), 5 WETH borrowed and held,
    # short 10 ETH perp at 2000 (mark 2010) with 5000 USDT at binance.
    b = book(**{f.market_rate("weETH"): 1.04, f.mark(ETH_PERP): 2010.0})
    b.deposit("a", Instrument.wallet("weETH"), 10.0)
    b.deposit("a", Instrument.token("binance", "USDT"), 5000.0)
    b.set_emode("a", "ETH")
    b.aave_supply("a", "weETH", 10.0)
    b.aave_borrow("a", "WETH", 5.0)
    b.perp_trade("a", ETH_PERP, -10.0, 2000.0, 0.0)
    return b


def test_exposure_values_each_position_in_usd_and_share_class() -> None:
    b = _hedged()
    view = exposure(b, b.marks())
    values = {str(p.instrument): (p.units, p.value_usd) for p in view.positions}
    assert values == {
        "aave_v3:supply:weETH": (10.0, pytest.approx(10 * 1.04 * 2000)),  # 20,800
        "aave_v3:debt:WETH": (5.0, pytest.approx(-10_000.0)),
        "wallet:token:WETH": (5.0, pytest.approx(10_000.0)),
        "binance:token:USDT": (5000.0, pytest.approx(5000.0)),
        "binance:perp:ETHUSDT": (-10.0, pytest.approx(-100.0)),  # −10 × (2010 − 2000)
    }
    assert view.equity == pytest.approx(20_800 + 5000 - 100)
    assert view.equity == pytest.approx(b.equity())


def test_exposure_net_delta_counts_weth_lst_rate_perp_size_and_debt_negative() -> None:
    # ETH: 10 weETH × 1.04 + 5 WETH − 5 WETH debt − 10 perp = 0.4 ETH;
    # USDT: 5000 cash + perp quote leg 10 × 2000 = 25,000.
    view = exposure(_hedged(), _hedged().marks())
    assert view.delta["ETH"] == pytest.approx(0.4, rel=1e-12)
    assert view.delta["USDT"] == pytest.approx(25_000.0)
    assert view.delta_value["ETH"] == pytest.approx(0.4 * 2000, rel=1e-12)


def test_exposure_in_eth_share_class_divides_by_eth_price() -> None:
    b = loop("ETH", equity_eth=10.0, ltv=0.9)
    view = exposure(b, b.marks())
    by_instrument = {p.instrument: p for p in view.positions}
    assert by_instrument[WEETH_SUPPLY].value == pytest.approx(100.0, rel=1e-12)
    assert by_instrument[WETH_DEBT].value == pytest.approx(-90.0, rel=1e-12)
    assert view.equity == pytest.approx(10.0, rel=1e-12)
    assert view.equity_usd == pytest.approx(20_000.0, rel=1e-12)


def test_exposure_under_other_marks_leaves_the_book_alone() -> None:
    b = _hedged()
    before = snapshot(b)
    stressed = exposure(b, b.marks().updated({f.price("ETH"): 1000.0, f.mark(ETH_PERP): 1000.0}))
    # supply 10 × 1.04 × 1000 − debt 5000 + WETH 5000 + cash 5000 + perp −10 × (1000 − 2000)
    assert stressed.equity == pytest.approx(10_400 + 5000 + 10_000)
    assert snapshot(b) == before
