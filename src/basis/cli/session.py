"""`basis session create | start | stop | pause | resume | status | list | remove`: one mode
over a set of managed accounts (docs/accounts.md, "Sessions")."""

from __future__ import annotations

import asyncio
import json
import signal
import sys
from typing import TYPE_CHECKING, Annotated, Any

import typer
from rich.table import Table

from basis.cli.accounts import DbOption, JsonOption, actor
from basis.cli.app import app, err, out
from basis.config import get_settings
from basis.errors import ConfigError

if TYPE_CHECKING:
    from basis.accounts.sessions import Session
    from basis.book.utilisation import SessionRisk
    from basis.trading.sessions import SessionRunner

session_app = typer.Typer(help="Sessions: a mode over a set of managed accounts.")
app.add_typer(session_app, name="session", no_args_is_help=True)

NameArgument = Annotated[str, typer.Argument(help="Session name.")]


@session_app.command("create")
def create(
    name: NameArgument,
    mode: Annotated[str, typer.Option("--mode", help="Strategy mode (see basis modes).")],
    accounts: Annotated[
        str, typer.Option("--accounts", help="Comma-separated stored account names.")
    ],
    allocation: Annotated[
        str | None,
        typer.Option(
            "--allocation", help="ACCOUNT=WEIGHT,... summing to 1; default: equal weights."
        ),
    ] = None,
    set_: Annotated[
        list[str] | None, typer.Option("--set", help="Override a mode parameter, key=value.")
    ] = None,
    capital: Annotated[
        float | None,
        typer.Option(
            "--capital",
            help="Paper capital in the mode's share class, split by the allocation "
            "(live sessions trade the accounts' balances).",
        ),
    ] = None,
    shared_capacity: Annotated[
        bool,
        typer.Option(
            "--shared-capacity",
            help="Size every account like the one with the smallest equity (identical books).",
        ),
    ] = False,
    db: DbOption = None,
) -> None:
    """Create a session: MODE on each of ACCOUNTS, capital split by ALLOCATION."""
    from basis.accounts.sessions import SessionStore, parse_allocation
    from basis.accounts.store import AccountStore
    from basis.engine.backtest import load_mode

    names = [a.strip() for a in accounts.split(",") if a.strip()]
    weights = parse_allocation(allocation, names)
    settings = get_settings()
    config = load_mode(settings.configs_path, mode, set_ or (), capital)
    with AccountStore.open(db) as store:
        session = SessionStore(store).create(
            name,
            config,
            names,
            weights,
            overrides=set_ or (),
            shared_capacity=shared_capacity,
            actor=actor(),
        )
    split = ", ".join(f"{a} {w:.0%}" for a, w in session.allocation.items())
    out.print(f"created session {session.name}: {session.mode} on {split}")


@session_app.command("start")
def start(
    name: NameArgument,
    paper: Annotated[bool, typer.Option("--paper", help="Simulated fills at live prices.")] = False,
    testnet: Annotated[
        bool, typer.Option("--testnet", help="Each venue's test environment.")
    ] = False,
    venue_url: Annotated[
        list[str] | None,
        typer.Option("--venue-url", help="ACCOUNT=URL or VENUE=URL: REST at URL (the emulator)."),
    ] = None,
    tick: Annotated[float, typer.Option(help="Seconds between ticks.")] = 60.0,
    max_age: Annotated[
        float, typer.Option(help="No order from a snapshot older than this (seconds).")
    ] = 30.0,
    ticks: Annotated[int | None, typer.Option(help="Stop after this many ticks.", min=1)] = None,
    throttle: Annotated[
        bool,
        typer.Option(
            "--throttle/--no-throttle",
            help="Pace requests by the venue's weights; off only against the local emulator.",
        ),
    ] = True,
    log_json: Annotated[
        bool, typer.Option("--log-json", help="One JSON line per tick on stdout.")
    ] = False,
    db: DbOption = None,
) -> None:
    """Run the session in this process until SIGTERM, Ctrl-C, `basis session stop` or
    --ticks; a session started again resumes each account's run and book."""
    from basis.trading.sessions import SessionRequest, run_session

    request = SessionRequest(
        name=name,
        paper=paper,
        testnet=testnet,
        venue_urls=_urls(venue_url or ()),
        database=db,
        tick=tick,
        max_age=max_age,
        max_ticks=ticks,
        throttle=throttle,
    )
    if tick <= 0 or max_age <= 0:
        raise ConfigError("--tick and --max-age must be > 0 seconds")

    def on_tick(running: SessionRunner, assessed: SessionRisk) -> None:
        if log_json:
            status = running.status(assessed, None)
            sys.stdout.write(json.dumps({"session": name, **status}) + "\n")
            sys.stdout.flush()
            return
        err.print(
            f"{name} tick {running.ticks}: equity {assessed.equity:,.2f} margin use "
            f"{assessed.margin_use:.1%} regime {assessed.regime}",
            highlight=False,
        )

    async def main() -> SessionRunner:
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        for signum in (signal.SIGTERM, signal.SIGINT):
            loop.add_signal_handler(signum, stop.set)
        return await run_session(
            request,
            get_settings().configs_path,
            stop,
            on_tick,
            lambda message: err.print(f"[yellow]warning[/yellow] {message}", highlight=False),
            actor=actor(),
        )

    running = asyncio.run(main())
    err.print(f"stopped session {name} after {running.ticks} ticks; journal persisted")


def _change(name: str, action: str, db: str | None) -> None:
    from basis.accounts.sessions import SessionStore
    from basis.accounts.store import AccountStore

    with AccountStore.open(db) as store:
        session = SessionStore(store).change(name, action, actor=actor())
    out.print(f"session {session.name}: {session.state}")


@session_app.command("stop")
def stop(name: NameArgument, db: DbOption = None) -> None:
    """Stop the session: its process finishes the tick, persists and exits."""
    _change(name, "stop", db)


@session_app.command("pause")
def pause(name: NameArgument, db: DbOption = None) -> None:
    """Pause: the accounts keep their positions and are reconciled, but no strategy decides
    (no new order) until `resume`."""
    _change(name, "pause", db)


@session_app.command("resume")
def resume(name: NameArgument, db: DbOption = None) -> None:
    """Resume a paused session: its strategies decide again from the next tick."""
    _change(name, "resume", db)


@session_app.command("remove")
def remove(name: NameArgument, db: DbOption = None) -> None:
    """Delete a stopped session (its journal runs stay); its accounts may join another."""
    from basis.accounts.sessions import SessionStore
    from basis.accounts.store import AccountStore

    with AccountStore.open(db) as store:
        SessionStore(store).remove(name, actor=actor())
    out.print(f"removed session {name}")


@session_app.command("status")
def status(name: NameArgument, db: DbOption = None, as_json: JsonOption = False) -> None:
    """Per account and aggregated: equity, net exposure per asset, margin use, distance to
    liquidation and regime, as the session's process last saw them."""
    from basis.accounts.sessions import SessionStore
    from basis.accounts.store import AccountStore
    from basis.trading.sessions import session_document

    with AccountStore.open(db) as store:
        session = SessionStore(store).get(name)
    document = session_document(session)
    if as_json:
        sys.stdout.write(json.dumps(document) + "\n")
        return
    out.print(session_table(session, document))


@session_app.command("list")
def list_(db: DbOption = None, as_json: JsonOption = False) -> None:
    """Every session: mode, accounts, state and aggregate equity and regime."""
    from basis.accounts.sessions import SessionStore
    from basis.accounts.store import AccountStore
    from basis.trading.sessions import session_document

    with AccountStore.open(db) as store:
        found = SessionStore(store).list()
    documents = [session_document(s) for s in found]
    if as_json:
        sys.stdout.write(json.dumps(documents) + "\n")
        return
    table = Table(title="sessions", title_justify="left")
    for column in ("name", "mode", "accounts", "state", "equity", "regime"):
        table.add_column(column)
    for document in documents:
        aggregate = (document["status"] or {}).get("aggregate", {})
        table.add_row(
            document["name"],
            document["mode"],
            ", ".join(document["accounts"]),
            _state(document),
            _number(aggregate.get("equity")),
            aggregate.get("regime", "—"),
        )
    out.print(table)


def session_table(session: Session, document: dict[str, Any]) -> Table:
    """One session as a table: a row per account and the aggregate (status and dashboard)."""
    status_doc = document["status"] or {}
    title = f"session {session.name}: {session.mode}, {_state(document)}"
    if status_doc:
        title += f", {status_doc['ticks']} ticks, at {status_doc['time']}"
    caption = None if status_doc else f"not started yet: basis session start {session.name}"
    table = Table(title=title, title_justify="left", caption=caption, caption_justify="left")
    for column in ("account", "venue", "equity", "exposure", "margin use", "to liq.", "regime"):
        table.add_column(column, justify="right" if column in ("equity", "to liq.") else "left")
    rows = [*status_doc.get("accounts", [])]
    if not rows:  # before the first tick: the accounts, without figures
        for account in session.accounts:
            table.add_row(account, "", "—", "", "—", "—", "—")
    for row in rows:
        table.add_row(
            row["account"],
            row["venue"],
            _number(row["equity"]),
            _exposure(row["exposure"]),
            _percent(row["margin_use"]),
            _percent(row["liquidation_distance"]),
            row["regime"],
        )
    if aggregate := status_doc.get("aggregate"):
        table.add_row(
            "all",
            "",
            _number(aggregate["equity"]),
            _exposure(aggregate["exposure"]),
            _percent(aggregate["margin_use"]),
            _percent(aggregate["liquidation_distance"]),
            aggregate["regime"],
            style="bold",
        )
    return table


def _state(document: dict[str, Any]) -> str:
    state = str(document["state"])
    if state in ("running", "paused") and not document["alive"]:
        return f"{state} (no process: start it again to resume)"
    return state


def _number(value: float | None) -> str:
    return "—" if value is None else f"{value:,.2f}"


def _percent(value: float | None) -> str:
    return "—" if value is None else f"{value:.1%}"


def _exposure(exposure: dict[str, float | None]) -> str:
    return ", ".join(f"{a} {u:+.6g}" for a, u in exposure.items() if u is not None) or "flat"


def _urls(items: list[str] | tuple[str, ...]) -> dict[str, str]:
    urls: dict[str, str] = {}
    for item in items:
        key, sep, url = item.partition("=")
        if not sep or not key or not url.startswith(("http://", "https://")):
            raise ConfigError(f"--venue-url {item!r}: expected ACCOUNT=URL or VENUE=URL")
        urls[key] = url
    return urls
