"""Reward tokens: their WETH prices, and discrete weekly / monthly payouts to LST holders."""

from __future__ import annotations

import datetime as dt
import math

import numpy as np
import polars as pl
from numpy.typing import NDArray

from basis.config.scenarios import RewardProgramConfig, TokenPriceConfig
from basis.data.catalog import SeriesFrame
from basis.data.scenario.prices import PricePath, candles, path_with_extremes
from basis.data.scenario.processes import jump_diffusion_increments
from basis.data.scenario.streams import Streams
from basis.data.scenario.timeline import Offsets, Timeline
from basis.data.schema import ROW

Array = NDArray[np.float64]


def simulate_tokens(
    tokens: dict[str, TokenPriceConfig], timeline: Timeline, streams: Streams
) -> dict[str, PricePath]:
    """Return each reward token's price path in WETH (geometric Brownian motion)."""
    paths = {}
    for token, config in tokens.items():
        normals = streams.generator("token", token, "diffusion").standard_normal(timeline.hours)
        increments = jump_diffusion_increments(
            normals,
            streams.generator("token", token, "jumps"),
            config.drift,
            config.volatility,
            jump_intensity=0.0,
            jump_mean=0.0,
            jump_std=0.0,
        )
        log_price = math.log(config.initial) + np.concatenate(([0.0], np.cumsum(increments)))
        paths[token] = path_with_extremes(
            log_price, config.volatility, streams.generator("token", token, "extremes")
        )
    return paths


def token_frames(
    paths: dict[str, PricePath],
    tokens: dict[str, TokenPriceConfig],
    timeline: Timeline,
    streams: Streams,
) -> list[SeriesFrame]:
    """Return `uniswap_v3:token:{TOKEN}` hourly candles quoted in WETH."""
    no_shift = np.zeros(timeline.hours + 1)
    return [
        timeline.frame(
            f"uniswap_v3:token:{token}",
            "token_prices",
            "1h",
            timeline.bars,
            candles(
                path, no_shift, tokens[token].hourly_volume, streams.generator("volume", token)
            ),
            "WETH",
        )
        for token, path in paths.items()
    ]


def payout_periods(schedule: str, timeline: Timeline) -> tuple[Offsets, Offsets]:
    """Return (period start, payout) hour offsets of every payout inside the timeline.

    weekly: every 7 days from the start. monthly: 00:00 UTC on the 1st of each month; the
    first period starts at the scenario start (it may be partial).
    """
    if schedule == "weekly":
        payouts = np.arange(7 * 24, timeline.hours, 7 * 24, dtype=np.int64)
        return payouts - 7 * 24, payouts
    boundaries = []
    month = dt.datetime(timeline.start.year, timeline.start.month, 1, tzinfo=dt.UTC)
    while True:
        month = (month + dt.timedelta(days=32)).replace(day=1)
        offset = round(timeline.offset_of(month))
        if offset >= timeline.hours:
            break
        boundaries.append(offset)
    payouts = np.array(boundaries, dtype=np.int64)
    starts = np.concatenate(([0], payouts))[:-1].astype(np.int64)
    return starts, payouts


def reward_frame(
    series: str,
    programs: tuple[RewardProgramConfig, ...],
    tokens: dict[str, PricePath],
    eth_usd: PricePath,
    timeline: Timeline,
    streams: Streams,
) -> SeriesFrame:
    """Return the payouts of one LST's programs, ordered by payout time then token.

    `amount_per_lst` = mean amount × lognormal noise × the period's share of a full one
    (a weekly period is 168 h; a monthly period its calendar month). `quoted_price_usd`
    is the token's WETH price × ETH's USD price at the payout.
    """
    parts = []
    for program in programs:
        starts, payouts = payout_periods(program.schedule, timeline)
        full = np.array([_full_period_hours(program.schedule, timeline, p) for p in payouts])
        noise = streams.generator("rewards", series, program.token).standard_normal(payouts.size)
        sigma = program.amount_volatility
        amount = program.amount_per_lst * np.exp(sigma * noise - 0.5 * sigma * sigma)
        price = tokens[program.token].at(payouts) * eth_usd.at(payouts)
        parts.append(
            pl.DataFrame(
                [
                    timeline.timestamps(payouts),
                    timeline.timestamps(starts, "period_start"),
                    timeline.timestamps(payouts, "period_end"),
                    pl.Series("token", [program.token] * payouts.size, dtype=pl.String),
                    pl.Series("amount_per_lst", amount * (payouts - starts) / full),
                    pl.Series("quoted_price_usd", price),
                    pl.Series("estimated", [False] * payouts.size, dtype=pl.Boolean),
                ]
            )
        )
    data = pl.concat(parts).sort(["ts", "token"], maintain_order=True)
    data = data.with_columns(pl.int_range(1, data.height + 1, dtype=pl.Int64).alias(ROW))
    return SeriesFrame(
        series=series, kind="rewards", source=timeline.source, interval="event", frame=data
    )


def _full_period_hours(schedule: str, timeline: Timeline, payout: int) -> float:
    if schedule == "weekly":
        return 7.0 * 24.0
    end = timeline.start + dt.timedelta(hours=int(payout))
    previous = (end - dt.timedelta(days=1)).replace(day=1)
    return (end - previous) / dt.timedelta(hours=1)
