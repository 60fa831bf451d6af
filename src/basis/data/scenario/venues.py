"""Per-venue spot and perp candles: reference price × venue noise, perps × (1 + basis)."""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray

from basis.config.scenarios import AssetPriceConfig, BasisConfig
from basis.config.venues import VenueConfig
from basis.data.catalog import SeriesFrame
from basis.data.scenario.funding import FundingPaths
from basis.data.scenario.prices import PricePath, candles, venue_quote
from basis.data.scenario.processes import ornstein_uhlenbeck
from basis.data.scenario.streams import Streams
from basis.data.scenario.timeline import Timeline

Array = NDArray[np.float64]
BPS = 1e-4


def perp_basis(apr: Array, config: BasisConfig, rng: np.random.Generator) -> Array:
    """Return the perp premium over spot: `premium_per_funding_apr × APR` + OU noise.

    It mean-reverts with the funding APR it is tied to (positive funding, perp above spot).
    """
    noise = ornstein_uhlenbeck(rng, apr.size, config.noise_bps * BPS, config.noise_half_life_hours)
    basis: Array = config.premium_per_funding_apr * apr + noise
    return basis


def venue_frames(
    paths: dict[str, PricePath],
    prices: dict[str, AssetPriceConfig],
    funding: FundingPaths,
    config: BasisConfig,
    venues: dict[str, VenueConfig],
    timeline: Timeline,
    streams: Streams,
) -> list[SeriesFrame]:
    """Return `{venue}:spot:{PAIR}` (CEXs only) and `{venue}:perp:{PAIR}` hourly candles.

    The venue's spot is the reference price times `exp(ε)`, ε i.i.d. N(0, venue_noise_bps²);
    perp DEXs get the same treatment for their perp's underlying but publish no spot.
    """
    frames = []
    for name, venue in venues.items():
        quote = venue_quote(venue)
        for asset, path in paths.items():
            pair = f"{asset}{quote}"
            volume = prices[asset].hourly_volume
            noise = streams.generator("venue", name, asset, "noise").normal(
                0.0, config.venue_noise_bps * BPS, timeline.hours + 1
            )
            if venue.kind == "cex":
                spot = candles(
                    path, noise, volume, streams.generator("volume", name, "spot", asset)
                )
                frames.append(
                    timeline.frame(f"{name}:spot:{pair}", "ohlcv", "1h", timeline.bars, spot, quote)
                )
            basis = perp_basis(
                funding.at_instants(name, asset),
                config,
                streams.generator("venue", name, asset, "basis"),
            )
            perp = candles(
                path,
                noise + np.log1p(basis),
                volume,
                streams.generator("volume", name, "perp", asset),
            )
            frames.append(
                timeline.frame(f"{name}:perp:{pair}", "ohlcv", "1h", timeline.bars, perp, quote)
            )
    return frames
