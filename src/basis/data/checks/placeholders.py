"""Placeholder detection: a price-like column repeating one value over many rows in a row.

Real prices move; a price that stays exactly the same for a week of observations (or over
`EVENT_ROWS` payouts of an event series, per token) was typed in, not observed — e.g. the
reward token prices of the EtherFi rewards file (EIGEN 3.5 USD, ETHFI 2.8 USD on every row).
"""

from __future__ import annotations

from typing import Final

import numpy as np
import polars as pl

from basis.data.catalog import SeriesInfo
from basis.data.checks.columns import per_week, roles
from basis.data.checks.finding import Finding, examples, finding, stamp
from basis.data.checks.runs import cover, runs
from basis.data.schema import ROW

EVENT_ROWS: Final = 5


def placeholders(frame: pl.DataFrame, info: SeriesInfo) -> list[Finding]:
    """A `placeholder` finding counting rows inside runs of one repeated price.

    A run must reach a week of points at the series' interval (168 hourly, 21 eight-hourly,
    7 daily) or `EVENT_ROWS` rows of an event series; runs are taken in time order within
    each key group (rewards: per token), over distinct timestamps. Returns [] or one finding.
    """
    kind_roles = roles(info)
    groups = [name for name in kind_roles.keys if name != "ts"]
    minimum = per_week(info) or EVENT_ROWS
    ordered = frame.sort([*groups, "ts", ROW]).unique(
        list(kind_roles.keys), keep="first", maintain_order=True
    )
    covered = np.zeros(ordered.height, dtype=bool)
    described: list[str] = []
    for name in kind_roles.prices:
        repeated = (pl.col(name) == pl.col(name).shift(1)) & pl.col(name).is_not_nan()
        for group in groups:
            repeated &= pl.col(group) == pl.col(group).shift(1)
        same = ordered.select(repeated.fill_null(False))
        # A run of k equal neighbours spans k + 1 rows, starting one row before it.
        starts, lengths = runs(same.to_series().to_numpy())
        keep = lengths + 1 >= minimum
        row_starts, row_lengths = starts[keep] - 1, lengths[keep] + 1
        covered |= cover(ordered.height, row_starts, row_lengths)
        for start, length in zip(row_starts.tolist(), row_lengths.tolist(), strict=True):
            first, last = (
                ordered.row(start, named=True),
                ordered.row(start + length - 1, named=True),
            )
            label = " ".join(str(first[group]) for group in groups)
            described.append(
                f"{name} = {first[name]} on {length} consecutive {label + ' ' if label else ''}"
                f"rows ({stamp(first['ts'])} → {stamp(last['ts'])})"
            )
    count = int(covered.sum())
    if not count:
        return []
    detail = (
        f"{count} row(s) repeat one price: {examples(described)} — placeholder values, "
        "price from a market series instead"
    )
    return [finding("placeholder", info, count, detail)]
