"""Reference price paths (jump-diffusion with price shocks) and the hourly candles built on them."""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from basis.config.scenarios import AssetPriceConfig, ShockConfig
from basis.config.venues import VenueConfig
from basis.data.scenario.processes import bar_extremes, jump_diffusion_increments
from basis.data.scenario.shocks import envelope, matching
from basis.data.scenario.streams import Streams
from basis.data.scenario.timeline import Timeline

Array = NDArray[np.float64]
ETH = "ETH"
VOLUME_NOISE = 0.4  # lognormal std of hourly volume
VOLUME_PER_MOVE = 50.0  # volume rises by this multiple of the bar's absolute log move


@dataclass(frozen=True)
class PricePath:
    """Log prices at the `hours + 1` instants, and each bar's log high and log low."""

    log_price: Array
    log_high: Array
    log_low: Array

    def at(self, offsets: NDArray[np.int64]) -> Array:
        """Prices at whole-hour instants."""
        values: Array = np.exp(self.log_price[offsets])
        return values


def venue_quote(venue: VenueConfig) -> str:
    """The quote currency of a venue's ETH/BTC markets: USDT on CEXs, USDC on perp DEXs."""
    return "USDT" if venue.kind == "cex" else "USDC"


def simulate_prices(
    prices: dict[str, AssetPriceConfig],
    shocks: tuple[ShockConfig, ...],
    timeline: Timeline,
    streams: Streams,
) -> dict[str, PricePath]:
    """Return each asset's reference USD path; diffusion shocks are correlated to ETH's.

    A price shock adds `ln(1 + magnitude) × envelope` to the log price.
    """
    hours = timeline.hours
    eth_normals = streams.generator("price", ETH, "diffusion").standard_normal(hours)
    offsets = np.arange(hours + 1, dtype=np.float64)
    paths = {}
    for asset, config in prices.items():
        if asset == ETH:
            normals = eth_normals
        else:
            own = streams.generator("price", asset, "diffusion").standard_normal(hours)
            rho = config.correlation_to_eth
            normals = rho * eth_normals + math.sqrt(1.0 - rho * rho) * own
        increments = jump_diffusion_increments(
            normals,
            streams.generator("price", asset, "jumps"),
            config.drift,
            config.volatility,
            config.jump_intensity,
            config.jump_mean,
            config.jump_std,
        )
        log_price = math.log(config.initial) + np.concatenate(([0.0], np.cumsum(increments)))
        for shock in matching(shocks, "price", asset=asset):
            log_price = log_price + math.log1p(shock.magnitude) * envelope(shock, timeline, offsets)
        paths[asset] = path_with_extremes(
            log_price, config.volatility, streams.generator("price", asset, "extremes")
        )
    return paths


def path_with_extremes(log_price: Array, volatility: float, rng: np.random.Generator) -> PricePath:
    """Attach Brownian-bridge highs and lows to a log-price path."""
    high, low = bar_extremes(rng, log_price[:-1], log_price[1:], volatility)
    return PricePath(log_price=log_price, log_high=high, log_low=low)


def candles(
    path: PricePath,
    shift: Array,
    hourly_volume: float,
    rng: np.random.Generator,
) -> dict[str, Array]:
    """Return OHLCV columns of `path` moved by the log `shift` (one value per instant).

    open/close take the shift at their instant; high/low take the larger/smaller shift of
    the bar's two instants, so high ≥ max(open, close) and low ≤ min(open, close).
    Volume is lognormal around `hourly_volume`, higher in bars that move more.
    """
    before, after = shift[:-1], shift[1:]
    log_open = path.log_price[:-1] + before
    log_close = path.log_price[1:] + after
    move = np.abs(log_close - log_open)
    noise = np.exp(VOLUME_NOISE * rng.standard_normal(move.size) - 0.5 * VOLUME_NOISE**2)
    return {
        "open": np.exp(log_open),
        "high": np.exp(path.log_high + np.maximum(before, after)),
        "low": np.exp(path.log_low + np.minimum(before, after)),
        "close": np.exp(log_close),
        "volume": hourly_volume * noise * (1.0 + VOLUME_PER_MOVE * move),
    }
