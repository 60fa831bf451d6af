"""The run page's figures and tables, from the report's own figure functions.

The figures draw with `/static/plotly.min.js` and `/static/figures.js`: each is a `<div>`
and its JSON (`analytics.plotly_page.figure_div`).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Final

import plotly.graph_objects as go

from basis.analytics import report_figures as report
from basis.model.result import Event, RunResult

__all__ = ["EVENTS_SHOWN", "compare_figure", "events", "run_figures"]

EVENTS_SHOWN: Final = 500


def run_figures(result: RunResult) -> list[tuple[str, str]]:
    """(title, html) of each figure the run has: equity, attribution, benchmark, Aave,
    margin, net delta, funding; a figure that does not apply is left out."""
    if not len(result.times):
        return []
    sampler = report.Sampler.for_times(result.times)
    value = report.unit_value(result.equity, result.flows, result.initial_equity)
    found = [
        ("Equity and drawdown", report.equity_figure(result, sampler, value)),
        ("Attribution (cumulative)", report.attribution_figure(result, sampler)),
        ("APY against sUSDe", report.benchmark_figure(result, sampler, value)),
        ("Aave health factor and LTV", report.aave_figure(result, sampler)),
        ("Margin ratio per venue", report.margin_figure(result, sampler)),
        ("Net delta", report.net_delta_figure(result, sampler)),
        ("Funding per venue", report.funding_figure(result, sampler)),
    ]
    return [(title, html) for title, html in found if html is not None]


def compare_figure(results: Sequence[RunResult]) -> str:
    """The runs' time-weighted unit values (1 at the start) on one chart."""
    fig = go.Figure()
    for result in results:
        if not len(result.times):
            continue
        sampler = report.Sampler.for_times(result.times)
        value = report.unit_value(result.equity, result.flows, result.initial_equity)
        name = f"{result.run_id[:8]} {result.mode}"
        fig.add_trace(go.Scatter(x=sampler.x, y=sampler.last(value), name=name, mode="lines"))
    fig.update_layout(template="none", height=420, hovermode="x unified")
    fig.update_xaxes(type="date")
    fig.update_yaxes(title_text="unit value")
    return report.embed(fig, "figure-compare", 420)


def events(result: RunResult) -> list[Event]:
    """The first `EVENTS_SHOWN` events of the run's log."""
    return list(result.events[:EVENTS_SHOWN])
