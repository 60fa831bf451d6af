"""Aave reserves: utilisation → kinked rates → indices, as daily snapshots, plus oracle prices."""

from __future__ import annotations

import math

import numpy as np
from numpy.typing import NDArray

from basis.config.aave import RateModel
from basis.config.scenarios import AaveScenarioConfig, ReserveConfig, ShockConfig
from basis.data.catalog import SeriesFrame
from basis.data.scenario.prices import ETH, PricePath
from basis.data.scenario.processes import ornstein_uhlenbeck
from basis.data.scenario.shocks import blend_levels, matching
from basis.data.scenario.staking import LstPath
from basis.data.scenario.streams import Streams
from basis.data.scenario.timeline import Timeline
from basis.errors import ConfigError
from basis.mechanics import aave

Array = NDArray[np.float64]
SECONDS_PER_DAY = 86_400
# Wrapped tokens priced by their underlying asset's path.
WRAPPED = {"WETH": "ETH", "WBTC": "BTC"}


def liquidity_index(initial: float, supply_rates: Array) -> Array:
    """Return the liquidity index at each daily snapshot, accrued linearly per day as Aave does.

    `L_{d+1} = L_d · (1 + s_d · 86400 / yr)`: the index is updated once a day with simple
    interest at the rate current since the previous update.
    """
    growth = aave.liquidity_growth(supply_rates[:-1], SECONDS_PER_DAY)
    index: Array = initial * np.concatenate(([1.0], np.cumprod(growth)))
    return index


def borrow_index(initial: float, borrow_rates: Array) -> Array:
    """Return the variable borrow index at each daily snapshot, compounded per second.

    `B_{d+1} = B_d · (1 + b_d / yr)^86400` (Aave approximates the same compounding with a
    three-term binomial expansion; the difference is below 1e−9/day).
    """
    growth = aave.borrow_growth(borrow_rates[:-1], SECONDS_PER_DAY)
    index: Array = initial * np.concatenate(([1.0], np.cumprod(growth)))
    return index


def simulate_utilization(
    config: ReserveConfig,
    shocks: list[ShockConfig],
    timeline: Timeline,
    rng: np.random.Generator,
) -> Array:
    """Return daily utilisation: `sigmoid(logit(centre) + OU)`, so it stays inside (0, 1).

    A utilisation shock pulls it to the shock's level.
    """
    centre = math.log(config.utilization / (1.0 - config.utilization))
    logit = centre + ornstein_uhlenbeck(
        rng, timeline.days, config.utilization_volatility, config.utilization_half_life_days
    )
    utilization = 1.0 / (1.0 + np.exp(-logit))
    offsets = timeline.midnights.astype(np.float64)
    return blend_levels(utilization, shocks, timeline, offsets)


def lending_frames(
    config: AaveScenarioConfig,
    rate_models: dict[str, RateModel],
    prices: dict[str, PricePath],
    lsts: dict[str, LstPath],
    shocks: tuple[ShockConfig, ...],
    timeline: Timeline,
    streams: Streams,
) -> list[SeriesFrame]:
    """Return `aave_v3:rates:{ASSET}` daily snapshots and `aave_v3:oracle:{ASSET}` prices.

    Oracles: wrapped assets (WETH) hourly in USD from their underlying's path; LSTs hourly
    in ETH at their protocol rate; anything else is a USD stablecoin, daily, 1 + an OU.
    Raises `ConfigError` for a reserve without a rate model or without a price path.
    """
    days = timeline.midnights
    eth_usd = prices[ETH].at(days)
    frames = []
    for asset, reserve in config.reserves.items():
        model = rate_models.get(asset)
        if model is None:
            raise ConfigError(
                f"scenario reserve {asset!r} has no rate model in aave_v3.yaml rate_models "
                f"(known: {sorted(rate_models)})"
            )
        if asset in WRAPPED:
            underlying = WRAPPED[asset]
            if underlying not in prices:
                raise ConfigError(
                    f"scenario reserve {asset!r} needs a price path for {underlying}; "
                    f"prices has {sorted(prices)}"
                )
            price_usd = prices[underlying].at(days)
            oracle = timeline.frame(
                f"aave_v3:oracle:{asset}",
                "oracle",
                "1h",
                timeline.bars,
                {"price": prices[underlying].at(timeline.bars)},
                "USD",
            )
        elif asset in lsts:
            protocol = lsts[asset].protocol_rate
            price_usd = eth_usd * protocol[days]
            oracle = timeline.frame(
                f"aave_v3:oracle:{asset}",
                "oracle",
                "1h",
                timeline.bars,
                {"price": protocol[timeline.bars]},
                "ETH",
            )
        else:
            price_usd = 1.0 + ornstein_uhlenbeck(
                streams.generator("aave", asset, "peg"),
                timeline.days,
                config.stable_peg_volatility,
                config.stable_peg_half_life_days,
            )
            oracle = timeline.frame(
                f"aave_v3:oracle:{asset}", "oracle", "1d", days, {"price": price_usd}, "USD"
            )
        frames.append(oracle)
        frames.append(_reserve_frame(asset, reserve, model, price_usd, shocks, timeline, streams))
    return frames


def _reserve_frame(
    asset: str,
    reserve: ReserveConfig,
    model: RateModel,
    price_usd: Array,
    shocks: tuple[ShockConfig, ...],
    timeline: Timeline,
    streams: Streams,
) -> SeriesFrame:
    utilization = simulate_utilization(
        reserve,
        matching(shocks, "utilization", asset=asset),
        timeline,
        streams.generator("aave", asset, "utilization"),
    )
    borrow = aave.kinked_borrow_rates(utilization, model)
    supply = aave.supply_rates(borrow, utilization, model.reserve_factor)
    liquidity = liquidity_index(reserve.initial_liquidity_index, supply)
    size = np.exp(
        ornstein_uhlenbeck(
            streams.generator("aave", asset, "size"),
            timeline.days,
            reserve.supply_volatility,
            reserve.supply_half_life_days,
        )
    )
    total_supply = reserve.total_supply * liquidity / reserve.initial_liquidity_index * size
    return timeline.frame(
        f"aave_v3:rates:{asset}",
        "lending_rates",
        "1d",
        timeline.midnights,
        {
            "liquidity_index": liquidity,
            "variable_borrow_index": borrow_index(reserve.initial_borrow_index, borrow),
            "supply_rate": supply,
            "borrow_rate": borrow,
            "total_supply": total_supply,
            "total_variable_debt": utilization * total_supply,
            "price_usd": price_usd,
        },
        "USD",
    )
