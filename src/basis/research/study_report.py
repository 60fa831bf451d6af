"""The trials table and the offline HTML report of an optimisation study: optimisation
history (every trial, feasible or not, and the best feasible value so far) and the table."""

from __future__ import annotations

import math
from collections.abc import Sequence
from html import escape
from typing import Any

import plotly.graph_objects as go
import polars as pl

from basis.research.documents import figure_div, note, page, section, table_html
from basis.research.study import STATE_COMPLETE, StudyOutcome, StudyPlan, TrialRecord
from basis.research.sweep_table import METRIC_COLUMNS, cell, first_line

__all__ = ["best_so_far", "render_study_report", "trials_table"]


def trials_table(plan: StudyPlan, outcome: StudyOutcome) -> pl.DataFrame:
    """One row per trial: trial, the parameters, state, objective, feasible, reused, run_id,
    error (first line), then the run numbers of `METRIC_COLUMNS`."""
    names = plan.request.space.names
    columns: dict[str, list[Any]] = {"trial": [], **{name: [] for name in names}}
    for key in ("state", "objective", "feasible", "reused", "run_id", "error", *METRIC_COLUMNS):
        columns[key] = []
    for trial in outcome.trials:
        columns["trial"].append(trial.number)
        for name in names:
            columns[name].append(cell(trial.params.get(name)))
        columns["state"].append(trial.state)
        columns["objective"].append(trial.value)
        columns["feasible"].append(trial.feasible)
        columns["reused"].append(trial.reused)
        columns["run_id"].append(trial.run_id)
        columns["error"].append(first_line(trial.error))
        for metric in METRIC_COLUMNS:
            columns[metric].append(_number(trial.numbers.get(metric)))
    dtypes: dict[str, Any] = {
        "trial": pl.Int64,
        "state": pl.String,
        "objective": pl.Float64,
        "feasible": pl.Boolean,
        "reused": pl.Boolean,
        "run_id": pl.String,
        "error": pl.String,
        "liquidations": pl.Int64,
    }
    return pl.DataFrame(
        [
            pl.Series(
                key,
                values,
                dtype=dtypes.get(key, None if key in names else pl.Float64),
                strict=False,
            )
            for key, values in columns.items()
        ]
    )


def best_so_far(trials: Sequence[TrialRecord], maximize: bool) -> list[float | None]:
    """After each trial, the best objective among the feasible trials so far (None before
    the first feasible one)."""
    best: float | None = None
    path: list[float | None] = []
    for trial in trials:
        if trial.feasible and trial.value is not None:
            better = best is None or (trial.value > best if maximize else trial.value < best)
            best = trial.value if better else best
        path.append(best)
    return path


def render_study_report(plan: StudyPlan, outcome: StudyOutcome, table: pl.DataFrame) -> str:
    request = plan.request
    best = outcome.best
    sections = [_header(plan, outcome), section("Optimisation history", _history(plan, outcome))]
    best_number = None if best is None else best.number
    sections.append(
        section(
            "Every trial",
            table_html(table, lambda r: _row_class(r, best_number)),
        )
    )
    return page(f"basis optimize · {plan.name} · {request.objective}", sections)


def _header(plan: StudyPlan, outcome: StudyOutcome) -> str:
    request = plan.request
    complete = sum(1 for t in outcome.trials if t.state == STATE_COMPLETE)
    feasible = sum(1 for t in outcome.trials if t.feasible)
    constraints = ", ".join(str(c) for c in request.constraints) or "none"
    lines = [
        f"<h1>Study {escape(plan.name)}</h1>",
        f"<p>mode <b>{escape(request.mode)}</b> · dataset {escape(request.dataset)} · "
        f"{escape(request.direction)} <b>{escape(request.objective)}</b> · constraints "
        f"{escape(constraints)} · seed {request.seed} · space {escape(str(request.space.path))}"
        "</p>",
        f"<p>{len(outcome.trials)} trials: {complete} complete ({feasible} feasible), "
        f"{len(outcome.trials) - complete} failed; {outcome.ran} backtests run now, the rest "
        "reused from the store. Sampler: TPE, seeded, with trial constraints.</p>",
    ]
    best = outcome.best
    if best is None:
        lines.append(note("No feasible trial."))
    else:
        params = ", ".join(f"{k}={cell(v)}" for k, v in best.params.items())
        lines.append(
            f"<p>Best feasible trial <b>#{best.number}</b>: {escape(request.objective)} = "
            f"<b>{best.value:.6g}</b> at {escape(params)} (run {escape(str(best.run_id))}).</p>"
        )
    return "<section>\n" + "\n".join(lines) + "\n</section>"


def _history(plan: StudyPlan, outcome: StudyOutcome) -> str:
    trials = outcome.trials
    complete = [t for t in trials if t.state == STATE_COMPLETE]
    if not complete:
        return note("No trial completed.")
    fig = go.Figure()
    for label, chosen, color in (
        ("feasible", [t for t in complete if t.feasible], "#2b6cb0"),
        ("infeasible", [t for t in complete if not t.feasible], "#dd8a2b"),
    ):
        if chosen:
            fig.add_trace(
                go.Scatter(
                    x=[t.number for t in chosen],
                    y=[t.value for t in chosen],
                    mode="markers",
                    name=label,
                    marker={"color": color, "size": 8},
                )
            )
    path = best_so_far(trials, plan.request.direction == "maximize")
    fig.add_trace(
        go.Scatter(
            x=[t.number for t in trials],
            y=path,
            mode="lines",
            name="best feasible so far",
            line={"color": "#1e7b34", "shape": "hv"},
        )
    )
    fig.update_xaxes(title="trial")
    fig.update_yaxes(title=plan.request.objective)
    return figure_div(fig, "study-history", 420)


def _row_class(record: dict[str, Any], best: int | None) -> str:
    if record["state"] != STATE_COMPLETE:
        return "failed"
    return "best" if best is not None and record["trial"] == best else ""


def _number(value: Any) -> float | None:
    if value is None or isinstance(value, bool) or not isinstance(value, int | float):
        return None
    return float(value) if math.isfinite(value) else None
