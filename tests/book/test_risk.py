"""Risk: HF and LTV at oracle prices, margin ratios, distances to liquidation, delta drift."""

from __future__ import annotations

import pytest

from basis.book import Breach, Instrument, risk
from basis.book import factors as f
from basis.book.risk import aave_account, delta_drift, margins, oracle_price, perp_liquidations
from basis.config import ModeConfig

from .stubs import BINANCE_USDT, ETH_PERP, book, funded, hours, loop, snapshot


def test_oracle_price_of_lst_is_protocol_rate_times_eth() -> None:
    b = book(**{f.market_rate("weETH"): 1.0})  # a deep DEX depeg does not move the oracle
    assert oracle_price(b, b.marks(), "weETH") == pytest.approx(1.05 * 2000)
    assert oracle_price(b, b.marks(), "WETH") == 2000.0


def test_aave_account_golden_hf_ltv_and_liquidation_move() -> None:
    # Loop E = 10 ETH at t = 0.9: collateral $200,000, debt $180,000.
    # HF = 200,000 × 0.95 / 180,000 = 1.05556; LTV 0.9; move to HF 1: 1/HF − 1 = −5.263 %.
    b = loop(equity_eth=10.0, ltv=0.9)
    position = aave_account(b, b.marks(), "a")
    assert position.collateral_value == pytest.approx(200_000.0)
    assert position.debt_value == pytest.approx(180_000.0)
    assert position.borrowing_power == pytest.approx(200_000.0 * 0.93)
    assert position.health_factor == pytest.approx(0.95 / 0.9)
    assert position.liquidation_move == pytest.approx(0.9 / 0.95 - 1.0)


def test_aave_liquidation_move_takes_hf_exactly_to_one() -> None:
    b = loop(equity_eth=10.0, ltv=0.9)
    move = aave_account(b, b.marks(), "a").liquidation_move
    assert move is not None
    moved = b.marks().updated({f.protocol_rate("weETH"): 1.05 * (1.0 + move)})
    assert aave_account(b, moved, "a").health_factor == pytest.approx(1.0, rel=1e-12)


def test_aave_account_without_debt_has_infinite_hf() -> None:
    b = funded("ETH", **{"wallet:token:WETH": 1.0})
    b.aave_supply("a", "WETH", 1.0)
    position = aave_account(b, b.marks(), "a")
    assert position.health_factor == float("inf")
    assert (position.ltv, position.liquidation_move) == (0.0, None)


def test_cross_margin_ratio_counts_cash_and_unrealised_pnl() -> None:
    # 1000 USDT, short 2 at 2000, mark 2100: balance 1000 − 200 = 800; notional 4200.
    b = funded(**{"binance:token:USDT": 1000.0})
    b.perp_trade("a", ETH_PERP, -2.0, 2000.0, 0.0)
    (margin,) = margins(b, b.marks().updated({f.mark(ETH_PERP): 2100.0}))
    assert (margin.account, margin.venue, margin.instrument) == ("a", "binance", None)
    assert margin.margin_balance == pytest.approx(800.0)
    assert margin.notional == pytest.approx(4200.0)
    assert margin.margin_ratio == pytest.approx(800 / 4200)


def test_perp_distance_is_relative_move_to_liquidation_price() -> None:
    # Short 2 at 2000 with 1000 USDT: P = (−4000 − 1000)/(−2.02) = 2475.2475; +23.76 %.
    b = funded(**{"binance:token:USDT": 1000.0})
    b.perp_trade("a", ETH_PERP, -2.0, 2000.0, 0.0)
    (position,) = perp_liquidations(b, b.marks())
    assert position.liquidation_price == pytest.approx(5000 / 2.02)
    assert position.distance == pytest.approx(5000 / 2.02 / 2000 - 1)


def test_perp_liquidation_price_makes_margin_equal_maintenance() -> None:
    b = funded(**{"binance:token:USDT": 1000.0})
    b.perp_trade("a", ETH_PERP, -2.0, 2000.0, 0.0)
    (position,) = perp_liquidations(b, b.marks())
    assert position.liquidation_price is not None
    (margin,) = margins(b, b.marks().updated({f.mark(ETH_PERP): position.liquidation_price}))
    assert margin.margin_ratio == pytest.approx(0.01, rel=1e-12)  # binance maintenance


def test_fully_backed_long_has_no_liquidation_price() -> None:
    b = funded(**{"binance:token:USDT": 5000.0})
    b.perp_trade("a", ETH_PERP, 1.0, 2000.0, 0.0)
    (position,) = perp_liquidations(b, b.marks())
    assert (position.liquidation_price, position.distance) == (None, None)


def test_delta_drift_is_net_delta_value_over_equity() -> None:
    # 1 ETH spot (2000) + 2000 USDT, short 0.9 ETH: net 0.1 ETH = $200 on $4000 equity.
    b = funded(**{"binance:spot:ETH": 1.0, "binance:token:USDT": 2000.0})
    b.perp_trade("a", ETH_PERP, -0.9, 2000.0, 0.0)
    assert delta_drift(b, b.marks()) == {"ETH": pytest.approx(0.05)}


def test_delta_drift_ignores_stablecoins_in_usdt_class_but_not_in_eth_class() -> None:
    b = funded("ETH", **{"wallet:token:USDC": 2000.0, "wallet:token:ETH": 1.0})
    assert delta_drift(b, b.marks()) == {"USDC": pytest.approx(0.5)}
    usd = funded("USDT", **{"wallet:token:USDC": 2000.0})
    assert delta_drift(usd, usd.marks()) == {}


def test_risk_alerts_ordered_by_priority_and_book_untouched() -> None:
    # A loop at t = 0.92 (HF 1.0326) whose weETH oracle falls 2 % (HF 1.012 < 1.02), and an
    # under-margined unhedged short in account b: all three limits fire.
    b = loop("USDT", equity_eth=10.0, ltv=0.92)
    b.deposit("b", BINANCE_USDT, 100.0)
    b.perp_trade("b", ETH_PERP, -1.0, 2000.0, 0.0)
    b.accrue(hours(1), {f.mark(ETH_PERP): 2090.0, f.protocol_rate("weETH"): 1.05 * 0.98})
    before = snapshot(b)
    mode = ModeConfig(mode="usdt_market_neutral", share_class="USDT")
    result = risk(b, b.marks(), mode)
    assert [a.breach for a in result.alerts] == [
        Breach.MARGIN_CRITICAL,
        Breach.HEALTH_FACTOR_LOW,
        Breach.DELTA_DRIFT,
    ]
    assert result.alerts[0].value == pytest.approx((100 - 90) / 2090)
    assert snapshot(b) == before


def test_margin_of_two_accounts_is_kept_apart() -> None:
    b = funded(**{"binance:token:USDT": 1000.0})
    b.deposit("b", Instrument.token("binance", "USDT"), 3000.0)
    b.perp_trade("a", ETH_PERP, -1.0, 2000.0, 0.0)
    b.perp_trade("b", ETH_PERP, -1.0, 2000.0, 0.0)
    ratios = {m.account: m.margin_ratio for m in margins(b, b.marks())}
    assert ratios == {"a": pytest.approx(0.5), "b": pytest.approx(1.5)}
