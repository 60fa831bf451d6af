"""The kill switch: block new orders, cancel every open order, and optionally flatten every
position with journalled closing orders; it needs no live runner (docs/live.md)."""

from __future__ import annotations

from collections.abc import Collection, Mapping
from dataclasses import dataclass
from typing import Final

from basis.live.journal import KILL_MODE, Journal
from basis.live.journal_records import JournalOrder
from basis.live.orders import OrderManager
from basis.live.venue import Side, Venue, VenueOrder, VenueUnavailableError

__all__ = ["CASH_ASSETS", "KillReport", "kill"]

CASH_ASSETS: Final = frozenset({"USDT", "USDC", "USD", "FDUSD"})
"""Venue cash: what flattening sells spot back into, never sells."""


@dataclass(frozen=True, slots=True)
class KillReport:
    """What a kill did. `run_id` is the kill's own run, which holds its flattening orders;
    `failed` names each venue that did not answer (its orders or positions may remain)."""

    run_id: str
    cancelled: list[tuple[str, VenueOrder]]
    flattening: list[JournalOrder]
    failed: dict[str, str]


async def kill(
    journal: Journal,
    venues: Mapping[str, Venue],
    flatten: bool,
    *,
    reason: str = "kill switch",
    paper: bool = False,
    cash: Collection[str] = CASH_ASSETS,
    actor: str = "operator",
) -> KillReport:
    """Turn the kill switch on in the journal (a running runner stops at its next check, a
    new one refuses to trade), cancel every open order on every venue, and with `flatten`
    close every perp position (reduce-only market orders) and sell every spot balance but
    `cash` at market (`actor` is who the audit log names). Flattening orders are journalled
    like any order (pending before sent) under a run of mode `kill`. A second cancel pass
    catches an order that was in flight during the first. The switch stays on until
    `journal.clear_kill()`.
    """
    journal.request_kill(flatten, reason, actor)
    run_id = journal.start_run(KILL_MODE, paper, {"flatten": flatten, "reason": reason})
    manager = OrderManager(journal, venues, run_id)
    first = await manager.cancel_all()
    cancelled, failed = list(first.cancelled), dict(first.failed)
    flattening: list[JournalOrder] = []
    if flatten:
        for name in venues:
            try:
                flattening += await _flatten(manager, name, cash)
            except VenueUnavailableError as error:
                failed[name] = error.message
                journal.record_event(run_id, "flatten_failed", f"{name}: {error.message}", {})
        second = await manager.cancel_all()
        cancelled += second.cancelled
        failed |= second.failed
    journal.record_event(
        run_id,
        "kill_done",
        f"{reason}: {len(cancelled)} cancelled, {len(flattening)} flattening orders, "
        f"failed: {', '.join(sorted(failed)) or 'none'}",
        {"cancelled": len(cancelled), "flattening": len(flattening), "failed": len(failed)},
    )
    journal.stop_run(run_id)
    return KillReport(run_id, cancelled, flattening, failed)


async def _flatten(manager: OrderManager, name: str, cash: Collection[str]) -> list[JournalOrder]:
    """Close the positions and spot balances the venue reports for account `name`."""
    venue = manager.venues[name]
    holdings = await venue.holdings()
    sent: list[JournalOrder] = []
    for market, held in sorted(holdings.positions.items()):
        if held.size != 0.0:
            side: Side = "sell" if held.size > 0.0 else "buy"
            sent.append(await manager.flatten(name, market, side, abs(held.size)))
    for asset, amount in sorted(holdings.balances.items()):
        if asset not in cash and amount > 0.0:
            # markets are named by the venue (an account may have another name)
            sent.append(await manager.flatten(name, f"{venue.name}:spot:{asset}", "sell", amount))
    return sent
