"""Liquid staking files: hourly LST peg (protocol vs market rate) and EtherFi reward payouts.

Rewards (`etherfi_rewards.csv`), one row per payout:
* `ts` is `payout_date`; `period_start` / `period_end` are the source dates at 00:00 UTC,
  `period_end` being the last day of the period (inclusive).
* `token` is EIGEN for `EIGEN_*` reward types and ETHFI for `ETHFI_*` ones.
* EIGEN rows give `eigen_per_eeth_weekly`; the amount for the period is that value times
  the number of weekly distributions the period covers: the inclusive day count
  (`period_end − period_start + 1`) divided by 7 and rounded half up. A 7- or 8-day period
  is one distribution, which is what the raw table `etherfi_eigen_distributions.csv` shows
  (`eigen_earned` over the eETH base equals the weekly value for those rows).
* ETHFI rows give `ethfi_per_eeth` for the whole period: taken as is.
* `quoted_price_usd` is `eigen_price_usd` or `ethfi_price_usd` (placeholder constants).
* `estimated` is true when `data_quality` is anything but `exact`.
"""

from __future__ import annotations

import polars as pl

from basis.data.importers.table import SourceTable

REWARD_COLUMNS = (
    "period_start",
    "period_end",
    "payout_date",
    "period_days",
    "reward_type",
    "data_quality",
    "eigen_per_eeth_weekly",
    "eigen_price_usd",
    "ethfi_per_eeth",
    "ethfi_price_usd",
)


def peg(table: SourceTable, lst: str) -> pl.DataFrame:
    """The canonical `lst_rates` frame: ETH per LST from the protocol and from the DEX."""
    table.require("timestamp", "protocol_rate", "market_rate", "asset")
    table.expect_values("asset", lst)
    return pl.DataFrame(
        [
            table.timestamps("timestamp").alias("ts"),
            table.floats("protocol_rate"),
            table.floats("market_rate"),
            table.lines(),
        ]
    )


def rewards(table: SourceTable) -> pl.DataFrame:
    """The canonical `rewards` frame, one row per source row, in source order.

    Raises `DataMalformedError` for an unknown reward type, a `period_days` that disagrees
    with the dates, a period ending before it starts, an EIGEN period shorter than half a
    week (it would count as zero distributions) or a row lacking its token's columns.
    """
    table.require(*REWARD_COLUMNS)
    start = table.timestamps("period_start")
    end = table.timestamps("period_end")
    reward_type = table.strings("reward_type")
    token = reward_type.str.extract(r"^(EIGEN|ETHFI)_", 1)
    table.fail_where(
        token.is_null(), "reward_type", "is not a known reward type; expected EIGEN_* or ETHFI_*"
    )
    span = (end - start).dt.total_days()
    table.fail_where(span < 0, "period_end", "is before period_start; expected a period end")
    days = table.floats("period_days")
    table.fail_where(
        days != span.cast(pl.Float64),
        "period_days",
        "disagrees with period_end − period_start in days",
    )
    eigen = token == "EIGEN"
    weeks = ((span + 1) / 7 + 0.5).floor()
    table.fail_where(
        eigen & (weeks == 0),
        "period_end",
        "is less than 4 days after period_start; expected a weekly EIGEN period",
    )
    per_week = table.floats("eigen_per_eeth_weekly", optional=True)
    eigen_price = table.floats("eigen_price_usd", optional=True)
    per_period = table.floats("ethfi_per_eeth", optional=True)
    ethfi_price = table.floats("ethfi_price_usd", optional=True)
    for column, values, rows in (
        ("eigen_per_eeth_weekly", per_week, eigen),
        ("eigen_price_usd", eigen_price, eigen),
        ("ethfi_per_eeth", per_period, ~eigen),
        ("ethfi_price_usd", ethfi_price, ~eigen),
    ):
        table.fail_empty(rows & values.is_null(), column, "a number for this reward type")
    amount = pl.select(pl.when(eigen).then(per_week * weeks).otherwise(per_period)).to_series()
    price = pl.select(pl.when(eigen).then(eigen_price).otherwise(ethfi_price)).to_series()
    return pl.DataFrame(
        [
            table.timestamps("payout_date").alias("ts"),
            start,
            end,
            token.alias("token"),
            amount.alias("amount_per_lst"),
            price.alias("quoted_price_usd"),
            (table.strings("data_quality") != "exact").alias("estimated"),
            table.lines(),
        ]
    )
