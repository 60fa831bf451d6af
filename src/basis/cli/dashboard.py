"""`basis dashboard`: a live terminal view of the sessions (rich), refreshed from the store.

Per account and in aggregate: equity, net exposure, margin use, distance to liquidation and
regime; the open orders; the alerts (risk alerts, regime changes, refusals and warnings of
the sessions' runs). It only reads, so it can run beside any number of session processes.
"""

from __future__ import annotations

import time
from typing import Annotated, Any

import typer
from rich.console import Group, RenderableType
from rich.table import Table
from rich.text import Text

from basis.cli.accounts import DbOption
from basis.cli.app import app, out

ALERT_KINDS = ("regime", "self_trade_refused", "order_refused", "warning", "venue_unavailable")
ALERTS_SHOWN = 10


@app.command("dashboard")
def dashboard(
    session: Annotated[
        str | None, typer.Option("--session", help="Only this session; default: all.")
    ] = None,
    interval: Annotated[float, typer.Option(help="Seconds between refreshes.", min=0.2)] = 2.0,
    once: Annotated[bool, typer.Option("--once", help="Print one frame and exit.")] = False,
    db: DbOption = None,
) -> None:
    """Live view of sessions: equity, exposure, margin use and regime per account and in
    aggregate, open orders and alerts. Ctrl-C leaves."""
    from rich.live import Live

    if once:
        out.print(frame(db, session))
        return
    with Live(frame(db, session), console=out, refresh_per_second=4, screen=False) as live:
        try:
            while True:
                time.sleep(interval)
                live.update(frame(db, session))
        except KeyboardInterrupt:
            return


def frame(db: str | None, only: str | None) -> RenderableType:
    """One frame: a table per session, then open orders and alerts across them."""
    from basis.accounts.sessions import SessionStore
    from basis.accounts.store import AccountStore
    from basis.cli.session import session_table
    from basis.live.journal import Journal
    from basis.trading.sessions import session_document

    with AccountStore.open(db) as store:
        sessions = SessionStore(store).list()
    if only is not None:
        sessions = [s for s in sessions if s.name == only]
        if not sessions:
            return Text(f"no session {only!r}", style="yellow")
    if not sessions:
        return Text("no sessions (basis session create NAME --mode M --accounts a,b)")
    parts: list[RenderableType] = []
    orders: list[dict[str, Any]] = []
    runs: dict[str, str] = {}
    for found in sessions:
        document = session_document(found)
        parts.append(session_table(found, document))
        status = document["status"] or {}
        orders += [{"session": found.name, **o} for o in status.get("open_orders", [])]
        runs |= {run_id: found.name for run_id in found.runs.values()}
    parts.append(_orders(orders))
    with Journal.open(db) as journal:
        events = [
            (runs[e.run_id], e)
            for kind in ALERT_KINDS
            for e in journal.events(kind=kind)
            if e.run_id in runs
        ]
    parts.append(_alerts(sorted(events, key=lambda item: item[1].time)[-ALERTS_SHOWN:]))
    return Group(*parts)


def _orders(orders: list[dict[str, Any]]) -> RenderableType:
    if not orders:
        return Text("open orders: none")
    table = Table(title="open orders", title_justify="left")
    for column in ("session", "account", "market", "side", "amount", "state"):
        table.add_column(column)
    for o in orders:
        table.add_row(
            o["session"], o["account"], o["market"], o["side"], f"{o['amount']:g}", o["state"]
        )
    return table


def _alerts(events: list[tuple[str, Any]]) -> RenderableType:
    if not events:
        return Text("alerts: none")
    table = Table(title="alerts", title_justify="left")
    for column in ("time", "session", "kind", "detail"):
        table.add_column(column)
    for name, event in events:
        table.add_row(event.time.isoformat(timespec="seconds"), name, event.kind, event.detail)
    return table
