"""Reference price paths and candles: start, correlation, shocks and OHLC consistency."""

from __future__ import annotations

import math

import numpy as np

from basis.config.scenarios import AssetPriceConfig, ShockConfig
from basis.data.scenario.prices import candles, simulate_prices, venue_quote
from tests.data.scenario.stubs import START, hours, market, streams, timeline

ETH = AssetPriceConfig(initial=2000.0, volatility=0.6, jump_intensity=5, jump_std=0.05)
BTC = AssetPriceConfig(initial=40000.0, volatility=0.4, correlation_to_eth=0.8)


def test_simulate_prices_starts_at_initial_price() -> None:
    paths = simulate_prices({"ETH": ETH, "BTC": BTC}, (), timeline(48), streams())
    assert math.isclose(paths["ETH"].at(np.array([0]))[0], 2000.0)
    assert math.isclose(paths["BTC"].at(np.array([0]))[0], 40000.0)
    assert paths["ETH"].log_price.size == 49
    assert paths["ETH"].log_high.size == 48


def test_simulate_prices_eth_path_unchanged_by_other_assets() -> None:
    alone = simulate_prices({"ETH": ETH}, (), timeline(500), streams())
    both = simulate_prices({"ETH": ETH, "BTC": BTC}, (), timeline(500), streams())
    np.testing.assert_array_equal(alone["ETH"].log_price, both["ETH"].log_price)


def test_simulate_prices_returns_correlated_as_configured() -> None:
    smooth = ETH.model_copy(update={"jump_intensity": 0.0})
    paths = simulate_prices({"ETH": smooth, "BTC": BTC}, (), timeline(40_000), streams())
    eth, btc = (np.diff(paths[a].log_price) for a in ("ETH", "BTC"))
    assert abs(np.corrcoef(eth, btc)[0, 1] - 0.8) < 0.02
    assert abs(eth.std() * math.sqrt(8760) - 0.6) < 0.02


def test_simulate_prices_shock_scales_path_by_exact_ramp() -> None:
    crash = ShockConfig(
        kind="price", start=START + hours(10), duration_hours=4, magnitude=-0.4, assets=("ETH",)
    )
    calm = simulate_prices({"ETH": ETH}, (), timeline(30), streams())["ETH"].log_price
    hit = simulate_prices({"ETH": ETH}, (crash,), timeline(30), streams())["ETH"].log_price
    ratio = np.exp(hit - calm)
    # ramp 0 at 10 h, 0.5 at 12 h, 1 from 14 h on: price × 0.6^w
    np.testing.assert_allclose(ratio[[10, 12, 14, 29]], [1.0, 0.6**0.5, 0.6, 0.6], rtol=1e-12)


def test_candles_open_is_previous_close_and_extremes_bracket() -> None:
    path = simulate_prices({"ETH": ETH}, (), timeline(200), streams())["ETH"]
    bars = candles(path, np.zeros(201), 10.0, streams().generator("v"))
    np.testing.assert_array_equal(bars["open"][1:], bars["close"][:-1])
    assert np.all(bars["high"] >= np.maximum(bars["open"], bars["close"]))
    assert np.all(bars["low"] <= np.minimum(bars["open"], bars["close"]))
    assert np.all(bars["volume"] > 0)


def test_venue_quote_cex_usdt_perp_dex_usdc() -> None:
    assert venue_quote(market().venue("binance")) == "USDT"
    assert venue_quote(market().venue("hyperliquid")) == "USDC"
