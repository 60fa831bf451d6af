"""Unified margin: tiered collateral and maintenance, liquidation price, buffer; worked by hand."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from basis.config.venues import MarginConfig, Tier
from basis.errors import InvalidOperationError
from basis.mechanics import perps, unified

# Binance's USDⓈ-M BTCUSDT brackets (configs/venues/binance.yaml) and its published
# "maintenance amount" per bracket: MM = notional × rate − amount.
BINANCE = (
    Tier(up_to=50_000, rate=0.004),
    Tier(up_to=250_000, rate=0.005),
    Tier(up_to=1_000_000, rate=0.01),
    Tier(up_to=10_000_000, rate=0.025),
    Tier(up_to=20_000_000, rate=0.05),
    Tier(rate=0.10),
)
BINANCE_AMOUNTS = ((40_000, 0.004, 0), (200_000, 0.005, 50), (900_000, 0.01, 1_300))
BINANCE_AMOUNTS += ((5_000_000, 0.025, 16_300), (15_000_000, 0.05, 266_300))
# Bybit's worked example of BTC collateral value ratios by quantity.
BYBIT_BTC = (
    Tier(up_to=10, rate=0.98),
    Tier(up_to=20, rate=0.95),
    Tier(up_to=30, rate=0.90),
    Tier(up_to=40, rate=0.85),
    Tier(up_to=50, rate=0.80),
    Tier(rate=0.0),
)
FLAT = (Tier(rate=0.01),)


def test_collateral_slices_by_amount() -> None:
    # 25 BTC: 10 × 0.98 + 10 × 0.95 + 5 × 0.90 = 23.8 BTC counted, × 50,000 USD.
    assert unified.collateral_value(25.0, 50_000.0, BYBIT_BTC) == pytest.approx(23.8 * 50_000)
    # 60 BTC: the first 50 count 9.8 + 9.5 + 9 + 8.5 + 8 = 44.8; above 50 nothing.
    assert unified.sliced(60.0, BYBIT_BTC) == pytest.approx(44.8)


def test_a_negative_balance_counts_in_full() -> None:
    assert unified.collateral_value(-2.0, 50_000.0, BYBIT_BTC) == -100_000.0


@pytest.mark.parametrize(("notional", "rate", "amount"), BINANCE_AMOUNTS)
def test_sliced_maintenance_is_binances_rate_minus_maintenance_amount(
    notional: float, rate: float, amount: float
) -> None:
    assert unified.maintenance_margin(notional, BINANCE) == pytest.approx(notional * rate - amount)
    assert unified.marginal_rate(notional, BINANCE) == rate


def test_array_forms_agree_with_the_scalar_ones() -> None:
    amounts = np.array([0.0, 5.0, 10.0, 25.0, 60.0])
    expected = [unified.sliced(float(a), BYBIT_BTC) for a in amounts]
    np.testing.assert_allclose(unified.sliced_steps(amounts, BYBIT_BTC), expected)
    notionals = np.array([0.0, 50_000.0, 60_000.0, 5e6, 3e7])
    rates = [unified.marginal_rate(float(n), BINANCE) for n in notionals]
    np.testing.assert_array_equal(unified.marginal_rates(notionals, BINANCE), rates)


def test_hedged_short_liquidates_only_on_a_rally_of_many_times() -> None:
    # Short 10 BTC at 50,000 backed by 20,000 USDT and 10 BTC at a 0.95 ratio, flat 1 %:
    # f(P) = 20,000 + 9.5·P − 10·(P − 50,000) − 0.1·P = 520,000 − 0.6·P → P = 866,666.67.
    level, rises = unified.liquidation_price(-10.0, 50_000.0, 20_000.0, 9.5, FLAT, 1.0, 50_000.0)
    assert level == pytest.approx(520_000 / 0.6)
    assert rises


def test_liquidation_price_through_binance_brackets() -> None:
    # As above with Binance's brackets and liquidation at uniMMR 1.05. At ~7M notional
    # (bracket 2.5 %, amount 16,300): 537,115 − 0.7625·P = 0 → P = 704,413.11.
    level, _ = unified.liquidation_price(-10.0, 50_000.0, 20_000.0, 9.5, BINANCE, 1.05, 50_000.0)
    assert level == pytest.approx(537_115 / 0.7625)
    assert level is not None
    balance = 20_000 + 9.5 * level - 10 * (level - 50_000)
    assert balance == pytest.approx(1.05 * unified.maintenance_margin(10 * level, BINANCE))


def test_without_collateral_and_one_tier_it_is_the_cash_cross_formula() -> None:
    margin = MarginConfig(initial=0.05, maintenance=0.01, liquidation_fee=0.0, max_leverage=20)
    cross = perps.liquidation_price_cross(-2.0, 2000.0, 1000.0, margin)
    level, rises = unified.liquidation_price(-2.0, 2000.0, 1000.0, 0.0, FLAT, 1.0, 2000.0)
    assert level == pytest.approx(cross) and rises


def test_over_collateralised_short_liquidates_on_a_fall() -> None:
    # 0 cash, 20 BTC at ratio 1 against a 10 BTC short: f(P) = 20·P − 10·(P − 50,000) − 0.1·P
    # = 500,000 + 9.9·P grows with P, so only a fall could liquidate it, and none does.
    level, rises = unified.liquidation_price(-10.0, 50_000.0, 0.0, 20.0, FLAT, 1.0, 50_000.0)
    assert (level, rises) == (None, False)
    # With a 600,000 USDT debt: f(P) = −100,000 + 9.9·P → P = 10,101.01, below the mark.
    level, rises = unified.liquidation_price(-10.0, 50_000.0, -600_000.0, 20.0, FLAT, 1.0, 50_000.0)
    assert level == pytest.approx(100_000 / 9.9) and not rises


def test_a_mark_past_the_level_reports_the_level_it_passed() -> None:
    # the first test's book at a mark of 900,000: still liquidated at 866,666.67 (rising)
    level, rises = unified.liquidation_price(-10.0, 50_000.0, 20_000.0, 9.5, FLAT, 1.0, 900_000.0)
    assert level == pytest.approx(520_000 / 0.6) and rises


def test_an_account_below_maintenance_at_any_price_liquidates_at_the_mark() -> None:
    # f(P) = −1,000,000 + 500,000 − 0.1·P < 0 for every P > 0
    assert unified.liquidation_price(-10.0, 50_000.0, -1_000_000.0, 10.0, FLAT, 1.0, 50_000.0) == (
        50_000.0,
        True,
    )


def test_no_position_has_no_liquidation_price() -> None:
    with pytest.raises(InvalidOperationError, match="size is 0"):
        unified.liquidation_price(0.0, 50_000.0, 0.0, 0.0, FLAT, 1.0, 50_000.0)


def test_required_buffer_closed_form_and_what_it_buys() -> None:
    # h 0.95, r 1 %, k 1: spread 0.06; surviving a 20× rise (d = 20) needs
    # b = 1 − 1/(21 × 0.06) = 0.206349...
    buffer = float(unified.required_buffer(20.0, np.array([0.95]), np.array([0.01]), 1.0)[0])
    assert buffer == pytest.approx(1 - 1 / (21 * 0.06))
    # a book sized with it liquidates exactly at 21 × the entry price
    equity, price = 1_000_000.0, 50_000.0
    quantity = equity * (1 - buffer) / price
    level, _ = unified.liquidation_price(
        -quantity, price, equity * buffer, 0.95 * quantity, FLAT, 1.0, price
    )
    assert level == pytest.approx(21 * price)
    # a +100 % rise needs no buffer at all at these parameters
    assert unified.required_buffer(1.0, np.array([0.95]), np.array([0.01]), 1.0)[0] == 0.0


@settings(max_examples=200, deadline=None)
@given(
    size=st.floats(-50.0, 50.0).filter(lambda s: abs(s) > 1e-3),
    backing=st.floats(-200_000.0, 2_000_000.0),
    held=st.floats(0.0, 60.0),
    mark=st.floats(1_000.0, 200_000.0),
)
def test_the_level_zeroes_the_balance_and_the_account_is_safe_short_of_it(
    size: float, backing: float, held: float, mark: float
) -> None:
    """Against the defining equation: the balance minus k × maintenance is 0 at the level,
    and positive at every mark between the current one and the level."""
    units = unified.sliced(held, BYBIT_BTC)

    def surplus(price: float) -> float:
        pnl = size * (price - 50_000.0)
        return (
            backing
            + units * price
            + pnl
            - 1.05 * unified.maintenance_margin(abs(size) * price, BINANCE)
        )

    level, rises = unified.liquidation_price(size, 50_000.0, backing, units, BINANCE, 1.05, mark)
    if surplus(mark) <= 0.0:  # liquidatable now, at the level it passed (or the mark)
        assert level is not None
        assert (mark >= level) if rises else (mark <= level)
        return
    if level is None:
        for price in np.geomspace(mark / 100, mark * 100, 50):
            assert surplus(float(price)) > -1e-6 * (abs(backing) + abs(size) * price)
        return
    assert rises == (level > mark)
    scale = abs(backing) + abs(size) * level + units * level
    assert surplus(level) == pytest.approx(0.0, abs=1e-9 * scale)
    for price in np.linspace(mark, level, 20)[:-1]:
        assert surplus(float(price)) > -1e-9 * scale
