"""The journal against the venue, as the chaos and fault tests check it after reconciliation:
every venue order journalled once in the same state with the same fills, nothing the venue
lacks counted as filled, and the positions the same three ways (venue, journal fills, book).

Each check returns its problems as sentences, so one failure shows them all."""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

Record = Mapping[str, Any]

JOURNAL_STATES: Mapping[str, frozenset[str]] = {
    "closed": frozenset({"filled"}),
    "canceled": frozenset({"cancelled"}),
    "expired": frozenset({"cancelled"}),
    "rejected": frozenset({"rejected"}),
    "open": frozenset({"acknowledged", "partially_filled"}),
}
"""The emulator's (ccxt's) order status → the journal states that agree with it."""

NOT_AT_VENUE = frozenset({"cancelled", "rejected", "sent", "unknown"})
"""States of a journal order the venue never took: cancelled once reconciled, rejected by
the adapter, or still `sent` / `unknown` until reconciliation's `not_found_after` passes."""

TOLERANCE = 1e-9


def duplicates(ids: Iterable[str]) -> list[str]:
    return sorted(i for i, n in Counter(ids).items() if n > 1)


def order_disagreements(journal: Sequence[Record], venue: Sequence[Record]) -> list[str]:
    """`basis live orders --json` against `GET /_emulator/orders`."""
    problems = [
        f"client id {i} appears twice in the {where}"
        for where, rows in (("journal", journal), ("emulator", venue))
        for i in duplicates(r["client_order_id"] for r in rows)
    ]
    ours = {r["client_order_id"]: r for r in journal}
    theirs = {r["client_order_id"]: r for r in venue}
    for cid, at_venue in theirs.items():
        record = ours.get(cid)
        if record is None:
            problems.append(f"{cid}: at the venue ({at_venue['status']}), not in the journal")
            continue
        if record["state"] not in JOURNAL_STATES[at_venue["status"]]:
            problems.append(f"{cid}: journal {record['state']}, venue {at_venue['status']}")
        for key, theirs_key in (("market", "instrument"), ("side", "side")):
            if record[key] != at_venue[theirs_key]:
                problems.append(f"{cid}: {key} {record[key]} ≠ venue {at_venue[theirs_key]}")
        for key in ("amount", "filled"):
            if not _same(record[key], at_venue[key]):
                problems.append(f"{cid}: {key} {record[key]!r} ≠ venue {at_venue[key]!r}")
        trades = sorted(str(f["trade_id"]) for f in record["fills"])
        venue_trades = sorted(str(f["trade_id"]) for f in at_venue["fills"])
        if trades != venue_trades:
            problems.append(f"{cid}: fills {trades} ≠ venue {venue_trades}")
    for cid, record in ours.items():
        if cid in theirs:
            continue
        if record["state"] not in NOT_AT_VENUE or record["filled"] or record["fills"]:
            problems.append(
                f"{cid}: not at the venue, yet journalled {record['state']} "
                f"with {record['filled']} filled"
            )
    return problems


def position_disagreements(
    journal: Sequence[Record], account: Record, state: Record, spot: str, perp: str
) -> list[str]:
    """The venue's holdings (`GET /_emulator/accounts`, one account), the sum of the
    journal's fills and the book's positions (`basis live status --json` state) of the spot
    asset `spot` (`binance:spot:BTC`) and the perp `perp` (`binance:perp:BTCUSDT`)."""
    symbol = perp.rsplit(":", 1)[1]
    asset = spot.rsplit(":", 1)[1]
    balance = account["spot"].get(asset, {"free": 0.0, "locked": 0.0})
    venue = {
        spot: balance["free"] + balance["locked"],
        perp: account["positions"].get(symbol, {"size": 0.0})["size"],
    }
    book = {p["instrument"]: p["quantity"] for p in state["positions"]}
    problems = []
    for market, held in venue.items():
        filled = math.fsum(
            (1.0 if r["side"] == "buy" else -1.0) * f["amount"]
            for r in journal
            if r["market"] == market
            for f in r["fills"]
        )
        if not math.isclose(filled, held, abs_tol=TOLERANCE):
            problems.append(f"{market}: journal fills sum to {filled!r}, venue holds {held!r}")
        if not math.isclose(book.get(market, 0.0), held, abs_tol=TOLERANCE):
            problems.append(f"{market}: the book holds {book.get(market)!r}, venue {held!r}")
    return problems


def _same(a: float, b: float) -> bool:
    return math.isclose(a, b, rel_tol=TOLERANCE, abs_tol=1e-12)
