"""Resolution policy: turn a stored series (source order, duplicates and all) into clean rows.

The catalog keeps data as the source gave it; this module decides, explicitly and with a
log line for every choice, what a run sees:

* rows are sorted by time;
* exact duplicates (same time, same values) are dropped;
* conflicting duplicates (same time, different values) are an error unless the policy
  names how to resolve that series (`first`, `last` or `mean`), and the choice is logged.

Gaps are handled at alignment (`basis.data.panel`): prices are forward-filled up to a limit,
funding is never filled.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from typing import Literal

import polars as pl
from pydantic import Field

from basis.config.base import FrozenModel
from basis.data.schema import ROW
from basis.errors import DataConflictError

log = logging.getLogger(__name__)

ConflictRule = Literal["error", "first", "last", "mean"]


class ResolutionPolicy(FrozenModel):
    """How a run resolves data defects; every field is documented in docs/data.md."""

    max_price_fill_hours: int = Field(default=24, ge=0)
    conflicts: dict[str, ConflictRule] = Field(default_factory=dict)
    default_conflict: ConflictRule = "error"

    def conflict_rule(self, series: str) -> ConflictRule:
        return self.conflicts.get(series, self.default_conflict)


def resolve(
    frame: pl.DataFrame, series: str, policy: ResolutionPolicy, keys: Sequence[str] = ("ts",)
) -> pl.DataFrame:
    """Sorted, de-duplicated rows of `series` (without `source_row`).

    Rows with equal `keys` (see `schema.KEYS`) are duplicates. Raises `DataConflictError`
    naming the first conflicting timestamps and their source rows when duplicates disagree
    and the policy says `error`.
    """
    key = list(keys)
    values = [c for c in frame.columns if c not in (*key, ROW)]
    ordered = frame.sort(*key, ROW)
    exact = ordered.unique(subset=[*key, *values], keep="first", maintain_order=True)
    dropped = ordered.height - exact.height
    if dropped:
        log.info("%s: dropped %d exact duplicate row(s)", series, dropped)
    counts = exact.group_by(key).len()
    conflicted = counts.filter(pl.col("len") > 1)
    if conflicted.is_empty():
        return exact.drop(ROW)
    rule = policy.conflict_rule(series)
    if rule == "error":
        first = exact.join(conflicted.head(3).select(key), on=key).sort(*key, ROW)
        rows = ", ".join(
            f"{group['ts'][0]:%Y-%m-%d %H:%M} (rows {', '.join(str(r) for r in group[ROW])})"
            for _, group in first.group_by(key, maintain_order=True)
        )
        raise DataConflictError(
            f"{series}: {conflicted.height} timestamp(s) with conflicting values, e.g. {rows}; "
            f"choose a rule with conflicts: {{{series}: first|last|mean}}"
        )
    log.warning(
        "%s: resolved %d conflicting timestamp(s) by policy %r", series, conflicted.height, rule
    )
    if rule == "mean":
        numeric = [c for c in values if exact.schema[c].is_numeric()]
        other = [c for c in values if c not in numeric]
        resolved = exact.group_by(key, maintain_order=True).agg(
            *[pl.col(c).mean() for c in numeric], *[pl.col(c).first() for c in other]
        )
        return resolved.select([c for c in frame.columns if c != ROW])
    keep: Literal["first", "last"] = rule
    return exact.unique(subset=key, keep=keep, maintain_order=True).drop(ROW)
