"""The outputs of a stress run: the per-path table, the worst path's run, the HTML report.

The report is one self-contained file readable offline: `basis.research.documents` builds
it with plotly.js inlined once, and nothing is fetched from the network.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import asdict
from html import escape
from typing import Any, Final

import plotly.graph_objects as go
import polars as pl

from basis.analytics.report import write_report
from basis.errors import StressError
from basis.research.documents import (
    facts_table,
    figure_div,
    note,
    page,
    section,
    table_html,
    write_table,
    write_text,
)
from basis.research.statistics import Distribution, PathRecord
from basis.research.stress import PathOutcome, StressFiles, StressRun
from basis.store import ResultStore

__all__ = ["TABLE_SCHEMA", "path_table", "render_stress_report", "write_outputs"]

TABLE_SCHEMA: dict[str, Any] = {
    "index": pl.Int64,
    "seed": pl.Int64,
    "ok": pl.Boolean,
    "apy": pl.Float64,
    "apr": pl.Float64,
    "max_drawdown": pl.Float64,
    "min_health_factor": pl.Float64,
    "min_margin_ratio": pl.Float64,
    "liquidations": pl.Int64,
    "final_equity": pl.Float64,
    "total_return": pl.Float64,
    "turnover": pl.Float64,
    "costs": pl.Float64,
    "carry_capture": pl.Float64,
    "seconds": pl.Float64,
    "error": pl.String,
}
"""One row per path in the `.parquet` and `.csv` files; numbers are null on a failed path."""

RECORD_COLUMNS = tuple(key for key in TABLE_SCHEMA if key in PathRecord.__dataclass_fields__)
DASH = "—"
STATISTICS: Final = (
    ("mean", "mean"),
    ("min", "minimum"),
    ("p5", "p5"),
    ("median", "median"),
    ("p95", "p95"),
    ("max", "maximum"),
)
"""The rows of the summary table: (label, attribute of `Distribution`)."""


def write_outputs(run: StressRun) -> StressFiles:
    """Write the per-path table, store and report the worst path, then the stress report.

    Every file is written atomically and the HTML report last, so a stress report on disk
    always has its table and its worst path beside it. Raises `StressError` when no path
    completed (the table with every error is still written, so the failures can be read).
    """
    out, name = run.plan.out, run.plan.name
    parquet, csv = write_table(path_table(run.outcomes), out / name)
    files = StressFiles(
        parquet=parquet,
        csv=csv,
        html=out / f"{name}.html",
        worst_report=None if run.worst is None else out / f"{name}-worst.html",
    )
    if run.worst is None or files.worst_report is None:
        first = next((o for o in run.outcomes if o.error is not None), None)
        example = f"; seed {first.seed}: {first.error}" if first is not None else ""
        raise StressError(
            f"all {len(run.outcomes)} paths failed{example}; every error is in {files.csv}"
        )
    with ResultStore() as store:
        store.save(run.worst)
    write_report(run.worst, files.worst_report)
    write_text(files.html, render_stress_report(run, files))
    return files


def path_table(outcomes: Sequence[PathOutcome]) -> pl.DataFrame:
    """One row per path with the columns of `TABLE_SCHEMA`, in path order."""
    rows = []
    for o in outcomes:
        numbers = asdict(o.record) if o.record is not None else {}
        row: dict[str, Any] = {"index": o.index, "seed": o.seed, "ok": o.record is not None}
        row.update({key: numbers.get(key) for key in RECORD_COLUMNS if key != "seed"})
        row.update({"seconds": o.seconds, "error": o.error})
        rows.append(row)
    return pl.DataFrame(rows, schema=TABLE_SCHEMA, orient="row")


def render_stress_report(run: StressRun, files: StressFiles) -> str:
    """The stress report as one HTML document (plotly.js inlined)."""
    records = [o.record for o in run.outcomes if o.record is not None]
    table = path_table(run.outcomes)
    apy = _histogram([r.apy for r in records], "APY", "apy-histogram")
    drawdown = _histogram([r.max_drawdown for r in records], "max drawdown", "dd-histogram")
    scatter = _scatter(records, run)
    sections = [
        _header(run),
        _summary(run),
        section("APY per path", apy or note("No path has an APY.")),
        section("Max drawdown per path", drawdown or note("No path has a drawdown.")),
        section("APY against max drawdown", scatter or note("No path completed.")),
        _worst(run, files),
        _failures(table),
        _paths(table),
    ]
    return page(f"basis stress · {run.plan.spec.mode.mode} · {run.plan.name}", sections)


# -- sections -------------------------------------------------------------------------------


def _header(run: StressRun) -> str:
    plan, summary = run.plan, run.summary
    mode, scenario = plan.spec.mode, plan.spec.scenario
    facts = facts_table(
        [
            ("Mode", mode.mode),
            ("Scenario", f"{scenario.name}: {scenario.description}"),
            ("Horizon", f"{scenario.years:g} years ({scenario.hours:,} hourly steps per path)"),
            ("Seeds", f"{plan.seeds[0]} … {plan.seeds[-1]} (path i uses seed {plan.seeds[0]} + i)"),
            ("Initial capital", f"{_number(mode.initial_capital)} {mode.share_class}"),
            ("Overrides", ", ".join(plan.spec.overrides) or "none"),
            (
                "Paths",
                f"{summary.paths:,}: {summary.completed:,} completed, {summary.failed:,} failed",
            ),
        ]
    )
    warning = ""
    if summary.failed:
        warning = (
            f'<div class="warnings"><strong>{summary.failed} of {summary.paths} paths failed'
            "</strong>; the statistics below are over the completed paths only. Their errors "
            "are listed under “Failed paths”.</div>"
        )
    title = f"Stress report: {mode.mode} on {scenario.name}"
    return section(title, facts, warning, level=1)


def _summary(run: StressRun) -> str:
    s = run.summary
    liquidation = s.liquidation
    share = (
        f"{_percent(liquidation.share)} ({liquidation.successes} of {liquidation.trials} "
        f"paths; {liquidation.confidence:.0%} Wilson interval {_percent(liquidation.low)} – "
        f"{_percent(liquidation.high)})"
    )
    badge = "bad" if liquidation.successes else "ok"
    probability = (
        f'<p class="headline">Probability of liquidation: <span class="{badge}">'
        f"{escape(share)}</span></p>"
    )
    metrics: list[tuple[str, Distribution, Callable[[float], str]]] = [
        ("APY", s.apy, _percent),
        ("max drawdown", s.max_drawdown, _percent),
        ("min health factor", s.min_health_factor, _factor),
        ("min margin ratio", s.min_margin_ratio, _percent),
    ]
    columns = {f"{label} ({_count(d.count)})": (d, fmt) for label, d, fmt in metrics}
    frame = pl.DataFrame(
        {
            "statistic": [label for label, _ in STATISTICS],
            **{
                column: pl.Series([getattr(d, key) for _, key in STATISTICS], dtype=pl.Float64)
                for column, (d, _) in columns.items()
            },
        }
    )
    formats = {column: fmt for column, (_, fmt) in columns.items()}
    return section("Summary over the paths", probability, table_html(frame, formats=formats))


def _count(paths: int) -> str:
    return f"{paths:,} path" if paths == 1 else f"{paths:,} paths"


def _worst(run: StressRun, files: StressFiles) -> str:
    worst, result = run.summary.worst, run.worst
    if worst is None or result is None or files.worst_report is None:
        return section("Worst path", note("No path completed."))
    facts = facts_table(
        [
            ("Seed", str(worst.seed)),
            ("Total return", _percent(worst.total_return)),
            ("APY", _percent(worst.apy)),
            ("APR", _percent(worst.apr)),
            ("Max drawdown", _percent(worst.max_drawdown)),
            ("Min health factor", _factor(worst.min_health_factor)),
            ("Min margin ratio", _percent(worst.min_margin_ratio)),
            ("Liquidations", str(worst.liquidations)),
            ("Final equity", f"{_number(worst.final_equity)} {result.share_class}"),
            ("Stored run id", result.run_id),
        ]
    )
    link = escape(files.worst_report.name)
    text = (
        '<p class="note">The worst path is the one with the lowest total return (ties: the '
        "lowest seed). It was run again in the client, stored in the results store "
        f"(<code>basis results show {escape(result.run_id[:12])}</code>) and reported in full: "
        f'<a href="{link}">{link}</a>.</p>'
    )
    return section("Worst path", facts, text)


def _failures(table: pl.DataFrame) -> str:
    failed = table.filter(~pl.col("ok")).select(pl.col("index").alias("path"), "seed", "error")
    if failed.is_empty():
        return section("Failed paths", note("No path failed."))
    return section(f"Failed paths ({failed.height})", table_html(failed))


def _paths(table: pl.DataFrame) -> str:
    done = table.filter(pl.col("ok")).sort("total_return", "seed")
    if done.is_empty():
        return section("Completed paths, worst first", note("None completed."))
    shown = done.select(
        pl.col("index").alias("path"),
        "seed",
        pl.col("total_return").alias("total return"),
        pl.col("apy").alias("APY"),
        pl.col("max_drawdown").alias("max drawdown"),
        pl.col("min_health_factor").alias("min HF"),
        pl.col("min_margin_ratio").alias("min margin"),
        "liquidations",
        pl.col("final_equity").alias("final equity"),
    )
    formats = {
        "total return": _percent,
        "APY": _percent,
        "max drawdown": _percent,
        "min HF": _factor,
        "min margin": _percent,
        "final equity": _number,
    }
    rows = table_html(shown, lambda r: "warning" if r["liquidations"] else "", formats)
    return section("Completed paths, worst first", rows)


# -- charts ---------------------------------------------------------------------------------


def _histogram(values: Sequence[float | None], label: str, div_id: str) -> str | None:
    kept = [v * 100 for v in values if v is not None and math.isfinite(v)]
    if not kept:
        return None
    figure = go.Figure(go.Histogram(x=kept, marker={"color": "#3867d6"}, name=label))
    figure.update_layout(
        template="plotly_white", xaxis_title=f"{label} (%)", yaxis_title="paths", bargap=0.05
    )
    return figure_div(figure, div_id, 360)


def _scatter(records: Sequence[PathRecord], run: StressRun) -> str | None:
    points = [r for r in records if r.apy is not None and r.max_drawdown is not None]
    if not points:
        return None
    worst = run.summary.worst

    def trace(chosen: list[PathRecord], name: str, color: str, size: int) -> go.Scatter:
        return go.Scatter(
            x=[(r.max_drawdown or 0.0) * 100 for r in chosen],
            y=[(r.apy or 0.0) * 100 for r in chosen],
            mode="markers",
            name=name,
            marker={"color": color, "size": size},
            text=[f"seed {r.seed}, {r.liquidations} liquidation(s)" for r in chosen],
            hovertemplate="%{text}<br>max drawdown %{x:.2f}%<br>APY %{y:.2f}%<extra></extra>",
        )

    liquidated = [r for r in points if r.liquidations and r != worst]
    calm = [r for r in points if not r.liquidations and r != worst]
    figure = go.Figure()
    figure.add_trace(trace(calm, "no liquidation", "#3867d6", 7))
    if liquidated:
        figure.add_trace(trace(liquidated, "≥ 1 liquidation", "#e58e26", 7))
    if worst is not None and worst in points:
        figure.add_trace(trace([worst], "worst path", "#c0392b", 12))
    figure.update_layout(
        template="plotly_white", xaxis_title="max drawdown (%)", yaxis_title="APY (%)"
    )
    return figure_div(figure, "apy-vs-drawdown", 360)


# -- formatting -----------------------------------------------------------------------------


def _percent(value: float | None) -> str:
    if value is None or math.isnan(value):
        return DASH
    if not math.isfinite(value):
        return "∞" if value > 0 else "−∞"
    return f"{round(value * 100, 2) + 0.0:,.2f}%"


def _number(value: float | None, digits: int = 2) -> str:
    if value is None or math.isnan(value):
        return DASH
    if not math.isfinite(value):
        return "∞" if value > 0 else "−∞"
    return f"{round(value, digits) + 0.0:,.{digits}f}"


def _factor(value: float | None) -> str:
    """A health factor: three decimals, as 1.044 and 1.045 differ in what they mean."""
    return _number(value, 3)
