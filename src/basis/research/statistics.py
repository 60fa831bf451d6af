"""Statistics over stress paths: pure functions from per-path numbers to their summary.

Definitions (docs/stress.md):

* quantile(q): linear interpolation between order statistics (Hyndman–Fan type 7, numpy's
  default): with the n values sorted x_0 ≤ … ≤ x_{n−1}, h = (n − 1)·q and
  Q(q) = x_⌊h⌋ + (h − ⌊h⌋)·(x_⌊h⌋+1 − x_⌊h⌋).
* Wilson score interval for k successes in n trials at confidence c, z = Φ⁻¹((1 + c)/2),
  p = k/n: centre (p + z²/2n) / (1 + z²/n), half-width
  z/(1 + z²/n) · √(p(1 − p)/n + z²/4n²).
* The worst path: the lowest total return; ties go to the lowest seed.
* Probability of liquidation: the share of completed paths with at least one liquidation.

Statistics skip paths where a number does not apply (None, e.g. no health factor for a
mode without Aave debt, or NaN) and say over how many paths they were taken. Failed
paths are counted, never summarised.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from statistics import NormalDist

from basis.errors import InvalidOperationError

__all__ = [
    "CONFIDENCE",
    "Distribution",
    "PathRecord",
    "Proportion",
    "StressSummary",
    "describe",
    "proportion",
    "quantile",
    "summarize_paths",
    "wilson_interval",
    "worst_path",
]

CONFIDENCE = 0.95


@dataclass(frozen=True)
class PathRecord:
    """The compact result of one completed path; rates are decimals, `final_equity` is in
    the share class, None where the number does not apply to the mode."""

    seed: int
    apy: float | None
    apr: float | None
    max_drawdown: float | None
    min_health_factor: float | None
    min_margin_ratio: float | None
    liquidations: int
    final_equity: float
    total_return: float
    turnover: float | None = None
    costs: float = 0.0  # trading fees + slippage + gas paid (positive), share class
    carry_capture: float | None = None


@dataclass(frozen=True)
class Distribution:
    """Mean, extremes and quantiles of the values that apply; all None when `count` is 0."""

    count: int
    mean: float | None
    minimum: float | None
    p5: float | None
    median: float | None
    p95: float | None
    maximum: float | None


@dataclass(frozen=True)
class Proportion:
    """k of n with its Wilson interval at `confidence`; share and bounds None when n is 0."""

    successes: int
    trials: int
    share: float | None
    low: float | None
    high: float | None
    confidence: float = CONFIDENCE


@dataclass(frozen=True)
class StressSummary:
    """What a stress run is judged by; `worst` is None only when no path completed."""

    paths: int
    completed: int
    failed: int
    apy: Distribution
    max_drawdown: Distribution
    liquidation: Proportion
    min_health_factor: Distribution
    min_margin_ratio: Distribution
    worst: PathRecord | None


def quantile(values: Sequence[float], q: float) -> float:
    """The type-7 quantile of `values` (see the module docstring).

    Raises `InvalidOperationError` for no values, a NaN value or q outside [0, 1].
    """
    if not 0.0 <= q <= 1.0:
        raise InvalidOperationError(f"quantile {q!r} must lie in [0, 1]")
    if not values:
        raise InvalidOperationError("quantile of no values")
    ordered = sorted(values)
    if any(math.isnan(value) for value in ordered):
        raise InvalidOperationError("quantile of values that include NaN")
    h = (len(ordered) - 1) * q
    low = math.floor(h)
    if low == len(ordered) - 1:
        return float(ordered[low])
    return float(ordered[low] + (h - low) * (ordered[low + 1] - ordered[low]))


def wilson_interval(
    successes: int, trials: int, confidence: float = CONFIDENCE
) -> tuple[float, float]:
    """The Wilson score interval (low, high) for `successes` of `trials`.

    Raises `InvalidOperationError` for no trials, successes outside [0, trials] or a
    confidence outside (0, 1).
    """
    if trials < 1:
        raise InvalidOperationError(f"a proportion needs at least one trial, got {trials}")
    if not 0 <= successes <= trials:
        raise InvalidOperationError(f"successes {successes} must lie in [0, {trials}]")
    if not 0.0 < confidence < 1.0:
        raise InvalidOperationError(f"confidence {confidence!r} must lie in (0, 1)")
    z = NormalDist().inv_cdf((1.0 + confidence) / 2.0)
    n, p = float(trials), successes / trials
    z2n = z * z / n
    centre = (p + z2n / 2.0) / (1.0 + z2n)
    half = z / (1.0 + z2n) * math.sqrt(p * (1.0 - p) / n + z2n / (4.0 * n))
    # Exact at the ends: no rounding below 0 or above 1.
    low = 0.0 if successes == 0 else max(0.0, centre - half)
    high = 1.0 if successes == trials else min(1.0, centre + half)
    return low, high


def describe(values: Iterable[float | None]) -> Distribution:
    """The distribution of the values that apply (None and NaN are skipped)."""
    kept = [float(v) for v in values if v is not None and not math.isnan(v)]
    if not kept:
        return Distribution(0, None, None, None, None, None, None)
    return Distribution(
        count=len(kept),
        mean=math.fsum(kept) / len(kept),
        minimum=min(kept),
        p5=quantile(kept, 0.05),
        median=quantile(kept, 0.5),
        p95=quantile(kept, 0.95),
        maximum=max(kept),
    )


def proportion(successes: int, trials: int, confidence: float = CONFIDENCE) -> Proportion:
    """`successes` of `trials` with its Wilson interval (None values when there are no trials)."""
    if trials == 0:
        return Proportion(successes, 0, None, None, None, confidence)
    low, high = wilson_interval(successes, trials, confidence)
    return Proportion(successes, trials, successes / trials, low, high, confidence)


def worst_path(records: Iterable[PathRecord]) -> PathRecord | None:
    """The record with the lowest total return, ties to the lowest seed; None if empty."""
    return min(records, key=lambda r: (r.total_return, r.seed), default=None)


def summarize_paths(records: Sequence[PathRecord], failed: int) -> StressSummary:
    """The summary of the completed paths' `records`, with `failed` paths counted apart."""
    if failed < 0:
        raise InvalidOperationError(f"failed paths {failed} must not be negative")
    liquidated = sum(1 for r in records if r.liquidations > 0)
    return StressSummary(
        paths=len(records) + failed,
        completed=len(records),
        failed=failed,
        apy=describe(r.apy for r in records),
        max_drawdown=describe(r.max_drawdown for r in records),
        liquidation=proportion(liquidated, len(records)),
        min_health_factor=describe(r.min_health_factor for r in records),
        min_margin_ratio=describe(r.min_margin_ratio for r in records),
        worst=worst_path(records),
    )
