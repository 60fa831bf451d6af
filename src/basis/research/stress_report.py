"""The outputs of a stress run: the per-path table, the worst path's run, the HTML report.

The report is one self-contained file readable offline: plotly.js is inlined once, as in
`basis.analytics.report`, and nothing is fetched from the network.
"""

from __future__ import annotations

import io
import math
import os
import tempfile
from collections.abc import Callable, Sequence
from dataclasses import asdict
from html import escape
from pathlib import Path
from typing import Any

import plotly.graph_objects as go
import polars as pl
from plotly.offline import get_plotlyjs

from basis.analytics.report import write_report
from basis.errors import BasisError
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
    "seconds": pl.Float64,
    "error": pl.String,
}
"""One row per path in the `.parquet` and `.csv` files; numbers are null on a failed path."""

RECORD_COLUMNS = tuple(key for key in TABLE_SCHEMA if key in PathRecord.__dataclass_fields__)
DASH = "—"
FONT = 'system-ui, -apple-system, "Segoe UI", Roboto, "Helvetica Neue", Arial, sans-serif'


def write_outputs(run: StressRun) -> StressFiles:
    """Write the per-path table, store and report the worst path, then the stress report.

    Every file is written atomically and the HTML report last, so a stress report on disk
    always has its table and its worst path beside it. Raises `BasisError` when no path
    completed (the table with every error is still written, so the failures can be read).
    """
    out, name = run.plan.out, run.plan.name
    files = StressFiles(
        parquet=out / f"{name}.parquet",
        csv=out / f"{name}.csv",
        html=out / f"{name}.html",
        worst_report=None if run.worst is None else out / f"{name}-worst.html",
    )
    table = path_table(run.outcomes)
    parquet, csv = io.BytesIO(), io.BytesIO()
    table.write_parquet(parquet)
    table.write_csv(csv)
    _atomic_write(files.parquet, parquet.getvalue())
    _atomic_write(files.csv, csv.getvalue())
    if run.worst is None or files.worst_report is None:
        first = next((o for o in run.outcomes if o.error is not None), None)
        example = f"; seed {first.seed}: {first.error}" if first is not None else ""
        raise BasisError(
            f"all {len(run.outcomes)} paths failed{example}; every error is in {files.csv}"
        )
    with ResultStore() as store:
        store.save(run.worst)
    write_report(run.worst, files.worst_report)
    _atomic_write(files.html, render_stress_report(run, files).encode("utf-8"))
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
    body = "\n".join(
        [
            _header(run),
            _summary(run),
            _section(
                "APY per path",
                _histogram([r.apy for r in records], "APY", "apy-histogram"),
                "No path has an APY.",
            ),
            _section(
                "Max drawdown per path",
                _histogram([r.max_drawdown for r in records], "max drawdown", "dd-histogram"),
                "No path has a drawdown.",
            ),
            _section("APY against max drawdown", _scatter(records, run), "No path completed."),
            _worst(run, files),
            _failures(run.outcomes),
            _paths(run.outcomes),
        ]
    )
    title = escape(f"basis stress · {run.plan.spec.mode.mode} · {run.plan.name}")
    return (
        '<!DOCTYPE html>\n<html lang="en">\n<head>\n<meta charset="utf-8">\n'
        '<meta name="viewport" content="width=device-width, initial-scale=1">\n'
        f"<title>{title}</title>\n<style>{_CSS}</style>\n"
        f'<script type="text/javascript">{get_plotlyjs()}</script>\n'
        f"</head>\n<body>\n<main>\n{body}\n</main>\n</body>\n</html>\n"
    )


# -- sections -------------------------------------------------------------------------------


def _section(title: str, content: str | None, empty: str = "") -> str:
    inner = content if content is not None else f'<p class="note">{escape(empty)}</p>'
    return f"<section>\n<h2>{escape(title)}</h2>\n{inner}\n</section>"


def _header(run: StressRun) -> str:
    plan, summary = run.plan, run.summary
    mode, scenario = plan.spec.mode, plan.spec.scenario
    rows = [
        ("Mode", mode.mode),
        ("Scenario", f"{scenario.name}: {scenario.description}"),
        ("Horizon", f"{scenario.years:g} years ({scenario.hours:,} hourly steps per path)"),
        ("Seeds", f"{plan.seeds[0]} … {plan.seeds[-1]} (path i uses seed {plan.seeds[0]} + i)"),
        ("Initial capital", f"{_number(mode.initial_capital)} {mode.share_class}"),
        ("Overrides", ", ".join(plan.spec.overrides) or "none"),
        ("Paths", f"{summary.paths:,}: {summary.completed:,} completed, {summary.failed:,} failed"),
    ]
    cells = "".join(f"<tr><th>{escape(k)}</th><td>{escape(v)}</td></tr>" for k, v in rows)
    warning = ""
    if summary.failed:
        warning = (
            f'<div class="warnings"><strong>{summary.failed} of {summary.paths} paths failed'
            "</strong>; the statistics below are over the completed paths only. Their errors "
            "are listed under “Failed paths”.</div>"
        )
    return (
        f"<section>\n<h1>Stress report: {escape(mode.mode)} on {escape(scenario.name)}</h1>\n"
        f'<table class="facts">{cells}</table>\n{warning}\n</section>'
    )


def _summary(run: StressRun) -> str:
    s = run.summary
    liquidation = s.liquidation
    rows = [
        *_distribution_rows("APY", s.apy, _percent),
        *_distribution_rows("Max drawdown", s.max_drawdown, _percent),
        *_distribution_rows("Min health factor", s.min_health_factor, _factor),
        *_distribution_rows("Min margin ratio", s.min_margin_ratio, _percent),
    ]
    table = (
        '<table class="metrics"><thead><tr><th>statistic</th><th class="num">paths</th>'
        + "".join(
            f'<th class="num">{h}</th>' for h in ("mean", "min", "p5", "median", "p95", "max")
        )
        + "</tr></thead><tbody>"
        + "".join(rows)
        + "</tbody></table>"
    )
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
    return _section("Summary over the paths", probability + table)


def _distribution_rows(
    label: str, d: Distribution, fmt: Callable[[float | None], str]
) -> list[str]:
    values = (d.mean, d.minimum, d.p5, d.median, d.p95, d.maximum)
    cells = "".join(f'<td class="num">{fmt(v)}</td>' for v in values)
    return [f'<tr><th>{escape(label)}</th><td class="num">{d.count}</td>{cells}</tr>']


def _worst(run: StressRun, files: StressFiles) -> str:
    worst, result = run.summary.worst, run.worst
    if worst is None or result is None or files.worst_report is None:
        return _section("Worst path", None, "No path completed.")
    rows = [
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
    cells = "".join(f"<tr><th>{escape(k)}</th><td>{escape(v)}</td></tr>" for k, v in rows)
    link = escape(files.worst_report.name)
    text = (
        '<p class="note">The worst path is the one with the lowest total return (ties: the '
        "lowest seed). It was run again in the client, stored in the results store "
        f"(<code>basis results show {escape(result.run_id[:12])}</code>) and reported in full: "
        f'<a href="{link}">{link}</a>.</p>'
    )
    return _section("Worst path", f'<table class="facts">{cells}</table>\n{text}')


def _failures(outcomes: Sequence[PathOutcome]) -> str:
    failed = [o for o in outcomes if o.error is not None]
    if not failed:
        return _section("Failed paths", None, "No path failed.")
    rows = "".join(
        f"<tr><td>{o.index}</td><td>{o.seed}</td><td>{escape(o.error or '')}</td></tr>"
        for o in failed
    )
    table = (
        '<div class="scroll"><table class="paths"><thead><tr><th>path</th><th>seed</th>'
        f"<th>error</th></tr></thead><tbody>{rows}</tbody></table></div>"
    )
    return _section(f"Failed paths ({len(failed)})", table)


def _paths(outcomes: Sequence[PathOutcome]) -> str:
    done = sorted(
        (o for o in outcomes if o.record is not None),
        key=lambda o: (o.record.total_return, o.seed) if o.record else (math.inf, o.seed),
    )
    heads = (
        *("path", "seed", "total return", "APY", "max drawdown"),
        *("min HF", "min margin", "liquidations", "final equity"),
    )
    head = "".join(f"<th>{h}</th>" for h in heads)
    rows = "".join(_path_row(o) for o in done)
    table = (
        f'<div class="scroll"><table class="paths"><thead><tr>{head}</tr></thead>'
        f"<tbody>{rows}</tbody></table></div>"
    )
    return _section("Completed paths, worst first", table if done else None, "None completed.")


def _path_row(o: PathOutcome) -> str:
    r = o.record
    if r is None:
        return ""
    cells = [
        str(o.index),
        str(o.seed),
        _percent(r.total_return),
        _percent(r.apy),
        _percent(r.max_drawdown),
        _factor(r.min_health_factor),
        _percent(r.min_margin_ratio),
        str(r.liquidations),
        _number(r.final_equity),
    ]
    css = ' class="liquidated"' if r.liquidations else ""
    return f"<tr{css}>" + "".join(f'<td class="num">{escape(c)}</td>' for c in cells) + "</tr>"


# -- charts ---------------------------------------------------------------------------------


def _histogram(values: Sequence[float | None], label: str, div_id: str) -> str | None:
    kept = [v * 100 for v in values if v is not None and math.isfinite(v)]
    if not kept:
        return None
    figure = go.Figure(go.Histogram(x=kept, marker={"color": "#3867d6"}, name=label))
    figure.update_layout(xaxis_title=f"{label} (%)", yaxis_title="paths", bargap=0.05)
    return _div(figure, div_id)


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
    figure.update_layout(xaxis_title="max drawdown (%)", yaxis_title="APY (%)")
    return _div(figure, "apy-vs-drawdown")


def _div(figure: go.Figure, div_id: str, height: int = 360) -> str:
    figure.update_layout(
        height=height,
        margin={"l": 60, "r": 20, "t": 20, "b": 50},
        font={"family": FONT, "size": 12},
        template="plotly_white",
    )
    return str(
        figure.to_html(
            full_html=False,
            include_plotlyjs=False,
            include_mathjax=False,
            div_id=div_id,
            default_height=f"{height}px",
            config={"displaylogo": False, "responsive": True},
        )
    )


# -- formatting and files -------------------------------------------------------------------


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


def _atomic_write(path: Path, content: bytes) -> None:
    """Write to a temporary sibling, fsync, then rename over `path` (folders created)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    handle = tempfile.NamedTemporaryFile(  # noqa: SIM115 - closed before the rename
        "wb", dir=path.parent, prefix=f".{path.name}.", suffix=".tmp", delete=False
    )
    try:
        with handle:
            os.fchmod(handle.fileno(), 0o644)  # a report, not a secret
            handle.write(content)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(handle.name, path)
    except BaseException:  # an interrupted write must not leave its temporary file behind
        Path(handle.name).unlink(missing_ok=True)
        raise


_CSS = """
body { margin: 0; background: #f4f5f7; color: #1d2430;
  font: 14px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, "Helvetica Neue", Arial,
  sans-serif; }
main { max-width: 1200px; margin: 0 auto; padding: 20px; }
section { background: #fff; border: 1px solid #e1e4e8; border-radius: 8px;
  padding: 16px 20px; margin: 0 0 16px; }
h1 { font-size: 1.5em; margin: 0 0 12px; }
h2 { font-size: 1.15em; margin: 0 0 12px; }
table { border-collapse: collapse; font-variant-numeric: tabular-nums; }
th, td { padding: 4px 12px 4px 0; border-bottom: 1px solid #eceff2; text-align: left; }
th { font-weight: 600; color: #3a4452; }
thead th { border-bottom: 2px solid #c9ced6; background: #fff; position: sticky; top: 0; }
.num { text-align: right; padding-left: 12px; }
.headline { font-size: 1.1em; margin: 0 0 12px; }
.warnings { background: #fff7e0; border: 1px solid #e8b64c; border-radius: 6px;
  padding: 8px 14px; margin: 12px 0; }
.note { color: #5b6573; margin: 8px 0; }
.ok { color: #1e7b34; font-weight: 600; }
.bad { color: #fff; background: #c0392b; border-radius: 4px; padding: 0 6px; font-weight: 600; }
.scroll { max-height: 520px; overflow: auto; border: 1px solid #eceff2; }
.paths { width: 100%; font-size: 0.9em; }
tr.liquidated td { background: #fff4e0; }
"""
