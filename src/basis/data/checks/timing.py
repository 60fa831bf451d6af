"""Detections on the time axis: gaps, exact and conflicting duplicates, non-monotonic order."""

from __future__ import annotations

import datetime as dt
from typing import Any

import polars as pl

from basis.data.catalog import SeriesInfo
from basis.data.checks.columns import roles, step
from basis.data.checks.finding import EXAMPLES, Finding, examples, finding, rows, stamp
from basis.data.schema import ROW


def gaps(frame: pl.DataFrame, info: SeriesInfo) -> list[Finding]:
    """A `gap` finding counting the points missing from the series' interval grid.

    Holes are measured between consecutive distinct timestamps (sorted), so duplicates and
    disorder do not create or hide gaps; a step of `d` misses `ceil(d / interval) - 1`
    points. Event series have no grid and never have gaps. Returns [] or one finding.
    """
    interval = step(info)
    if interval is None or frame.height < 2:
        return []
    step_us = interval // dt.timedelta(microseconds=1)
    holes = (
        frame.select("ts", ROW)
        .sort("ts", ROW)
        .unique("ts", keep="first", maintain_order=True)
        .with_columns(
            previous=pl.col("ts").shift(1),
            previous_row=pl.col(ROW).shift(1),
            missing=(pl.col("ts").diff().dt.total_microseconds() + step_us - 1) // step_us - 1,
        )
        .filter(pl.col("missing") > 0)
    )
    if holes.is_empty():
        return []
    lengths: list[int] = holes["missing"].to_list()
    total, longest = sum(lengths), lengths.index(max(lengths))
    described = [_hole(record, interval) for record in holes.head(EXAMPLES).iter_rows(named=True)]
    detail = f"{total} missing {info.interval} point(s) in {len(lengths)} hole(s): "
    if longest >= EXAMPLES:
        detail += f"longest {_hole(holes.row(longest, named=True), interval)}; first "
    detail += examples(described, len(lengths))
    return [finding("gap", info, total, detail)]


def _hole(record: dict[str, Any], interval: dt.timedelta) -> str:
    previous, missing = record["previous"], record["missing"]
    first, last = previous + interval, previous + interval * missing
    points = "point" if missing == 1 else "points"
    return (
        f"{stamp(first)} → {stamp(last)} ({missing} {points}, after row {record['previous_row']})"
    )


def duplicates(frame: pl.DataFrame, info: SeriesInfo) -> list[Finding]:
    """`duplicate` (same key, same values) and `conflicting_duplicate` (same key, different
    values) findings; the key is the time plus the kind's row keys (rewards: the token).

    `duplicate` counts the surplus rows (those a resolver can drop losing nothing);
    `conflicting_duplicate` counts the keys whose rows disagree. Returns 0, 1 or 2 findings.
    """
    keys = list(roles(info).keys)
    values = [name for name in frame.columns if name not in (*keys, ROW)]
    groups = (
        frame.group_by(keys, maintain_order=True)
        .agg(
            n=pl.len(),
            distinct=pl.struct(values).n_unique(),
            rows=pl.col(ROW).sort(),
        )
        .filter(pl.col("n") > 1)
        .sort(keys)
    )
    found: list[Finding] = []
    exact = groups.filter(pl.col("distinct") == 1)
    if not exact.is_empty():
        surplus = int((exact["n"] - 1).sum())
        described = [
            f"{_key(record, keys)} ({rows(record['rows'])})"
            for record in exact.head(EXAMPLES).iter_rows(named=True)
        ]
        detail = (
            f"{surplus} surplus row(s) repeating {exact.height} timestamp(s) with identical "
            f"values: {examples(described, exact.height)}"
        )
        found.append(finding("duplicate", info, surplus, detail))
    conflicting = groups.filter(pl.col("distinct") > 1)
    if not conflicting.is_empty():
        described = [
            _conflict(frame, record, keys, values)
            for record in conflicting.head(EXAMPLES).iter_rows(named=True)
        ]
        detail = (
            f"{conflicting.height} timestamp(s) carry different values: "
            f"{examples(described, conflicting.height)}"
        )
        found.append(finding("conflicting_duplicate", info, conflicting.height, detail))
    return found


def _key(record: dict[str, Any], keys: list[str]) -> str:
    return " ".join([stamp(record["ts"]), *(str(record[name]) for name in keys if name != "ts")])


def _conflict(
    frame: pl.DataFrame, record: dict[str, Any], keys: list[str], values: list[str]
) -> str:
    """`2025-03-29 00:00 (rows 880, 881): rate 0.0001 vs -5.49e-06`."""
    group = frame.filter(pl.col(ROW).is_in(record["rows"])).sort(ROW)
    differing = [name for name in values if group[name].n_unique() > 1]
    shown = ", ".join(
        f"{name} {' vs '.join(_number(value) for value in group[name].to_list())}"
        for name in differing
    )
    return f"{_key(record, keys)} ({rows(group[ROW].to_list())}): {shown}"


def _number(value: object) -> str:
    return f"{value:.6g}" if isinstance(value, float) else str(value)


def non_monotonic(frame: pl.DataFrame, info: SeriesInfo) -> list[Finding]:
    """A `non_monotonic` finding counting backward steps: rows (in source order) whose time
    is earlier than the row before them in the same key group. Returns [] or one finding.
    """
    groups = [name for name in roles(info).keys if name != "ts"]
    previous = pl.col("ts").shift(1)
    previous_row = pl.col(ROW).shift(1)
    if groups:
        previous, previous_row = previous.over(groups), previous_row.over(groups)
    backward = (
        frame.sort(ROW)
        .with_columns(previous=previous, previous_row=previous_row)
        .filter(pl.col("ts") < pl.col("previous"))
    )
    if backward.is_empty():
        return []
    described = [
        f"row {record[ROW]} at {stamp(record['ts'])} after {stamp(record['previous'])} "
        f"(row {record['previous_row']})"
        for record in backward.head(EXAMPLES).iter_rows(named=True)
    ]
    detail = (
        f"{backward.height} backward step(s) in source order: "
        f"{examples(described, backward.height)}"
    )
    return [finding("non_monotonic", info, backward.height, detail)]
