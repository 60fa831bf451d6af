"""`basis live run | status | orders | kill`: run a mode on a wall clock (docs/live.md)."""

from __future__ import annotations

import asyncio
import json
import signal
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer
from rich.table import Table

from basis.cli.app import CatalogOption, app, err, open_catalog, out
from basis.config import get_settings
from basis.store import json_safe

if TYPE_CHECKING:
    from basis.live.runner import Runner, TickReport

live_app = typer.Typer(help="Run a mode live or on paper; status, orders, kill switch.")
app.add_typer(live_app, name="live", no_args_is_help=True)

JournalOption = Annotated[
    str | None,
    typer.Option("--journal", help="Journal database URL; default: the results store."),
]


@live_app.command("run")
def run(
    mode: Annotated[str, typer.Option(help="Strategy mode (see basis modes).")],
    paper: Annotated[bool, typer.Option("--paper", help="Simulated fills at live prices.")] = False,
    testnet: Annotated[
        bool, typer.Option("--testnet", help="Each venue's test environment (docs/live.md).")
    ] = False,
    set_: Annotated[
        list[str] | None, typer.Option("--set", help="Override a mode parameter, key=value.")
    ] = None,
    venue_url: Annotated[
        list[str] | None,
        typer.Option("--venue-url", help="VENUE=URL: that venue's REST at URL (the emulator)."),
    ] = None,
    journal: JournalOption = None,
    tick: Annotated[float, typer.Option(help="Seconds between ticks.")] = 60.0,
    max_age: Annotated[
        float, typer.Option(help="No order from a snapshot older than this (seconds).")
    ] = 30.0,
    log_json: Annotated[
        bool, typer.Option("--log-json", help="One JSON line per tick on stdout.")
    ] = False,
    replay: Annotated[
        str | None,
        typer.Option(help="With --paper: replay a dataset (real, scenario:NAME) hour by hour."),
    ] = None,
    limits: Annotated[
        Path | None, typer.Option(help="Pre-trade limits (YAML, docs/live.md).")
    ] = None,
    ticks: Annotated[int | None, typer.Option(help="Stop after this many ticks.", min=1)] = None,
    new_run: Annotated[
        bool, typer.Option("--new-run", help="Start a new run instead of resuming the last.")
    ] = False,
    throttle: Annotated[
        bool,
        typer.Option(
            "--throttle/--no-throttle",
            help="Pace requests by the venue's weights (ccxt); turn off only against the "
            "local emulator, whose own limit answers 429.",
        ),
    ] = True,
    catalog: CatalogOption = None,
) -> None:
    """Run MODE's strategy on a wall clock until SIGTERM or Ctrl-C (then exit 0).

    Credentials: a stored account named like the venue (basis accounts add, opened with
    BASIS_MASTER_KEY), else BASIS_<VENUE>_API_KEY and BASIS_<VENUE>_SECRET. Every order is
    journalled before it is sent; a restart resumes the run and reconciles it with the venues.
    """
    from basis.trading.launch import LiveRequest, start  # ccxt loads only for live commands
    from basis.venues.registry import parse_venue_urls

    request = LiveRequest(
        mode=mode,
        paper=paper,
        testnet=testnet,
        overrides=tuple(set_ or ()),
        venue_urls=parse_venue_urls(venue_url or ()),
        journal=journal,
        tick=tick,
        max_age=max_age,
        replay=replay,
        limits=limits,
        max_ticks=ticks,
        new_run=new_run,
        throttle=throttle,
    )
    settings = get_settings()

    def on_tick(runner: Runner, report: TickReport) -> None:
        _print_tick(runner, report, log_json)

    async def main() -> Runner:
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        for signum in (signal.SIGTERM, signal.SIGINT):
            loop.add_signal_handler(signum, stop.set)
        return await start(
            request,
            settings.configs_path,
            open_catalog(catalog),
            stop,
            on_tick,
            lambda message: err.print(f"[yellow]warning[/yellow] {message}", highlight=False),
        )

    runner = asyncio.run(main())
    err.print(f"stopped {runner.run_id} after {runner.ticks} ticks; journal persisted")


def _print_tick(runner: Runner, report: TickReport, log_json: bool) -> None:
    line = {
        "run_id": runner.run_id,
        "tick": runner.ticks,
        "time": None if report.time is None else report.time.isoformat(),
        "equity": report.equity,
        "intents": report.intents,
        "held_back": report.why_not,
        "degraded": runner.degraded,
        "events": [
            {"kind": e.kind.value, "subject": e.subject, "detail": e.detail} for e in report.events
        ],
    }
    if log_json:
        sys.stdout.write(json.dumps(json_safe(line)) + "\n")
        sys.stdout.flush()
        return
    when = line["time"] or "-"
    note = f" [yellow]{report.why_not}[/yellow]" if report.why_not else ""
    err.print(f"{when} equity {report.equity:,.2f} intents {report.intents}{note}")
    for event in report.events:
        err.print(f"  {event.kind.value:<14} {event.subject} {event.detail}", highlight=False)


@live_app.command("status")
def status(
    journal: JournalOption = None,
    as_json: Annotated[bool, typer.Option("--json", help="One JSON object on stdout.")] = False,
) -> None:
    """Equity, positions, risk and open orders of the newest run."""
    from basis.live.journal import Journal
    from basis.trading.inspect import status as read_status

    with Journal.open(journal) as opened:
        found = read_status(opened)
    if as_json:
        out.print_json(json.dumps(json_safe(found)))
        return
    _print_status(found)


def _print_status(found: dict[str, Any]) -> None:
    state = found["state"] or {}
    kind = "paper" if found["paper"] else "live"
    out.print(f"[bold]{found['mode']}[/bold] {kind} run {found['run_id']} ({found['status']})")
    if found["kill_switch"]:
        out.print(f"[red]kill switch on[/red]: {found['kill_switch']['reason']}")
    if state:
        out.print(
            f"at {state['time']}: equity {state['equity']:,.2f} {state['share_class']} "
            f"(opening {state['initial_equity'] or 0:,.2f}), {state['ticks']} ticks"
        )
        if state["degraded"]:
            out.print(f"[yellow]degraded[/yellow]: {state['degraded']}")
        table = Table("instrument", "quantity", "entry")
        for position in state["positions"]:
            entry = position.get("entry")
            table.add_row(
                position["instrument"],
                f"{position['quantity']:,.8g}",
                "" if entry is None else f"{entry:,.2f}",
            )
        out.print(table)
        for alert in state["risk"]["alerts"]:
            out.print(
                f"[red]alert[/red] {alert['breach']} {alert['subject']}: {alert['value']:.4g}"
            )
    out.print(f"{len(found['open_orders'])} open order(s)")


@live_app.command("orders")
def orders(
    journal: JournalOption = None,
    as_json: Annotated[bool, typer.Option("--json", help="A JSON list on stdout.")] = False,
) -> None:
    """The journal: one line (or JSON object) per order, with its state and fills."""
    from basis.live.journal import Journal
    from basis.trading.inspect import order_records

    with Journal.open(journal) as opened:
        records = order_records(opened)
    if as_json:
        sys.stdout.write(json.dumps(json_safe(records)) + "\n")
        return
    table = Table("client order id", "venue", "symbol", "side", "amount", "state", "fills")
    for record in records:
        table.add_row(
            record["client_order_id"],
            record["venue"],
            record["symbol"],
            record["side"],
            f"{record['amount']:.8g}",
            record["state"],
            str(len(record["fills"])),
        )
    out.print(table)


@live_app.command("kill")
def kill(
    journal: JournalOption = None,
    flatten: Annotated[
        bool, typer.Option("--flatten", help="Also close every position at market.")
    ] = False,
    testnet: Annotated[
        bool, typer.Option("--testnet", help="The venues' test environments.")
    ] = False,
    venue_url: Annotated[
        list[str] | None, typer.Option("--venue-url", help="VENUE=URL (the emulator).")
    ] = None,
) -> None:
    """Turn the kill switch on: cancel every open order, block new ones (and flatten).

    Works with or without a runner alive: a runner stops trading at its next tick."""
    from basis.cli.accounts import actor
    from basis.trading.control import kill_all
    from basis.venues.registry import parse_venue_urls

    urls = parse_venue_urls(venue_url or ())
    report = asyncio.run(kill_all(journal, flatten, testnet, urls, actor=actor()))
    out.print(f"kill switch on; {len(report.cancelled)} order(s) cancelled")
    if flatten:
        out.print(f"{len(report.flattening)} flattening order(s) sent")
    for venue, error in report.failed.items():
        err.print(f"[red]{venue} did not answer[/red]: {error}")
    if report.failed:
        raise typer.Exit(1)
