"""`basis audit list | verify`: read and check the hash-chained audit log (docs/accounts.md)."""

from __future__ import annotations

import json
import sys
from typing import Annotated

import typer
from rich.table import Table

from basis.cli.app import app, out

audit_app = typer.Typer(help="The append-only, hash-chained audit log.")
app.add_typer(audit_app, name="audit", no_args_is_help=True)

DbOption = Annotated[
    str | None, typer.Option("--db", help="Database URL; default: the results store.")
]


@audit_app.command("list")
def list_(
    db: DbOption = None,
    limit: Annotated[int | None, typer.Option(help="Only the newest N entries.", min=1)] = None,
    as_json: Annotated[bool, typer.Option("--json", help="One JSON array on stdout.")] = False,
) -> None:
    """Audit entries, oldest first: seq, time, actor, action, subject, details, hash."""
    from basis import audit
    from basis.store.results import open_database

    engine, _, _ = open_database(db, "audit")
    try:
        found = audit.entries(engine, limit=limit)
    finally:
        engine.dispose()
    if as_json:
        documents = [
            {
                "seq": e.seq,
                "time": e.time.isoformat(),
                "actor": e.actor,
                "action": e.action,
                "subject": e.subject,
                "details": e.details_dict(),
                "prev_hash": e.prev_hash,
                "hash": e.hash,
            }
            for e in found
        ]
        sys.stdout.write(json.dumps(documents) + "\n")
        return
    table = Table(title="audit log", title_justify="left")
    for column in ("seq", "time", "actor", "action", "subject", "details", "hash"):
        table.add_column(column)
    for e in found:
        when = e.time.isoformat(timespec="seconds")
        table.add_row(str(e.seq), when, e.actor, e.action, e.subject, e.details, e.hash[:12])
    out.print(table)


@audit_app.command("verify")
def verify(db: DbOption = None) -> None:
    """Recompute the chain; exit 1 naming the first entry edited, deleted or reordered.
    Prints the head (seq and hash): keep it elsewhere to detect a truncated tail."""
    from basis import audit
    from basis.store.results import open_database

    engine, _, _ = open_database(db, "audit")
    try:
        chain = audit.verify(engine)
    finally:
        engine.dispose()
    head = f"head {chain[-1].seq} {chain[-1].hash}" if chain else "empty"
    out.print(f"audit log intact: {len(chain)} entries, {head}", highlight=False)
