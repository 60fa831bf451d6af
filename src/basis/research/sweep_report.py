"""The offline HTML report of a sweep: APY, max drawdown and min health factor over two
chosen axes (heatmaps; a line chart with one axis), the best point, and the full table."""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from html import escape
from typing import Any, Final

import plotly.graph_objects as go
import polars as pl

from basis.research.documents import figure_div, note, page, section, table_html
from basis.research.grid import DATASET_AXIS, Point
from basis.research.parameters import canonical
from basis.research.sweep import SweepPlan
from basis.store.sweeps import STATUS_DONE, STATUS_FAILED

__all__ = [
    "HEATMAP_METRICS",
    "Heat",
    "best_point",
    "heat",
    "metric_figure",
    "render_sweep_report",
]


@dataclass(frozen=True)
class Metric:
    """A metric the report maps, which way is better, and how to print it."""

    key: str
    title: str
    better: Callable[[Sequence[float]], float]
    text: str
    colors: str


HEATMAP_METRICS: Final = (
    Metric("apy", "APY", max, "%{z:.2%}", "RdYlGn"),
    Metric("max_drawdown", "Max drawdown", min, "%{z:.2%}", "RdYlGn_r"),
    Metric("min_health_factor", "Min health factor", max, "%{z:.3f}", "RdYlGn"),
)


@dataclass(frozen=True)
class Heat:
    """One metric over the axes: `z[row][column]` for y label `rows[row]` and x label
    `columns[column]`, the best over every other axis; None where no point is done."""

    columns: tuple[str, ...]
    rows: tuple[str, ...]
    z: tuple[tuple[float | None, ...], ...]


def label(value: Any) -> str:
    """An axis value as the report prints it: strings as they are, the rest as JSON."""
    return value if isinstance(value, str) else canonical(value)


def axis_value(point: Point, axis: str) -> str:
    return point.dataset if axis == DATASET_AXIS else label(point.params[axis])


def axis_labels(plan: SweepPlan, axis: str) -> tuple[str, ...]:
    """The labels of an axis in grid order."""
    if axis == DATASET_AXIS:
        return plan.datasets
    values = dict(plan.request.grid.parameters)[axis]
    return tuple(label(value) for value in values)


def heat(
    plan: SweepPlan, records: Sequence[dict[str, Any]], metric: Metric, x: str, y: str | None
) -> Heat:
    """Aggregate `metric` of the done points onto the x (and y) axis labels."""
    columns = axis_labels(plan, x)
    rows = axis_labels(plan, y) if y is not None else ("",)
    cells: dict[tuple[str, str], list[float]] = {}
    for point, record in zip(plan.points, records, strict=True):
        value = record.get(metric.key)
        if record["status"] != STATUS_DONE or not isinstance(value, float | int):
            continue
        if not _finite(value):
            continue
        where = (axis_value(point, x), axis_value(point, y) if y is not None else "")
        cells.setdefault(where, []).append(float(value))
    z = tuple(
        tuple(
            metric.better(cells[(column, row)]) if (column, row) in cells else None
            for column in columns
        )
        for row in rows
    )
    return Heat(columns, rows, z)


def best_point(records: Sequence[dict[str, Any]]) -> dict[str, Any] | None:
    """The done point with the highest APY (the first one on a tie), or None."""
    done = [r for r in records if r["status"] == STATUS_DONE and _finite(r.get("apy"))]
    return max(done, key=lambda r: float(r["apy"])) if done else None


def render_sweep_report(plan: SweepPlan, frame: pl.DataFrame) -> str:
    """The report of a sweep from its table (rows in the plan's point order)."""
    records = frame.to_dicts()
    best = best_point(records)
    others = [axis for axis in plan.request.grid.axes if axis not in (plan.x, plan.y)]
    sections = [_header(plan, records, best)]
    charts: list[str] = []
    if others:
        charts.append(
            note(
                f"Other axes ({', '.join(others)}) vary within each cell, which shows the best "
                "value over them: highest APY, smallest max drawdown, highest min health factor."
            )
        )
    for metric in HEATMAP_METRICS:
        charts.append(_chart(plan, records, metric))
    sections.append(section("Over " + (f"{plan.x} × {plan.y}" if plan.y else plan.x), *charts))
    best_position = None if best is None else best["position"]
    sections.append(
        section(
            "Every point",
            table_html(frame, lambda r: _row_class(r, best_position)),
        )
    )
    return page(f"basis sweep · {plan.name}", sections)


def _header(plan: SweepPlan, records: Sequence[dict[str, Any]], best: dict[str, Any] | None) -> str:
    request = plan.request
    counts = {
        status: sum(1 for r in records if r["status"] == status)
        for status in (STATUS_DONE, STATUS_FAILED)
    }
    window = f"{request.start or 'data start'} → {request.end or 'data end'}"
    lines = [
        f"<h1>Sweep {escape(plan.name)}</h1>",
        f"<p>mode <b>{escape(request.mode)}</b> · datasets {escape(', '.join(plan.datasets))}"
        f" · window {escape(str(window))} · grid {escape(str(request.grid.path))}</p>",
        f"<p>{len(records)} points: {counts[STATUS_DONE]} done, {counts[STATUS_FAILED]} failed, "
        f"{len(records) - counts[STATUS_DONE] - counts[STATUS_FAILED]} pending.</p>",
    ]
    if best is None:
        lines.append(note("No point finished with an APY."))
    else:
        point = plan.points[int(best["position"])]
        lines.append(
            f"<p>Best APY: <b>{float(best['apy']):.2%}</b> at {escape(point.label())} "
            f"(point {point.position}, run {escape(str(best['run_id']))}).</p>"
        )
    return "<section>\n" + "\n".join(lines) + "\n</section>"


def _chart(plan: SweepPlan, records: Sequence[dict[str, Any]], metric: Metric) -> str:
    fig = metric_figure(plan, records, metric)
    if fig is None:
        return note(f"{metric.title}: no done point has this metric (it does not apply).")
    return figure_div(fig, f"sweep-{metric.key.replace('_', '-')}", 420)


def metric_figure(
    plan: SweepPlan, records: Sequence[dict[str, Any]], metric: Metric
) -> go.Figure | None:
    """A heatmap of `metric` over the plan's x and y axes, a line over x when there is no
    y; None when no done point has the metric."""
    result = heat(plan, records, metric, plan.x, plan.y)
    if all(value is None for row in result.z for value in row):
        return None
    fig = go.Figure()
    if plan.y is None:
        fig.add_trace(
            go.Scatter(
                x=list(result.columns), y=list(result.z[0]), mode="lines+markers", name=metric.title
            )
        )
        fig.update_xaxes(type="category", title=plan.x)
        fig.update_yaxes(title=metric.title, tickformat=".2%" if "%" in metric.text else None)
    else:
        fig.add_trace(
            go.Heatmap(
                x=list(result.columns),
                y=list(result.rows),
                z=[list(row) for row in result.z],
                colorscale=metric.colors,
                texttemplate=metric.text,
                hoverongaps=False,
                colorbar={"title": metric.title},
            )
        )
        fig.update_xaxes(type="category", title=plan.x)
        fig.update_yaxes(type="category", title=plan.y)
    fig.update_layout(title=metric.title)
    return fig


def _row_class(record: dict[str, Any], best: Any) -> str:
    if record["status"] == STATUS_FAILED:
        return "failed"
    return "best" if best is not None and record["position"] == best else ""


def _finite(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool) and math.isfinite(value)
