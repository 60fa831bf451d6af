"""Run analytics: metrics, P&L attribution totals and risk summaries (later, the HTML report)."""

from basis.analytics.metrics import (
    METRIC_KEYS,
    attribution_totals,
    check_attribution,
    daily_returns,
    metrics,
    risk_summary,
    step_returns,
    summarize,
)

__all__ = [
    "METRIC_KEYS",
    "attribution_totals",
    "check_attribution",
    "daily_returns",
    "metrics",
    "risk_summary",
    "step_returns",
    "summarize",
]
