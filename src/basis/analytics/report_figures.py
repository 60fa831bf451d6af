"""The report's charts: time-weighted wealth, drawdown and trailing APY, as offline plotly divs."""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Final, TypeGuard

import numpy as np
import plotly.graph_objects as go
from plotly.subplots import make_subplots

from basis.analytics.plotly_page import figure_div
from basis.book.ledger import CATEGORIES, COLUMN, Category
from basis.model.result import Floats, Ints, RunResult

__all__ = [
    "MAX_POINTS",
    "Sampler",
    "aave_figure",
    "attribution_figure",
    "benchmark_figure",
    "drawdown",
    "embed",
    "equity_figure",
    "funding_figure",
    "margin_figure",
    "net_delta_figure",
    "prefixed_series",
    "trailing_apy",
    "unit_value",
]

MAX_POINTS = 5_000
HOURS_PER_YEAR = 8_760
TRAILING_HOURS = 720
FONT = 'system-ui, -apple-system, "Segoe UI", Roboto, "Helvetica Neue", Arial, sans-serif'


def unit_value(equity: Floats, flows: Floats, initial_equity: float) -> Floats:
    """The time-weighted value of one unit of the run, flows excluded: initial_equity × W_k,
    W_k = Π (1 + r_j), r_k = (E_k − E_{k−1} − F_k) / (E_{k−1} + F_k), E_{−1} = initial_equity.

    Computed as a fund: one unit at the start, flows buy or redeem units at the value
    before the step. Without flows the units stay exactly 1, so the value is the equity
    itself (no rounding drift). A step from a non-positive base adds no units; the value
    is floored at 0.
    """
    previous = np.concatenate(([initial_equity], equity[:-1]))
    invested = previous + flows
    ok = (previous > 0) & (invested > 0)
    units = np.cumprod(np.divide(invested, previous, out=np.ones_like(previous), where=ok))
    value: Floats = np.maximum(equity / units, 0.0)
    return value


def drawdown(value: Floats) -> Floats:
    """The drawdown (value − running peak) / running peak (≤ 0) at each step."""
    peak = np.maximum.accumulate(value)
    return np.divide(value - peak, peak, out=np.zeros_like(value), where=peak > 0)


def trailing_apy(value: Floats, initial: float, hours: int = TRAILING_HOURS) -> Floats:
    """(V_k / V_{k−hours})^(8760/hours) − 1 with V_{−1} = `initial`; NaN for the first
    hours − 1 steps and where the older value is not positive."""
    out = np.full(value.shape, np.nan)
    padded = np.concatenate(([initial], value))
    if len(value) < hours:
        return out
    now, then = padded[hours:], padded[: len(padded) - hours]
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        ratio = np.where(then > 0, now / then, np.nan)
        out[hours - 1 :] = ratio ** (HOURS_PER_YEAR / hours) - 1.0
    return out


@dataclass(frozen=True)
class Sampler:
    """Buckets of consecutive steps, one point per bucket: every step when the run has at
    most `max_points`, else one per UTC day (thinned further if still too many)."""

    starts: Ints
    ends: Ints
    x: Floats  # epoch milliseconds of each bucket's last step (plotly date axis)

    @classmethod
    def for_times(cls, times: Ints, max_points: int = MAX_POINTS) -> Sampler:
        n = len(times)
        if n <= max_points:
            starts = np.arange(n, dtype=np.int64)
        else:
            day = times // 86_400
            starts = np.concatenate(([0], np.flatnonzero(np.diff(day)) + 1)).astype(np.int64)
            starts = starts[:: math.ceil(len(starts) / max_points)]
        ends = np.concatenate((starts[1:] - 1, [n - 1])).astype(np.int64)
        return cls(starts, ends, times[ends].astype(np.float64) * 1000.0)

    def last(self, values: Floats) -> Floats:
        return _finite(values)[self.ends]

    def low(self, values: Floats) -> Floats:
        """The lowest finite value of each bucket (a risk chart must show its dips)."""
        return np.fmin.reduceat(_finite(values), self.starts)

    def high(self, values: Floats) -> Floats:
        return np.fmax.reduceat(_finite(values), self.starts)


def _finite(values: Floats) -> Floats:
    return np.where(np.isfinite(values), values, np.nan)


def _has_values(values: Floats | None) -> TypeGuard[Floats]:
    return values is not None and bool(np.isfinite(values).any())


def prefixed_series(result: RunResult, prefix: str) -> list[tuple[str, Floats]]:
    """The series named `<prefix>:<venue>` that have a finite value, as (venue, values)."""
    return [
        (name.removeprefix(f"{prefix}:"), values)
        for name, values in sorted(result.series.items())
        if name.startswith(f"{prefix}:") and _has_values(values)
    ]


VENUE_DASHES: Final = ("solid", "dash", "dot", "dashdot", "longdash")


def venue_line(index: int) -> dict[str, object]:
    """The line of the `index`-th venue: venues often share a value (the same margin
    target), so each has its own dash and the first ones are wider, and none hides another."""
    return {"dash": VENUE_DASHES[index % len(VENUE_DASHES)], "width": max(3.5 - index, 1.5)}


def _style(fig: go.Figure, height: int) -> None:
    fig.update_layout(
        template="none",
        height=height,
        margin={"l": 70, "r": 20, "t": 30, "b": 30},
        font={"family": FONT, "size": 12, "color": "#1d2430"},
        hovermode="x unified",
        # Below the plot: on top, a long legend ran under plotly's toolbar (top right).
        legend={"orientation": "h", "yanchor": "top", "y": -0.12, "x": 0.0},
        paper_bgcolor="#ffffff",
        plot_bgcolor="#ffffff",
    )
    fig.update_xaxes(type="date", gridcolor="#eceff2", linecolor="#c9ced6")
    fig.update_yaxes(gridcolor="#eceff2", zerolinecolor="#c9ced6", automargin=True)


def embed(fig: go.Figure, div_id: str, height: int) -> str:
    """The figure as a `<div>` `height` pixels tall that draws with the page's packed
    plotly.js (`plotly_page`): no script of its own, no MathJax, nothing fetched."""
    return figure_div(fig, div_id, height)


def _div(fig: go.Figure, div_id: str, height: int) -> str:
    _style(fig, height)
    return embed(fig, div_id, height)


def _line(sampler: Sampler, y: Floats, name: str, **style: object) -> go.Scatter:
    return go.Scatter(x=sampler.x, y=y, name=name, mode="lines", **style)


def equity_figure(result: RunResult, sampler: Sampler, value: Floats) -> str:
    """Equity above, drawdown of the time-weighted unit value below, sharing the time axis."""
    fig = make_subplots(rows=2, cols=1, shared_xaxes=True, row_heights=[0.65, 0.35])
    fig.add_trace(_line(sampler, sampler.last(result.equity), "Equity"), row=1, col=1)
    fill = {"fill": "tozeroy", "line": {"color": "#c0392b"}}
    fig.add_trace(_line(sampler, sampler.low(drawdown(value)), "Drawdown", **fill), row=2, col=1)
    fig.update_yaxes(title_text=result.share_class, row=1, col=1)
    fig.update_yaxes(title_text="Drawdown", tickformat=".1%", row=2, col=1)
    return _div(fig, "figure-equity", 520)


def attribution_figure(result: RunResult, sampler: Sampler) -> str:
    """Cumulative P&L per category, gains stacked up and costs stacked down, with the total."""
    fig = go.Figure()
    cumulative = np.cumsum(result.attribution, axis=0)
    pnl = [c for c in CATEGORIES if c is not Category.FLOWS]
    for category in pnl:
        column = result.attribution[:, COLUMN[category]]
        if not column.any():
            continue
        path = cumulative[:, COLUMN[category]]
        group = "gains" if path[-1] >= 0 else "costs"
        fig.add_trace(_line(sampler, sampler.last(path), category.value, stackgroup=group))
    total = cumulative[:, [COLUMN[c] for c in pnl]].sum(axis=1)
    fig.add_trace(_line(sampler, sampler.last(total), "total", line={"color": "#1d2430"}))
    fig.update_yaxes(title_text=result.share_class)
    return _div(fig, "figure-attribution", 420)


def benchmark_figure(result: RunResult, sampler: Sampler, value: Floats) -> str | None:
    """Trailing 30-day APY against the sUSDe APY; None when the data has no benchmark."""
    benchmark = result.series.get("benchmark_apy")
    if not _has_values(benchmark):
        return None
    fig = go.Figure()
    strategy = sampler.last(trailing_apy(value, result.initial_equity))
    fig.add_trace(_line(sampler, strategy, "Strategy, trailing 30 days", line={"width": 2}))
    fig.add_trace(_line(sampler, sampler.last(benchmark), "sUSDe APY"))
    apy = result.summary.metrics.get("apy") if result.summary is not None else None
    if apy is not None and math.isfinite(apy):
        fig.add_hline(y=apy, line={"dash": "dash", "color": "#7f8c8d"})
        fig.add_annotation(
            x=1.0, xref="paper", y=apy, text="run APY", showarrow=False, yanchor="bottom"
        )
    fig.update_yaxes(title_text="APY", tickformat=".1%")
    return _div(fig, "figure-benchmark", 380)


def aave_figure(result: RunResult, sampler: Sampler) -> str | None:
    """Health factor (daily low) above LTV (daily high); None without an Aave position."""
    health = result.series.get("health_factor")
    ltv = result.series.get("ltv")
    if not (_has_values(health) or _has_values(ltv)):
        return None
    fig = make_subplots(rows=2, cols=1, shared_xaxes=True)
    if _has_values(health):
        fig.add_trace(_line(sampler, sampler.low(health), "Health factor"), row=1, col=1)
        fig.add_hline(y=1.0, line={"dash": "dash", "color": "#c0392b"}, row=1, col=1)
    if _has_values(ltv):
        fig.add_trace(_line(sampler, sampler.high(ltv), "LTV"), row=2, col=1)
    fig.update_yaxes(title_text="Health factor", row=1, col=1)
    # Two decimals: a loop's LTV moves within a percent, and ".0%" printed "91%" on every tick.
    fig.update_yaxes(title_text="LTV", tickformat=".2%", row=2, col=1)
    return _div(fig, "figure-aave", 480)


def margin_figure(result: RunResult, sampler: Sampler) -> str | None:
    """Margin ratio (balance / notional, daily low) per venue; None without perps."""
    venues = prefixed_series(result, "margin_ratio")
    if not venues:
        return None
    fig = go.Figure(
        [
            _line(sampler, sampler.low(_finite(values)), venue, line=venue_line(index))
            for index, (venue, values) in enumerate(venues)
        ]
    )
    fig.update_yaxes(title_text="Margin ratio", tickformat=".1%")
    return _div(fig, "figure-margin", 360)


def net_delta_figure(result: RunResult, sampler: Sampler) -> str | None:
    """|Net delta value| / equity (daily high); None when the run did not record it."""
    delta = result.series.get("net_delta")
    if not _has_values(delta):
        return None
    fig = go.Figure([_line(sampler, sampler.high(delta), "Net delta / equity")])
    fig.update_yaxes(title_text="|Net delta| / equity", tickformat=".2%")
    return _div(fig, "figure-net-delta", 320)


def funding_figure(result: RunResult, sampler: Sampler) -> str | None:
    """Cumulative funding booked per venue; None without perps."""
    venues = prefixed_series(result, "funding")
    if not venues:
        return None
    fig = go.Figure(
        [
            _line(
                sampler,
                sampler.last(np.cumsum(np.nan_to_num(values, nan=0.0))),
                venue,
                line=venue_line(index),
            )
            for index, (venue, values) in enumerate(venues)
        ]
    )
    fig.update_yaxes(title_text=result.share_class)
    return _div(fig, "figure-funding", 360)
