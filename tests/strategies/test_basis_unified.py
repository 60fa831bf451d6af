"""The basis modes on unified margin: spot is the short's collateral (issue 13, part 1)."""

from __future__ import annotations

import pytest

from basis.data.catalog import Catalog
from basis.errors import ConfigError
from basis.model.result import EventKind, RunResult
from tests.engine.stubs import CRASH, DEFAULT, SQUEEZE, backtest

UNIFIED = "margin_model=unified"


def first_spot_value(result: RunResult, venue: str) -> float:
    """USDT value of the first spot purchase on `venue` (at the mark, before costs)."""
    for event in result.events:
        if event.kind is EventKind.TRADE and event.subject == f"{venue}:spot:BTC":
            return event.value
    raise AssertionError(f"no spot trade on {venue}")


def test_unified_book_puts_all_but_the_buffer_into_spot(catalog: Catalog) -> None:
    # 1,000,000 split 0.4 / 0.3 / 0.3; the 2 % buffer binds (a +100 % rise needs none at a
    # 0.95 collateral ratio): spot 0.98 × 400,000 on binance, where the cash model buys
    # 400,000 / (1 + margin_target 1) = 200,000. Fees and slippage come out of the cash.
    unified = backtest(catalog, "btc_basis", DEFAULT, overrides=[UNIFIED])
    cash = backtest(catalog, "btc_basis", DEFAULT)
    assert first_spot_value(unified, "binance") == pytest.approx(0.98 * 400_000, rel=1e-9)
    assert first_spot_value(cash, "binance") == pytest.approx(200_000, rel=1e-9)


def test_the_liquidation_distance_sizes_the_buffer_when_it_binds(catalog: Catalog) -> None:
    # Surviving a 30× rise (distance 29) on binance: 400,000 × 30 = 12M notional is in the
    # 5 % bracket, so the spread is 1 − 0.95 + 1.05 × 0.05 = 0.1025 and
    # b = 1 − 1 / (30 × 0.1025) = 0.67480: spot 0.32520 × 400,000.
    overrides = [UNIFIED, "liquidation_distance=29"]
    result = backtest(catalog, "btc_basis", DEFAULT, overrides=overrides)
    assert first_spot_value(result, "binance") == pytest.approx(400_000 / (30 * 0.1025), rel=1e-9)


@pytest.mark.parametrize("dataset", [CRASH, SQUEEZE])
def test_no_liquidation_in_a_crash_or_a_squeeze(catalog: Catalog, dataset: str) -> None:
    result = backtest(catalog, "btc_basis", dataset, overrides=[UNIFIED])
    assert result.summary is not None
    assert result.summary.risk["liquidations"] == 0
    assert result.summary.risk["min_margin_ratio"] > 0.5
    assert not [e for e in result.events if e.kind is EventKind.REJECTED]


def test_hyperliquid_has_no_unified_margin_and_says_so(catalog: Catalog) -> None:
    with pytest.raises(ConfigError, match="venue 'hyperliquid' has no unified-margin parameters"):
        backtest(
            catalog,
            "btc_basis",
            DEFAULT,
            overrides=[UNIFIED, 'hedge_allocation={"binance": 0.5, "hyperliquid": 0.5}'],
        )
