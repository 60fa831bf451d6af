"""Utilisation regimes and the session aggregate, with numbers worked by hand."""

from __future__ import annotations

import math

import pytest
from hypothesis import given
from hypothesis import strategies as st

from basis.book.risk import MarginRisk
from basis.book.utilisation import (
    AccountRisk,
    Regime,
    aggregate,
    margin_use,
    regime,
    utilisation,
    worst,
)
from basis.config.market import load_market
from basis.config.modes import RegimeThresholds
from tests.conftest import CONFIGS

DEFAULT = RegimeThresholds()


def _margin(venue: str, balance: float, notional: float) -> MarginRisk:
    ratio = balance / notional if notional else math.inf
    return MarginRisk("main", venue, None, balance, notional, ratio)


def test_margin_use_is_initial_margin_over_balance() -> None:
    # 100,000 notional at a 10 % initial rate needs 10,000 of margin; 50,000 held: 20 %
    assert margin_use(_margin("binance", 50_000.0, 100_000.0), 0.10) == pytest.approx(0.20)
    assert margin_use(_margin("binance", 50_000.0, 0.0), 0.10) == 0.0  # flat
    assert margin_use(_margin("binance", -1.0, 100_000.0), 0.10) == math.inf  # balance gone


@pytest.mark.parametrize(
    ("use", "expected"),
    [
        (0.0, Regime.BUILD),
        (0.5999, Regime.BUILD),
        (0.60, Regime.HOLD),  # the threshold belongs to the stricter regime
        (0.7999, Regime.HOLD),
        (0.80, Regime.REDUCE),
        (3.0, Regime.REDUCE),
        (math.inf, Regime.REDUCE),
        (math.nan, Regime.REDUCE),  # nothing known: the worst
    ],
)
def test_regime_thresholds(use: float, expected: Regime) -> None:
    assert regime(use, DEFAULT) is expected


def test_thresholds_are_configurable_and_ordered() -> None:
    tight = RegimeThresholds(hold_at=0.3, reduce_at=0.5)
    assert regime(0.4, tight) is Regime.HOLD and regime(0.5, tight) is Regime.REDUCE
    with pytest.raises(ValueError, match="hold_at"):
        RegimeThresholds(hold_at=0.8, reduce_at=0.6)


def test_utilisation_takes_each_venues_initial_rate_and_the_worst_venue() -> None:
    market = load_market(CONFIGS)
    binance = market.venue("binance").margin.initial
    bybit = market.venue("bybit").margin.initial
    margins = (_margin("binance", 20_000.0, 100_000.0), _margin("bybit", 10_000.0, 80_000.0))
    used = utilisation(margins, market, DEFAULT)
    assert used.by_venue == {
        "binance": pytest.approx(100_000.0 * binance / 20_000.0),
        "bybit": pytest.approx(80_000.0 * bybit / 10_000.0),
    }
    assert used.use == max(used.by_venue.values())
    assert used.regime is regime(used.use, DEFAULT)


def _account(name: str, btc: float, use: float, distance: float | None) -> AccountRisk:
    return AccountRisk(name, 100.0, 100.0, {"BTC": btc}, use, distance, regime(use, DEFAULT))


def test_aggregate_sums_equity_and_delta_and_takes_the_worst_of_the_rest() -> None:
    a = _account("a", 0.5, 0.10, 0.40)
    b = AccountRisk("b", 250.0, 250.0, {"BTC": -0.2, "ETH": 3.0}, 0.65, 0.25, Regime.HOLD)
    session = aggregate([a, b], DEFAULT)
    assert session.equity == 350.0 and session.equity_usd == 350.0
    assert session.delta == {"BTC": pytest.approx(0.3), "ETH": 3.0}
    assert session.margin_use == 0.65 and session.liquidation_distance == 0.25
    assert session.regime is Regime.HOLD  # one account holding holds the session


@given(
    st.lists(
        st.tuples(
            st.floats(-10.0, 10.0),
            st.floats(0.0, 2.0),
            st.one_of(st.none(), st.floats(0.0, 1.0)),
        ),
        min_size=1,
        max_size=6,
    )
)
def test_aggregate_is_the_sum_and_no_account_is_worse_than_the_session(
    rows: list[tuple[float, float, float | None]],
) -> None:
    accounts = [_account(f"a{i}", btc, use, d) for i, (btc, use, d) in enumerate(rows)]
    session = aggregate(accounts, DEFAULT)
    assert session.delta["BTC"] == pytest.approx(math.fsum(b for b, _, _ in rows), abs=1e-12)
    assert session.equity == pytest.approx(100.0 * len(rows))
    assert worst([session.regime, *(a.regime for a in accounts)]) is session.regime
    distances = [d for _, _, d in rows if d is not None]
    assert session.liquidation_distance == (min(distances) if distances else None)


@given(st.floats(0.0, 5.0), st.floats(0.0, 5.0))
def test_regime_is_monotone_in_margin_use(low: float, high: float) -> None:
    low, high = sorted((low, high))
    assert worst([regime(low, DEFAULT), regime(high, DEFAULT)]) is regime(high, DEFAULT)
