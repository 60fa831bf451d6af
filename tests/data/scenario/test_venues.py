"""Venue candles: spot venue noise, perp = spot × (1 + basis), basis tied to funding."""

from __future__ import annotations

import numpy as np

from basis.config.scenarios import AssetPriceConfig, BasisConfig, FundingConfig
from basis.data.scenario.funding import simulate_funding
from basis.data.scenario.prices import simulate_prices
from basis.data.scenario.venues import perp_basis, venue_frames
from tests.data.scenario.stubs import column, market, streams, timeline

PRICES = {"ETH": AssetPriceConfig(initial=2000.0, volatility=0.6)}


def frames(hours: int, basis: BasisConfig) -> dict[str, dict[str, np.ndarray]]:
    line = timeline(hours)
    paths = simulate_prices(PRICES, (), line, streams())
    funding = simulate_funding(
        FundingConfig(), sorted(market().venues), ["ETH"], (), line, streams()
    )
    items = venue_frames(paths, PRICES, funding, basis, market().venues, line, streams())
    return {
        item.series: {name: column(item.frame, name) for name in item.frame.columns[1:6]}
        for item in items
    }


def test_venue_frames_spot_on_cex_only_perp_everywhere() -> None:
    names = set(frames(24, BasisConfig()))
    assert "binance:spot:ETHUSDT" in names
    assert "hyperliquid:perp:ETHUSDC" in names
    assert not any(name.startswith(("hyperliquid:spot", "pacifica:spot")) for name in names)


def test_venue_frames_perp_over_spot_is_one_plus_basis() -> None:
    # With no basis, the perp equals the same venue's spot exactly.
    flat = BasisConfig(premium_per_funding_apr=0.0, noise_bps=0.0)
    bars = frames(100, flat)
    for field in ("open", "high", "low", "close"):
        np.testing.assert_allclose(
            bars["okx:perp:ETHUSDT"][field], bars["okx:spot:ETHUSDT"][field], rtol=1e-14
        )


def test_venue_frames_spot_venues_differ_by_small_noise() -> None:
    bars = frames(2000, BasisConfig())
    gap = np.log(bars["binance:spot:ETHUSDT"]["close"] / bars["bybit:spot:ETHUSDT"]["close"])
    # two independent N(0, 2 bp) deviations: the gap has std 2·√2 bp
    assert abs(gap.std() - 2e-4 * np.sqrt(2)) < 2e-5


def test_perp_basis_is_premium_times_apr_without_noise() -> None:
    apr = np.array([0.1, -0.05, 0.0])
    config = BasisConfig(premium_per_funding_apr=0.001, noise_bps=0.0)
    np.testing.assert_allclose(perp_basis(apr, config, streams().generator("b")), [1e-4, -5e-5, 0])


def test_venue_frames_perp_premium_tracks_funding() -> None:
    line = timeline(5000)
    funding = simulate_funding(FundingConfig(), ["binance"], ["ETH"], (), line, streams())
    basis = perp_basis(
        funding.at_instants("binance", "ETH"), BasisConfig(), streams().generator("b")
    )
    slope = np.polyfit(funding.at_instants("binance", "ETH"), basis, 1)[0]
    assert abs(slope - 8 / 8760) < 1e-4
