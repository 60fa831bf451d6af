"""Objectives and constraints of an optimisation, over a run's summary numbers.

A constraint is `METRIC>=NUMBER` or `METRIC<=NUMBER` on any summary metric or risk field.
A metric that does not apply (None) counts as its best case where that has a meaning, and
as a violation where it does not:

* min_health_factor, min_margin_ratio: None means no Aave debt / no margin account, so
  nothing to liquidate: +∞.
* max_drawdown, max_drawdown_hours: None means the run never drew down: 0.
* any other metric (sharpe of a one-day run, say): undefined, so the constraint fails.
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Final

from basis.analytics.metrics import METRIC_KEYS
from basis.errors import ConfigError

__all__ = [
    "CONSTRAINT_METRICS",
    "OBJECTIVES",
    "Constraint",
    "metric_value",
    "objective_value",
    "parse_constraint",
]

OBJECTIVES: Final = ("apy", "apr", "sharpe", "sortino", "calmar")
RISK_METRICS: Final = ("min_health_factor", "min_margin_ratio", "liquidations")
CONSTRAINT_METRICS: Final = (*METRIC_KEYS, *RISK_METRICS)
NOT_APPLICABLE: Final[Mapping[str, float]] = {
    "min_health_factor": math.inf,
    "min_margin_ratio": math.inf,
    "max_drawdown": 0.0,
    "max_drawdown_hours": 0.0,
}
_PATTERN: Final = re.compile(r"^\s*([a-z_]+)\s*(>=|<=)\s*(\S+)\s*$")


@dataclass(frozen=True)
class Constraint:
    """`metric operator bound`, e.g. min_health_factor >= 1.1."""

    metric: str
    operator: str
    bound: float

    def __str__(self) -> str:
        return f"{self.metric}{self.operator}{self.bound:g}"

    def violation(self, numbers: Mapping[str, Any]) -> float:
        """How far the run is outside the constraint: ≤ 0 when it holds, > 0 when not (the
        Optuna convention). An undefined metric is a violation of 1."""
        value = metric_value(self.metric, numbers)
        if value is None:
            return 1.0
        if math.isinf(value):
            holds = (value > 0) == (self.operator == ">=")
            return -1.0 if holds else 1.0
        return self.bound - value if self.operator == ">=" else value - self.bound


def parse_constraint(text: str) -> Constraint:
    """Parse `METRIC>=NUMBER` or `METRIC<=NUMBER`; ConfigError naming what is wrong."""
    match = _PATTERN.match(text)
    if match is None:
        raise ConfigError(
            f"--constraint {text!r}: expected METRIC>=NUMBER or METRIC<=NUMBER, "
            "e.g. min_health_factor>=1.1"
        )
    metric, operator, raw = match.groups()
    if metric not in CONSTRAINT_METRICS:
        raise ConfigError(
            f"--constraint {text!r}: unknown metric {metric!r}; known: {list(CONSTRAINT_METRICS)}"
        )
    try:
        bound = float(raw)
    except ValueError:
        raise ConfigError(f"--constraint {text!r}: {raw!r} is not a number") from None
    if not math.isfinite(bound):
        raise ConfigError(f"--constraint {text!r}: the bound must be finite")
    return Constraint(metric, operator, bound)


def metric_value(metric: str, numbers: Mapping[str, Any]) -> float | None:
    """The metric from a run's merged metrics and risk, with the not-applicable rules of
    the module docstring; None when undefined."""
    value = numbers.get(metric)
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return NOT_APPLICABLE.get(metric)
    return float(value)


def objective_value(objective: str, numbers: Mapping[str, Any]) -> float | None:
    """The objective of a run, None when it does not apply or is not finite."""
    value = numbers.get(objective)
    if not isinstance(value, int | float) or isinstance(value, bool) or not math.isfinite(value):
        return None
    return float(value)
