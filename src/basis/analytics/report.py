"""The HTML report of a run: one self-contained file, readable offline, with plotly inlined once."""

from __future__ import annotations

import json
import math
import numbers
from dataclasses import dataclass
from datetime import UTC, datetime
from html import escape
from pathlib import Path
from typing import Any

from basis.analytics import report_figures as figures
from basis.analytics.plotly_page import plotly_scripts
from basis.book.ledger import CATEGORIES, COLUMN, Category
from basis.errors import InvalidOperationError
from basis.files import write_text
from basis.model.result import Event, EventKind, RiskState, RunResult, RunSummary

__all__ = ["AttributionTable", "attribution_table", "render_report", "write_report"]

EVENT_LIMIT = 2_000
"""Above this many events the table shows the first and last `EVENT_LIMIT // 2`."""

DASH = "—"


@dataclass(frozen=True)
class AttributionTable:
    """Exact totals of a run's P&L: per category (every category but flows, in ledger order),
    their sum, and the check `equity change − net flows` that the sum must equal."""

    categories: tuple[tuple[str, float], ...]
    total: float
    check: float


def attribution_table(result: RunResult) -> AttributionTable:
    """Sum the booked attribution per P&L category; `total` is their exact (fsum) sum."""
    categories = tuple(
        (c.value, math.fsum(result.attribution[:, COLUMN[c]].tolist()))
        for c in CATEGORIES
        if c is not Category.FLOWS
    )
    check = result.final_equity - result.initial_equity - result.net_flows
    return AttributionTable(categories, math.fsum(v for _, v in categories), check)


def render_report(result: RunResult) -> str:
    """The report as one HTML document. Raises InvalidOperationError when the run has no
    summary (the engine fills it at the end of a run) or no steps."""
    summary = _summary(result)
    sampler = figures.Sampler.for_times(result.times)
    value = figures.unit_value(result.equity, result.flows, result.initial_equity)
    body = "\n".join(
        [
            _header(result),
            _metrics(result, summary),
            _model(result, summary),
            _section("Equity and drawdown", figures.equity_figure(result, sampler, value)),
            _attribution(result, sampler),
            _section(
                "APY against the sUSDe benchmark",
                figures.benchmark_figure(result, sampler, value),
                "No benchmark in this dataset.",
            ),
            _section(
                "Aave health factor and LTV",
                figures.aave_figure(result, sampler),
                "This mode has no Aave position.",
            ),
            _section(
                "Margin ratio per venue",
                figures.margin_figure(result, sampler),
                "This mode has no perp margin account.",
            ),
            _section(
                "Net delta",
                figures.net_delta_figure(result, sampler),
                "The run recorded no net delta.",
            ),
            _section(
                "Funding received per venue",
                figures.funding_figure(result, sampler),
                "This mode has no perp funding.",
            ),
            _events(result),
        ]
    )
    title = escape(f"basis report · {result.mode} · {result.run_id}")
    return (
        '<!DOCTYPE html>\n<html lang="en">\n<head>\n<meta charset="utf-8">\n'
        '<meta name="viewport" content="width=device-width, initial-scale=1">\n'
        f"<title>{title}</title>\n<style>{_CSS}</style>\n"
        f"{plotly_scripts()}"
        f"</head>\n<body>\n<main>\n{body}\n</main>\n</body>\n</html>\n"
    )


def write_report(result: RunResult, path: Path) -> Path:
    """Write the report of `result` to `path` atomically (creating its folders); return
    `path`. Raises InvalidOperationError when the run has no summary or no steps."""
    return write_text(path, render_report(result))


# -- sections -------------------------------------------------------------------------------


def _summary(result: RunResult) -> RunSummary:
    if result.summary is None:
        raise InvalidOperationError(f"run {result.run_id} has no summary to report")
    if len(result.times) == 0:
        raise InvalidOperationError(f"run {result.run_id} has no steps to report")
    return result.summary


def _section(title: str, content: str | None, empty: str = "") -> str:
    inner = content if content is not None else f'<p class="note">{escape(empty)}</p>'
    return f"<section>\n<h2>{escape(title)}</h2>\n{inner}\n</section>"


def _header(result: RunResult) -> str:
    unit = result.share_class
    liquidations = sum(1 for e in result.events if e.kind is EventKind.LIQUIDATION)
    days = (result.end - result.start).total_seconds() / 86_400
    rows = [
        ("Mode", result.mode),
        ("Share class", unit),
        ("Dataset", result.dataset),
        ("Window", f"{_time(result.start)} → {_time(result.end)} ({days:,.1f} days)"),
        ("Run id", result.run_id),
        ("Initial equity", _amount(result.initial_equity, unit)),
        ("Final equity", _amount(result.final_equity, unit)),
        ("Net flows", _amount(result.net_flows, unit)),
        ("Events", f"{len(result.events):,}"),
    ]
    cells = "".join(f"<tr><th>{escape(k)}</th><td>{escape(v)}</td></tr>" for k, v in rows)
    badge = "bad" if liquidations else "ok"
    cells += f'<tr><th>Liquidations</th><td><span class="{badge}">{liquidations}</span></td></tr>'
    warnings = ""
    if result.warnings:
        items = "".join(f"<li>{escape(w)}</li>" for w in result.warnings)
        warnings = f'<div class="warnings"><strong>Warnings</strong><ul>{items}</ul></div>'
    config = escape(json.dumps(result.config, indent=2, sort_keys=True, default=str))
    return (
        f"<section>\n<h1>Run report: {escape(result.mode)}</h1>\n"
        f'<table class="facts">{cells}</table>\n{warnings}\n'
        f"<details><summary>Configuration</summary><pre>{config}</pre></details>\n</section>"
    )


def _metrics(result: RunResult, summary: RunSummary) -> str:
    m, risk, unit = summary.metrics, summary.risk, result.share_class
    performance = [
        ("APR", _percent(m.get("apr"))),
        ("APY", _percent(m.get("apy"))),
        ("Total return", _percent(m.get("total_return"))),
        ("Volatility (annualised)", _percent(m.get("volatility"))),
        ("Sharpe", _number(m.get("sharpe"))),
        ("Sortino", _number(m.get("sortino"))),
        ("Max drawdown", _percent(m.get("max_drawdown"))),
        ("Max drawdown duration (hours)", _number(m.get("max_drawdown_hours"), 0)),
        ("Calmar", _number(m.get("calmar"))),
        ("Turnover", _number(m.get("turnover"))),
        (f"Fees paid ({unit})", _number(m.get("fees_paid"))),
        (f"Gas paid ({unit})", _number(m.get("gas_paid"))),
        ("Carry capture (P&L / carry)", _percent(m.get("carry_capture"))),
        (
            f"LST discount, unrealised at the end ({unit})",
            _number(m.get("lst_discount_unrealised")),
        ),
        (f"Estimated rewards ({unit})", _number(m.get("estimated_rewards"))),
        ("P&L on estimated rewards", _percent(m.get("estimated_share"))),
    ]
    hours = risk.get("hours_in_state") or {}
    states = [s.value for s in RiskState]
    states += sorted(str(k) for k in hours if str(k) not in states)
    risks = [
        ("Min health factor", _number(risk.get("min_health_factor"))),
        ("Min margin ratio", _percent(risk.get("min_margin_ratio"))),
        ("Liquidations", _number(risk.get("liquidations"), 0)),
        ("Hours limited by Aave capacity", _number(m.get("capacity_limited_hours"), 0)),
        *((f"Hours in {state}", _number(hours.get(state, 0), 0)) for state in states),
    ]
    tables = "".join(
        f'<table class="metrics"><thead><tr><th colspan="2">{name}</th></tr></thead><tbody>'
        + "".join(f'<tr><th>{escape(k)}</th><td class="num">{v}</td></tr>' for k, v in rows)
        + "</tbody></table>"
        for name, rows in (("Performance", performance), ("Risk", risks))
    )
    return _section("Key metrics", f'<div class="grid">{tables}</div>')


def _model(result: RunResult, summary: RunSummary) -> str:
    """The directional modes' model: its out-of-sample hit rate, the run against holding
    the asset and against staying flat, and every refit; empty for the other modes."""
    m = summary.metrics
    if "hit_rate" not in m:
        return ""
    total = _real(m.get("total_return"))
    hold = _real(m.get("buy_and_hold_return"))
    rows = [
        ("Out-of-sample hit rate", _percent(m.get("hit_rate"))),
        ("Predictions judged", _number(m.get("predictions_judged"), 0)),
        ("Refits", _number(m.get("refits"), 0)),
        ("Total return of the run", _percent(total)),
        ("Buy and hold the asset", _percent(hold)),
        ("Run − buy and hold", _percent(None if total is None or hold is None else total - hold)),
        ("Run − flat (0 %)", _percent(total)),
    ]
    table = (
        '<table class="metrics"><tbody>'
        + "".join(f'<tr><th>{escape(k)}</th><td class="num">{v}</td></tr>' for k, v in rows)
        + "</tbody></table>"
    )
    refits = [e for e in result.events if e.kind is EventKind.MODEL]
    listing = "".join(
        f"<tr><td>{_time(e.time)}</td><td>{escape(e.detail)}</td></tr>" for e in refits
    )
    fits = (
        f'<details><summary>{len(refits)} refits</summary><table class="events">'
        f"<thead><tr><th>time (UTC)</th><th>refit</th></tr></thead><tbody>{listing}"
        "</tbody></table></details>"
    )
    return _section("Model", f"{table}\n{fits}")


def _attribution(result: RunResult, sampler: figures.Sampler) -> str:
    totals = attribution_table(result)
    base = result.initial_equity
    rows = [
        (name, value)
        for name, value in totals.categories
        if result.attribution[:, _col(name)].any()
    ]
    body = "".join(_money_row(name, value, base) for name, value in rows)
    body += _money_row("Total P&L", totals.total, base, "total")
    body += _money_row("Equity change − net flows", totals.check, base, "check")
    shown = {name for name, _ in rows}
    skipped = [name for name, _ in totals.categories if name not in shown]
    note = (
        f'<p class="note">Nothing booked in: {escape(", ".join(skipped))}.</p>' if skipped else ""
    )
    table = (
        f'<table class="attribution"><thead><tr><th>Category</th>'
        f'<th class="num">{escape(result.share_class)}</th>'
        f'<th class="num">% of initial equity</th></tr></thead><tbody>{body}</tbody></table>'
    )
    chart = figures.attribution_figure(result, sampler)
    return _section("P&L attribution", f"{chart}\n{table}\n{note}")


def _col(name: str) -> int:
    return COLUMN[Category(name)]


def _money_row(label: str, value: float, base: float, css: str = "") -> str:
    share = _percent(value / base) if base else DASH
    klass = f' class="{css}"' if css else ""
    return (
        f'<tr{klass}><th>{escape(label)}</th><td class="num">{_number(value)}</td>'
        f'<td class="num">{share}</td></tr>'
    )


def _events(result: RunResult) -> str:
    ordered = sorted(result.events, key=lambda e: _utc(e.time))
    half = EVENT_LIMIT // 2
    shown: list[Event | int] = list(ordered)
    if len(ordered) > EVENT_LIMIT:
        shown = [*ordered[:half], len(ordered) - 2 * half, *ordered[-half:]]
    rows = "".join(
        _event_row(e)
        if isinstance(e, Event)
        else f'<tr class="omitted"><td colspan="8">… {e:,} events omitted …</td></tr>'
        for e in shown
    )
    if not ordered:
        return _section("Events and trades", None, "The run recorded no events.")
    head = "".join(f"<th>{n}</th>" for n in ("time (UTC)", "kind", "account", "subject", "detail"))
    head += "".join(f'<th class="num">{n}</th>' for n in ("size", "value", "cost"))
    table = (
        f'<div class="scroll"><table class="events"><thead><tr>{head}</tr></thead>'
        f"<tbody>{rows}</tbody></table></div>"
    )
    return _section(f"Events and trades ({len(ordered):,})", table)


def _event_row(event: Event) -> str:
    css = event.kind.value.replace("_", "-")
    cells = [_time(event.time), event.kind.value, event.account, event.subject, event.detail]
    text = "".join(f"<td>{escape(c)}</td>" for c in cells)
    numbers = f'<td class="num">{event.size:,.6g}</td>' + "".join(
        f'<td class="num">{v:,.2f}</td>' for v in (event.value, event.cost)
    )
    return f'<tr class="{css}">{text}{numbers}</tr>'


# -- formatting -----------------------------------------------------------------------------


def _real(value: Any) -> float | None:
    """`value` as a float; None for None, NaN, booleans and anything not a real number."""
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        return None
    real = float(value)
    return None if math.isnan(real) else real


def _percent(value: Any) -> str:
    real = _real(value)
    if real is None:
        return DASH
    return _number(real * 100, 2) + "%" if math.isfinite(real) else _number(real)


def _number(value: Any, digits: int = 2) -> str:
    real = _real(value)
    if real is None:
        return DASH
    if not math.isfinite(real):
        return "∞" if real > 0 else "−∞"
    return f"{round(real, digits) + 0.0:,.{digits}f}"  # + 0.0: no "-0.00"


def _amount(value: float, unit: str) -> str:
    return f"{_number(value)} {unit}"


def _utc(moment: datetime) -> datetime:
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)


def _time(moment: datetime) -> str:
    return _utc(moment).strftime("%Y-%m-%d %H:%M")


_CSS = """
body { margin: 0; background: #f4f5f7; color: #1d2430; line-height: 1.45;
  font: 14px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, "Helvetica Neue", Arial,
  sans-serif; }
main { max-width: 1200px; margin: 0 auto; padding: 20px; }
section { background: #fff; border: 1px solid #e1e4e8; border-radius: 8px;
  padding: 16px 20px; margin: 0 0 16px; }
h1 { font-size: 1.5em; margin: 0 0 12px; }
h2 { font-size: 1.15em; margin: 0 0 12px; }
table { border-collapse: collapse; font-variant-numeric: tabular-nums; }
th, td { padding: 4px 12px 4px 0; border-bottom: 1px solid #eceff2; text-align: left;
  vertical-align: top; }
th { font-weight: 600; color: #3a4452; }
thead th { border-bottom: 2px solid #c9ced6; background: #fff; position: sticky; top: 0; }
.num { text-align: right; padding-left: 12px; }
.grid { display: flex; flex-wrap: wrap; gap: 16px 48px; }
.metrics { min-width: 320px; }
tr.total th, tr.total td { border-top: 2px solid #c9ced6; }
tr.check th, tr.check td { color: #5b6573; font-style: italic; }
.warnings { background: #fff7e0; border: 1px solid #e8b64c; border-radius: 6px;
  padding: 8px 14px; margin: 12px 0; }
.warnings ul { margin: 4px 0 0; padding-left: 20px; }
.note { color: #5b6573; font-style: italic; margin: 8px 0; }
.ok { color: #1e7b34; font-weight: 600; }
.bad { color: #fff; background: #c0392b; border-radius: 4px; padding: 0 6px; font-weight: 600; }
.scroll { max-height: 640px; overflow: auto; border: 1px solid #eceff2; }
.events { width: 100%; font-size: 0.9em; }
.events td, .events th { padding-left: 8px; }
tr.liquidation td { background: #fde2e1; color: #8a1c13; font-weight: 600; }
tr.deleverage td, tr.margin-top-up td, tr.rejected td { background: #fff4e0; }
tr.omitted td { text-align: center; color: #5b6573; font-style: italic; }
pre { background: #f6f8fa; padding: 8px; overflow: auto; max-height: 360px; }
"""
