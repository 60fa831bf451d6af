"""`basis results list|show|compare`: browse stored runs as tables or as JSON.

Tables show rates as percentages and amounts in each run's share class; JSON keeps rates
as decimals. "—" in a table (null in JSON) means the number does not apply.
"""

from __future__ import annotations

import json
import math
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import asdict
from datetime import UTC, datetime
from typing import Annotated, Any, Final

import typer
from rich.table import Table

from basis.analytics.metrics import RATE_METRICS
from basis.book.ledger import Category
from basis.cli.app import app, out, percent
from basis.model.result import RunResult
from basis.store import ResultStore, RunRow, json_safe, run_json
from basis.strategies import PARAMETERS

results_app = typer.Typer(help="List, show and compare stored runs.", no_args_is_help=True)
app.add_typer(results_app, name="results")

NONE: Final = "—"

MULTIPLES: Final = frozenset({"turnover"})
DECIMALS: Final = {"USDT": 2, "USDC": 2, "USD": 2, "ETH": 4, "BTC": 6}

JsonOption = Annotated[bool, typer.Option("--json", help="Print JSON on stdout, not tables.")]
Formatter = Callable[[Any], str]


@results_app.command("list")
def list_runs(
    mode: Annotated[str | None, typer.Option("--mode", help="Only runs of this mode.")] = None,
    limit: Annotated[int, typer.Option("--limit", min=1, help="At most this many runs.")] = 50,
    as_json: JsonOption = False,
) -> None:
    """List stored runs, newest first."""
    with ResultStore() as store:
        found = store.list(mode=mode, limit=limit)
        location = store.url
    if as_json:
        _echo([asdict(row) for row in found])
        return
    out.print(_list_table(found, location))


@results_app.command("show")
def show(
    run_id: Annotated[str, typer.Argument(help="A run id, or its first 6+ characters.")],
    as_json: JsonOption = False,
) -> None:
    """Show one run: configuration, window, metrics, attribution, risk and warnings."""
    with ResultStore() as store:
        result = store.load(run_id)
    if as_json:
        _echo(run_json(result))
        return
    config = _used_parameters(result.config)
    out.print(_pairs("configuration", [(key, _value(v)) for key, v in _flatten(config)]))
    print_summary(result)


def _used_parameters(record: Mapping[str, Any]) -> dict[str, Any]:
    """The run's record with only the mode parameters its mode reads (`--json` keeps all)."""
    mode = record.get("mode")
    if not isinstance(mode, Mapping) or mode.get("mode") not in PARAMETERS:
        return dict(record)
    used = PARAMETERS[str(mode["mode"])]
    return {**record, "mode": {key: value for key, value in mode.items() if key in used}}


def print_summary(result: RunResult) -> None:
    """Print a run's window, metrics, attribution, risk and warnings as tables."""
    document = run_json(result)
    amount = _amount_formatter(result.share_class)
    out.print(_pairs(f"run {result.run_id}", _window(result, amount)))
    out.print(_pairs("metrics", _metric_cells(document["metrics"], amount)))
    out.print(_pairs(f"attribution ({result.share_class})", _attribution_cells(document, amount)))
    out.print(_pairs("risk", _risk_cells(document["risk"])))
    warnings = document["warnings"] or ["none"]
    out.print("warnings:\n" + "\n".join(f"  {line}" for line in warnings), highlight=False)


@results_app.command("compare")
def compare(
    run_ids: Annotated[list[str], typer.Argument(help="Two or more run ids (or 6+ characters).")],
    as_json: JsonOption = False,
) -> None:
    """Compare runs side by side: window, metrics, attribution and risk, one column each."""
    if len(run_ids) < 2:
        raise typer.BadParameter("give at least two run ids", param_hint="RUN_IDS")
    with ResultStore() as store:
        loaded = [store.load(run_id) for run_id in run_ids]
    if as_json:
        _echo([run_json(result) for result in loaded])
        return
    out.print(_compare_table(loaded))


def _echo(document: Any) -> None:
    typer.echo(json.dumps(json_safe(document), indent=1, ensure_ascii=False, allow_nan=False))


def _list_table(found: Sequence[RunRow], location: str) -> Table:
    table = Table(title=f"{len(found)} run(s) in {location}", title_justify="left")
    for header in ("run id", "created", "mode", "dataset", "window"):
        table.add_column(header, overflow="fold", no_wrap=header in ("run id", "created"))
    for header in ("APR", "APY", "max DD", "min HF", "final equity"):
        table.add_column(header, justify="right", overflow="fold")
    for row in found:
        amount = _amount_formatter(row.share_class)
        table.add_row(
            row.run_id,
            _time(row.created_at),
            row.mode,
            row.dataset,
            f"{_time(row.start)} → {_time(row.end)}",
            _rate(row.apr),
            _rate(row.apy),
            _rate(row.max_drawdown),
            _ratio(row.min_health_factor),
            f"{amount(row.final_equity)} {row.share_class}",
        )
    return table


def _compare_table(loaded: Sequence[RunResult]) -> Table:
    """One row per field, one column per run; a field a run lacks shows "—"."""
    table = Table(title=f"{len(loaded)} runs", title_justify="left")
    table.add_column("", overflow="fold")
    for result in loaded:
        table.add_column(f"{result.run_id}\n{result.mode}", justify="right", overflow="fold")
    documents = [run_json(result) for result in loaded]
    amounts = [_amount_formatter(result.share_class) for result in loaded]
    sections: list[list[list[tuple[str, str]]]] = [
        [_window(result, amount) for result, amount in zip(loaded, amounts, strict=True)],
        [_metric_cells(d["metrics"], a) for d, a in zip(documents, amounts, strict=True)],
        [_attribution_cells(d, a) for d, a in zip(documents, amounts, strict=True)],
        [_risk_cells(document["risk"]) for document in documents],
    ]
    for section in sections:
        table.add_section()
        cells = [dict(column) for column in section]
        for label in _union(column for column in section):
            table.add_row(label, *(column.get(label, NONE) for column in cells))
    return table


def _window(result: RunResult, amount: Formatter) -> list[tuple[str, str]]:
    unit = result.share_class
    return [
        ("mode", result.mode),
        ("share class", unit),
        ("dataset", result.dataset + _fallback_note(result.config.get("fallback"))),
        *_allocation_cells(result.config.get("allocation")),
        *_margin_cells(result.config.get("mode")),
        ("start", _time(result.start)),
        ("end", _time(result.end)),
        ("hours", f"{(result.end - result.start).total_seconds() / 3600:,.0f}"),
        ("initial equity", f"{amount(result.initial_equity)} {unit}"),
        ("final equity", f"{amount(result.final_equity if len(result.equity) else None)} {unit}"),
        ("net flows", f"{amount(result.net_flows)} {unit}"),
    ]


def _margin_cells(mode: Any) -> list[tuple[str, str]]:
    """The margin model a run set for its venues (none shown when it kept the venues')."""
    model = mode.get("margin_model") if isinstance(mode, Mapping) else None
    return [("margin model", str(model))] if model not in (None, "venue") else []


def _fallback_note(fallback: Mapping[str, str] | None) -> str:
    return "" if not fallback else f" (fallback: {fallback['requested']} was asked for)"


def _allocation_cells(allocation: Mapping[str, float] | None) -> list[tuple[str, str]]:
    """The hedge weights the run used, after venues without data were dropped."""
    if allocation is None:
        return []
    shown = ", ".join(f"{venue} {weight:.0%}" for venue, weight in allocation.items())
    return [("hedge allocation", shown or "none")]


def _metric_cells(metrics: Mapping[str, Any], amount: Formatter) -> list[tuple[str, str]]:
    return [(name, _metric_formatter(name, amount)(value)) for name, value in metrics.items()]


def _attribution_cells(document: Mapping[str, Any], amount: Formatter) -> list[tuple[str, str]]:
    attribution: Mapping[str, float | None] = document["attribution"]
    cells = [(name, amount(value)) for name, value in attribution.items()]
    pnl = [value for name, value in attribution.items() if name != Category.FLOWS]
    total = None if any(value is None for value in pnl) else math.fsum(v or 0.0 for v in pnl)
    return [*cells, ("total P&L (excl. flows)", amount(total))]


def _risk_cells(risk: Mapping[str, Any]) -> list[tuple[str, str]]:
    cells: list[tuple[str, str]] = []
    for name, value in risk.items():
        if isinstance(value, Mapping):
            cells += [(f"{name.replace('_', ' ')}: {key}", _count(v)) for key, v in value.items()]
        elif name == "liquidations":
            cells.append((name, _count(value)))
        else:
            cells.append((name, _ratio(value)))
    return cells


def _pairs(title: str, cells: Iterable[tuple[str, str]]) -> Table:
    table = Table(title=title, title_justify="left", show_header=False)
    table.add_column("name", overflow="fold")
    table.add_column("value", justify="right", overflow="fold")
    for name, value in cells:
        table.add_row(name, value)
    return table


def _union(columns: Iterable[Sequence[tuple[str, str]]]) -> list[str]:
    """Every label of the columns, in order of first appearance."""
    return list(dict.fromkeys(label for column in columns for label, _ in column))


def _flatten(config: Mapping[str, Any], prefix: str = "") -> list[tuple[str, Any]]:
    items: list[tuple[str, Any]] = []
    for key, value in config.items():
        if isinstance(value, Mapping) and value:
            items += _flatten(value, f"{prefix}{key}.")
        else:
            items.append((f"{prefix}{key}", value))
    return items


def _metric_formatter(name: str, amount: Formatter) -> Formatter:
    if name in RATE_METRICS or name.endswith(("_return", "_apr", "_apy")):
        return _rate
    if name.endswith("_paid") or name in ("unpaid", "estimated_rewards", "lst_discount_unrealised"):
        return amount
    if name.endswith("_hours"):
        return _count
    if name in MULTIPLES:
        return lambda value: NONE if _missing(value) else f"{value:,.2f}×"
    return _ratio


def _amount_formatter(share_class: str) -> Formatter:
    decimals = DECIMALS.get(share_class.upper(), 4)
    return lambda value: NONE if _missing(value) else f"{value:,.{decimals}f}"


def _rate(value: float | None) -> str:
    return percent(value)


def _ratio(value: Any) -> str:
    if _missing(value):
        return NONE
    return f"{value:.3f}" if isinstance(value, int | float) else str(value)


def _count(value: Any) -> str:
    return NONE if _missing(value) else f"{value:,.0f}"


def _value(value: Any) -> str:
    if value is None:
        return NONE
    return value if isinstance(value, str) else json.dumps(json_safe(value))


def _time(value: datetime) -> str:
    return value.astimezone(UTC).strftime("%Y-%m-%d %H:%M")


def _missing(value: Any) -> bool:
    """None, NaN or ±inf: shown as "—", like the null JSON has for them."""
    return value is None or (isinstance(value, float) and not math.isfinite(value))
