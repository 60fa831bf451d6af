"""Outlier detection: one-bar spikes and jumps beyond the robust move size; fee spikes.

A series' move is its log-return (prices) or its difference (rates). Its robust scale is
`sigma = 1.4826 × max(local, overall)` where `local` is the rolling median of |move| over
`WINDOW` observations (centred) and `overall` the median over the whole series, so a calm
week does not make ordinary moves look extreme. A point is an outlier when

* spike: it leaves its neighbours and comes back — the moves into and out of it have
  opposite signs, both are at least `SPIKE_SIGMAS` × sigma and at least `MIN_MOVE`, and the
  neighbours agree (the net move across the point is under half the smaller one); or
* jump: a single move of at least `JUMP_SIGMAS` × sigma and `MIN_MOVE` (decimal shifts,
  unit changes), which real markets do not make in one bar.

Thresholds are set on the real 2024-01 → 2025-06 data, where they flag nothing (docs/data-
quality.md lists the measured counts at lower thresholds).

Fee columns (gas priority fees) are not levels: a fee is heavy-tailed noise around a slowly
moving level, not a path, and the real data's one-block spikes last one or two hours
without reverting in between. They are checked by the trailing fee rule of
`basis.data.checks.fees` instead: a fee at least `max(10 × 1.4826 × MAD, 10 gwei)` above
the median of the last 24 observations (past and current only), the same rule by which a
backtest replaces such an hour's fee by that median (`basis.engine.inputs`).
"""

from __future__ import annotations

from typing import Final

import numpy as np
import numpy.typing as npt
import polars as pl

from basis.data.catalog import SeriesInfo
from basis.data.checks.columns import Level, roles, step
from basis.data.checks.fees import FEE_SIGMAS, FEE_WINDOW, MIN_FEE_EXCESS_GWEI, filter_fees
from basis.data.checks.finding import Finding, examples, finding, stamp
from basis.data.schema import ROW

WINDOW: Final = 168  # observations: a week of hourly bars
SPIKE_SIGMAS: Final = 10.0
JUMP_SIGMAS: Final = 20.0
MIN_MOVE_LOG: Final = 0.005  # 0.5 % for prices: smaller blips do not matter to a backtest
# 5 bp per settlement for funding: real funding swings smaller than this revert every busy
# week (a 3.2 bp reverting spike on Binance BTC, 2024-01-02), while a unit error is 100×.
MIN_MOVE_RATE: Final = 5e-4
MAD_TO_SIGMA: Final = 1.4826

FloatArray = npt.NDArray[np.float64]


def outliers(frame: pl.DataFrame, info: SeriesInfo) -> list[Finding]:
    """An `outlier` finding counting spike and jump points over the kind's level columns
    and fee outliers over its fee columns.

    Only regular series are checked (event series have no path); NaN and non-positive
    prices are skipped (the `nan` and `negative` findings report them).
    Returns [] or one finding whose detail names the column, time, source row and move
    (or fee and trailing median).
    """
    if step(info) is None:
        return []
    ordered = frame.sort("ts", ROW).unique("ts", keep="first", maintain_order=True)
    total, parts, rules = 0, [], []
    kind_roles = roles(info)
    for column, described in [
        *((level.column, _column(ordered, level)) for level in kind_roles.levels),
        *((fee, _fee_column(ordered, fee)) for fee in kind_roles.fees),
    ]:
        total += len(described)
        if described:
            parts.append(f"{column} {len(described)}: {examples(described)}")
    if not total:
        return []
    if kind_roles.levels:
        rules.append(
            f"the robust move size (spike ≥ {SPIKE_SIGMAS:g}σ and back, or jump ≥ {JUMP_SIGMAS:g}σ)"
        )
    if kind_roles.fees:
        rules.append(
            f"the trailing {FEE_WINDOW}-observation median fee (≥ {FEE_SIGMAS:g}σ and "
            f"{MIN_FEE_EXCESS_GWEI:g} gwei above it; largest first)"
        )
    detail = f"{total} point(s) far outside {' or '.join(rules)}: " + " | ".join(parts)
    return [finding("outlier", info, total, detail)]


def _column(ordered: pl.DataFrame, level: Level) -> list[str]:
    valid = pl.col(level.column).is_not_null() & pl.col(level.column).is_not_nan()
    if level.log:
        valid &= pl.col(level.column) > 0
    data = ordered.filter(valid).select("ts", ROW, level.column)
    if data.height < 3:
        return []
    values = data[level.column].to_numpy()
    path = np.log(values) if level.log else values
    spikes, jumps = flag(path, MIN_MOVE_LOG if level.log else MIN_MOVE_RATE)
    described = []
    for index in np.flatnonzero(spikes | jumps):
        moment, row = data["ts"][int(index)], data[ROW][int(index)]
        move = path[index] - path[index - 1]
        size = f"{np.expm1(move):+.2%}" if level.log else f"{move:+.3g}"
        what = "spike" if spikes[index] else "jump"
        described.append(f"{what} {size} at {stamp(moment)} (row {row})")
    return described


def _fee_column(ordered: pl.DataFrame, column: str) -> list[str]:
    """The fee outliers of `column`, largest excess over the trailing median first."""
    valid = pl.col(column).is_not_null() & pl.col(column).is_not_nan()
    data = ordered.filter(valid).select("ts", ROW, column)
    values = data[column].to_numpy()
    filtered, mask = filter_fees(values)
    flagged = np.flatnonzero(mask)
    largest = flagged[np.argsort(filtered[flagged] - values[flagged], kind="stable")]
    return [
        f"{values[index]:.5g} gwei vs median {filtered[index]:.3g} at "
        f"{stamp(data['ts'][int(index)])} (row {data[ROW][int(index)]})"
        for index in largest
    ]


def flag(path: FloatArray, min_move: float) -> tuple[npt.NDArray[np.bool_], npt.NDArray[np.bool_]]:
    """Spike and jump flags for each point of `path` (log-prices or rates), as described in
    the module docstring. Both arrays have the length of `path`; a point is at most one.
    """
    moves = np.diff(path)
    size = np.abs(moves)
    local = pl.Series(size).rolling_median(WINDOW, min_samples=1, center=True).to_numpy()
    sigma = MAD_TO_SIGMA * np.maximum(local, np.median(size))
    into, out_of = moves[:-1], moves[1:]
    smaller = np.minimum(size[:-1], size[1:])
    scale = np.maximum(sigma[:-1], sigma[1:])
    spike = (
        (np.sign(into) == -np.sign(out_of))
        & (np.abs(into + out_of) < 0.5 * smaller)
        & (smaller >= SPIKE_SIGMAS * scale)
        & (smaller >= min_move)
        & (smaller > 0)
    )
    jump = (size >= JUMP_SIGMAS * sigma) & (size >= min_move) & (size > 0)
    spikes = np.zeros(path.shape[0], dtype=bool)
    spikes[1:-1] = spike
    jumps = np.zeros(path.shape[0], dtype=bool)
    # A jump is the point after the move; a spike's own moves are not also jumps.
    jumps[1:] = jump
    around = np.zeros(path.shape[0], dtype=bool)
    around[1:] |= spikes[:-1]
    jumps &= ~spikes & ~around
    return spikes, jumps
