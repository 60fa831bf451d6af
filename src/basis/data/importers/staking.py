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

Derived columns checked (`inconsistent_derived`, none imported): the peg files'
`peg_premium_percent`; the rewards' `period_days` (the dates decide), `weekly_reward_eth`
and `distribution_eth` (the reward in ETH at the file's own prices).
"""

from __future__ import annotations

import datetime as dt
from typing import Final

import polars as pl

from basis.data.importers.derived import Tolerance, compare, report
from basis.data.importers.table import SourceTable

REWARD_COLUMNS = (
    "period_start",
    "period_end",
    "payout_date",
    "period_days",
    "reward_type",
    "data_quality",
    "eigen_per_eeth_weekly",
    "ethfi_per_eeth",
)
"""Required; the price columns (`eigen_price_usd`, `ethfi_price_usd`) may be missing or
renamed: the payouts are then priced from the DEX, with a finding."""

# `peg_premium_percent` is (market_rate / protocol_rate − 1) × 100: float noise in the real
# files (1e-14); 0.001 percentage points is 0.1 bp of peg, below any decision.
PREMIUM_TOLERANCE: Final = Tolerance(0.001, "percentage points")
# The rewards' ETH values are token amount × token price / ETH price (exact in the file).
ETH_VALUE_TOLERANCE: Final = Tolerance(1e-6, relative=True)


def peg(table: SourceTable, lst: str) -> pl.DataFrame:
    """The canonical `lst_rates` frame: ETH per LST from the protocol and from the DEX.

    Notes `inconsistent_derived` for rows whose `peg_premium_percent` is not
    (market_rate / protocol_rate − 1) × 100 (±0.001 percentage points).
    """
    table.require("timestamp", "protocol_rate", "market_rate", "asset")
    table.expect_values("asset", lst)
    ts = table.timestamps("timestamp").alias("ts")
    protocol, market = table.floats("protocol_rate"), table.floats("market_rate")
    compare(
        table,
        "peg_premium_percent",
        "(market_rate / protocol_rate − 1) × 100",
        (market / protocol - 1) * 100,
        PREMIUM_TOLERANCE,
    )
    return pl.DataFrame([ts, protocol, market, table.lines()])


def rewards(table: SourceTable) -> pl.DataFrame:
    """The canonical `rewards` frame, one row per source row of a known reward, in order.

    Refused (`DataMalformedError`): a period ending before it starts, a row lacking its
    token's amount, no row of a known reward type. Accepted with a finding: an inclusive
    count, a `period_days` that is neither end − start nor one more (the dates decide), a
    period shorter than a week (an EIGEN amount is per week: pro rata by days, so daily
    rows read as well as weekly ones), rows the vendor marks estimated, an empty price
    (the payout is then priced from the DEX), a reward type the importer does not know
    (those rows are left out: their token has no price or amount rule), and ETH values
    (`weekly_reward_eth`, `distribution_eth`) that are not amount × price / ETH price.
    """
    table.require(*REWARD_COLUMNS)
    start = table.timestamps("period_start")
    end = table.timestamps("period_end")
    reward_type = table.strings("reward_type")
    token = reward_type.str.extract(r"^(EIGEN|ETHFI)_", 1)
    unknown = token.is_null()
    if unknown.all():
        table.fail_where(
            unknown, "reward_type", "is not a known reward type; expected EIGEN_* or ETHFI_*"
        )
    if unknown.any():
        kinds = sorted(set(reward_type.filter(unknown).to_list()))
        table.note(
            "new_category",
            int(unknown.sum()),
            f"reward_type {kinds}: not EIGEN_* or ETHFI_*; those rows are not imported",
        )
    span = (end - start).dt.total_days()
    table.fail_where(span < 0, "period_end", "is before period_start; expected a period end")
    days = table.floats("period_days")
    inclusive = days == (span + 1).cast(pl.Float64)
    report(
        table,
        "period_days",
        (days != span.cast(pl.Float64)) & ~inclusive,
        "period_end − period_start in days (nor one more, an inclusive count)",
        "±0 days",
        lambda index: f"{span[index]} (dates {_day(start[index])} → {_day(end[index])})",
    )
    if inclusive.any():
        table.note(
            "inclusive_period",
            int(inclusive.sum()),
            "period_days counts both the start and the end day (end − start + 1)",
        )
    eigen, ethfi = token == "EIGEN", token == "ETHFI"
    weeks = ((span + 1) / 7 + 0.5).floor()
    short = eigen & (weeks == 0)
    if short.any():
        table.note(
            "short_period",
            int(short.sum()),
            "EIGEN periods shorter than half a week (daily rows): the weekly amount is "
            "paid pro rata, (end − start + 1) / 7 of it",
        )
    weeks = pl.select(pl.when(short).then((span + 1) / 7).otherwise(weeks)).to_series()
    per_week = table.floats("eigen_per_eeth_weekly", optional=True)
    eigen_price = _optional_floats(table, "eigen_price_usd")
    per_period = table.floats("ethfi_per_eeth", optional=True)
    ethfi_price = _optional_floats(table, "ethfi_price_usd")
    for column, values, rows in (("eigen_per_eeth_weekly", per_week, eigen),
                                 ("ethfi_per_eeth", per_period, ethfi)):  # fmt: skip
        table.fail_empty(
            rows.fill_null(False) & values.is_null(), column, "a number for this reward type"
        )
    amount = pl.select(
        pl.when(eigen).then(per_week * weeks).when(ethfi).then(per_period)
    ).to_series()
    price = pl.select(pl.when(eigen).then(eigen_price).otherwise(ethfi_price)).to_series()
    unpriced = ~unknown & price.is_null()
    if unpriced.any():
        table.note(
            "empty_field",
            int(unpriced.sum()),
            "rows without the token's USD price: each payout is priced from the DEX",
        )
    estimated = table.strings("data_quality") != "exact"
    if (estimated & ~unknown).any():
        table.note(
            "estimated",
            int((estimated & ~unknown).sum()),
            "rows the vendor marks estimated (not exact); every run says how much rests on them",
        )
    eth_price = _lenient_floats(table, "eth_price_usd")
    for column, relation, value in (
        ("weekly_reward_eth", "eigen_per_eeth_weekly × eigen_price_usd / eth_price_usd",
         pl.when(eigen).then(per_week * eigen_price)),
        ("distribution_eth", "ethfi_per_eeth × ethfi_price_usd / eth_price_usd",
         pl.when(ethfi).then(per_period * ethfi_price)),
    ):  # fmt: skip
        expected = pl.select(value / eth_price).to_series()
        compare(table, column, relation, expected, ETH_VALUE_TOLERANCE)
    frame = pl.DataFrame(
        [
            table.timestamps("payout_date").alias("ts"),
            start,
            end,
            token.alias("token"),
            amount.alias("amount_per_lst"),
            price.alias("quoted_price_usd"),
            estimated.alias("estimated"),
            table.lines(),
        ]
    )
    return frame.filter(~unknown)


def _optional_floats(table: SourceTable, column: str) -> pl.Series:
    """The column as Float64 when the file has it, else all null (a renamed optional column)."""
    if column in table.columns:
        return table.floats(column, optional=True)
    return pl.Series(column, [None] * table.frame.height, dtype=pl.Float64)


def _lenient_floats(table: SourceTable, column: str) -> pl.Series:
    """An input only derived columns use, as Float64: null where empty, not a number or
    missing (rows without it are not checked, and it refuses nothing)."""
    if column not in table.columns:
        return pl.Series(column, [None] * table.frame.height, dtype=pl.Float64)
    return table.frame[column].cast(pl.Float64, strict=False)


def _day(value: dt.datetime) -> str:
    return value.strftime("%Y-%m-%d")
