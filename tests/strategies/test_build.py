"""`build`: margin parameters a venue cannot work with are refused before anything runs."""

from __future__ import annotations

import pytest

from basis.data.catalog import Catalog
from basis.engine.backtest import load_mode
from basis.errors import ConfigError
from basis.strategies import build
from basis.strategies.lending import PureLending
from tests.conftest import CONFIGS
from tests.engine.stubs import backtest, market


def test_eth_basis_margin_target_below_initial_margin_names_the_venue(catalog: Catalog) -> None:
    # Regression (issue 4): eth_basis with margin_target 0.03 bought the spot, then every
    # hedge was refused below binance's initial margin 0.05 (6,570 rejections), unhedged.
    overrides = ["margin_target=0.03", "margin_critical=0.02"]
    expected = r"margin_target 0\.03 must be above binance's initial margin 0\.05"
    with pytest.raises(ConfigError, match=expected) as raised:
        backtest(catalog, "eth_basis", overrides=overrides)
    assert raised.value.code == "CONFIG_INVALID"
    assert raised.value.exit_code == 2


@pytest.mark.parametrize(
    ("mode", "overrides", "venue", "initial"),
    [
        ("btc_basis", ["margin_target=0.05", "margin_critical=0.02"], "binance", "0.05"),
        (
            "usdt_market_neutral",
            ["margin_target=0.04", "margin_critical=0.02", "margin_band=[0.03, 2.0]"],
            "binance",
            "0.05",
        ),
        (
            "eth_basis",
            ["margin_target=0.045", "margin_critical=0.02", "hedge_allocation={okx: 1}"],
            "okx",
            "0.05",
        ),
        ("funding_arbitrage", ["margin_target=0.045", "margin_critical=0.02"], "binance", "0.05"),
    ],
)
def test_margin_target_at_or_below_a_traded_venues_initial_margin_is_refused(
    mode: str, overrides: list[str], venue: str, initial: str
) -> None:
    config = load_mode(CONFIGS, mode, overrides, None)
    with pytest.raises(ConfigError, match=f"above {venue}'s initial margin {initial}"):
        build(config, market())


def test_margin_target_counts_only_the_venues_a_mode_trades() -> None:
    # hyperliquid's initial margin is 0.04: 0.045 suits it, and binance is not traded.
    overrides = ["margin_target=0.045", "margin_critical=0.03", "hedge_allocation={hyperliquid: 1}"]
    strategy = build(load_mode(CONFIGS, "eth_basis", overrides, None), market())
    assert strategy.weights == {"hyperliquid": 1.0}
    # A mode without perps never uses the margin parameters.
    overrides = ["margin_target=0.02", "margin_critical=0.01"]
    lending = build(load_mode(CONFIGS, "pure_lending_usdt", overrides, None), market())
    assert isinstance(lending, PureLending)


def test_margin_critical_at_or_below_maintenance_is_refused() -> None:
    # binance liquidates at its maintenance margin 0.01: a critical level there never fires.
    config = load_mode(CONFIGS, "eth_basis", ["margin_critical=0.01"], None)
    with pytest.raises(ConfigError, match=r"margin_critical 0\.01 must be above binance's maint"):
        build(config, market())
