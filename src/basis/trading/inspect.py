"""What `basis live status` and `basis live orders` show, read from the journal alone
(they work whether or not a runner is alive)."""

from __future__ import annotations

from typing import Any

from basis.errors import JournalError
from basis.live.journal import Journal
from basis.live.journal_records import order_document

__all__ = ["order_records", "status"]


def status(journal: Journal) -> dict[str, Any]:
    """The newest run's last checkpointed status, its open orders and the kill switch.

    Raises JournalError when the journal has no run yet."""
    run = journal.latest_run()
    if run is None:
        raise JournalError(
            "the journal has no live or paper run yet: start one with basis live run"
        )
    saved = journal.load_checkpoint(run.run_id)
    kill = journal.kill_request()
    return {
        "run_id": run.run_id,
        "mode": run.mode,
        "paper": run.paper,
        "status": run.status,
        "started_at": run.started_at.isoformat(),
        "state": None if saved is None else saved["status"],
        "open_orders": [
            order_document(order, [fill for _, fill in journal.fills(order.client_order_id)])
            for order in journal.open_orders()
        ],
        "kill_switch": None
        if kill is None
        else {"flatten": kill.flatten, "reason": kill.reason, "at": kill.requested_at.isoformat()},
    }


def order_records(journal: Journal, run_id: str | None = None) -> list[dict[str, Any]]:
    """Every journalled order (of one run, or all), oldest first, with its fills."""
    return [order_document(order, fills) for order, fills in journal.orders_with_fills(run_id)]
